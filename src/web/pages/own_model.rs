//! Your own model, page `/own-model`: drop a LightGBM `model.txt` (optionally with
//! `feature_names.json` and `best_threshold.txt`); the same Rust converter as `reorder convert`
//! runs in the browser. While one is loaded, the Predict and Batch pages score with it and the
//! log records its sha256. The files are remembered in IndexedDB (a database of their own) until
//! the model is removed; if storage is unavailable the model still works for this visit.

use std::sync::Arc;

use js_sys::{Function, Promise};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

use crate::model::Model;
use crate::own_model::{convert_own_model, OwnModelError, DEFAULT_THRESHOLD};
use crate::upload::{text_of, Upload};
use crate::web::fetch::js_message;
use crate::web::i18n::use_lang;
use crate::web::loader::{use_model, LoadedModel};

const DATABASE: &str = "reorder-own-model";
const STORE: &str = "files";
const KEY: &str = "current";

/// The files as the user gave them, kept so the model can be rebuilt on the next visit.
/// Stored as `{meta: <JSON of the small fields>, model: Uint8Array}` (the model's exact bytes,
/// so its sha256 never changes); an older JSON string holding `model_txt` as text still loads.
#[derive(Clone, Debug, PartialEq)]
struct StoredFiles {
    file_name: String,
    model_txt: Vec<u8>,
    feature_names_json: Option<String>,
    threshold_text: Option<String>,
}

/// The small fields, stored as JSON beside the model's bytes.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredMeta {
    file_name: String,
    feature_names_json: Option<String>,
    threshold_text: Option<String>,
}

/// The stored shape written before the model was kept as bytes.
#[derive(serde::Deserialize)]
struct StoredFilesAsText {
    file_name: String,
    model_txt: String,
    feature_names_json: Option<String>,
    threshold_text: Option<String>,
}

/// A model the user brought, converted and validated.
pub struct OwnModel {
    pub loaded: Arc<LoadedModel>,
    pub file_name: String,
    pub threshold_given: bool,
}

/// Shared state: the user's model, if one is loaded, and whether it is remembered.
#[derive(Clone, Copy)]
pub struct OwnModelContext {
    pub own: RwSignal<Option<Arc<OwnModel>>>,
    /// Why the model could not be remembered or restored, if it could not.
    pub storage_note: RwSignal<Option<String>>,
}

fn build(files: &StoredFiles) -> Result<OwnModel, OwnModelError> {
    let converted = convert_own_model(
        &files.model_txt,
        files.feature_names_json.as_deref(),
        files.threshold_text.as_deref(),
    )?;
    Ok(OwnModel {
        loaded: Arc::new(LoadedModel {
            model: converted.model,
            bundle_sha256: converted.sha256,
            bundle_bytes: files.model_txt.len(),
        }),
        file_name: files.file_name.clone(),
        threshold_given: files.threshold_text.is_some(),
    })
}

/// Provides the own-model state and restores a remembered model. Call once at the app root.
pub fn provide_own_model() {
    let context = OwnModelContext {
        own: RwSignal::new(None),
        storage_note: RwSignal::new(None),
    };
    provide_context(context);
    spawn_local(async move {
        match load_files().await {
            Ok(Some(files)) => match build(&files) {
                Ok(model) => context.own.set(Some(Arc::new(model))),
                Err(error) => context.storage_note.set(Some(format!(
                    "the remembered model no longer loads: {error}"
                ))),
            },
            Ok(None) => {}
            Err(message) => context.storage_note.set(Some(message)),
        }
    });
}

/// The model the pages score with: the user's own if one is loaded, else the bundled one.
#[derive(Clone)]
pub struct ActiveModel {
    pub loaded: Arc<LoadedModel>,
    /// sha256 of the `model.txt` the model came from (what the log records).
    pub sha256: String,
    pub is_own: bool,
}

impl PartialEq for ActiveModel {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.loaded, &other.loaded)
    }
}

impl ActiveModel {
    pub fn model(&self) -> &Model {
        &self.loaded.model
    }
}

