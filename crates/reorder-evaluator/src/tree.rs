//! One LightGBM decision tree as flat arrays, exactly as `model.txt` stores it, plus the checks
//! that make it safe to walk and the decision rules LightGBM applies at each node: numerical
//! (threshold, missing type, default side) and categorical (a bitset of the categories that go
//! left), and the linear model of each leaf of a linear tree.
//!
//! The parser and the bundle loader share this type and its validation, so a tree that scores
//! has passed the same checks whichever way it arrived.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// LightGBM's `kZeroThreshold`: the `f32` literal `1e-35f` widened to `f64`. Values whose
/// magnitude is at most this are treated as zero.
pub const ZERO_THRESHOLD: f64 = 1.000_000_018_002_509_5e-35;

/// Deepest tree accepted (TreeSHAP's path buffer grows with the square of the depth).
pub const MAX_TREE_DEPTH: usize = 1024;

/// Bit 0 of `decision_type`: the split is categorical; its threshold is then an index into
/// `cat_boundaries`.
pub const CATEGORICAL_MASK: u8 = 1;
/// Bit 1 of `decision_type`: missing values go to the left child.
pub const DEFAULT_LEFT_MASK: u8 = 2;

/// How a split treats missing values (bits 2-3 of `decision_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingType {
    /// NaN is read as 0.0 and compared like any value.
    None,
    /// Zero (and NaN, read as zero) goes to the default side.
    Zero,
    /// NaN goes to the default side; zero is compared like any value.
    NaN,
}

impl MissingType {
    /// Decodes bits 2-3 of a `decision_type`; `None` (the Option) for the unused value 3.
    pub fn from_decision_type(decision_type: u8) -> Option<MissingType> {
        match (decision_type >> 2) & 3 {
            0 => Some(MissingType::None),
            1 => Some(MissingType::Zero),
            2 => Some(MissingType::NaN),
            _ => None,
        }
    }
}

/// A tree as parallel arrays. Internal nodes are indexed `0..num_leaves-1`; a negative child
/// `c` is the leaf `!c` (LightGBM's `~i`). A single-leaf tree has empty node arrays.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeArrays {
    pub num_leaves: usize,
    pub split_feature: Vec<u32>,
    #[serde(with = "non_finite_floats")]
    pub threshold: Vec<f64>,
    pub decision_type: Vec<u8>,
    pub left_child: Vec<i32>,
    pub right_child: Vec<i32>,
    pub leaf_value: Vec<f64>,
    /// Training rows that reached each leaf (TreeSHAP's weights).
    pub leaf_count: Vec<u64>,
    /// Training rows that reached each internal node (TreeSHAP's weights).
    pub internal_count: Vec<u64>,
    /// Categorical splits: split `s` owns the words `cat_threshold[cat_boundaries[s] ..
    /// cat_boundaries[s + 1]]`, a bitset of the categories that go left. A categorical node's
    /// `threshold` is its `s`. Empty for a tree without categorical splits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cat_boundaries: Vec<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cat_threshold: Vec<u32>,
    /// A linear tree's leaf models (`is_linear=1`); `None` for a constant-leaf tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear: Option<LinearLeaves>,
}

/// The leaves of a linear tree: leaf `i` outputs `constant[i] + sum(coefficients[i][j] *
/// x[features[i][j]])`, or its `leaf_value` when any of those features is NaN.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearLeaves {
    pub constant: Vec<f64>,
    pub features: Vec<Vec<u32>>,
    pub coefficients: Vec<Vec<f64>>,
}

