//! Small text downloads (the catalog and the demo users), loaded lazily by the pages that need
//! them, decoded when a static host's tree keeps them compressed (`browser::packed`). The model
//! bundle has its own loader with progress and integrity checks.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

/// Why a download failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("could not download {url}: {message}")]
    Network { url: String, message: String },
    #[error("the server answered {status} for {url}")]
    HttpStatus { url: String, status: u16 },
}

use crate::browser::js_error::js_message;

/// Downloads `url` as text.
pub async fn fetch_text(url: &str) -> Result<String, FetchError> {
    let network = |message: String| FetchError::Network {
        url: url.to_owned(),
        message,
    };
    let window = web_sys::window().ok_or_else(|| network("no window".to_owned()))?;
    let response: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|error| network(js_message(&error)))?
        .dyn_into()
        .map_err(|value| network(js_message(&value)))?;
    if !response.ok() {
        return Err(FetchError::HttpStatus {
            url: url.to_owned(),
            status: response.status(),
        });
    }
    let buffer = JsFuture::from(
        response
            .array_buffer()
            .map_err(|error| network(js_message(&error)))?,
    )
    .await
    .map_err(|error| network(js_message(&error)))?;
    let bytes = crate::browser::packed::unpacked(js_sys::Uint8Array::new(&buffer).to_vec())
        .await
        .map_err(|error| network(error.to_string()))?;
    String::from_utf8(bytes).map_err(|_| network("the body is not UTF-8 text".to_owned()))
}