/// The model to score with, reactively (changes only when the model does).
pub fn use_active_model() -> Memo<Option<ActiveModel>> {
    let bundled = use_model();
    let own = use_context::<OwnModelContext>();
    Memo::new(move |_| {
        if let Some(own) = own.and_then(|context| context.own.get()) {
            return Some(ActiveModel {
                sha256: own.loaded.model.source_sha256().to_owned(),
                is_own: true,
                loaded: Arc::clone(&own.loaded),
            });
        }
        bundled.ready().map(|loaded| ActiveModel {
            sha256: loaded.model.source_sha256().to_owned(),
            is_own: false,
            loaded,
        })
    })
}

/// The request's result, or its error, as a future.
fn request_done(request: &IdbRequest) -> JsFuture {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let on_success = {
            let request = request.clone();
            Closure::once_into_js(move |_: web_sys::Event| {
                let result = request.result().unwrap_or(JsValue::UNDEFINED);
                let _ = resolve.call1(&JsValue::UNDEFINED, &result);
            })
        };
        let on_error = {
            let request = request.clone();
            Closure::once_into_js(move |_: web_sys::Event| {
                let error = match request.error() {
                    Ok(Some(error)) => JsValue::from(error),
                    _ => JsValue::from_str("request failed"),
                };
                let _ = reject.call1(&JsValue::UNDEFINED, &error);
            })
        };
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise)
}

async fn open_database() -> Result<IdbDatabase, String> {
    let factory = window()
        .indexed_db()
        .map_err(|error| js_message(&error))?
        .ok_or_else(|| "IndexedDB is not available".to_owned())?;
    let request: IdbOpenDbRequest = factory
        .open_with_u32(DATABASE, 1)
        .map_err(|error| js_message(&error))?;
    let on_upgrade = {
        let request = request.clone();
        Closure::once_into_js(move |_: web_sys::Event| {
            if let Ok(result) = request.result() {
                let database: IdbDatabase = result.unchecked_into();
                if !database.object_store_names().contains(STORE) {
                    let _ = database.create_object_store(STORE);
                }
            }
        })
    };
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let database: IdbDatabase = request_done(&request)
        .await
        .map_err(|error| js_message(&error))?
        .unchecked_into();
    Ok(database)
}

async fn with_store<T>(
    mode: IdbTransactionMode,
    operation: impl FnOnce(&web_sys::IdbObjectStore) -> Result<IdbRequest, JsValue>,
    finish: impl FnOnce(JsValue) -> T,
) -> Result<T, String> {
    let database = open_database().await?;
    let outcome = async {
        let transaction = database
            .transaction_with_str_and_mode(STORE, mode)
            .map_err(|error| js_message(&error))?;
        let store = transaction
            .object_store(STORE)
            .map_err(|error| js_message(&error))?;
        let request = operation(&store).map_err(|error| js_message(&error))?;
        let value = request_done(&request)
            .await
            .map_err(|error| js_message(&error))?;
        Ok(finish(value))
    }
    .await;
    database.close();
    outcome
}

async fn load_files() -> Result<Option<StoredFiles>, String> {
    let stored = with_store(
        IdbTransactionMode::Readonly,
        |store| store.get(&JsValue::from_str(KEY)),
        |value| value,
    )
    .await
    .map_err(|message| format!("the remembered model cannot be read: {message}"))?;
    let damaged = |reason: String| format!("the remembered model is damaged: {reason}");
    if stored.is_undefined() || stored.is_null() {
        return Ok(None);
    }
    if let Some(text) = stored.as_string() {
        let old: StoredFilesAsText =
            serde_json::from_str(&text).map_err(|error| damaged(error.to_string()))?;
        return Ok(Some(StoredFiles {
            file_name: old.file_name,
            model_txt: old.model_txt.into_bytes(),
            feature_names_json: old.feature_names_json,
            threshold_text: old.threshold_text,
        }));
    }
    let field = |name: &str| js_sys::Reflect::get(&stored, &JsValue::from_str(name)).ok();
    let meta_text = field("meta")
        .and_then(|meta| meta.as_string())
        .ok_or_else(|| damaged("no `meta`".to_owned()))?;
    let meta: StoredMeta =
        serde_json::from_str(&meta_text).map_err(|error| damaged(error.to_string()))?;
    let model = field("model")
        .filter(|model| model.is_instance_of::<js_sys::Uint8Array>())
        .ok_or_else(|| damaged("no model bytes".to_owned()))?;
    Ok(Some(StoredFiles {
        file_name: meta.file_name,
        model_txt: js_sys::Uint8Array::new(&model).to_vec(),
        feature_names_json: meta.feature_names_json,
        threshold_text: meta.threshold_text,
    }))
}

