//! Instacart reorder prediction, shared by the browser app and the `reorder` command line.
//!
//! The pure modules use only std, serde, csv, sha2 and thiserror-style typed errors: no file
//! system, clock, randomness or browser API, so they compile and are tested natively and run
//! unchanged in wasm. Only `browser` and `web` (wasm32 only) touch the browser: `browser` is the
//! glue the app and its worker share, `web` the app; only the `reorder` binary touches files. The module map, with what may import what, is docs/architecture.md.

pub mod asset_urls;
pub mod batch;
pub mod chart;
pub mod embed_protocol;
pub mod features;
pub mod input;
pub mod lang;
pub mod model;
pub mod monitoring;
pub mod order_history;
pub mod prediction_log;
pub mod worker_protocol;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod web;
