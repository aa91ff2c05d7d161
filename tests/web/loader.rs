//! Browser tests of the model start-up checks: the bundled model passes; a single changed byte
//! is a digest mismatch; after the digest, text that is not UTF-8, not JSON, another format, or
//! another format version is refused with its own error, never a panic.
#![cfg(target_arch = "wasm32")]

use instacart_reorder::web::loader::{check_bundle, check_bundle_against, parse_bundle, LoadError};
use wasm_bindgen_test::wasm_bindgen_test;

const BUNDLE: &[u8] = include_bytes!("../../assets/model.json");

fn with_header(format: &str, version: u64) -> Vec<u8> {
    let mut bundle: serde_json::Value = serde_json::from_slice(BUNDLE).expect("the bundle is JSON");
    bundle["format"] = serde_json::Value::String(format.to_owned());
    bundle["format_version"] = serde_json::Value::from(version);
    serde_json::to_vec(&bundle).expect("serialize")
}

#[wasm_bindgen_test]
fn the_bundled_model_passes_every_check() {
    let loaded = check_bundle(BUNDLE.to_vec()).expect("the committed bundle loads");
    assert_eq!(loaded.file_bytes, BUNDLE.len());
    assert!(loaded.model.num_trees() > 0);
}

#[wasm_bindgen_test]
fn one_changed_byte_is_a_digest_mismatch() {
    let mut bytes = BUNDLE.to_vec();
    let last_brace = bytes
        .iter()
        .rposition(|byte| *byte == b'}')
        .expect("a JSON object");
    bytes.insert(last_brace + 1, b' ');
    match check_bundle(bytes) {
        Err(LoadError::DigestMismatch { .. }) => {}
        other => panic!("expected a digest mismatch, got {:?}", other.err()),
    }
}

#[wasm_bindgen_test]
fn the_expected_digest_is_compared_in_full() {
    // sha256 of the empty input, worked out once with `sha256sum < /dev/null`.
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    match check_bundle_against(Vec::new(), empty) {
        Err(LoadError::BadJson(_)) => {}
        other => panic!(
            "the empty input has the expected digest and then fails as JSON, got {:?}",
            other.err()
        ),
    }
}

#[wasm_bindgen_test]
fn text_json_format_and_version_are_checked_after_the_digest() {
    assert!(matches!(
        parse_bundle(vec![0xff, 0xfe, b'{']),
        Err(LoadError::NotText(_))
    ));
    assert!(matches!(
        parse_bundle(b"{\"format\":".to_vec()),
        Err(LoadError::BadJson(_))
    ));
    match parse_bundle(with_header("some-other-bundle", 1)) {
        Err(LoadError::WrongFormat { found }) => assert_eq!(found, "some-other-bundle"),
        other => panic!("expected a wrong format, got {:?}", other.err()),
    }
    match parse_bundle(with_header("instacart-reorder-bundle", 3)) {
        Err(LoadError::UnsupportedVersion { found }) => assert_eq!(found, 3),
        other => panic!("expected an unsupported version, got {:?}", other.err()),
    }
    assert!(parse_bundle(with_header("instacart-reorder-bundle", 2)).is_ok());
    // A format-1 bundle (a binary model written before the kinds) still loads.
    assert!(parse_bundle(with_header("instacart-reorder-bundle", 1)).is_ok());
}

#[wasm_bindgen_test]
fn every_bundled_feature_has_turkish_wording() {
    use instacart_reorder::features::form_rules::feature_description as description;
    use instacart_reorder::lang::Lang;
    let loaded = check_bundle(BUNDLE.to_vec()).expect("the committed bundle loads");
    for spec in loaded.model.features() {
        let turkish = description(&spec.name, None, Lang::Tr);
        assert!(
            !turkish.is_empty(),
            "feature {} has no Turkish description",
            spec.name
        );
        let english = description(&spec.name, spec.description.as_deref(), Lang::En);
        assert_eq!(english, spec.description.clone().unwrap_or_default());
    }
}