async fn save_files(files: &StoredFiles) -> Result<(), String> {
    let meta = serde_json::to_string(&StoredMeta {
        file_name: files.file_name.clone(),
        feature_names_json: files.feature_names_json.clone(),
        threshold_text: files.threshold_text.clone(),
    })
    .map_err(|error| error.to_string())?;
    let value = js_sys::Object::new();
    let set = |key: &str, item: &JsValue| {
        js_sys::Reflect::set(&value, &JsValue::from_str(key), item)
            .map(|_| ())
            .map_err(|error| js_message(&error))
    };
    set("meta", &JsValue::from_str(&meta))?;
    set(
        "model",
        &js_sys::Uint8Array::from(files.model_txt.as_slice()).into(),
    )?;
    with_store(
        IdbTransactionMode::Readwrite,
        |store| store.put_with_key(&value, &JsValue::from_str(KEY)),
        |_| (),
    )
    .await
}

async fn delete_files() -> Result<(), String> {
    with_store(
        IdbTransactionMode::Readwrite,
        |store| store.delete(&JsValue::from_str(KEY)),
        |_| (),
    )
    .await
}

/// The chosen file's name and bytes, its size checked against the input's limit first. Read as
/// bytes, never decoded by the browser: a BOM or invalid UTF-8 then gets the same verdict and
/// the same sha256 here as in `reorder convert` and `sha256sum`.
async fn file_bytes(
    input: &web_sys::HtmlInputElement,
    upload: Upload,
) -> Result<Option<(String, Vec<u8>)>, String> {
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return Ok(None);
    };
    upload
        .check(&file.name(), file.size() as u64)
        .map_err(|too_large| too_large.to_string())?;
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|error| js_message(&error))?;
    Ok(Some((
        file.name(),
        js_sys::Uint8Array::new(&buffer).to_vec(),
    )))
}

/// A small text file (feature names, threshold): strict UTF-8, BOM dropped.
async fn file_text(
    input: &web_sys::HtmlInputElement,
    upload: Upload,
) -> Result<Option<String>, String> {
    let Some((name, bytes)) = file_bytes(input, upload).await? else {
        return Ok(None);
    };
    text_of(&bytes)
        .map(|text| Some(text.to_owned()))
        .map_err(|error| format!("`{name}` is not UTF-8 text: {error}"))
}

