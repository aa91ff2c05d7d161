//! The prediction log's records and the dashboard's summaries, as pure functions so they are
//! tested natively and computed the same way in the browser.
//!
//! Nothing here reads a clock or storage: the browser passes in the records it loaded from
//! IndexedDB and the dates the user picked, and gets back numbers, rows and export text.

mod batch_runs;
mod buckets;
mod calendar;
mod export;
mod recent;
mod sketches;
mod summary;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Model;

pub use batch_runs::{BatchChunk, BatchRun, ChunkShapeError, RunEnd, RunState};
pub use buckets::{buckets_of, summarize_buckets, Bucket, BucketDelta};
pub use calendar::{
    days_from_civil, format_utc_date, format_utc_datetime, parse_utc_date, MS_PER_DAY,
};
pub use export::{batch_runs_csv, csv_cell, to_csv, to_json, CsvExport, JsonExport};
pub use recent::{page_of, RecentPage, RecentPosition};
pub use sketches::{merged_sketch, SketchBucket, SketchDelta};
pub use summary::{newest_first, summarize, DayCount, Summary, HISTOGRAM_BINS};

/// Where a prediction was made: the person typing features, a demo user's candidates, a batch
/// upload, or a page embedding the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Manual,
    Demo,
    Batch,
    Embed,
}

impl Source {
    /// Every source, in the order the dashboard lists them.
    pub const ALL: [Source; 4] = [Source::Manual, Source::Demo, Source::Batch, Source::Embed];

    /// The lowercase name used in storage, exports and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "manual",
            Source::Demo => "demo",
            Source::Batch => "batch",
            Source::Embed => "embed",
        }
    }

    /// Parses the lowercase name back.
    pub fn parse(name: &str) -> Result<Source, PredictionLogError> {
        Source::ALL
            .into_iter()
            .find(|source| source.as_str() == name)
            .ok_or_else(|| PredictionLogError::UnknownSource(name.to_owned()))
    }
}

/// One logged prediction. `id` is given by the store when the record is first written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionRecord {
    /// Store key; absent until stored (so IndexedDB's key generator assigns it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// When the prediction was made, UTC milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    pub source: Source,
    pub user_id: Option<u64>,
    pub product_id: Option<u64>,
    /// Feature values by name; `None` is a missing value (scored as NaN), never zero.
    /// Defaults to empty when read without features (the dashboard's light reads).
    #[serde(default)]
    pub features: BTreeMap<String, Option<f64>>,
    pub probability: f64,
    pub is_reorder: bool,
    pub threshold: f64,
    pub model_sha256: String,
}

/// The shopper and product a prediction is about, when the caller knows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordIds {
    pub user_id: Option<u64>,
    pub product_id: Option<u64>,
}

impl PredictionRecord {
    /// The record of one scored row, the same way wherever it was scored: `values` are in the
    /// order of `feature_names` with NaN for a missing value (stored as `None`, never 0); the
    /// decision, threshold and sha256 are the scoring model's own. `id` is left for the store.
    pub fn from_scored<N: AsRef<str>>(
        source: Source,
        created_at_ms: i64,
        ids: RecordIds,
        feature_names: &[N],
        values: &[f64],
        probability: f64,
        model: &Model,
    ) -> PredictionRecord {
        PredictionRecord {
            id: None,
            created_at_ms,
            source,
            user_id: ids.user_id,
            product_id: ids.product_id,
            features: feature_names
                .iter()
                .zip(values)
                .map(|(name, value)| {
                    (
                        name.as_ref().to_owned(),
                        (!value.is_nan()).then_some(*value),
                    )
                })
                .collect(),
            probability,
            is_reorder: model.is_reorder(probability),
            threshold: model.threshold(),
            model_sha256: model.source_sha256().to_owned(),
        }
    }
}

/// Which records a summary or listing covers. An empty `sources` means every source; the time
/// range is `from_ms <= created_at_ms < to_ms`, each end optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub sources: Vec<Source>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub model_sha256: Option<String>,
}

impl Filter {
    /// Whether batch run `run` is covered by this filter, dated by its start (what the
    /// dashboard's quality over time lists).
    pub fn matches_run(&self, run: &BatchRun) -> bool {
        (self.sources.is_empty() || self.sources.contains(&Source::Batch))
            && self.from_ms.is_none_or(|from| run.started_at_ms >= from)
            && self.to_ms.is_none_or(|to| run.started_at_ms < to)
            && self
                .model_sha256
                .as_deref()
                .is_none_or(|sha| run.model_sha256 == sha)
    }

    /// Whether the rows of `chunk` (a part of `run`; they share source, time and model) are
    /// covered by this filter: what `matches` says of each of them.
    pub fn matches_chunk(&self, run: &BatchRun, chunk: &BatchChunk) -> bool {
        (self.sources.is_empty() || self.sources.contains(&Source::Batch))
            && self.from_ms.is_none_or(|from| chunk.created_at_ms >= from)
            && self.to_ms.is_none_or(|to| chunk.created_at_ms < to)
            && self
                .model_sha256
                .as_deref()
                .is_none_or(|sha| run.model_sha256 == sha)
    }

    /// Whether `record` is covered by this filter.
    pub fn matches(&self, record: &PredictionRecord) -> bool {
        (self.sources.is_empty() || self.sources.contains(&record.source))
            && self.from_ms.is_none_or(|from| record.created_at_ms >= from)
            && self.to_ms.is_none_or(|to| record.created_at_ms < to)
            && self
                .model_sha256
                .as_deref()
                .is_none_or(|sha| record.model_sha256 == sha)
    }
}

/// Input the history functions refuse, naming what was wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PredictionLogError {
    #[error("unknown prediction source {0:?} (expected manual, demo, batch or embed)")]
    UnknownSource(String),
    #[error("date {text:?} is not a calendar date in the form YYYY-MM-DD: {reason}")]
    BadDate { text: String, reason: &'static str },
}
