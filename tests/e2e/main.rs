//! End-to-end tests: headless Chromium, driven through chromedriver, against the real release
//! build served by the production server config. Run by `scripts/dev.sh test`.
//!
//! Every test is ignored by default because it needs two servers: the release `dist/` behind a
//! server that falls back to index.html (`E2E_BASE_URL`) and chromedriver (`WEBDRIVER_URL`).

#![cfg(not(target_arch = "wasm32"))]

mod demo;
mod harness;
mod language;
mod predict;
mod shell;
