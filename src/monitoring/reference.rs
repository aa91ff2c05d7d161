//! The drift reference: the sketch of the rows a model learned from (the training split, or a
//! file the person picks), saved next to the model's bundle. It holds only counts: the bins are
//! the model's (`SketchBins::for_model`), named by their fingerprint, so the file stays small
//! and a reference made for another model is refused rather than compared.

use serde::{Deserialize, Serialize};

use super::sketch::{InputSketch, SketchBins, SketchError};
use crate::model::Model;

/// The file's `format` field.
pub const REFERENCE_FORMAT: &str = "instacart-reorder-drift-reference";
/// The `format_version` this code writes and reads.
pub const REFERENCE_FORMAT_VERSION: u32 = 1;

/// A model's reference distribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftReference {
    pub format: String,
    pub format_version: u32,
    /// sha256 of the `model.txt` whose bins the counts are on.
    pub model_sha256: String,
    /// Where the rows came from, for people ("training split, 40,120 rows").
    pub description: String,
    pub sketch: InputSketch,
}

/// A reference that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("the drift reference is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the file is not a drift reference (format {0:?})")]
    Format(String),
    #[error("drift reference version {0} is not one this app reads (it reads {REFERENCE_FORMAT_VERSION})")]
    Version(u32),
    #[error(
        "the drift reference was made for model {reference}, not for the model in use ({model})"
    )]
    OtherModel { reference: String, model: String },
    #[error("the drift reference's bins are not this model's")]
    OtherBins,
    #[error("row {row}: {source}")]
    Row {
        row: usize,
        #[source]
        source: SketchError,
    },
    #[error("scoring the reference rows failed: {0}")]
    Scoring(String),
    #[error("the reference has no rows")]
    Empty,
}

impl DriftReference {
    /// The reference of `rows` (each in the model's feature order, NaN for missing), their
    /// predictions scored by `model`.
    pub fn from_rows<'r>(
        model: &Model,
        description: impl Into<String>,
        rows: impl IntoIterator<Item = &'r [f64]>,
    ) -> Result<DriftReference, ReferenceError> {
        let bins = SketchBins::for_model(model);
        let mut sketch = bins.empty_sketch();
        for (index, row) in rows.into_iter().enumerate() {
            let prediction = if model.objective().has_threshold() {
                Some(
                    model
                        .predict(row)
                        .map_err(|error| ReferenceError::Scoring(error.to_string()))?
                        .probability,
                )
            } else {
                None
            };
            sketch
                .add_row(&bins, row, prediction)
                .map_err(|source| ReferenceError::Row {
                    row: index + 1,
                    source,
                })?;
        }
        if sketch.rows == 0 {
            return Err(ReferenceError::Empty);
        }
        Ok(DriftReference {
            format: REFERENCE_FORMAT.to_owned(),
            format_version: REFERENCE_FORMAT_VERSION,
            model_sha256: model.source_sha256().to_owned(),
            description: description.into(),
            sketch,
        })
    }

    /// Reads a reference file and checks it belongs to `model`.
    pub fn from_json_for(text: &str, model: &Model) -> Result<DriftReference, ReferenceError> {
        let reference: DriftReference = serde_json::from_str(text)?;
        if reference.format != REFERENCE_FORMAT {
            return Err(ReferenceError::Format(reference.format));
        }
        if reference.format_version != REFERENCE_FORMAT_VERSION {
            return Err(ReferenceError::Version(reference.format_version));
        }
        if reference.model_sha256 != model.source_sha256() {
            return Err(ReferenceError::OtherModel {
                reference: reference.model_sha256,
                model: model.source_sha256().to_owned(),
            });
        }
        if reference.sketch.bins != SketchBins::for_model(model).fingerprint() {
            return Err(ReferenceError::OtherBins);
        }
        Ok(reference)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
