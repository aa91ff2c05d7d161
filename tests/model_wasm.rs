//! The same LightGBM parity checks as model_parity.rs, run inside wasm
//! (`cargo test --target wasm32-unknown-unknown --test model_wasm`): the browser build scores
//! with the exp and log1p ports, and must still give LightGBM's bits.
#![cfg(target_arch = "wasm32")]

use instacart_reorder::model::{convert, parse_model_text, sha256_hex, ConvertOptions, Model};
use std::io::Read;
use wasm_bindgen_test::wasm_bindgen_test;

const FIXTURES: &[(&str, &str, &[u8])] = &[
    (
        "nan_missing",
        include_str!("fixtures/model/nan_missing.txt"),
        include_bytes!("fixtures/model/nan_missing.rows.csv.gz"),
    ),
    (
        "zero_missing",
        include_str!("fixtures/model/zero_missing.txt"),
        include_bytes!("fixtures/model/zero_missing.rows.csv.gz"),
    ),
    (
        "none_missing",
        include_str!("fixtures/model/none_missing.txt"),
        include_bytes!("fixtures/model/none_missing.rows.csv.gz"),
    ),
    (
        "edited",
        include_str!("fixtures/model/edited.txt"),
        include_bytes!("fixtures/model/edited.rows.csv.gz"),
    ),
    (
        "random_forest",
        include_str!("fixtures/model/random_forest.txt"),
        include_bytes!("fixtures/model/random_forest.rows.csv.gz"),
    ),
    (
        "single_leaf",
        include_str!("fixtures/model/single_leaf.txt"),
        include_bytes!("fixtures/model/single_leaf.rows.csv.gz"),
    ),
];

#[wasm_bindgen_test]
fn wasm_scores_equal_lightgbm_bit_for_bit() {
    let mut rows_checked = 0;
    for (name, text, rows_gz) in FIXTURES {
        let parsed = parse_model_text(text).expect("parses");
        let bundle = convert(
            &parsed,
            sha256_hex(text.as_bytes()),
            ConvertOptions {
                threshold: 0.5,
                feature_names: None,
                meta: None,
            },
        )
        .expect("converts");
        let json = serde_json::to_string(&bundle).expect("serialises");
        let model = Model::from_bundle_json(&json).expect("loads");
        let width = model.num_features();
        let mut csv = String::new();
        flate2::read::GzDecoder::new(*rows_gz)
            .read_to_string(&mut csv)
            .expect("gzip");
        let mut probability_mismatches = 0;
        let mut contribution_mismatches = 0;
        for line in csv.lines().skip(1) {
            let values: Vec<f64> = line
                .split(',')
                .map(|cell| cell.parse().expect("number"))
                .collect();
            let row = &values[..width];
            let prediction = model.predict(row).expect("scores");
            if prediction.probability.to_bits() != values[width + 1].to_bits()
                || prediction.raw.to_bits() != values[width].to_bits()
            {
                probability_mismatches += 1;
            }
            if rows_checked % 10 == 0 {
                let explanation = model.explain(row).expect("explains");
                let mut ours = explanation.contributions;
                ours.push(explanation.expected_value);
                if ours
                    .iter()
                    .zip(&values[width + 2..])
                    .any(|(a, b)| a.to_bits() != b.to_bits())
                {
                    contribution_mismatches += 1;
                }
            }
            rows_checked += 1;
        }
        assert_eq!(probability_mismatches, 0, "{name}: probabilities differ");
        assert_eq!(contribution_mismatches, 0, "{name}: contributions differ");
    }
    assert!(rows_checked >= 30_000);
}

