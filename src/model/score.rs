//! A validated model ready to score: the bundle's trees compiled into one contiguous node
//! array, walked with LightGBM's decision rule, summed in tree order and passed through the
//! sigmoid, so the results equal LightGBM's `predict` bit for bit.
//!
//! Batches are scored in blocks of trees over chunks of rows, which keeps a block's nodes and a
//! chunk's rows in cache; each row still adds its trees' leaves in tree order, so the sum is the
//! same as one row at a time.

use super::bundle::{
    check_feature_spec, Bundle, FeatureSpec, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, DECISION_RULE,
};
use super::exp::exp;
use super::shap::{self, PathElement};
use super::tree::{MissingType, TreeError, DEFAULT_LEFT_MASK, ZERO_THRESHOLD};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Largest bundle JSON accepted, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 256 * 1024 * 1024;

/// Why a bundle cannot be used.
#[derive(Debug, Error)]
pub enum BundleError {
    #[error("the bundle is {bytes} bytes, over the {limit}-byte limit")]
    TooLarge { bytes: usize, limit: usize },
    #[error("the bundle is not valid JSON for this format: {0}")]
    Json(#[from] serde_json::Error),
    #[error("`format` is `{0}`, expected `{BUNDLE_FORMAT}`")]
    WrongFormat(String),
    #[error("`format_version` is {0}; this program reads version {BUNDLE_FORMAT_VERSION}")]
    UnsupportedVersion(u32),
    #[error("`threshold` {0} is not a probability between 0 and 1")]
    BadThreshold(f64),
    #[error("`decision_rule` is `{0}`, expected `{DECISION_RULE}`")]
    BadDecisionRule(String),
    #[error("`metadata.objective` is `{0}`; only `binary` is supported")]
    BadObjective(String),
    #[error("`metadata.sigmoid` {0} is not a positive finite number")]
    BadSigmoid(f64),
    #[error("`metadata.num_trees` is {declared} but the bundle has {found} trees")]
    TreeCount { declared: usize, found: usize },
    #[error("`metadata.source_model_sha256` `{0}` is not 64 lowercase hex digits")]
    BadSha256(String),
    #[error("the bundle has no features")]
    NoFeatures,
    #[error("the bundle has no trees")]
    NoTrees,
    #[error("feature {index}: {reason}")]
    BadFeature { index: usize, reason: String },
    #[error("tree {tree}: {source}")]
    BadTree {
        tree: usize,
        #[source]
        source: TreeError,
    },
    #[error("the bundle has {0} nodes in total, too many to index")]
    TooManyNodes(usize),
}

/// Why a row could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScoreError {
    #[error("a row has {found} values but the model has {expected} features")]
    WrongLength { expected: usize, found: usize },
    #[error("{values} values are not a whole number of {features}-feature rows, or do not match {outputs} outputs")]
    BatchShape {
        values: usize,
        features: usize,
        outputs: usize,
    },
}

/// One row's score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Sum of the trees' leaves: LightGBM's `raw_score`. TreeSHAP contributions sum to it.
    pub raw: f64,
    /// 1 / (1 + exp(-sigmoid * raw)); for a random forest, raw / number of trees in place of raw.
    pub probability: f64,
}

/// One row's TreeSHAP explanation, in raw-score space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// One contribution per feature, in the model's feature order.
    pub contributions: Vec<f64>,
    /// The model's expected raw score over the training rows.
    pub expected_value: f64,
    /// The row's raw score.
    pub raw: f64,
}

/// `nan_left`: where NaN goes; `zero_left`: where values with |x| <= kZeroThreshold go.
const NAN_LEFT: u32 = 1;
const ZERO_LEFT: u32 = 2;

/// A split node in the compiled layout. Children >= 0 index `Model::nodes`; a negative child
/// `c` is leaf `!c` of `Model::leaf_values`.
#[derive(Debug, Clone, Copy)]
struct Node {
    threshold: f64,
    feature: u32,
    flags: u32,
    left: i32,
    right: i32,
}

impl Node {
    /// LightGBM's decision with the missing-value cases resolved ahead of time: once tiny
    /// values are snapped to 0, NaN and zero each go to a fixed side per node. Written without
    /// branches so that several walks can proceed side by side.
    #[inline(always)]
    fn next(&self, value: f64) -> i32 {
        let regular = value.abs() > ZERO_THRESHOLD;
        let compares_left = value <= self.threshold;
        let special_mask = if value.is_nan() { NAN_LEFT } else { ZERO_LEFT };
        let special_left = self.flags & special_mask != 0;
        let left = (regular & compares_left) | (!regular & special_left);
        if left {
            self.left
        } else {
            self.right
        }
    }
}

