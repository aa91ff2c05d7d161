//! Batch runs in the log, compactly: a million scored rows must not become a million records
//! (each with 41 named feature values) written one by one. A run is one `BatchRun` record and a
//! few hundred `BatchChunk`s holding each chunk's rows in columns (probabilities, decisions, ids,
//! feature values row-major), which IndexedDB stores as typed arrays. Every row still counts in
//! the dashboard's buckets, and exports expand chunks back into ordinary records.
//!
//! A chunk's feature values are kept only when the person asked for them on the Batch page: the
//! rows' input is their file, and a million rows' values are 41 x 8 bytes each in IndexedDB
//! (writing them is most of the Batch page's time: docs/performance.md, section 4). A chunk
//! without values (`values` empty) expands into records without features.

use serde::{Deserialize, Serialize};

use super::buckets::BucketDelta;
use super::sketches::SketchDelta;
use super::{PredictionRecord, Source};
use crate::batch::RunQuality;
use crate::monitoring::sketch::InputSketch;

/// One batch run: what every row of it shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRun {
    /// Store key; absent until stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<u64>,
    pub started_at_ms: i64,
    pub file_name: String,
    pub model_sha256: String,
    pub threshold: f64,
    /// The model's feature names: the columns of every chunk's `values`.
    pub feature_names: Vec<String>,
    /// Rows logged so far, and how many of them were predicted reorders.
    pub rows: u64,
    pub positives: u64,
    /// How the run ended, once the page running it said so; none while it runs, and for a run
    /// whose tab closed (or a run logged before runs said how they ended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<RunEnd>,
    /// What the run's labelled rows said of the model (a file with a label column, scored by a
    /// model with a threshold), once it ended; none otherwise and for runs logged before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<RunQuality>,
}

/// How a batch run ended, as the page running it recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunEnd {
    /// Every row of the file was read.
    Finished,
    /// The person stopped it: the rows before are logged.
    Cancelled,
    /// It stopped on a failure: the rows before are logged.
    CutShort,
}

/// Where a batch run is, as the dashboard and exports say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    Finished,
    Cancelled,
    /// Stopped before the end of its file: a failure, or its tab closed mid-run.
    CutShort,
}

impl RunState {
    pub fn name(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Finished => "finished",
            RunState::Cancelled => "cancelled",
            RunState::CutShort => "cut_short",
        }
    }
}

impl BatchRun {
    /// The run's state; `held`: whether a tab is running it now (it holds the run's lock, which
    /// the browser lets go when the tab closes). A run that never said how it ended and that no
    /// tab runs was cut short.
    pub fn state(&self, held: bool) -> RunState {
        match self.ended {
            Some(RunEnd::Finished) => RunState::Finished,
            Some(RunEnd::Cancelled) => RunState::Cancelled,
            Some(RunEnd::CutShort) => RunState::CutShort,
            None if held => RunState::Running,
            None => RunState::CutShort,
        }
    }
}

/// A chunk of a run's rows, in columns. All columns have `len()` entries (`values` has
/// `len() * feature count`, or none when the values were not kept).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchChunk {
    pub run_id: u64,
    /// Position of the chunk in its run, from 0.
    pub index: u32,
    pub created_at_ms: i64,
    pub probabilities: Vec<f64>,
    pub decisions: Vec<bool>,
    pub user_ids: Vec<Option<u64>>,
    pub product_ids: Vec<Option<u64>>,
    /// Feature values, row-major in the run's feature order; NaN is missing. Empty when the
    /// values were not kept.
    pub values: Vec<f64>,
    /// The rows' per-feature histograms for the drift panel (kept or not, the values were
    /// sketched where they were scored); not stored with the chunk, added to its day's sketch.
    pub sketch: Option<InputSketch>,
}

/// A chunk whose columns do not line up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("batch chunk {index} of run {run_id}: {reason}")]
pub struct ChunkShapeError {
    pub run_id: u64,
    pub index: u32,
    pub reason: String,
}

