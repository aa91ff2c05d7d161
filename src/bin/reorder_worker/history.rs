//! The order-history job: each posted order file read whole (the page has checked each is at
//! most 256 MB) and the history read from them by `order_history::upload::read_history`, the very
//! reader the page runs when no worker is there, so the answer is the page's own.
#![cfg(target_arch = "wasm32")]

use instacart_reorder::browser::envelope_js;
use instacart_reorder::browser::file_slices::SliceRead;
use instacart_reorder::worker_protocol::{answer_parse_history, WorkerMessage};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::DedicatedWorkerGlobalScope;

use crate::post::post;

/// Reads the order files posted in `data` and posts the answer.
pub fn start(scope: &DedicatedWorkerGlobalScope, data: &JsValue) {
    let files = envelope_js::files_of(data);
    let scope = scope.clone();
    spawn_local(async move {
        post(&scope, parse_history(files).await);
    });
}

/// Reads the order files whole and reads the history from them; the answer to post.
async fn parse_history(files: Vec<web_sys::File>) -> WorkerMessage {
    let mut contents = Vec::with_capacity(files.len());
    for file in &files {
        let read = match SliceRead::start(file, 0, file.size() as u64) {
            Ok(read) => read.bytes().await,
            Err(failure) => Err(failure),
        };
        match read {
            Ok(bytes) => contents.push((file.name(), bytes)),
            Err(failure) => return WorkerMessage::Failed(failure),
        }
    }
    answer_parse_history(&contents)
}
