//! The messages between the Batch page and its Web Worker, as pure types. The worker reads,
//! scores and writes the file off the main thread; the page shows progress, logs the scored rows
//! and offers the download. A message crosses `postMessage` as an `Envelope`: a small JSON text
//! (serde, so a message of another shape is an error, not a guess) beside the bulk data carried
//! as typed arrays that are transferred, never copied or turned into JSON (a chunk's feature
//! values alone are 1.6 MB, and NaN, a missing value, has no JSON form).
//!
//! Both sides state `PROTOCOL_VERSION`: the worker in `Ready`, the page in `Start`. A page and a
//! worker of different builds (a service worker's cache can serve an old worker to a new page)
//! refuse each other, and the page then scores on the main thread.
//!
//! The same worker also converts an own `model.txt` (`ConvertModel`, the own-model page) and
//! reads an uploaded order history (`ParseHistory`, the history page; the history itself is
//! `history_upload`'s, carried here as its JSON): one job per started worker.

use serde::{Deserialize, Serialize};

use super::metrics::{Confusion, CurvePoint, ScoreBins};
use super::row_ranges::RowRange;
use super::rows::{BatchLayout, RowError};
use super::tally::{BatchTally, PreviewRow, TallyCounts};
use crate::model::own_model::convert_own_model;

/// Bumped whenever a message changes shape or meaning.
pub const PROTOCOL_VERSION: u32 = 5;

/// How much the worker runs ahead of the page: chunks posted and not yet acknowledged (logged).
/// Bounds the page's memory when logging is slower than scoring.
pub const MAX_CHUNKS_IN_FLIGHT: u32 = 4;

/// A message as it crosses `postMessage`: JSON text, numbers (a `Float64Array`), bytes (a
/// `Uint8Array`) and ids (whole numbers, a `BigUint64Array`), the arrays transferred.
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
}

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
    ParseHistory {
        protocol_version: u32,
    },
    /// Before any job, from the Batch page to the worker it keeps ready for the next file: start
    /// the helper now, so that a large file finds it loaded (its wasm compiled) instead of
    /// waiting for it. A run of a small file, or another job, ends the helper unused.
    PrepareHelper,
    /// Before any job, to a worker kept ready (and from it to its prepared helper): score
    /// made-up rows with this model (`batch::warm_up`), so the scoring code is compiled for speed
    /// before a file comes. Nothing is answered; the worker still takes any job after it.
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

/// What a conversion needs besides `model.txt`: the two small optional files, as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvertModel {
    pub protocol_version: u32,
    pub feature_names_json: Option<String>,
    pub threshold_text: Option<String>,
}

/// A `model.txt` converted in the worker: the file's exact bytes (the page remembers them), their
/// sha256, and the bundle (the `assets/model.json` format) the page loads the model from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConvertedBundle {
    pub sha256: String,
    pub model_txt: Vec<u8>,
    pub bundle_json: String,
}

/// What a helper needs to score a run's ranges: the model, the file's layout and the run's
/// limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeSetup {
    pub protocol_version: u32,
    /// The model bundle (the `assets/model.json` format).
    pub bundle_json: String,
    pub layout: BatchLayout,
    pub max_listed_errors: u32,
    pub preview_rows: u32,
    pub keep_values: bool,
}

/// One range read, scored and written: to be put back in file order (`ScoringRun::absorb`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredRange {
    /// The range's position among the file's ranges.
    pub range_index: u64,
    /// File offset just past the range.
    pub end_offset: u64,
    /// The scored CSV of the range's rows (no header).
    pub output: Vec<u8>,
    /// The range's scored rows, for the log (its `index` is set when it is put in order).
    pub chunk: ScoredChunk,
    /// The range's counts, bad rows, first rows and labelled rows.
    pub tally: BatchTally,
}

/// What a run needs besides the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartRun {
    pub protocol_version: u32,
    /// The model bundle (the `assets/model.json` format) of the model the page scores with.
    pub bundle_json: String,
    /// Bytes read from the file at a time.
    pub slice_bytes: u64,
    /// Rows read and scored at a time (a range of the file, by the worker or its helper).
    pub chunk_rows: u32,
    /// Rows posted to the page for the log at a time, at least (`batch::ChunkMerger`).
    pub log_chunk_rows: u32,
    /// Bad rows listed (all are counted).
    pub max_listed_errors: u32,
    /// Scored rows kept for the preview.
    pub preview_rows: u32,
    /// Whether the scored chunks carry the rows' feature values for the log.
    pub keep_values: bool,
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
            // Serialising these plain types cannot fail.
            json: serde_json::to_string(self).unwrap_or_default(),
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
        let mut message: PageMessage = serde_json::from_str(json)?;
        if let PageMessage::ScoreRange { bytes: range, .. } = &mut message {
            *range = bytes();
        }
        Ok(message)
    }
}