/// What is wrong with a tree's arrays.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TreeError {
    #[error("num_leaves is 0")]
    NoLeaves,
    #[error("`{field}` has {found} entries, expected {expected}")]
    Inconsistent {
        field: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("node {node} is a categorical split whose threshold {threshold} is not one of the tree's {sets} category sets")]
    BadCategorySet {
        node: usize,
        threshold: f64,
        sets: usize,
    },
    #[error("`cat_boundaries` {reason}")]
    BadCatBoundaries { reason: String },
    #[error("linear leaf {leaf}: {reason}")]
    BadLinearLeaf { leaf: usize, reason: String },
    #[error("node {node} has an unknown decision_type {decision_type}")]
    BadDecisionType { node: usize, decision_type: u8 },
    #[error("node {node} splits on feature {feature}, but the model has {num_features} features")]
    FeatureOutOfRange {
        node: usize,
        feature: u32,
        num_features: usize,
    },
    #[error("node {node} has a NaN threshold")]
    NanThreshold { node: usize },
    #[error("leaf {leaf} has a non-finite value {value}")]
    NonFiniteLeaf { leaf: usize, value: f64 },
    #[error("node {node} has child {child}, which does not exist")]
    ChildOutOfRange { node: usize, child: i32 },
    #[error(
        "{what} is reached more than once or is the root's child: the arrays do not form a tree"
    )]
    NotATree { what: String },
    #[error("{what} is never reached from the root")]
    Unreachable { what: String },
    #[error("the tree is {depth} levels deep, over the limit of {MAX_TREE_DEPTH}")]
    TooDeep { depth: usize },
    #[error("{} {index} has a `{field}` of 0: TreeSHAP weighs each branch by these training-row counts and would divide 0 by 0", if *field == "leaf_count" { "leaf" } else { "node" })]
    ZeroCount { field: &'static str, index: usize },
}

fn check_len(field: &'static str, found: usize, expected: usize) -> Result<(), TreeError> {
    if found == expected {
        Ok(())
    } else {
        Err(TreeError::Inconsistent {
            field,
            expected,
            found,
        })
    }
}

fn describe_child(child: i32) -> String {
    if child < 0 {
        format!("leaf {}", !child)
    } else {
        format!("node {child}")
    }
}

impl TreeArrays {
    /// Number of internal (split) nodes.
    pub fn num_nodes(&self) -> usize {
        self.num_leaves.saturating_sub(1)
    }

