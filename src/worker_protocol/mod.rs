//! The messages between the page and its Web Worker (src/bin/reorder_worker/), as pure types
//! tested natively. The worker does the heavy jobs off the main thread: it scores a batch file,
//! converts an own `model.txt` and reads an uploaded order history, one job per started worker;
//! a run's worker also hands ranges of a large file to a second copy of itself, its helper.
//!
//! A message crosses `postMessage` as an `Envelope`: a small JSON text (serde, so a message of
//! another shape is an error, not a guess) beside the bulk data carried as typed arrays that
//! are transferred, never copied or turned into JSON (NaN, a missing value, has no JSON form).
//! The JSON carries the protocol's version around every message, and opening an envelope is the
//! one place it is checked: a message of another build is `ProtocolError::OtherVersion`, and
//! the page then does the job on the main thread.
//!
//! - `envelope`: the wrapper, the version and its check, the protocol's errors
//! - `page`, `worker`: the two directions' messages, for every job
//! - `scoring`, `conversion`, `history`: each job's own messages and answers
//! - `warm_up`: made-up rows through the very envelopes a run's answers take

mod conversion;
mod envelope;
mod history;
mod page;
mod scoring;
mod warm_up;
mod worker;

pub use conversion::ConvertModel;
pub use envelope::{Envelope, ProtocolError, PROTOCOL_VERSION};
pub use history::{answer_parse_history, history_of_answer};
pub use page::PageMessage;
pub use scoring::{StartRun, MAX_CHUNKS_IN_FLIGHT};
pub use warm_up::warm_up;
pub use worker::{ConvertedBundle, WorkerMessage};
