//! The input sketches of the log: per (UTC day, source, model) the per-feature histograms of
//! every logged row, on the model's bins (`monitoring::sketch`), kept beside the dashboard's
//! buckets and written in the same transaction. They are what the dashboard's drift panel
//! compares with the model's reference without reading a single logged row.
//!
//! A row logged before the log kept sketches (schema v3 and older) is in its bucket but in no
//! sketch: the panel says how many of the filter's predictions it compares, rather than
//! inventing their histograms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::buckets::Bucket;
use super::calendar::MS_PER_DAY;
use super::{Filter, PredictionRecord, Source};
use crate::monitoring::sketch::{InputSketch, SketchBins, SketchError};

/// The sketch of one (day, source, model)'s logged rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SketchBucket {
    pub day: i64,
    pub source: Source,
    pub model_sha256: String,
    pub sketch: InputSketch,
}

impl SketchBucket {
    /// The store key: the bucket's key and the bins' fingerprint (a sketch on other bins, made
    /// by another version of the binning, is kept apart, never merged into this one).
    pub fn key_of(day: i64, source: Source, model_sha256: &str, bins: &str) -> String {
        format!("{}|{bins}", Bucket::key_of(day, source, model_sha256))
    }

    pub fn key(&self) -> String {
        SketchBucket::key_of(self.day, self.source, &self.model_sha256, &self.sketch.bins)
    }

    /// Whether `filter` selects this sketch's rows (whole days, as `Bucket::selected_by`).
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

    /// Adds another sketch of the same key.
    pub fn merge(&mut self, other: &SketchBucket) -> Result<(), SketchError> {
        self.sketch.merge(&other.sketch)
    }
}

/// The sketches one write adds to, keyed by `SketchBucket::key`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SketchDelta {
    pub sketches: BTreeMap<String, SketchBucket>,
}

impl SketchDelta {
    /// Adds `sketch` (rows of one time, source and model) to its day's sketch.
    pub fn add_sketch(
        &mut self,
        source: Source,
        model_sha256: &str,
        created_at_ms: i64,
        sketch: InputSketch,
    ) -> Result<(), SketchError> {
        let day = created_at_ms.div_euclid(MS_PER_DAY);
        let key = SketchBucket::key_of(day, source, model_sha256, &sketch.bins);
        match self.sketches.get_mut(&key) {
            Some(bucket) => bucket.sketch.merge(&sketch),
            None => {
                self.sketches.insert(
                    key,
                    SketchBucket {
                        day,
                        source,
                        model_sha256: model_sha256.to_owned(),
                        sketch,
                    },
                );
                Ok(())
            }
        }
    }

    /// Counts `record` on `bins` (those of the model that scored it): its values by the bins'
    /// feature names, a name it lacks counted as missing.
    pub fn add_record(
        &mut self,
        record: &PredictionRecord,
        bins: &SketchBins,
    ) -> Result<(), SketchError> {
        let values: Vec<f64> = bins
            .feature_names
            .iter()
            .map(|name| {
                record
                    .features
                    .get(name)
                    .copied()
                    .flatten()
                    .unwrap_or(f64::NAN)
            })
            .collect();
        let day = record.created_at_ms.div_euclid(MS_PER_DAY);
        let key =
            SketchBucket::key_of(day, record.source, &record.model_sha256, bins.fingerprint());
        self.sketches
            .entry(key)
            .or_insert_with(|| SketchBucket {
                day,
                source: record.source,
                model_sha256: record.model_sha256.clone(),
                sketch: bins.empty_sketch(),
            })
            .sketch
            .add_row(bins, &values, Some(record.probability))
    }

    /// Adds every sketch of `other` (one of the same key merges; sketches of one key are on one
    /// model's bins, so a merge cannot fail but for a damaged one, which is then left out).
    pub fn absorb(&mut self, other: SketchDelta) {
        for (key, bucket) in other.sketches {
            match self.sketches.entry(key) {
                std::collections::btree_map::Entry::Vacant(entry) => {
                    entry.insert(bucket);
                }
                std::collections::btree_map::Entry::Occupied(mut entry) => {
                    let _ = entry.get_mut().merge(&bucket);
                }
            }
        }
    }

    /// The sketches of `records` scored by the model of `bins` (records of other models are
    /// left out).
    pub fn of_records(
        records: &[PredictionRecord],
        model_sha256: &str,
        bins: &SketchBins,
    ) -> SketchDelta {
        let mut delta = SketchDelta::default();
        for record in records
            .iter()
            .filter(|record| record.model_sha256 == model_sha256)
        {
            // A record's width always matches its bins here (the values are read by name).
            let _ = delta.add_record(record, bins);
        }
        delta
    }
}

/// The filter's rows on `bins`, merged into one sketch, and how many of the filter's rows are in
/// a sketch on other bins (left out).
pub fn merged_sketch(
    stored: &[SketchBucket],
    filter: &Filter,
    bins: &SketchBins,
) -> (InputSketch, u64) {
    let fingerprint = bins.fingerprint();
    let mut merged = bins.empty_sketch();
    let mut other_bins = 0;
    for bucket in stored.iter().filter(|bucket| bucket.selected_by(filter)) {
        if bucket.sketch.bins != fingerprint || merged.merge(&bucket.sketch).is_err() {
            other_bins += bucket.sketch.rows;
        }
    }
    (merged, other_bins)
}
