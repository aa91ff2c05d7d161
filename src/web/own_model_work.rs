//! An own model's conversion, as browser I/O behind one function (`convert_model_file`): the
//! chosen `model.txt` (up to 64 MB) is posted to the batch worker (src/bin/batch_worker.rs),
//! which reads and converts it off the main thread and answers with the file's bytes, their
//! sha256 and the bundle the page loads the model from. When no worker can take the job (none
//! starts, or another build's answers) the same converter, `own_model::convert_own_model`, runs
//! on the main thread: a model is accepted or refused with the same words either way. A worker
//! that took the job and stopped without an answer is the conversion's failure, said as such.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::batch::worker_protocol::{
    ConvertModel, ConvertedBundle, PageMessage, WorkerMessage, PROTOCOL_VERSION,
};
use crate::browser::js_error::js_message;
use crate::model::Model;
use crate::web::own_model_store::OwnModelFiles;
use crate::web::state::active_model::OwnModel;
use crate::web::worker_link::{NoAnswer, WorkerLink};

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
        Err(NoAnswer::Unavailable(why)) => {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "own model: converting on the main thread: {why}"
            )));
            Conversion {
                outcome: convert_here(&file, request).await,
                in_worker: false,
            }
        }
        Err(NoAnswer::Died(why)) => Conversion {
            outcome: Err(format!(
                "the worker converting the model stopped before it finished: {why}"
            )),
            in_worker: true,
        },
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

/// The worker's answer, or why there is none (see `NoAnswer`: only a worker that could not take
/// the job leaves it to the page).
async fn convert_in_worker(
    file: &web_sys::File,
    request: &ConvertModel,
) -> Result<Outcome, NoAnswer> {
    let link = WorkerLink::start().await.map_err(NoAnswer::Unavailable)?;
    link.post(&PageMessage::ConvertModel(request.clone()), Some(file))
        .map_err(NoAnswer::Unavailable)?;
    loop {
        match link.next().await.map_err(NoAnswer::of_failure)? {
            WorkerMessage::ModelConverted(bundle) => {
                return Ok(from_bundle(file, bundle, request.clone()))
            }
            WorkerMessage::ModelRefused { message } => return Ok(Err(message)),
            WorkerMessage::Failed(failure) => return Err(NoAnswer::of_failure(failure)),
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