    /// Checks every array against `num_leaves`, every split against `num_features`, and that
    /// the children form one tree rooted at node 0. Returns the tree's depth (edges on the
    /// longest root-to-leaf path).
    pub fn validate(&self, num_features: usize) -> Result<usize, TreeError> {
        if self.num_leaves == 0 {
            return Err(TreeError::NoLeaves);
        }
        let nodes = self.num_nodes();
        check_len("split_feature", self.split_feature.len(), nodes)?;
        check_len("threshold", self.threshold.len(), nodes)?;
        check_len("decision_type", self.decision_type.len(), nodes)?;
        check_len("left_child", self.left_child.len(), nodes)?;
        check_len("right_child", self.right_child.len(), nodes)?;
        check_len("leaf_value", self.leaf_value.len(), self.num_leaves)?;
        if nodes > 0 {
            check_len("leaf_count", self.leaf_count.len(), self.num_leaves)?;
            check_len("internal_count", self.internal_count.len(), nodes)?;
        } else if self.leaf_count.len() > 1 {
            check_len("leaf_count", self.leaf_count.len(), 1)?;
        } else if !self.internal_count.is_empty() {
            check_len("internal_count", self.internal_count.len(), 0)?;
        }
        for (leaf, &value) in self.leaf_value.iter().enumerate() {
            if !value.is_finite() {
                return Err(TreeError::NonFiniteLeaf { leaf, value });
            }
        }
        if nodes > 0 {
            // TreeSHAP divides each child's count by its parent's; LightGBM's own pred_contrib
            // gives NaN for such a tree. A single leaf's count is never read.
            if let Some(index) = self.leaf_count.iter().position(|&count| count == 0) {
                return Err(TreeError::ZeroCount {
                    field: "leaf_count",
                    index,
                });
            }
            if let Some(index) = self.internal_count.iter().position(|&count| count == 0) {
                return Err(TreeError::ZeroCount {
                    field: "internal_count",
                    index,
                });
            }
        }
        self.validate_category_sets()?;
        self.validate_linear_leaves(num_features)?;
        for node in 0..nodes {
            let decision_type = self.decision_type[node];
            if decision_type & CATEGORICAL_MASK != 0 {
                let threshold = self.threshold[node];
                let sets = self.cat_boundaries.len().saturating_sub(1);
                if !(threshold >= 0.0 && threshold.fract() == 0.0 && (threshold as usize) < sets) {
                    return Err(TreeError::BadCategorySet {
                        node,
                        threshold,
                        sets,
                    });
                }
            }
            if decision_type > 0b1111 || MissingType::from_decision_type(decision_type).is_none() {
                return Err(TreeError::BadDecisionType {
                    node,
                    decision_type,
                });
            }
            let feature = self.split_feature[node];
            if feature as usize >= num_features {
                return Err(TreeError::FeatureOutOfRange {
                    node,
                    feature,
                    num_features,
                });
            }
            if self.threshold[node].is_nan() {
                return Err(TreeError::NanThreshold { node });
            }
            for child in [self.left_child[node], self.right_child[node]] {
                let in_range = if child < 0 {
                    ((!child) as usize) < self.num_leaves
                } else {
                    (child as usize) < nodes
                };
                if !in_range {
                    return Err(TreeError::ChildOutOfRange { node, child });
                }
            }
        }
        if nodes == 0 {
            return Ok(0);
        }
        // Every node but the root and every leaf must be some node's child exactly once; then a
        // walk from the root cannot loop, and it must reach everything.
        let mut node_parents = vec![0u8; nodes];
        let mut leaf_parents = vec![0u8; self.num_leaves];
        for node in 0..nodes {
            for child in [self.left_child[node], self.right_child[node]] {
                let slot = if child < 0 {
                    &mut leaf_parents[(!child) as usize]
                } else {
                    &mut node_parents[child as usize]
                };
                *slot += 1;
                if *slot > 1 || child == 0 {
                    return Err(TreeError::NotATree {
                        what: describe_child(child),
                    });
                }
            }
        }
        let mut max_depth = 0;
        let mut node_reached = vec![false; nodes];
        let mut leaf_reached = vec![false; self.num_leaves];
        let mut stack = vec![(0i32, 0usize)];
        while let Some((index, depth)) = stack.pop() {
            if depth > MAX_TREE_DEPTH {
                return Err(TreeError::TooDeep { depth });
            }
            if index < 0 {
                leaf_reached[(!index) as usize] = true;
                max_depth = max_depth.max(depth);
            } else {
                let node = index as usize;
                node_reached[node] = true;
                stack.push((self.left_child[node], depth + 1));
                stack.push((self.right_child[node], depth + 1));
            }
        }
        if let Some(node) = node_reached.iter().position(|reached| !reached) {
            return Err(TreeError::Unreachable {
                what: format!("node {node}"),
            });
        }
        if let Some(leaf) = leaf_reached.iter().position(|reached| !reached) {
            return Err(TreeError::Unreachable {
                what: format!("leaf {leaf}"),
            });
        }
        Ok(max_depth)
    }

    /// `cat_boundaries` starts at 0, never decreases and ends at the end of `cat_threshold`.
    fn validate_category_sets(&self) -> Result<(), TreeError> {
        let boundaries = &self.cat_boundaries;
        if boundaries.is_empty() {
            return match self.cat_threshold.len() {
                0 => Ok(()),
                words => Err(TreeError::BadCatBoundaries {
                    reason: format!("is empty but `cat_threshold` has {words} words"),
                }),
            };
        }
        if boundaries[0] != 0 {
            return Err(TreeError::BadCatBoundaries {
                reason: format!("starts at {}, not 0", boundaries[0]),
            });
        }
        if boundaries.windows(2).any(|pair| pair[0] > pair[1]) {
            return Err(TreeError::BadCatBoundaries {
                reason: "decreases".to_string(),
            });
        }
        let last = boundaries[boundaries.len() - 1] as usize;
        if last != self.cat_threshold.len() {
            return Err(TreeError::BadCatBoundaries {
                reason: format!(
                    "ends at {last} but `cat_threshold` has {} words",
                    self.cat_threshold.len()
                ),
            });
        }
        Ok(())
    }

