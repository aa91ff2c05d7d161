//! The versioned JSON bundle the app downloads (`assets/model.json`): the trees as flat arrays,
//! the features with their descriptions, the decision threshold and where the model came from.
//!
//! `convert` builds it from a parsed `model.txt` plus what the training pipeline knows (feature
//! descriptions, metrics, threshold); `Model::from_bundle` (in `score`) checks it back.

use super::objective::ModelKind;
use super::text::{FeatureInfo, LightGbmModel};
use super::tree::TreeArrays;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The bundle's `format` field.
pub const BUNDLE_FORMAT: &str = "instacart-reorder-bundle";
/// The bundle's `format_version` this code writes. Version 2 added the model's kind, its
/// outputs, categorical splits, linear trees and each categorical feature's categories.
pub const BUNDLE_FORMAT_VERSION: u32 = 2;
/// Every `format_version` this code reads: version 1 bundles (binary models) still load.
pub const READABLE_BUNDLE_VERSIONS: [u32; 2] = [1, 2];
/// The decision rule the bundle promises, written into it so readers need not guess.
pub const DECISION_RULE: &str = "probability >= threshold";
/// Who wrote the bundle.
pub const CREATED_BY: &str = concat!("instacart-reorder ", env!("CARGO_PKG_VERSION"));

/// What kind of quantity a feature is, to format and explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureKind {
    Count,
    Ratio,
    Flag,
    Id,
    Days,
    Hour,
    Dow,
    Number,
}

/// One model input, in the model's column order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FeatureKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// A categorical feature's categories (codes seen in training, names if known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Categories>,
}

/// What a categorical feature takes: the codes LightGBM saw in training (`feature_infos`,
/// ascending) and, for a model trained from a pandas DataFrame, the name of each code (code `i`
/// is `names[i]`, as `pandas_categorical` lists them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Categories {
    pub codes: Vec<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

impl Categories {
    /// The code of category `name`, when the feature has names.
    pub fn code_of(&self, name: &str) -> Option<i32> {
        self.names
            .iter()
            .position(|known| known == name)
            .and_then(|code| i32::try_from(code).ok())
    }

    /// How a person reads category `code`: its name when the feature has names, else the code.
    pub fn label_of(&self, code: i32) -> String {
        usize::try_from(code)
            .ok()
            .and_then(|index| self.names.get(index))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// A code LightGBM never saw in training (one past the largest seen): every categorical split
    /// sends it right, as any unseen category; what a form's "other" stands for.
    pub fn unseen_code(&self) -> i32 {
        self.codes
            .iter()
            .max()
            .map_or(0, |largest| largest.saturating_add(1))
    }

    /// Whether `code` is one of the categories seen in training.
    pub fn knows(&self, code: i32) -> bool {
        self.codes.contains(&code)
    }
}

impl FeatureSpec {
    /// A feature known only by its name.
    pub fn named(name: impl Into<String>) -> FeatureSpec {
        FeatureSpec {
            name: name.into(),
            description: None,
            group: None,
            kind: None,
            unit: None,
            min: None,
            median: None,
            max: None,
            categories: None,
        }
    }
}

/// What the training pipeline knows about a model (`meta.json`); every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BundleMeta {
    #[serde(default)]
    pub model_version: Option<String>,
    #[serde(default)]
    pub lightgbm_version: Option<String>,
    #[serde(default)]
    pub metrics: Option<serde_json::Value>,
    #[serde(default)]
    pub features: Option<Vec<FeatureSpec>>,
}

