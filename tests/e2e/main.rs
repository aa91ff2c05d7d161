//! End-to-end tests: headless Chromium, driven through chromedriver, against the real release
//! build served by the production server config, and the tests that concern hosting again
//! against the static tree on a plain static server. Run by `scripts/dev.sh test`.
//!
//! Every test is ignored by default because it needs two servers: the release `dist/` behind a
//! server (`E2E_BASE_URL`; nginx with its fallback to index.html, or with `E2E_HOST=plain` a
//! plain static server, the app at its root or under a sub-path) and chromedriver
//! (`WEBDRIVER_URL`).
//! The suite drives a browser from the host, so it is native only.
#![cfg(not(target_arch = "wasm32"))]

mod demo;
mod drift;
mod embedding_offline;
mod harness;
mod hostile;
mod jobs;
mod language;
mod log;
mod log_upgrade;
mod model_kinds;
mod personal_history;
mod predict;
mod predict_layout;
mod quality;
mod redeploy;
mod reorder_worker;
mod service_worker;
mod serving;
mod shell;
mod startup;
mod static_host;
mod uploads;
