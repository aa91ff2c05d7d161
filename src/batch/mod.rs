//! Scoring a whole CSV file of feature rows in the browser, as pure functions: the file's layout
//! found from its header, rows read a chunk at a time (so the page can yield between chunks),
//! bad rows reported with line, column and reason while the good rows go on, the scored output
//! as injection-safe CSV, and the threshold metrics and curves when the file has labels.
//!
//! The row rules are those of `reorder predict`: feature columns are found by name in any
//! order, an empty cell or `NaN` is a missing value (never 0), every other column passes
//! through, and an input column named like an added one (`probability`, `is_reorder`) is passed
//! through as `input_<name>`. A column named `reordered` or `label` holds the true outcome.

mod kind_metrics;
mod log_chunks;
mod metrics;
mod outputs;
mod quality;
mod records;
mod row_ranges;
mod rows;
mod run_report;
mod scoring_run;
mod tally;
mod warm_up;

pub use kind_metrics::{
    ndcg_at, BadLabels, KindMetrics, KindReport, LOG_LOSS_EPSILON, NDCG_AT, QUERY_COLUMNS,
};
pub use log_chunks::ChunkMerger;
pub use metrics::{
    sort_highest_first, Confusion, CurvePoint, LabelledMetrics, LabelledScores, Method, ScoreBins,
    EXACT_LABELLED_ROWS, F1_STEPS, PR_CURVE_POINTS, SCORE_BINS,
};
pub use outputs::{
    added_columns, most_likely, output_cells, ClassNames, ClassNamesError, CLASS_COLUMN,
};
pub use quality::{CalibrationPoint, RunQuality, CALIBRATION_BINS};
pub use records::{RecordTooLong, MAX_RECORD_BYTES};
pub use row_ranges::{NextRange, RangeCutter, RowRange};
pub use rows::{
    output_header, BatchError, BatchLayout, BatchReader, Chunk, HeaderReader, HeaderStep,
    OutputWriter, RowError, ScoredRow, ADDED_COLUMNS, LABEL_COLUMNS,
};
pub use run_report::{
    KindLabel, KindOutcome, RangeSetup, RunFailure, RunProgress, RunSummary, ScoredChunk,
    ScoredRange,
};
pub use scoring_run::{RangeScorer, RunStep, ScoringRun};
pub use tally::{BatchTally, PreviewRow, TallyCounts};
pub use warm_up::{made_up_file, WARM_UP_ROWS};
