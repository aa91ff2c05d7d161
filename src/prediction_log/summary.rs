//! The dashboard's numbers: totals, rates, the probability histogram and per-day counts, in one
//! pass over the log so they stay cheap at 100k records.

use std::collections::BTreeMap;

use super::calendar::{format_utc_date, MS_PER_DAY};
use super::{Filter, PredictionRecord, Source};

/// Number of equal-width probability bins over [0, 1].
pub const HISTOGRAM_BINS: usize = 20;

/// Predictions made on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// Days since 1970-01-01.
    pub day: i64,
    /// The same day as `YYYY-MM-DD`.
    pub date: String,
    pub total: u64,
    pub positives: u64,
}

/// Everything the dashboard shows about the records a filter selects.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub total: u64,
    /// Records predicted as reorders.
    pub positives: u64,
    /// `positives / total`; `None` for an empty selection.
    pub positive_rate: Option<f64>,
    /// Mean of the probabilities; `None` for an empty selection.
    pub mean_probability: Option<f64>,
    /// Counts per bin `[i/20, (i+1)/20)`, the last bin closed so 1.0 lands in it.
    pub histogram: [u64; HISTOGRAM_BINS],
    /// Records whose probability is NaN or outside [0, 1] (counted, not binned).
    pub out_of_range: u64,
    /// Per-day counts, oldest day first; only days with at least one record.
    pub per_day: Vec<DayCount>,
    /// Counts per source, over the selection.
    pub per_source: BTreeMap<Source, u64>,
    /// Threshold of the newest selected record (what the histogram marks).
    pub latest_threshold: Option<f64>,
    /// Every model sha256 in the whole log (not only the selection), for the model filter.
    pub models: Vec<String>,
}

/// The histogram bin of `probability`, or `None` when it is NaN or outside [0, 1].
pub(crate) fn histogram_bin(probability: f64) -> Option<usize> {
    if !(0.0..=1.0).contains(&probability) {
        return None;
    }
    // Truncation is the floor here since the product is non-negative.
    let bin = (probability * HISTOGRAM_BINS as f64) as usize;
    Some(bin.min(HISTOGRAM_BINS - 1))
}

/// The running totals of a summary, fed record by record (`summarize`) or bucket by bucket
/// (`summarize_buckets`), so both give their numbers the same way.
#[derive(Default)]
pub(crate) struct SummaryTotals {
    total: u64,
    positives: u64,
    probability_sum: f64,
    histogram: [u64; HISTOGRAM_BINS],
    out_of_range: u64,
    per_day: BTreeMap<i64, (u64, u64)>,
    per_source: BTreeMap<Source, u64>,
    latest_threshold: Option<f64>,
    models: Vec<String>,
}

impl SummaryTotals {
    /// Notes a model seen anywhere in the log (the model filter lists them all).
    pub(crate) fn see_model(&mut self, model_sha256: &str) {
        if !self.models.iter().any(|model| model == model_sha256) {
            self.models.push(model_sha256.to_owned());
        }
    }

    /// Adds `count` selected predictions of one day and source.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add(
        &mut self,
        day: i64,
        source: Source,
        count: u64,
        positives: u64,
        probability_sum: f64,
        histogram: &[u64; HISTOGRAM_BINS],
        out_of_range: u64,
    ) {
        self.total += count;
        self.positives += positives;
        self.probability_sum += probability_sum;
        for (sum, add) in self.histogram.iter_mut().zip(histogram) {
            *sum += add;
        }
        self.out_of_range += out_of_range;
        let entry = self.per_day.entry(day).or_default();
        entry.0 += count;
        entry.1 += positives;
        *self.per_source.entry(source).or_default() += count;
    }

    /// The threshold of the newest selected prediction.
    pub(crate) fn set_latest_threshold(&mut self, threshold: f64) {
        self.latest_threshold = Some(threshold);
    }

    pub(crate) fn finish(mut self) -> Summary {
        self.models.sort();
        let total = self.total;
        Summary {
            total,
            positives: self.positives,
            positive_rate: (total > 0).then(|| self.positives as f64 / total as f64),
            mean_probability: (total > 0).then(|| self.probability_sum / total as f64),
            histogram: self.histogram,
            out_of_range: self.out_of_range,
            per_day: self
                .per_day
                .into_iter()
                .map(|(day, (total, positives))| DayCount {
                    day,
                    date: format_utc_date(day * MS_PER_DAY),
                    total,
                    positives,
                })
                .collect(),
            per_source: self.per_source,
            latest_threshold: self.latest_threshold,
            models: self.models,
        }
    }
}

/// Summarises the records `filter` selects.
pub fn summarize(records: &[PredictionRecord], filter: &Filter) -> Summary {
    let mut totals = SummaryTotals::default();
    let mut newest: Option<&PredictionRecord> = None;
    let mut single = [0u64; HISTOGRAM_BINS];
    for record in records {
        totals.see_model(&record.model_sha256);
        if !filter.matches(record) {
            continue;
        }
        single.fill(0);
        let out_of_range = match histogram_bin(record.probability) {
            Some(bin) => {
                single[bin] = 1;
                0
            }
            None => 1,
        };
        totals.add(
            record.created_at_ms.div_euclid(MS_PER_DAY),
            record.source,
            1,
            u64::from(record.is_reorder),
            record.probability,
            &single,
            out_of_range,
        );
        if newest.is_none_or(|current| is_newer(record, current)) {
            newest = Some(record);
        }
    }
    if let Some(record) = newest {
        totals.set_latest_threshold(record.threshold);
    }
    totals.finish()
}

/// Newer means a later `created_at_ms`, then a larger id (stored later).
fn is_newer(a: &PredictionRecord, b: &PredictionRecord) -> bool {
    (a.created_at_ms, a.id) > (b.created_at_ms, b.id)
}

/// Indices into `records` of the records `filter` selects, newest first (by time, then id), so
/// the dashboard can page through them without copying records.
pub fn newest_first(records: &[PredictionRecord], filter: &Filter) -> Vec<usize> {
    let mut selected: Vec<usize> = (0..records.len())
        .filter(|&index| filter.matches(&records[index]))
        .collect();
    selected.sort_unstable_by(|&a, &b| {
        let (a, b) = (&records[a], &records[b]);
        (b.created_at_ms, b.id).cmp(&(a.created_at_ms, a.id))
    });
    selected
}
