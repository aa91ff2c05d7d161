//! A LightGBM model the user brings: the files they drop (`model.txt`, optionally
//! `feature_names.json` and `best_threshold.txt`) turned into a scoring `Model` by the same
//! parser and converter as `reorder convert`, so an unsupported model gets the converter's own
//! message (categorical splits, linear trees, multiclass, ...). Pure: the browser passes bytes in.

use crate::model::{
    convert, parse_model_text, sha256_hex, ConvertError, ConvertOptions, Model, ParseError,
    MAX_MODEL_BYTES,
};
use crate::number::parse_required;

/// The threshold used when no `best_threshold.txt` is given.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// Why the files do not make a usable model.
#[derive(Debug, thiserror::Error)]
pub enum OwnModelError {
    #[error("model.txt is {bytes} bytes, over the {MAX_MODEL_BYTES}-byte limit")]
    TooLarge { bytes: usize },
    #[error("model.txt is not UTF-8 text")]
    NotText(#[source] std::str::Utf8Error),
    #[error("model.txt is not a supported LightGBM model: {0}")]
    Parse(#[source] ParseError),
    #[error("feature_names.json is not a JSON array of strings: {0}")]
    FeatureNames(#[source] serde_json::Error),
    #[error("best_threshold.txt does not hold a number: `{0}`")]
    ThresholdText(String),
    #[error("the model cannot be converted: {0}")]
    Convert(#[source] ConvertError),
    #[error("the converted model does not load: {0}")]
    Load(#[source] crate::model::BundleError),
}

/// A converted model and the sha256 of its `model.txt` (what the log records).
pub struct ConvertedModel {
    pub model: Model,
    pub sha256: String,
}

/// Parses, converts and validates the files a user brought.
pub fn convert_own_model(
    model_txt: &[u8],
    feature_names_json: Option<&str>,
    threshold_text: Option<&str>,
) -> Result<ConvertedModel, OwnModelError> {
    if model_txt.len() > MAX_MODEL_BYTES {
        return Err(OwnModelError::TooLarge {
            bytes: model_txt.len(),
        });
    }
    let text = std::str::from_utf8(model_txt).map_err(OwnModelError::NotText)?;
    let parsed = parse_model_text(text).map_err(OwnModelError::Parse)?;
    let feature_names = feature_names_json
        .map(|text| text.strip_prefix('\u{feff}').unwrap_or(text))
        .map(serde_json::from_str::<Vec<String>>)
        .transpose()
        .map_err(OwnModelError::FeatureNames)?;
    let threshold = match threshold_text.map(str::trim) {
        None | Some("") => DEFAULT_THRESHOLD,
        Some(text) => parse_required(text)
            .map_err(|_| OwnModelError::ThresholdText(text.chars().take(40).collect()))?,
    };
    let sha256 = sha256_hex(model_txt);
    let bundle = convert(
        &parsed,
        sha256.clone(),
        ConvertOptions {
            threshold,
            feature_names,
            meta: None,
        },
    )
    .map_err(OwnModelError::Convert)?;
    let model = Model::from_bundle(bundle).map_err(OwnModelError::Load)?;
    Ok(ConvertedModel { model, sha256 })
}
