//! A validated model ready to score: the bundle's trees compiled to integer codes (`codes`),
//! walked with LightGBM's decision rule, summed in tree order and passed through the sigmoid, so
//! the results equal LightGBM's `predict` bit for bit.

use super::bundle::{
    check_feature_spec, Bundle, FeatureSpec, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, DECISION_RULE,
};
use super::codes::Forest;
use super::exp::exp;
use super::shap::{self, PathElement};
use super::tree::{sum_of_leaves, TreeError};
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

/// A validated model, ready to score.
#[derive(Debug, Clone)]
pub struct Model {
    bundle: Bundle,
    /// The trees compiled to integer codes; `None` for a model too large for that layout,
    /// which is then scored from the trees' own arrays.
    forest: Option<Forest>,
    expected_values: Vec<f64>,
    max_depth: usize,
    num_features: usize,
}

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

        let forest = Forest::build(&bundle.trees, num_features);
        let expected_values = bundle.trees.iter().map(shap::expected_value).collect();
        Ok(Model {
            bundle,
            forest,
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
        self.bundle.trees.len()
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

    /// Sum of one row's leaves in tree order, from the trees' own arrays (the path for models
    /// beyond the compiled layout).
    fn raw_from_arrays(&self, row: &[f64]) -> f64 {
        sum_of_leaves(&self.bundle.trees, row)
    }

    /// Turns the sum of leaves into the raw score and probability, as LightGBM does: the raw
    /// score is the sum (also for a random forest, as LightGBM's `raw_score`); a random forest
    /// averages the trees only on the way to the probability.
    #[inline]
    fn finish(&self, sum: f64) -> Prediction {
        let score = if self.bundle.metadata.average_output {
            sum / self.bundle.trees.len() as f64
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
        let sum = match &self.forest {
            Some(forest) => forest.raw(row),
            None => self.raw_from_arrays(row),
        };
        Ok(self.finish(sum))
    }

    /// Scores one row of known and unknown values: an unknown value is missing, which LightGBM
    /// reads as NaN (`missing_as_nan`); the one place a form or a message turns `None` into a row.
    pub fn predict_optional(&self, values: &[Option<f64>]) -> Result<Prediction, ScoreError> {
        self.predict(&missing_as_nan(values))
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
        match &self.forest {
            Some(forest) => forest.raw_batch(rows, width, out),
            None => {
                for (row, sum) in rows.chunks_exact(width).zip(out.iter_mut()) {
                    *sum = self.raw_from_arrays(row);
                }
            }
        }
        Ok(())
    }

    /// `explain` for a row of known and unknown values (unknown = missing = NaN).
    pub fn explain_optional(&self, values: &[Option<f64>]) -> Result<Explanation, ScoreError> {
        self.explain(&missing_as_nan(values))
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

/// A row of known and unknown values as LightGBM reads it: an unknown value is NaN (missing),
/// never zero; each split then sends it the way its `missing_type` says.
pub fn missing_as_nan(values: &[Option<f64>]) -> Vec<f64> {
    values
        .iter()
        .map(|value| value.unwrap_or(f64::NAN))
        .collect()
}