/// How far a run has got.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RunProgress {
    pub bytes_read: u64,
    pub total_bytes: u64,
    pub rows_scored: u64,
    pub bad_rows: u64,
}

/// A chunk of scored rows, for the log: the same columns as `prediction_log::BatchChunk`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScoredChunk {
    /// Position of the chunk in its run, from 0.
    pub index: u32,
    pub probabilities: Vec<f64>,
    pub decisions: Vec<bool>,
    pub user_ids: Vec<Option<u64>>,
    pub product_ids: Vec<Option<u64>>,
    /// Feature values, row-major in the model's feature order; NaN is missing.
    pub values: Vec<f64>,
}

impl ScoredChunk {
    pub fn len(&self) -> usize {
        self.probabilities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.probabilities.is_empty()
    }
}

/// What a finished (or cancelled) run found, besides its scored rows and output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunSummary {
    pub rows_scored: u64,
    pub predicted_reorder: u64,
    /// Every bad row, listed or not.
    pub bad_rows: u64,
    /// The first bad rows.
    pub listed_errors: Vec<RowError>,
    /// The first scored rows.
    pub preview: Vec<PreviewRow>,
    /// The file's label column, if it has one.
    pub label_column: Option<String>,
    pub cancelled: bool,
    /// The precision-recall curve over the labelled rows (at most `batch::PR_CURVE_POINTS`),
    /// drawn where the run is, so the page does not walk every labelled row.
    pub pr_curve: Vec<CurvePoint>,
    /// F1 at the thresholds 0, 1/`batch::F1_STEPS`, ..., 1 (none where it is undefined).
    pub f1_by_threshold: Vec<(f64, Option<f64>)>,
    /// How many workers scored the file's ranges (the run's worker and its helper: 2).
    #[serde(default)]
    pub scorers: u32,
    /// (probability, label) of every labelled row, highest probability first
    /// (`batch::sort_highest_first`; carried as numbers and bytes); empty when there were more
    /// than `batch::EXACT_LABELLED_ROWS`, and `bins` counts them instead.
    #[serde(skip)]
    pub labelled: Vec<(f64, bool)>,
    #[serde(default)]
    pub bins: Option<ScoreBins>,
    /// The labelled rows' confusion matrix at the model's threshold, counted row by row.
    #[serde(default)]
    pub at_model: Confusion,
}

/// Why a run stopped without a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunFailure {
    /// The page and the worker come from different builds.
    #[error("the batch worker speaks protocol version {worker}, this page {page}")]
    VersionMismatch { page: u32, worker: u32 },
    #[error("the model cannot be loaded in the batch worker: {message}")]
    Model { message: String },
    /// The file cannot be scored (its header, or it has no rows): the message names why.
    #[error("{message}")]
    File { message: String },
    #[error("the file cannot be read: {message}")]
    Read { message: String },
    #[error("{message}")]
    Scoring { message: String },
    #[error("the batch worker received a message it does not understand: {message}")]
    Protocol { message: String },
}

/// Worker to page.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerMessage {
    /// The worker is listening (sent once, first).
    Ready {
        protocol_version: u32,
    },
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

impl ConvertModel {
    /// Converts `model_txt` with these options by the very function the page calls when no worker
    /// is there (`own_model::convert_own_model`): the answer the worker posts back.
    pub fn answer(&self, model_txt: Vec<u8>) -> WorkerMessage {
        let converted = convert_own_model(
            &model_txt,
            self.feature_names_json.as_deref(),
            self.threshold_text.as_deref(),
        );
        match converted {
            Ok(converted) => match serde_json::to_string(converted.model.bundle()) {
                Ok(bundle_json) => WorkerMessage::ModelConverted(ConvertedBundle {
                    sha256: converted.sha256,
                    model_txt,
                    bundle_json,
                }),
                Err(error) => WorkerMessage::ModelRefused {
                    message: format!("the converted model cannot be written: {error}"),
                },
            },
            Err(error) => WorkerMessage::ModelRefused {
                message: error.to_string(),
            },
        }
    }
}

/// `WorkerMessage`'s JSON part; the bulk columns travel as numbers and bytes.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WorkerHeader {
    Ready {
        protocol_version: u32,
    },
    Progress(RunProgress),
    /// numbers: the probabilities, then the values; bytes and ids: the rows' flags and ids
    /// (`chunk_into_parts`).
    Scored {
        index: u32,
        rows: usize,
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
    /// numbers: the probabilities, the values, then the labelled rows' probabilities; bytes: the
    /// rows' flags (`chunk_into_parts`), the labelled rows' labels (0/1), then the range's CSV;
    /// ids: the rows' ids.
    RangeScored {
        range_index: u64,
        end_offset: u64,
        rows: usize,
        tally: TallyCounts,
        labelled: usize,
    },
}

