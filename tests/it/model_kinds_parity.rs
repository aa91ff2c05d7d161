//! Bit-for-bit parity with LightGBM 4.7.0 for every kind of model: categorical splits (bitsets
//! over several words, one-hot), multiclass (softmax, one-vs-all, random forest, dart), the
//! regression family (l2, sqrt, l1, huber, fair, quantile, mape, poisson, gamma, tweedie, goss),
//! cross-entropy (both), ranking (lambdarank, rank_xendcg), linear trees, and a model trained
//! from pandas with category names. Each fixture in tests/fixtures/model/kinds is parsed,
//! converted, sent through JSON and loaded back, then every fixture row is scored one by one
//! and in a batch and explained, and compared with what LightGBM itself printed
//! (scripts/fixtures/make_kind_fixtures.py).
#![cfg(not(target_arch = "wasm32"))]

use instacart_reorder::model::{
    convert, parse_model_text, sha256_hex, ConvertOptions, Model, ModelKind, ScoreError,
};
use std::io::Read;
use std::path::PathBuf;

/// Every fixture and the kind it must convert to.
const KINDS: &[(&str, ModelKind)] = &[
    ("cat_binary", ModelKind::Binary),
    ("cat_onehot", ModelKind::Binary),
    ("multiclass", ModelKind::Multiclass),
    ("multiclassova", ModelKind::Multiclass),
    ("multiclass_rf", ModelKind::Multiclass),
    ("dart_multiclass", ModelKind::Multiclass),
    ("regression", ModelKind::Regression),
    ("regression_sqrt", ModelKind::Regression),
    ("regression_l1", ModelKind::Regression),
    ("huber", ModelKind::Regression),
    ("fair", ModelKind::Regression),
    ("quantile", ModelKind::Regression),
    ("mape", ModelKind::Regression),
    ("poisson", ModelKind::Regression),
    ("gamma", ModelKind::Regression),
    ("tweedie", ModelKind::Regression),
    ("goss_regression", ModelKind::Regression),
    ("cross_entropy", ModelKind::Binary),
    ("cross_entropy_lambda", ModelKind::Regression),
    ("lambdarank", ModelKind::Ranking),
    ("rank_xendcg", ModelKind::Ranking),
    ("linear_regression", ModelKind::Regression),
    ("linear_binary", ModelKind::Binary),
    ("linear_cat", ModelKind::Regression),
    ("pandas_binary", ModelKind::Binary),
];

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/model/kinds")
        .join(name)
}

fn load_model(name: &str) -> Model {
    let bytes = std::fs::read(fixture_path(&format!("{name}.txt"))).expect("fixture model");
    let text = String::from_utf8(bytes.clone()).expect("utf-8 model");
    let parsed = parse_model_text(&text).unwrap_or_else(|error| panic!("{name}: {error}"));
    let bundle = convert(
        &parsed,
        sha256_hex(&bytes),
        ConvertOptions {
            threshold: 0.5,
            feature_names: None,
            meta: None,
        },
    )
    .unwrap_or_else(|error| panic!("{name}: {error}"));
    let json = serde_json::to_string(&bundle).expect("serialises");
    let model = Model::from_bundle_json(&json).unwrap_or_else(|error| panic!("{name}: {error}"));
    assert_eq!(
        model.bundle(),
        &bundle,
        "{name}: the JSON round trip changed it"
    );
    model
}

/// LightGBM's numbers for one fixture: per row its features, raw scores, outputs and (when
/// LightGBM computes them) contributions, class by class.
struct Reference {
    features: Vec<Vec<f64>>,
    raw: Vec<Vec<f64>>,
    outputs: Vec<Vec<f64>>,
    contributions: Option<Vec<Vec<f64>>>,
}