impl BatchChunk {
    pub fn len(&self) -> usize {
        self.probabilities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.probabilities.is_empty()
    }

    /// Checks that every column has one entry per row (a stored chunk read back is checked
    /// before it is expanded, so a damaged one is an error, not a panic).
    pub fn check(&self, feature_count: usize) -> Result<(), ChunkShapeError> {
        let rows = self.len();
        let error = |reason: String| ChunkShapeError {
            run_id: self.run_id,
            index: self.index,
            reason,
        };
        for (name, len) in [
            ("decisions", self.decisions.len()),
            ("user_ids", self.user_ids.len()),
            ("product_ids", self.product_ids.len()),
        ] {
            if len != rows {
                return Err(error(format!("{name} has {len} entries for {rows} rows")));
            }
        }
        if !self.values.is_empty() && self.values.len() != rows * feature_count {
            return Err(error(format!(
                "values has {} entries for {rows} rows of {feature_count} features",
                self.values.len()
            )));
        }
        Ok(())
    }

    /// The dashboard's counts of this chunk's rows. They share the chunk's time, source and
    /// model, so they all go to one bucket, found once (not once per row: a million rows made a
    /// million bucket keys on the page's main thread).
    pub fn bucket_delta(&self, run: &BatchRun) -> BucketDelta {
        let mut delta = BucketDelta::default();
        delta.add_all(
            Source::Batch,
            &run.model_sha256,
            self.created_at_ms,
            self.probabilities
                .iter()
                .copied()
                .zip(self.decisions.iter().copied()),
            run.threshold,
        );
        delta
    }

    /// The drift sketch this chunk adds to (none when its rows were not sketched).
    pub fn sketch_delta(&self, run: &BatchRun) -> SketchDelta {
        let mut delta = SketchDelta::default();
        if let Some(sketch) = &self.sketch {
            // One chunk's sketch is on its model's bins: it starts its own entry.
            let _ = delta.add_sketch(
                Source::Batch,
                &run.model_sha256,
                self.created_at_ms,
                sketch.clone(),
            );
        }
        delta
    }

    /// Whether the rows' feature values were kept.
    pub fn has_values(&self) -> bool {
        !self.values.is_empty() || self.is_empty()
    }

