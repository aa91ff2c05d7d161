//! A LightGBM model the user brings: the files they drop (`model.txt`, optionally
//! `feature_names.json` and `best_threshold.txt`) turned into a scoring `Model` by the very
//! function `reorder convert` calls (`model::model_from_files`), so an unsupported model gets the
//! converter's own message; a model of every kind the converter takes is taken (the pages show
//! the output of its kind). What is the page's own: `best_threshold.txt` is optional (0.5 without it), and the messages name the files
//! the page asks for. Pure: the browser passes bytes in.

use crate::input::number::parse_required;
use crate::model::{
    model_from_files, ConvertError, Model, ModelFileError, ModelFiles, ParseError, MAX_MODEL_BYTES,
};

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
    /// The page passes no meta document, so it never sees this; kept so every refusal of the
    /// shared converter has a name here.
    #[error("the meta document is not valid: {0}")]
    Meta(#[source] serde_json::Error),
}

impl From<ModelFileError> for OwnModelError {
    fn from(error: ModelFileError) -> OwnModelError {
        match error {
            ModelFileError::TooLarge { bytes } => OwnModelError::TooLarge { bytes },
            ModelFileError::NotText(source) => OwnModelError::NotText(source),
            ModelFileError::Parse(source) => OwnModelError::Parse(source),
            ModelFileError::FeatureNames(source) => OwnModelError::FeatureNames(source),
            ModelFileError::Meta(source) => OwnModelError::Meta(source),
            ModelFileError::Convert(source) => OwnModelError::Convert(source),
            ModelFileError::Load(source) => OwnModelError::Load(source),
        }
    }
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
    let threshold = match threshold_text.map(str::trim) {
        None | Some("") => DEFAULT_THRESHOLD,
        Some(text) => parse_required(text)
            .map_err(|_| OwnModelError::ThresholdText(text.chars().take(40).collect()))?,
    };
    let model = model_from_files(ModelFiles {
        model_txt,
        feature_names_json,
        threshold,
        meta_json: None,
    })?;
    let sha256 = model.source_sha256().to_owned();
    Ok(ConvertedModel { model, sha256 })
}
