//! The prediction log when things happen at once, in a real browser: two tabs are two
//! `LogStore`s on one database. Each test drives one interleaving that used to count rows twice
//! or lose them without a word: a batch run started while the log was in memory, concurrent
//! writes while it recovers, "Delete all" in another tab during a run, an export while another
//! tab starts a run, writes after a failure or after another tab's upgrade, and a blocked open
//! whose late connection held the next upgrade back.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use instacart_reorder::prediction_log::{summarize_buckets, Filter, Source};
use instacart_reorder::web::log::{
    ExportFormat, LogStore, LogStoreError, StorageStatus, MEMORY_RUN_IDS, SCHEMA_VERSION,
    STORE_NAME,
};
use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{IdbDatabase, IdbObjectStoreParameters, IdbOpenDbRequest};

use crate::log_v3::{blob_text, chunk, run, DAY0};
use crate::storage::{factory, fresh_name, open_raw, record, sleep, wait_until};

/// Total predictions the dashboard's buckets count.
async fn counted(store: &LogStore) -> u64 {
    summarize_buckets(&store.buckets().await.expect("buckets"), &Filter::default()).total as u64
}

#[wasm_bindgen_test]
async fn a_run_started_in_memory_never_takes_a_stored_runs_id() {
    let name = fresh_name("memoryrun");
    let store = LogStore::with_factory(Some(factory()), &name);
    let stored = store.add_batch_run(run()).await.expect("stored run");
    store
        .add_batch_chunk(chunk(stored, 0, DAY0, 30))
        .await
        .expect("stored chunk");
    // A write fails twice: the log is in memory.
    store.fail_next_writes(2);
    let _ = store.add(record(DAY0 + 1, Source::Manual, 0.4)).await;
    assert!(matches!(store.status(), StorageStatus::Memory { .. }));
    // IndexedDB still fails once more: the run starts in memory.
    store.fail_next_writes(1);
    let in_memory = store.add_batch_run(run()).await.expect("a run, in memory");
    assert!(
        in_memory >= MEMORY_RUN_IDS,
        "{in_memory} could be a stored run's id"
    );
    // IndexedDB works again: the run's first chunk goes there, beside the stored run's.
    store
        .add_batch_chunk(chunk(in_memory, 0, DAY0 + 2, 20))
        .await
        .expect("logged once IndexedDB is back");
    assert!(matches!(store.status(), StorageStatus::IndexedDb { .. }));
    let reloaded = LogStore::with_factory(Some(factory()), &name);
    let all = reloaded.all().await.expect("all");
    // 30 rows of the stored run, the record kept in memory, 20 rows of the new run: once each.
    assert_eq!(all.len(), 51);
    assert_eq!(counted(&reloaded).await, 51);
    let stored_rows = all
        .iter()
        .filter(|r| r.source == Source::Batch && r.created_at_ms == DAY0)
        .count();
    assert_eq!(stored_rows, 30, "the stored run's chunk is intact");
}

#[wasm_bindgen_test]
async fn concurrent_writes_while_the_log_recovers_store_each_record_once() {
    let name = fresh_name("concurrent");
    let store = LogStore::with_factory(Some(factory()), &name);
    store
        .add(record(DAY0, Source::Manual, 0.1))
        .await
        .expect("first");
    store.fail_next_writes(2);
    let _ = store.add(record(DAY0 + 1, Source::Manual, 0.2)).await;
    assert!(matches!(store.status(), StorageStatus::Memory { .. }));
    // The embed API writes one record per message, without waiting for the one before.
    const WRITES: usize = 8;
    let results: Rc<RefCell<Vec<Result<u64, LogStoreError>>>> = Rc::default();
    for i in 0..WRITES {
        let store = store.clone();
        let results = Rc::clone(&results);
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = store
                .add(record(DAY0 + 10 + i as i64, Source::Embed, 0.5))
                .await;
            results.borrow_mut().push(outcome);
        });
    }
    assert!(wait_until(20_000.0, || results.borrow().len() == WRITES).await);
    assert!(
        results.borrow().iter().all(Result::is_ok),
        "{:?}",
        results.borrow()
    );
    let reloaded = LogStore::with_factory(Some(factory()), &name);
    let all = reloaded.all().await.expect("all");
    assert_eq!(
        all.len(),
        2 + WRITES,
        "the record kept in memory is stored once"
    );
    assert_eq!(counted(&reloaded).await, 2 + WRITES as u64);
}

