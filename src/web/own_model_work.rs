//! An own model's conversion, as browser I/O behind one function (`convert_model_file`): the
//! chosen `model.txt` (up to 64 MB) is posted to the worker (src/bin/reorder_worker/), which
//! reads and converts it off the main thread and answers with the file's bytes, their sha256
//! and the bundle the page loads the model from. When no worker can take the job (`run_job`)
//! the same converter, `own_model::convert_own_model`, runs on the main thread: a model is
//! accepted or refused with the same words either way. A worker that took the job and stopped
//! without an answer is the conversion's failure, said as such.

use wasm_bindgen_futures::JsFuture;

use crate::batch::RunFailure;
use crate::browser::js_error::JsError;
use crate::model::own_model::OwnModelError;
use crate::model::{BundleError, Model};
use crate::web::own_model_store::OwnModelFiles;
use crate::web::state::active_model::OwnModel;
use crate::web::worker_link::{run_job, JobDone, NoAnswer, WorkerLink};
use crate::worker_protocol::{ConvertModel, ConvertedBundle, PageMessage, WorkerMessage};

/// Why the files make no model. Its text is the sentence the page shows, the cause's words
/// included: a refusal reads the same whether the worker or the page converted.
#[derive(Debug, thiserror::Error)]
pub enum ConversionError {
    /// The converter's refusal in the worker, word for word.
    #[error("{0}")]
    Refused(String),
    /// The converter's refusal on the main thread.
    #[error(transparent)]
    RefusedHere(#[from] OwnModelError),
    #[error("the worker converting the model stopped before it finished: {0}")]
    WorkerStopped(#[source] RunFailure),
    #[error("the converted model does not load: {0}")]
    DoesNotLoad(#[source] BundleError),
    /// The browser could not read the file.
    #[error(transparent)]
    NotRead(JsError),
}

/// The converted model and the files it came from (to be remembered), or why the files make no
/// model.
pub type Outcome = Result<(OwnModel, OwnModelFiles), ConversionError>;

/// Converts `file` (its size already checked) with the optional feature names and threshold, in
/// the worker if it can, else on the main thread.
pub async fn convert_model_file(
    file: web_sys::File,
    feature_names_json: Option<String>,
    threshold_text: Option<String>,
) -> JobDone<Outcome> {
    let request = ConvertModel {
        feature_names_json,
        threshold_text,
    };
    run_job(
        "own model: converting",
        None,
        async |link| match convert_in_worker(link, &file, &request).await {
            Ok(outcome) => Ok(outcome),
            Err(NoAnswer::Unavailable(why)) => Err(why),
            Err(NoAnswer::Died(failure)) => Ok(Err(ConversionError::WorkerStopped(failure))),
        },
        async || convert_here(&file, request.clone()).await,
    )
    .await
}

/// The files as the user gave them, with `model_txt` the bytes of `file`.
fn files_of(file: &web_sys::File, model_txt: Vec<u8>, request: ConvertModel) -> OwnModelFiles {
    OwnModelFiles {
        file_name: file.name(),
        model_txt,
        feature_names_json: request.feature_names_json,
        threshold_text: request.threshold_text,
        classes_text: None,
    }
}

/// The worker's answer, or why there is none (see `NoAnswer`: only a worker that could not take
/// the job leaves it to the page).
async fn convert_in_worker(
    link: WorkerLink,
    file: &web_sys::File,
    request: &ConvertModel,
) -> Result<Outcome, NoAnswer> {
    link.post(&PageMessage::ConvertModel(request.clone()), Some(file))
        .map_err(NoAnswer::Unavailable)?;
    loop {
        match link.next().await.map_err(NoAnswer::of_failure)? {
            WorkerMessage::ModelConverted(bundle) => {
                return Ok(from_bundle(file, bundle, request.clone()))
            }
            WorkerMessage::ModelRefused { message } => {
                return Ok(Err(ConversionError::Refused(message)))
            }
            WorkerMessage::Failed(failure) => return Err(NoAnswer::of_failure(failure)),
            _ => {}
        }
    }
}

/// The model in the worker's answer.
fn from_bundle(file: &web_sys::File, bundle: ConvertedBundle, request: ConvertModel) -> Outcome {
    let model =
        Model::from_bundle_json(&bundle.bundle_json).map_err(ConversionError::DoesNotLoad)?;
    let files = files_of(file, bundle.model_txt, request);
    Ok((OwnModel::converted(model, bundle.sha256, &files), files))
}

/// Reads and converts on the main thread. Read as bytes, never decoded by the browser: a BOM or
/// invalid UTF-8 then gets the same verdict and the same sha256 here as in `reorder convert` and
/// `sha256sum`.
async fn convert_here(file: &web_sys::File, request: ConvertModel) -> Outcome {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|error| ConversionError::NotRead(JsError::from_js(&error)))?;
    let files = files_of(file, js_sys::Uint8Array::new(&buffer).to_vec(), request);
    let model = OwnModel::from_files(&files)?;
    Ok((model, files))
}
