//! LightGBM models in pure Rust: parse `model.txt`, convert to the app's JSON bundle, and score
//! and explain rows exactly as LightGBM does.
//!
//! - `text`: the `model.txt` parser (every built-in objective, numerical and categorical
//!   splits, linear trees, `pandas_categorical`);
//! - `objective`: what the scores mean: the model's kind, its outputs, and the transform from
//!   raw scores to outputs;
//! - `bundle`: the versioned JSON document the app downloads, and `convert`;
//! - `from_files`: `model.txt` (+ feature names, threshold, meta) to a loaded model, the one
//!   path shared by `reorder convert` and the own-model page;
//! - `score`: `Model`, the validated, compiled form that predicts and explains;
//! - `own_model`: a model the user drops on the page (the files, their messages);
//! - `feature_importance`: which features matter most, and so the Predict form's layout.
//!
//! The scoring hot path is the workspace crate `reorder_evaluator` (`crates/reorder-evaluator`),
//! compiled at opt-level 3 inside the size-tuned browser build: `tree` (one tree's flat arrays,
//! their validation and LightGBM's decision rule), `codes` (the trees compiled to integer codes
//! and 8-byte nodes), `shap` (TreeSHAP in LightGBM's arithmetic order) and `exp` (the
//! exponential behind the sigmoid, identical natively and in wasm). They are imported here
//! under the same names, so `model::exp`, `model::TreeArrays` and the rest keep their paths.

mod bundle;
pub mod feature_importance;
mod from_files;
mod objective;
pub mod own_model;
mod score;
mod text;

pub use reorder_evaluator::exp;
use reorder_evaluator::{codes, shap, tree};

pub use bundle::{
    convert, Bundle, BundleMeta, BundleMetadata, Categories, ConvertError, ConvertOptions,
    FeatureKind, FeatureSpec, FeatureSpecError, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, CREATED_BY,
    DECISION_RULE, READABLE_BUNDLE_VERSIONS,
};
pub use from_files::{model_from_files, ModelFileError, ModelFiles};
pub use objective::{ModelKind, Objective, ObjectiveError, Transform};
pub use score::{
    missing_as_nan, BundleError, Explanation, Model, Prediction, ScoreError, Scores,
    MAX_BUNDLE_BYTES,
};
pub use text::{parse_model_text, FeatureInfo, LightGbmModel, ParseError, MAX_MODEL_BYTES};
pub use tree::{
    category_goes_left, goes_left, LinearLeaves, MissingType, TreeArrays, TreeError,
    CATEGORICAL_MASK, MAX_TREE_DEPTH, ZERO_THRESHOLD,
};

use sha2::{Digest, Sha256};

/// Lowercase hex sha256 of `bytes` (used to tie a bundle to its source `model.txt`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_matches_the_fips_180_example() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
