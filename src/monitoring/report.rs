//! The drift report between a reference sketch and a current one: each feature's test (chosen
//! as Evidently chooses it), score, threshold and verdict, its PSI and missing shares beside it,
//! the prediction's drift and the dataset's verdict. Thresholds are the person's to change
//! (`DriftThresholds`); the defaults are Evidently 0.7.23's.

use serde::{Deserialize, Serialize};

use super::distribution::Distribution;
use super::drift::{column_drift, dataset_drift, DatasetDrift, DriftMethod, DriftVerdict};
use super::sketch::{InputSketch, SketchBins, SketchError};
use super::statistics::{population_stability_index, psi_binned};
use super::{CategoryCounts, DriftError};

/// The thresholds a report judges with.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftThresholds {
    /// Normed Wasserstein and Jensen-Shannon distances: drift at or above it.
    pub distance: f64,
    /// Kolmogorov-Smirnov, chi-squared and Z-test p-values: drift below it (K-S: at or below).
    pub p_value: f64,
    /// The share of drifted features at which the dataset drifts.
    pub drift_share: f64,
}

impl Default for DriftThresholds {
    fn default() -> Self {
        DriftThresholds {
            distance: DriftMethod::Wasserstein.default_threshold(),
            p_value: DriftMethod::KolmogorovSmirnov.default_threshold(),
            drift_share: super::drift::DEFAULT_DRIFT_SHARE,
        }
    }
}

/// Thresholds that cannot judge anything.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdError {
    #[error("the distance threshold must be above 0, not {0}")]
    Distance(f64),
    #[error("the p-value threshold must be between 0 and 1, not {0}")]
    PValue(f64),
    #[error("the share of drifted features must be above 0 and at most 1, not {0}")]
    Share(f64),
}

impl DriftThresholds {
    /// The thresholds, checked.
    pub fn checked(self) -> Result<Self, ThresholdError> {
        if !(self.distance > 0.0 && self.distance.is_finite()) {
            return Err(ThresholdError::Distance(self.distance));
        }
        if !(self.p_value > 0.0 && self.p_value < 1.0) {
            return Err(ThresholdError::PValue(self.p_value));
        }
        if !(self.drift_share > 0.0 && self.drift_share <= 1.0) {
            return Err(ThresholdError::Share(self.drift_share));
        }
        Ok(self)
    }

    pub fn for_method(&self, method: DriftMethod) -> f64 {
        if method.is_p_value() {
            self.p_value
        } else {
            self.distance
        }
    }

    fn judge(&self, verdict: DriftVerdict) -> DriftVerdict {
        DriftVerdict::with_threshold(
            verdict.method,
            verdict.score,
            self.for_method(verdict.method),
        )
    }
}

/// One feature's line of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureDrift {
    pub feature: String,
    /// The test's result; `None` with `unavailable` saying why.
    pub verdict: Option<DriftVerdict>,
    pub unavailable: Option<String>,
    /// PSI on the same bins (categories), beside the test.
    pub psi: Option<f64>,
    pub reference_missing_share: f64,
    pub current_missing_share: f64,
}

impl FeatureDrift {
    /// How far past (above 1) or short of (below 1) its threshold the score is, in the test's
    /// direction: what the report sorts by.
    pub fn severity(&self) -> f64 {
        match self.verdict {
            None => f64::NEG_INFINITY,
            Some(verdict) if verdict.method.is_p_value() => {
                verdict.threshold / verdict.score.max(f64::MIN_POSITIVE)
            }
            Some(verdict) => verdict.score / verdict.threshold,
        }
    }
}

/// The whole comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct DriftReport {
    pub reference_rows: u64,
    pub current_rows: u64,
    pub thresholds: DriftThresholds,
    /// Most drifted first.
    pub features: Vec<FeatureDrift>,
    pub prediction: Option<DriftVerdict>,
    /// `None` when no feature could be tested.
    pub dataset: Option<DatasetDrift>,
}

