//! Input sketches: what a set of scored rows leaves behind for drift checks, without the rows.
//! A sketch holds, per model feature, the counts on bins fixed by the model (`SketchBins`), and
//! the prediction's counts on fixed probability bins. The training reference, each day's log
//! bucket and a batch run's chunk are all sketches on the same bins, so they add up and compare
//! directly.
//!
//! The bins come from the model alone, so every place that scores rows can sketch them with
//! nothing else loaded: a numerical feature's edges are the model's own split thresholds on it
//! (LightGBM's bin boundaries from the training data's quantiles), completed by equal-width edges
//! over the training range when the model splits on it rarely; a categorical feature counts each
//! code; a feature with neither thresholds nor a known range is counted (present and missing)
//! but not binned.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::distribution::{CategoryCounts, Distribution, Histogram, TailSummary};
use super::DriftError;
use crate::model::Model;

/// The most edges a numerical feature keeps (thresholds beyond it are thinned evenly).
pub const MAX_EDGES: usize = 257;
/// Equal-width edges over the training range added to a feature with fewer thresholds.
pub const RANGE_EDGES: usize = 33;
/// Features with fewer thresholds than this also get the range's equal-width edges.
pub const FEW_THRESHOLDS: usize = 32;
/// Equal-width bins of the predicted probability.
pub const PREDICTION_BINS: usize = 200;

/// How one feature is binned.
#[derive(Clone, Debug, PartialEq)]
pub enum FeatureBins {
    Numerical {
        edges: Vec<f64>,
    },
    /// Counted per category code.
    Categorical,
    /// Neither a split threshold nor a training range is known: counted, not binned.
    Unbinned,
}

/// The bins of every feature of one model, and of its prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct SketchBins {
    pub feature_names: Vec<String>,
    pub features: Vec<FeatureBins>,
    pub prediction_edges: Vec<f64>,
    /// A digest of the fields above, computed once.
    fingerprint: String,
}

impl SketchBins {
    /// The bins of `model`'s features (see the module doc).
    pub fn for_model(model: &Model) -> SketchBins {
        let specs = model.features();
        let mut thresholds: Vec<Vec<f64>> = vec![Vec::new(); specs.len()];
        for tree in &model.bundle().trees {
            for (node, &feature) in tree.split_feature.iter().enumerate() {
                let categorical = tree.decision_type[node] & crate::model::CATEGORICAL_MASK != 0;
                let threshold = tree.threshold[node];
                if let Some(list) = thresholds.get_mut(feature as usize) {
                    if !categorical && threshold.is_finite() {
                        list.push(threshold);
                    }
                }
            }
        }
        let features = specs
            .iter()
            .zip(thresholds)
            .map(|(spec, mut edges)| {
                if spec.categories.is_some() {
                    return FeatureBins::Categorical;
                }
                edges.sort_by(f64::total_cmp);
                edges.dedup();
                let range = match (spec.min, spec.max) {
                    (Some(low), Some(high)) if low.is_finite() && high.is_finite() => {
                        Some((low, high))
                    }
                    _ => None,
                };
                if let Some((low, high)) = range {
                    if edges.len() < FEW_THRESHOLDS {
                        let (low, high) = if low < high {
                            (low, high)
                        } else {
                            (low - 0.5, low + 0.5)
                        };
                        let step = (high - low) / (RANGE_EDGES - 1) as f64;
                        edges.extend((0..RANGE_EDGES).map(|i| low + i as f64 * step));
                        edges.sort_by(f64::total_cmp);
                        edges.dedup();
                    }
                }
                if edges.len() > MAX_EDGES {
                    let last = edges.len() - 1;
                    edges = (0..MAX_EDGES)
                        .map(|i| edges[i * last / (MAX_EDGES - 1)])
                        .collect();
                    edges.dedup();
                }
                match edges.len() {
                    0 => FeatureBins::Unbinned,
                    1 => FeatureBins::Numerical {
                        edges: vec![edges[0], next_up(edges[0])],
                    },
                    _ => FeatureBins::Numerical { edges },
                }
            })
            .collect();
        let prediction_edges = (0..=PREDICTION_BINS)
            .map(|i| i as f64 / PREDICTION_BINS as f64)
            .collect();
        let mut bins = SketchBins {
            feature_names: specs.iter().map(|spec| spec.name.clone()).collect(),
            features,
            prediction_edges,
            fingerprint: String::new(),
        };
        bins.fingerprint = bins.digest();
        bins
    }

