//! What the page (or a run's worker, to its helper) asks of a worker: one message type for
//! every job, so a worker takes whichever job it is given from the same listener. Only a
//! range's bytes travel beside the JSON.

use serde::{Deserialize, Serialize};

use super::conversion::ConvertModel;
use super::envelope::{open, seal, Envelope, ProtocolError};
use super::scoring::StartRun;
use crate::batch::{RangeSetup, RowRange};

/// Page to worker. The file to score travels beside `Start` (a `File` can be posted to a worker;
/// its bytes are read there, slice by slice, never copied to the page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PageMessage {
    Start(StartRun),
    /// The page has logged chunk `index`: the worker may run further ahead.
    ChunkLogged {
        index: u32,
    },
    /// Stop after the chunk being scored.
    Cancel,
    /// Convert the `model.txt` posted beside this message (the own-model page).
    ConvertModel(ConvertModel),
    /// Read the order-history files posted beside this message (the history page).
    ParseHistory,
    /// Before any job, from the Batch page to the worker it keeps ready for the next file: start
    /// the helper now, so that a large file finds it loaded (its wasm compiled) instead of
    /// waiting for it. A run of a small file, or another job, ends the helper unused.
    PrepareHelper,
    /// Before any job, to a worker kept ready (and from it to its prepared helper): score
    /// made-up rows with this model (`worker_protocol::warm_up`), so the scoring code is
    /// compiled for speed before a file comes. Nothing is answered; the worker still takes any
    /// job after it.
    WarmUp {
        bundle_json: String,
    },
    /// From a run's worker to the helper worker it started: score ranges of this file.
    ScoreRanges(RangeSetup),
    /// Score this range (its bytes travel beside the message); the helper answers
    /// `WorkerMessage::RangeScored`, in the order the ranges were sent.
    ScoreRange {
        index: u64,
        line: u64,
        offset: u64,
        #[serde(skip)]
        bytes: Vec<u8>,
    },
}

impl PageMessage {
    /// The message to post for a range a helper is to score.
    pub fn score_range(range: RowRange) -> PageMessage {
        PageMessage::ScoreRange {
            index: range.index,
            line: range.line,
            offset: range.offset,
            bytes: range.bytes,
        }
    }

    pub fn encode(&self) -> Envelope {
        Envelope {
            json: seal(self),
            bytes: match self {
                PageMessage::ScoreRange { bytes, .. } => bytes.clone(),
                _ => Vec::new(),
            },
            ..Envelope::default()
        }
    }

    pub fn decode(envelope: &Envelope) -> Result<PageMessage, ProtocolError> {
        PageMessage::decode_with(&envelope.json, || envelope.bytes.clone())
    }

    /// `decode`, moving a range's bytes out of the envelope instead of copying them.
    pub fn from_envelope(envelope: Envelope) -> Result<PageMessage, ProtocolError> {
        let Envelope { json, bytes, .. } = envelope;
        PageMessage::decode_with(&json, move || bytes)
    }

    /// The message in `json`, a range given the bytes `bytes` makes.
    fn decode_with(
        json: &str,
        bytes: impl FnOnce() -> Vec<u8>,
    ) -> Result<PageMessage, ProtocolError> {
        let mut message: PageMessage = open(json)?;
        if let PageMessage::ScoreRange { bytes: range, .. } = &mut message {
            *range = bytes();
        }
        Ok(message)
    }
}
