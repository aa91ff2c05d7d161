//! What a batch run reports, whoever drives it (the worker, its helper, or the page when no
//! worker is there): its progress, the scored chunks for the log, the ranges a helper scores and
//! the setup it needs, the summary, and why a run stopped. Plain types of the run itself; the
//! worker protocol (`crate::worker_protocol`) carries them between threads.

use crate::monitoring::sketch::InputSketch;
use serde::{Deserialize, Serialize};

use super::kind_metrics::{BadLabels, KindReport};
use super::metrics::{Confusion, CurvePoint, ScoreBins};
use super::outputs::ClassNames;
use super::rows::{BatchLayout, RowError};
use super::tally::{BatchTally, PreviewRow};

/// What a helper needs to score a run's ranges: the model, the file's layout and the run's
/// limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeSetup {
    /// The model bundle (the `assets/model.json` format).
    pub bundle_json: String,
    pub layout: BatchLayout,
    pub max_listed_errors: u32,
    pub preview_rows: u32,
    pub keep_values: bool,
    /// The names the `class` column gives a multiclass model's classes.
    #[serde(default)]
    pub class_names: ClassNames,
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
    /// The rows' per-feature histograms for the drift panel, made where they were scored (so a
    /// run that does not keep the values still sketches them); none for a kind the log does
    /// not hold.
    pub sketch: Option<Box<InputSketch>>,
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
    /// A labelled file scored by a model without a threshold: its label column and the metrics
    /// of its kind (boxed: most runs have none).
    #[serde(default)]
    pub kind_metrics: Option<Box<KindOutcome>>,
}

/// The metrics of a labelled file scored by a model without a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindOutcome {
    pub label: KindLabel,
    /// `None` when no row had a readable label.
    pub report: Option<KindReport>,
}

/// The label column of a file scored by a model without a threshold, and its unreadable cells.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KindLabel {
    pub column: String,
    pub bad: BadLabels,
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
