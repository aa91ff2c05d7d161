//! Start-up: downloads the model bundle with visible progress, checks it is the very file this
//! build was made for (sha256 of its bytes, recorded at build time in `assets/model.sha256`) and
//! that it speaks a bundle format version this app understands, then validates and keeps it.
//! Every failure is a typed `LoadError` shown on an error screen with a retry.

use std::sync::Arc;

use js_sys::Uint8Array;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

use crate::browser::js_error::{js_message, JsError};
use crate::lang::Lang;
use crate::model::{
    BundleError, Model, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, READABLE_BUNDLE_VERSIONS,
};

/// Where the bundle is served, relative to the site root.
/// Fetched by its content-addressed name (see `crate::asset_urls`).
pub use crate::asset_urls::MODEL_URL;

/// The sha256 (hex) of the exact `assets/model.json` bytes this build ships with. Written next
/// to the bundle whenever it is regenerated; a native test checks that the two agree.
pub const EXPECTED_MODEL_SHA256: &str = include_str!("../../assets/model.sha256");

/// Why the model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("could not download {url}: {message}")]
    Network { url: String, message: String },
    #[error("the server answered {status} for {url}")]
    HttpStatus { url: String, status: u16 },
    #[error("the downloaded bundle has sha256 {actual}, but this app was built for {expected}")]
    DigestMismatch { expected: String, actual: String },
    #[error("the bundle is not UTF-8 text")]
    NotText(#[source] std::string::FromUtf8Error),
    #[error("the bundle is not valid JSON")]
    BadJson(#[source] serde_json::Error),
    #[error("the bundle's format is {found:?}, expected {BUNDLE_FORMAT:?}")]
    WrongFormat { found: String },
    #[error(
        "the bundle has format version {found}; this app reads versions 1 to {BUNDLE_FORMAT_VERSION}"
    )]
    UnsupportedVersion { found: u64 },
    #[error("the bundle is not a valid model")]
    InvalidModel(#[source] BundleError),
    #[error("the compressed bundle could not be decoded")]
    Packed(#[source] JsError),
}

impl LoadError {
    /// A short explanation for the error screen, in the reader's language.
    pub fn headline(&self, lang: Lang) -> &'static str {
        match self {
            LoadError::Network { .. } | LoadError::HttpStatus { .. } => {
                lang.pick("The model could not be downloaded.", "Model indirilemedi.")
            }
            LoadError::DigestMismatch { .. } => lang.pick(
                "The downloaded model is not the one this app was built with.",
                "İndirilen model, bu uygulamanın derlendiği model değil.",
            ),
            LoadError::NotText(_) | LoadError::BadJson(_) | LoadError::Packed(_) => lang.pick(
                "The model file is damaged (not valid JSON).",
                "Model dosyası bozuk (geçerli JSON değil).",
            ),
            LoadError::WrongFormat { .. } | LoadError::UnsupportedVersion { .. } => lang.pick(
                "The model file has a format this app does not read.",
                "Model dosyasının biçimi bu uygulama tarafından okunamıyor.",
            ),
            LoadError::InvalidModel(_) => lang.pick(
                "The model file is not a valid model.",
                "Model dosyası geçerli bir model değil.",
            ),
        }
    }

    /// The full chain of causes, for the technical details.
    pub fn details(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}

/// A model that passed every check, with what the app shows about it.
pub struct LoadedModel {
    pub model: Model,
    /// sha256 (hex) of the file the model was read from: the bundle JSON for the app's model,
    /// the user's `model.txt` for their own.
    pub file_sha256: String,
    /// That file's size in bytes.
    pub file_bytes: usize,
}

/// How far the download got.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    pub received: u64,
    pub total: Option<u64>,
    pub checking: bool,
}

/// The model's state, shared by every page.
#[derive(Clone)]
pub enum ModelState {
    Loading(Progress),
    Ready(Arc<LoadedModel>),
    Failed(Arc<LoadError>),
}

impl ModelState {
    /// The value of `data-state` on `model-status`.
    pub fn name(&self) -> &'static str {
        match self {
            ModelState::Loading(_) => "loading",
            ModelState::Ready(_) => "ready",
            ModelState::Failed(_) => "error",
        }
    }
}

