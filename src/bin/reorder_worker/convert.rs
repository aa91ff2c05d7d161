//! The own-model job: the posted `model.txt` read whole (the page has checked it is at most
//! 64 MB) and converted by `own_model::convert_own_model`, the very converter the page runs when
//! no worker is there, so the answer is the page's own, word for word.
#![cfg(target_arch = "wasm32")]

use instacart_reorder::batch::RunFailure;
use instacart_reorder::browser::envelope_js;
use instacart_reorder::browser::file_slices::SliceRead;
use instacart_reorder::worker_protocol::{ConvertModel, WorkerMessage};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::DedicatedWorkerGlobalScope;

use crate::post::post;

/// Converts the `model.txt` posted in `data` beside `request` and posts the answer.
pub fn start(scope: &DedicatedWorkerGlobalScope, request: ConvertModel, data: &JsValue) {
    let Some(file) = envelope_js::file_of(data) else {
        post(
            scope,
            WorkerMessage::Failed(RunFailure::Protocol {
                message: "the conversion message carries no file".to_owned(),
            }),
        );
        return;
    };
    let scope = scope.clone();
    spawn_local(async move {
        post(&scope, convert(request, file).await);
    });
}

/// Reads the whole `model.txt` and converts it; the answer to post.
async fn convert(request: ConvertModel, file: web_sys::File) -> WorkerMessage {
    let read = match SliceRead::start(&file, 0, file.size() as u64) {
        Ok(read) => read.bytes().await,
        Err(failure) => Err(failure),
    };
    match read {
        Ok(model_txt) => request.answer(model_txt),
        Err(failure) => WorkerMessage::Failed(failure),
    }
}
