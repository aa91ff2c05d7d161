//! What the browser says about this origin's storage (`navigator.storage`): whether it promised
//! to keep it, a request that it does, and the bytes used and available. The log's banner and
//! the dashboard show them; they are about the origin, not the log.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Whether the browser promised to keep this origin's storage (`None` when it cannot say).
pub async fn query_persisted() -> Option<bool> {
    let promise = web_sys::window()?.navigator().storage().persisted().ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}

/// Asks the browser to keep this origin's storage; returns whether it agreed.
pub async fn request_persistence() -> Option<bool> {
    let promise = web_sys::window()?.navigator().storage().persist().ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}

/// Bytes used and available for this origin, per `navigator.storage.estimate()`.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let promise = web_sys::window()?.navigator().storage().estimate().ok()?;
    let estimate: web_sys::StorageEstimate = JsFuture::from(promise).await.ok()?.unchecked_into();
    Some((estimate.get_usage()?, estimate.get_quota()?))
}
