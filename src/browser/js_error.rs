//! What JavaScript reports when it fails (a `DOMException`, a thrown `Error`, a rejected
//! promise) as a Rust error, so browser I/O modules can keep it as the `#[source]` of their own
//! typed errors; and the one way the web layer turns an error into text for a person: its
//! message followed by the messages of its causes.

use std::error::Error;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::DomException;

/// A JavaScript failure, kept as the browser described it (`Name: message` for a DOM error).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct JsError(String);

impl JsError {
    /// The browser's description of a thrown or rejected value.
    pub fn from_js(value: &JsValue) -> JsError {
        if let Some(exception) = value.dyn_ref::<DomException>() {
            return JsError(format!("{}: {}", exception.name(), exception.message()));
        }
        if let Some(error) = value.dyn_ref::<js_sys::Error>() {
            return JsError(String::from(error.message()));
        }
        JsError(value.as_string().unwrap_or_else(|| format!("{value:?}")))
    }

    /// A failure the browser reported without an error value (a blocked open, a missing result).
    pub fn new(description: &str) -> JsError {
        JsError(description.to_owned())
    }
}

impl From<JsValue> for JsError {
    fn from(value: JsValue) -> JsError {
        JsError::from_js(&value)
    }
}

/// What a thrown or rejected value says, as text (for messages that cross the worker protocol or
/// end in a typed error's text field).
pub fn js_message(value: &JsValue) -> String {
    JsError::from_js(value).to_string()
}

/// The error's message and those of its causes, joined by `: ` (what banners and notes show).
pub fn full_message(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
