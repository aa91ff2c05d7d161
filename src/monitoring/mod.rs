//! Drift monitoring: whether the data the app scores now still looks like the data its model was
//! checked on. The app keeps no rows, only per-feature aggregates (a histogram on bins fixed by
//! the reference, or category counts, plus missing counts), so the statistics here work on those
//! aggregates; each also has a row-level form that reproduces Evidently 0.7.23's defaults exactly,
//! against which the aggregate forms are tested (tests/it/drift.rs).
//!
//! - [`distribution`]: the aggregates ([`Histogram`], [`CategoryCounts`]) and how they are built.
//! - [`statistics`]: normed Wasserstein distance, Jensen-Shannon distance, Kolmogorov-Smirnov,
//!   chi-squared and Z-test p-values, and PSI, on aggregates and on rows.
//! - [`drift`]: Evidently's choice of test per column, per-column verdicts and dataset drift.
//! - [`sketch`]: a set of rows reduced to those aggregates, on bins fixed by the model, so the
//!   training reference, the log's buckets and a batch run's chunks add up and compare.
//! - [`reference`]: the sketch of the training rows, saved next to the bundle.
//! - [`report`]: every feature's and the prediction's verdict between two sketches.
//! - [`special`]: the distribution functions behind the p-values.
//!
//! Pure: no clock, storage or randomness, so it runs the same natively and in wasm.

pub mod distribution;
pub mod drift;
pub mod reference;
pub mod report;
pub mod sketch;
pub mod sketch_numbers;
pub mod special;
pub mod statistics;

pub use distribution::{CategoryCounts, Distribution, Histogram, TailSummary};
pub use drift::{
    choose_method, column_drift, dataset_drift, DatasetDrift, DriftMethod, DriftVerdict, PsiBand,
};

use thiserror::Error;

/// Input the drift statistics cannot work with; user data never makes them panic.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DriftError {
    #[error("the reference has no values (it is empty or all missing)")]
    EmptyReference,
    #[error("the current data has no values (it is empty or all missing)")]
    EmptyCurrent,
    #[error("histogram edges must be finite, strictly increasing and at least two")]
    InvalidEdges,
    #[error("a histogram with {edges} edges needs {expected} bin counts, got {got}")]
    CountsDoNotMatchEdges {
        edges: usize,
        expected: usize,
        got: usize,
    },
    #[error("the histogram's value sums are not finite")]
    NonFiniteSums,
    #[error("the reference and current histograms have different bin edges")]
    MismatchedBins,
    #[error("the reference has {reference} counts but the current data {current}")]
    MismatchedLengths { reference: usize, current: usize },
    #[error("a numerical column cannot be compared with a categorical one")]
    MismatchedKinds,
    #[error("{method} needs numerical values, not category counts")]
    NeedsNumerical { method: &'static str },
    #[error("the Z-test compares two categories, not {0}")]
    NotTwoCategories(usize),
    #[error("there are no column verdicts to summarise")]
    NoColumns,
    #[error("the share of drifted columns must be in (0, 1], not {0}")]
    InvalidShare(String),
}
