//! Every kind of model and bundle the app cannot score exactly is refused with a typed error
//! that names what and where; and no input, however mangled, makes the parser or the bundle
//! loader panic (property tests).
#![cfg(not(target_arch = "wasm32"))]

use instacart_reorder::model::{
    convert, parse_model_text, sha256_hex, BundleError, BundleMeta, ConvertError, ConvertOptions,
    FeatureKind, FeatureSpec, Model, ModelKind, ObjectiveError, ParseError, TreeError,
    MAX_MODEL_BYTES,
};
use proptest::prelude::*;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/model")
        .join(name);
    std::fs::read_to_string(path).expect("fixture model")
}

fn base_model() -> String {
    fixture("nan_missing.txt")
}

/// Replaces the value of `field` in tree `tree` using `edit`.
fn edit_tree_field(text: &str, tree: usize, field: &str, edit: impl Fn(&str) -> String) -> String {
    let marker = format!("Tree={tree}\n");
    let start = text.find(&marker).expect("tree exists");
    let key = format!("\n{field}=");
    let field_start = start + text[start..].find(&key).expect("field exists") + key.len();
    let field_end = field_start + text[field_start..].find('\n').expect("line end");
    format!(
        "{}{}{}",
        &text[..field_start],
        edit(&text[field_start..field_end]),
        &text[field_end..]
    )
}

fn parse_error(text: &str) -> ParseError {
    match parse_model_text(text) {
        Ok(_) => panic!("the model was accepted"),
        Err(error) => error,
    }
}

#[test]
fn the_base_model_is_accepted() {
    let model = parse_model_text(&base_model()).expect("parses");
    assert_eq!(model.trees.len(), 40);
    assert_eq!(model.feature_names[0], "days_since_prior");
}