/// A validated model, ready to score.
#[derive(Debug, Clone)]
pub struct Model {
    bundle: Bundle,
    nodes: Vec<Node>,
    leaf_values: Vec<f64>,
    /// Per tree: its root node, or `!leaf` for a single-leaf tree.
    roots: Vec<i32>,
    expected_values: Vec<f64>,
    max_depth: usize,
    num_features: usize,
}

/// Rows scored together in a batch.
const ROW_CHUNK: usize = 64;
/// Trees walked per row before moving on to the next row of the chunk.
const TREE_BLOCK: usize = 16;
/// Independent walks interleaved: rows of a batch, or trees of a single row.
const WALK_LANES: usize = 8;

impl Model {
    /// Parses and validates a bundle document.
    pub fn from_bundle_json(json: &str) -> Result<Model, BundleError> {
        if json.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge {
                bytes: json.len(),
                limit: MAX_BUNDLE_BYTES,
            });
        }
        let bundle: Bundle = serde_json::from_str(json)?;
        Model::from_bundle(bundle)
    }

    /// Validates a bundle and compiles its trees.
    pub fn from_bundle(bundle: Bundle) -> Result<Model, BundleError> {
        if bundle.format != BUNDLE_FORMAT {
            return Err(BundleError::WrongFormat(bundle.format));
        }
        if bundle.format_version != BUNDLE_FORMAT_VERSION {
            return Err(BundleError::UnsupportedVersion(bundle.format_version));
        }
        if !(0.0..=1.0).contains(&bundle.threshold) {
            return Err(BundleError::BadThreshold(bundle.threshold));
        }
        if bundle.decision_rule != DECISION_RULE {
            return Err(BundleError::BadDecisionRule(bundle.decision_rule));
        }
        let metadata = &bundle.metadata;
        if metadata.objective != "binary" {
            return Err(BundleError::BadObjective(metadata.objective.clone()));
        }
        if !(metadata.sigmoid.is_finite() && metadata.sigmoid > 0.0) {
            return Err(BundleError::BadSigmoid(metadata.sigmoid));
        }
        if metadata.num_trees != bundle.trees.len() {
            return Err(BundleError::TreeCount {
                declared: metadata.num_trees,
                found: bundle.trees.len(),
            });
        }
        let sha = &metadata.source_model_sha256;
        if sha.len() != 64 || !sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(BundleError::BadSha256(sha.clone()));
        }
        if bundle.features.is_empty() {
            return Err(BundleError::NoFeatures);
        }
        if bundle.trees.is_empty() {
            return Err(BundleError::NoTrees);
        }
        for (index, feature) in bundle.features.iter().enumerate() {
            if feature.name.is_empty() {
                return Err(BundleError::BadFeature {
                    index,
                    reason: "the name is empty".to_string(),
                });
            }
            if bundle.features[..index]
                .iter()
                .any(|other| other.name == feature.name)
            {
                return Err(BundleError::BadFeature {
                    index,
                    reason: format!("`{}` appears twice", feature.name),
                });
            }
            check_feature_spec(feature).map_err(|reason| BundleError::BadFeature {
                index,
                reason: format!("`{}`: {reason}", feature.name),
            })?;
        }
        let num_features = bundle.features.len();

        let mut max_depth = 0;
        let mut total_nodes = 0usize;
        let mut total_leaves = 0usize;
        for (index, tree) in bundle.trees.iter().enumerate() {
            let depth = tree
                .validate(num_features)
                .map_err(|source| BundleError::BadTree {
                    tree: index,
                    source,
                })?;
            max_depth = max_depth.max(depth);
            total_nodes += tree.num_nodes();
            total_leaves += tree.num_leaves;
        }
        if total_nodes > i32::MAX as usize || total_leaves > i32::MAX as usize {
            return Err(BundleError::TooManyNodes(total_nodes.max(total_leaves)));
        }

        let mut nodes = Vec::with_capacity(total_nodes);
        let mut leaf_values = Vec::with_capacity(total_leaves);
        let mut roots = Vec::with_capacity(bundle.trees.len());
        let mut expected_values = Vec::with_capacity(bundle.trees.len());
        for tree in &bundle.trees {
            let node_base = nodes.len() as i32;
            let leaf_base = leaf_values.len() as i32;
            let relocate = |child: i32| {
                if child < 0 {
                    !(leaf_base + !child)
                } else {
                    node_base + child
                }
            };
            for node in 0..tree.num_nodes() {
                let decision_type = tree.decision_type[node];
                let threshold = tree.threshold[node];
                let default_left = decision_type & DEFAULT_LEFT_MASK != 0;
                let zero_compares_left = 0.0 <= threshold;
                let (nan_left, zero_left) = match MissingType::from_decision_type(decision_type) {
                    Some(MissingType::Zero) => (default_left, default_left),
                    Some(MissingType::NaN) => (default_left, zero_compares_left),
                    _ => (zero_compares_left, zero_compares_left),
                };
                nodes.push(Node {
                    threshold,
                    feature: tree.split_feature[node],
                    flags: if nan_left { NAN_LEFT } else { 0 }
                        | if zero_left { ZERO_LEFT } else { 0 },
                    left: relocate(tree.left_child[node]),
                    right: relocate(tree.right_child[node]),
                });
            }
            leaf_values.extend_from_slice(&tree.leaf_value);
            roots.push(if tree.num_nodes() == 0 {
                !leaf_base
            } else {
                node_base
            });
            expected_values.push(shap::expected_value(tree));
        }
        Ok(Model {
            bundle,
            nodes,
            leaf_values,
            roots,
            expected_values,
            max_depth,
            num_features,
        })
    }

    pub fn bundle(&self) -> &Bundle {
        &self.bundle
    }

    pub fn features(&self) -> &[FeatureSpec] {
        &self.bundle.features
    }

    pub fn feature_names(&self) -> Vec<&str> {
        self.bundle
            .features
            .iter()
            .map(|f| f.name.as_str())
            .collect()
    }

    pub fn num_features(&self) -> usize {
        self.num_features
    }

    pub fn threshold(&self) -> f64 {
        self.bundle.threshold
    }

    /// sha256 (hex) of the `model.txt` the bundle was converted from.
    pub fn source_sha256(&self) -> &str {
        &self.bundle.metadata.source_model_sha256
    }

    pub fn num_trees(&self) -> usize {
        self.roots.len()
    }

    /// Edges on the longest root-to-leaf path of any tree, measured when the model was loaded.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Path entries of the scratch buffer `explain` uses: (D+1)(D+2)/2 for D = `max_depth`, as
    /// LightGBM sizes it; never a bound taken from the number of leaves.
    pub fn shap_buffer_len(&self) -> usize {
        shap::path_buffer_len(self.max_depth)
    }

    /// The decision rule: `probability >= threshold`.
    pub fn is_reorder(&self, probability: f64) -> bool {
        probability >= self.bundle.threshold
    }

    #[inline(always)]
    fn leaf_value(&self, root: i32, row: &[f64]) -> f64 {
        let mut index = root;
        while index >= 0 {
            let node = &self.nodes[index as usize];
            index = node.next(row[node.feature as usize]);
        }
        self.leaf_values[!index as usize]
    }

    /// Walks `LANES` independent (tree, row) pairs in lockstep and returns the leaf each one
    /// ends in. The walks do not depend on each other, so the processor overlaps them; a lane
    /// that has reached its leaf idles (re-reading node 0) until the others finish.
    #[inline(always)]
    fn walk_lanes<const LANES: usize>(
        &self,
        starts: [i32; LANES],
        rows: [&[f64]; LANES],
    ) -> [i32; LANES] {
        let mut index = starts;
        while index.iter().any(|&i| i >= 0) {
            for lane in 0..LANES {
                let active = index[lane] >= 0;
                let node = &self.nodes[if active { index[lane] as usize } else { 0 }];
                let next = node.next(rows[lane][node.feature as usize]);
                index[lane] = if active { next } else { index[lane] };
            }
        }
        index
    }

    /// Turns the sum of leaves into the raw score and probability, as LightGBM does: the raw
    /// score is the sum (also for a random forest, as LightGBM's `raw_score`); a random forest
    /// averages the trees only on the way to the probability.
    #[inline]
    fn finish(&self, sum: f64) -> Prediction {
        let score = if self.bundle.metadata.average_output {
            sum / self.roots.len() as f64
        } else {
            sum
        };
        let probability = 1.0 / (1.0 + exp(-self.bundle.metadata.sigmoid * score));
        Prediction {
            raw: sum,
            probability,
        }
    }

    /// Scores one row (one value per feature, NaN = missing).
    pub fn predict(&self, row: &[f64]) -> Result<Prediction, ScoreError> {
        if row.len() != self.num_features {
            return Err(ScoreError::WrongLength {
                expected: self.num_features,
                found: row.len(),
            });
        }
        let mut sum = 0.0;
        let mut groups = self.roots.chunks_exact(WALK_LANES);
        for group in &mut groups {
            let starts: [i32; WALK_LANES] = std::array::from_fn(|lane| group[lane]);
            let leaves = self.walk_lanes(starts, [row; WALK_LANES]);
            for leaf in leaves {
                sum += self.leaf_values[!leaf as usize];
            }
        }
        for &root in groups.remainder() {
            sum += self.leaf_value(root, row);
        }
        Ok(self.finish(sum))
    }

    /// Scores row-major `rows` (`out.len()` rows of `num_features` values) into probabilities.
    pub fn predict_batch(&self, rows: &[f64], out: &mut [f64]) -> Result<(), ScoreError> {
        self.raw_batch(rows, out)?;
        for value in out.iter_mut() {
            *value = self.finish(*value).probability;
        }
        Ok(())
    }

    /// Scores row-major `rows` into full predictions.
    pub fn predict_batch_full(&self, rows: &[f64]) -> Result<Vec<Prediction>, ScoreError> {
        if self.num_features == 0 || !rows.len().is_multiple_of(self.num_features) {
            return Err(ScoreError::BatchShape {
                values: rows.len(),
                features: self.num_features,
                outputs: rows.len() / self.num_features.max(1),
            });
        }
        let mut sums = vec![0.0; rows.len() / self.num_features];
        self.raw_batch(rows, &mut sums)?;
        Ok(sums.into_iter().map(|sum| self.finish(sum)).collect())
    }

    /// Sums of leaves for each row, trees in blocks over chunks of rows.
    fn raw_batch(&self, rows: &[f64], out: &mut [f64]) -> Result<(), ScoreError> {
        let width = self.num_features;
        if out.len().checked_mul(width) != Some(rows.len()) {
            return Err(ScoreError::BatchShape {
                values: rows.len(),
                features: width,
                outputs: out.len(),
            });
        }
        for (row_chunk, out_chunk) in rows
            .chunks(ROW_CHUNK * width)
            .zip(out.chunks_mut(ROW_CHUNK))
        {
            out_chunk.fill(0.0);
            for tree_block in self.roots.chunks(TREE_BLOCK) {
                let mut row_groups = row_chunk.chunks_exact(width * WALK_LANES);
                let mut sum_groups = out_chunk.chunks_exact_mut(WALK_LANES);
                for (rows, sums) in (&mut row_groups).zip(&mut sum_groups) {
                    let lanes: [&[f64]; WALK_LANES] =
                        std::array::from_fn(|lane| &rows[lane * width..(lane + 1) * width]);
                    for &root in tree_block {
                        let leaves = self.walk_lanes([root; WALK_LANES], lanes);
                        for (sum, leaf) in sums.iter_mut().zip(leaves) {
                            *sum += self.leaf_values[!leaf as usize];
                        }
                    }
                }
                let rest_rows = row_groups.remainder();
                let rest_sums = sum_groups.into_remainder();
                for (row, sum) in rest_rows.chunks_exact(width).zip(rest_sums.iter_mut()) {
                    for &root in tree_block {
                        *sum += self.leaf_value(root, row);
                    }
                }
            }
        }
        Ok(())
    }

    /// TreeSHAP contributions of each feature to the row's raw score, as LightGBM's
    /// `pred_contrib`.
    pub fn explain(&self, row: &[f64]) -> Result<Explanation, ScoreError> {
        let prediction = self.predict(row)?;
        let mut phi = vec![0.0; self.num_features + 1];
        let mut buffer = vec![PathElement::default(); self.shap_buffer_len()];
        for (tree, expected) in self.bundle.trees.iter().zip(&self.expected_values) {
            phi[self.num_features] += expected;
            shap::add_tree_contributions(tree, row, &mut phi[..self.num_features], &mut buffer);
        }
        let expected_value = phi.pop().unwrap_or(0.0);
        Ok(Explanation {
            contributions: phi,
            expected_value,
            raw: prediction.raw,
        })
    }
}
