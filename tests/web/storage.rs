//! The prediction log in a real browser (headless Chromium through wasm-bindgen-test): writes
//! and reads through IndexedDB, the upgrade from a v1 database built here by hand, the fallback
//! to memory when IndexedDB is missing, refuses to open, or is taken away by another tab's
//! upgrade, live notices across stores, and the dashboard rendering the log (including the time
//! to open it over 100k records).
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web storage::`

#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use instacart_reorder::prediction_log::{Filter, PredictionRecord, Source};
use instacart_reorder::web::log::{
    ExportFormat, LogStore, LogStoreError, LogStoreHandle, StorageStatus, SCHEMA_VERSION,
    STORE_NAME,
};
use instacart_reorder::web::pages::dashboard::DashboardPage;
use js_sys::{Function, Promise};
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{IdbDatabase, IdbFactory, IdbObjectStoreParameters, IdbOpenDbRequest};

pub(crate) fn factory() -> IdbFactory {
    web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .expect("the test browser has IndexedDB")
}

/// A database name no other test (or earlier run) uses.
pub(crate) fn fresh_name(label: &str) -> String {
    format!("test-{label}-{}", js_sys::Math::random().to_bits())
}

pub(crate) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

pub(crate) async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve: Function, _| {
        let _ = web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Waits (up to `limit_ms`) until `check` holds.
pub(crate) async fn wait_until(limit_ms: f64, check: impl Fn() -> bool) -> bool {
    let start = now_ms();
    while now_ms() - start < limit_ms {
        if check() {
            return true;
        }
        sleep(5).await;
    }
    check()
}

pub(crate) fn record(created_at_ms: i64, source: Source, probability: f64) -> PredictionRecord {
    let mut features = BTreeMap::new();
    features.insert("user_total_orders".to_owned(), Some(12.0));
    features.insert("up_reorder_rate".to_owned(), None);
    features.insert("days_since_prior_order".to_owned(), Some(0.1 + 0.2));
    PredictionRecord {
        id: None,
        created_at_ms,
        source,
        user_id: Some(7),
        product_id: None,
        features,
        probability,
        is_reorder: probability >= 0.25,
        threshold: 0.25,
        model_sha256: "abc123".to_owned(),
    }
}

/// Opens `name` at `version` (or its current version) directly, without app code, running
/// `upgrade` if the version is new.
pub(crate) async fn open_raw(
    name: &str,
    version: Option<u32>,
    upgrade: impl FnOnce(&IdbDatabase) + 'static,
) -> IdbDatabase {
    let request: IdbOpenDbRequest = match version {
        Some(version) => factory().open_with_u32(name, version),
        None => factory().open(name),
    }
    .expect("open");
    let on_upgrade = {
        let request = request.clone();
        Closure::once_into_js(move |_: web_sys::Event| {
            let db: IdbDatabase = request.result().expect("db").unchecked_into();
            upgrade(&db);
        })
    };
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let on_success = {
            let request = request.clone();
            Closure::once_into_js(move |_: web_sys::Event| {
                let _ = resolve.call1(
                    &JsValue::UNDEFINED,
                    &request.result().unwrap_or(JsValue::NULL),
                );
            })
        };
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call0(&JsValue::UNDEFINED);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .expect("raw open succeeds")
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn writes_read_back_exactly_and_clear_empties() {
    let store = LogStore::with_factory(Some(factory()), &fresh_name("roundtrip"));
    let first = record(1_700_000_000_000, Source::Manual, 0.1 + 0.2);
    let id = store.add(first.clone()).await.expect("add");
    assert_eq!(id, 1);
    assert!(matches!(store.status(), StorageStatus::IndexedDb { .. }));

    let batch = vec![
        record(1_700_000_000_001, Source::Demo, 0.5),
        record(1_700_000_000_002, Source::Demo, 1.0),
        record(1_700_000_000_003, Source::Batch, 0.0),
    ];
    let ids = store.add_all(batch.clone()).await.expect("add_all");
    assert_eq!(ids, vec![2, 3, 4]);

    let stored = store.all().await.expect("all");
    let mut expected = vec![first];
    expected.extend(batch);
    for (index, record) in expected.iter_mut().enumerate() {
        record.id = Some(index as u64 + 1);
    }
    assert_eq!(stored, expected);
    // Bit for bit, and missing stays missing.
    assert_eq!(stored[0].probability.to_bits(), (0.1f64 + 0.2).to_bits());
    assert_eq!(stored[0].features.get("up_reorder_rate"), Some(&None));

    let light = store
        .recent(&Filter::default(), None, 10)
        .await
        .expect("recent")
        .records;
    assert_eq!(light.len(), 4);
    assert!(light.iter().all(|r| r.features.is_empty()));
    assert_eq!(light[0].source, Source::Batch);
    assert_eq!(light[2].probability, 0.5);

    // A second store on the same database (another tab, in effect) sees the same log.
    let name_twin = LogStore::with_factory(Some(factory()), &store.database_name());
    assert_eq!(name_twin.all().await.expect("twin all").len(), 4);

    store.clear().await.expect("clear");
    assert!(store.all().await.expect("all after clear").is_empty());
}

#[wasm_bindgen_test]
async fn a_record_with_a_nan_probability_is_refused_not_stored() {
    let store = LogStore::with_factory(Some(factory()), &fresh_name("nan"));
    let error = store
        .add(record(0, Source::Manual, f64::NAN))
        .await
        .expect_err("NaN must be refused");
    assert!(error.to_string().contains("probability"), "{error}");
    assert!(store.all().await.expect("all").is_empty());
}

#[wasm_bindgen_test]
async fn upgrade_from_v1_keeps_records_and_reaches_v4() {
    let name = fresh_name("upgrade");
    // Schema v1 as the first release created it: the store, keyed by an auto-incremented id.
    let db = open_raw(&name, Some(1), |db| {
        let parameters = IdbObjectStoreParameters::new();
        parameters.set_key_path(&JsValue::from_str("id"));
        parameters.set_auto_increment(true);
        db.create_object_store_with_optional_parameters(STORE_NAME, &parameters)
            .expect("v1 store");
    })
    .await;
    let old = js_sys::JSON::parse(
        r#"{"created_at_ms":1600000000000,"source":"embed","user_id":null,"product_id":42,
            "features":{"a":1.5,"b":null},"probability":0.75,"is_reorder":true,
            "threshold":0.2,"model_sha256":"old"}"#,
    )
    .expect("json");
    let transaction = db
        .transaction_with_str_and_mode(STORE_NAME, web_sys::IdbTransactionMode::Readwrite)
        .expect("tx");
    transaction
        .object_store(STORE_NAME)
        .and_then(|store| store.add(&old))
        .expect("v1 add");
    let done = Promise::new(&mut |resolve: Function, _| {
        transaction.set_oncomplete(Some(&resolve));
    });
    JsFuture::from(done).await.expect("v1 commit");
    db.close();

    let store = LogStore::with_factory(Some(factory()), &name);
    let records = store.all().await.expect("all after upgrade");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].id, Some(1));
    assert_eq!(records[0].source, Source::Embed);
    assert_eq!(records[0].product_id, Some(42));
    assert_eq!(records[0].features.get("b"), Some(&None));
    assert_eq!(records[0].features.get("a"), Some(&Some(1.5)));
    // New writes continue the old key sequence.
    assert_eq!(
        store
            .add(record(1, Source::Manual, 0.3))
            .await
            .expect("add"),
        2
    );

    // The database is now v4 with both indexes (checked without app code).
    let db = open_raw(&name, None, |_| {}).await;
    assert_eq!(db.version(), 4.0);
    let stores = db.object_store_names();
    let stores: Vec<String> = (0..stores.length())
        .filter_map(|i| stores.item(i))
        .collect();
    assert_eq!(
        stores,
        [
            "batch_chunks",
            "batch_runs",
            "buckets",
            "features",
            "input_sketches",
            "meta",
            "predictions"
        ]
    );
    let indexes = db
        .transaction_with_str(STORE_NAME)
        .and_then(|transaction| transaction.object_store(STORE_NAME))
        .expect("store")
        .index_names();
    let names: Vec<String> = (0..indexes.length())
        .filter_map(|i| indexes.item(i))
        .collect();
    assert_eq!(
        names,
        vec!["by_created_at".to_owned(), "by_model_sha256".to_owned()]
    );
    db.close();
}

#[wasm_bindgen_test]
async fn without_indexeddb_the_log_lives_in_memory() {
    let store = LogStore::with_factory(None, &fresh_name("none"));
    let id = store
        .add(record(5, Source::Manual, 0.9))
        .await
        .expect("add");
    assert_eq!(id, 1);
    match store.status() {
        StorageStatus::Memory { reason } => assert!(reason.contains("not available"), "{reason}"),
        other => panic!("expected the memory fallback, got {other:?}"),
    }
    assert_eq!(
        store
            .add_all(vec![record(6, Source::Demo, 0.1)])
            .await
            .expect("add_all"),
        vec![2]
    );
    let all = store.all().await.expect("all");
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].id, Some(2));
    let light = store
        .recent(&Filter::default(), None, 10)
        .await
        .expect("recent");
    assert_eq!(light.records.len(), 2);
    assert!(light.records[0].features.is_empty());
    store.clear().await.expect("clear");
    assert!(store.all().await.expect("all").is_empty());
}

#[wasm_bindgen_test]
async fn a_database_that_refuses_to_open_falls_back_to_memory() {
    let name = fresh_name("newer");
    // A newer schema already exists: opening at ours fails with a VersionError.
    open_raw(&name, Some(7), |_| {}).await.close();
    let store = LogStore::with_factory(Some(factory()), &name);
    let id = store
        .add(record(5, Source::Manual, 0.9))
        .await
        .expect("add still works");
    assert_eq!(id, 1);
    match store.status() {
        StorageStatus::Memory { reason } => assert!(reason.contains("VersionError"), "{reason}"),
        other => panic!("expected the memory fallback, got {other:?}"),
    }
    assert_eq!(store.all().await.expect("all").len(), 1);
}

#[wasm_bindgen_test]
async fn another_tabs_upgrade_closes_the_connection_and_later_writes_are_kept() {
    let name = fresh_name("versionchange");
    let store = LogStore::with_factory(Some(factory()), &name);
    store
        .add(record(1, Source::Manual, 0.4))
        .await
        .expect("first add");
    // This open only completes if the store closes its connection on `versionchange`.
    open_raw(&name, Some(SCHEMA_VERSION + 1), |_| {})
        .await
        .close();
    // Kept in this tab's memory, and said to be: it is lost when the tab closes.
    let error = store
        .add(record(2, Source::Manual, 0.6))
        .await
        .expect_err("a write after the upgrade is reported as not stored");
    assert!(
        matches!(error, LogStoreError::NotStored { count: 1, .. }),
        "{error:?}"
    );
    match store.status() {
        StorageStatus::Memory { reason } => assert!(reason.contains("VersionError"), "{reason}"),
        other => panic!("expected the memory fallback, got {other:?}"),
    }
    let all = store.all().await.expect("all");
    assert_eq!(all.last().map(|r| r.created_at_ms), Some(2));
}

#[wasm_bindgen_test]
async fn other_stores_hear_about_writes() {
    let name = fresh_name("broadcast");
    let writer = LogStore::with_factory(Some(factory()), &name);
    let reader = LogStore::with_factory(Some(factory()), &name);
    let heard = Rc::new(Cell::new(0u32));
    let counter = heard.clone();
    reader.on_remote_change(move || counter.set(counter.get() + 1));
    writer.add(record(1, Source::Demo, 0.2)).await.expect("add");
    assert!(
        wait_until(2000.0, || heard.get() >= 1).await,
        "no change notice"
    );
    assert_eq!(reader.all().await.expect("all").len(), 1);
}

/// The element with `data-testid="<test_id>"` inside `root`.
pub(crate) fn find(root: &web_sys::Element, test_id: &str) -> Option<web_sys::Element> {
    root.query_selector(&format!("[data-testid=\"{test_id}\"]"))
        .ok()
        .flatten()
}

pub(crate) fn text_of(root: &web_sys::Element, test_id: &str) -> Option<String> {
    find(root, test_id)?.text_content()
}

fn attribute_of(root: &web_sys::Element, test_id: &str, attribute: &str) -> Option<String> {
    find(root, test_id)?.get_attribute(attribute)
}

fn click(root: &web_sys::Element, test_id: &str) {
    let element: web_sys::HtmlElement = find(root, test_id)
        .expect("element to click")
        .unchecked_into();
    element.click();
}

/// How many recent-prediction rows `root` shows.
fn rows_shown(root: &web_sys::Element) -> u32 {
    root.query_selector_all("[data-testid=\"recent-row\"]")
        .map(|rows| rows.length())
        .unwrap_or(0)
}

/// Mounts the dashboard over `store` in a fresh container; returns the container.
pub(crate) fn mount_dashboard(store: LogStore) -> web_sys::HtmlElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let container: web_sys::HtmlElement = document
        .create_element("div")
        .expect("div")
        .unchecked_into();
    document
        .body()
        .expect("body")
        .append_child(&container)
        .expect("append");
    let handle = leptos::mount::mount_to(container.clone(), move || {
        provide_context(LogStoreHandle::new(store));
        view! { <DashboardPage /> }
    });
    std::mem::forget(handle);
    container
}

#[wasm_bindgen_test]
async fn dashboard_counts_bins_pages_and_clears_after_confirmation() {
    let store = LogStore::with_factory(Some(factory()), &fresh_name("dashboard"));
    // 30 records: probabilities i/30; is_reorder = p >= 0.25, i.e. i >= 7.5 -> 22 positives.
    let records: Vec<_> = (0..30)
        .map(|i| record(1_700_000_000_000 + i, Source::Demo, i as f64 / 30.0))
        .collect();
    store.add_all(records).await.expect("seed");
    let container = mount_dashboard(store.clone());

    assert!(
        wait_until(5000.0, || text_of(&container, "total-predictions")
            .as_deref()
            == Some("30"))
        .await
    );
    assert_eq!(
        attribute_of(&container, "positive-rate", "data-value"),
        Some((22.0f64 / 30.0).to_string())
    );
    // Bin 0 covers [0, 0.05): i/30 < 0.05 -> i = 0, 1 -> 2 records.
    let first_bin = container
        .query_selector("[data-testid=\"probability-histogram\"] rect[data-bin=\"0\"]")
        .ok()
        .flatten()
        .and_then(|bar| bar.get_attribute("data-count"));
    assert_eq!(first_bin.as_deref(), Some("2"));
    assert_eq!(
        attribute_of(&container, "probability-histogram", "data-threshold").as_deref(),
        Some("0.25")
    );
    // Newest first, 25 per page: the first row is id 30 (the page is read after the totals).
    assert!(wait_until(5000.0, || rows_shown(&container) == 25).await);
    let rows = container
        .query_selector_all("[data-testid=\"recent-row\"]")
        .expect("rows");
    assert_eq!(rows.length(), 25);
    let first_row: web_sys::Element = rows.get(0).expect("row").unchecked_into();
    assert_eq!(first_row.get_attribute("data-id").as_deref(), Some("30"));
    assert_eq!(
        text_of(&container, "page-indicator").as_deref(),
        Some("Page 1 / 2")
    );

    // A write through another store shows up live.
    let other_tab = LogStore::with_factory(Some(factory()), &store.database_name());
    other_tab
        .add(record(1_700_000_001_000, Source::Manual, 0.9))
        .await
        .expect("remote add");
    assert!(
        wait_until(5000.0, || text_of(&container, "total-predictions")
            .as_deref()
            == Some("31"))
        .await
    );

    // Clearing asks first, in the page.
    click(&container, "clear-log");
    assert!(wait_until(5000.0, || find(&container, "clear-confirmation").is_some()).await);
    // Nothing is deleted until the confirmation is pressed.
    assert_eq!(store.all().await.expect("all").len(), 31);
    assert_eq!(
        text_of(&container, "total-predictions").as_deref(),
        Some("31")
    );
    click(&container, "confirm-clear");
    assert!(
        wait_until(5000.0, || text_of(&container, "total-predictions")
            .as_deref()
            == Some("0"))
        .await
    );
    assert!(store.all().await.expect("all").is_empty());
    container.remove();
}

#[wasm_bindgen_test]
async fn dashboard_opens_over_100k_records() {
    const RECORDS: usize = 100_000;
    const FEATURES: usize = 31;
    let store = LogStore::with_factory(Some(factory()), &fresh_name("scale"));
    let seed_start = now_ms();
    for chunk in 0..10 {
        let records: Vec<_> = (0..RECORDS / 10)
            .map(|i| {
                let n = chunk * (RECORDS / 10) + i;
                let mut r = record(
                    1_700_000_000_000 + n as i64 * 60_000,
                    Source::Demo,
                    (n % 1000) as f64 / 1000.0,
                );
                r.features = (0..FEATURES)
                    .map(|f| {
                        (
                            format!("feature_{f:02}"),
                            (f % 7 != 0).then_some(n as f64 * 0.5),
                        )
                    })
                    .collect();
                r
            })
            .collect();
        store.add_all(records).await.expect("seed chunk");
    }
    let seeded_ms = now_ms() - seed_start;

    // Cold: a new page over the seeded database (nothing cached yet).
    let viewer = LogStore::with_factory(Some(factory()), &store.database_name());
    let open_start = now_ms();
    let container = mount_dashboard(viewer.clone());
    let shown = wait_until(60_000.0, || {
        text_of(&container, "total-predictions").as_deref() == Some("100000")
    })
    .await;
    let cold_ms = now_ms() - open_start;
    assert!(shown, "the dashboard did not show 100000 records");
    assert!(wait_until(10_000.0, || rows_shown(&container) == 25).await);
    let rows_ms = now_ms() - open_start;
    let rows = container
        .query_selector_all("[data-testid=\"recent-row\"]")
        .expect("rows");
    assert_eq!(rows.length(), 25);

    // Paging renders one page, not the log.
    let page_start = now_ms();
    click(&container, "page-next");
    let paged = wait_until(10_000.0, || {
        text_of(&container, "page-indicator").as_deref() == Some("Page 2 / 4000")
    })
    .await;
    let page_ms = now_ms() - page_start;
    assert!(
        paged,
        "page indicator: {:?}",
        text_of(&container, "page-indicator")
    );

    // Another tab logs one more: only the new record is read.
    let live_start = now_ms();
    store
        .add(record(1_800_000_000_000, Source::Manual, 0.5))
        .await
        .expect("remote add");
    let write_ms = now_ms() - live_start;
    let live = wait_until(30_000.0, || {
        text_of(&container, "total-predictions").as_deref() == Some("100001")
    })
    .await;
    let live_ms = now_ms() - live_start;
    assert!(live, "the new record did not show up");
    container.remove();

    // Warm: opening the dashboard again in the same page (the database is already open).
    let open_start = now_ms();
    let container = mount_dashboard(viewer.clone());
    let shown = wait_until(60_000.0, || {
        text_of(&container, "total-predictions").as_deref() == Some("100001")
    })
    .await;
    let warm_ms = now_ms() - open_start;
    assert!(shown);
    container.remove();

    // The whole log as CSV, a page at a time into a Blob.
    let export_start = now_ms();
    let export = viewer
        .export(ExportFormat::Csv, &Filter::default())
        .await
        .expect("export");
    let export_ms = now_ms() - export_start;
    assert_eq!(export.rows, RECORDS as u64 + 1);
    console_log!(
        "100k records: seed {seeded_ms:.0} ms; dashboard open to all 100k shown: cold {cold_ms:.0} ms (first page of rows {rows_ms:.0} ms), \
         warm {warm_ms:.0} ms; next page {page_ms:.0} ms; another tab's write committed in {write_ms:.0} ms and shown after {live_ms:.0} ms; \
         CSV export of {} rows: {export_ms:.0} ms, {:.1} MB",
        export.rows,
        export.blob.size() / 1_000_000.0
    );
}
