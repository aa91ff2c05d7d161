//! A validated model ready to score: the bundle's trees compiled to integer codes (`codes`),
//! walked with LightGBM's decision rules, summed per output in tree order and passed through
//! the objective's transform, so the results equal LightGBM's `predict` bit for bit.

use super::bundle::{
    check_feature_spec, Bundle, FeatureSpec, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, DECISION_RULE,
    READABLE_BUNDLE_VERSIONS,
};
use super::codes::Forest;
use super::objective::{ModelKind, Objective, ObjectiveError};
use super::shap::{self, PathElement};
use super::tree::{sum_of_leaves, TreeArrays, TreeError};
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
    #[error("`format_version` is {0}; this program reads versions 1 to {BUNDLE_FORMAT_VERSION}")]
    UnsupportedVersion(u32),
    #[error("`threshold` {0} is not a probability between 0 and 1")]
    BadThreshold(f64),
    #[error("`decision_rule` is `{0}`, expected `{DECISION_RULE}`")]
    BadDecisionRule(String),
    #[error("`metadata.objective` is `{0}`; a format-1 bundle is always `binary`")]
    BadObjective(String),
    #[error("`metadata.objective`: {0}")]
    Objective(#[source] ObjectiveError),
    #[error("`metadata.kind` is `{declared}` but objective `{objective}` is `{actual}`")]
    KindMismatch {
        declared: &'static str,
        actual: &'static str,
        objective: String,
    },
    #[error("`metadata.outputs` lists {declared:?}, but objective `{objective}` gives {actual:?}")]
    OutputsMismatch {
        declared: Vec<String>,
        actual: Vec<String>,
        objective: String,
    },
    #[error("the bundle has {trees} trees, not a whole number of iterations of {per_iteration}")]
    PartialIteration { trees: usize, per_iteration: usize },
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
    #[error("the model has {0} outputs per row; this asks for one")]
    SeveralOutputs(usize),
    #[error("the model has linear trees, for which LightGBM computes no SHAP values (pred_contrib refuses them)")]
    NoContributionsForLinearTrees,
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
    objective: Objective,
    /// The trees of each output compiled to integer codes; `None` for a model beyond that
    /// layout, which is then scored from the trees' own arrays.
    forests: Option<Vec<Forest>>,
    expected_values: Vec<f64>,
    max_depth: usize,
    num_features: usize,
    has_linear_trees: bool,
}

