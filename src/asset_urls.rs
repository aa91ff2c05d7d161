//! Where the app fetches its data files: content-addressed names (`/assets/model-<16 hex>.json`)
//! computed at build time by build.rs from the files themselves, so a page of one build never
//! receives another build's file from a service worker's cache after a redeploy (the plain names,
//! `/assets/model.json` and so on, stay on the server for people and scripts, and are not
//! precached). build.rs holds the list of the files and the naming rule; Trunk's post_build hook
//! (`scripts/data_files.py`) puts them into the build under both names from its manifest.
//!
//! Generated: `MODEL_URL`, `MODEL_SHA256` and the same pair for each file, and `ALL`, every data
//! file's content-addressed URL with the plain path it is a copy of.

include!(concat!(env!("OUT_DIR"), "/asset_urls.rs"));
