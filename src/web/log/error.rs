//! Why a log operation failed, as the pages and tests see it (`LogStoreError`), and why one
//! write to IndexedDB failed, which decides whether it is retried or kept in memory.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::browser::js_error::JsError;
use crate::web::idb::IdbError;

/// Why a log operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LogStoreError {
    #[error("the record cannot be logged: {field} is {value} (must be a finite number)")]
    InvalidRecord { field: &'static str, value: f64 },
    #[error(transparent)]
    IndexedDb(#[from] IdbError),
    #[error("the log is neither open nor in memory")]
    NotOpen,
    #[error("a stored record could not be read back")]
    Corrupt(#[source] Rc<serde_json::Error>),
    #[error("a stored {what} could not be read back: {reason}")]
    Damaged {
        what: &'static str,
        reason: StoredValueError,
    },
    #[error("{count} predictions were not saved to IndexedDB; they are kept in this tab's memory only and are lost when it closes")]
    NotStored {
        count: u64,
        #[source]
        cause: JsError,
    },
    #[error("batch run {0} is not in the log")]
    UnknownRun(u64),
    #[error("batch run {0} is no longer in the log (it was cleared, perhaps in another tab): its later rows are not logged")]
    RunCleared(u64),
    #[error(transparent)]
    ChunkShape(#[from] crate::prediction_log::ChunkShapeError),
    #[error("the export could not be assembled")]
    Export(#[source] JsError),
}

/// Why a stored value is not the record, bucket, run or chunk it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoredValueError {
    #[error("{0} could not be read")]
    Unreadable(&'static str),
    #[error("{0}")]
    Json(String),
    #[error("{0}")]
    NoField(String),
    #[error("chunk without {0}")]
    ChunkWithout(String),
    #[error("chunk column {0} is not a Float64Array")]
    NotFloat64(String),
    #[error("chunk column decisions is not a Uint8Array")]
    DecisionsNotUint8,
}

/// Why a write to IndexedDB failed.
pub(super) enum WriteFailure {
    Js(JsError),
    /// The chunk's run is not in the store (cleared since it started).
    RunGone(u64),
}

impl From<JsError> for WriteFailure {
    fn from(error: JsError) -> Self {
        WriteFailure::Js(error)
    }
}

impl From<JsValue> for WriteFailure {
    fn from(error: JsValue) -> Self {
        WriteFailure::Js(JsError::from_js(&error))
    }
}
