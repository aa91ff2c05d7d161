//! Data files stored gzip-compressed by the static tree (scripts/static_space.py), for hosts that
//! send files as they are: a plain static host compresses nothing, so the tree keeps the big
//! files compressed and the browser decodes them. A file is told by its first bytes (gzip's
//! magic number), so the same code reads the production build's plain files, which nginx
//! compresses on the wire instead. Decoded by the browser's own `DecompressionStream`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::browser::js_error::JsError;

/// gzip's magic number (RFC 1952): no JSON text and no wasm module starts with it.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

#[wasm_bindgen]
extern "C" {
    /// The Compression Streams API's decoder (web-sys has it only behind its unstable APIs).
    type DecompressionStream;

    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;
}

/// Whether `bytes` are a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// `bytes` decoded if they are a gzip stream, else as they are.
pub async fn unpacked(mut bytes: Vec<u8>) -> Result<Vec<u8>, JsError> {
    if !is_gzip(&bytes) {
        return Ok(bytes);
    }
    let source = web_sys::Response::new_with_opt_u8_array(Some(&mut bytes))?;
    let body = source
        .body()
        .ok_or_else(|| JsError::from_js(&JsValue::from_str("a response without a body")))?;
    let decoder = DecompressionStream::new("gzip")?;
    let decoded = body.pipe_through(decoder.unchecked_ref::<web_sys::ReadableWritablePair>());
    let response = web_sys::Response::new_with_opt_readable_stream(Some(&decoded))?;
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
