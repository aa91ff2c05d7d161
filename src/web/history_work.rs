//! An order history's reading, as browser I/O behind one function (`read_history_files`): the
//! chosen files (up to 256 MB each, sizes checked before) are posted to the batch worker
//! (src/bin/batch_worker.rs), which reads them whole and parses them off the main thread, and
//! answers with the history the page shows. When no worker can take the job (none starts, or
//! another build's answers) the same reader, `history_upload::read_history`, runs on the main
//! thread: a file is read, or refused, with the same result and words either way. A worker that
//! took the job and stopped without an answer is the reading's failure, said as such.

use js_sys::Uint8Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::batch::worker_protocol::{PageMessage, WorkerMessage, PROTOCOL_VERSION};
use crate::browser::js_error::js_message;
use crate::order_history::upload::{history_of_answer, read_history, UploadedHistory};
use crate::web::worker_link::{NoAnswer, WorkerLink};

/// A reading's outcome (the history, or why the files cannot be read) and where it was reached.
pub struct HistoryRead {
    pub outcome: Result<UploadedHistory, String>,
    /// Whether the worker read the files; false: the main thread did.
    pub in_worker: bool,
}

/// Reads `files` in the worker if it can, else on the main thread.
pub async fn read_history_files(files: Vec<web_sys::File>) -> HistoryRead {
    match read_in_worker(&files).await {
        Ok(outcome) => HistoryRead {
            outcome,
            in_worker: true,
        },
        Err(NoAnswer::Unavailable(why)) => {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "history: reading on the main thread: {why}"
            )));
            HistoryRead {
                outcome: read_here(&files).await,
                in_worker: false,
            }
        }
        Err(NoAnswer::Died(why)) => HistoryRead {
            outcome: Err(format!(
                "the worker reading the order history stopped before it finished: {why}"
            )),
            in_worker: true,
        },
    }
}

/// The worker's answer, or why there is none (see `NoAnswer`: only a worker that could not take
/// the job leaves it to the page).
async fn read_in_worker(
    files: &[web_sys::File],
) -> Result<Result<UploadedHistory, String>, NoAnswer> {
    let link = WorkerLink::start().await.map_err(NoAnswer::Unavailable)?;
    link.post_with_files(
        &PageMessage::ParseHistory {
            protocol_version: PROTOCOL_VERSION,
        },
        files,
    )
    .map_err(NoAnswer::Unavailable)?;
    loop {
        match link.next().await.map_err(NoAnswer::of_failure)? {
            WorkerMessage::HistoryParsed { history_json } => {
                return history_of_answer(&history_json).map(Ok).map_err(|error| {
                    NoAnswer::Died(format!("the worker's history is unreadable: {error}"))
                })
            }
            WorkerMessage::HistoryRefused { message } => return Ok(Err(message)),
            WorkerMessage::Failed(failure) => return Err(NoAnswer::of_failure(failure)),
            _ => {}
        }
    }
}

/// Reads and parses on the main thread.
async fn read_here(files: &[web_sys::File]) -> Result<UploadedHistory, String> {
    let mut contents = Vec::with_capacity(files.len());
    for file in files {
        let buffer = JsFuture::from(file.array_buffer())
            .await
            .map_err(|error| js_message(&error))?;
        contents.push((file.name(), Uint8Array::new(&buffer).to_vec()));
    }
    read_history(&contents)
}