/// One row's scores, one entry per output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Sum of each output's leaves: LightGBM's `raw_score`.
    pub raw: Vec<f64>,
    /// What LightGBM's `predict` returns: the objective's transform of the raw scores (averaged
    /// first for a random forest).
    pub outputs: Vec<f64>,
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
        if !READABLE_BUNDLE_VERSIONS.contains(&bundle.format_version) {
            return Err(BundleError::UnsupportedVersion(bundle.format_version));
        }
        if !(0.0..=1.0).contains(&bundle.threshold) {
            return Err(BundleError::BadThreshold(bundle.threshold));
        }
        if bundle.decision_rule != DECISION_RULE {
            return Err(BundleError::BadDecisionRule(bundle.decision_rule));
        }
        let metadata = &bundle.metadata;
        if !(metadata.sigmoid.is_finite() && metadata.sigmoid > 0.0) {
            return Err(BundleError::BadSigmoid(metadata.sigmoid));
        }
        let objective = Objective::parse(&metadata.objective)
            .map_err(BundleError::Objective)?
            .with_sigmoid(metadata.sigmoid);
        if bundle.format_version == 1 && objective.kind != ModelKind::Binary {
            return Err(BundleError::BadObjective(metadata.objective.clone()));
        }
        if metadata.kind != objective.kind {
            return Err(BundleError::KindMismatch {
                declared: metadata.kind.name(),
                actual: objective.kind.name(),
                objective: metadata.objective.clone(),
            });
        }
        if !metadata.outputs.is_empty() && metadata.outputs != objective.output_names() {
            return Err(BundleError::OutputsMismatch {
                declared: metadata.outputs.clone(),
                actual: objective.output_names(),
                objective: metadata.objective.clone(),
            });
        }
        if !bundle.trees.len().is_multiple_of(objective.num_outputs) {
            return Err(BundleError::PartialIteration {
                trees: bundle.trees.len(),
                per_iteration: objective.num_outputs,
            });
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

        let outputs = objective.num_outputs;
        // One output's trees are the bundle's own; several outputs' are picked out per class.
        let forests = if outputs == 1 {
            Forest::build(&bundle.trees, num_features).map(|forest| vec![forest])
        } else {
            (0..outputs)
                .map(|output| {
                    let trees: Vec<TreeArrays> = bundle.trees[output..]
                        .iter()
                        .step_by(outputs)
                        .cloned()
                        .collect();
                    Forest::build(&trees, num_features)
                })
                .collect::<Option<Vec<Forest>>>()
        };
        let expected_values = bundle.trees.iter().map(shap::expected_value).collect();
        let has_linear_trees = bundle.trees.iter().any(|tree| tree.linear.is_some());
        Ok(Model {
            bundle,
            objective,
            forests,
            expected_values,
            max_depth,
            num_features,
            has_linear_trees,
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

    /// What the model answers.
    pub fn kind(&self) -> ModelKind {
        self.objective.kind
    }

    /// The objective: the transform from raw scores to outputs, and the outputs' names.
    pub fn objective(&self) -> &Objective {
        &self.objective
    }

    /// Values per row: the number of classes of a multiclass model, else 1.
    pub fn num_outputs(&self) -> usize {
        self.objective.num_outputs
    }

    /// The outputs' column names (`probability`, `probability_<k>`, `prediction`, `score`).
    pub fn output_names(&self) -> Vec<String> {
        self.objective.output_names()
    }

    /// Whether the model has linear trees (no TreeSHAP for them, as in LightGBM).
    pub fn has_linear_trees(&self) -> bool {
        self.has_linear_trees
    }

    /// The smallest and largest value a single-output model can answer: each tree's smallest
    /// (largest) leaf summed, averaged for a random forest, then the objective's transform (every
    /// single-output transform is non-decreasing). `None` for several outputs or linear trees,
    /// whose leaves are not bounded by their values.
    pub fn output_range(&self) -> Option<(f64, f64)> {
        if self.num_outputs() != 1 || self.has_linear_trees {
            return None;
        }
        let (mut low, mut high) = (0.0, 0.0);
        for tree in &self.bundle.trees {
            let leaves = tree.leaf_value.iter().copied();
            low += leaves.clone().fold(f64::INFINITY, f64::min);
            high += leaves.fold(f64::NEG_INFINITY, f64::max);
        }
        let mut range = [0.0, 0.0];
        self.outputs_into(&[low], &mut range[..1]);
        self.outputs_into(&[high], &mut range[1..]);
        Some((range[0], range[1]))
    }

    /// The trees of output `output`, in iteration order.
    fn trees_of(&self, output: usize) -> impl Iterator<Item = &TreeArrays> {
        self.bundle.trees[output..]
            .iter()
            .step_by(self.num_outputs())
    }

    /// Boosting iterations: trees per output.
    fn iterations(&self) -> usize {
        self.bundle.trees.len() / self.num_outputs()
    }

    /// One row's sums of leaves, one per output.
    fn raw_into(&self, row: &[f64], raw: &mut [f64]) {
        match &self.forests {
            Some(forests) => {
                for (raw, forest) in raw.iter_mut().zip(forests) {
                    *raw = forest.raw(row);
                }
            }
            None => {
                for (output, raw) in raw.iter_mut().enumerate() {
                    *raw = sum_of_leaves(self.trees_of(output), row);
                }
            }
        }
    }

    /// The outputs of one row from its sums of leaves: averaged over the iterations for a random
    /// forest (LightGBM's raw score stays the sum), then the objective's transform.
    #[inline]
    fn outputs_into(&self, raw: &[f64], out: &mut [f64]) {
        if self.bundle.metadata.average_output {
            let iterations = self.iterations() as f64;
            let mut averaged = [0.0; 1];
            if raw.len() == 1 {
                averaged[0] = raw[0] / iterations;
                self.objective.convert(&averaged, out);
            } else {
                let averaged: Vec<f64> = raw.iter().map(|raw| raw / iterations).collect();
                self.objective.convert(&averaged, out);
            }
        } else {
            self.objective.convert(raw, out);
        }
    }

    /// Turns a single output's sum of leaves into the raw score and its output.
    #[inline]
    fn finish(&self, sum: f64) -> Prediction {
        let mut probability = [0.0];
        self.outputs_into(&[sum], &mut probability);
        Prediction {
            raw: sum,
            probability: probability[0],
        }
    }

    fn check_row(&self, row: &[f64]) -> Result<(), ScoreError> {
        if row.len() != self.num_features {
            return Err(ScoreError::WrongLength {
                expected: self.num_features,
                found: row.len(),
            });
        }
        Ok(())
    }

    fn single_output(&self) -> Result<(), ScoreError> {
        match self.num_outputs() {
            1 => Ok(()),
            outputs => Err(ScoreError::SeveralOutputs(outputs)),
        }
    }

    /// Scores one row (one value per feature, NaN = missing) of a single-output model: its raw
    /// score and its one output (a probability for the binary kinds).
    pub fn predict(&self, row: &[f64]) -> Result<Prediction, ScoreError> {
        self.check_row(row)?;
        self.single_output()?;
        let mut sum = [0.0];
        self.raw_into(row, &mut sum);
        Ok(self.finish(sum[0]))
    }

    /// Scores one row of any model: every output.
    pub fn score(&self, row: &[f64]) -> Result<Scores, ScoreError> {
        self.check_row(row)?;
        let mut raw = vec![0.0; self.num_outputs()];
        self.raw_into(row, &mut raw);
        let mut outputs = vec![0.0; raw.len()];
        self.outputs_into(&raw, &mut outputs);
        Ok(Scores { raw, outputs })
    }

    /// `score` for a row of known and unknown values (unknown = missing = NaN).
    pub fn score_optional(&self, values: &[Option<f64>]) -> Result<Scores, ScoreError> {
        self.score(&missing_as_nan(values))
    }

    /// Scores one row of known and unknown values: an unknown value is missing, which LightGBM
    /// reads as NaN (`missing_as_nan`); the one place a form or a message turns `None` into a row.
    pub fn predict_optional(&self, values: &[Option<f64>]) -> Result<Prediction, ScoreError> {
        self.predict(&missing_as_nan(values))
    }

    /// Scores row-major `rows` (`out.len()` rows of `num_features` values) of a single-output
    /// model into its output.
    pub fn predict_batch(&self, rows: &[f64], out: &mut [f64]) -> Result<(), ScoreError> {
        self.single_output()?;
        self.raw_batch(rows, out)?;
        for value in out.iter_mut() {
            *value = self.finish(*value).probability;
        }
        Ok(())
    }

    /// Scores row-major `rows` of a single-output model into full predictions.
    pub fn predict_batch_full(&self, rows: &[f64]) -> Result<Vec<Prediction>, ScoreError> {
        self.single_output()?;
        let mut sums = vec![0.0; self.batch_rows(rows)?];
        self.raw_batch(rows, &mut sums)?;
        Ok(sums.into_iter().map(|sum| self.finish(sum)).collect())
    }

    /// Scores row-major `rows` of any model: `raw` and `outputs`, `num_outputs` values per row
    /// (row-major).
    pub fn score_batch(&self, rows: &[f64]) -> Result<Scores, ScoreError> {
        let count = self.batch_rows(rows)?;
        let outputs = self.num_outputs();
        let mut raw = vec![0.0; count * outputs];
        if outputs == 1 {
            self.raw_batch(rows, &mut raw)?;
        } else {
            let mut sums = vec![0.0; count];
            for output in 0..outputs {
                match &self.forests {
                    Some(forests) => forests[output].raw_batch(rows, self.num_features, &mut sums),
                    None => {
                        for (row, sum) in rows.chunks_exact(self.num_features).zip(&mut sums) {
                            *sum = sum_of_leaves(self.trees_of(output), row);
                        }
                    }
                }
                for (row, sum) in sums.iter().enumerate() {
                    raw[row * outputs + output] = *sum;
                }
            }
        }
        let mut out = vec![0.0; raw.len()];
        for (raw, out) in raw.chunks_exact(outputs).zip(out.chunks_exact_mut(outputs)) {
            self.outputs_into(raw, out);
        }
        Ok(Scores { raw, outputs: out })
    }

    /// Rows in a row-major batch, or why its length is not a whole number of rows.
    fn batch_rows(&self, rows: &[f64]) -> Result<usize, ScoreError> {
        if self.num_features == 0 || !rows.len().is_multiple_of(self.num_features) {
            return Err(ScoreError::BatchShape {
                values: rows.len(),
                features: self.num_features,
                outputs: rows.len() / self.num_features.max(1),
            });
        }
        Ok(rows.len() / self.num_features)
    }

    /// Sums of leaves of a single-output model for each row, trees in blocks over chunks of rows.
    fn raw_batch(&self, rows: &[f64], out: &mut [f64]) -> Result<(), ScoreError> {
        let width = self.num_features;
        if out.len().checked_mul(width) != Some(rows.len()) {
            return Err(ScoreError::BatchShape {
                values: rows.len(),
                features: width,
                outputs: out.len(),
            });
        }
        match &self.forests {
            Some(forests) => forests[0].raw_batch(rows, width, out),
            None => {
                for (row, sum) in rows.chunks_exact(width).zip(out.iter_mut()) {
                    *sum = sum_of_leaves(&self.bundle.trees, row);
                }
            }
        }
        Ok(())
    }

    /// `explain` for a row of known and unknown values (unknown = missing = NaN).
    pub fn explain_optional(&self, values: &[Option<f64>]) -> Result<Explanation, ScoreError> {
        self.explain(&missing_as_nan(values))
    }

    /// TreeSHAP contributions of each feature to the row's raw score of a single-output model,
    /// as LightGBM's `pred_contrib`.
    pub fn explain(&self, row: &[f64]) -> Result<Explanation, ScoreError> {
        self.single_output()?;
        Ok(self.explain_outputs(row)?.remove(0))
    }

    /// `explain_outputs` for a row of known and unknown values.
    pub fn explain_outputs_optional(
        &self,
        values: &[Option<f64>],
    ) -> Result<Vec<Explanation>, ScoreError> {
        self.explain_outputs(&missing_as_nan(values))
    }

    /// TreeSHAP contributions for every output (every class of a multiclass model), in raw-score
    /// space, as LightGBM's `pred_contrib` lays them out: output by output.
    pub fn explain_outputs(&self, row: &[f64]) -> Result<Vec<Explanation>, ScoreError> {
        self.check_row(row)?;
        if self.has_linear_trees {
            return Err(ScoreError::NoContributionsForLinearTrees);
        }
        let scores = self.score(row)?;
        let outputs = self.num_outputs();
        let mut buffer = vec![PathElement::default(); self.shap_buffer_len()];
        let explanations = (0..outputs)
            .map(|output| {
                let mut phi = vec![0.0; self.num_features + 1];
                let trees = self.trees_of(output);
                let expected = self.expected_values[output..].iter().step_by(outputs);
                for (tree, expected) in trees.zip(expected) {
                    phi[self.num_features] += expected;
                    shap::add_tree_contributions(
                        tree,
                        row,
                        &mut phi[..self.num_features],
                        &mut buffer,
                    );
                }
                let expected_value = phi.pop().unwrap_or(0.0);
                Explanation {
                    contributions: phi,
                    expected_value,
                    raw: scores.raw[output],
                }
            })
            .collect();
        Ok(explanations)
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
