//! An order history's reading, as browser I/O behind one function (`read_history_files`): the
//! chosen files (up to 256 MB each, sizes checked before) are posted to the worker
//! (src/bin/reorder_worker/), which reads them whole and parses them off the main thread, and
//! answers with the history the page shows. When no worker can take the job (`run_job`) the
//! same reader, `order_history::upload::read_history`, runs on the main thread: a file is read,
//! or refused, with the same result and words either way. A worker that took the job and
//! stopped without an answer is the reading's failure, said as such.

use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;

use crate::batch::RunFailure;
use crate::browser::js_error::JsError;
use crate::order_history::upload::{read_history, HistoryReadError, UploadedHistory};
use crate::web::worker_link::{run_job, JobDone, NoAnswer, WorkerLink};
use crate::worker_protocol::{history_of_answer, PageMessage, WorkerMessage};

/// Why the files give no history. Its text is the sentence the page shows, the cause's words
/// included: a refusal reads the same whether the worker or the page read the files.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The reader's refusal in the worker, word for word.
    #[error("{0}")]
    Refused(String),
    /// The reader's refusal on the main thread.
    #[error(transparent)]
    RefusedHere(#[from] HistoryReadError),
    #[error("the worker reading the order history stopped before it finished: {0}")]
    WorkerStopped(#[source] RunFailure),
    #[error(
        "the worker reading the order history stopped before it finished: the worker's history is unreadable: {0}"
    )]
    AnswerUnreadable(#[source] serde_json::Error),
    /// The browser could not read a file.
    #[error(transparent)]
    NotRead(JsError),
    /// A file the page refused before reading it (its size), as the page worded it.
    #[error("{0}")]
    NotAccepted(String),
}

/// Reads `files` in the worker if it can, else on the main thread.
pub async fn read_history_files(
    files: Vec<web_sys::File>,
) -> JobDone<Result<UploadedHistory, HistoryError>> {
    run_job(
        "history: reading",
        None,
        async |link| match read_in_worker(link, &files).await {
            Ok(outcome) => Ok(outcome),
            Err(NoAnswer::Unavailable(why)) => Err(why),
            Err(NoAnswer::Died(failure)) => Ok(Err(HistoryError::WorkerStopped(failure))),
        },
        async || read_here(&files).await,
    )
    .await
}

/// The worker's answer, or why there is none (see `NoAnswer`: only a worker that could not take
/// the job leaves it to the page).
async fn read_in_worker(
    link: WorkerLink,
    files: &[web_sys::File],
) -> Result<Result<UploadedHistory, HistoryError>, NoAnswer> {
    link.post_with_files(&PageMessage::ParseHistory, files)
        .map_err(NoAnswer::Unavailable)?;
    loop {
        match link.next().await.map_err(NoAnswer::of_failure)? {
            WorkerMessage::HistoryParsed { history_json } => {
                return Ok(history_of_answer(&history_json).map_err(HistoryError::AnswerUnreadable))
            }
            WorkerMessage::HistoryRefused { message } => {
                return Ok(Err(HistoryError::Refused(message)))
            }
            WorkerMessage::Failed(failure) => return Err(NoAnswer::of_failure(failure)),
            _ => {}
        }
    }
}

/// Reads and parses on the main thread.
async fn read_here(files: &[web_sys::File]) -> Result<UploadedHistory, HistoryError> {
    let mut contents = Vec::with_capacity(files.len());
    for file in files {
        let buffer = JsFuture::from(file.array_buffer())
            .await
            .map_err(|error| HistoryError::NotRead(JsError::from_js(&error)))?;
        contents.push((file.name(), Uint8Array::new(&buffer).to_vec()));
    }
    Ok(read_history(&contents)?)
}
