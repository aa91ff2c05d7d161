//! The same LightGBM parity checks as model_parity.rs, run inside wasm
//! (`cargo test --target wasm32-unknown-unknown --test model_wasm`): the browser build scores
//! with the exp port, and must still give LightGBM's bits.
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
