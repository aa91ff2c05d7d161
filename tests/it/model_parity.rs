//! Bit-for-bit parity with LightGBM 4.7.0: every fixture model in tests/fixtures/model is
//! parsed, converted to a bundle, serialised to JSON and loaded back, then every fixture row is
//! scored and explained and compared with the values LightGBM itself printed
//! (scripts/fixtures/make_model_fixtures.sh).
#![cfg(not(target_arch = "wasm32"))]

use instacart_reorder::model::{
    convert, parse_model_text, sha256_hex, ConvertOptions, Model, Prediction,
};
use std::io::Read;
use std::path::PathBuf;

const MODELS: &[&str] = &[
    "nan_missing",
    "zero_missing",
    "none_missing",
    "edited",
    "random_forest",
    "single_leaf",
];

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/model")
        .join(name)
}

struct Reference {
    features: Vec<Vec<f64>>,
    raw: Vec<f64>,
    probability: Vec<f64>,
    contributions: Vec<Vec<f64>>,
}

fn load_model(name: &str) -> Model {
    let bytes = std::fs::read(fixture_path(&format!("{name}.txt"))).expect("fixture model");
    let text = String::from_utf8(bytes.clone()).expect("utf-8 model");
    let parsed = parse_model_text(&text).expect("fixture model parses");
    let bundle = convert(
        &parsed,
        sha256_hex(&bytes),
        ConvertOptions {
            threshold: 0.5,
            feature_names: None,
            meta: None,
        },
    )
    .expect("converts");
    let json = serde_json::to_string(&bundle).expect("serialises");
    let model = Model::from_bundle_json(&json).expect("bundle loads");
    assert_eq!(
        model.bundle(),
        &bundle,
        "{name}: JSON round trip changed the bundle"
    );
    model
}

fn load_reference(name: &str, num_features: usize) -> Reference {
    let file = std::fs::File::open(fixture_path(&format!("{name}.rows.csv.gz"))).expect("rows");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip rows");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(
        header.len(),
        2 * num_features + 3,
        "{name}: unexpected columns"
    );
    let mut reference = Reference {
        features: Vec::new(),
        raw: Vec::new(),
        probability: Vec::new(),
        contributions: Vec::new(),
    };
    for line in lines {
        let values: Vec<f64> = line
            .split(',')
            .map(|cell| cell.parse::<f64>().expect("a number"))
            .collect();
        reference.features.push(values[..num_features].to_vec());
        reference.raw.push(values[num_features]);
        reference.probability.push(values[num_features + 1]);
        reference
            .contributions
            .push(values[num_features + 2..].to_vec());
    }
    reference
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn predictions_equal_lightgbm_bit_for_bit() {
    let mut total_rows = 0;
    for name in MODELS {
        let model = load_model(name);
        let reference = load_reference(name, model.num_features());
        let mut mismatches = Vec::new();
        for (index, row) in reference.features.iter().enumerate() {
            let Prediction { raw, probability } = model.predict(row).expect("scores");
            if !same(raw, reference.raw[index]) || !same(probability, reference.probability[index])
            {
                mismatches.push(format!(
                    "row {index}: raw {raw:e} vs {:e}, probability {probability:e} vs {:e}",
                    reference.raw[index], reference.probability[index]
                ));
            }
        }
        assert!(
            mismatches.is_empty(),
            "{name}: {} of {} rows differ from LightGBM, first: {:?}",
            mismatches.len(),
            reference.raw.len(),
            &mismatches[..mismatches.len().min(5)]
        );
        total_rows += reference.raw.len();
    }
    assert!(total_rows >= 30_000, "only {total_rows} fixture rows");
}

#[test]
fn batch_predictions_equal_lightgbm_bit_for_bit() {
    for name in MODELS {
        let model = load_model(name);
        let reference = load_reference(name, model.num_features());
        let rows: Vec<f64> = reference.features.concat();
        let mut probabilities = vec![0.0; reference.features.len()];
        model
            .predict_batch(&rows, &mut probabilities)
            .expect("batch scores");
        let full = model.predict_batch_full(&rows).expect("batch scores");
        // A batch whose size is not a multiple of the chunk or lane sizes.
        let odd = 1003;
        let odd_batch = model
            .predict_batch_full(&rows[..odd * model.num_features()])
            .expect("batch scores");
        for (index, prediction) in odd_batch.iter().enumerate() {
            assert!(
                same(prediction.probability, reference.probability[index]),
                "{name}: row {index} of a {odd}-row batch differs from LightGBM"
            );
        }
        for index in 0..probabilities.len() {
            assert!(
                same(probabilities[index], reference.probability[index]),
                "{name}: row {index}: batch probability {:e} vs LightGBM {:e}",
                probabilities[index],
                reference.probability[index]
            );
            assert!(
                same(full[index].raw, reference.raw[index]),
                "{name}: row {index}: batch raw {:e} vs LightGBM {:e}",
                full[index].raw,
                reference.raw[index]
            );
        }
    }
}

#[test]
fn contributions_equal_lightgbm_pred_contrib_bit_for_bit() {
    for name in MODELS {
        let model = load_model(name);
        let reference = load_reference(name, model.num_features());
        let mut mismatches = 0;
        let mut first = None;
        for (index, row) in reference.features.iter().enumerate() {
            let explanation = model.explain(row).expect("explains");
            let mut ours = explanation.contributions.clone();
            ours.push(explanation.expected_value);
            let theirs = &reference.contributions[index];
            if ours.len() != theirs.len() || ours.iter().zip(theirs).any(|(a, b)| !same(*a, *b)) {
                mismatches += 1;
                first.get_or_insert((index, ours, theirs.clone()));
            }
        }
        assert_eq!(
            mismatches, 0,
            "{name}: {mismatches} rows differ from LightGBM's pred_contrib, first (row, ours, LightGBM): {first:?}"
        );
    }
}

/// The form and the embed API score rows of known and unknown values: every NaN of a fixture row
/// becomes `None`, and LightGBM's own numbers for that row must come back, bit for bit.
#[test]
fn rows_of_unknown_values_score_and_explain_as_lightgbm_scored_their_nans() {
    let mut unknown_cells = 0;
    for name in MODELS {
        let model = load_model(name);
        let reference = load_reference(name, model.num_features());
        for (index, row) in reference.features.iter().enumerate() {
            let values: Vec<Option<f64>> = row
                .iter()
                .map(|value| Some(*value).filter(|value| !value.is_nan()))
                .collect();
            unknown_cells += values.iter().filter(|value| value.is_none()).count();
            let Prediction { raw, probability } = model.predict_optional(&values).expect("scores");
            assert!(
                same(raw, reference.raw[index]) && same(probability, reference.probability[index]),
                "{name}: row {index}: {raw:e} / {probability:e} vs LightGBM {:e} / {:e}",
                reference.raw[index],
                reference.probability[index]
            );
            if index % 50 == 0 {
                let explanation = model.explain_optional(&values).expect("explains");
                let mut ours = explanation.contributions;
                ours.push(explanation.expected_value);
                assert!(
                    ours.len() == reference.contributions[index].len()
                        && ours
                            .iter()
                            .zip(&reference.contributions[index])
                            .all(|(a, b)| same(*a, *b)),
                    "{name}: row {index}: contributions differ from LightGBM's pred_contrib"
                );
            }
        }
    }
    assert!(
        unknown_cells > 1_000,
        "the fixtures hold only {unknown_cells} missing cells"
    );
}