    /// One constant per leaf, one coefficient per listed feature, every number finite.
    fn validate_linear_leaves(&self, num_features: usize) -> Result<(), TreeError> {
        let Some(linear) = &self.linear else {
            return Ok(());
        };
        check_len("leaf_const", linear.constant.len(), self.num_leaves)?;
        check_len("leaf_features", linear.features.len(), self.num_leaves)?;
        check_len("leaf_coeff", linear.coefficients.len(), self.num_leaves)?;
        for leaf in 0..self.num_leaves {
            let bad = |reason: String| Err(TreeError::BadLinearLeaf { leaf, reason });
            if !linear.constant[leaf].is_finite() {
                return bad(format!(
                    "the constant {} is not finite",
                    linear.constant[leaf]
                ));
            }
            if linear.features[leaf].len() != linear.coefficients[leaf].len() {
                return bad(format!(
                    "{} features but {} coefficients",
                    linear.features[leaf].len(),
                    linear.coefficients[leaf].len()
                ));
            }
            if let Some(&feature) = linear.features[leaf]
                .iter()
                .find(|&&feature| feature as usize >= num_features)
            {
                return bad(format!(
                    "feature {feature}, but the model has {num_features} features"
                ));
            }
            if let Some(value) = linear.coefficients[leaf].iter().find(|c| !c.is_finite()) {
                return bad(format!("the coefficient {value} is not finite"));
            }
        }
        Ok(())
    }

    /// Whether the tree has a categorical split.
    pub fn has_categorical_splits(&self) -> bool {
        self.decision_type
            .iter()
            .any(|&decision_type| decision_type & CATEGORICAL_MASK != 0)
    }

    /// The bitset words of categorical node `node` (whose threshold indexes `cat_boundaries`).
    #[inline]
    pub fn category_set(&self, node: usize) -> &[u32] {
        let set = self.threshold[node] as usize;
        let start = self.cat_boundaries[set] as usize;
        let end = self.cat_boundaries[set + 1] as usize;
        &self.cat_threshold[start..end]
    }

    /// LightGBM's `Decision` for node `node`: `NumericalDecision` or `CategoricalDecision`;
    /// true when `value` goes left.
    #[inline]
    pub fn goes_left(&self, node: usize, value: f64) -> bool {
        let decision_type = self.decision_type[node];
        if decision_type & CATEGORICAL_MASK != 0 {
            category_goes_left(self.category_set(node), value)
        } else {
            goes_left(decision_type, self.threshold[node], value)
        }
    }

    /// The output of leaf `leaf` for `row`: its value, or for a linear tree its linear model
    /// (LightGBM's `Tree::Predict`: the constant plus each coefficient times its feature, in
    /// the stored order, or the leaf's value when one of those features is NaN).
    #[inline]
    pub fn leaf_output(&self, leaf: usize, row: &[f64]) -> f64 {
        let Some(linear) = &self.linear else {
            return self.leaf_value[leaf];
        };
        let mut output = linear.constant[leaf];
        for (&feature, &coefficient) in linear.features[leaf].iter().zip(&linear.coefficients[leaf])
        {
            let value = snap_to_zero(row[feature as usize]);
            if value.is_nan() {
                return self.leaf_value[leaf];
            }
            output += coefficient * value;
        }
        output
    }

