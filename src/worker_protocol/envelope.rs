//! The one wrapper every message crosses `postMessage` in, and the one place the protocol's
//! version is checked: a page and a worker of different builds (a service worker's cache can
//! serve an old worker to a new page) must refuse each other's messages, whatever they are,
//! rather than guess at them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Bumped whenever a message changes shape or meaning.
pub const PROTOCOL_VERSION: u32 = 6;

/// A message as it crosses `postMessage`: JSON text (the version and the message's header),
/// numbers (a `Float64Array`), bytes (a `Uint8Array`) and ids (whole numbers, a
/// `BigUint64Array`), the arrays transferred.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Envelope {
    pub json: String,
    pub numbers: Vec<f64>,
    pub bytes: Vec<u8>,
    pub ids: Vec<u64>,
}

/// A message that does not fit the protocol.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The sender is of another build: nothing else in its message is read.
    #[error("the message is of protocol version {found}, this build speaks {ours}")]
    OtherVersion { ours: u32, found: u32 },
    #[error("the message is not a message of this protocol")]
    Json(#[from] serde_json::Error),
    #[error("the message carries {found} numbers where its header calls for {expected}")]
    Numbers { expected: usize, found: usize },
    #[error("the message carries {found} bytes where its header calls for {expected}")]
    Bytes { expected: usize, found: usize },
    #[error("the converted model's bundle is not UTF-8 text")]
    BundleText(#[source] std::string::FromUtf8Error),
    #[error(
        "a chunk of {rows} rows carries {found} ids where it needs a user and a product id per row"
    )]
    Ids { rows: usize, found: usize },
    #[error("the chunk's drift sketch is not readable")]
    Sketch(#[from] crate::monitoring::sketch_numbers::SketchNumbersError),
}

/// The JSON part as it is written: the version first, then the message's header.
#[derive(Serialize)]
struct Sealed<'a, M> {
    protocol_version: u32,
    message: &'a M,
}

/// The JSON part as it is read: the version is read first, and the message only when it is
/// this build's (an older build's message may have any shape, or none at all here).
#[derive(Deserialize)]
struct Opened {
    protocol_version: u32,
    #[serde(default)]
    message: Option<serde_json::Value>,
}

/// The JSON text of `header`, in this build's version.
pub(super) fn seal<M: Serialize>(header: &M) -> String {
    let sealed = Sealed {
        protocol_version: PROTOCOL_VERSION,
        message: header,
    };
    // Serialising these plain types cannot fail.
    serde_json::to_string(&sealed).unwrap_or_default()
}

/// The header in `json`, if it is of this build's version.
pub(super) fn open<M: DeserializeOwned>(json: &str) -> Result<M, ProtocolError> {
    let opened: Opened = serde_json::from_str(json)?;
    if opened.protocol_version != PROTOCOL_VERSION {
        return Err(ProtocolError::OtherVersion {
            ours: PROTOCOL_VERSION,
            found: opened.protocol_version,
        });
    }
    let message = opened.message.unwrap_or(serde_json::Value::Null);
    Ok(serde_json::from_value(message)?)
}
