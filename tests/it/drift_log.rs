//! Drift as the app computes it, from the sketches a batch run leaves in the log, against the
//! committed training reference (`assets/drift_reference.json`): a sample of the training rows
//! (`tests/fixtures/drift/training_sample.csv.gz`, by scripts/fixtures/make_training_sample.py)
//! shows no feature drifted; the same rows with three features shifted show exactly those three
//! drifted; the held-out shoppers (`models/reference.csv`) show no dataset drift. Also that a run's chunks, sketched where they were scored and with the
//! values not kept, add up to the sketch of the same rows counted one by one here, and that the
//! log's records give the same sketch as the rows they came from.
#![cfg(not(target_arch = "wasm32"))]

use instacart_reorder::batch::{RunStep, ScoringRun};
use instacart_reorder::model::Model;
use instacart_reorder::monitoring::reference::DriftReference;
use instacart_reorder::monitoring::report::{drift_report, DriftReport, DriftThresholds};
use instacart_reorder::monitoring::sketch::{FeatureSketch, InputSketch, SketchBins};
use instacart_reorder::prediction_log::{
    merged_sketch, Filter, PredictionRecord, RecordIds, SketchDelta, Source,
};

use crate::support::repo_path;

/// The features the shifted copy moves, and how.
/// How a shifted feature's value moves.
type Shift = fn(f64) -> f64;

const SHIFTED: [(&str, Shift); 3] = [
    ("days_since_prior_order", |v| v + 10.0),
    ("order_hour_of_day", |v| (v + 9.0) % 24.0),
    ("user_total_orders", |v| v * 3.0),
];

fn bundled_model() -> Model {
    let json = std::fs::read_to_string(repo_path("assets/model.json")).expect("assets/model.json");
    Model::from_bundle_json(&json).expect("the bundled model loads")
}

fn training_reference(model: &Model) -> DriftReference {
    let text = std::fs::read_to_string(repo_path("assets/drift_reference.json"))
        .expect("assets/drift_reference.json");
    DriftReference::from_json_for(&text, model).expect("the committed reference is the model's")
}

