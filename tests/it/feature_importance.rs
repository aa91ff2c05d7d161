//! Which features the Predict form shows first (`feature_importance`): the committed gain is
//! the bundled model's own (recomputed here from `models/model.txt`), the ordering rule on
//! hand-made importances, and bad gain files or model texts refused with a reason.

use instacart_reorder::model::feature_importance::{
    form_order, gain_from_model_text, importance_for, CommittedGain, FormOrder, ImportanceError,
    ImportanceKind, COMMITTED_GAIN_JSON, MAX_FIRST,
};
use instacart_reorder::model::Model;

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_committed_gain_is_the_gain_of_the_committed_model_txt() {
    let text = std::fs::read_to_string(repo("models/model.txt")).expect("models/model.txt");
    let computed = gain_from_model_text(&text).expect("model.txt parses");
    let committed = CommittedGain::from_json(COMMITTED_GAIN_JSON).expect("the gain file parses");
    let bytes = std::fs::read(repo("models/model.txt")).expect("models/model.txt");
    assert_eq!(
        committed.source_model_sha256,
        instacart_reorder::model::sha256_hex(&bytes),
        "models/feature_gain.json belongs to another model.txt: rerun \
         models/train/feature_gain.py models/model.txt models/feature_gain.json"
    );
    assert_eq!(committed.gain.len(), computed.len());
    for ((name, gain), (computed_name, computed_gain)) in committed.gain.iter().zip(&computed) {
        assert_eq!(name, computed_name);
        assert!(
            (gain - computed_gain).abs() <= 1e-9 * computed_gain.abs().max(1.0),
            "{name}: committed {gain}, model.txt says {computed_gain}"
        );
    }
}

#[test]
fn the_bundled_model_is_ranked_by_its_gain_with_the_products_history_first() {
    let json = std::fs::read_to_string(repo("assets/model.json")).expect("assets/model.json");
    let model = Model::from_bundle_json(&json).expect("bundle");
    let committed = CommittedGain::from_json(COMMITTED_GAIN_JSON).expect("gain file");
    let importance = importance_for(&model, Some(&committed));
    assert_eq!(importance.kind, ImportanceKind::Gain);
    let order = form_order(&importance.values).expect("valid importances");
    let names = model.feature_names();
    let first: Vec<&str> = order.first.iter().map(|&index| names[index]).collect();
    // Read off the split_gain lines of models/model.txt by hand: these two carry 47% of it.
    assert_eq!(&first[..2], &["up_order_rate", "up_orders_since_last"]);
    assert!(first.len() <= MAX_FIRST);
    assert_eq!(order.first.len() + order.rest.len(), names.len());
    // A model with another source falls back to the cover of its own trees.
    let other = CommittedGain {
        source_model_sha256: "0".repeat(64),
        gain: committed.gain.clone(),
    };
    assert_eq!(
        importance_for(&model, Some(&other)).kind,
        ImportanceKind::Cover
    );
    assert_eq!(importance_for(&model, None).kind, ImportanceKind::Cover);
}

#[test]
fn the_fewest_features_carrying_three_quarters_come_first_largest_first() {
    // Total 100: 50 + 20 = 70 < 75, + 10 = 80 >= 75, so three features, in gain order.
    let order = form_order(&[5.0, 50.0, 10.0, 20.0, 10.0, 5.0]).expect("valid");
    assert_eq!(
        order,
        FormOrder {
            first: vec![1, 3, 2],
            rest: vec![0, 4, 5],
        }
    );
}

#[test]
fn ties_keep_column_order_and_the_first_list_is_capped() {
    let order = form_order(&[1.0; 20]).expect("valid");
    assert_eq!(order.first, (0..MAX_FIRST).collect::<Vec<_>>());
    assert_eq!(order.rest, (MAX_FIRST..20).collect::<Vec<_>>());
}

#[test]
fn features_without_importance_are_never_first() {
    let order = form_order(&[0.0, 3.0, 0.0]).expect("valid");
    assert_eq!(order.first, vec![1]);
    assert_eq!(order.rest, vec![0, 2]);
    let nothing = form_order(&[0.0, 0.0]).expect("valid");
    assert!(nothing.first.is_empty());
    assert_eq!(nothing.rest, vec![0, 1]);
}

#[test]
fn bad_importances_are_refused_by_column() {
    for bad in [f64::NAN, f64::INFINITY, -1.0] {
        match form_order(&[1.0, bad]) {
            Err(ImportanceError::BadValue { name, .. }) => assert_eq!(name, "column 1"),
            other => panic!("{bad}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn bad_gain_files_are_refused_with_a_reason() {
    assert!(matches!(
        CommittedGain::from_json("not json"),
        Err(ImportanceError::InvalidFile(_))
    ));
    assert_eq!(
        CommittedGain::from_json(
            r#"{"source_model_sha256":"a","importance_type":"split","features":[]}"#
        ),
        Err(ImportanceError::NotGain("split".to_owned()))
    );
    assert!(matches!(
        CommittedGain::from_json(
            r#"{"source_model_sha256":"a","importance_type":"gain","features":[{"name":"x","gain":-2}]}"#
        ),
        Err(ImportanceError::BadValue { .. })
    ));
    let file = CommittedGain::from_json(
        r#"{"source_model_sha256":"a","importance_type":"gain","features":[{"name":"x","gain":2}]}"#,
    )
    .expect("valid");
    assert_eq!(
        file.for_features(&["x", "y"]),
        Err(ImportanceError::MissingFeature("y".to_owned()))
    );
}

#[test]
fn gain_is_summed_per_feature_across_trees() {
    let text = "tree\nfeature_names=a b c\n\nTree=0\nsplit_feature=2 0 2\nsplit_gain=1.5 4 2.5\n\nTree=1\nsplit_feature=0\nsplit_gain=0.25\n";
    assert_eq!(
        gain_from_model_text(text).expect("valid"),
        vec![
            ("a".to_owned(), 4.25),
            ("b".to_owned(), 0.0),
            ("c".to_owned(), 4.0)
        ]
    );
}

#[test]
fn broken_model_texts_are_refused_with_the_line() {
    assert_eq!(
        gain_from_model_text("tree\nTree=0\n"),
        Err(ImportanceError::NoFeatureNames)
    );
    let short = "feature_names=a b\nTree=0\nsplit_feature=0 1\nsplit_gain=1\n";
    assert!(matches!(
        gain_from_model_text(short),
        Err(ImportanceError::BadTreeLine { line: 4, .. })
    ));
    let out_of_range = "feature_names=a b\nTree=0\nsplit_feature=0 2\nsplit_gain=1 1\n";
    assert!(matches!(
        gain_from_model_text(out_of_range),
        Err(ImportanceError::BadTreeLine { line: 3, .. })
    ));
}