#[test]
fn a_categorical_bit_without_a_category_set_is_refused() {
    // A categorical bit on a model without category sets: its threshold indexes nothing.
    let text = edit_tree_field(&base_model(), 1, "decision_type", |value| {
        let mut types: Vec<String> = value.split(' ').map(str::to_string).collect();
        types[0] = "9".to_string();
        types.join(" ")
    });
    let error = parse_error(&text);
    assert!(
        matches!(
            error,
            ParseError::BadTree {
                tree: 1,
                source: TreeError::BadCategorySet {
                    node: 0,
                    sets: 0,
                    ..
                }
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("categorical"), "{error}");
}

#[test]
fn the_former_refusals_are_models_of_other_kinds() {
    for (name, kind) in [
        ("reject_categorical.txt", ModelKind::Binary),
        ("reject_linear.txt", ModelKind::Binary),
        ("reject_regression.txt", ModelKind::Regression),
        ("reject_multiclass.txt", ModelKind::Multiclass),
    ] {
        let model = parse_model_text(&fixture(name)).expect(name);
        assert_eq!(model.objective.kind, kind, "{name}");
    }
}

#[test]
fn objectives_lightgbm_cannot_predict_are_refused() {
    let text = base_model().replace("objective=binary sigmoid:1", "objective=custom");
    let error = parse_error(&text);
    assert!(
        matches!(error, ParseError::Objective(ObjectiveError::Custom(_))),
        "{error:?}"
    );
    let text = base_model().replace("objective=binary sigmoid:1", "objective=wizardry");
    assert!(matches!(
        parse_error(&text),
        ParseError::Objective(ObjectiveError::Unknown(_))
    ));
    let text = base_model().replace("objective=binary sigmoid:1\n", "");
    assert!(matches!(
        parse_error(&text),
        ParseError::MissingHeader { key: "objective" }
    ));
    // Two classes claimed by the objective, one tree per iteration in the header.
    let text = base_model().replace(
        "objective=binary sigmoid:1",
        "objective=multiclass num_class:2",
    );
    assert!(matches!(
        parse_error(&text),
        ParseError::TreesPerIteration {
            expected: 2,
            found: 1,
            ..
        }
    ));
    // 40 trees are not a whole number of 3-tree iterations.
    let text = base_model()
        .replace(
            "objective=binary sigmoid:1",
            "objective=multiclass num_class:3",
        )
        .replace("num_class=1", "num_class=3")
        .replace("num_tree_per_iteration=1", "num_tree_per_iteration=3");
    assert!(matches!(
        parse_error(&text),
        ParseError::PartialIteration {
            trees: 40,
            per_iteration: 3
        }
    ));
}

#[test]
fn inconsistent_arrays_are_refused_naming_tree_and_field() {
    let text = edit_tree_field(&base_model(), 2, "leaf_value", |value| {
        value
            .rsplit_once(' ')
            .map(|(head, _)| head.to_string())
            .unwrap_or_default()
    });
    let error = parse_error(&text);
    assert!(
        matches!(
            error,
            ParseError::BadTree {
                tree: 2,
                source: TreeError::Inconsistent {
                    field: "leaf_value",
                    ..
                }
            }
        ),
        "{error:?}"
    );
    let text = edit_tree_field(&base_model(), 5, "left_child", |value| format!("{value} 3"));
    assert!(matches!(
        parse_error(&text),
        ParseError::BadTree {
            tree: 5,
            source: TreeError::Inconsistent {
                field: "left_child",
                ..
            }
        }
    ));
    // A child pointing at a leaf that does not exist.
    let text = edit_tree_field(&base_model(), 0, "right_child", |value| {
        let mut children: Vec<String> = value.split(' ').map(str::to_string).collect();
        children[0] = "-99".to_string();
        children.join(" ")
    });
    assert!(matches!(
        parse_error(&text),
        ParseError::BadTree {
            tree: 0,
            source: TreeError::ChildOutOfRange { child: -99, .. }
        }
    ));
    // Feature index beyond max_feature_idx.
    let text = edit_tree_field(&base_model(), 0, "split_feature", |value| {
        let mut features: Vec<String> = value.split(' ').map(str::to_string).collect();
        features[0] = "6".to_string();
        features.join(" ")
    });
    assert!(matches!(
        parse_error(&text),
        ParseError::BadTree {
            tree: 0,
            source: TreeError::FeatureOutOfRange { feature: 6, .. }
        }
    ));
}

#[test]
fn zero_training_row_counts_are_refused_naming_tree_and_node() {
    // LightGBM's TreeSHAP weights are these counts: a zero makes them 0/0 = NaN.
    let error = parse_error(&fixture("reject_zero_count.txt"));
    assert!(
        matches!(
            error,
            ParseError::BadTree {
                tree: 1,
                source: TreeError::ZeroCount {
                    field: "leaf_count",
                    index: 2
                }
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("tree 1") && message.contains("leaf 2") && message.contains("leaf_count"),
        "{message}"
    );

    let text = edit_tree_field(&base_model(), 6, "internal_count", |value| {
        let mut counts: Vec<String> = value.split(' ').map(str::to_string).collect();
        counts[3] = "0".to_string();
        counts.join(" ")
    });
    let error = parse_error(&text);
    assert!(
        matches!(
            error,
            ParseError::BadTree {
                tree: 6,
                source: TreeError::ZeroCount {
                    field: "internal_count",
                    index: 3
                }
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("node 3"), "{error}");

    // The bundle loader runs the same check.
    let model = parse_model_text(&base_model()).expect("parses");
    let mut bundle = convert(
        &model,
        sha256_hex(base_model().as_bytes()),
        ConvertOptions {
            threshold: 0.5,
            feature_names: None,
            meta: None,
        },
    )
    .expect("converts");
    bundle.trees[4].leaf_count[0] = 0;
    let json = serde_json::to_string(&bundle).expect("serialises");
    assert!(
        matches!(
            bundle_error(&json),
            BundleError::BadTree {
                tree: 4,
                source: TreeError::ZeroCount {
                    field: "leaf_count",
                    index: 0
                }
            }
        ),
        "zero count accepted by the bundle loader"
    );
}

#[test]
fn a_single_leaf_tree_may_have_a_zero_count() {
    // A single leaf has no internal nodes and TreeSHAP never reads its count, so a 0 there
    // harms nothing and is accepted.
    let text = fixture("single_leaf.txt").replace("leaf_count=500", "leaf_count=0");
    assert!(text.contains("leaf_count=0"));
    let model = parse_model_text(&text).expect("a single-leaf tree with count 0 parses");
    assert_eq!(model.trees[0].leaf_count, vec![0]);
}

#[test]
fn non_finite_leaves_are_refused() {
    for bad in ["inf", "-inf", "nan"] {
        let text = edit_tree_field(&base_model(), 3, "leaf_value", |value| {
            let mut leaves: Vec<String> = value.split(' ').map(str::to_string).collect();
            leaves[1] = bad.to_string();
            leaves.join(" ")
        });
        let error = parse_error(&text);
        assert!(
            matches!(
                error,
                ParseError::BadTree {
                    tree: 3,
                    source: TreeError::NonFiniteLeaf { leaf: 1, .. }
                }
            ),
            "{bad}: {error:?}"
        );
    }
}

#[test]
fn garbled_numbers_are_refused_naming_tree_and_field() {
    let text = edit_tree_field(&base_model(), 4, "threshold", |value| {
        value.replacen(' ', " 0.5x ", 1)
    });
    let error = parse_error(&text);
    assert!(
        matches!(&error, ParseError::BadTreeValue { tree: 4, field: "threshold", token } if token == "0.5x"),
        "{error:?}"
    );
    assert!(matches!(parse_error("hello"), ParseError::NotAModel));
    assert!(matches!(parse_error(""), ParseError::NotAModel));
}

#[test]
fn truncated_models_are_refused() {
    let text = base_model();
    let end = text.find("end of trees").expect("end marker");
    // Cut after the last complete tree.
    let error = parse_error(&text[..end]);
    assert!(matches!(error, ParseError::Truncated { .. }), "{error:?}");
    // Cut anywhere inside the trees: always an error, never a panic.
    let first_tree = text.find("Tree=0").expect("tree 0");
    for cut in (first_tree..end).step_by(997) {
        assert!(
            parse_model_text(&text[..cut]).is_err(),
            "cut at {cut} accepted"
        );
    }
    // A tree missing from the middle.
    let start = text.find("Tree=7\n").expect("tree 7");
    let stop = text.find("Tree=8\n").expect("tree 8");
    let error = parse_error(&format!("{}{}", &text[..start], &text[stop..]));
    assert!(
        matches!(error, ParseError::TreeOutOfOrder { expected: 7, .. }),
        "{error:?}"
    );
}

/// Replaces entry `index` of a space-separated field of tree `tree`.
fn set_entry(text: &str, tree: usize, field: &str, index: usize, value: &str) -> String {
    edit_tree_field(text, tree, field, |list| {
        let mut entries: Vec<String> = list.split(' ').map(str::to_string).collect();
        entries[index] = value.to_string();
        entries.join(" ")
    })
}

#[test]
fn cycles_and_out_of_range_children_are_refused_naming_tree_and_node() {
    // Tree 0: node 0 -> node 2 -> node 12 -> leaf 0. Pointing node 12 back at node 2 closes
    // a cycle; node 2 then has two parents.
    let error = parse_error(&set_entry(&base_model(), 0, "left_child", 12, "2"));
    assert!(
        matches!(&error, ParseError::BadTree { tree: 0, source: TreeError::NotATree { what } } if what == "node 2"),
        "{error:?}"
    );
    assert!(error.to_string().contains("node 2"), "{error}");
    // A child pointing at the root.
    let error = parse_error(&set_entry(&base_model(), 3, "right_child", 0, "0"));
    assert!(
        matches!(
            error,
            ParseError::BadTree {
                tree: 3,
                source: TreeError::NotATree { .. }
            }
        ),
        "{error:?}"
    );
    // A loop cut off from the root: node 2 takes leaf 0 directly and node 12 becomes its own
    // child. Every node still has at most one parent, so only the walk from the root can tell.
    let text = set_entry(&base_model(), 0, "left_child", 2, "-1");
    let text = set_entry(&text, 0, "left_child", 12, "12");
    let error = parse_error(&text);
    assert!(
        matches!(&error, ParseError::BadTree { tree: 0, source: TreeError::Unreachable { what } } if what == "node 12"),
        "{error:?}"
    );
    // A node index one past the last node, and a leaf index past the last leaf.
    let error = parse_error(&set_entry(&base_model(), 0, "right_child", 0, "14"));
    assert!(
        matches!(
            error,
            ParseError::BadTree {
                tree: 0,
                source: TreeError::ChildOutOfRange { node: 0, child: 14 }
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("node 0"), "{error}");
    let error = parse_error(&set_entry(&base_model(), 2, "left_child", 1, "-16"));
    assert!(
        matches!(
            error,
            ParseError::BadTree {
                tree: 2,
                source: TreeError::ChildOutOfRange {
                    node: 1,
                    child: -16
                }
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_model_cut_inside_a_tree_is_refused_naming_the_tree() {
    let text = base_model();
    let tree = text.find("Tree=5\n").expect("tree 5");
    // Cut just after the tree's leaf values: its counts are missing.
    let values = tree + text[tree..].find("\nleaf_weight=").expect("leaf_weight");
    let error = parse_error(&text[..values + 1]);
    assert!(
        matches!(
            error,
            ParseError::MissingTreeField {
                tree: 5,
                field: "leaf_count"
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("tree 5"), "{error}");
    // Cut in the middle of the threshold list: fewer thresholds than splits.
    let thresholds = tree + text[tree..].find("\nthreshold=").expect("threshold") + 1;
    let line_end = thresholds + text[thresholds..].find('\n').expect("line end");
    let cut = thresholds
        + text[thresholds..line_end]
            .rfind(' ')
            .expect("several thresholds");
    let rest = &text[line_end..];
    let error = parse_error(&format!("{}{rest}", &text[..cut]));
    assert!(
        matches!(
            error,
            ParseError::BadTree {
                tree: 5,
                source: TreeError::Inconsistent {
                    field: "threshold",
                    ..
                }
            }
        ),
        "{error:?}"
    );
}

#[test]
fn models_over_64_mib_are_refused() {
    let mut text = base_model();
    text.push_str(&" ".repeat(MAX_MODEL_BYTES + 1 - text.len()));
    assert!(matches!(parse_error(&text), ParseError::TooLarge { .. }));
}

fn base_bundle_json() -> String {
    let text = base_model();
    let model = parse_model_text(&text).expect("parses");
    let bundle = convert(
        &model,
        sha256_hex(text.as_bytes()),
        ConvertOptions {
            threshold: 0.4,
            feature_names: None,
            meta: None,
        },
    )
    .expect("converts");
    serde_json::to_string(&bundle).expect("serialises")
}

fn bundle_error(json: &str) -> BundleError {
    match Model::from_bundle_json(json) {
        Ok(_) => panic!("the bundle was accepted"),
        Err(error) => error,
    }
}

#[test]
fn bad_bundles_are_refused() {
    let json = base_bundle_json();
    assert!(Model::from_bundle_json(&json).is_ok());
    assert!(matches!(
        bundle_error(&json.replace("instacart-reorder-bundle", "other")),
        BundleError::WrongFormat(_)
    ));
    assert!(matches!(
        bundle_error(&json.replace("\"format_version\":2", "\"format_version\":3")),
        BundleError::UnsupportedVersion(3)
    ));
    assert!(matches!(
        bundle_error(&json.replace("\"threshold\":0.4", "\"threshold\":1.5")),
        BundleError::BadThreshold(_)
    ));
    assert!(matches!(
        bundle_error(&json.replace("\"num_trees\":40", "\"num_trees\":39")),
        BundleError::TreeCount {
            declared: 39,
            found: 40
        }
    ));
    assert!(matches!(
        bundle_error(&json.replace("\"source_model_sha256\":\"", "\"source_model_sha256\":\"X")),
        BundleError::BadSha256(_)
    ));
    assert!(matches!(
        bundle_error(&json.replace("\"name\":\"times_bought\"", "\"name\":\"days_since_prior\"")),
        BundleError::BadFeature { index: 1, .. }
    ));
    assert!(matches!(
        bundle_error(&json.replace("probability >= threshold", "probability > threshold")),
        BundleError::BadDecisionRule(_)
    ));
    assert!(matches!(
        bundle_error(&json.replace("\"sigmoid\":1.0", "\"sigmoid\":-1.0")),
        BundleError::BadSigmoid(_)
    ));
    assert!(matches!(
        bundle_error(&json.replacen("\"decision_type\":[", "\"decision_type\":[1,", 1)),
        BundleError::BadTree { tree: 0, .. }
    ));
    assert!(matches!(
        bundle_error(&json.replacen("\"threshold\":[", "\"threshold\":[\"nan\",", 1)),
        BundleError::Json(_)
    ));
    assert!(matches!(
        bundle_error(&json.replacen("{\"format\"", "{\"extra\":1,\"format\"", 1)),
        BundleError::Json(_)
    ));
    assert!(matches!(bundle_error("{}"), BundleError::Json(_)));
    assert!(matches!(bundle_error(""), BundleError::Json(_)));
}

#[test]
fn convert_checks_threshold_names_and_meta() {
    let text = base_model();
    let model = parse_model_text(&text).expect("parses");
    let sha = sha256_hex(text.as_bytes());
    let options = |threshold, feature_names, meta| ConvertOptions {
        threshold,
        feature_names,
        meta,
    };
    assert!(matches!(
        convert(&model, sha.clone(), options(1.01, None, None)),
        Err(ConvertError::BadThreshold(_))
    ));
    assert!(matches!(
        convert(&model, sha.clone(), options(f64::NAN, None, None)),
        Err(ConvertError::BadThreshold(_))
    ));
    let mut names = model.feature_names.clone();
    names.swap(0, 1);
    assert!(matches!(
        convert(&model, sha.clone(), options(0.4, Some(names), None)),
        Err(ConvertError::FeatureNamesDiffer { position: 0, .. })
    ));
    assert!(convert(
        &model,
        sha.clone(),
        options(0.4, Some(model.feature_names.clone()), None)
    )
    .is_ok());

    // Meta features in another order are put in the model's order.
    let mut described: Vec<FeatureSpec> = model
        .feature_names
        .iter()
        .map(|name| FeatureSpec {
            kind: Some(FeatureKind::Number),
            min: Some(0.0),
            median: Some(1.0),
            max: Some(2.0),
            ..FeatureSpec::named(name.clone())
        })
        .collect();
    described.reverse();
    let meta = |features: Vec<FeatureSpec>| {
        Some(BundleMeta {
            model_version: Some("test-1".to_string()),
            lightgbm_version: Some("4.7.0".to_string()),
            metrics: Some(serde_json::json!({"auc": 0.8})),
            features: Some(features),
        })
    };
    let bundle = convert(
        &model,
        sha.clone(),
        options(0.4, None, meta(described.clone())),
    )
    .expect("converts with meta");
    let names: Vec<&str> = bundle.features.iter().map(|f| f.name.as_str()).collect();
    let model_names: Vec<&str> = model.feature_names.iter().map(String::as_str).collect();
    assert_eq!(names, model_names);
    assert_eq!(bundle.metadata.model_version.as_deref(), Some("test-1"));
    assert_eq!(
        bundle.metadata.metrics,
        Some(serde_json::json!({"auc": 0.8}))
    );

    let mut unknown = described.clone();
    unknown[0].name = "no_such_feature".to_string();
    assert!(matches!(
        convert(&model, sha.clone(), options(0.4, None, meta(unknown))),
        Err(ConvertError::UnknownMetaFeature(name)) if name == "no_such_feature"
    ));
    let missing = described[1..].to_vec();
    assert!(matches!(
        convert(&model, sha.clone(), options(0.4, None, meta(missing))),
        Err(ConvertError::MissingMetaFeature(_))
    ));
    let mut duplicate = described.clone();
    duplicate.push(described[0].clone());
    assert!(matches!(
        convert(&model, sha.clone(), options(0.4, None, meta(duplicate))),
        Err(ConvertError::DuplicateMetaFeature(_))
    ));
    let mut unordered = described;
    unordered[0].min = Some(5.0);
    assert!(matches!(
        convert(&model, sha, options(0.4, None, meta(unordered))),
        Err(ConvertError::BadMetaFeature { .. })
    ));
}

#[test]
fn rows_of_the_wrong_length_are_an_error() {
    let model = Model::from_bundle_json(&base_bundle_json()).expect("loads");
    assert!(model.predict(&[0.0; 5]).is_err());
    assert!(model.explain(&[0.0; 7]).is_err());
    let mut out = vec![0.0; 2];
    assert!(model.predict_batch(&[0.0; 11], &mut out).is_err());
}

/// Applies a few random byte-level edits to `text`.
fn mutate(text: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for &(position, kind, byte) in edits {
        if bytes.is_empty() {
            break;
        }
        let at = position % bytes.len();
        let byte = b" =\n0123456789-.e,:[]{}\"abcinfTre"[usize::from(byte) % 32];
        match kind % 3 {
            0 => bytes[at] = byte,
            1 => {
                bytes.remove(at);
            }
            _ => bytes.insert(at, byte),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_parser_never_panics_on_arbitrary_text(text in "\\PC{0,400}") {
        let _ = parse_model_text(&text);
        let _ = parse_model_text(&format!("tree\nversion=v4\nnum_class=1\n{text}"));
    }

    #[test]
    fn the_parser_never_panics_on_mutated_models(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)
    ) {
        let text = mutate(&fixture("edited.txt"), &edits);
        if let Ok(model) = parse_model_text(&text) {
            // Whatever is accepted must convert, load and score without panicking.
            let bundle = convert(&model, sha256_hex(text.as_bytes()), ConvertOptions {
                threshold: 0.5, feature_names: None, meta: None,
            });
            if let Ok(bundle) = bundle {
                let loaded = Model::from_bundle(bundle);
                prop_assert!(loaded.is_ok(), "accepted model does not load: {:?}", loaded.err());
                if let Ok(model) = loaded {
                    let row = vec![f64::NAN; model.num_features()];
                    prop_assert!(model.predict(&row).is_ok());
                    prop_assert!(model.explain(&row).is_ok());
                }
            }
        }
    }

    #[test]
    fn the_bundle_loader_never_panics_on_mutated_bundles(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8),
        values in proptest::collection::vec(any::<f64>(), 6)
    ) {
        let json = mutate(&base_bundle_json(), &edits);
        if let Ok(model) = Model::from_bundle_json(&json) {
            let row: Vec<f64> = values.iter().copied().cycle().take(model.num_features()).collect();
            prop_assert!(model.predict(&row).is_ok());
            prop_assert!(model.explain(&row).is_ok());
        }
    }

    #[test]
    fn the_bundle_loader_never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = Model::from_bundle_json(&text);
    }
}

/// The bundled model as format 1 wrote it (before the kinds): it still loads, as a binary model,
/// and scores every row exactly as its format-2 conversion does.
#[test]
fn a_format_1_bundle_still_loads_and_scores_as_format_2() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let old = std::fs::read_to_string(root.join("tests/fixtures/model/format1_bundle.json"))
        .expect("format-1 bundle");
    assert!(old.contains("\"format_version\":1"));
    let old = Model::from_bundle_json(&old).expect("format 1 loads");
    let new = std::fs::read_to_string(root.join("assets/model.json")).expect("bundle");
    assert!(new.contains("\"format_version\":2"));
    let new = Model::from_bundle_json(&new).expect("format 2 loads");
    assert_eq!(old.kind(), ModelKind::Binary);
    assert_eq!(old.output_names(), vec!["probability".to_string()]);
    let width = old.num_features();
    let rows: Vec<f64> = (0..500 * width)
        .map(|i| {
            if i % 7 == 0 {
                f64::NAN
            } else {
                (i % 37) as f64 * 0.3 - 2.0
            }
        })
        .collect();
    let (a, b) = (
        old.score_batch(&rows).expect("scores"),
        new.score_batch(&rows).expect("scores"),
    );
    assert_eq!(a, b);
    // A format-1 bundle is binary by definition.
    let multi = old_with_objective("multiclass num_class:3");
    assert!(matches!(
        bundle_error(&multi),
        BundleError::BadObjective(_) | BundleError::KindMismatch { .. }
    ));
}

fn old_with_objective(objective: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let old = std::fs::read_to_string(root.join("tests/fixtures/model/format1_bundle.json"))
        .expect("format-1 bundle");
    let mut json: serde_json::Value = serde_json::from_str(&old).expect("json");
    json["metadata"]["objective"] = serde_json::Value::String(objective.to_string());
    serde_json::to_string(&json).expect("json")
}
