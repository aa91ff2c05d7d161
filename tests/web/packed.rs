//! `browser::packed`: a data file a static host's tree keeps gzip-compressed is decoded to the
//! very bytes of the build's file (the gzip made here by the browser's own CompressionStream;
//! the end-to-end runs on a plain server read the tree Python's gzip wrote); a plain file is
//! left as it is; a damaged stream is an error, not a panic.

use instacart_reorder::browser::packed::{is_gzip, unpacked};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(inline_js = "export async function gzip_in_browser(bytes) { \
    const stream = new Response(bytes).body.pipeThrough(new CompressionStream('gzip')); \
    return new Uint8Array(await new Response(stream).arrayBuffer()); }")]
extern "C" {
    fn gzip_in_browser(bytes: &[u8]) -> js_sys::Promise;
}

async fn gzip(bytes: &[u8]) -> Vec<u8> {
    let out = JsFuture::from(gzip_in_browser(bytes)).await.expect("gzip");
    js_sys::Uint8Array::new(&out).to_vec()
}

const BUNDLE: &[u8] = include_bytes!("../../assets/model.json");

#[wasm_bindgen_test]
async fn a_gzip_copy_of_the_bundle_is_decoded_to_the_bundles_bytes() {
    let packed = gzip(BUNDLE).await;
    assert!(is_gzip(&packed));
    assert!(packed.len() < BUNDLE.len() / 2, "it is compressed");
    let decoded = unpacked(packed).await.expect("decoded");
    assert_eq!(decoded.len(), BUNDLE.len());
    assert!(decoded == BUNDLE, "the very bytes of the bundle");
}

#[wasm_bindgen_test]
async fn a_plain_file_is_left_as_it_is() {
    assert!(!is_gzip(BUNDLE));
    let wasm_magic = vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    assert_eq!(
        unpacked(wasm_magic.clone()).await.expect("plain"),
        wasm_magic
    );
    assert_eq!(unpacked(BUNDLE.to_vec()).await.expect("plain"), BUNDLE);
    assert_eq!(unpacked(Vec::new()).await.expect("empty"), Vec::<u8>::new());
}

#[wasm_bindgen_test]
async fn a_cut_gzip_stream_is_an_error() {
    let mut packed = gzip(BUNDLE).await;
    packed.truncate(packed.len() / 2);
    assert!(unpacked(packed).await.is_err());
}