/// Where the model came from and how its score becomes a probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleMetadata {
    /// sha256 (lowercase hex) of the source `model.txt` bytes.
    pub source_model_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lightgbm_version: Option<String>,
    /// The objective line as LightGBM wrote it (`binary sigmoid:1`, `multiclass num_class:4`,
    /// `regression sqrt`, ...); format 1 wrote only `binary`.
    pub objective: String,
    /// The sigmoid's slope of a binary or one-vs-all model (1 for other objectives):
    /// probability = 1 / (1 + exp(-sigmoid * raw)).
    pub sigmoid: f64,
    /// What the model answers (format 1: always binary).
    #[serde(default = "binary_kind")]
    pub kind: ModelKind,
    /// The outputs' names, one per value a row gets (format 1: none written, `probability`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<String>,
    /// Random forest: the outputs use the mean of each output's trees (raw / iterations).
    pub average_output: bool,
    pub num_trees: usize,
    pub created_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<serde_json::Value>,
}

fn binary_kind() -> ModelKind {
    ModelKind::Binary
}

/// The `assets/model.json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    pub format_version: u32,
    /// Rows with probability >= threshold are predicted to be reordered.
    pub threshold: f64,
    pub decision_rule: String,
    pub metadata: BundleMetadata,
    pub features: Vec<FeatureSpec>,
    pub trees: Vec<TreeArrays>,
}

/// Inputs to `convert` besides the model itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConvertOptions {
    pub threshold: f64,
    /// If given, must equal the model's own feature names, in order.
    pub feature_names: Option<Vec<String>>,
    pub meta: Option<BundleMeta>,
}

/// Why a model could not become a bundle.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConvertError {
    #[error("threshold {0} is not a probability between 0 and 1")]
    BadThreshold(f64),
    #[error("`pandas_categorical` lists {lists} columns of names but the model has {features} categorical features")]
    CategoryNamesMismatch { lists: usize, features: usize },
    #[error("the feature names given ({given} names) differ from the model's ({model} names): first difference at position {position}: given `{given_name}`, model has `{model_name}`")]
    FeatureNamesDiffer {
        given: usize,
        model: usize,
        position: usize,
        given_name: String,
        model_name: String,
    },
    #[error("meta features: `{0}` is not a feature of the model")]
    UnknownMetaFeature(String),
    #[error("meta features: `{0}` is listed more than once")]
    DuplicateMetaFeature(String),
    #[error("meta features: the model's feature `{0}` is not described")]
    MissingMetaFeature(String),
    #[error("meta features: `{name}`: {source}")]
    BadMetaFeature {
        name: String,
        #[source]
        source: FeatureSpecError,
    },
}

/// Why a feature description's numbers cannot be right.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeatureSpecError {
    #[error("{field} {value} is not finite")]
    NotFinite { field: &'static str, value: f64 },
    #[error("min <= median <= max does not hold")]
    OutOfOrder,
}