    /// The leaf `row` reaches.
    #[inline]
    pub fn leaf_of(&self, row: &[f64]) -> usize {
        let mut index = if self.num_nodes() == 0 { -1 } else { 0 };
        while index >= 0 {
            let node = index as usize;
            index = self.next(node, row[self.split_feature[node] as usize]);
        }
        !index as usize
    }

    /// The child `value` goes to at `node` (negative = leaf, as in the arrays).
    #[inline]
    pub fn next(&self, node: usize, value: f64) -> i32 {
        if self.goes_left(node, value) {
            self.left_child[node]
        } else {
            self.right_child[node]
        }
    }
}

/// One row's sum of leaves in tree order, each tree walked node by node on its own arrays: the
/// plain path (for models beyond the compiled layout, and the reference the compiled one is
/// tested against).
pub fn sum_of_leaves<'a>(trees: impl IntoIterator<Item = &'a TreeArrays>, row: &[f64]) -> f64 {
    let mut sum = 0.0;
    for tree in trees {
        sum += tree.leaf_output(tree.leaf_of(row), row);
    }
    sum
}

/// The C API's first step: every `|x| <= kZeroThreshold` becomes +0.0 (NaN stays NaN).
#[inline]
pub fn snap_to_zero(value: f64) -> f64 {
    if value.abs() <= ZERO_THRESHOLD {
        0.0
    } else {
        value
    }
}

/// LightGBM's `CategoricalDecision` on the words of one split's bitset: NaN goes right; any
/// other value is truncated toward zero to an `int`; a negative one goes right; a category whose
/// bit is set goes left, every other one (also past the last word) right. The missing type and
/// the default side play no part.
#[inline]
pub fn category_goes_left(words: &[u32], value: f64) -> bool {
    if value.is_nan() {
        return false;
    }
    // `as` saturates where C++'s cast is undefined; either way a value beyond `i32` is
    // negative (x86's result) or past every bitset, and goes right.
    let category = snap_to_zero(value) as i32;
    if category < 0 {
        return false;
    }
    let category = category as u32;
    words
        .get((category / 32) as usize)
        .is_some_and(|word| (word >> (category % 32)) & 1 == 1)
}

/// LightGBM's numerical decision. The C API first snaps every `|x| <= kZeroThreshold` to +0.0;
/// then a NaN is read as 0.0 unless the missing type is NaN; the missing value of the split's
/// type goes to the default side; everything else goes left when `x <= threshold`.
#[inline]
pub fn goes_left(decision_type: u8, threshold: f64, value: f64) -> bool {
    let default_left = decision_type & DEFAULT_LEFT_MASK != 0;
    let mut x = snap_to_zero(value);
    match MissingType::from_decision_type(decision_type) {
        Some(MissingType::NaN) => {
            if x.is_nan() {
                return default_left;
            }
        }
        Some(MissingType::Zero) => {
            if x.is_nan() || x == 0.0 {
                return default_left;
            }
        }
        _ => {
            if x.is_nan() {
                x = 0.0;
            }
        }
    }
    x <= threshold
}

