//! The v3 prediction log in a real browser: the upgrades from hand-built v1 and v2 databases
//! (more records than one migration page), buckets that equal the summary of the stored
//! records, recent predictions paged newest first, exports built a page at a time that equal
//! `to_csv`, a batch run counted and exported, a failed write retried then reported, and Clear
//! after a fallback to memory clearing IndexedDB too.

#![cfg(target_arch = "wasm32")]

use instacart_reorder::prediction_log::{
    buckets_of, summarize, summarize_buckets, to_csv, BatchChunk, BatchRun, Filter,
    PredictionRecord, Source, MS_PER_DAY,
};
use instacart_reorder::web::log::{
    ExportFormat, LogStore, LogStoreError, StorageStatus, STORE_NAME,
};
use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{IdbDatabase, IdbObjectStoreParameters, IdbTransactionMode};

use crate::storage::{factory, fresh_name, open_raw, record};

pub(crate) const DAY0: i64 = 19_700 * MS_PER_DAY;

/// Varied records: three days, every source, two models, some shared timestamps.
fn varied(count: usize) -> Vec<PredictionRecord> {
    (0..count)
        .map(|i| {
            let source = Source::ALL[i % 4];
            let mut r = record(
                DAY0 + (i as i64 % 3) * MS_PER_DAY + (i as i64 / 2) * 1000,
                source,
                (i % 97) as f64 / 96.0,
            );
            r.model_sha256 = if i % 5 == 0 { "m2" } else { "m1" }.to_owned();
            if i % 7 == 0 {
                r.features.insert("extra".to_owned(), Some(i as f64));
            }
            r
        })
        .collect()
}

/// Writes full records (the v1/v2 shape) into `db`'s predictions store directly.
async fn put_raw(db: &IdbDatabase, records: &[PredictionRecord]) {
    let transaction = db
        .transaction_with_str_and_mode(STORE_NAME, IdbTransactionMode::Readwrite)
        .expect("tx");
    let store = transaction.object_store(STORE_NAME).expect("store");
    for r in records {
        let text = serde_json::to_string(r).expect("json");
        store
            .add(&js_sys::JSON::parse(&text).expect("parse"))
            .expect("add");
    }
    let done = Promise::new(&mut |resolve: Function, _| {
        transaction.set_oncomplete(Some(&resolve));
    });
    JsFuture::from(done).await.expect("commit");
}

fn with_ids(mut records: Vec<PredictionRecord>) -> Vec<PredictionRecord> {
    for (index, r) in records.iter_mut().enumerate() {
        r.id = Some(index as u64 + 1);
    }
    records
}

pub(crate) async fn blob_text(blob: &web_sys::Blob) -> String {
    JsFuture::from(blob.text())
        .await
        .expect("blob text")
        .as_string()
        .expect("text")
}

/// After an upgrade: every record back with its values, buckets of exactly those records, the
/// feature-name union, no drift sketch (rows from before v4 have none), the current version.
async fn check_upgraded(name: &str, expected: &[PredictionRecord]) {
    let store = LogStore::with_factory(Some(factory()), name);
    let stored = store.all().await.expect("all after upgrade");
    assert_eq!(stored.len(), expected.len());
    assert_eq!(stored, expected);
    let mut buckets = store.buckets().await.expect("buckets");
    buckets.sort_by_key(|b| b.key());
    assert_eq!(buckets, buckets_of(expected));
    assert!(
        store.sketch_buckets().await.expect("sketches").is_empty(),
        "rows logged before v4 get no invented histograms"
    );
    let names = store.feature_names().await.expect("names");
    assert_eq!(
        names,
        [
            "days_since_prior_order",
            "extra",
            "up_reorder_rate",
            "user_total_orders"
        ]
    );
    let next = store
        .add(record(DAY0, Source::Manual, 0.5))
        .await
        .expect("add after upgrade");
    assert_eq!(next, expected.len() as u64 + 1);
    let db = open_raw(name, None, |_| {}).await;
    assert_eq!(db.version(), 4.0);
    db.close();
}

#[wasm_bindgen_test]
async fn upgrade_from_v1_keeps_values_and_builds_buckets_in_pages() {
    let name = fresh_name("v1to3");
    let db = open_raw(&name, Some(1), |db| {
        let parameters = IdbObjectStoreParameters::new();
        parameters.set_key_path(&JsValue::from_str("id"));
        parameters.set_auto_increment(true);
        db.create_object_store_with_optional_parameters(STORE_NAME, &parameters)
            .expect("v1 store");
    })
    .await;
    let records = varied(4_500);
    put_raw(&db, &records).await;
    db.close();
    check_upgraded(&name, &with_ids(records)).await;
}

#[wasm_bindgen_test]
async fn upgrade_from_v2_keeps_values_and_builds_buckets_in_pages() {
    let name = fresh_name("v2to3");
    let db = open_raw(&name, Some(2), |db| {
        let parameters = IdbObjectStoreParameters::new();
        parameters.set_key_path(&JsValue::from_str("id"));
        parameters.set_auto_increment(true);
        let store = db
            .create_object_store_with_optional_parameters(STORE_NAME, &parameters)
            .expect("v2 store");
        store
            .create_index_with_str("by_created_at", "created_at_ms")
            .expect("index");
        store
            .create_index_with_str("by_model_sha256", "model_sha256")
            .expect("index");
    })
    .await;
    let records = varied(2_001);
    put_raw(&db, &records).await;
    db.close();
    check_upgraded(&name, &with_ids(records)).await;
}