/// `csv` with `SHIFTED` applied.
fn shifted(csv: &str) -> String {
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    let names: Vec<&str> = header.split(',').collect();
    let mut out = format!("{header}\n");
    for line in lines {
        let cells: Vec<String> = line
            .split(',')
            .zip(&names)
            .map(|(cell, name)| {
                let shift = SHIFTED.iter().find(|(feature, _)| feature == name);
                match (shift, cell.parse::<f64>()) {
                    (Some((_, change)), Ok(value)) => change(value).to_string(),
                    _ => cell.to_owned(),
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Every 12th training row.
fn training_sample() -> String {
    use std::io::Read;
    let file = std::fs::File::open(repo_path("tests/fixtures/drift/training_sample.csv.gz"))
        .expect("training sample");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip");
    text
}

/// The held-out rows (other shoppers than the training split's).
fn held_out_csv() -> String {
    std::fs::read_to_string(repo_path("models/reference.csv")).expect("reference.csv")
}

/// Scores `csv` as the Batch page does (values not kept) and merges its chunks' sketches.
fn batch_sketch(model: &Model, csv: &str) -> InputSketch {
    let bytes = csv.as_bytes().to_vec();
    let mut run = ScoringRun::new(model, bytes.len() as u64, 5, 3);
    run.keep_values(false);
    run.push(bytes);
    run.end_input();
    let mut merged: Option<InputSketch> = None;
    loop {
        match run.step(700).expect("the held-out rows score") {
            RunStep::Finished => break,
            RunStep::NeedsInput => unreachable!("the whole file was pushed"),
            RunStep::Scored(chunk) => {
                assert!(chunk.values.is_empty(), "the values were not kept");
                if let Some(sketch) = chunk.sketch {
                    match &mut merged {
                        None => merged = Some(*sketch),
                        Some(merged) => merged.merge(&sketch).expect("one model's bins"),
                    }
                }
                let _ = run.take_output();
            }
        }
    }
    merged.expect("a binary model's chunks are sketched")
}

fn report_of(model: &Model, csv: &str) -> DriftReport {
    let bins = SketchBins::for_model(model);
    let reference = training_reference(model);
    drift_report(
        &bins,
        &reference.sketch,
        &batch_sketch(model, csv),
        DriftThresholds::default(),
    )
    .expect("same bins")
}

fn drifted(report: &DriftReport) -> Vec<String> {
    let mut names: Vec<String> = report
        .features
        .iter()
        .filter(|line| line.verdict.is_some_and(|verdict| verdict.drifted))
        .map(|line| line.feature.clone())
        .collect();
    names.sort();
    names
}

#[test]
fn training_rows_show_no_drift_and_a_shifted_copy_exactly_its_shifted_features() {
    let model = bundled_model();
    let sample = training_sample();
    let calm = report_of(&model, &sample);
    assert_eq!(calm.current_rows, 3_014);
    assert_eq!(drifted(&calm), Vec::<String>::new());
    assert!(calm
        .dataset
        .is_some_and(|dataset| !dataset.drifted && dataset.columns == 41));
    assert!(calm.prediction.is_some_and(|verdict| !verdict.drifted));

    let moved = report_of(&model, &shifted(&sample));
    let mut expected: Vec<String> = SHIFTED.iter().map(|(name, _)| name.to_string()).collect();
    expected.sort();
    assert_eq!(drifted(&moved), expected);
    assert!(moved.dataset.is_some_and(|dataset| !dataset.drifted));
    // Sorted by how far past its threshold: the shifted features lead.
    let leading: Vec<&str> = moved.features[..3]
        .iter()
        .map(|line| line.feature.as_str())
        .collect();
    for (feature, _) in SHIFTED {
        assert!(leading.contains(&feature), "{feature} in {leading:?}");
    }
}

#[test]
fn held_out_shoppers_show_no_dataset_drift() {
    let model = bundled_model();
    let report = report_of(&model, &held_out_csv());
    assert_eq!(report.current_rows, 3_500);
    let dataset = report.dataset.expect("features were tested");
    // Other shoppers: their user-level features differ (docs/monitoring.md), not half of all.
    eprintln!(
        "held-out shoppers: {} of 41 drifted: {:?}",
        dataset.drifted_columns,
        drifted(&report)
    );
    assert!(!dataset.drifted, "{:?}", drifted(&report));
    assert!(report.prediction.is_some_and(|verdict| !verdict.drifted));
}

/// A sketch's counts (every bin, tail and missing count; sums within rounding).
fn assert_same_counts(a: &InputSketch, b: &InputSketch) {
    assert_eq!(a.bins, b.bins);
    assert_eq!(a.rows, b.rows);
    for (left, right) in a.features.iter().zip(&b.features) {
        match (left, right) {
            (FeatureSketch::Numerical(left), FeatureSketch::Numerical(right)) => {
                assert_eq!(left.counts, right.counts);
                assert_eq!(left.below.count, right.below.count);
                assert_eq!(left.above.count, right.above.count);
                assert_eq!(left.missing, right.missing);
                let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
                assert!(close(left.sum, right.sum), "{} vs {}", left.sum, right.sum);
                assert!(close(left.sum_of_squares, right.sum_of_squares));
            }
            (left, right) => assert_eq!(left, right),
        }
    }
    assert_eq!(a.prediction.counts, b.prediction.counts);
}

#[test]
fn chunks_sketched_where_scored_add_up_to_the_rows_counted_one_by_one() {
    let model = bundled_model();
    let csv = held_out_csv();
    let bins = SketchBins::for_model(&model);
    let names = model.feature_names();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let columns: Vec<usize> = names
        .iter()
        .map(|name| {
            header
                .iter()
                .position(|h| h == name)
                .expect("a feature column")
        })
        .collect();
    let mut by_hand = bins.empty_sketch();
    let mut records = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let row: Vec<f64> = columns
            .iter()
            .map(|&column| cells[column].parse().unwrap_or(f64::NAN))
            .collect();
        let probability = model.predict(&row).expect("scores").probability;
        by_hand
            .add_row(&bins, &row, Some(probability))
            .expect("width");
        records.push(PredictionRecord::from_scored(
            Source::Manual,
            86_400_000 * 20_000 + records.len() as i64,
            RecordIds::default(),
            &names,
            &row,
            probability,
            &model,
        ));
    }
    assert_same_counts(&batch_sketch(&model, &csv), &by_hand);

    // Records logged one by one (by name, a missing value as None) sketch the same.
    let delta = SketchDelta::of_records(&records, model.source_sha256(), &bins);
    let stored: Vec<_> = delta.sketches.into_values().collect();
    assert_eq!(stored.len(), 1, "one day, one source, one model");
    let (merged, other_bins) = merged_sketch(&stored, &Filter::default(), &bins);
    assert_eq!(other_bins, 0);
    assert_same_counts(&merged, &by_hand);
    // A filter on another source or day selects none of them.
    let batch_only = Filter {
        sources: vec![Source::Batch],
        ..Filter::default()
    };
    assert_eq!(merged_sketch(&stored, &batch_only, &bins).0.rows, 0);
    let later = Filter {
        from_ms: Some(86_400_000 * 20_001),
        ..Filter::default()
    };
    assert_eq!(merged_sketch(&stored, &later, &bins).0.rows, 0);
}
