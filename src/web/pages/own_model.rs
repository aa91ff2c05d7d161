//! Your own model, page `/own-model`: drop a LightGBM `model.txt` (optionally with
//! `feature_names.json` and `best_threshold.txt`); the same Rust converter as `reorder convert`
//! runs in the browser, in the batch worker when it can start (`own_model_work`; the form says
//! where in `data-converted-in`), else on the main thread. While one is loaded, the Predict and Batch pages score with it and the
//! log records its sha256 (the state lives in `state::active_model`). The files are remembered
//! in IndexedDB (`own_model_store`) until the model is removed; if storage is unavailable the
//! model still works for this visit.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::batch::ClassNamesError;
use crate::browser::js_error::js_message;
use crate::input::upload::{text_of, Upload, UploadTooLarge};
use crate::model::own_model::DEFAULT_THRESHOLD;
use crate::web::own_model_work::{convert_model_file, ConversionError};
use crate::web::state::active_model::use_own_model;
use crate::web::state::jobs::use_jobs;
use crate::web::state::language::use_lang;

/// Why the chosen files could not be turned into a model; its text is what the form shows.
#[derive(Debug, thiserror::Error)]
enum OwnModelFormError {
    #[error(transparent)]
    TooLarge(#[from] UploadTooLarge),
    #[error("{0}")]
    Unreadable(String),
    #[error("`{name}` is not UTF-8 text: {source}")]
    NotUtf8 {
        name: String,
        source: std::str::Utf8Error,
    },
    #[error("{0}")]
    NoModel(&'static str),
    #[error(transparent)]
    Conversion(#[from] ConversionError),
    #[error("the class names do not fit the model: {0}")]
    ClassNames(#[from] ClassNamesError),
}

/// The chosen file, its size checked against the input's limit first.
fn chosen_file(
    input: &web_sys::HtmlInputElement,
    upload: Upload,
) -> Result<Option<web_sys::File>, OwnModelFormError> {
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return Ok(None);
    };
    upload.check(&file.name(), file.size() as u64)?;
    Ok(Some(file))
}

/// A small text file (feature names, threshold): strict UTF-8, BOM dropped. Read as bytes, never
/// decoded by the browser, so a BOM or invalid UTF-8 gets the same verdict as in the CLI.
async fn file_text(
    input: &web_sys::HtmlInputElement,
    upload: Upload,
) -> Result<Option<String>, OwnModelFormError> {
    let Some(file) = chosen_file(input, upload)? else {
        return Ok(None);
    };
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|error| OwnModelFormError::Unreadable(js_message(&error)))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    text_of(&bytes)
        .map(|text| Some(text.to_owned()))
        .map_err(|source| OwnModelFormError::NotUtf8 {
            name: file.name(),
            source,
        })
}

#[component]
pub fn OwnModelPage() -> impl IntoView {
    let lang = use_lang();
    let context = use_own_model();
    // The conversion is the app's (`state::jobs`): it goes on when this page is left, and the
    // page shows its outcome when it is opened again.
    let job = use_jobs().conversion;
    let error = job.error;
    let busy = job.running;
    // Where the last model was converted or refused: "worker" or "page".
    let converted_in = job.converted_in;
    Effect::new(move |_| {
        if !job.running.get() {
            job.seen.set(true);
        }
    });
    let model_input = NodeRef::<leptos::html::Input>::new();
    let names_input = NodeRef::<leptos::html::Input>::new();
    let threshold_input = NodeRef::<leptos::html::Input>::new();
    let classes_input = NodeRef::<leptos::html::Input>::new();

    let on_use = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Some(model_el), Some(names_el), Some(threshold_el), Some(classes_el)) = (
            model_input.get(),
            names_input.get(),
            threshold_input.get(),
            classes_input.get(),
        ) else {
            return;
        };
        job.start(async move {
            let file = chosen_file(&model_el, Upload::ModelText)?.ok_or_else(|| {
                OwnModelFormError::NoModel(
                    lang.get_untracked()
                        .pick("Choose a model.txt first.", "Önce bir model.txt seçin."),
                )
            })?;
            let feature_names_json = file_text(&names_el, Upload::FeatureNames).await?;
            let threshold_text = file_text(&threshold_el, Upload::Threshold).await?;
            let classes_text = file_text(&classes_el, Upload::ClassNames).await?;
            let conversion = convert_model_file(file, feature_names_json, threshold_text).await;
            converted_in.set(if conversion.in_worker {
                "worker"
            } else {
                "page"
            });
            let (mut model, mut files) = conversion.outcome?;
            if let Some(text) = classes_text {
                model.name_classes(&text)?;
                files.classes_text = Some(text);
            }
            context.adopt(model, files).await;
            Ok::<(), OwnModelFormError>(())
        });
    };
    let on_remove = move |_| context.remove();