#[wasm_bindgen_test]
async fn buckets_equal_the_summary_of_the_stored_records() {
    let store = LogStore::with_factory(Some(factory()), &fresh_name("buckets"));
    let records = varied(600);
    for chunk in records.chunks(150) {
        store.add_all(chunk.to_vec()).await.expect("add");
    }
    let stored = store.all().await.expect("all");
    let buckets = store.buckets().await.expect("buckets");
    let filters = [
        Filter::default(),
        Filter {
            sources: vec![Source::Demo, Source::Embed],
            ..Filter::default()
        },
        Filter {
            from_ms: Some(DAY0 + MS_PER_DAY),
            to_ms: Some(DAY0 + 2 * MS_PER_DAY),
            model_sha256: Some("m1".to_owned()),
            ..Filter::default()
        },
    ];
    for filter in &filters {
        let mut from_buckets = summarize_buckets(&buckets, filter);
        let mut from_records = summarize(&stored, filter);
        let (a, b) = (
            from_buckets.mean_probability.take(),
            from_records.mean_probability.take(),
        );
        assert_eq!(from_buckets, from_records, "{filter:?}");
        match (a, b) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12),
            (a, b) => assert_eq!(a, b),
        }
    }
}

#[wasm_bindgen_test]
async fn recent_pages_run_newest_first_across_pages_and_sources() {
    let store = LogStore::with_factory(Some(factory()), &fresh_name("paging"));
    let records = varied(137);
    store.add_all(records).await.expect("add");
    // A batch run whose 30 rows share one millisecond, in the middle of the log.
    let run_id = store.add_batch_run(run()).await.expect("run");
    store
        .add_batch_chunk(chunk(run_id, 0, DAY0 + MS_PER_DAY + 20_000, 30))
        .await
        .expect("chunk");
    for filter in [
        Filter::default(),
        Filter {
            sources: vec![Source::Batch, Source::Manual],
            ..Filter::default()
        },
    ] {
        let mut seen = Vec::new();
        let mut position = None;
        let mut pages = 0;
        loop {
            let page = store.recent(&filter, position, 25).await.expect("page");
            pages += 1;
            assert!(page.records.len() <= 25);
            seen.extend(page.records);
            match page.next {
                Some(next) => position = Some(next),
                None => break,
            }
            assert!(pages < 100, "paging does not end");
        }
        let total = summarize_buckets(&store.buckets().await.expect("b"), &filter).total;
        assert_eq!(seen.len() as u64, total, "{filter:?}");
        // Newest first, and within one millisecond logged records by id, descending.
        for pair in seen.windows(2) {
            assert!(pair[0].created_at_ms >= pair[1].created_at_ms);
            if pair[0].created_at_ms == pair[1].created_at_ms {
                if let (Some(a), Some(b)) = (pair[0].id, pair[1].id) {
                    assert!(a > b);
                }
            }
        }
        let ids: Vec<u64> = seen.iter().filter_map(|r| r.id).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "no record twice");
        assert!(seen.iter().filter(|r| r.source == Source::Batch).count() >= 30);
    }
}

pub(crate) fn run() -> BatchRun {
    BatchRun {
        run_id: None,
        started_at_ms: DAY0,
        file_name: "rows.csv".to_owned(),
        model_sha256: "m3".to_owned(),
        threshold: 0.5,
        feature_names: vec!["user_total_orders".to_owned(), "batch_only".to_owned()],
        rows: 0,
        positives: 0,
        ended: None,
        quality: None,
    }
}

pub(crate) fn chunk(run_id: u64, index: u32, created_at_ms: i64, rows: usize) -> BatchChunk {
    BatchChunk {
        run_id,
        index,
        created_at_ms,
        probabilities: (0..rows).map(|i| i as f64 / rows as f64).collect(),
        decisions: (0..rows).map(|i| i * 2 >= rows).collect(),
        user_ids: (0..rows)
            .map(|i| (i % 3 != 0).then_some(i as u64))
            .collect(),
        product_ids: (0..rows).map(|i| Some(100 + i as u64)).collect(),
        values: (0..rows * 2)
            .map(|i| if i % 5 == 0 { f64::NAN } else { i as f64 * 0.5 })
            .collect(),
        sketch: None,
    }
}

