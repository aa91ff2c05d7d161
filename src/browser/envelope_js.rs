//! A worker-protocol `Envelope` as the JavaScript object `postMessage` carries:
//! `{ json, numbers: Float64Array, bytes: Uint8Array, ids: BigUint64Array }`, whose arrays'
//! buffers are transferred.
//! Shared by the page and its worker, which must not link the app's UI: this module
//! uses js-sys only.

use js_sys::{Array, ArrayBuffer, BigUint64Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::worker_protocol::Envelope;

/// A posted value that is not an envelope.
#[derive(Debug, thiserror::Error)]
#[error("the message has no `{field}` of the right type")]
pub struct NotAnEnvelope {
    pub field: &'static str,
}

/// The object to post and the list of buffers to transfer with it.
pub fn to_js(envelope: &Envelope) -> (Object, Array) {
    to_js_carrying(envelope, Uint8Array::from(envelope.bytes.as_slice()))
}

/// `to_js` with `bytes` as the envelope's bytes (bytes the caller keeps: a range sent to the
/// helper worker, kept in case it fails), copied once, into `spare` (a buffer that came back
/// from the receiver, `spare_of`) when it is large enough. A new buffer is made a quarter larger
/// than the bytes, so that it can carry the next ranges too (ranges differ a little in size):
/// a run's ranges then leave no buffers behind for the garbage collector in either worker.
pub fn to_js_reusing(
    envelope: &Envelope,
    bytes: &[u8],
    spare: Option<ArrayBuffer>,
) -> (Object, Array) {
    let length = bytes.len() as u32;
    let buffer = match spare {
        Some(spare) if spare.byte_length() >= length => spare,
        _ => ArrayBuffer::new(length.saturating_add(length / 4)),
    };
    let view = Uint8Array::new_with_byte_offset_and_length(&buffer, 0, length);
    view.copy_from(bytes);
    to_js_carrying(envelope, view)
}

fn to_js_carrying(envelope: &Envelope, bytes: Uint8Array) -> (Object, Array) {
    let object = Object::new();
    let numbers = Float64Array::from(envelope.numbers.as_slice());
    let ids = BigUint64Array::from(envelope.ids.as_slice());
    // Setting a property on a plain new object cannot fail.
    let _ = Reflect::set(&object, &"json".into(), &JsValue::from_str(&envelope.json));
    let _ = Reflect::set(&object, &"numbers".into(), &numbers);
    let _ = Reflect::set(&object, &"bytes".into(), &bytes);
    let _ = Reflect::set(&object, &"ids".into(), &ids);
    let transfer = Array::of3(&numbers.buffer(), &bytes.buffer(), &ids.buffer());
    (object, transfer)
}

/// The buffer under a received envelope's bytes, to hand back to its sender for reuse
/// (`give_back`) once the bytes are copied out.
pub fn bytes_buffer_of(value: &JsValue) -> Option<ArrayBuffer> {
    let bytes = Reflect::get(value, &"bytes".into()).ok()?;
    bytes
        .dyn_into::<Uint8Array>()
        .ok()
        .map(|bytes| bytes.buffer())
}

/// Adds `buffer` to a message about to be posted, as `spare`, transferred with it.
pub fn give_back(object: &Object, transfer: &Array, buffer: ArrayBuffer) {
    let _ = Reflect::set(object, &"spare".into(), &buffer);
    transfer.push(&buffer);
}

/// The buffer a received message gave back (`give_back`), if any.
pub fn spare_of(value: &JsValue) -> Option<ArrayBuffer> {
    Reflect::get(value, &"spare".into())
        .ok()?
        .dyn_into::<ArrayBuffer>()
        .ok()
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
