//! Content-addressed names for the data files the app fetches (the model bundle, the catalog, the
//! demo shoppers, the metrics, the personal-history model's bundle). A redeploy must never hand a returning visitor's new code an old
//! file that a service worker of the previous build cached under the same name: each file is
//! fetched as `<stem>-<first 16 hex of its sha256>.<ext>`, a name no other build's worker has
//! cached. `scripts/postbuild.py` writes the same copies into dist/ (the serving tests check that
//! every name compiled in here is served with those exact bytes).

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

/// (const name, source file, path the app serves it under)
const ASSETS: [(&str, &str, &str); 5] = [
    ("MODEL_URL", "assets/model.json", "/assets/model.json"),
    ("CATALOG_URL", "assets/catalog.json", "/assets/catalog.json"),
    (
        "DEMO_USERS_URL",
        "assets/demo_users.json",
        "/assets/demo_users.json",
    ),
    ("METRICS_URL", "models/metrics.json", "/assets/metrics.json"),
    (
        "PERSONAL_MODEL_URL",
        "assets/personal_model.json",
        "/assets/personal_model.json",
    ),
];

fn main() {
    let mut out =
        String::from("// Written by build.rs: the content-addressed URL of each data file.\n");
    for (name, source, served) in ASSETS {
        println!("cargo:rerun-if-changed={source}");
        let bytes = std::fs::read(source).unwrap_or_else(|error| panic!("read {source}: {error}"));
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let (stem, extension) = served.rsplit_once('.').expect("a file extension");
        let url = format!("{stem}-{}.{extension}", &digest[..16]);
        writeln!(out, "/// `{served}` by its content (sha256 {digest}).").expect("write");
        writeln!(out, "pub const {name}: &str = {url:?};").expect("write");
        // The whole digest too, for a file checked after download (`MODEL_URL` -> `MODEL_SHA256`).
        let digest_name = format!("{}_SHA256", name.trim_end_matches("_URL"));
        writeln!(out, "/// sha256 of `{served}`.").expect("write");
        writeln!(out, "pub const {digest_name}: &str = {digest:?};").expect("write");
    }
    let path = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("asset_urls.rs");
    std::fs::write(path, out).expect("write asset_urls.rs");
    println!("cargo:rerun-if-changed=build.rs");
}
