//! A labelled run's quality in a few numbers, kept with the run in the log so the dashboard can
//! follow the model's quality from run to run and day to day, beside the model card's held-out
//! figures: the ROC AUC, F1 at the run's threshold, the log loss and the calibration curve.
//!
//! The definitions are those of the model card (models/train/train.py) and of scikit-learn:
//! the log loss floors a probability at `LOG_LOSS_EPSILON` (and caps it at one minus it), F1
//! predicts positive at `probability >= threshold`, and the calibration curve is
//! `sklearn.calibration.calibration_curve(strategy="uniform", n_bins=10)`: a row is in bin `i`
//! when `edge(i) < p <= edge(i + 1)` (bin 0 also holds 0), with numpy's `linspace` edges, and
//! empty bins are left out.
//!
//! A run of more labelled rows than `EXACT_LABELLED_ROWS` keeps only `ScoreBins`: its AUC counts a
//! bin's rows as ties, its log loss and its curve's mean predictions take each row at its bin's
//! middle, and a row on a calibration edge may fall in the next bin; `exact` says which.

use serde::{Deserialize, Serialize};

use super::kind_metrics::LOG_LOSS_EPSILON;
use super::metrics::LabelledMetrics;

/// Bins of the calibration curve (scikit-learn's default).
pub const CALIBRATION_BINS: usize = 10;

/// One point of the calibration curve: the rows of one probability bin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationPoint {
    /// The mean predicted probability of the bin's rows.
    pub mean_predicted: f64,
    /// The share of them that are really positive.
    pub observed: f64,
    pub rows: u64,
}

/// What a labelled run says of the model's quality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunQuality {
    pub labelled: u64,
    pub positives: u64,
    /// The threshold `f1` is at.
    pub threshold: f64,
    /// None without both classes.
    pub auc: Option<f64>,
    /// None when nothing is predicted positive and nothing is positive.
    pub f1: Option<f64>,
    pub log_loss: f64,
    pub calibration: Vec<CalibrationPoint>,
    /// Counted row by row (else from `ScoreBins`: see the module doc).
    pub exact: bool,
}

/// numpy's `linspace(0, 1, CALIBRATION_BINS + 1)`: `i * (1 / n)`, the last one exactly 1.
fn calibration_edge(i: usize) -> f64 {
    if i >= CALIBRATION_BINS {
        1.0
    } else {
        i as f64 * (1.0 / CALIBRATION_BINS as f64)
    }
}

/// scikit-learn's bin of `probability`: how many inner edges lie below it.
fn calibration_bin(probability: f64) -> usize {
    (1..CALIBRATION_BINS)
        .filter(|&i| calibration_edge(i) < probability)
        .count()
}

fn row_log_loss(probability: f64, label: bool) -> f64 {
    let p = probability.clamp(LOG_LOSS_EPSILON, 1.0 - LOG_LOSS_EPSILON);
    if label {
        -p.ln()
    } else {
        -(1.0 - p).ln()
    }
}

/// Sums per calibration bin: rows, positives, predicted probabilities.
#[derive(Default, Clone, Copy)]
struct BinSums {
    rows: u64,
    positives: u64,
    predicted: f64,
}

impl RunQuality {
    /// The quality of the labelled rows `metrics`, F1 at `threshold`; none without labelled rows.
    pub fn of(metrics: &LabelledMetrics, threshold: f64) -> Option<RunQuality> {
        if metrics.is_empty() {
            return None;
        }
        let mut bins = [BinSums::default(); CALIBRATION_BINS];
        let mut log_loss_sum = 0.0;
        let mut add = |probability: f64, positives: u64, negatives: u64| {
            let bin = &mut bins[calibration_bin(probability)];
            bin.rows += positives + negatives;
            bin.positives += positives;
            bin.predicted += probability * (positives + negatives) as f64;
            log_loss_sum += positives as f64 * row_log_loss(probability, true)
                + negatives as f64 * row_log_loss(probability, false);
        };
        match metrics {
            LabelledMetrics::Exact(scores) => {
                for (probability, label) in scores.pairs() {
                    add(probability, u64::from(label), u64::from(!label));
                }
            }
            LabelledMetrics::Binned { bins, .. } => {
                for (lower, upper, positives, negatives) in bins.counted_bins() {
                    add((lower + upper) / 2.0, positives, negatives);
                }
            }
        }
        let labelled = metrics.len() as u64;
        Some(RunQuality {
            labelled,
            positives: metrics.positives() as u64,
            threshold,
            auc: metrics.auc(),
            f1: metrics.confusion_at(threshold).f1(),
            log_loss: log_loss_sum / labelled as f64,
            calibration: bins
                .iter()
                .filter(|bin| bin.rows > 0)
                .map(|bin| CalibrationPoint {
                    mean_predicted: bin.predicted / bin.rows as f64,
                    observed: bin.positives as f64 / bin.rows as f64,
                    rows: bin.rows,
                })
                .collect(),
            exact: matches!(metrics, LabelledMetrics::Exact(_)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_bins_follow_numpy_edges_and_scikit_learns_side() {
        // linspace's third edge is 0.30000000000000004, so 0.3 itself is in bin 2.
        assert_eq!(calibration_edge(3), 0.30000000000000004);
        assert_eq!(calibration_bin(0.3), 2);
        assert_eq!(calibration_bin(0.30000000000000004), 2);
        assert_eq!(calibration_bin(0.1), 0);
        assert_eq!(calibration_bin(0.0), 0);
        assert_eq!(calibration_bin(1.0), 9);
        assert_eq!(calibration_bin(0.95), 9);
    }
}
