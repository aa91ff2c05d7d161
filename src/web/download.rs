//! Offering a file the page made (an export, a scored batch) as a browser download: a Blob, an
//! object URL on a temporary link, and the URL revoked once the download has started.

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

/// Offers `bytes` as a download named `file_name` with the MIME type `mime`.
pub fn offer_download(bytes: &[u8], file_name: &str, mime: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    offer_blob(&blob, file_name)
}

/// Offers `blob` (an export or a result assembled a part at a time, larger than the page could
/// hold as one string) as a download named `file_name`.
pub fn offer_blob(blob: &web_sys::Blob, file_name: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let document = window
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // Revoke after the click has been handled, so the download has started.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000)?;
    Ok(())
}
