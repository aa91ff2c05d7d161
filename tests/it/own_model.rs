//! A model of one's own, converted from the files a user drops: LightGBM-made fixtures convert
//! and score as LightGBM did; unsupported models and bad side files get clear messages.

use std::io::Read;

use instacart_reorder::model::own_model::{convert_own_model, OwnModelError, DEFAULT_THRESHOLD};
use instacart_reorder::model::ModelKind;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/model/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture exists")
}

#[test]
fn a_lightgbm_model_converts_and_scores_as_lightgbm_did() {
    let converted = convert_own_model(&fixture("none_missing.txt"), None, None).expect("converts");
    assert_eq!(converted.model.threshold(), DEFAULT_THRESHOLD);
    assert_eq!(
        converted.model.feature_names(),
        vec![
            "days_since_prior",
            "times_bought",
            "share_reordered",
            "aisle_rate",
            "hour",
            "cart_position"
        ]
    );
    assert_eq!(converted.sha256.len(), 64);
    // LightGBM's own probabilities for its rows (column 8).
    let mut text = String::new();
    flate2::read::GzDecoder::new(fixture("none_missing.rows.csv.gz").as_slice())
        .read_to_string(&mut text)
        .expect("gzip");
    for line in text.lines().skip(1).take(200) {
        let cells: Vec<f64> = line.split(',').map(|c| c.parse().expect("f64")).collect();
        let prediction = converted.model.predict(&cells[..6]).expect("scores");
        assert_eq!(prediction.probability, cells[7]);
    }
}

#[test]
fn side_files_set_names_and_threshold() {
    let names = r#"["days_since_prior","times_bought","share_reordered","aisle_rate","hour","cart_position"]"#;
    let converted =
        convert_own_model(&fixture("none_missing.txt"), Some(names), Some("0.3125\n")).expect("ok");
    assert_eq!(converted.model.threshold(), 0.3125);
    let wrong = r#"["a","times_bought","share_reordered","aisle_rate","hour","cart_position"]"#;
    let error = convert_own_model(&fixture("none_missing.txt"), Some(wrong), None)
        .err()
        .expect("names differ");
    assert!(matches!(error, OwnModelError::Convert(_)));
    assert!(
        error
            .to_string()
            .contains("given `a`, model has `days_since_prior`"),
        "{error}"
    );
    let error = convert_own_model(&fixture("none_missing.txt"), Some("{}"), None)
        .err()
        .expect("bad");
    assert!(matches!(error, OwnModelError::FeatureNames(_)));
    let error = convert_own_model(&fixture("none_missing.txt"), None, Some("high"))
        .err()
        .expect("bad");
    assert_eq!(
        error.to_string(),
        "best_threshold.txt does not hold a number: `high`"
    );
    let error = convert_own_model(&fixture("none_missing.txt"), None, Some("1.5"))
        .err()
        .expect("bad");
    assert!(
        error
            .to_string()
            .contains("threshold 1.5 is not a probability"),
        "{error}"
    );
}

#[test]
fn unsupported_models_get_the_converters_message() {
    let text = String::from_utf8(fixture("nan_missing.txt")).expect("text");
    let custom = text.replace("objective=binary sigmoid:1", "objective=custom");
    let error = convert_own_model(custom.as_bytes(), None, None)
        .err()
        .expect("refused");
    assert!(matches!(error, OwnModelError::Parse(_)));
    assert!(error.to_string().contains("custom objective"), "{error}");
}

#[test]
fn binary_models_with_categorical_splits_or_linear_trees_are_taken() {
    for name in ["reject_categorical.txt", "reject_linear.txt"] {
        let converted = convert_own_model(&fixture(name), None, None).expect(name);
        assert_eq!(converted.model.kind(), ModelKind::Binary);
    }
}

#[test]
fn models_of_every_kind_are_taken_and_say_their_kind() {
    for (name, kind, outputs) in [
        ("reject_multiclass.txt", ModelKind::Multiclass, 3),
        ("reject_regression.txt", ModelKind::Regression, 1),
        ("kinds/lambdarank.txt", ModelKind::Ranking, 1),
        ("kinds/multiclassova.txt", ModelKind::Multiclass, 3),
    ] {
        let converted = convert_own_model(&fixture(name), None, None).expect(name);
        assert_eq!(converted.model.kind(), kind, "{name}");
        assert_eq!(converted.model.num_outputs(), outputs, "{name}");
    }
}

#[test]
fn files_that_are_not_models_are_refused() {
    let error = convert_own_model(b"\xff\xfe", None, None)
        .err()
        .expect("refused");
    assert!(matches!(error, OwnModelError::NotText(_)));
    let error = convert_own_model(b"hello", None, None)
        .err()
        .expect("refused");
    assert!(matches!(error, OwnModelError::Parse(_)));
}
