//! TreeSHAP on trees far deeper than a trained model's: the scratch buffer is sized by the
//! deepest tree measured at load (not by the number of leaves or a fixed constant), a chain tree
//! nearly as deep as it has leaves is explained exactly, and trees over `MAX_TREE_DEPTH` are
//! refused. The reference values are Shapley values computed by brute force over every subset of
//! features, independently of the library's TreeSHAP.
#![cfg(not(target_arch = "wasm32"))]

use instacart_reorder::model::{
    convert, parse_model_text, sha256_hex, ConvertOptions, Model, ParseError, TreeError,
    MAX_TREE_DEPTH,
};

const FEATURES: usize = 4;

/// One tree's arrays, written as model.txt lines.
struct Tree {
    split_feature: Vec<usize>,
    threshold: Vec<f64>,
    left_child: Vec<i32>,
    right_child: Vec<i32>,
    leaf_value: Vec<f64>,
    leaf_count: Vec<u64>,
    internal_count: Vec<u64>,
}

/// A chain of `leaves - 1` splits: node i sends `x[i % FEATURES] <= threshold` to leaf i and
/// everything else on to node i + 1; the last node's right child is the last leaf. Its depth is
/// `leaves - 1`. Counts add up (each node's count is the sum of its children's), as in a
/// trained tree.
fn chain(leaves: usize) -> Tree {
    let nodes = leaves - 1;
    let leaf_count: Vec<u64> = (0..leaves).map(|i| (i % 5 + 1) as u64).collect();
    let internal_count = (0..nodes).map(|i| leaf_count[i..].iter().sum()).collect();
    Tree {
        split_feature: (0..nodes).map(|i| i % FEATURES).collect(),
        // Thresholds that wander over [0, 1), so rows leave the chain at various depths.
        threshold: (0..nodes)
            .map(|i| ((i * 7919) % 1000) as f64 / 1000.0)
            .collect(),
        left_child: (0..nodes as i32).map(|i| !i).collect(),
        right_child: (0..nodes as i32)
            .map(|i| {
                if i + 1 < nodes as i32 {
                    i + 1
                } else {
                    !(nodes as i32)
                }
            })
            .collect(),
        leaf_value: (0..leaves)
            .map(|i| ((i * 37) % 11) as f64 / 10.0 - 0.5)
            .collect(),
        leaf_count,
        internal_count,
    }
}

/// A stump on feature 1.
fn stump() -> Tree {
    Tree {
        split_feature: vec![1],
        threshold: vec![0.5],
        left_child: vec![-1],
        right_child: vec![-2],
        leaf_value: vec![-0.25, 0.75],
        leaf_count: vec![30, 10],
        internal_count: vec![40],
    }
}

fn join<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn model_text(trees: &[Tree]) -> String {
    let names: Vec<String> = (0..FEATURES).map(|i| format!("f{i}")).collect();
    let mut text = format!(
        "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\n\
         max_feature_idx={}\nobjective=binary sigmoid:1\nfeature_names={}\n\n",
        FEATURES - 1,
        names.join(" ")
    );
    for (index, tree) in trees.iter().enumerate() {
        let nodes = tree.split_feature.len();
        text.push_str(&format!(
            "Tree={index}\nnum_leaves={}\nnum_cat=0\nsplit_feature={}\nthreshold={}\n\
             decision_type={}\nleft_child={}\nright_child={}\nleaf_value={}\nleaf_count={}\n\
             internal_count={}\nis_linear=0\nshrinkage=1\n\n\n",
            tree.leaf_value.len(),
            join(&tree.split_feature),
            tree.threshold
                .iter()
                .map(|t| format!("{t:?}"))
                .collect::<Vec<_>>()
                .join(" "),
            join(&vec![0u8; nodes]),
            join(&tree.left_child),
            join(&tree.right_child),
            tree.leaf_value
                .iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(" "),
            join(&tree.leaf_count),
            join(&tree.internal_count),
        ));
    }
    text.push_str("end of trees\n");
    text
}

fn load(trees: &[Tree]) -> Result<Model, ParseError> {
    let text = model_text(trees);
    let parsed = parse_model_text(&text)?;
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
    Ok(Model::from_bundle(bundle).expect("loads"))
}

