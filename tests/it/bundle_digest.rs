//! The app refuses a model bundle whose sha256 differs from the one recorded at build time in
//! `assets/model.sha256` (compiled into the wasm). This checks the recorded digest really is the
//! digest of the committed `assets/model.json`, so a regenerated bundle without a refreshed
//! digest fails here instead of in every visitor's browser.

use sha2::{Digest, Sha256};

#[test]
fn recorded_model_digest_matches_the_bundle_file() {
    let root = env!("CARGO_MANIFEST_DIR");
    let bundle =
        std::fs::read(format!("{root}/assets/model.json")).expect("assets/model.json is committed");
    let recorded = std::fs::read_to_string(format!("{root}/assets/model.sha256"))
        .expect("assets/model.sha256 is committed");
    let actual: String = Sha256::digest(&bundle)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(
        recorded.trim(),
        actual,
        "assets/model.sha256 is stale: write `sha256sum assets/model.json | cut -d' ' -f1 > assets/model.sha256`"
    );
}
