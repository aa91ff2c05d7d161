//! An own model's conversion, as browser I/O behind one function (`convert_model_file`): the
//! chosen `model.txt` (up to 64 MB) is posted to the batch worker (src/bin/batch_worker.rs),
//! which reads and converts it off the main thread and answers with the file's bytes, their
//! sha256 and the bundle the page loads the model from. When no worker can be used (none starts,
//! another build's answers, or it stops without an answer) the same converter,
//! `own_model::convert_own_model`, runs on the main thread: a model is accepted or refused with
//! the same words either way.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::batch::worker_protocol::{
    ConvertModel, ConvertedBundle, PageMessage, WorkerMessage, PROTOCOL_VERSION,
};
use crate::model::Model;
use crate::web::fetch::js_message;
use crate::web::own_model_store::OwnModelFiles;
use crate::web::state::active_model::OwnModel;
use crate::web::worker_link::WorkerLink;

/// The converted model and the files it came from (to be remembered), or why the files make no
/// model, in the converter's words.
pub type Outcome = Result<(OwnModel, OwnModelFiles), String>;

/// A conversion's outcome and where it was reached.
pub struct Conversion {
    pub outcome: Outcome,
    /// Whether the worker converted (or refused) the model; false: the main thread did.
    pub in_worker: bool,
}

/// Converts `file` (its size already checked) with the optional feature names and threshold, in
/// the worker if it can, else on the main thread.
pub async fn convert_model_file(
    file: web_sys::File,
    feature_names_json: Option<String>,
    threshold_text: Option<String>,
) -> Conversion {
    let request = ConvertModel {
        protocol_version: PROTOCOL_VERSION,
        feature_names_json,
        threshold_text,
    };
    match convert_in_worker(&file, &request).await {
        Ok(outcome) => Conversion {
            outcome,
            in_worker: true,
        },
        Err(why) => {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "own model: converting on the main thread: {why}"
            )));
            Conversion {
                outcome: convert_here(&file, request).await,
                in_worker: false,
            }
        }
    }
}

/// The files as the user gave them, with `model_txt` the bytes of `file`.
fn files_of(file: &web_sys::File, model_txt: Vec<u8>, request: ConvertModel) -> OwnModelFiles {
    OwnModelFiles {
        file_name: file.name(),
        model_txt,
        feature_names_json: request.feature_names_json,
        threshold_text: request.threshold_text,
    }
}

/// The worker's answer; `Err` (why) when the worker gave none and the page must convert.
async fn convert_in_worker(
    file: &web_sys::File,
    request: &ConvertModel,
) -> Result<Outcome, String> {
    let link = WorkerLink::start().await?;
    link.post(&PageMessage::ConvertModel(request.clone()), Some(file))?;
    loop {
        match link.next().await.map_err(|failure| failure.to_string())? {
            WorkerMessage::ModelConverted(bundle) => {
                return Ok(from_bundle(file, bundle, request.clone()))
            }
            WorkerMessage::ModelRefused { message } => return Ok(Err(message)),
            // A version mismatch, or the file could not be read there: the page tries itself.
            WorkerMessage::Failed(failure) => return Err(failure.to_string()),
            _ => {}
        }
    }
}

/// The model in the worker's answer.
fn from_bundle(file: &web_sys::File, bundle: ConvertedBundle, request: ConvertModel) -> Outcome {
    let model = Model::from_bundle_json(&bundle.bundle_json)
        .map_err(|error| format!("the converted model does not load: {error}"))?;
    let files = files_of(file, bundle.model_txt, request);
    Ok((OwnModel::converted(model, bundle.sha256, &files), files))
}

/// Reads and converts on the main thread. Read as bytes, never decoded by the browser: a BOM or
/// invalid UTF-8 then gets the same verdict and the same sha256 here as in `reorder convert` and
/// `sha256sum`.
async fn convert_here(file: &web_sys::File, request: ConvertModel) -> Outcome {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|error| js_message(&error))?;
    let files = files_of(file, js_sys::Uint8Array::new(&buffer).to_vec(), request);
    let model = OwnModel::from_files(&files).map_err(|error| error.to_string())?;
    Ok((model, files))
}