    /// sha256 of every name and edge (lengths first, numbers as their bits), first 8 bytes in hex.
    fn digest(&self) -> String {
        fn number(hasher: &mut Sha256, value: u64) {
            hasher.update(value.to_le_bytes());
        }
        let mut hasher = Sha256::new();
        number(&mut hasher, self.feature_names.len() as u64);
        for (name, bins) in self.feature_names.iter().zip(&self.features) {
            number(&mut hasher, name.len() as u64);
            hasher.update(name.as_bytes());
            match bins {
                FeatureBins::Numerical { edges } => {
                    number(&mut hasher, 0);
                    number(&mut hasher, edges.len() as u64);
                    for edge in edges {
                        number(&mut hasher, edge.to_bits());
                    }
                }
                FeatureBins::Categorical => number(&mut hasher, 1),
                FeatureBins::Unbinned => number(&mut hasher, 2),
            }
        }
        number(&mut hasher, self.prediction_edges.len() as u64);
        for edge in &self.prediction_edges {
            number(&mut hasher, edge.to_bits());
        }
        hasher
            .finalize()
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// A short digest of the bins: sketches on the same bins have the same one.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// An empty sketch on these bins.
    pub fn empty_sketch(&self) -> InputSketch {
        InputSketch {
            bins: self.fingerprint.clone(),
            rows: 0,
            features: self
                .features
                .iter()
                .map(|bins| match bins {
                    FeatureBins::Numerical { edges } => {
                        FeatureSketch::Numerical(BinCounts::new(edges.len() - 1))
                    }
                    FeatureBins::Categorical => FeatureSketch::Categorical {
                        counts: BTreeMap::new(),
                        missing: 0,
                    },
                    FeatureBins::Unbinned => FeatureSketch::Unbinned {
                        present: 0,
                        missing: 0,
                    },
                })
                .collect(),
            prediction: BinCounts::new(self.prediction_edges.len() - 1),
        }
    }
}

/// The smallest float above `value` (a single threshold still makes a bin).
fn next_up(value: f64) -> f64 {
    if value == 0.0 {
        f64::from_bits(1)
    } else if value > 0.0 {
        f64::from_bits(value.to_bits() + 1)
    } else {
        f64::from_bits(value.to_bits() - 1)
    }
}

/// A numerical column's counts on its edges, as `Histogram` holds them, without the edges.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BinCounts {
    pub counts: Vec<u64>,
    pub below: TailSummary,
    pub above: TailSummary,
    pub missing: u64,
    pub sum: f64,
    pub sum_of_squares: f64,
}

impl BinCounts {
    pub fn new(bins: usize) -> BinCounts {
        BinCounts {
            counts: vec![0; bins],
            ..BinCounts::default()
        }
    }

    /// Counts `value` on `edges` (the rule of `Histogram::add`).
    pub fn add(&mut self, edges: &[f64], value: f64) {
        if !value.is_finite() {
            self.missing += 1;
            return;
        }
        self.sum += value;
        self.sum_of_squares += value * value;
        let last = edges[edges.len() - 1];
        if value < edges[0] {
            self.below.count += 1;
            self.below.sum += value;
        } else if value > last {
            self.above.count += 1;
            self.above.sum += value;
        } else if value == last {
            if let Some(bin) = self.counts.last_mut() {
                *bin += 1;
            }
        } else {
            let bin = edges.partition_point(|&edge| edge <= value) - 1;
            self.counts[bin] += 1;
        }
    }

    fn merge(&mut self, other: &BinCounts) -> Result<(), SketchError> {
        if self.counts.len() != other.counts.len() {
            return Err(SketchError::Shape);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.below.count += other.below.count;
        self.below.sum += other.below.sum;
        self.above.count += other.above.count;
        self.above.sum += other.above.sum;
        self.missing += other.missing;
        self.sum += other.sum;
        self.sum_of_squares += other.sum_of_squares;
        Ok(())
    }

    pub fn present(&self) -> u64 {
        self.below.count + self.above.count + self.counts.iter().sum::<u64>()
    }

    /// The histogram these counts make on `edges`.
    pub fn histogram(&self, edges: &[f64]) -> Result<Histogram, DriftError> {
        Histogram::from_parts(
            edges.to_vec(),
            self.counts.clone(),
            self.below,
            self.above,
            self.missing,
            self.sum,
            self.sum_of_squares,
        )
    }
}

/// One feature's part of a sketch (externally tagged in the log's JSON: `{"numerical": {...}}`,
/// which serde reads without buffering). Workers send sketches as numbers (`sketch_numbers`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureSketch {
    Numerical(BinCounts),
    Categorical {
        counts: BTreeMap<String, u64>,
        missing: u64,
    },
    Unbinned {
        present: u64,
        missing: u64,
    },
}

impl FeatureSketch {
    pub fn missing(&self) -> u64 {
        match self {
            FeatureSketch::Numerical(counts) => counts.missing,
            FeatureSketch::Categorical { missing, .. }
            | FeatureSketch::Unbinned { missing, .. } => *missing,
        }
    }

    pub fn present(&self) -> u64 {
        match self {
            FeatureSketch::Numerical(counts) => counts.present(),
            FeatureSketch::Categorical { counts, .. } => counts.values().sum(),
            FeatureSketch::Unbinned { present, .. } => *present,
        }
    }
}

/// Sketches that cannot be added or compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SketchError {
    #[error("the sketches are on different bins ({0} and {1}): they come from different models")]
    DifferentBins(String, String),
    #[error("the sketch does not have the shape of its bins")]
    Shape,
    #[error("a row has {got} values but the model has {expected} features")]
    RowWidth { expected: usize, got: usize },
}