#[wasm_bindgen_test]
async fn delete_all_in_another_tab_during_a_run_stops_the_runs_logging_without_replaying_it() {
    let name = fresh_name("clearrun");
    let running = LogStore::with_factory(Some(factory()), &name);
    let other_tab = LogStore::with_factory(Some(factory()), &name);
    let run_id = running.add_batch_run(run()).await.expect("run");
    running
        .add_batch_chunk(chunk(run_id, 0, DAY0, 40))
        .await
        .expect("chunk 0");
    other_tab.clear().await.expect("delete all");
    let refused = running
        .add_batch_chunk(chunk(run_id, 1, DAY0 + 1, 40))
        .await
        .expect_err("the run is gone");
    assert!(
        matches!(refused, LogStoreError::RunCleared(id) if id == run_id),
        "{refused:?}"
    );
    assert!(
        matches!(running.status(), StorageStatus::IndexedDb { .. }),
        "the log stays in IndexedDB"
    );
    running
        .add(record(DAY0 + 2, Source::Manual, 0.3))
        .await
        .expect("a later record");
    let all = other_tab.all().await.expect("all");
    assert_eq!(all.len(), 1, "no cleared row came back");
    assert_eq!(counted(&other_tab).await, 1);
}

#[wasm_bindgen_test]
async fn an_export_running_while_another_tab_starts_a_run_completes() {
    let name = fresh_name("exportrun");
    let exporting = LogStore::with_factory(Some(factory()), &name);
    let other_tab = LogStore::with_factory(Some(factory()), &name);
    // A run of many chunks: the export reads the runs once, then the chunks a page at a time,
    // and a run started meanwhile has its chunks after all of these.
    let first = exporting.add_batch_run(run()).await.expect("run");
    for index in 0..48 {
        exporting
            .add_batch_chunk(chunk(first, index, DAY0 + i64::from(index), 2000))
            .await
            .expect("chunk");
    }
    let outcome: Rc<RefCell<Option<Result<u64, LogStoreError>>>> = Rc::default();
    {
        let outcome = Rc::clone(&outcome);
        let exporting = exporting.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let export = exporting
                .export(ExportFormat::Csv, &Filter::default())
                .await;
            let rows = match export {
                Ok(export) => {
                    let text = blob_text(&export.blob).await;
                    assert_eq!(text.lines().count() as u64, export.rows + 1);
                    Ok(export.rows)
                }
                Err(error) => Err(error),
            };
            outcome.replace(Some(rows));
        });
    }
    // Once the export has read the runs, and while it reads the chunks.
    sleep(100).await;
    let run_id = other_tab.add_batch_run(run()).await.expect("run");
    other_tab
        .add_batch_chunk(chunk(run_id, 0, DAY0, 25))
        .await
        .expect("chunk");
    assert!(wait_until(60_000.0, || outcome.borrow().is_some()).await);
    let rows = outcome
        .borrow_mut()
        .take()
        .expect("done")
        .expect("the export completes");
    assert!(rows == 96_000 || rows == 96_025, "{rows}");
}