/// TreeSHAP's value of a coalition: the tree's output when the features in `known` are those
/// of `row` and the others are averaged over the training rows, weighted by the counts.
fn coalition_value(tree: &Tree, node: i32, row: &[f64], known: u32) -> f64 {
    if node < 0 {
        return tree.leaf_value[!node as usize];
    }
    let index = node as usize;
    let (left, right) = (tree.left_child[index], tree.right_child[index]);
    let feature = tree.split_feature[index];
    if known & (1 << feature) != 0 {
        // Rows are finite and the missing type is None: the plain comparison decides.
        let next = if row[feature] <= tree.threshold[index] {
            left
        } else {
            right
        };
        return coalition_value(tree, next, row, known);
    }
    let count = |child: i32| {
        if child < 0 {
            tree.leaf_count[!child as usize] as f64
        } else {
            tree.internal_count[child as usize] as f64
        }
    };
    (count(left) * coalition_value(tree, left, row, known)
        + count(right) * coalition_value(tree, right, row, known))
        / tree.internal_count[index] as f64
}

/// Exact Shapley values of `coalition_value` summed over the trees, by enumerating subsets;
/// the last entry is the value of the empty coalition (the expected value).
fn brute_force_shapley(trees: &[Tree], row: &[f64]) -> Vec<f64> {
    let value = |known: u32| -> f64 {
        trees
            .iter()
            .map(|tree| coalition_value(tree, 0, row, known))
            .sum()
    };
    let factorial = |n: usize| (1..=n).product::<usize>() as f64;
    let mut phi = vec![0.0; FEATURES + 1];
    for (feature, slot) in phi.iter_mut().enumerate().take(FEATURES) {
        for subset in 0u32..(1 << FEATURES) {
            if subset & (1 << feature) != 0 {
                continue;
            }
            let size = subset.count_ones() as usize;
            let weight = factorial(size) * factorial(FEATURES - size - 1) / factorial(FEATURES);
            *slot += weight * (value(subset | (1 << feature)) - value(subset));
        }
    }
    phi[FEATURES] = value(0);
    phi
}

fn rows() -> Vec<[f64; FEATURES]> {
    (0..40u64)
        .map(|r| {
            std::array::from_fn(|f| {
                let mixed = (r * 2_654_435_761 + f as u64 * 40_503) % 1_000_003;
                mixed as f64 / 1_000_003.0
            })
        })
        .collect()
}

#[test]
fn a_chain_tree_nearly_as_deep_as_its_leaves_is_explained_exactly() {
    let leaves = 300;
    let trees = [stump(), chain(leaves)];
    let model = load(&trees).expect("the chain parses");
    // The depth is measured from the structure: the chain's, not the stump's first.
    assert_eq!(model.max_depth(), leaves - 1);
    assert_eq!(model.shap_buffer_len(), leaves * (leaves + 1) / 2);
    for row in rows() {
        let explanation = model.explain(&row).expect("explains");
        let expected = brute_force_shapley(&trees, &row);
        for (feature, (&got, &want)) in explanation.contributions.iter().zip(&expected).enumerate()
        {
            assert!(
                got.is_finite() && (got - want).abs() <= 1e-12,
                "row {row:?}, feature {feature}: TreeSHAP {got}, brute force {want}"
            );
        }
        assert!((explanation.expected_value - expected[FEATURES]).abs() <= 1e-12);
        let total: f64 = explanation.contributions.iter().sum::<f64>() + explanation.expected_value;
        assert!(
            (total - explanation.raw).abs() <= 1e-12,
            "{total} vs {}",
            explanation.raw
        );
    }
}

#[test]
fn a_shallow_model_keeps_a_small_buffer() {
    let model = load(&[stump()]).expect("a stump parses");
    assert_eq!(model.max_depth(), 1);
    assert_eq!(model.shap_buffer_len(), 3);
}

#[test]
fn trees_deeper_than_the_limit_are_refused_and_the_limit_itself_is_explained() {
    let model = load(&[chain(MAX_TREE_DEPTH + 1)]).expect("a chain at the depth limit parses");
    assert_eq!(model.max_depth(), MAX_TREE_DEPTH);
    let explanation = model.explain(&[0.99; FEATURES]).expect("explains");
    assert!(explanation
        .contributions
        .iter()
        .all(|value| value.is_finite()));

    match load(&[chain(MAX_TREE_DEPTH + 2)]) {
        Err(ParseError::BadTree {
            tree: 0,
            source: TreeError::TooDeep { depth },
        }) => assert_eq!(depth, MAX_TREE_DEPTH + 1),
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a tree over the depth limit was accepted"),
    }
}
