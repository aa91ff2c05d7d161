//! Where the app fetches its data files: content-addressed names (`/assets/model-<16 hex>.json`)
//! computed at build time by build.rs from the files themselves, so a page of one build never
//! receives another build's file from a service worker's cache after a redeploy (the plain names,
//! `/assets/model.json` and so on, stay on the server for people and scripts, and are not
//! precached).

include!(concat!(env!("OUT_DIR"), "/asset_urls.rs"));

/// Every data file's content-addressed URL, with the plain path it is a copy of.
pub const ALL: [(&str, &str); 5] = [
    (MODEL_URL, "/assets/model.json"),
    (CATALOG_URL, "/assets/catalog.json"),
    (DEMO_USERS_URL, "/assets/demo_users.json"),
    (METRICS_URL, "/assets/metrics.json"),
    (PERSONAL_MODEL_URL, "/assets/personal_model.json"),
];
