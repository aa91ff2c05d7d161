//! The log's drift sketches in real IndexedDB: records and batch chunks add to the sketch of
//! their day in the same write (read back by a second store), a write retried after a failure
//! counts its rows once, and sketches kept in memory while IndexedDB failed reach it with the
//! records when it works again.

use instacart_reorder::model::Model;
use instacart_reorder::monitoring::sketch::{InputSketch, SketchBins};
use instacart_reorder::prediction_log::{
    merged_sketch, BatchChunk, BatchRun, Filter, PredictionRecord, RecordIds, Source,
};
use instacart_reorder::web::log::{LogStore, StorageStatus};
use wasm_bindgen_test::*;

use crate::storage::{factory, fresh_name};

const BUNDLE: &str = include_str!("../../assets/model.json");
/// 2024-03-01, UTC.
const DAY0: i64 = 1_709_251_200_000;

fn model() -> Model {
    Model::from_bundle_json(BUNDLE).expect("the bundled model")
}

/// Rows of the model's width with varied values (some missing), and their probabilities.
fn rows(model: &Model, count: usize, seed: usize) -> (Vec<f64>, Vec<f64>) {
    let width = model.num_features();
    let values: Vec<f64> = (0..count * width)
        .map(|i| {
            let k = i * 7 + seed * 13;
            if k.is_multiple_of(11) {
                f64::NAN
            } else {
                (k % 37) as f64 * 0.75
            }
        })
        .collect();
    let probabilities = values
        .chunks_exact(width)
        .map(|row| model.predict(row).expect("scores").probability)
        .collect();
    (values, probabilities)
}

fn records(model: &Model, values: &[f64], probabilities: &[f64], at: i64) -> Vec<PredictionRecord> {
    let names = model.feature_names();
    values
        .chunks_exact(model.num_features())
        .zip(probabilities)
        .map(|(row, &probability)| {
            PredictionRecord::from_scored(
                Source::Manual,
                at,
                RecordIds::default(),
                &names,
                row,
                probability,
                model,
            )
        })
        .collect()
}

async fn stored_sketch(name: &str, bins: &SketchBins) -> InputSketch {
    let reader = LogStore::with_factory(Some(factory()), name);
    let stored = reader.sketch_buckets().await.expect("sketches");
    merged_sketch(&stored, &Filter::default(), bins).0
}

#[wasm_bindgen_test]
async fn records_and_chunks_add_to_their_days_sketch_in_the_same_write() {
    let model = model();
    let bins = SketchBins::for_model(&model);
    let name = fresh_name("sketches");
    let store = LogStore::with_factory(Some(factory()), &name);

    let (values, probabilities) = rows(&model, 40, 1);
    let logged = records(&model, &values, &probabilities, DAY0);
    let sketches = store.sketches_of(&logged, &model);
    store
        .add_all_sketched(logged, sketches)
        .await
        .expect("records");

    let (chunk_values, chunk_probabilities) = rows(&model, 60, 2);
    let mut chunk_sketch = bins.empty_sketch();
    chunk_sketch
        .add_rows(&bins, &chunk_values, &chunk_probabilities)
        .expect("width");
    let run = store
        .add_batch_run(BatchRun {
            run_id: None,
            started_at_ms: DAY0,
            file_name: "rows.csv".to_owned(),
            model_sha256: model.source_sha256().to_owned(),
            threshold: model.threshold(),
            feature_names: model
                .feature_names()
                .iter()
                .map(|n| n.to_string())
                .collect(),
            rows: 0,
            positives: 0,
            ended: None,
            quality: None,
        })
        .await
        .expect("run");
    store
        .add_batch_chunk(BatchChunk {
            run_id: run,
            index: 0,
            created_at_ms: DAY0 + 5,
            decisions: chunk_probabilities
                .iter()
                .map(|&p| model.is_reorder(p))
                .collect(),
            user_ids: vec![None; 60],
            product_ids: vec![None; 60],
            probabilities: chunk_probabilities.clone(),
            // The values are not kept; the sketch still counts them.
            values: Vec::new(),
            sketch: Some(chunk_sketch),
        })
        .await
        .expect("chunk");

    let mut expected = bins.empty_sketch();
    expected
        .add_rows(&bins, &values, &probabilities)
        .expect("width");
    expected
        .add_rows(&bins, &chunk_values, &chunk_probabilities)
        .expect("width");
    let back = stored_sketch(&name, &bins).await;
    assert_eq!(back.rows, 100);
    for (read, made) in back.features.iter().zip(&expected.features) {
        assert_eq!(read.present(), made.present());
        assert_eq!(read.missing(), made.missing());
    }
    assert_eq!(back.prediction.counts, expected.prediction.counts);
    // Manual and batch rows are apart by source.
    let batch = Filter {
        sources: vec![Source::Batch],
        ..Filter::default()
    };
    let stored = store.sketch_buckets().await.expect("sketches");
    assert_eq!(merged_sketch(&stored, &batch, &bins).0.rows, 60);
}

#[wasm_bindgen_test]
async fn a_retried_write_counts_once_and_memory_sketches_reach_indexeddb() {
    let model = model();
    let bins = SketchBins::for_model(&model);
    let name = fresh_name("sketchretry");
    let store = LogStore::with_factory(Some(factory()), &name);
    let (values, probabilities) = rows(&model, 10, 3);
    let logged = records(&model, &values, &probabilities, DAY0);

    store.fail_next_writes(1);
    let sketches = store.sketches_of(&logged, &model);
    store
        .add_all_sketched(logged.clone(), sketches)
        .await
        .expect("retried");
    assert_eq!(stored_sketch(&name, &bins).await.rows, 10);

    // Two failures: the write is kept in memory, with its sketch.
    store.fail_next_writes(2);
    let sketches = store.sketches_of(&logged, &model);
    let _ = store.add_all_sketched(logged.clone(), sketches).await;
    assert!(matches!(store.status(), StorageStatus::Memory { .. }));
    let in_memory = store.sketch_buckets().await.expect("memory sketches");
    assert_eq!(
        merged_sketch(&in_memory, &Filter::default(), &bins).0.rows,
        10
    );
    // IndexedDB works again: the memory records and their sketch go there.
    let sketches = store.sketches_of(&logged, &model);
    store
        .add_all_sketched(logged, sketches)
        .await
        .expect("back in IndexedDB");
    assert!(matches!(store.status(), StorageStatus::IndexedDb { .. }));
    assert_eq!(stored_sketch(&name, &bins).await.rows, 30);
}
