//! What a model's scores mean: the objective line LightGBM writes into `model.txt` (`binary
//! sigmoid:1`, `multiclass num_class:4`, `regression sqrt`, `poisson`, `lambdarank`, ...) read
//! into the model's kind, its outputs and the transform from raw scores to outputs, as each
//! objective's `ConvertOutput` in LightGBM's `src/objective/` computes it.
//!
//! The parser and the bundle loader both read the objective through `Objective::parse`, so a
//! bundle cannot claim a transform its objective does not have.

use super::exp::exp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What kind of answer a model gives; every layer above the evaluator (CLI columns, pages, the
/// log, the dashboard, the embed API) asks this once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// One probability (binary, cross_entropy), to which a decision threshold applies.
    Binary,
    /// One probability per class.
    Multiclass,
    /// One predicted value (the regression family, and cross_entropy_lambda's intensity).
    Regression,
    /// One score per row, comparable within a query.
    Ranking,
}

impl ModelKind {
    /// The lowercase name used in the bundle, the CLI and the pages' `data-kind`.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Binary => "binary",
            ModelKind::Multiclass => "multiclass",
            ModelKind::Regression => "regression",
            ModelKind::Ranking => "ranking",
        }
    }
}

/// How the raw scores (the sums of leaves, one per tree of an iteration) become the outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transform {
    /// `1 / (1 + exp(-slope * raw))` (binary, and cross_entropy with slope 1).
    Sigmoid { slope: f64 },
    /// `log1p(exp(raw))` (cross_entropy_lambda).
    Log1pExp,
    /// Softmax over the classes: the largest score subtracted, exp, divided by the sum.
    Softmax,
    /// One sigmoid per class (multiclassova).
    SigmoidEach { slope: f64 },
    /// The raw score itself (regression, l1, huber, fair, quantile, mape, ranking).
    Identity,
    /// `sign(raw) * raw * raw` (any regression trained with `reg_sqrt`).
    SignedSquare,
    /// `exp(raw)` (poisson, gamma, tweedie).
    Exp,
}

/// A parsed objective line.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// The objective's name, e.g. `multiclassova`.
    pub name: String,
    pub kind: ModelKind,
    pub transform: Transform,
    /// Outputs per row: the number of classes of a multiclass model, else 1.
    pub num_outputs: usize,
}

/// Why an objective line cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ObjectiveError {
    #[error("objective `{0}` is a custom objective: LightGBM itself returns raw scores for it, whose meaning only the training code knows")]
    Custom(String),
    #[error("objective `{0}` is not one LightGBM 4.7 writes")]
    Unknown(String),
    #[error("objective `{objective}`: `{word}` is not valid ({reason})")]
    BadParameter {
        objective: String,
        word: String,
        reason: &'static str,
    },
    #[error("objective `{0}` needs `num_class:` of at least 2")]
    NoClassCount(String),
}

