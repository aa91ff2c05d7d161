//! Which features matter most to a model, and so which inputs the Predict form shows first.
//!
//! The bundle carries the trees without LightGBM's `split_gain`, so the gain of the bundled
//! model is committed beside its `model.txt` (`models/feature_gain.json`, written by
//! `models/train/feature_gain.py` in `train.sh`, keyed by the `model.txt` sha256;
//! `gain_from_model_text` recomputes it and a native test keeps the two equal). A model without a committed gain (a user's own model) is ranked by cover instead:
//! the training rows that passed through the splits on each feature, read from the bundle's
//! trees. `form_order` turns either into the form's layout: the fewest features that carry
//! three quarters of the total, at most `MAX_FIRST`, first (most important first); every other
//! feature after them, in the model's column order.

use serde::Deserialize;
use thiserror::Error;

use crate::model::Model;

/// The committed gain of the bundled model (`models/feature_gain.json`).
pub const COMMITTED_GAIN_JSON: &str = include_str!("../../models/feature_gain.json");

/// The share of the total importance the features shown first must carry together.
pub const FIRST_SHARE: f64 = 0.75;
/// The most features shown first, whatever their share.
pub const MAX_FIRST: usize = 10;

/// Why an importance could not be read or used.
#[derive(Debug, Error, PartialEq)]
pub enum ImportanceError {
    #[error("the gain file is not valid JSON of the expected shape: {0}")]
    InvalidFile(String),
    #[error("the gain file has importance type {0:?}; expected \"gain\"")]
    NotGain(String),
    #[error("model.txt has no feature_names line")]
    NoFeatureNames,
    #[error("model.txt line {line}: {message}")]
    BadTreeLine { line: usize, message: String },
    #[error("feature {name:?} has importance {value}; it must be a finite number >= 0")]
    BadValue { name: String, value: f64 },
    #[error("the gain file has no value for feature {0:?}")]
    MissingFeature(String),
}

/// Where an importance came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportanceKind {
    /// LightGBM's total split gain per feature.
    Gain,
    /// Training rows through the splits on each feature (when no gain is known).
    Cover,
}

/// One value per model feature, in the model's column order.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureImportance {
    pub kind: ImportanceKind,
    pub values: Vec<f64>,
}

#[derive(Deserialize)]
struct GainFile {
    source_model_sha256: String,
    importance_type: String,
    features: Vec<GainEntry>,
}

#[derive(Deserialize)]
struct GainEntry {
    name: String,
    gain: f64,
}

/// A parsed gain file: the `model.txt` it belongs to and each feature's gain by name.
#[derive(Clone, Debug, PartialEq)]
pub struct CommittedGain {
    pub source_model_sha256: String,
    pub gain: Vec<(String, f64)>,
}

impl CommittedGain {
    /// Reads a gain file (`models/feature_gain.json` layout).
    pub fn from_json(text: &str) -> Result<CommittedGain, ImportanceError> {
        let file: GainFile = serde_json::from_str(text)
            .map_err(|error| ImportanceError::InvalidFile(error.to_string()))?;
        if file.importance_type != "gain" {
            return Err(ImportanceError::NotGain(file.importance_type));
        }
        let gain = file
            .features
            .into_iter()
            .map(|entry| checked(entry.name, entry.gain))
            .collect::<Result<_, _>>()?;
        Ok(CommittedGain {
            source_model_sha256: file.source_model_sha256,
            gain,
        })
    }

    /// The gain of each of `names`, in that order; every name must be in the file.
    pub fn for_features(&self, names: &[&str]) -> Result<Vec<f64>, ImportanceError> {
        names
            .iter()
            .map(|name| {
                self.gain
                    .iter()
                    .find(|(known, _)| known == name)
                    .map(|(_, gain)| *gain)
                    .ok_or_else(|| ImportanceError::MissingFeature((*name).to_owned()))
            })
            .collect()
    }
}

fn checked(name: String, value: f64) -> Result<(String, f64), ImportanceError> {
    if value.is_finite() && value >= 0.0 {
        Ok((name, value))
    } else {
        Err(ImportanceError::BadValue { name, value })
    }
}

