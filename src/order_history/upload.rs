//! An uploaded order history, whatever its layout: the one function the history page calls to
//! read the files (`read_history`), on the main thread or in the worker. An export of one's own
//! orders (told apart by its content) is read by `order_export`, the research layouts by
//! `order_files`; the error names the file, then the line, column or JSON path, with every cause
//! the reader gives.

use serde::{Deserialize, Serialize};

use crate::order_history::export::{
    is_order_export, read_order_export, OrderExportError, PersonalHistory,
};
use crate::order_history::files::{read_uploaded, OrderFileError, ShopperOrders};

/// What the history page shows from the files: the shoppers to choose from and, for an export
/// of one's own orders, the person's history with names and times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadedHistory {
    pub shoppers: Vec<ShopperOrders>,
    pub export: Option<PersonalHistory>,
}

/// Why uploaded files hold no history. Its text is the whole sentence the page shows (and the
/// worker sends back word for word): the file's name, then the reader's reason.
#[derive(Debug, thiserror::Error)]
pub enum HistoryReadError {
    /// An export of one's own orders that does not read.
    #[error("{name}: {source}")]
    Export {
        name: String,
        #[source]
        source: OrderExportError,
    },
    /// Research-layout files that do not read; the text carries each cause the reader gives
    /// once (a cause its message already quotes is not repeated).
    #[error("{}", with_causes(.0))]
    Files(#[source] OrderFileError),
}

/// The error's message and each of its causes not already in the text.
fn with_causes(error: &OrderFileError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if !text.contains(&cause.to_string()) {
            text.push_str(&format!(": {cause}"));
        }
        source = cause.source();
    }
    text
}

/// Reads the uploaded files, given as (name, bytes): one export, one joined order-lines file, or
/// an orders file and an order-lines file.
pub fn read_history(files: &[(String, Vec<u8>)]) -> Result<UploadedHistory, HistoryReadError> {
    if let [(name, bytes)] = files {
        if is_order_export(bytes) {
            let history = read_order_export(bytes).map_err(|source| HistoryReadError::Export {
                name: name.clone(),
                source,
            })?;
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
        .map_err(HistoryReadError::Files)
}
