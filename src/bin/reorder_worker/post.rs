//! How the worker speaks: every message it sends (to the page, or to its helper) and every one
//! it reads goes through an envelope here, so the version is checked and a message that does not
//! fit is one `RunFailure` in one place.
#![cfg(target_arch = "wasm32")]

use instacart_reorder::batch::RunFailure;
use instacart_reorder::browser::envelope_js;
use instacart_reorder::worker_protocol::{PageMessage, ProtocolError, WorkerMessage};
use wasm_bindgen::JsValue;
use web_sys::DedicatedWorkerGlobalScope;

/// Posts `message` to the worker `worker` (a run's helper).
pub fn post_to(worker: &web_sys::Worker, message: &PageMessage) {
    let (object, transfer) = envelope_js::to_js(&message.encode());
    // A worker that has failed cannot be told anything more (its error event says so).
    let _ = worker.post_message_with_transfer(&object, &transfer);
}

/// Posts `message` to whoever started this worker.
pub fn post(scope: &DedicatedWorkerGlobalScope, message: WorkerMessage) {
    let (object, transfer) = envelope_js::to_js(&message.encode());
    // A page that has gone away cannot be told anything more.
    let _ = scope.post_message_with_transfer(&object, &transfer);
}

/// What `data` asks of this worker, or why it cannot be read (a message of another build is
/// `RunFailure::VersionMismatch`).
pub fn read_page_message(data: &JsValue) -> Result<PageMessage, RunFailure> {
    let envelope = envelope_js::from_js(data).map_err(|error| RunFailure::Protocol {
        message: error.to_string(),
    })?;
    PageMessage::from_envelope(envelope).map_err(|error| match error {
        ProtocolError::OtherVersion { ours, found } => RunFailure::VersionMismatch {
            page: found,
            worker: ours,
        },
        other => RunFailure::Protocol {
            message: other.to_string(),
        },
    })
}

/// What the helper `data` came from says, or `None` when it cannot be read (the helper is of
/// this very build, so that means it has gone wrong).
pub fn read_helper_message(data: &JsValue) -> Option<WorkerMessage> {
    let envelope = envelope_js::from_js(data).ok()?;
    WorkerMessage::decode(envelope).ok()
}
