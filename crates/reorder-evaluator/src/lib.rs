//! The scoring hot path of the instacart-reorder app and CLI, in a crate of its own so that the
//! size-tuned browser build (`opt-level = "z"`) can still compile it for speed: the root
//! Cargo.toml sets `[profile.release.package.reorder-evaluator] opt-level = 3`, and Cargo applies
//! opt-levels per package. Everything else the app ships (the `model.txt` parser, the JSON
//! bundle and its checks, the pages) stays size-tuned.
//!
//! - `tree`: one LightGBM tree's flat arrays, their validation and LightGBM's decision rule;
//! - `codes`: the trees compiled to integer codes and 8-byte nodes, the fast scoring path;
//! - `shap`: TreeSHAP in LightGBM's arithmetic order;
//! - `exp`: the exponential behind the sigmoid, identical natively and in wasm;
//! - `log1p`: the log1p behind cross_entropy_lambda's output, identical natively and in wasm.
//!
//! Pure: std, serde and thiserror only, so it is tested natively and runs unchanged in wasm.
//! The app reaches it as `instacart_reorder::model`, which re-exports what it needs.

pub mod codes;
pub mod exp;
pub mod log1p;
pub mod shap;
pub mod tree;

pub use codes::Forest;
pub use tree::{goes_left, MissingType, TreeArrays, TreeError, MAX_TREE_DEPTH, ZERO_THRESHOLD};