impl WorkerMessage {
    pub fn encode(self) -> Envelope {
        let mut numbers = Vec::new();
        let mut bytes = Vec::new();
        let mut ids = Vec::new();
        let header = match self {
            WorkerMessage::Ready { protocol_version } => WorkerHeader::Ready { protocol_version },
            WorkerMessage::Progress(progress) => WorkerHeader::Progress(progress),
            WorkerMessage::Scored(chunk) => {
                let index = chunk.index;
                let parts = chunk_into_parts(chunk);
                (numbers, bytes, ids) = (parts.numbers, parts.bytes, parts.ids);
                WorkerHeader::Scored {
                    index,
                    rows: bytes.len(),
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
                }
            }
        };
        Envelope {
            // Serialising these plain types cannot fail.
            json: serde_json::to_string(&header).unwrap_or_default(),
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
        Ok(match serde_json::from_str(&json)? {
            WorkerHeader::Ready { protocol_version } => WorkerMessage::Ready { protocol_version },
            WorkerHeader::Progress(progress) => WorkerMessage::Progress(progress),
            WorkerHeader::Scored { index, rows } => {
                WorkerMessage::Scored(chunk_from_parts(index, rows, numbers, bytes, ids)?)
            }
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
                let chunk = chunk_from_parts(0, rows, numbers, bytes, ids)?;
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

/// 0/1 bytes as flags.
fn flags(bytes: &[u8]) -> Vec<bool> {
    bytes.iter().map(|&b| b != 0).collect()
}

/// A row's flags byte: its decision, and which of its ids it has.
const FLAG_REORDER: u8 = 1;
const FLAG_USER_ID: u8 = 2;
const FLAG_PRODUCT_ID: u8 = 4;

/// A scored chunk's columns as an envelope carries them (`Scored`, and the start of
/// `RangeScored`), never as JSON (a chunk's 40,000 ids as text cost both sides more than the
/// scores): numbers (the probabilities, then the values), bytes (a byte of flags per row: the
/// decision and which ids the row has) and ids (the user ids, then the product ids; 0 where the
/// row has none).
struct ChunkParts {
    numbers: Vec<f64>,
    bytes: Vec<u8>,
    ids: Vec<u64>,
}

fn chunk_into_parts(chunk: ScoredChunk) -> ChunkParts {
    let mut numbers = chunk.probabilities;
    numbers.extend_from_slice(&chunk.values);
    let flag = |present: bool, flag: u8| if present { flag } else { 0 };
    let bytes = chunk
        .decisions
        .iter()
        .zip(chunk.user_ids.iter().zip(&chunk.product_ids))
        .map(|(&decision, (user, product))| {
            flag(decision, FLAG_REORDER)
                | flag(user.is_some(), FLAG_USER_ID)
                | flag(product.is_some(), FLAG_PRODUCT_ID)
        })
        .collect();
    let ids = chunk
        .user_ids
        .iter()
        .chain(&chunk.product_ids)
        .map(|id| id.unwrap_or(0))
        .collect();
    ChunkParts {
        numbers,
        bytes,
        ids,
    }
}

/// The chunk `chunk_into_parts` took apart, its columns checked against `rows`.
fn chunk_from_parts(
    index: u32,
    rows: usize,
    mut numbers: Vec<f64>,
    bytes: Vec<u8>,
    ids: Vec<u64>,
) -> Result<ScoredChunk, ProtocolError> {
    if bytes.len() != rows {
        return Err(ProtocolError::Bytes {
            expected: rows,
            found: bytes.len(),
        });
    }
    if ids.len() != 2 * rows {
        return Err(ProtocolError::Ids {
            rows,
            found: ids.len(),
        });
    }
    if numbers.len() < rows || (rows == 0 && !numbers.is_empty()) {
        return Err(ProtocolError::Numbers {
            expected: rows,
            found: numbers.len(),
        });
    }
    if rows > 0 && !(numbers.len() - rows).is_multiple_of(rows) {
        return Err(ProtocolError::Numbers {
            expected: rows * (1 + (numbers.len() - rows) / rows),
            found: numbers.len(),
        });
    }
    let (user_ids, product_ids) = ids.split_at(rows);
    let id_column = |ids: &[u64], flag: u8| -> Vec<Option<u64>> {
        ids.iter()
            .zip(&bytes)
            .map(|(&id, &flags)| (flags & flag != 0).then_some(id))
            .collect()
    };
    let user_ids = id_column(user_ids, FLAG_USER_ID);
    let product_ids = id_column(product_ids, FLAG_PRODUCT_ID);
    let values = numbers.split_off(rows);
    Ok(ScoredChunk {
        index,
        probabilities: numbers,
        decisions: bytes
            .iter()
            .map(|&flags| flags & FLAG_REORDER != 0)
            .collect(),
        user_ids,
        product_ids,
        values,
    })
}