impl Objective {
    /// Reads an objective line as LightGBM's `ToString` writes it.
    pub fn parse(line: &str) -> Result<Objective, ObjectiveError> {
        let mut words = line.split_whitespace();
        let name = words.next().unwrap_or_default().to_string();
        let mut slope = None;
        let mut num_class = None;
        let mut sqrt = false;
        let bad = |word: &str, reason| ObjectiveError::BadParameter {
            objective: line.to_string(),
            word: word.to_string(),
            reason,
        };
        for word in words {
            if let Some(value) = word.strip_prefix("sigmoid:") {
                slope = Some(
                    value
                        .parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s > 0.0)
                        .ok_or_else(|| bad(word, "a positive finite slope"))?,
                );
            } else if let Some(value) = word.strip_prefix("num_class:") {
                num_class = Some(
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (2..=1_000_000).contains(n))
                        .ok_or_else(|| bad(word, "a class count of at least 2"))?,
                );
            } else if word == "sqrt" {
                sqrt = true;
            }
            // Other words (e.g. a ranking objective's settings) do not change the outputs.
        }
        let regression = |transform| (ModelKind::Regression, transform, 1);
        let (kind, transform, num_outputs) = match name.as_str() {
            "binary" => (
                ModelKind::Binary,
                Transform::Sigmoid {
                    slope: slope.unwrap_or(1.0),
                },
                1,
            ),
            "cross_entropy" | "xentropy" => {
                (ModelKind::Binary, Transform::Sigmoid { slope: 1.0 }, 1)
            }
            // Its output, log1p(exp(raw)), is a positive intensity, not a probability.
            "cross_entropy_lambda" | "xentlambda" => regression(Transform::Log1pExp),
            "multiclass" | "softmax" => (
                ModelKind::Multiclass,
                Transform::Softmax,
                num_class.ok_or_else(|| ObjectiveError::NoClassCount(line.to_string()))?,
            ),
            "multiclassova" | "multiclass_ova" | "ova" | "ovr" => (
                ModelKind::Multiclass,
                Transform::SigmoidEach {
                    slope: slope.unwrap_or(1.0),
                },
                num_class.ok_or_else(|| ObjectiveError::NoClassCount(line.to_string()))?,
            ),
            "regression"
            | "regression_l2"
            | "l2"
            | "mean_squared_error"
            | "mse"
            | "regression_l1"
            | "l1"
            | "mean_absolute_error"
            | "mae"
            | "huber"
            | "fair"
            | "quantile"
            | "mape"
            | "mean_absolute_percentage_error" => regression(if sqrt {
                Transform::SignedSquare
            } else {
                Transform::Identity
            }),
            "poisson" | "gamma" | "tweedie" => regression(Transform::Exp),
            "lambdarank" | "rank_xendcg" | "xendcg" | "xe_ndcg" | "xe_ndcg_mart"
            | "xendcg_mart" => (ModelKind::Ranking, Transform::Identity, 1),
            "custom" | "none" | "null" | "na" => {
                return Err(ObjectiveError::Custom(line.to_string()))
            }
            _ => return Err(ObjectiveError::Unknown(line.to_string())),
        };
        Ok(Objective {
            name,
            kind,
            transform,
            num_outputs,
        })
    }

    /// Trees per boosting iteration this objective implies.
    pub fn trees_per_iteration(&self) -> usize {
        self.num_outputs
    }

    /// Whether the outputs are probabilities a decision threshold applies to.
    pub fn has_threshold(&self) -> bool {
        matches!(self.transform, Transform::Sigmoid { .. })
    }

    /// The slope of a sigmoid transform, if the objective has one.
    pub fn sigmoid(&self) -> Option<f64> {
        match self.transform {
            Transform::Sigmoid { slope } | Transform::SigmoidEach { slope } => Some(slope),
            _ => None,
        }
    }

    /// The same objective with another sigmoid slope (a format-1 bundle keeps it apart).
    pub fn with_sigmoid(mut self, new_slope: f64) -> Objective {
        match &mut self.transform {
            Transform::Sigmoid { slope } | Transform::SigmoidEach { slope } => *slope = new_slope,
            _ => {}
        }
        self
    }

    /// The outputs' column names: `probability`, `probability_<k>` per class, `prediction`
    /// or `score`.
    pub fn output_names(&self) -> Vec<String> {
        match self.kind {
            ModelKind::Multiclass => (0..self.num_outputs)
                .map(|class| format!("probability_{class}"))
                .collect(),
            ModelKind::Binary => vec!["probability".to_string()],
            ModelKind::Regression => vec!["prediction".to_string()],
            ModelKind::Ranking => vec!["score".to_string()],
        }
    }

    /// Turns one row's raw scores (already averaged for a random forest) into its outputs, in
    /// LightGBM's arithmetic order. `raw` and `out` have `num_outputs` entries.
    #[inline]
    pub fn convert(&self, raw: &[f64], out: &mut [f64]) {
        match self.transform {
            Transform::Sigmoid { slope } => out[0] = 1.0 / (1.0 + exp(-slope * raw[0])),
            Transform::SigmoidEach { slope } => {
                for (out, &raw) in out.iter_mut().zip(raw) {
                    *out = 1.0 / (1.0 + exp(-slope * raw));
                }
            }
            Transform::Softmax => {
                let mut largest = raw[0];
                for &value in &raw[1..] {
                    // std::max(a, b) returns a unless a < b.
                    if largest < value {
                        largest = value;
                    }
                }
                let mut sum = 0.0;
                for (out, &raw) in out.iter_mut().zip(raw) {
                    *out = exp(raw - largest);
                    sum += *out;
                }
                for out in out.iter_mut() {
                    *out /= sum;
                }
            }
            Transform::Log1pExp => out[0] = reorder_evaluator::log1p::log1p(exp(raw[0])),
            Transform::Identity => out[0] = raw[0],
            Transform::SignedSquare => {
                let sign = if raw[0] > 0.0 {
                    1.0
                } else if raw[0] < 0.0 {
                    -1.0
                } else {
                    0.0
                };
                out[0] = sign * raw[0] * raw[0];
            }
            Transform::Exp => out[0] = exp(raw[0]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objective_lines_as_lightgbm_writes_them() {
        let binary = Objective::parse("binary sigmoid:0.7").expect("binary");
        assert_eq!(binary.transform, Transform::Sigmoid { slope: 0.7 });
        let multi = Objective::parse("multiclass num_class:4").expect("multiclass");
        assert_eq!((multi.kind, multi.num_outputs), (ModelKind::Multiclass, 4));
        let ova = Objective::parse("multiclassova num_class:3 sigmoid:1.3").expect("ova");
        assert_eq!(ova.transform, Transform::SigmoidEach { slope: 1.3 });
        assert_eq!(
            Objective::parse("regression sqrt").expect("sqrt").transform,
            Transform::SignedSquare
        );
        assert_eq!(
            Objective::parse("tweedie").expect("tweedie").transform,
            Transform::Exp
        );
        assert_eq!(
            Objective::parse("lambdarank").expect("rank").kind,
            ModelKind::Ranking
        );
        assert!(matches!(
            Objective::parse("custom"),
            Err(ObjectiveError::Custom(_))
        ));
        assert!(matches!(
            Objective::parse("multiclass"),
            Err(ObjectiveError::NoClassCount(_))
        ));
        assert!(matches!(
            Objective::parse("wizardry"),
            Err(ObjectiveError::Unknown(_))
        ));
    }

    #[test]
    fn softmax_worked_by_hand() {
        let objective = Objective::parse("multiclass num_class:2").expect("multiclass");
        let mut out = [0.0; 2];
        objective.convert(&[0.0, 0.0], &mut out);
        assert_eq!(out, [0.5, 0.5]);
        objective.convert(&[1.0, 1.0 + std::f64::consts::LN_2], &mut out);
        assert!((out[1] - 2.0 / 3.0).abs() < 1e-15, "{out:?}");
    }
}