/// Every kind of model (tests/fixtures/model/kinds, see tests/it/model_kinds_parity.rs).
const KIND_FIXTURES: &[(&str, &str, &[u8])] = &[
    (
        "cat_binary",
        include_str!("fixtures/model/kinds/cat_binary.txt"),
        include_bytes!("fixtures/model/kinds/cat_binary.rows.csv.gz"),
    ),
    (
        "cat_onehot",
        include_str!("fixtures/model/kinds/cat_onehot.txt"),
        include_bytes!("fixtures/model/kinds/cat_onehot.rows.csv.gz"),
    ),
    (
        "multiclass",
        include_str!("fixtures/model/kinds/multiclass.txt"),
        include_bytes!("fixtures/model/kinds/multiclass.rows.csv.gz"),
    ),
    (
        "multiclassova",
        include_str!("fixtures/model/kinds/multiclassova.txt"),
        include_bytes!("fixtures/model/kinds/multiclassova.rows.csv.gz"),
    ),
    (
        "multiclass_rf",
        include_str!("fixtures/model/kinds/multiclass_rf.txt"),
        include_bytes!("fixtures/model/kinds/multiclass_rf.rows.csv.gz"),
    ),
    (
        "dart_multiclass",
        include_str!("fixtures/model/kinds/dart_multiclass.txt"),
        include_bytes!("fixtures/model/kinds/dart_multiclass.rows.csv.gz"),
    ),
    (
        "regression",
        include_str!("fixtures/model/kinds/regression.txt"),
        include_bytes!("fixtures/model/kinds/regression.rows.csv.gz"),
    ),
    (
        "regression_sqrt",
        include_str!("fixtures/model/kinds/regression_sqrt.txt"),
        include_bytes!("fixtures/model/kinds/regression_sqrt.rows.csv.gz"),
    ),
    (
        "regression_l1",
        include_str!("fixtures/model/kinds/regression_l1.txt"),
        include_bytes!("fixtures/model/kinds/regression_l1.rows.csv.gz"),
    ),
    (
        "huber",
        include_str!("fixtures/model/kinds/huber.txt"),
        include_bytes!("fixtures/model/kinds/huber.rows.csv.gz"),
    ),
    (
        "fair",
        include_str!("fixtures/model/kinds/fair.txt"),
        include_bytes!("fixtures/model/kinds/fair.rows.csv.gz"),
    ),
    (
        "quantile",
        include_str!("fixtures/model/kinds/quantile.txt"),
        include_bytes!("fixtures/model/kinds/quantile.rows.csv.gz"),
    ),
    (
        "mape",
        include_str!("fixtures/model/kinds/mape.txt"),
        include_bytes!("fixtures/model/kinds/mape.rows.csv.gz"),
    ),
    (
        "poisson",
        include_str!("fixtures/model/kinds/poisson.txt"),
        include_bytes!("fixtures/model/kinds/poisson.rows.csv.gz"),
    ),
    (
        "gamma",
        include_str!("fixtures/model/kinds/gamma.txt"),
        include_bytes!("fixtures/model/kinds/gamma.rows.csv.gz"),
    ),
    (
        "tweedie",
        include_str!("fixtures/model/kinds/tweedie.txt"),
        include_bytes!("fixtures/model/kinds/tweedie.rows.csv.gz"),
    ),
    (
        "goss_regression",
        include_str!("fixtures/model/kinds/goss_regression.txt"),
        include_bytes!("fixtures/model/kinds/goss_regression.rows.csv.gz"),
    ),
    (
        "cross_entropy",
        include_str!("fixtures/model/kinds/cross_entropy.txt"),
        include_bytes!("fixtures/model/kinds/cross_entropy.rows.csv.gz"),
    ),
    (
        "cross_entropy_lambda",
        include_str!("fixtures/model/kinds/cross_entropy_lambda.txt"),
        include_bytes!("fixtures/model/kinds/cross_entropy_lambda.rows.csv.gz"),
    ),
    (
        "lambdarank",
        include_str!("fixtures/model/kinds/lambdarank.txt"),
        include_bytes!("fixtures/model/kinds/lambdarank.rows.csv.gz"),
    ),
    (
        "rank_xendcg",
        include_str!("fixtures/model/kinds/rank_xendcg.txt"),
        include_bytes!("fixtures/model/kinds/rank_xendcg.rows.csv.gz"),
    ),
    (
        "linear_regression",
        include_str!("fixtures/model/kinds/linear_regression.txt"),
        include_bytes!("fixtures/model/kinds/linear_regression.rows.csv.gz"),
    ),
    (
        "linear_binary",
        include_str!("fixtures/model/kinds/linear_binary.txt"),
        include_bytes!("fixtures/model/kinds/linear_binary.rows.csv.gz"),
    ),
    (
        "linear_cat",
        include_str!("fixtures/model/kinds/linear_cat.txt"),
        include_bytes!("fixtures/model/kinds/linear_cat.rows.csv.gz"),
    ),
    (
        "pandas_binary",
        include_str!("fixtures/model/kinds/pandas_binary.txt"),
        include_bytes!("fixtures/model/kinds/pandas_binary.rows.csv.gz"),
    ),
];

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()))
}

/// Every kind scores (one by one and in a batch) and explains in wasm as LightGBM does natively.
#[wasm_bindgen_test]
fn wasm_scores_every_kind_like_lightgbm_bit_for_bit() {
    let mut mismatches = Vec::new();
    for (name, text, rows_gz) in KIND_FIXTURES {
        let parsed = parse_model_text(text).expect("parses");
        let bundle = convert(
            &parsed,
            sha256_hex(text.as_bytes()),
            ConvertOptions {
                threshold: 0.5,
                feature_names: None,
                meta: None,
            },
        )
        .expect("converts");
        let json = serde_json::to_string(&bundle).expect("serialises");
        let model = Model::from_bundle_json(&json).expect("loads");
        let (width, outputs) = (model.num_features(), model.num_outputs());
        let mut csv = String::new();
        flate2::read::GzDecoder::new(*rows_gz)
            .read_to_string(&mut csv)
            .expect("gzip");
        let mut lines = csv.lines();
        let columns = lines.next().expect("header").split(',').count();
        let scored = width + 2 * outputs;
        let mut features = Vec::new();
        let mut expected = Vec::new();
        for (row, line) in lines.enumerate() {
            let values: Vec<f64> = line
                .split(',')
                .map(|c| c.parse().expect("number"))
                .collect();
            features.extend_from_slice(&values[..width]);
            let scores = model.score(&values[..width]).expect("scores");
            if !same(&scores.raw, &values[width..width + outputs])
                || !same(&scores.outputs, &values[width + outputs..scored])
            {
                mismatches.push(format!(
                    "{name}: {:?} vs {:?}",
                    scores.outputs,
                    &values[width + outputs..scored]
                ));
            }
            if columns > scored && row % 7 == 0 {
                let ours: Vec<f64> = model
                    .explain_outputs(&values[..width])
                    .expect("explains")
                    .into_iter()
                    .flat_map(|e| e.contributions.into_iter().chain([e.expected_value]))
                    .collect();
                if !same(&ours, &values[scored..]) {
                    mismatches.push(format!("{name}: contributions differ"));
                }
            }
            expected.extend_from_slice(&values[width + outputs..scored]);
        }
        let batch = model.score_batch(&features).expect("batch");
        if !same(&batch.outputs, &expected) {
            mismatches.push(format!("{name}: the batch differs"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} differences from LightGBM, first: {:?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(3)]
    );
}
