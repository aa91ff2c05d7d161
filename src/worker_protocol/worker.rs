//! What a worker answers, for every job: the JSON header says which answer it is and how the
//! bulk columns beside it are cut (a run's scored rows, its labelled rows, the scored CSV, a
//! converted model's bytes, a history's JSON), so no column is ever written as JSON text.

use serde::{Deserialize, Serialize};

use super::envelope::{open, seal, Envelope, ProtocolError};
use super::scoring::{chunk_from_parts, chunk_into_parts, flags, SketchHeader};
use crate::batch::{
    BatchTally, RunFailure, RunProgress, RunSummary, ScoredChunk, ScoredRange, TallyCounts,
};

/// A `model.txt` converted in the worker: the file's exact bytes (the page remembers them), their
/// sha256, and the bundle (the `assets/model.json` format) the page loads the model from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConvertedBundle {
    pub sha256: String,
    pub model_txt: Vec<u8>,
    pub bundle_json: String,
}

/// Worker to page.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerMessage {
    /// The worker is listening (sent once, first).
    Ready,
    Progress(RunProgress),
    /// Scored rows, for the log; the page answers `PageMessage::ChunkLogged`.
    Scored(ScoredChunk),
    /// The next bytes of the scored CSV (the first part starts with its header).
    OutputPart(Vec<u8>),
    /// The next bytes of the scored CSV, in a `Blob` posted beside this message (`blob`): made
    /// in the worker, so the page never copies the CSV's bytes.
    OutputInBlob,
    /// The run is over (the last output part has been sent).
    Finished(RunSummary),
    Failed(RunFailure),
    /// The answer to `ConvertModel` when the files make a model.
    ModelConverted(ConvertedBundle),
    /// The answer to `ConvertModel` when they do not: the converter's message, word for word.
    ModelRefused {
        message: String,
    },
    /// The answer to `ParseHistory` when the files are read: the history as JSON
    /// (`history_upload::UploadedHistory`).
    HistoryParsed {
        history_json: Vec<u8>,
    },
    /// The answer to `ParseHistory` when they are not: the reader's message, word for word.
    HistoryRefused {
        message: String,
    },
    /// A helper's answer to `PageMessage::ScoreRange`.
    RangeScored(ScoredRange),
}

/// `WorkerMessage`'s JSON part; the bulk columns travel as numbers and bytes.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WorkerHeader {
    Ready,
    Progress(RunProgress),
    /// numbers: the probabilities, the values, then the drift sketch's counts; bytes and ids:
    /// the rows' flags and ids (`chunk_into_parts`).
    Scored {
        index: u32,
        rows: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sketch: Option<SketchHeader>,
    },
    /// bytes: the CSV.
    OutputPart,
    OutputInBlob,
    /// numbers: the labelled rows' probabilities; bytes: their labels (0/1).
    Finished(RunSummary),
    Failed(RunFailure),
    /// bytes: `model.txt` (its first `model_txt_bytes`), then the bundle's JSON.
    ModelConverted {
        sha256: String,
        model_txt_bytes: usize,
    },
    ModelRefused {
        message: String,
    },
    /// bytes: the history's JSON.
    HistoryParsed,
    HistoryRefused {
        message: String,
    },
    /// numbers: the probabilities, the values, the drift sketch's counts, then the labelled rows'
    /// probabilities; bytes: the rows' flags (`chunk_into_parts`), the labelled rows' labels
    /// (0/1), then the range's CSV; ids: the rows' ids.
    RangeScored {
        range_index: u64,
        end_offset: u64,
        rows: usize,
        tally: TallyCounts,
        labelled: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sketch: Option<SketchHeader>,
    },
}