#[component]
pub fn OwnModelPage() -> impl IntoView {
    let lang = use_lang();
    let context = expect_context::<OwnModelContext>();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let model_input = NodeRef::<leptos::html::Input>::new();
    let names_input = NodeRef::<leptos::html::Input>::new();
    let threshold_input = NodeRef::<leptos::html::Input>::new();

    let on_use = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Some(model_el), Some(names_el), Some(threshold_el)) =
            (model_input.get(), names_input.get(), threshold_input.get())
        else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let outcome = async {
                let (file_name, model_txt) = file_bytes(&model_el, Upload::ModelText)
                    .await?
                    .ok_or_else(|| {
                        lang.get_untracked()
                            .pick("Choose a model.txt first.", "Önce bir model.txt seçin.")
                            .to_owned()
                    })?;
                let feature_names_json = file_text(&names_el, Upload::FeatureNames).await?;
                let threshold_text = file_text(&threshold_el, Upload::Threshold).await?;
                let files = StoredFiles {
                    file_name,
                    model_txt,
                    feature_names_json,
                    threshold_text,
                };
                let model = build(&files).map_err(|error| error.to_string())?;
                context.own.set(Some(Arc::new(model)));
                context.storage_note.set(
                    save_files(&files)
                        .await
                        .err()
                        .map(|message| format!("the model is used for this visit only: {message}")),
                );
                Ok::<(), String>(())
            }
            .await;
            error.set(outcome.err());
            busy.set(false);
        });
    };
    let on_remove = move |_| {
        context.own.set(None);
        spawn_local(async move {
            context.storage_note.set(
                delete_files()
                    .await
                    .err()
                    .map(|message| format!("the remembered model could not be removed: {message}")),
            );
        });
    };

    view! {
        <section data-testid="page-own-model">
            <h1>{move || lang.get().pick("Your own model", "Kendi modeliniz")}</h1>
            <p class="lead">
                {move || lang.get().pick(
                    "Bring a LightGBM binary model saved as text (model.txt). It is converted in your browser by the same code as `reorder convert`, and the Predict and Batch pages then use it. Nothing is uploaded.",
                    "Metin olarak kaydedilmiş bir LightGBM ikili sınıflandırma modeli (model.txt) getirin. Tarayıcınızda `reorder convert` ile aynı kodla dönüştürülür; Tahmin ve Toplu sayfaları ardından onu kullanır. Hiçbir şey yüklenmez.",
                )}
            </p>
            <div class="card" data-testid="own-model-status" data-state=move || if context.own.get().is_some() { "loaded" } else { "none" }>
                {move || match context.own.get() {
                    None => view! {
                        <p>{move || lang.get().pick("The app's own model is in use.", "Uygulamanın kendi modeli kullanılıyor.")}</p>
                    }.into_any(),
                    Some(own) => {
                        let model = &own.loaded.model;
                        let sha = model.source_sha256().to_owned();
                        let names = model.feature_names().join(", ");
                        let threshold = model.threshold();
                        let trees = model.num_trees();
                        let features = model.num_features();
                        let threshold_given = own.threshold_given;
                        let file_name = own.file_name.clone();
                        view! {
                            <p>
                                <strong>{move || lang.get().pick("In use: ", "Kullanımda: ")}</strong>
                                <span class="mono">{file_name}</span>
                            </p>
                            <dl>
                                <dt>"sha256"</dt>
                                <dd class="mono" data-testid="own-model-sha256">{sha}</dd>
                                <dt>{move || lang.get().pick("Trees", "Ağaç sayısı")}</dt>
                                <dd data-testid="own-model-trees">{trees}</dd>
                                <dt>{move || lang.get().pick("Threshold", "Eşik")}</dt>
                                <dd data-testid="own-model-threshold" data-value=threshold.to_string()>
                                    {threshold.to_string()}
                                    {(!threshold_given).then(|| view! {
                                        " " <span class="hint">{move || format!("({} {DEFAULT_THRESHOLD})", lang.get().pick("no best_threshold.txt given: default", "best_threshold.txt verilmedi: varsayılan"))}</span>
                                    })}
                                </dd>
                                <dt>{move || format!("{} ({features})", lang.get().pick("Features", "Özellikler"))}</dt>
                                <dd class="mono" data-testid="own-model-features">{names}</dd>
                            </dl>
                            <button type="button" class="danger" data-testid="own-model-remove" on:click=on_remove>
                                {move || lang.get().pick("Remove it and use the app's model", "Kaldır ve uygulamanın modelini kullan")}
                            </button>
                        }.into_any()
                    }
                }}
                {move || context.storage_note.get().map(|note| view! { <p class="hint" data-testid="own-model-storage-note">{note}</p> })}
            </div>
            <form class="card own-model-form" on:submit=on_use>
                <p>
                    <label for="own-model-file">"model.txt"</label>
                    <input id="own-model-file" type="file" accept=".txt,text/plain" data-testid="own-model-file" node_ref=model_input />
                </p>
                <p>
                    <label for="own-features-file">{move || lang.get().pick("feature_names.json (optional)", "feature_names.json (isteğe bağlı)")}</label>
                    <input id="own-features-file" type="file" accept=".json,application/json" data-testid="own-features-file" node_ref=names_input />
                </p>
                <p>
                    <label for="own-threshold-file">{move || lang.get().pick("best_threshold.txt (optional; otherwise 0.5)", "best_threshold.txt (isteğe bağlı; yoksa 0.5)")}</label>
                    <input id="own-threshold-file" type="file" accept=".txt,text/plain" data-testid="own-threshold-file" node_ref=threshold_input />
                </p>
                <button type="submit" class="primary" data-testid="own-model-use" prop:disabled=move || busy.get()>
                    {move || lang.get().pick("Convert and use this model", "Dönüştür ve bu modeli kullan")}
                </button>
                {move || error.get().map(|message| view! {
                    <div class="banner banner-error" role="alert">
                        <p><strong>{move || lang.get().pick("This model cannot be used.", "Bu model kullanılamıyor.")}</strong></p>
                        <p class="mono" data-testid="own-model-error">{message}</p>
                    </div>
                })}
            </form>
        </section>
    }
}