    /// The chunk's rows as ordinary records (for exports and the recent-predictions list); they
    /// have no record id of their own, and no features when the values were not kept.
    pub fn records(&self, run: &BatchRun) -> Result<Vec<PredictionRecord>, ChunkShapeError> {
        let width = run.feature_names.len();
        self.check(width)?;
        let kept = self.has_values();
        Ok((0..self.len())
            .map(|row| PredictionRecord {
                id: None,
                created_at_ms: self.created_at_ms,
                source: Source::Batch,
                user_id: self.user_ids[row],
                product_id: self.product_ids[row],
                features: if kept {
                    run.feature_names
                        .iter()
                        .zip(&self.values[row * width..(row + 1) * width])
                        .map(|(name, value)| (name.clone(), (!value.is_nan()).then_some(*value)))
                        .collect()
                } else {
                    Default::default()
                },
                probability: self.probabilities[row],
                is_reorder: self.decisions[row],
                threshold: run.threshold,
                model_sha256: run.model_sha256.clone(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_logged_before_runs_said_how_they_ended_reads_as_unended() {
        let stored = r#"{"run_id":3,"started_at_ms":0,"file_name":"a.csv","model_sha256":"x",
            "threshold":0.5,"feature_names":["a"],"rows":7,"positives":2}"#;
        let run: BatchRun = serde_json::from_str(stored).expect("an older run");
        assert_eq!(run.ended, None);
        assert_eq!(run.state(false), RunState::CutShort);
        assert_eq!(run.state(true), RunState::Running);
    }

    #[test]
    fn how_a_run_ended_wins_over_whether_a_tab_holds_it() {
        let mut ended = run();
        for (end, state) in [
            (RunEnd::Finished, RunState::Finished),
            (RunEnd::Cancelled, RunState::Cancelled),
            (RunEnd::CutShort, RunState::CutShort),
        ] {
            ended.ended = Some(end);
            assert_eq!(ended.state(true), state);
            assert_eq!(ended.state(false), state);
        }
        let json = serde_json::to_string(&ended).expect("json");
        assert!(json.contains(r#""ended":"cut_short""#), "{json}");
    }

    fn run() -> BatchRun {
        BatchRun {
            run_id: Some(4),
            started_at_ms: 86_400_000 * 20_000,
            file_name: "rows.csv".to_owned(),
            model_sha256: "abc".to_owned(),
            threshold: 0.5,
            feature_names: vec!["a".to_owned(), "b".to_owned()],
            rows: 2,
            positives: 1,
            ended: None,
            quality: None,
        }
    }

    fn chunk() -> BatchChunk {
        BatchChunk {
            run_id: 4,
            index: 0,
            created_at_ms: 86_400_000 * 20_000 + 5,
            probabilities: vec![0.25, 0.75],
            decisions: vec![false, true],
            user_ids: vec![Some(1), None],
            product_ids: vec![None, Some(9)],
            values: vec![1.0, f64::NAN, -2.5, 0.0],
            sketch: None,
        }
    }

    #[test]
    fn rows_expand_into_records_with_missing_values_as_none() {
        let records = chunk().records(&run()).expect("a well-formed chunk");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].features["a"], Some(1.0));
        assert_eq!(records[0].features["b"], None);
        assert_eq!(records[1].features["a"], Some(-2.5));
        assert_eq!((records[1].user_id, records[1].product_id), (None, Some(9)));
        assert!(records[1].is_reorder && !records[0].is_reorder);
        assert!(records
            .iter()
            .all(|r| r.source == Source::Batch && r.threshold == 0.5));
    }

    #[test]
    fn a_chunk_without_its_values_expands_into_records_without_features() {
        let mut lean = chunk();
        lean.values.clear();
        assert!(lean.check(2).is_ok());
        assert!(!lean.has_values() && chunk().has_values());
        let records = lean.records(&run()).expect("a well-formed chunk");
        assert_eq!(records.len(), 2);
        assert!(records.iter().all(|record| record.features.is_empty()));
        assert_eq!(records[1].probability, 0.75);
        assert_eq!(lean.bucket_delta(&run()), chunk().bucket_delta(&run()));
    }

    #[test]
    fn a_chunks_counts_are_its_rows_counted_one_by_one() {
        let mut chunk = chunk();
        chunk.probabilities.extend([0.05, 0.999, f64::MIN_POSITIVE]);
        chunk.decisions.extend([false, true, false]);
        chunk.user_ids.extend([None, Some(4), Some(5)]);
        chunk.product_ids.extend([Some(1), None, Some(2)]);
        chunk.values.extend([0.0; 6]);
        let mut one_by_one = BucketDelta::default();
        for record in chunk.records(&run()).expect("a well-formed chunk") {
            one_by_one.add_record(&record);
        }
        assert_eq!(chunk.bucket_delta(&run()), one_by_one);
        let mut empty = chunk.clone();
        empty.probabilities.clear();
        empty.decisions.clear();
        empty.user_ids.clear();
        empty.product_ids.clear();
        empty.values.clear();
        assert!(empty.bucket_delta(&run()).buckets.is_empty());
    }

    #[test]
    fn every_row_counts_in_the_buckets() {
        let delta = chunk().bucket_delta(&run());
        let bucket = delta.buckets.values().next().expect("one bucket");
        assert_eq!((bucket.count, bucket.positives), (2, 1));
        assert_eq!(bucket.day, 20_000);
    }

    #[test]
    fn a_chunk_whose_columns_do_not_line_up_is_an_error() {
        let mut damaged = chunk();
        damaged.values.pop();
        let error = damaged.records(&run()).unwrap_err();
        assert!(error
            .to_string()
            .contains("values has 3 entries for 2 rows"));
        let mut damaged = chunk();
        damaged.decisions.pop();
        assert!(damaged.check(2).is_err());
    }
}