/// JSON has no infinities; thresholds can be +-inf, so those are written as the strings
/// `"inf"` and `"-inf"` and everything else as a number.
pub(crate) mod non_finite_floats {
    use serde::de::{self, SeqAccess, Visitor};
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrWord {
        Number(f64),
        Word(String),
    }

    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(values.len()))?;
        for &value in values {
            if value == f64::INFINITY {
                seq.serialize_element("inf")?;
            } else if value == f64::NEG_INFINITY {
                seq.serialize_element("-inf")?;
            } else if value.is_nan() {
                seq.serialize_element("nan")?;
            } else {
                seq.serialize_element(&value)?;
            }
        }
        seq.end()
    }

    struct FloatsVisitor;

    impl<'de> Visitor<'de> for FloatsVisitor {
        type Value = Vec<f64>;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("an array of numbers or the strings \"inf\" / \"-inf\"")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f64>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
            while let Some(item) = seq.next_element::<NumberOrWord>()? {
                out.push(match item {
                    NumberOrWord::Number(value) => value,
                    NumberOrWord::Word(word) => match word.as_str() {
                        "inf" => f64::INFINITY,
                        "-inf" => f64::NEG_INFINITY,
                        other => {
                            return Err(de::Error::custom(format!(
                            "`{other}` is not a threshold (expected a number, \"inf\" or \"-inf\")"
                        )))
                        }
                    },
                });
            }
            Ok(out)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        deserializer.deserialize_seq(FloatsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stump(decision_type: u8, threshold: f64) -> TreeArrays {
        TreeArrays {
            num_leaves: 2,
            split_feature: vec![0],
            threshold: vec![threshold],
            decision_type: vec![decision_type],
            left_child: vec![-1],
            right_child: vec![-2],
            leaf_value: vec![1.0, 2.0],
            leaf_count: vec![3, 4],
            internal_count: vec![7],
            ..TreeArrays::default()
        }
    }

    /// A categorical stump: categories 1, 3 and 33 go left (two bitset words).
    fn categorical_stump() -> TreeArrays {
        TreeArrays {
            decision_type: vec![1 | 8],
            threshold: vec![0.0],
            cat_boundaries: vec![0, 2],
            cat_threshold: vec![0b1010, 0b10],
            ..stump(1, 0.0)
        }
    }

    #[test]
    fn categorical_decision_follows_lightgbm_rules_worked_by_hand() {
        let tree = categorical_stump();
        assert_eq!(tree.validate(1), Ok(1));
        for (value, left) in [
            (1.0, true),
            (3.0, true),
            (33.0, true),
            (33.9, true),
            (0.0, false),
            (2.0, false),
            (32.0, false),
            (64.0, false),
            (1e6, false),
            // Truncated toward zero: -0.5 is category 0, 1.7 is category 1.
            (-0.5, false),
            (1.7, true),
            (-1.0, false),
            (f64::NAN, false),
            (f64::INFINITY, false),
            (f64::NEG_INFINITY, false),
            (1e300, false),
            (4_294_967_297.0, false),
        ] {
            assert_eq!(tree.goes_left(0, value), left, "category {value}");
        }
    }

    #[test]
    fn category_sets_are_checked() {
        let mut tree = categorical_stump();
        tree.threshold[0] = 1.0;
        assert!(matches!(
            tree.validate(1),
            Err(TreeError::BadCategorySet { sets: 1, .. })
        ));
        let mut tree = categorical_stump();
        tree.threshold[0] = 0.5;
        assert!(matches!(
            tree.validate(1),
            Err(TreeError::BadCategorySet { .. })
        ));
        let mut tree = categorical_stump();
        tree.cat_boundaries = vec![0, 3];
        assert!(matches!(
            tree.validate(1),
            Err(TreeError::BadCatBoundaries { .. })
        ));
        let mut tree = categorical_stump();
        tree.cat_boundaries = vec![1, 2];
        assert!(matches!(
            tree.validate(1),
            Err(TreeError::BadCatBoundaries { .. })
        ));
    }

    #[test]
    fn linear_leaves_fall_back_to_their_value_on_nan() {
        let tree = TreeArrays {
            linear: Some(LinearLeaves {
                constant: vec![0.5, -1.0],
                features: vec![vec![1, 2], vec![]],
                coefficients: vec![vec![2.0, -0.25], vec![]],
            }),
            ..stump(8, 0.0)
        };
        assert_eq!(tree.validate(3), Ok(1));
        // Left leaf: 0.5 + 2*3 - 0.25*4 = 5.5.
        assert_eq!(sum_of_leaves([&tree], &[-1.0, 3.0, 4.0]), 5.5);
        assert_eq!(sum_of_leaves([&tree], &[-1.0, 3.0, f64::NAN]), 1.0);
        assert_eq!(sum_of_leaves([&tree], &[1.0, f64::NAN, 4.0]), -1.0);
        assert!(matches!(
            tree.validate(2),
            Err(TreeError::BadLinearLeaf { leaf: 0, .. })
        ));
    }

    #[test]
    fn decision_follows_lightgbm_rules_worked_by_hand() {
        // decision_type 8 = NaN missing, default right; 10 = NaN missing, default left.
        assert!(!goes_left(8, 1.0, f64::NAN));
        assert!(goes_left(10, 1.0, f64::NAN));
        assert!(goes_left(8, 1.0, 1.0));
        assert!(!goes_left(8, 1.0, 1.0000000000000002));
        // NaN missing type: zero is an ordinary value.
        assert!(!goes_left(10, -0.5, 0.0));
        // Zero missing type (4 right, 6 left): zero, tiny and NaN take the default side.
        assert!(!goes_left(4, 5.0, 0.0));
        assert!(!goes_left(4, 5.0, 1e-36));
        assert!(!goes_left(4, 5.0, f64::NAN));
        assert!(goes_left(6, -5.0, -0.0));
        assert!(goes_left(4, 5.0, 2e-35));
        // None missing type: NaN is read as 0.0.
        assert!(goes_left(0, 0.0, f64::NAN));
        assert!(!goes_left(0, -1.0, f64::NAN));
        // Tiny values are snapped to +0.0 before comparing.
        assert!(!goes_left(0, -1e-36, -1e-36 / 2.0));
        // Infinite thresholds.
        assert!(goes_left(0, f64::INFINITY, f64::INFINITY));
        assert!(!goes_left(0, f64::NEG_INFINITY, -1e308));
    }

    #[test]
    fn validation_accepts_a_stump_and_reports_depth() {
        assert_eq!(stump(8, 0.5).validate(1), Ok(1));
    }

    #[test]
    fn validation_names_each_problem() {
        assert!(matches!(
            stump(9, 0.5).validate(1),
            Err(TreeError::BadCategorySet { node: 0, .. })
        ));
        assert!(matches!(
            stump(12, 0.5).validate(1),
            Err(TreeError::BadDecisionType { node: 0, .. })
        ));
        assert!(matches!(
            stump(8, 0.5).validate(0),
            Err(TreeError::FeatureOutOfRange { feature: 0, .. })
        ));
        assert!(matches!(
            stump(8, f64::NAN).validate(1),
            Err(TreeError::NanThreshold { node: 0 })
        ));
        let mut tree = stump(8, 0.5);
        tree.leaf_value[1] = f64::INFINITY;
        assert!(matches!(
            tree.validate(1),
            Err(TreeError::NonFiniteLeaf { leaf: 1, .. })
        ));
        let mut tree = stump(8, 0.5);
        tree.right_child[0] = -1;
        assert!(matches!(tree.validate(1), Err(TreeError::NotATree { .. })));
        let mut tree = stump(8, 0.5);
        tree.right_child[0] = -3;
        assert!(matches!(
            tree.validate(1),
            Err(TreeError::ChildOutOfRange { child: -3, .. })
        ));
        let mut tree = stump(8, 0.5);
        tree.threshold.push(1.0);
        assert!(matches!(
            tree.validate(1),
            Err(TreeError::Inconsistent {
                field: "threshold",
                ..
            })
        ));
        let mut tree = stump(8, 0.5);
        tree.right_child[0] = 0;
        assert!(matches!(tree.validate(1), Err(TreeError::NotATree { .. })));
    }

    #[test]
    fn infinite_thresholds_survive_json() {
        let tree = TreeArrays {
            threshold: vec![f64::INFINITY],
            ..stump(8, 0.0)
        };
        let json = serde_json::to_string(&tree).unwrap_or_default();
        assert!(json.contains("\"inf\""));
        let back: TreeArrays = serde_json::from_str(&json).unwrap_or_else(|_| stump(0, 0.0));
        assert_eq!(back, tree);
    }
}