fn load_reference(name: &str, num_features: usize, num_outputs: usize) -> Reference {
    let file = std::fs::File::open(fixture_path(&format!("{name}.rows.csv.gz"))).expect("rows");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip rows");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let scored = num_features + 2 * num_outputs;
    let with_contributions = header.len() == scored + num_outputs * (num_features + 1);
    assert!(
        with_contributions || header.len() == scored,
        "{name}: {} columns for {num_features} features and {num_outputs} outputs",
        header.len()
    );
    assert_eq!(header[num_features], "raw_0", "{name}");
    let mut reference = Reference {
        features: Vec::new(),
        raw: Vec::new(),
        outputs: Vec::new(),
        contributions: with_contributions.then(Vec::new),
    };
    for line in lines {
        let values: Vec<f64> = line
            .split(',')
            .map(|cell| cell.parse::<f64>().expect("a number"))
            .collect();
        reference.features.push(values[..num_features].to_vec());
        reference
            .raw
            .push(values[num_features..num_features + num_outputs].to_vec());
        reference
            .outputs
            .push(values[num_features + num_outputs..scored].to_vec());
        if let Some(contributions) = &mut reference.contributions {
            contributions.push(values[scored..].to_vec());
        }
    }
    reference
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()))
}

#[test]
fn every_kind_converts_to_its_kind() {
    for &(name, kind) in KINDS {
        let model = load_model(name);
        assert_eq!(model.kind(), kind, "{name}");
        let classes = if kind == ModelKind::Multiclass { 3 } else { 1 };
        assert!(model.num_outputs() >= classes, "{name}");
        assert_eq!(model.output_names().len(), model.num_outputs(), "{name}");
    }
}

#[test]
fn every_kind_scores_like_lightgbm_bit_for_bit() {
    let mut total_rows = 0;
    for &(name, _) in KINDS {
        let model = load_model(name);
        let reference = load_reference(name, model.num_features(), model.num_outputs());
        let mut mismatches = Vec::new();
        for (index, row) in reference.features.iter().enumerate() {
            let scores = model.score(row).expect("scores");
            if !same(&scores.raw, &reference.raw[index])
                || !same(&scores.outputs, &reference.outputs[index])
            {
                mismatches.push(format!(
                    "row {index} {row:?}: raw {:?} vs {:?}, outputs {:?} vs {:?}",
                    scores.raw, reference.raw[index], scores.outputs, reference.outputs[index]
                ));
            }
        }
        assert!(
            mismatches.is_empty(),
            "{name}: {} of {} rows differ from LightGBM, first: {:?}",
            mismatches.len(),
            reference.raw.len(),
            &mismatches[..mismatches.len().min(3)]
        );
        total_rows += reference.raw.len();
    }
    assert!(total_rows >= 40_000, "only {total_rows} fixture rows");
}

#[test]
fn every_kind_scores_in_batches_like_lightgbm() {
    for &(name, _) in KINDS {
        let model = load_model(name);
        let reference = load_reference(name, model.num_features(), model.num_outputs());
        let outputs = model.num_outputs();
        // The whole file, and a batch whose size is not a multiple of the chunk or lane sizes.
        for rows in [reference.features.len(), 1003] {
            let values: Vec<f64> = reference.features[..rows].concat();
            let scores = model.score_batch(&values).expect("batch scores");
            for index in 0..rows {
                let span = index * outputs..(index + 1) * outputs;
                assert!(
                    same(&scores.raw[span.clone()], &reference.raw[index])
                        && same(&scores.outputs[span], &reference.outputs[index]),
                    "{name}: row {index} of a {rows}-row batch differs from LightGBM"
                );
            }
        }
    }
}

#[test]
fn every_kind_explains_like_lightgbm_pred_contrib_bit_for_bit() {
    let mut explained = 0;
    for &(name, _) in KINDS {
        let model = load_model(name);
        let reference = load_reference(name, model.num_features(), model.num_outputs());
        let Some(contributions) = &reference.contributions else {
            assert!(
                model.has_linear_trees(),
                "{name}: no contributions in the fixture"
            );
            assert_eq!(
                model.explain_outputs(&reference.features[0]),
                Err(ScoreError::NoContributionsForLinearTrees),
                "{name}"
            );
            continue;
        };
        let mut mismatches = 0;
        let mut first = None;
        for (index, row) in reference.features.iter().enumerate() {
            let ours: Vec<f64> = model
                .explain_outputs(row)
                .expect("explains")
                .into_iter()
                .flat_map(|explanation| {
                    explanation
                        .contributions
                        .into_iter()
                        .chain([explanation.expected_value])
                })
                .collect();
            if !same(&ours, &contributions[index]) {
                mismatches += 1;
                first.get_or_insert((index, ours, contributions[index].clone()));
            }
        }
        assert_eq!(
            mismatches, 0,
            "{name}: {mismatches} rows differ from LightGBM's pred_contrib, first (row, ours, LightGBM): {first:?}"
        );
        explained += 1;
    }
    assert!(explained >= 20, "only {explained} fixtures explained");
}

