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

/// Summarises the records `filter` selects.
pub fn summarize(records: &[PredictionRecord], filter: &Filter) -> Summary {
    let mut total = 0u64;
    let mut positives = 0u64;
    let mut probability_sum = 0.0f64;
    let mut histogram = [0u64; HISTOGRAM_BINS];
    let mut out_of_range = 0u64;
    let mut per_day: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    let mut per_source: BTreeMap<Source, u64> = BTreeMap::new();
    let mut newest: Option<&PredictionRecord> = None;
    let mut models: Vec<&str> = Vec::new();

    for record in records {
        if !models.contains(&record.model_sha256.as_str()) {
            models.push(&record.model_sha256);
        }
        if !filter.matches(record) {
            continue;
        }
        total += 1;
        positives += u64::from(record.is_reorder);
        probability_sum += record.probability;
        match histogram_bin(record.probability) {
            Some(bin) => histogram[bin] += 1,
            None => out_of_range += 1,
        }
        let day = per_day
            .entry(record.created_at_ms.div_euclid(MS_PER_DAY))
            .or_default();
        day.0 += 1;
        day.1 += u64::from(record.is_reorder);
        *per_source.entry(record.source).or_default() += 1;
        if newest.is_none_or(|current| is_newer(record, current)) {
            newest = Some(record);
        }
    }

    let mut models: Vec<String> = models.into_iter().map(str::to_owned).collect();
    models.sort();
    Summary {
        total,
        positives,
        positive_rate: (total > 0).then(|| positives as f64 / total as f64),
        mean_probability: (total > 0).then(|| probability_sum / total as f64),
        histogram,
        out_of_range,
        per_day: per_day
            .into_iter()
            .map(|(day, (total, positives))| DayCount {
                day,
                date: format_utc_date(day * MS_PER_DAY),
                total,
                positives,
            })
            .collect(),
        per_source,
        latest_threshold: newest.map(|record| record.threshold),
        models,
    }
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
