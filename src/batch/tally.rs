//! The running totals of a batch run, kept as one pure accumulator so the page's loop only reads,
//! scores, writes and logs: rows scored, rows predicted to be reordered, bad rows (all counted, the
//! first few kept to list), the preview's first rows, the (probability, label) pairs behind the
//! metrics, and how many records reached the log.

use super::kind_metrics::KindMetrics;
use super::metrics::{Confusion, LabelledScores, ScoreBins, EXACT_LABELLED_ROWS};
use super::rows::{RowError, ScoredRow};
use crate::model::Model;

/// One scored row as the preview shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PreviewRow {
    /// 1-based line of the file where the row starts.
    pub line: u64,
    pub probability: f64,
    pub is_reorder: bool,
    pub label: Option<bool>,
}

/// A tally's counts and kept rows, without its labelled rows: what crosses from a helper worker
/// as JSON (the labelled rows travel as numbers and bytes).
#[derive(Clone, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct TallyCounts {
    pub rows_scored: usize,
    pub predicted_reorder: usize,
    pub bad_rows: usize,
    pub listed_errors: Vec<RowError>,
    pub preview: Vec<PreviewRow>,
    /// The labelled rows' confusion matrix at the model's threshold.
    #[serde(default)]
    pub at_model: Confusion,
    /// A model without a threshold: the labelled rows' metrics of its kind.
    #[serde(default)]
    pub kind_metrics: Option<Box<KindMetrics>>,
}

/// What a run has counted so far.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchTally {
    pub rows_scored: usize,
    pub predicted_reorder: usize,
    /// Every bad row, listed or not.
    pub bad_rows: usize,
    /// The first `max_listed_errors` bad rows.
    pub listed_errors: Vec<RowError>,
    /// The first `preview_rows` scored rows.
    pub preview: Vec<PreviewRow>,
    /// Records written to the log.
    pub logged: usize,
    /// (probability, label) of every scored row that has a label, while there are at most
    /// `exact_limit`; past that they are counted in `bins` instead, and this is empty.
    labelled: Vec<(f64, bool)>,
    bins: Option<Box<ScoreBins>>,
    /// The labelled rows' confusion matrix at the model's threshold, counted row by row.
    pub at_model: Confusion,
    /// A model without a threshold: the labelled rows' metrics of its kind.
    pub kind_metrics: Option<Box<KindMetrics>>,
    exact_limit: usize,
    max_listed_errors: usize,
    preview_rows: usize,
}

impl BatchTally {
    /// An empty tally that keeps at most `max_listed_errors` bad rows and `preview_rows` rows.
    pub fn new(max_listed_errors: usize, preview_rows: usize) -> BatchTally {
        BatchTally {
            rows_scored: 0,
            predicted_reorder: 0,
            bad_rows: 0,
            listed_errors: Vec::new(),
            preview: Vec::new(),
            logged: 0,
            labelled: Vec::new(),
            bins: None,
            at_model: Confusion::default(),
            kind_metrics: None,
            exact_limit: EXACT_LABELLED_ROWS,
            max_listed_errors,
            preview_rows,
        }
    }

    /// Keeps at most `limit` labelled rows one by one (`EXACT_LABELLED_ROWS` unless said).
    pub fn with_exact_limit(mut self, limit: usize) -> BatchTally {
        self.exact_limit = limit;
        self
    }

    /// Takes one labelled row: kept while there are few enough, else counted in the bins.
    fn add_labelled(&mut self, probability: f64, label: bool) {
        if let Some(bins) = &mut self.bins {
            bins.add(probability, label);
            return;
        }
        self.labelled.push((probability, label));
        if self.labelled.len() > self.exact_limit {
            let mut bins = Box::<ScoreBins>::default();
            for &(probability, label) in &self.labelled {
                bins.add(probability, label);
            }
            self.labelled = Vec::new();
            self.bins = Some(bins);
        }
    }

    /// The labelled rows counted in bins, if there were too many to keep one by one.
    pub fn take_bins(&mut self) -> Option<ScoreBins> {
        self.bins.take().map(|bins| *bins)
    }