impl WorkerMessage {
    pub fn encode(self) -> Envelope {
        let mut numbers = Vec::new();
        let mut bytes = Vec::new();
        let mut ids = Vec::new();
        let header = match self {
            WorkerMessage::Ready => WorkerHeader::Ready,
            WorkerMessage::Progress(progress) => WorkerHeader::Progress(progress),
            WorkerMessage::Scored(chunk) => {
                let index = chunk.index;
                let parts = chunk_into_parts(chunk);
                let sketch = parts.sketch;
                (numbers, bytes, ids) = (parts.numbers, parts.bytes, parts.ids);
                WorkerHeader::Scored {
                    index,
                    rows: bytes.len(),
                    sketch,
                }
            }
            WorkerMessage::OutputPart(part) => {
                bytes = part;
                WorkerHeader::OutputPart
            }
            WorkerMessage::OutputInBlob => WorkerHeader::OutputInBlob,
            WorkerMessage::Finished(mut summary) => {
                let labelled = std::mem::take(&mut summary.labelled);
                numbers = labelled
                    .iter()
                    .map(|(probability, _)| *probability)
                    .collect();
                bytes = labelled.iter().map(|(_, label)| u8::from(*label)).collect();
                WorkerHeader::Finished(summary)
            }
            WorkerMessage::Failed(failure) => WorkerHeader::Failed(failure),
            WorkerMessage::ModelConverted(converted) => {
                let model_txt_bytes = converted.model_txt.len();
                bytes = converted.model_txt;
                bytes.extend_from_slice(converted.bundle_json.as_bytes());
                WorkerHeader::ModelConverted {
                    sha256: converted.sha256,
                    model_txt_bytes,
                }
            }
            WorkerMessage::ModelRefused { message } => WorkerHeader::ModelRefused { message },
            WorkerMessage::HistoryParsed { history_json } => {
                bytes = history_json;
                WorkerHeader::HistoryParsed
            }
            WorkerMessage::HistoryRefused { message } => WorkerHeader::HistoryRefused { message },
            WorkerMessage::RangeScored(scored) => {
                let ScoredRange {
                    range_index,
                    end_offset,
                    output,
                    chunk,
                    tally,
                } = scored;
                let (tally, labelled) = tally.into_parts();
                let parts = chunk_into_parts(chunk);
                let sketch = parts.sketch;
                let rows = parts.bytes.len();
                (numbers, bytes, ids) = (parts.numbers, parts.bytes, parts.ids);
                numbers.extend(labelled.iter().map(|(probability, _)| *probability));
                bytes.extend(labelled.iter().map(|(_, label)| u8::from(*label)));
                bytes.extend_from_slice(&output);
                WorkerHeader::RangeScored {
                    range_index,
                    end_offset,
                    rows,
                    tally,
                    labelled: labelled.len(),
                    sketch,
                }
            }
        };
        Envelope {
            json: seal(&header),
            numbers,
            bytes,
            ids,
        }
    }

    pub fn decode(envelope: Envelope) -> Result<WorkerMessage, ProtocolError> {
        let Envelope {
            json,
            mut numbers,
            mut bytes,
            ids,
        } = envelope;
        Ok(match open(&json)? {
            WorkerHeader::Ready => WorkerMessage::Ready,
            WorkerHeader::Progress(progress) => WorkerMessage::Progress(progress),
            WorkerHeader::Scored {
                index,
                rows,
                sketch,
            } => WorkerMessage::Scored(chunk_from_parts(index, rows, numbers, bytes, ids, sketch)?),
            WorkerHeader::OutputPart => WorkerMessage::OutputPart(bytes),
            WorkerHeader::OutputInBlob => WorkerMessage::OutputInBlob,
            WorkerHeader::Finished(mut summary) => {
                if numbers.len() != bytes.len() {
                    return Err(ProtocolError::Numbers {
                        expected: bytes.len(),
                        found: numbers.len(),
                    });
                }
                summary.labelled = numbers.into_iter().zip(flags(&bytes)).collect();
                WorkerMessage::Finished(summary)
            }
            WorkerHeader::Failed(failure) => WorkerMessage::Failed(failure),
            WorkerHeader::ModelConverted {
                sha256,
                model_txt_bytes,
            } => {
                if bytes.len() < model_txt_bytes {
                    return Err(ProtocolError::Bytes {
                        expected: model_txt_bytes,
                        found: bytes.len(),
                    });
                }
                let bundle = bytes.split_off(model_txt_bytes);
                WorkerMessage::ModelConverted(ConvertedBundle {
                    sha256,
                    model_txt: bytes,
                    bundle_json: String::from_utf8(bundle).map_err(ProtocolError::BundleText)?,
                })
            }
            WorkerHeader::ModelRefused { message } => WorkerMessage::ModelRefused { message },
            WorkerHeader::HistoryParsed => WorkerMessage::HistoryParsed {
                history_json: bytes,
            },
            WorkerHeader::HistoryRefused { message } => WorkerMessage::HistoryRefused { message },
            WorkerHeader::RangeScored {
                range_index,
                end_offset,
                rows,
                tally,
                labelled,
                sketch,
            } => {
                if bytes.len() < rows + labelled {
                    return Err(ProtocolError::Bytes {
                        expected: rows + labelled,
                        found: bytes.len(),
                    });
                }
                if numbers.len() < rows + labelled {
                    return Err(ProtocolError::Numbers {
                        expected: rows + labelled,
                        found: numbers.len(),
                    });
                }
                // After the chunk's own columns: the labelled rows, then (bytes) the range's CSV.
                let labelled_probabilities = numbers.split_off(numbers.len() - labelled);
                let mut labels = bytes.split_off(rows);
                let output = labels.split_off(labelled);
                let labelled = labelled_probabilities
                    .into_iter()
                    .zip(flags(&labels))
                    .collect();
                let chunk = chunk_from_parts(0, rows, numbers, bytes, ids, sketch)?;
                WorkerMessage::RangeScored(ScoredRange {
                    range_index,
                    end_offset,
                    output,
                    chunk,
                    tally: BatchTally::from_parts(tally, labelled),
                })
            }
        })
    }
}