#[wasm_bindgen_test]
async fn writes_kept_in_memory_after_a_failure_are_reported_each_time() {
    let store = LogStore::with_factory(Some(factory()), &fresh_name("lostwrites"));
    store
        .add(record(DAY0, Source::Manual, 0.1))
        .await
        .expect("first");
    store.fail_next_writes(3);
    let first = store.add(record(DAY0 + 1, Source::Manual, 0.2)).await;
    assert!(
        matches!(first, Err(LogStoreError::NotStored { count: 1, .. })),
        "{first:?}"
    );
    // IndexedDB still fails: this one is in memory only too, and says so.
    let second = store.add(record(DAY0 + 2, Source::Manual, 0.3)).await;
    assert!(
        matches!(second, Err(LogStoreError::NotStored { count: 1, .. })),
        "{second:?}"
    );
    // Back: both are stored, and the next write is fine.
    store
        .add(record(DAY0 + 3, Source::Manual, 0.4))
        .await
        .expect("stored");
    assert_eq!(store.all().await.expect("all").len(), 4);
}

/// Opens `name` at `version`; `Err` when the open is blocked (another connection does not let go).
async fn open_or_blocked(name: &str, version: u32) -> Result<IdbDatabase, &'static str> {
    let request: IdbOpenDbRequest = factory().open_with_u32(name, version).expect("open");
    let promise = Promise::new(&mut |resolve: Function, _reject: Function| {
        let on_success = {
            let request = request.clone();
            let resolve = resolve.clone();
            Closure::once_into_js(move |_: web_sys::Event| {
                let _ = resolve.call1(
                    &JsValue::UNDEFINED,
                    &request.result().unwrap_or(JsValue::NULL),
                );
            })
        };
        let on_blocked = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::UNDEFINED, &JsValue::from_str("blocked"));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onblocked(Some(on_blocked.unchecked_ref()));
    });
    let outcome = JsFuture::from(promise).await.expect("open settles");
    if outcome.is_string() {
        Err("blocked")
    } else {
        Ok(outcome.unchecked_into())
    }
}

/// The version of database `name` (`indexedDB.databases()`), if it exists.
async fn database_version(name: &str) -> Option<u32> {
    let factory = factory();
    let databases: Function = js_sys::Reflect::get(&factory, &"databases".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let list = JsFuture::from(databases.call0(&factory).ok()?.dyn_into::<Promise>().ok()?)
        .await
        .ok()?;
    js_sys::Array::from(&list).iter().find_map(|entry| {
        let entry_name = js_sys::Reflect::get(&entry, &"name".into())
            .ok()?
            .as_string()?;
        (entry_name == name)
            .then(|| {
                js_sys::Reflect::get(&entry, &"version".into())
                    .ok()?
                    .as_f64()
            })
            .flatten()
            .map(|version| version as u32)
    })
}

#[wasm_bindgen_test]
async fn a_blocked_open_that_succeeds_later_does_not_hold_the_next_upgrade_back() {
    let name = fresh_name("blocked");
    // Another tab of an older app version: schema v1, open, and it never closes on
    // `versionchange`.
    let holder = open_raw(&name, Some(1), |db| {
        let parameters = IdbObjectStoreParameters::new();
        parameters.set_key_path(&JsValue::from_str("id"));
        parameters.set_auto_increment(true);
        db.create_object_store_with_optional_parameters(STORE_NAME, &parameters)
            .expect("v1 store");
    })
    .await;
    let store = LogStore::with_factory(Some(factory()), &name);
    store.ready().await;
    match store.status() {
        StorageStatus::Memory { reason } => assert!(reason.contains("blocked"), "{reason}"),
        other => panic!("expected the memory fallback, got {other:?}"),
    }
    // The old tab goes: the blocked request upgrades the database and opens, late.
    holder.close();
    let start = crate::storage::now_ms();
    while database_version(&name).await != Some(SCHEMA_VERSION) {
        assert!(
            crate::storage::now_ms() - start < 10_000.0,
            "the blocked open never went on"
        );
        sleep(20).await;
    }
    // Its success event comes right after the upgrade's commit.
    sleep(200).await;
    // A newer version's upgrade must not be blocked by that late connection.
    let newer = open_or_blocked(&name, SCHEMA_VERSION + 1).await;
    assert!(newer.is_ok(), "the late connection was left open");
    if let Ok(db) = newer {
        db.close();
    }
}
