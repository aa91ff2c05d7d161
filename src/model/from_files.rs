//! The one path from the files LightGBM training leaves behind (`model.txt`, optionally
//! `feature_names.json` and a meta document) to a loaded, scoring `Model`. `reorder convert` and
//! the own-model page both call it, so a model is accepted or refused by the same steps in the
//! same order, whichever door it came through; each caller only says the verdict in its own words
//! (the CLI names the file path, the page names the file it asked for).

use super::bundle::{convert, BundleMeta, ConvertError, ConvertOptions};
use super::score::{BundleError, Model};
use super::sha256_hex;
use super::text::{parse_model_text, ParseError, MAX_MODEL_BYTES};

/// What the converter is given, as the bytes and texts of the files.
#[derive(Debug, Clone, Copy)]
pub struct ModelFiles<'a> {
    /// The bytes of `model.txt` (their sha256 ties the bundle to this file).
    pub model_txt: &'a [u8],
    /// A JSON array of feature names that must equal the model's own, in order.
    pub feature_names_json: Option<&'a str>,
    /// Rows with probability >= threshold are predicted to be reordered.
    pub threshold: f64,
    /// The bundle's meta document (`BundleMeta`) as JSON.
    pub meta_json: Option<&'a str>,
}

/// Which step refused the files.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("model.txt is {bytes} bytes, over the {MAX_MODEL_BYTES}-byte limit")]
    TooLarge { bytes: usize },
    #[error("model.txt is not UTF-8 text: {0}")]
    NotText(#[source] std::str::Utf8Error),
    #[error("model.txt is not a supported LightGBM model: {0}")]
    Parse(#[source] ParseError),
    #[error("the feature names are not a JSON array of strings: {0}")]
    FeatureNames(#[source] serde_json::Error),
    #[error("the meta document is not valid: {0}")]
    Meta(#[source] serde_json::Error),
    #[error("the model cannot be converted: {0}")]
    Convert(#[source] ConvertError),
    #[error("the converted model does not load: {0}")]
    Load(#[source] BundleError),
}

/// Parses, converts and loads: the returned model's `bundle()` is the document to write, and its
/// `source_sha256()` the sha256 of `model_txt` as `sha256sum` computes it (a BOM included).
pub fn model_from_files(files: ModelFiles<'_>) -> Result<Model, ModelFileError> {
    let ModelFiles {
        model_txt,
        feature_names_json,
        threshold,
        meta_json,
    } = files;
    if model_txt.len() > MAX_MODEL_BYTES {
        return Err(ModelFileError::TooLarge {
            bytes: model_txt.len(),
        });
    }
    let text = std::str::from_utf8(model_txt).map_err(ModelFileError::NotText)?;
    let parsed = parse_model_text(text).map_err(ModelFileError::Parse)?;
    let feature_names = feature_names_json
        .map(|json| serde_json::from_str::<Vec<String>>(without_bom(json)))
        .transpose()
        .map_err(ModelFileError::FeatureNames)?;
    let meta = meta_json
        .map(|json| serde_json::from_str::<BundleMeta>(without_bom(json)))
        .transpose()
        .map_err(ModelFileError::Meta)?;
    let bundle = convert(
        &parsed,
        sha256_hex(model_txt),
        ConvertOptions {
            threshold,
            feature_names,
            meta,
        },
    )
    .map_err(ModelFileError::Convert)?;
    Model::from_bundle(bundle).map_err(ModelFileError::Load)
}

fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}