/// Compares `current` with `reference`, both on `bins`.
pub fn drift_report(
    bins: &SketchBins,
    reference: &InputSketch,
    current: &InputSketch,
    thresholds: DriftThresholds,
) -> Result<DriftReport, SketchError> {
    let fingerprint = bins.fingerprint();
    for sketch in [reference, current] {
        if sketch.bins != fingerprint {
            return Err(SketchError::DifferentBins(
                fingerprint.to_owned(),
                sketch.bins.clone(),
            ));
        }
        if sketch.features.len() != bins.features.len() {
            return Err(SketchError::Shape);
        }
    }
    let share = |missing: u64, present: u64| {
        let all = missing + present;
        if all == 0 {
            0.0
        } else {
            missing as f64 / all as f64
        }
    };
    let mut features: Vec<FeatureDrift> = bins
        .feature_names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let reference_part = &reference.features[index];
            let current_part = &current.features[index];
            let mut line = FeatureDrift {
                feature: name.clone(),
                verdict: None,
                unavailable: None,
                psi: None,
                reference_missing_share: share(reference_part.missing(), reference_part.present()),
                current_missing_share: share(current_part.missing(), current_part.present()),
            };
            let pair = (
                reference.distribution(bins, index),
                current.distribution(bins, index),
            );
            match pair {
                (Ok(Some(reference_distribution)), Ok(Some(current_distribution))) => {
                    match column_drift(&reference_distribution, &current_distribution, None) {
                        Ok(verdict) => {
                            line.verdict = Some(thresholds.judge(verdict));
                            line.psi = psi_of(&reference_distribution, &current_distribution);
                        }
                        Err(error) => line.unavailable = Some(unavailable_reason(&error)),
                    }
                }
                (Ok(None), _) | (_, Ok(None)) => {
                    line.unavailable = Some(
                        "no bins: the model never splits on it and its training range is unknown"
                            .to_owned(),
                    )
                }
                (Err(error), _) | (_, Err(error)) => {
                    line.unavailable = Some(unavailable_reason(&error))
                }
            }
            line
        })
        .collect();
    features.sort_by(|a, b| {
        b.severity()
            .total_cmp(&a.severity())
            .then_with(|| a.feature.cmp(&b.feature))
    });
    let verdicts: Vec<DriftVerdict> = features.iter().filter_map(|line| line.verdict).collect();
    let dataset = dataset_drift(&verdicts, thresholds.drift_share).ok();
    let prediction = match (
        reference.prediction_histogram(bins),
        current.prediction_histogram(bins),
    ) {
        (Ok(reference_histogram), Ok(current_histogram)) => column_drift(
            &Distribution::Numerical(reference_histogram),
            &Distribution::Numerical(current_histogram),
            None,
        )
        .ok()
        .map(|verdict| thresholds.judge(verdict)),
        _ => None,
    };
    Ok(DriftReport {
        reference_rows: reference.rows,
        current_rows: current.rows,
        thresholds,
        features,
        prediction,
        dataset,
    })
}

fn psi_of(reference: &Distribution, current: &Distribution) -> Option<f64> {
    match (reference, current) {
        (Distribution::Numerical(reference), Distribution::Numerical(current)) => {
            psi_binned(reference, current).ok()
        }
        (Distribution::Categorical(reference), Distribution::Categorical(current)) => {
            let (reference_counts, current_counts) = CategoryCounts::aligned(reference, current);
            population_stability_index(&reference_counts, &current_counts).ok()
        }
        _ => None,
    }
}

fn unavailable_reason(error: &DriftError) -> String {
    match error {
        DriftError::EmptyReference => "the reference has no values of it".to_owned(),
        DriftError::EmptyCurrent => "no value of it in the rows compared".to_owned(),
        other => other.to_string(),
    }
}

impl DriftReport {
    /// The report as JSON, for its export: every line with its method (Evidently's name),
    /// score, threshold and verdict, the summary and the thresholds used.
    pub fn to_json_value(&self, reference: &str, current: &str) -> serde_json::Value {
        let verdict_json = |verdict: &DriftVerdict| {
            serde_json::json!({
                "method": verdict.method.evidently_name(),
                "method_name": verdict.method.display_name(),
                "score": verdict.score,
                "threshold": verdict.threshold,
                "drifted": verdict.drifted,
            })
        };
        serde_json::json!({
            "format": "instacart-reorder-drift-report",
            "reference": { "description": reference, "rows": self.reference_rows },
            "current": { "description": current, "rows": self.current_rows },
            "thresholds": self.thresholds,
            "dataset": self.dataset.map(|dataset| serde_json::json!({
                "features": dataset.columns,
                "drifted_features": dataset.drifted_columns,
                "share_of_drifted_features": dataset.share_of_drifted_columns,
                "drifted": dataset.drifted,
            })),
            "prediction": self.prediction.as_ref().map(verdict_json),
            "features": self.features.iter().map(|line| serde_json::json!({
                "feature": line.feature,
                "test": line.verdict.as_ref().map(verdict_json),
                "unavailable": line.unavailable,
                "psi": line.psi,
                "reference_missing_share": line.reference_missing_share,
                "current_missing_share": line.current_missing_share,
            })).collect::<Vec<_>>(),
        })
    }
}
