//! The messages of the order-history job: the worker's answer, made by the very reader the page
//! runs when no worker is there (`order_history::upload::read_history`), and the history read
//! back from it. The history crosses as its JSON, in the envelope's bytes.

use super::worker::WorkerMessage;
use crate::order_history::upload::{read_history, UploadedHistory};

/// The worker's answer to `PageMessage::ParseHistory` for these files.
pub fn answer_parse_history(files: &[(String, Vec<u8>)]) -> WorkerMessage {
    match read_history(files) {
        Ok(history) => match serde_json::to_vec(&history) {
            Ok(history_json) => WorkerMessage::HistoryParsed { history_json },
            Err(error) => WorkerMessage::HistoryRefused {
                message: format!("the history cannot be written: {error}"),
            },
        },
        Err(error) => WorkerMessage::HistoryRefused {
            message: error.to_string(),
        },
    }
}

/// The history in the worker's `HistoryParsed` answer.
pub fn history_of_answer(history_json: &[u8]) -> Result<UploadedHistory, serde_json::Error> {
    serde_json::from_slice(history_json)
}
