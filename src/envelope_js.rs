//! A worker-protocol `Envelope` as the JavaScript object `postMessage` carries:
//! `{ json, numbers: Float64Array, bytes: Uint8Array, ids: BigUint64Array }`, whose arrays'
//! buffers are transferred.
//! Shared by the Batch page and the batch worker, which must not link the app's UI: this module
//! uses js-sys only.

use js_sys::{Array, BigUint64Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::batch::worker_protocol::Envelope;

/// A posted value that is not an envelope.
#[derive(Debug, thiserror::Error)]
#[error("the message has no `{field}` of the right type")]
pub struct NotAnEnvelope {
    pub field: &'static str,
}

/// The object to post and the list of buffers to transfer with it.
pub fn to_js(envelope: &Envelope) -> (Object, Array) {
    to_js_with_bytes(envelope, &envelope.bytes)
}

/// `to_js` with `bytes` as the envelope's bytes: bytes the caller keeps (a range sent to the
/// helper worker, kept in case it fails) are copied once, straight into the message.
pub fn to_js_with_bytes(envelope: &Envelope, bytes: &[u8]) -> (Object, Array) {
    let object = Object::new();
    let numbers = Float64Array::from(envelope.numbers.as_slice());
    let bytes = Uint8Array::from(bytes);
    let ids = BigUint64Array::from(envelope.ids.as_slice());
    // Setting a property on a plain new object cannot fail.
    let _ = Reflect::set(&object, &"json".into(), &JsValue::from_str(&envelope.json));
    let _ = Reflect::set(&object, &"numbers".into(), &numbers);
    let _ = Reflect::set(&object, &"bytes".into(), &bytes);
    let _ = Reflect::set(&object, &"ids".into(), &ids);
    let transfer = Array::of3(&numbers.buffer(), &bytes.buffer(), &ids.buffer());
    (object, transfer)
}

fn field(value: &JsValue, name: &'static str) -> Result<JsValue, NotAnEnvelope> {
    Reflect::get(value, &name.into()).map_err(|_| NotAnEnvelope { field: name })
}

/// The envelope in a posted value.
pub fn from_js(value: &JsValue) -> Result<Envelope, NotAnEnvelope> {
    let json = field(value, "json")?
        .as_string()
        .ok_or(NotAnEnvelope { field: "json" })?;
    let numbers = field(value, "numbers")?
        .dyn_into::<Float64Array>()
        .map_err(|_| NotAnEnvelope { field: "numbers" })?
        .to_vec();
    let bytes = field(value, "bytes")?
        .dyn_into::<Uint8Array>()
        .map_err(|_| NotAnEnvelope { field: "bytes" })?
        .to_vec();
    let ids = field(value, "ids")?
        .dyn_into::<BigUint64Array>()
        .map_err(|_| NotAnEnvelope { field: "ids" })?
        .to_vec();
    Ok(Envelope {
        json,
        numbers,
        bytes,
        ids,
    })
}

/// The `File` posted beside an envelope (the batch run's input), if there is one.
pub fn file_of(value: &JsValue) -> Option<web_sys::File> {
    Reflect::get(value, &"file".into())
        .ok()?
        .dyn_into::<web_sys::File>()
        .ok()
}

/// The `File`s posted beside an envelope as `files` (an order history's one or two files).
pub fn files_of(value: &JsValue) -> Vec<web_sys::File> {
    let Ok(files) = Reflect::get(value, &"files".into()) else {
        return Vec::new();
    };
    let Ok(files) = files.dyn_into::<Array>() else {
        return Vec::new();
    };
    files
        .iter()
        .filter_map(|file| file.dyn_into::<web_sys::File>().ok())
        .collect()
}