/// Handle on the model's state: read it, or start loading again after a failure.
#[derive(Clone, Copy)]
pub struct ModelContext {
    pub state: RwSignal<ModelState>,
}

impl ModelContext {
    /// The loaded model, if it is ready.
    pub fn ready(&self) -> Option<Arc<LoadedModel>> {
        match self.state.get() {
            ModelState::Ready(model) => Some(model),
            _ => None,
        }
    }

    /// Starts (again) to download and check the bundle.
    pub fn load(&self) {
        let state = self.state;
        state.set(ModelState::Loading(Progress {
            received: 0,
            total: None,
            checking: false,
        }));
        spawn_local(async move {
            let outcome = fetch_and_check(MODEL_URL, move |progress| {
                state.set(ModelState::Loading(progress));
            })
            .await;
            state.set(match outcome {
                Ok(model) => ModelState::Ready(Arc::new(model)),
                Err(error) => ModelState::Failed(Arc::new(error)),
            });
        });
    }
}

/// The bundle the page's loader downloaded, checked, if it did: `web::start` hands it to
/// the app it mounts (`provide_model`), which then renders the page once, with its model. When
/// there was no such download (it failed) or its bytes were refused, `None`: the app
/// downloads the bundle itself, with progress, and that download's errors are the ones shown.
pub async fn check_prefetched_bundle() -> Option<LoadedModel> {
    let bytes = crate::browser::packed::unpacked(take_prefetched_bundle().await?)
        .await
        .ok()?;
    check_bundle(bytes).ok()
}

/// The bundle's bytes if the page's loader already downloaded them (assets/boot/loader.js: it
/// reads the bundle into memory while the wasm downloads, so they are there when the app starts
/// instead of being read through a stream after it). Taken once; `None` when there
/// was no such download or it failed.
async fn take_prefetched_bundle() -> Option<Vec<u8>> {
    let window = window();
    let key = wasm_bindgen::JsValue::from_str("reorderBundlePrefetch");
    let pending = js_sys::Reflect::get(&window, &key).ok()?;
    let _ = js_sys::Reflect::delete_property(&window, &key);
    let pending: js_sys::Promise = pending.dyn_into().ok()?;
    let buffer: js_sys::ArrayBuffer = JsFuture::from(pending).await.ok()?.dyn_into().ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}

/// Provides the model's state to the app: `checked` when the bundle was already checked
/// (`check_prefetched_bundle`), or else a download started here. Call once at the app root.
pub fn provide_model(checked: Option<LoadedModel>) {
    let context = ModelContext {
        state: RwSignal::new(ModelState::Loading(Progress {
            received: 0,
            total: None,
            checking: false,
        })),
    };
    provide_context(context);
    match checked {
        Some(model) => context.state.set(ModelState::Ready(Arc::new(model))),
        None => context.load(),
    }
}

/// The app's model state.
pub fn use_model() -> ModelContext {
    expect_context::<ModelContext>()
}

/// Downloads `url`, reporting progress as bytes arrive, and runs every check on the bytes.
pub async fn fetch_and_check(
    url: &str,
    on_progress: impl FnMut(Progress),
) -> Result<LoadedModel, LoadError> {
    fetch_and_check_against(url, EXPECTED_MODEL_SHA256.trim(), on_progress).await
}