/// Per-feature and prediction counts of a set of rows, on one model's `SketchBins`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputSketch {
    /// `SketchBins::fingerprint` of the bins the counts are on.
    pub bins: String,
    pub rows: u64,
    pub features: Vec<FeatureSketch>,
    /// The predicted probabilities, on `SketchBins::prediction_edges`.
    pub prediction: BinCounts,
}

/// How a categorical cell is keyed: its integer code (LightGBM truncates to `int`), or the
/// number as written when it is not whole.
pub fn category_key(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

impl InputSketch {
    /// Counts one scored row: its values in the model's feature order (NaN is missing) and its
    /// prediction (`None` for a row whose prediction is not sketched).
    pub fn add_row(
        &mut self,
        bins: &SketchBins,
        values: &[f64],
        prediction: Option<f64>,
    ) -> Result<(), SketchError> {
        if values.len() != bins.features.len() || self.features.len() != bins.features.len() {
            return Err(SketchError::RowWidth {
                expected: bins.features.len(),
                got: values.len(),
            });
        }
        self.rows += 1;
        for ((sketch, feature_bins), &value) in
            self.features.iter_mut().zip(&bins.features).zip(values)
        {
            match (sketch, feature_bins) {
                (FeatureSketch::Numerical(counts), FeatureBins::Numerical { edges }) => {
                    counts.add(edges, value)
                }
                (FeatureSketch::Categorical { counts, missing }, FeatureBins::Categorical) => {
                    if value.is_finite() {
                        *counts.entry(category_key(value)).or_default() += 1;
                    } else {
                        *missing += 1;
                    }
                }
                (FeatureSketch::Unbinned { present, missing }, FeatureBins::Unbinned) => {
                    if value.is_finite() {
                        *present += 1;
                    } else {
                        *missing += 1;
                    }
                }
                _ => return Err(SketchError::Shape),
            }
        }
        if let Some(prediction) = prediction {
            self.prediction.add(&bins.prediction_edges, prediction);
        }
        Ok(())
    }

    /// Counts rows given row-major (`values.len()` = rows x features) with their predictions.
    pub fn add_rows(
        &mut self,
        bins: &SketchBins,
        values: &[f64],
        predictions: &[f64],
    ) -> Result<(), SketchError> {
        let width = bins.features.len();
        if width == 0 || values.len() != predictions.len() * width {
            return Err(SketchError::RowWidth {
                expected: width,
                got: if predictions.is_empty() {
                    values.len()
                } else {
                    values.len() / predictions.len()
                },
            });
        }
        for (row, &prediction) in values.chunks_exact(width).zip(predictions) {
            self.add_row(bins, row, Some(prediction))?;
        }
        Ok(())
    }

    /// Adds another sketch on the same bins.
    pub fn merge(&mut self, other: &InputSketch) -> Result<(), SketchError> {
        if self.bins != other.bins {
            return Err(SketchError::DifferentBins(
                self.bins.clone(),
                other.bins.clone(),
            ));
        }
        if self.features.len() != other.features.len() {
            return Err(SketchError::Shape);
        }
        for (mine, theirs) in self.features.iter_mut().zip(&other.features) {
            match (mine, theirs) {
                (FeatureSketch::Numerical(mine), FeatureSketch::Numerical(theirs)) => {
                    mine.merge(theirs)?
                }
                (
                    FeatureSketch::Categorical { counts, missing },
                    FeatureSketch::Categorical {
                        counts: their_counts,
                        missing: their_missing,
                    },
                ) => {
                    for (category, count) in their_counts {
                        *counts.entry(category.clone()).or_default() += count;
                    }
                    *missing += their_missing;
                }
                (
                    FeatureSketch::Unbinned { present, missing },
                    FeatureSketch::Unbinned {
                        present: their_present,
                        missing: their_missing,
                    },
                ) => {
                    *present += their_present;
                    *missing += their_missing;
                }
                _ => return Err(SketchError::Shape),
            }
        }
        self.rows += other.rows;
        self.prediction.merge(&other.prediction)?;
        Ok(())
    }

    /// Feature `index` as a drift statistic's input; `None` for an unbinned feature.
    pub fn distribution(
        &self,
        bins: &SketchBins,
        index: usize,
    ) -> Result<Option<Distribution>, DriftError> {
        match (self.features.get(index), bins.features.get(index)) {
            (Some(FeatureSketch::Numerical(counts)), Some(FeatureBins::Numerical { edges })) => {
                Ok(Some(Distribution::Numerical(counts.histogram(edges)?)))
            }
            (Some(FeatureSketch::Categorical { counts, missing }), _) => {
                let mut categories = CategoryCounts::new();
                for (category, &count) in counts {
                    categories.add_count(Some(category), count);
                }
                categories.add_count(None, *missing);
                Ok(Some(Distribution::Categorical(categories)))
            }
            _ => Ok(None),
        }
    }

    /// The predictions as a histogram.
    pub fn prediction_histogram(&self, bins: &SketchBins) -> Result<Histogram, DriftError> {
        self.prediction.histogram(&bins.prediction_edges)
    }
}
