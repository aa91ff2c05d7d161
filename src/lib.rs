//! Instacart reorder prediction, shared by the browser app and the `reorder` command line.
//!
//! The pure modules (`model`, `features`, `history`, `protocol`, `number`, ...) use only std, serde and thiserror-style
//! typed errors: no file system, clock, randomness or browser API, so they compile and are
//! tested natively and run unchanged in wasm. Only `web` (wasm32 only) touches the browser.

pub mod basket;
pub mod batch;
pub mod features;
pub mod history;
pub mod model;
pub mod number;
pub mod own_model;
pub mod protocol;
pub mod upload;

#[cfg(target_arch = "wasm32")]
pub mod web;