/// Total split gain per feature from a LightGBM `model.txt`: every tree's `split_feature` and
/// `split_gain` lines, summed per feature, in the file's feature order.
pub fn gain_from_model_text(text: &str) -> Result<Vec<(String, f64)>, ImportanceError> {
    let names: Vec<&str> = text
        .lines()
        .find_map(|line| line.strip_prefix("feature_names="))
        .ok_or(ImportanceError::NoFeatureNames)?
        .split_whitespace()
        .collect();
    let mut gain = vec![0.0_f64; names.len()];
    let mut pending_features: Option<(usize, Vec<usize>)> = None;
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let bad = |message: String| ImportanceError::BadTreeLine {
            line: line_number,
            message,
        };
        if let Some(list) = line.strip_prefix("split_feature=") {
            let features = list
                .split_whitespace()
                .map(|cell| match cell.parse::<usize>() {
                    Ok(feature) if feature < names.len() => Ok(feature),
                    _ => Err(bad(format!("{cell:?} is not a feature index"))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            pending_features = Some((line_number, features));
        } else if let Some(list) = line.strip_prefix("split_gain=") {
            let Some((_, features)) = pending_features.take() else {
                return Err(bad("split_gain without split_feature before it".to_owned()));
            };
            let gains = list
                .split_whitespace()
                .map(|cell| {
                    cell.parse::<f64>()
                        .map_err(|_| bad(format!("{cell:?} is not a number")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if gains.len() != features.len() {
                return Err(bad(format!(
                    "{} gains for {} splits",
                    gains.len(),
                    features.len()
                )));
            }
            for (feature, value) in features.into_iter().zip(gains) {
                gain[feature] += value;
            }
        } else if line.starts_with("Tree=") {
            if let Some((line, _)) = pending_features.take() {
                return Err(ImportanceError::BadTreeLine {
                    line,
                    message: "split_feature without split_gain".to_owned(),
                });
            }
        }
    }
    names
        .into_iter()
        .zip(gain)
        .map(|(name, value)| checked(name.to_owned(), value))
        .collect()
}

/// Cover per feature from the model's trees: the sum, over the splits on a feature, of the
/// training rows that reached the split (`internal_count`).
pub fn cover_from_trees(model: &Model) -> Vec<f64> {
    let mut cover = vec![0.0_f64; model.num_features()];
    for tree in &model.bundle().trees {
        for (feature, count) in tree.split_feature.iter().zip(&tree.internal_count) {
            if let Some(slot) = cover.get_mut(*feature as usize) {
                *slot += *count as f64;
            }
        }
    }
    cover
}

/// The model's importance: the committed gain when it belongs to this very model (same
/// `model.txt` sha256 and it names every feature), otherwise cover from the trees.
pub fn importance_for(model: &Model, committed: Option<&CommittedGain>) -> FeatureImportance {
    let gain = committed
        .filter(|file| file.source_model_sha256 == model.source_sha256())
        .and_then(|file| file.for_features(&model.feature_names()).ok());
    match gain {
        Some(values) => FeatureImportance {
            kind: ImportanceKind::Gain,
            values,
        },
        None => FeatureImportance {
            kind: ImportanceKind::Cover,
            values: cover_from_trees(model),
        },
    }
}

/// The form's layout: indices of the features shown first (most important first) and of the
/// rest (in column order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormOrder {
    pub first: Vec<usize>,
    pub rest: Vec<usize>,
}

/// Orders features by importance (ties: column order) and keeps first the fewest that carry
/// `FIRST_SHARE` of the total, at most `MAX_FIRST`. Features of no importance are never first;
/// when nothing has any importance, nothing is first. A value that is not a finite number >= 0
/// is an error naming its column.
pub fn form_order(importance: &[f64]) -> Result<FormOrder, ImportanceError> {
    for (index, value) in importance.iter().enumerate() {
        if !(value.is_finite() && *value >= 0.0) {
            return Err(ImportanceError::BadValue {
                name: format!("column {index}"),
                value: *value,
            });
        }
    }
    let total: f64 = importance.iter().sum();
    let mut ranked: Vec<usize> = (0..importance.len()).collect();
    ranked.sort_by(|a, b| importance[*b].total_cmp(&importance[*a]).then(a.cmp(b)));
    let mut first = Vec::new();
    let mut carried = 0.0;
    for index in ranked {
        if first.len() == MAX_FIRST || importance[index] == 0.0 || carried >= FIRST_SHARE * total {
            break;
        }
        carried += importance[index];
        first.push(index);
    }
    let rest = (0..importance.len())
        .filter(|index| !first.contains(index))
        .collect();
    Ok(FormOrder { first, rest })
}