    view! {
        <section data-testid="page-own-model">
            <h1>{move || lang.get().pick("Your own model", "Kendi modeliniz")}</h1>
            <p class="lead">
                {move || lang.get().pick(
                    "Bring a LightGBM model saved as text (model.txt): binary, multiclass, regression or ranking, with numerical or categorical splits, or linear trees. It is converted in your browser by the same code as `reorder convert`; the Predict page then shows what it answers and the Batch page writes the columns `reorder predict` writes (the log holds binary models' predictions). Nothing is uploaded.",
                    "Metin olarak kaydedilmiş bir LightGBM modeli (model.txt) getirin: ikili, çok sınıflı, regresyon ya da sıralama; sayısal ya da kategorik bölünmeli veya doğrusal ağaçlı. Tarayıcınızda `reorder convert` ile aynı kodla dönüştürülür; Tahmin sayfası ardından ne yanıtladığını gösterir, Toplu sayfası `reorder predict`'in yazdığı sütunları yazar (kayıt ikili modellerin tahminlerini tutar). Hiçbir şey yüklenmez.",
                )}
            </p>
            <div
                class="card"
                data-testid="own-model-status"
                data-state=move || if context.own.get().is_some() { "loaded" } else { "none" }
                data-kind=move || context.own.get().map(|own| own.loaded.model.kind().name())
            >
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
                        let kind = model.kind().name();
                        let has_threshold = model.objective().has_threshold();
                        let objective = model.bundle().metadata.objective.clone();
                        let outputs = model.output_names().join(", ");
                        let class_names = own.class_names.clone();
                        let named = class_names.is_named().then(|| {
                            (0..model.num_outputs()).map(|class| class_names.name(class)).collect::<Vec<_>>().join(", ")
                        });
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
                                <dt>{move || lang.get().pick("Kind", "Tür")}</dt>
                                <dd data-testid="own-model-kind">
                                    {kind} " " <span class="hint mono">{format!("({objective})")}</span>
                                </dd>
                                <dt>{move || lang.get().pick("Answers", "Yanıtlar")}</dt>
                                <dd class="mono" data-testid="own-model-outputs">{outputs}</dd>
                                {named.map(|named| view! {
                                    <dt>{move || lang.get().pick("Classes", "Sınıflar")}</dt>
                                    <dd class="mono" data-testid="own-model-classes">{named}</dd>
                                })}
                                <dt>{move || lang.get().pick("Trees", "Ağaç sayısı")}</dt>
                                <dd data-testid="own-model-trees">{trees}</dd>
                                {has_threshold.then(|| view! {
                                    <dt>{move || lang.get().pick("Threshold", "Eşik")}</dt>
                                    <dd data-testid="own-model-threshold" data-value=threshold.to_string()>
                                        {threshold.to_string()}
                                        {(!threshold_given).then(|| view! {
                                            " " <span class="hint">{move || format!("({} {DEFAULT_THRESHOLD})", lang.get().pick("no best_threshold.txt given: default", "best_threshold.txt verilmedi: varsayılan"))}</span>
                                        })}
                                    </dd>
                                })}
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
            <form class="card own-model-form" data-testid="own-model-form" data-converted-in=move || converted_in.get() on:submit=on_use>
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
                <p>
                    <label for="own-classes-file">{move || lang.get().pick("class names (optional, multiclass: a JSON array or one per line)", "sınıf adları (isteğe bağlı, çok sınıflı: JSON dizisi ya da satır başına bir ad)")}</label>
                    <input id="own-classes-file" type="file" accept=".json,.txt,application/json,text/plain" data-testid="own-classes-file" node_ref=classes_input />
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