    /// Counts one chunk: its scored `rows` with their `probabilities` (same order), decided by
    /// `model`'s rule, and its bad rows.
    pub fn add_chunk(
        &mut self,
        rows: &[ScoredRow],
        probabilities: &[f64],
        errors: Vec<RowError>,
        model: &Model,
    ) {
        for (row, &probability) in rows.iter().zip(probabilities) {
            let is_reorder = model.is_reorder(probability);
            self.predicted_reorder += usize::from(is_reorder);
            if let Some(label) = row.label {
                self.add_labelled(probability, label);
                self.at_model.add(is_reorder, label);
            }
            if self.preview.len() < self.preview_rows {
                self.preview.push(PreviewRow {
                    line: row.line,
                    probability,
                    is_reorder,
                    label: row.label,
                });
            }
        }
        self.rows_scored += rows.len();
        self.add_errors(errors);
    }

    /// Counts `count` scored rows that have no probability to preview or measure (a model
    /// without a threshold), and a chunk's bad rows.
    pub fn add_unlogged_rows(&mut self, count: usize, errors: Vec<RowError>) {
        self.rows_scored += count;
        self.add_errors(errors);
    }

    fn add_errors(&mut self, errors: Vec<RowError>) {
        self.bad_rows += errors.len();
        let room = self
            .max_listed_errors
            .saturating_sub(self.listed_errors.len());
        self.listed_errors.extend(errors.into_iter().take(room));
    }

    /// Counts a later part of the same file (a range scored on its own), keeping the first bad
    /// rows and preview rows of the two in file order.
    pub fn absorb(&mut self, later: BatchTally) {
        self.rows_scored += later.rows_scored;
        self.predicted_reorder += later.predicted_reorder;
        self.bad_rows += later.bad_rows;
        self.logged += later.logged;
        let room = self
            .max_listed_errors
            .saturating_sub(self.listed_errors.len());
        self.listed_errors
            .extend(later.listed_errors.into_iter().take(room));
        let room = self.preview_rows.saturating_sub(self.preview.len());
        self.preview.extend(later.preview.into_iter().take(room));
        self.at_model.merge(&later.at_model);
        match (&mut self.kind_metrics, later.kind_metrics) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
        if let Some(bins) = later.bins {
            let mine = self.bins.get_or_insert_with(Box::default);
            mine.merge(&bins);
            for (probability, label) in std::mem::take(&mut self.labelled) {
                mine.add(probability, label);
            }
        }
        for (probability, label) in later.labelled {
            self.add_labelled(probability, label);
        }
    }

    /// The counts and the labelled rows, apart (see `TallyCounts`): a range's tally, which holds
    /// far fewer labelled rows than `EXACT_LABELLED_ROWS`, never bins.
    pub fn into_parts(self) -> (TallyCounts, Vec<(f64, bool)>) {
        (
            TallyCounts {
                rows_scored: self.rows_scored,
                predicted_reorder: self.predicted_reorder,
                bad_rows: self.bad_rows,
                listed_errors: self.listed_errors,
                preview: self.preview,
                at_model: self.at_model,
                kind_metrics: self.kind_metrics,
            },
            self.labelled,
        )
    }

    /// A tally put back together from `into_parts`, keeping what it holds.
    pub fn from_parts(counts: TallyCounts, labelled: Vec<(f64, bool)>) -> BatchTally {
        BatchTally {
            max_listed_errors: counts.listed_errors.len(),
            preview_rows: counts.preview.len(),
            rows_scored: counts.rows_scored,
            predicted_reorder: counts.predicted_reorder,
            bad_rows: counts.bad_rows,
            listed_errors: counts.listed_errors,
            preview: counts.preview,
            logged: 0,
            labelled,
            bins: None,
            at_model: counts.at_model,
            kind_metrics: counts.kind_metrics,
            exact_limit: EXACT_LABELLED_ROWS,
        }
    }

    /// Counts `count` records written to the log.
    pub fn add_logged(&mut self, count: usize) {
        self.logged += count;
    }

    /// Whether nothing was read: no scored row and no bad row.
    pub fn is_empty(&self) -> bool {
        self.rows_scored == 0 && self.bad_rows == 0
    }

    /// The (probability, label) pairs of the labelled rows, in file order (taken out of the tally).
    pub fn take_labelled(&mut self) -> Vec<(f64, bool)> {
        std::mem::take(&mut self.labelled)
    }

    /// The labelled rows, sorted for the metrics (taken out of the tally).
    pub fn take_labelled_scores(&mut self) -> LabelledScores {
        LabelledScores::new(std::mem::take(&mut self.labelled))
    }
}