#[wasm_bindgen_test]
async fn export_page_by_page_equals_to_csv_of_the_records() {
    let store = LogStore::with_factory(Some(factory()), &fresh_name("export"));
    let records = varied(4_321);
    for part in records.chunks(1000) {
        store.add_all(part.to_vec()).await.expect("add");
    }
    let expected = with_ids(records);
    let csv = store
        .export(ExportFormat::Csv, &Filter::default())
        .await
        .expect("csv");
    assert_eq!(csv.rows, expected.len() as u64);
    assert_eq!(blob_text(&csv.blob).await, to_csv(&expected));

    let filter = Filter {
        sources: vec![Source::Embed],
        ..Filter::default()
    };
    let json = store
        .export(ExportFormat::Json, &filter)
        .await
        .expect("json");
    let read: Vec<PredictionRecord> =
        serde_json::from_str(&blob_text(&json.blob).await).expect("json reads back");
    let selected: Vec<PredictionRecord> =
        expected.into_iter().filter(|r| filter.matches(r)).collect();
    assert_eq!(read, selected);
}

#[wasm_bindgen_test]
async fn a_batch_run_is_counted_everywhere_and_exported() {
    let store = LogStore::with_factory(Some(factory()), &fresh_name("batchrun"));
    store
        .add(record(DAY0, Source::Manual, 0.9))
        .await
        .expect("one record");
    let run_id = store.add_batch_run(run()).await.expect("run");
    let chunks = [
        chunk(run_id, 0, DAY0 + 10, 40),
        chunk(run_id, 1, DAY0 + MS_PER_DAY, 25),
    ];
    for c in &chunks {
        store.add_batch_chunk(c.clone()).await.expect("chunk");
    }
    let mut stored_run = run();
    stored_run.run_id = Some(run_id);
    let mut expected = with_ids(vec![record(DAY0, Source::Manual, 0.9)]);
    for c in &chunks {
        expected.extend(c.records(&stored_run).expect("rows"));
    }
    let all = store.all().await.expect("all");
    assert_eq!(all.len(), 66);
    // Stored as typed arrays, read back bit for bit (NaN values as missing).
    assert_eq!(all, expected);
    let summary = summarize_buckets(&store.buckets().await.expect("b"), &Filter::default());
    assert_eq!(summary.total, 66);
    assert_eq!(summary.per_source.get(&Source::Batch), Some(&65));
    assert_eq!(summary, {
        let mut s = summarize(&expected, &Filter::default());
        s.mean_probability = summary.mean_probability;
        s
    });
    let csv = store
        .export(ExportFormat::Csv, &Filter::default())
        .await
        .expect("csv");
    assert_eq!(blob_text(&csv.blob).await, to_csv(&expected));
    let names = store.feature_names().await.expect("names");
    assert!(names.contains(&"batch_only".to_owned()));
}

#[wasm_bindgen_test]
async fn a_failed_write_is_retried_then_reported_and_indexeddb_comes_back() {
    let name = fresh_name("retry");
    let store = LogStore::with_factory(Some(factory()), &name);
    store
        .add(record(DAY0, Source::Manual, 0.1))
        .await
        .expect("first");
    // One failure: the retry stores it.
    store.fail_next_writes(1);
    store
        .add(record(DAY0 + 1, Source::Manual, 0.2))
        .await
        .expect("retried");
    assert!(matches!(store.status(), StorageStatus::IndexedDb { .. }));
    // Two failures: reported with the count, kept in memory.
    store.fail_next_writes(2);
    let error = store
        .add_all(vec![
            record(DAY0 + 2, Source::Demo, 0.3),
            record(DAY0 + 3, Source::Demo, 0.4),
            record(DAY0 + 4, Source::Demo, 0.5),
        ])
        .await
        .expect_err("reported");
    assert!(
        matches!(error, LogStoreError::NotStored { count: 3, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("3 predictions"), "{error}");
    assert!(matches!(store.status(), StorageStatus::Memory { .. }));
    // The memory log holds only what was written since, not the stored log.
    assert_eq!(store.all().await.expect("memory").len(), 3);
    // The next write finds IndexedDB working: everything is stored there again.
    store
        .add(record(DAY0 + 5, Source::Embed, 0.6))
        .await
        .expect("back");
    assert!(matches!(store.status(), StorageStatus::IndexedDb { .. }));
    let reloaded = LogStore::with_factory(Some(factory()), &name);
    let all = reloaded.all().await.expect("all");
    let times: Vec<i64> = all.iter().map(|r| r.created_at_ms - DAY0).collect();
    assert_eq!(times, [0, 1, 2, 3, 4, 5]);
    let summary = summarize_buckets(&reloaded.buckets().await.expect("b"), &Filter::default());
    assert_eq!(summary.total, 6);
}

#[wasm_bindgen_test]
async fn clear_after_a_fallback_clears_indexeddb_too() {
    let name = fresh_name("clearfallback");
    let store = LogStore::with_factory(Some(factory()), &name);
    store.add_all(varied(10)).await.expect("stored");
    store.fail_next_writes(2);
    let _ = store.add(record(DAY0, Source::Manual, 0.5)).await;
    assert!(matches!(store.status(), StorageStatus::Memory { .. }));
    store.clear().await.expect("clear");
    // A reload sees nothing: records, buckets and feature names are gone.
    let reloaded = LogStore::with_factory(Some(factory()), &name);
    assert!(reloaded.all().await.expect("all").is_empty());
    assert!(reloaded.buckets().await.expect("buckets").is_empty());
    assert!(reloaded.feature_names().await.expect("names").is_empty());
}
