//! The quality a labelled batch run logs (`batch::RunQuality`) against scikit-learn on the same
//! scores (tests/fixtures/quality, made by scripts/fixtures/make_quality_fixtures.py): AUC, F1
//! at the threshold, the model card's log loss and the calibration curve, row by row and from
//! the bins a run of more than a million labelled rows keeps instead.

use instacart_reorder::batch::{
    Confusion, LabelledMetrics, LabelledScores, RunQuality, ScoreBins, CALIBRATION_BINS,
};
use serde_json::Value;

fn fixture() -> (Vec<(f64, bool)>, Value) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/quality");
    let csv = std::fs::read_to_string(format!("{dir}/scores.csv")).expect("scores.csv");
    let pairs = csv
        .lines()
        .skip(1)
        .map(|line| {
            let (probability, label) = line.split_once(',').expect("two cells");
            (probability.parse().expect("a number"), label == "1")
        })
        .collect();
    let expected = std::fs::read_to_string(format!("{dir}/quality.json")).expect("quality.json");
    (pairs, serde_json::from_str(&expected).expect("JSON"))
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

fn close(ours: f64, theirs: f64, tolerance: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= tolerance * theirs.abs().max(1.0),
        "{what}: ours {ours}, scikit-learn's {theirs}"
    );
}

#[test]
fn a_labelled_runs_quality_is_scikit_learns_row_by_row() {
    let (pairs, expected) = fixture();
    let threshold = expected["threshold"].as_f64().unwrap();
    let quality = RunQuality::of(
        &LabelledMetrics::Exact(LabelledScores::new(pairs)),
        threshold,
    )
    .expect("labelled rows");
    assert!(quality.exact);
    assert_eq!(quality.labelled, expected["rows"].as_u64().unwrap());
    assert_eq!(quality.positives, expected["positives"].as_u64().unwrap());
    close(
        quality.auc.unwrap(),
        expected["auc"].as_f64().unwrap(),
        1e-12,
        "AUC",
    );
    close(
        quality.f1.unwrap(),
        expected["f1"].as_f64().unwrap(),
        1e-12,
        "F1",
    );
    close(
        quality.log_loss,
        expected["log_loss"].as_f64().unwrap(),
        1e-12,
        "log loss",
    );
    let curve = &expected["calibration"];
    let (theirs_predicted, theirs_observed) = (
        numbers(&curve["mean_predicted"]),
        numbers(&curve["observed"]),
    );
    let theirs_rows: Vec<u64> = numbers(&curve["rows"]).iter().map(|&r| r as u64).collect();
    assert_eq!(
        quality
            .calibration
            .iter()
            .map(|p| p.rows)
            .collect::<Vec<_>>(),
        theirs_rows,
        "rows per bin: the edges and the side a row on an edge falls"
    );
    for (k, point) in quality.calibration.iter().enumerate() {
        close(
            point.mean_predicted,
            theirs_predicted[k],
            1e-12,
            "mean predicted",
        );
        close(point.observed, theirs_observed[k], 1e-12, "observed share");
    }
}

#[test]
fn a_run_too_big_for_rows_keeps_its_quality_from_bins_close_to_scikit_learns() {
    let (pairs, expected) = fixture();
    let threshold = expected["threshold"].as_f64().unwrap();
    let mut bins = ScoreBins::default();
    let mut at_model = Confusion::default();
    for &(probability, label) in &pairs {
        bins.add(probability, label);
        at_model.add(probability >= threshold, label);
    }
    let quality = RunQuality::of(
        &LabelledMetrics::Binned {
            bins,
            at_model,
            model_threshold: threshold,
        },
        threshold,
    )
    .expect("labelled rows");
    assert!(!quality.exact);
    assert_eq!(quality.labelled, expected["rows"].as_u64().unwrap());
    // F1 at the model's threshold is counted row by row even then.
    close(
        quality.f1.unwrap(),
        expected["f1"].as_f64().unwrap(),
        1e-12,
        "F1",
    );
    close(
        quality.auc.unwrap(),
        expected["auc"].as_f64().unwrap(),
        1e-3,
        "AUC",
    );
    // Rows at 0 and 1 sit at their bins' middles (5e-5 and 1): the log loss moves a little.
    close(
        quality.log_loss,
        expected["log_loss"].as_f64().unwrap(),
        0.02,
        "log loss",
    );
    assert!(quality.calibration.len() <= CALIBRATION_BINS);
    let rows: u64 = quality.calibration.iter().map(|p| p.rows).sum();
    assert_eq!(rows, quality.labelled);
    // A bin's mean moves by its rows' middles, and by rows right on a calibration edge (the
    // fixture has ten at 0.5 and 0.7, which the score bins starting there keep in the upper
    // calibration bin, where scikit-learn puts them in the lower): within half a bin's width.
    let theirs = numbers(&expected["calibration"]["mean_predicted"]);
    for (point, theirs) in quality.calibration.iter().zip(theirs) {
        close(point.mean_predicted, theirs, 0.05, "mean predicted");
    }
}

#[test]
fn a_run_without_labelled_rows_has_no_quality() {
    assert_eq!(
        RunQuality::of(
            &LabelledMetrics::Exact(LabelledScores::new(Vec::new())),
            0.5
        ),
        None
    );
}