/// Builds the bundle for `model`, whose source `model.txt` hashed to `model_txt_sha256`.
pub fn convert(
    model: &LightGbmModel,
    model_txt_sha256: String,
    options: ConvertOptions,
) -> Result<Bundle, ConvertError> {
    let ConvertOptions {
        threshold,
        feature_names,
        meta,
    } = options;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(ConvertError::BadThreshold(threshold));
    }
    if let Some(given) = feature_names {
        if given != model.feature_names {
            let position = given
                .iter()
                .zip(&model.feature_names)
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| given.len().min(model.feature_names.len()));
            return Err(ConvertError::FeatureNamesDiffer {
                given: given.len(),
                model: model.feature_names.len(),
                position,
                given_name: given.get(position).cloned().unwrap_or_default(),
                model_name: model
                    .feature_names
                    .get(position)
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }
    let meta = meta.unwrap_or_default();
    let mut features = match meta.features {
        None => model.feature_names.iter().map(FeatureSpec::named).collect(),
        Some(described) => match_features(&model.feature_names, described)?,
    };
    add_categories(model, &mut features)?;
    Ok(Bundle {
        format: BUNDLE_FORMAT.to_string(),
        format_version: BUNDLE_FORMAT_VERSION,
        threshold,
        decision_rule: DECISION_RULE.to_string(),
        metadata: BundleMetadata {
            source_model_sha256: model_txt_sha256,
            lightgbm_version: meta.lightgbm_version,
            objective: model.objective_line.clone(),
            sigmoid: model.sigmoid(),
            kind: model.objective.kind,
            outputs: model.objective.output_names(),
            average_output: model.average_output,
            num_trees: model.trees.len(),
            created_by: CREATED_BY.to_string(),
            model_version: meta.model_version,
            metrics: meta.metrics,
        },
        features,
        trees: model.trees.clone(),
    })
}

/// Marks every categorical feature (in `feature_infos`, or split on as a category) with the
/// codes seen in training and, from `pandas_categorical`, their names: the i-th list belongs to
/// the i-th categorical feature, as the Python package assigns them.
fn add_categories(model: &LightGbmModel, features: &mut [FeatureSpec]) -> Result<(), ConvertError> {
    let mut categorical = vec![false; features.len()];
    for tree in &model.trees {
        for (node, &decision_type) in tree.decision_type.iter().enumerate() {
            if decision_type & super::tree::CATEGORICAL_MASK != 0 {
                categorical[tree.split_feature[node] as usize] = true;
            }
        }
    }
    let mut codes: Vec<Vec<i32>> = vec![Vec::new(); features.len()];
    for (index, info) in model.feature_infos.iter().enumerate() {
        if let FeatureInfo::Categorical { categories } = info {
            categorical[index] = true;
            // The first entry is LightGBM's dummy bin for NaN (-1), not a category.
            codes[index] = categories
                .iter()
                .copied()
                .filter(|&code| code >= 0)
                .collect();
            codes[index].sort_unstable();
            codes[index].dedup();
        }
    }
    let categorical_features: Vec<usize> =
        (0..features.len()).filter(|&i| categorical[i]).collect();
    let names = model.pandas_categorical.clone().unwrap_or_default();
    if !names.is_empty() && names.len() != categorical_features.len() {
        return Err(ConvertError::CategoryNamesMismatch {
            lists: names.len(),
            features: categorical_features.len(),
        });
    }
    let mut names = names.into_iter();
    for index in categorical_features {
        features[index].categories = Some(Categories {
            codes: std::mem::take(&mut codes[index]),
            names: names.next().unwrap_or_default(),
        });
    }
    Ok(())
}

/// Orders the described features like the model's and checks that each model feature is
/// described exactly once.
fn match_features(
    model_names: &[String],
    described: Vec<FeatureSpec>,
) -> Result<Vec<FeatureSpec>, ConvertError> {
    let mut slots: Vec<Option<FeatureSpec>> = vec![None; model_names.len()];
    for spec in described {
        check_feature_spec(&spec).map_err(|source| ConvertError::BadMetaFeature {
            name: spec.name.clone(),
            source,
        })?;
        let Some(position) = model_names.iter().position(|name| *name == spec.name) else {
            return Err(ConvertError::UnknownMetaFeature(spec.name));
        };
        if slots[position].is_some() {
            return Err(ConvertError::DuplicateMetaFeature(spec.name));
        }
        slots[position] = Some(spec);
    }
    slots
        .into_iter()
        .zip(model_names)
        .map(|(slot, name)| slot.ok_or_else(|| ConvertError::MissingMetaFeature(name.clone())))
        .collect()
}

/// The numeric fields of a feature description must be finite and ordered min <= median <= max.
pub(crate) fn check_feature_spec(spec: &FeatureSpec) -> Result<(), FeatureSpecError> {
    for (field, value) in [
        ("min", spec.min),
        ("median", spec.median),
        ("max", spec.max),
    ] {
        if let Some(value) = value {
            if !value.is_finite() {
                return Err(FeatureSpecError::NotFinite { field, value });
            }
        }
    }
    let present: Vec<f64> = [spec.min, spec.median, spec.max]
        .into_iter()
        .flatten()
        .collect();
    if present.windows(2).any(|pair| pair[0] > pair[1]) {
        return Err(FeatureSpecError::OutOfOrder);
    }
    Ok(())
}
