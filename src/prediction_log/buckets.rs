//! The dashboard's numbers kept up to date as predictions are written, so opening the dashboard
//! over a million logged predictions reads a few hundred small records instead of every
//! prediction. Each write adds its predictions to the bucket of its (UTC day, source, model), in
//! the same transaction; totals, the positive rate, the mean, the histogram, the per-day chart,
//! the per-source counts and the model list are all answered from buckets.
//!
//! Buckets are open records: a field added later (per-feature value histograms for input drift
//! against the training distribution are the likely next one) reads as empty in older buckets,
//! so it needs no migration of the stored log, only a rebuild of the buckets that want it.
//!
//! Date filters select whole UTC days (the dashboard's date inputs are days).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::calendar::MS_PER_DAY;
use super::summary::{histogram_bin, Summary, SummaryTotals, HISTOGRAM_BINS};
use super::{Filter, PredictionRecord, Source};

/// Every prediction of one UTC day, one source and one model, summed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    pub source: Source,
    pub model_sha256: String,
    pub count: u64,
    pub positives: u64,
    pub probability_sum: f64,
    /// Counts per probability bin, as `Summary::histogram`.
    pub histogram: [u64; HISTOGRAM_BINS],
    /// Probabilities that are NaN or outside [0, 1] (counted, not binned).
    pub out_of_range: u64,
    /// The newest prediction's time and threshold (what the histogram marks).
    pub latest_ms: i64,
    pub latest_threshold: f64,
}

impl Bucket {
    /// An empty bucket for this key.
    pub fn new(day: i64, source: Source, model_sha256: &str) -> Bucket {
        Bucket {
            day,
            source,
            model_sha256: model_sha256.to_owned(),
            count: 0,
            positives: 0,
            probability_sum: 0.0,
            histogram: [0; HISTOGRAM_BINS],
            out_of_range: 0,
            latest_ms: i64::MIN,
            latest_threshold: f64::NAN,
        }
    }

    /// The store key of a bucket: sorts by day, then source, then model.
    pub fn key_of(day: i64, source: Source, model_sha256: &str) -> String {
        // Days are non-negative for any real clock; the width keeps them sorted as text.
        format!("{day:08}|{}|{model_sha256}", source.as_str())
    }

    pub fn key(&self) -> String {
        Bucket::key_of(self.day, self.source, &self.model_sha256)
    }

    /// Counts one prediction.
    pub fn add(&mut self, probability: f64, is_reorder: bool, created_at_ms: i64, threshold: f64) {
        self.count += 1;
        self.positives += u64::from(is_reorder);
        self.probability_sum += probability;
        match histogram_bin(probability) {
            Some(bin) => self.histogram[bin] += 1,
            None => self.out_of_range += 1,
        }
        if created_at_ms >= self.latest_ms {
            self.latest_ms = created_at_ms;
            self.latest_threshold = threshold;
        }
    }

    /// Adds another bucket of the same key (e.g. a write's new counts to the stored bucket).
    pub fn merge(&mut self, other: &Bucket) {
        self.count += other.count;
        self.positives += other.positives;
        self.probability_sum += other.probability_sum;
        for (mine, theirs) in self.histogram.iter_mut().zip(&other.histogram) {
            *mine += theirs;
        }
        self.out_of_range += other.out_of_range;
        if other.count > 0 && other.latest_ms >= self.latest_ms {
            self.latest_ms = other.latest_ms;
            self.latest_threshold = other.latest_threshold;
        }
    }

    /// Whether this bucket's predictions are the ones `filter` selects (whole days).
    pub fn selected_by(&self, filter: &Filter) -> bool {
        let start = self.day * MS_PER_DAY;
        (filter.sources.is_empty() || filter.sources.contains(&self.source))
            && filter
                .from_ms
                .is_none_or(|from| start >= from.div_euclid(MS_PER_DAY) * MS_PER_DAY)
            && filter.to_ms.is_none_or(|to| start < to)
            && filter
                .model_sha256
                .as_deref()
                .is_none_or(|sha| self.model_sha256 == sha)
    }
}

/// The buckets a set of new predictions adds to, keyed by `Bucket::key` (one write's worth).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BucketDelta {
    pub buckets: BTreeMap<String, Bucket>,
}

impl BucketDelta {
    /// Counts one prediction into its bucket.
    pub fn add(
        &mut self,
        source: Source,
        model_sha256: &str,
        created_at_ms: i64,
        probability: f64,
        is_reorder: bool,
        threshold: f64,
    ) {
        let day = created_at_ms.div_euclid(MS_PER_DAY);
        self.buckets
            .entry(Bucket::key_of(day, source, model_sha256))
            .or_insert_with(|| Bucket::new(day, source, model_sha256))
            .add(probability, is_reorder, created_at_ms, threshold);
    }

    /// Counts predictions made at the same time by the same source and model (a batch chunk's
    /// rows): their bucket is found once, not once per prediction.
    pub fn add_all(
        &mut self,
        source: Source,
        model_sha256: &str,
        created_at_ms: i64,
        predictions: impl IntoIterator<Item = (f64, bool)>,
        threshold: f64,
    ) {
        let mut predictions = predictions.into_iter().peekable();
        if predictions.peek().is_none() {
            return;
        }
        let day = created_at_ms.div_euclid(MS_PER_DAY);
        let bucket = self
            .buckets
            .entry(Bucket::key_of(day, source, model_sha256))
            .or_insert_with(|| Bucket::new(day, source, model_sha256));
        for (probability, is_reorder) in predictions {
            bucket.add(probability, is_reorder, created_at_ms, threshold);
        }
    }

    /// Counts one logged record.
    pub fn add_record(&mut self, record: &PredictionRecord) {
        self.add(
            record.source,
            &record.model_sha256,
            record.created_at_ms,
            record.probability,
            record.is_reorder,
            record.threshold,
        );
    }
}

/// The buckets of a list of records (an upgrade from an older log, a test's reference).
pub fn buckets_of(records: &[PredictionRecord]) -> Vec<Bucket> {
    let mut delta = BucketDelta::default();
    records.iter().for_each(|record| delta.add_record(record));
    delta.buckets.into_values().collect()
}

/// What the dashboard shows, from the buckets alone (the same numbers as `summarize` over the
/// records, with whole-day date filters; the mean may differ from a record-by-record sum in its
/// last bits, since it is summed per bucket).
pub fn summarize_buckets(buckets: &[Bucket], filter: &Filter) -> Summary {
    let mut totals = SummaryTotals::default();
    let mut latest: Option<(i64, f64)> = None;
    for bucket in buckets.iter().filter(|bucket| bucket.count > 0) {
        totals.see_model(&bucket.model_sha256);
        if !bucket.selected_by(filter) {
            continue;
        }
        totals.add(
            bucket.day,
            bucket.source,
            bucket.count,
            bucket.positives,
            bucket.probability_sum,
            &bucket.histogram,
            bucket.out_of_range,
        );
        if latest.is_none_or(|(ms, _)| bucket.latest_ms >= ms) {
            latest = Some((bucket.latest_ms, bucket.latest_threshold));
        }
    }
    if let Some((_, threshold)) = latest {
        totals.set_latest_threshold(threshold);
    }
    totals.finish()
}
