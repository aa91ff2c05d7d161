//! The one constructor of a logged prediction (`PredictionRecord::from_scored`), which the
//! Predict, Demo and Batch pages and the embed API all call: missing values become `None` (never
//! 0), and the decision, threshold and sha256 are the scoring model's own.

use instacart_reorder::model::Model;
use instacart_reorder::prediction_log::{PredictionRecord, RecordIds, Source};

fn app_model() -> Model {
    let path = format!("{}/assets/model.json", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    Model::from_bundle_json(&json).expect("bundle")
}

#[test]
fn a_scored_row_becomes_a_record_with_missing_values_as_none() {
    let model = app_model();
    let names = ["a", "b", "c"];
    let record = PredictionRecord::from_scored(
        Source::Batch,
        1_700_000_000_000,
        RecordIds {
            user_id: Some(7),
            product_id: None,
        },
        &names,
        &[1.5, f64::NAN, 0.0],
        0.25,
        &model,
    );
    assert_eq!(record.id, None);
    assert_eq!(record.created_at_ms, 1_700_000_000_000);
    assert_eq!(record.source, Source::Batch);
    assert_eq!(record.user_id, Some(7));
    assert_eq!(record.product_id, None);
    let features: Vec<(&str, Option<f64>)> = record
        .features
        .iter()
        .map(|(name, value)| (name.as_str(), *value))
        .collect();
    assert_eq!(
        features,
        vec![("a", Some(1.5)), ("b", None), ("c", Some(0.0))]
    );
    assert_eq!(record.probability, 0.25);
    assert_eq!(record.threshold, model.threshold());
    assert_eq!(record.model_sha256, model.source_sha256());
    assert_eq!(record.model_sha256.len(), 64);
}

#[test]
fn the_decision_is_the_models_rule_at_and_around_the_threshold() {
    let model = app_model();
    let threshold = model.threshold();
    let decide = |probability: f64| {
        PredictionRecord::from_scored(
            Source::Manual,
            0,
            RecordIds::default(),
            &[] as &[&str],
            &[],
            probability,
            &model,
        )
        .is_reorder
    };
    assert!(decide(threshold), "probability == threshold is a reorder");
    assert!(!decide(threshold - 1e-12));
    assert!(decide((threshold + 1e-12).min(1.0)));
}
