//! Browser glue shared by the app (`crate::web`) and its Web Worker (`src/bin/reorder_worker/`),
//! which must not link the app's UI: js-sys, web-sys and wasm-bindgen only, no Leptos. Compiled
//! for wasm32 only, so a pure module that reached for it would not build natively.
//!
//! - `js_error`: what JavaScript reports when it fails, as one Rust error type, and its text;
//! - `envelope_js`: a worker-protocol envelope as the object `postMessage` carries;
//! - `file_slices`: a user's file read a slice at a time;
//! - `mailbox`: callbacks post, one async loop takes, in order;
//! - `next_task`: yield to the event loop from async code;
//! - `packed`: data files a static host's tree keeps gzip-compressed, decoded.

pub mod envelope_js;
pub mod file_slices;
pub mod js_error;
pub mod mailbox;
pub mod next_task;
pub mod packed;