/// `fetch_and_check` for a bundle other than the main one, with its expected digest (hex
/// sha256 of the file): the personal-history model.
pub async fn fetch_and_check_against(
    url: &str,
    expected_sha256: &str,
    mut on_progress: impl FnMut(Progress),
) -> Result<LoadedModel, LoadError> {
    let network = |message: String| LoadError::Network {
        url: url.to_owned(),
        message,
    };
    let response: Response = JsFuture::from(window().fetch_with_str(url))
        .await
        .map_err(|error| network(js_message(&error)))?
        .dyn_into()
        .map_err(|value| network(js_message(&value)))?;
    if !response.ok() {
        return Err(LoadError::HttpStatus {
            url: url.to_owned(),
            status: response.status(),
        });
    }
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|length| length.parse::<u64>().ok());
    let mut bytes: Vec<u8> = Vec::with_capacity(total.unwrap_or(0).min(64 << 20) as usize);
    on_progress(Progress {
        received: 0,
        total,
        checking: false,
    });
    match response.body() {
        Some(body) => {
            let reader: ReadableStreamDefaultReader = body
                .get_reader()
                .dyn_into()
                .map_err(|value| network(js_message(&value)))?;
            loop {
                let chunk = JsFuture::from(reader.read())
                    .await
                    .map_err(|error| network(js_message(&error)))?;
                let done = js_sys::Reflect::get(&chunk, &"done".into())
                    .map_err(|error| network(js_message(&error)))?
                    .as_bool()
                    .unwrap_or(true);
                if done {
                    break;
                }
                let value = js_sys::Reflect::get(&chunk, &"value".into())
                    .map_err(|error| network(js_message(&error)))?;
                let array: Uint8Array = value
                    .dyn_into()
                    .map_err(|value| network(js_message(&value)))?;
                let start = bytes.len();
                bytes.resize(start + array.length() as usize, 0);
                array.copy_to(&mut bytes[start..]);
                on_progress(Progress {
                    received: bytes.len() as u64,
                    total,
                    checking: false,
                });
            }
        }
        None => {
            let buffer = JsFuture::from(
                response
                    .array_buffer()
                    .map_err(|error| network(js_message(&error)))?,
            )
            .await
            .map_err(|error| network(js_message(&error)))?;
            bytes = Uint8Array::new(&buffer).to_vec();
        }
    }
    on_progress(Progress {
        received: bytes.len() as u64,
        total,
        checking: true,
    });
    let bytes = crate::browser::packed::unpacked(bytes)
        .await
        .map_err(LoadError::Packed)?;
    check_bundle_against(bytes, expected_sha256)
}

#[derive(serde::Deserialize)]
struct BundleHeader {
    format: String,
    format_version: u64,
}

/// Every check on the downloaded bytes: digest, text, format and version, then the model itself.
pub fn check_bundle(bytes: Vec<u8>) -> Result<LoadedModel, LoadError> {
    check_bundle_against(bytes, EXPECTED_MODEL_SHA256.trim())
}

/// `check_bundle` with the expected digest given (hex sha256 of the bundle file).
pub fn check_bundle_against(
    bytes: Vec<u8>,
    expected_sha256: &str,
) -> Result<LoadedModel, LoadError> {
    let bundle_sha256 = hex(&Sha256::digest(&bytes));
    if bundle_sha256 != expected_sha256 {
        return Err(LoadError::DigestMismatch {
            expected: expected_sha256.to_owned(),
            actual: bundle_sha256,
        });
    }
    let bundle_bytes = bytes.len();
    let model = parse_bundle(bytes)?;
    Ok(LoadedModel {
        model,
        file_sha256: bundle_sha256,
        file_bytes: bundle_bytes,
    })
}

/// The checks after the digest: UTF-8 text, JSON, the bundle format and its version, and the
/// model's own validation. A good bundle is read once; only a refused one is read a second
/// time, for its header, so that a bundle of another format or version is named as such.
pub fn parse_bundle(bytes: Vec<u8>) -> Result<Model, LoadError> {
    let text = String::from_utf8(bytes).map_err(LoadError::NotText)?;
    let refusal = match Model::from_bundle_json(&text) {
        Ok(model) => return Ok(model),
        Err(refusal) => refusal,
    };
    let header: BundleHeader = serde_json::from_str(&text).map_err(LoadError::BadJson)?;
    if header.format != BUNDLE_FORMAT {
        return Err(LoadError::WrongFormat {
            found: header.format,
        });
    }
    if !READABLE_BUNDLE_VERSIONS
        .iter()
        .any(|&version| u64::from(version) == header.format_version)
    {
        return Err(LoadError::UnsupportedVersion {
            found: header.format_version,
        });
    }
    Err(LoadError::InvalidModel(refusal))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
