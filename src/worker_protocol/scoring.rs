//! The messages of the batch run job: what a run needs besides its file, how far the worker
//! may run ahead of the page, and how a scored chunk's columns are cut into an envelope's
//! numbers, bytes and ids and put back together, checked.

use serde::{Deserialize, Serialize};

use super::envelope::ProtocolError;
use crate::batch::{ClassNames, ScoredChunk};
use crate::monitoring::sketch::InputSketch;

/// How much the worker runs ahead of the page: chunks posted and not yet acknowledged (logged).
/// Bounds the page's memory when logging is slower than scoring.
pub const MAX_CHUNKS_IN_FLIGHT: u32 = 4;

/// What a run needs besides the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartRun {
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
    /// The names the `class` column gives a multiclass model's classes.
    #[serde(default)]
    pub class_names: ClassNames,
}

/// 0/1 bytes as flags.
pub(super) fn flags(bytes: &[u8]) -> Vec<bool> {
    bytes.iter().map(|&b| b != 0).collect()
}

/// A row's flags byte: its decision, and which of its ids it has.
const FLAG_REORDER: u8 = 1;
const FLAG_USER_ID: u8 = 2;
const FLAG_PRODUCT_ID: u8 = 4;

/// A scored chunk's columns as an envelope carries them (`Scored`, and the start of
/// `RangeScored`), never as JSON (a chunk's 40,000 ids as text cost both sides more than the
/// scores): numbers (the probabilities, the values, then the drift sketch's numbers,
/// `monitoring::sketch_numbers`), bytes (a byte of flags per row: the decision and which ids
/// the row has) and ids (the user ids, then the product ids; 0 where the row has none).
pub(super) struct ChunkParts {
    pub(super) numbers: Vec<f64>,
    pub(super) bytes: Vec<u8>,
    pub(super) ids: Vec<u64>,
    /// What the header says of the sketch at the end of `numbers`.
    pub(super) sketch: Option<SketchHeader>,
}

/// A chunk's drift sketch in the header: the fingerprint of its bins, and how many of the
/// message's numbers (the last of the chunk's) hold its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct SketchHeader {
    bins: String,
    numbers: usize,
}

pub(super) fn chunk_into_parts(chunk: ScoredChunk) -> ChunkParts {
    let mut numbers = chunk.probabilities;
    numbers.extend_from_slice(&chunk.values);
    let sketch = chunk.sketch.map(|sketch| {
        let start = numbers.len();
        sketch.write_numbers(&mut numbers);
        SketchHeader {
            bins: sketch.bins,
            numbers: numbers.len() - start,
        }
    });
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
        sketch,
    }
}

/// The chunk `chunk_into_parts` took apart, its columns checked against `rows`.
pub(super) fn chunk_from_parts(
    index: u32,
    rows: usize,
    mut numbers: Vec<f64>,
    bytes: Vec<u8>,
    ids: Vec<u64>,
    sketch: Option<SketchHeader>,
) -> Result<ScoredChunk, ProtocolError> {
    let sketch = match sketch {
        Some(SketchHeader { bins, numbers: n }) => {
            if numbers.len() < n {
                return Err(ProtocolError::Numbers {
                    expected: n,
                    found: numbers.len(),
                });
            }
            let counts = numbers.split_off(numbers.len() - n);
            Some(Box::new(InputSketch::from_numbers(bins, &counts)?))
        }
        None => None,
    };
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
        sketch,
    })
}