#[test]
fn single_output_calls_refuse_a_multiclass_model() {
    let model = load_model("multiclass");
    let row = vec![0.0; model.num_features()];
    assert_eq!(model.predict(&row), Err(ScoreError::SeveralOutputs(4)));
    assert_eq!(model.explain(&row), Err(ScoreError::SeveralOutputs(4)));
}

#[test]
fn categorical_features_carry_their_categories_and_names() {
    let model = load_model("cat_binary");
    let product = model
        .features()
        .iter()
        .find(|feature| feature.name == "product")
        .expect("a product feature");
    let categories = product.categories.as_ref().expect("categorical");
    assert!(categories.codes.len() > 1000, "{}", categories.codes.len());
    assert!(categories.codes.windows(2).all(|pair| pair[0] < pair[1]));
    assert_eq!(categories.codes[0], 0, "the NaN bin (-1) is not a category");
    assert!(categories.names.is_empty());

    let model = load_model("pandas_binary");
    let named: Vec<_> = model
        .features()
        .iter()
        .filter_map(|feature| feature.categories.as_ref())
        .collect();
    assert_eq!(named.len(), 2);
    assert!(named[0].names.contains(&"milk, whole".to_string()));
    assert!(named[0]
        .names
        .contains(&"say \"cheese\" snacks".to_string()));
    assert_eq!(named[1].code_of("dairy eggs"), Some(2));
    assert_eq!(named[1].label_of(2), "dairy eggs");
    assert_eq!(
        named[1].label_of(-3),
        "-3",
        "a code without a name reads as itself"
    );
}

/// The form's "other" is `unseen_code`: LightGBM scores it exactly as every category it never
/// saw. Each fixture row with an unseen code in a categorical column is scored with that code
/// replaced by `unseen_code` and must give LightGBM's output for the row as it was.
#[test]
fn the_forms_other_category_scores_as_lightgbm_scores_an_unseen_one() {
    let mut replaced = 0;
    for name in ["cat_binary", "pandas_binary", "linear_cat"] {
        let model = load_model(name);
        let reference = load_reference(name, model.num_features(), 1);
        for (column, feature) in model.features().iter().enumerate() {
            let Some(categories) = &feature.categories else {
                continue;
            };
            let other = categories.unseen_code();
            assert!(!categories.knows(other), "{name}: {other} was seen");
            for (index, row) in reference.features.iter().enumerate() {
                let value = row[column];
                if value.is_nan() || value < 0.0 || categories.knows(value as i32) {
                    continue;
                }
                let mut with_other = row.clone();
                with_other[column] = f64::from(other);
                let outputs = model.score(&with_other).expect("scores").outputs;
                assert!(
                    same(&outputs, &reference.outputs[index]),
                    "{name}: row {index}: `{}` = {value} scored by LightGBM as {:?}, as {other}: {outputs:?}",
                    feature.name,
                    reference.outputs[index]
                );
                replaced += 1;
            }
        }
    }
    assert!(
        replaced >= 100,
        "only {replaced} rows with an unseen category"
    );
}

#[test]
fn every_value_lightgbm_answers_lies_in_the_models_output_range() {
    let mut checked = 0;
    for &(name, _) in KINDS {
        let model = load_model(name);
        let Some((low, high)) = model.output_range() else {
            assert!(
                model.num_outputs() > 1 || model.has_linear_trees(),
                "{name}: a single-output constant-leaf model has a range"
            );
            continue;
        };
        assert!(low <= high, "{name}: range {low}..{high}");
        let reference = load_reference(name, model.num_features(), 1);
        for (index, outputs) in reference.outputs.iter().enumerate() {
            assert!(
                (low..=high).contains(&outputs[0]),
                "{name}: row {index}: LightGBM's {} is outside {low}..{high}",
                outputs[0]
            );
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} models have a range");
}
