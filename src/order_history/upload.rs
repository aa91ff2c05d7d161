//! An uploaded order history, whatever its layout: the one function the history page calls to
//! read the files (`read_history`), on the main thread or in the batch worker, and the worker's
//! answer built from it (`answer_parse_history`). An export of one's own orders (told apart by
//! its content) is read by `order_export`, the research layouts by `order_files`; the error names
//! the file, then the line, column or JSON path, with every cause the reader gives.

use serde::{Deserialize, Serialize};

use crate::batch::worker_protocol::WorkerMessage;
use crate::order_history::export::{is_order_export, read_order_export, PersonalHistory};
use crate::order_history::files::{read_uploaded, ShopperOrders};

/// What the history page shows from the files: the shoppers to choose from and, for an export
/// of one's own orders, the person's history with names and times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadedHistory {
    pub shoppers: Vec<ShopperOrders>,
    pub export: Option<PersonalHistory>,
}

/// Reads the uploaded files, given as (name, bytes): one export, one joined order-lines file, or
/// an orders file and an order-lines file.
pub fn read_history(files: &[(String, Vec<u8>)]) -> Result<UploadedHistory, String> {
    if let [(name, bytes)] = files {
        if is_order_export(bytes) {
            let history = read_order_export(bytes).map_err(|error| format!("{name}: {error}"))?;
            return Ok(UploadedHistory {
                shoppers: vec![history.orders.clone()],
                export: Some(history),
            });
        }
    }
    read_uploaded(files)
        .map(|shoppers| UploadedHistory {
            shoppers,
            export: None,
        })
        .map_err(|error| {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                if !text.contains(&cause.to_string()) {
                    text.push_str(&format!(": {cause}"));
                }
                source = cause.source();
            }
            text
        })
}

/// The batch worker's answer to `PageMessage::ParseHistory` for these files.
pub fn answer_parse_history(files: &[(String, Vec<u8>)]) -> WorkerMessage {
    match read_history(files) {
        Ok(history) => match serde_json::to_vec(&history) {
            Ok(history_json) => WorkerMessage::HistoryParsed { history_json },
            Err(error) => WorkerMessage::HistoryRefused {
                message: format!("the history cannot be written: {error}"),
            },
        },
        Err(message) => WorkerMessage::HistoryRefused { message },
    }
}

/// The history in the worker's `HistoryParsed` answer.
pub fn history_of_answer(history_json: &[u8]) -> Result<UploadedHistory, serde_json::Error> {
    serde_json::from_slice(history_json)
}
