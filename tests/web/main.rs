//! Browser tests of the wasm-only `web` module, in a real headless Chromium through
//! wasm-bindgen-test: one test binary, one module per part of the web layer.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web`
//! (natively this binary is empty).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod embed;
mod loader;
mod log_interleavings;
mod log_sketches;
mod log_v3;
mod mailbox;
mod packed;
mod run_state;
mod storage;
