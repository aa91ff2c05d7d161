//! Instacart reorder prediction, shared by the browser app and the `reorder` command line.
//!
//! The pure modules use only std, serde, csv, sha2 and thiserror-style typed errors: no file
//! system, clock, randomness or browser API, so they compile and are tested natively and run
//! unchanged in wasm. Only `web` (wasm32 only) touches the browser; only the `reorder` binary
//! touches files. The module map, with what may import what, is docs/architecture.md.

pub mod asset_urls;
pub mod batch;
pub mod chart;
pub mod embed_protocol;
pub mod feature_importance;
pub mod features;
pub mod form_rules;
pub mod history_upload;
pub mod lang;
pub mod mailbox;
pub mod model;
pub mod number;
pub mod order_export;
pub mod order_files;
pub mod own_model;
pub mod prediction_log;
pub mod recommend;
pub mod upload;

/// The worker protocol's envelopes as JavaScript objects (the Batch page and its worker).
#[cfg(target_arch = "wasm32")]
pub mod envelope_js;
#[cfg(target_arch = "wasm32")]
pub mod file_slices;
#[cfg(target_arch = "wasm32")]
pub mod next_task;
#[cfg(target_arch = "wasm32")]
pub mod web;
