//! Predict page `/`: one input per model feature, starting at the training medians or at a
//! demo shopper's product picked from one select; empty means unknown (missing). The features
//! that matter most to the model (`feature_importance::form_order`) come first, the others
//! wait under a disclosure, grouped as in the bundle. Each field shows its value at a readable
//! precision and keeps the exact value it was filled with, which is what is scored and logged
//! until the field is edited; a categorical feature is a choice of its known categories. The
//! result updates as you type; pressing Predict (or Enter) logs exactly one record. The result
//! card shows what the model's kind answers (a binary model's probability, threshold, margin,
//! decision and confidence band; a multiclass model's class distribution; a regression value on
//! the model's range; a ranking score) and the TreeSHAP explanation of this very prediction, per
//! class where there are classes.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

use crate::batch::ClassNames;
use crate::browser::js_error::full_message;
use crate::features::form_rules::{
    feature_description, feature_label, feature_unit, group_label, kind_name, parse_optional_id,
    ConfidenceBand, InputError, GROUP_ORDER,
};
use crate::input::number::{format_value, DecimalMark};
use crate::model::feature_importance::{
    form_order, importance_for, CommittedGain, FormOrder, ImportanceKind, COMMITTED_GAIN_JSON,
};
use crate::model::{missing_as_nan, FeatureSpec, ModelKind, ScoreError};
use crate::prediction_log::{PredictionRecord, RecordIds, Source};
use crate::web::after_paint::after_next_paint;
use crate::web::components::category_choice::CategoryChoice;
use crate::web::components::demo_pick::{DemoPickSelect, PickedRow};
use crate::web::components::explain_chart::{ExplainChart, ExplainSpace};
use crate::web::components::kind_outputs::{class_label, KindOutputs};
use crate::web::loader::LoadedModel;
use crate::web::log::use_log_store;
use crate::web::routes::{PREFILL_FEATURE_PREFIX, PREFILL_PRODUCT_ID, PREFILL_USER_ID};
use crate::web::settings::{load_setting, save_setting};
use crate::web::state::active_model::use_active_model;
use crate::web::state::form_fields::{FormField, FormFields};
use crate::web::state::language::use_lang;

/// The settings key the last scored inputs are kept under (feature name -> typed text).
const LAST_INPUTS_SETTING: &str = "last_inputs";

/// The page: waits for the model, then shows the form.
#[component]
pub fn PredictPage() -> impl IntoView {
    let lang = use_lang();
    let active = use_active_model();
    view! {
        <section data-testid="page-predict">
            <h1>{move || lang.get().pick("Will they buy it again?", "Tekrar alacak mı?")}</h1>
            <p class="lead">
                {move || {
                    lang.get()
                        .pick(
                            "Describe a shopper and a product they bought before; the model estimates the chance that the product is in their next order. Empty fields are unknown, not zero.",
                            "Bir müşteriyi ve daha önce aldığı bir ürünü tanımlayın; model ürünün bir sonraki siparişte olma olasılığını tahmin eder. Boş alanlar sıfır değil, bilinmiyor demektir.",
                        )
                }}
            </p>
            {move || {
                if let Some(active) = active.get() {
                    let own_note = active.is_own.then(|| view! {
                        <p class="hint" data-testid="predict-own-model">
                            {move || lang.get().pick("Scoring with your own model", "Kendi modelinizle puanlanıyor")}
                            " · sha256 " <span class="mono">{active.sha256.chars().take(12).collect::<String>()}</span>
                        </p>
                    });
                    view! { {own_note} <PredictForm loaded=active.loaded class_names=active.class_names /> }.into_any()
                } else {
                    view! {
                        <p>{move || lang.get().pick("Waiting for the model…", "Model bekleniyor…")}</p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// One scored row.
#[derive(Clone, Debug, PartialEq)]
struct Scored {
    values: Vec<Option<f64>>,
    /// Every output of the model (one probability for the binary kinds).
    outputs: Vec<f64>,
    /// The decision of a model with a threshold (the binary kinds).
    is_reorder: Option<bool>,
}

/// What the model answers, for the result card: its kind, its classes' names (a multiclass
/// model's classes are known by their index) and the range of values it can answer.
#[derive(Debug)]
struct OutputShape {
    kind: ModelKind,
    classes: Vec<String>,
    /// Whether the classes have names the user gave (else they are their indices).
    named: bool,
    range: Option<(f64, f64)>,
}

/// The TreeSHAP explanation of the scored row (one per output).
#[derive(Clone, Debug, PartialEq)]
struct Explained {
    contributions: Vec<f64>,
    expected_value: f64,
    raw: f64,
}

/// What happened to the last press.
#[derive(Clone, Debug, PartialEq)]
enum LogState {
    Idle,
    Saving,
    Saved(u64),
    Failed(String),
    Blocked,
    /// The model's kind is not one the log holds yet (it holds probabilities and decisions).
    NotForKind(ModelKind),
}

impl LogState {
    /// The value of `data-state` on `log-status`.
    fn name(&self) -> &'static str {
        match self {
            LogState::Idle => "idle",
            LogState::Saving => "saving",
            LogState::Saved(_) => "saved",
            LogState::Failed(_) => "failed",
            LogState::Blocked => "blocked",
            LogState::NotForKind(_) => "not-for-kind",
        }
    }
}

#[component]
fn PredictForm(loaded: Arc<LoadedModel>, class_names: ClassNames) -> impl IntoView {
    let lang = use_lang();
    let log_store = use_log_store();
    let specs: Arc<Vec<FeatureSpec>> = Arc::new(loaded.model.features().to_vec());
    let query = use_query_map().get_untracked();
    let prefilled = query.get(PREFILL_USER_ID).is_some()
        || specs.iter().any(|spec| {
            query
                .get(&format!("{PREFILL_FEATURE_PREFIX}{}", spec.name))
                .is_some()
        });
    let last_inputs: BTreeMap<String, String> = if prefilled {
        BTreeMap::new()
    } else {
        load_setting(LAST_INPUTS_SETTING)
            .and_then(|saved| serde_json::from_str(&saved).ok())
            .unwrap_or_default()
    };
    let fields = FormFields::new(
        Arc::clone(&specs),
        |spec| {
            if prefilled {
                Some(
                    query
                        .get(&format!("{PREFILL_FEATURE_PREFIX}{}", spec.name))
                        .unwrap_or_default(),
                )
            } else {
                last_inputs.get(&spec.name).cloned()
            }
        },
        lang.get_untracked().decimal_mark(),
    );
    fields.follow_decimal_mark(lang);
    let user_id_text = RwSignal::new(query.get(PREFILL_USER_ID).unwrap_or_default());
    let product_id_text = RwSignal::new(query.get(PREFILL_PRODUCT_ID).unwrap_or_default());

    let parsed = fields.parsed(lang);
    let user_id = Memo::new(move |_| user_id_text.with(|text| parse_optional_id(text)));
    let product_id = Memo::new(move |_| product_id_text.with(|text| parse_optional_id(text)));

    let scored = {
        let loaded = Arc::clone(&loaded);
        Memo::new(move |_| {
            let values: Vec<Option<f64>> = parsed
                .get()
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .ok()?;
            let scores = loaded.model.score_optional(&values).ok()?;
            let is_reorder = loaded
                .model
                .objective()
                .has_threshold()
                .then(|| loaded.model.is_reorder(scores.outputs[0]));
            Some(Scored {
                values,
                outputs: scores.outputs,
                is_reorder,
            })
        })
    };
    // The explanation is drawn after the first probability is on screen (it costs more than
    // the prediction itself); from then on it follows every change at once.
    let explain_now = RwSignal::new(false);
    Effect::new(move |_| {
        if !explain_now.get_untracked() && scored.with(Option::is_some) {
            after_next_paint(move || explain_now.set(true));
        }
    });
    let explained = {
        let loaded = Arc::clone(&loaded);
        Memo::new(move |_| {
            if !explain_now.get() {
                return None;
            }
            let explanations = scored.with(|scored| {
                scored
                    .as_ref()
                    .map(|scored| loaded.model.explain_outputs_optional(&scored.values))
            })?;
            Some(explanations.map(|explanations| {
                explanations
                    .into_iter()
                    .map(|explanation| Explained {
                        contributions: explanation.contributions,
                        expected_value: explanation.expected_value,
                        raw: explanation.raw,
                    })
                    .collect::<Vec<_>>()
            }))
        })
    };
    let log_state = RwSignal::new(LogState::Idle);

    let submit = {
        let specs = Arc::clone(&specs);
        let loaded = Arc::clone(&loaded);
        let fields = fields.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let (Some(scored), Ok(user_id), Ok(product_id)) = (
                scored.get_untracked(),
                user_id.get_untracked(),
                product_id.get_untracked(),
            ) else {
                log_state.set(LogState::Blocked);
                focus_first_error();
                return;
            };
            let typed = fields.saved_texts(lang.get_untracked().decimal_mark());
            if let Ok(saved) = serde_json::to_string(&typed) {
                save_setting(LAST_INPUTS_SETTING, &saved);
            }
            // The log holds probabilities and decisions: a model of another kind is scored and
            // explained here, not logged.
            if scored.is_reorder.is_none() {
                log_state.set(LogState::NotForKind(loaded.model.kind()));
                return;
            }
            let names: Vec<&str> = specs.iter().map(|spec| spec.name.as_str()).collect();
            let values = missing_as_nan(&scored.values);
            let record = PredictionRecord::from_scored(
                Source::Manual,
                js_sys::Date::now() as i64,
                RecordIds {
                    user_id,
                    product_id,
                },
                &names[..],
                &values,
                scored.outputs[0],
                &loaded.model,
            );
            log_state.set(LogState::Saving);
            show_result_on_narrow_screens();
            let write = log_store.add(record, &loaded.model);
            spawn_local(async move {
                match write.await {
                    Ok(id) => log_state.set(LogState::Saved(id)),
                    Err(error) => log_state.set(LogState::Failed(full_message(&error))),
                }
            });
        }
    };

    let reset_to_medians = {
        let fields = fields.clone();
        move |_| fields.reset_to_medians(lang.get_untracked().decimal_mark())
    };
    let clear_all = {
        let fields = fields.clone();
        move |_| fields.clear()
    };
    let fill_from_pick = {
        let fields = fields.clone();
        Callback::new(move |picked: PickedRow| {
            fields.fill(&picked.values, lang.get_untracked().decimal_mark());
            user_id_text.set(picked.user_id.to_string());
            product_id_text.set(picked.product_id.to_string());
            log_state.set(LogState::Idle);
        })
    };

    let committed_gain = CommittedGain::from_json(COMMITTED_GAIN_JSON).ok();
    let importance = importance_for(&loaded.model, committed_gain.as_ref());
    let FormOrder { first, rest } = form_order(&importance.values).unwrap_or(FormOrder {
        first: Vec::new(),
        rest: (0..specs.len()).collect(),
    });
    let field = |index: usize| {
        let spec = specs[index].clone();
        let FormField { text, exact } = fields.field(index);
        let error = Memo::new(move |_| parsed.with(|all| all[index].err()));
        view! { <FeatureField spec text exact error /> }
    };
    let first_count = first.len();
    let first_fields = first.into_iter().map(field).collect_view();
    let rest_count = rest.len();
    let rest_fieldsets = grouped(&specs, &rest)
        .into_iter()
        .map(|(group, indices)| {
            let fields = indices.into_iter().map(field).collect_view();
            view! {
                <fieldset>
                    <legend>{move || group_label(&group, lang.get())}</legend>
                    <div class="field-grid">{fields}</div>
                </fieldset>
            }
        })
        .collect_view();
    let importance_kind = importance.kind;
    let first_section = (first_count > 0).then(|| {
        view! {
            <fieldset data-testid="top-features">
                <legend>{move || lang.get().pick("What matters most to the model", "Model için en önemliler")}</legend>
                <p class="hint">
                    {move || match importance_kind {
                        ImportanceKind::Gain => lang.get().pick(
                            "Ordered by the model's total split gain, largest first.",
                            "Modelin toplam bölünme kazancına göre, en büyükten başlayarak.",
                        ),
                        ImportanceKind::Cover => lang.get().pick(
                            "Ordered by how many training rows the model's splits on them saw, most first.",
                            "Modelin bu özelliklerdeki bölünmelerinin gördüğü eğitim satırı sayısına göre, en çoktan başlayarak.",
                        ),
                    }}
                </p>
                <div class="field-grid">{first_fields}</div>
            </fieldset>
        }
    });
    let rest_section = view! {
        <details class="more-features" data-testid="more-features" open=first_count == 0>
            <summary>
                {move || format!(
                    "{} ({rest_count})",
                    lang.get().pick("The other features", "Diğer özellikler"),
                )}
            </summary>
            {rest_fieldsets}
        </details>
    };

    let threshold = loaded.model.threshold();
    let names: Arc<Vec<String>> = Arc::new(specs.iter().map(|spec| spec.name.clone()).collect());
    let shape = Arc::new(OutputShape {
        kind: loaded.model.kind(),
        classes: (0..loaded.model.num_outputs())
            .map(|class| class_names.name(class))
            .collect(),
        named: class_names.is_named(),
        range: loaded.model.output_range(),
    });
    // The class whose explanation is drawn (None: the most likely one); kept while inputs change.
    let explained_class = RwSignal::new(None::<usize>);

    view! {
        <div class="predict-layout">
            <form class="predict-form" on:submit=submit novalidate=true>
                <DemoPickSelect model_names=Arc::clone(&names) on_pick=fill_from_pick />
                <fieldset>
                    <legend>{move || lang.get().pick("For the log (optional)", "Kayıt için (isteğe bağlı)")}</legend>
                    <div class="field-grid">
                        <IdField
                            id="user-id"
                            label_en="User id"
                            label_tr="Kullanıcı kimliği"
                            text=user_id_text
                            error=Memo::new(move |_| user_id.get().err())
                        />
                        <IdField
                            id="product-id"
                            label_en="Product id"
                            label_tr="Ürün kimliği"
                            text=product_id_text
                            error=Memo::new(move |_| product_id.get().err())
                        />
                    </div>
                </fieldset>
                {first_section}
                {rest_section}
                <div class="actions">
                    <button type="submit" class="primary" data-testid="predict">
                        {move || lang.get().pick("Predict", "Tahmin et")}
                    </button>
                    <button type="button" class="secondary" data-testid="reset-medians" on:click=reset_to_medians>
                        {move || lang.get().pick("Reset to medians", "Medyanlara dön")}
                    </button>
                    <button type="button" class="secondary" data-testid="clear-all" on:click=clear_all>
                        {move || lang.get().pick("Set all unknown", "Hepsini bilinmiyor yap")}
                    </button>
                </div>
                <p
                    data-testid="log-status"
                    data-state=move || log_state.with(LogState::name)
                    role="status"
                    aria-live="polite"
                >
                    {move || match log_state.get() {
                        LogState::Idle => String::new(),
                        LogState::Saving => lang.get().pick("Saving to the log…", "Kayda yazılıyor…").to_owned(),
                        LogState::Saved(id) => format!("{} #{id}", lang.get().pick("Logged as", "Kaydedildi:")),
                        LogState::Failed(message) => format!(
                            "{} {message}",
                            lang.get().pick("Not logged:", "Kaydedilemedi:"),
                        ),
                        LogState::Blocked => lang
                            .get()
                            .pick(
                                "Fix the highlighted fields first.",
                                "Önce işaretli alanları düzeltin.",
                            )
                            .to_owned(),
                        LogState::NotForKind(kind) => format!(
                            "{} ({})",
                            lang.get().pick(
                                "Not logged: the log holds the probabilities and decisions of binary models; this model is",
                                "Kaydedilmedi: kayıt ikili modellerin olasılıklarını ve kararlarını tutar; bu model",
                            ),
                            kind.name(),
                        ),
                    }}
                </p>
            </form>
            <div class="result-column">
                {move || match scored.get() {
                    Some(scored) => view! {
                        <ResultCard scored explained threshold names=Arc::clone(&names) shape=Arc::clone(&shape) explained_class />
                    }
                        .into_any(),
                    None => view! {
                        <div class="card" data-testid="result-blocked">
                            {move || lang.get().pick(
                                "Some values are not valid yet; fix them to see the prediction.",
                                "Bazı değerler henüz geçerli değil; tahmini görmek için düzeltin.",
                            )}
                        </div>
                    }
                        .into_any(),
                }}
            </div>
        </div>
    }
}

/// The given feature indices per group, groups in the page's order.
fn grouped(specs: &[FeatureSpec], indices: &[usize]) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for &index in indices {
        let spec = &specs[index];
        let group = spec.group.clone().unwrap_or_default();
        match groups.iter_mut().find(|(name, _)| *name == group) {
            Some((_, indices)) => indices.push(index),
            None => groups.push((group, vec![index])),
        }
    }
    groups.sort_by_key(|(name, _)| {
        GROUP_ORDER
            .iter()
            .position(|known| known == name)
            .unwrap_or(GROUP_ORDER.len())
    });
    groups
}

/// A number for reading, not for computing: at most four decimals, trailing zeros dropped.
fn short_number(value: f64, mark: DecimalMark) -> String {
    let text = format!("{value:.4}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    let trimmed = if trimmed == "-0" { "0" } else { trimmed };
    trimmed.replace('.', &mark.as_char().to_string())
}

/// On a narrow screen the result card sits below every input; bring it into view after a press.
fn show_result_on_narrow_screens() {
    let narrow = window()
        .inner_width()
        .ok()
        .and_then(|width| width.as_f64())
        .is_some_and(|width| width < 900.0);
    if !narrow {
        return;
    }
    if let Ok(Some(card)) = document().query_selector("[data-testid=\"result-card\"]") {
        card.scroll_into_view();
    }
}

fn focus_first_error() {
    let Some(document) = window().document() else {
        return;
    };
    if let Ok(Some(element)) = document.query_selector("input[aria-invalid=\"true\"]") {
        if let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
            let _ = input.focus();
        }
    }
}

#[component]
fn FeatureField(
    spec: FeatureSpec,
    text: RwSignal<String>,
    exact: RwSignal<Option<f64>>,
    error: Memo<Option<InputError>>,
) -> impl IntoView {
    let lang = use_lang();
    let input_id = format!("feature-input-{}", spec.name);
    let hint_id = format!("feature-hint-{}", spec.name);
    let error_id = format!("feature-error-{}", spec.name);
    let described_by = format!("{hint_id} {error_id}");
    let unit = spec.unit.clone().unwrap_or_default();
    let median = spec.median.filter(|median| median.is_finite());
    let name = spec.name.clone();
    let name_for_unit = spec.name.clone();
    let bundle_description = spec.description.clone();
    let description = move || feature_description(&name, bundle_description.as_deref(), lang.get());
    let is_missing = move || text.with(|text| text.trim().is_empty());
    let name_for_label = spec.name.clone();
    let label = move || feature_label(&name_for_label, lang.get());
    let raw_name = spec.name.clone();
    view! {
        <div class="field">
            <label for=input_id.clone()>
                {move || match label() {
                    Some(label) => view! {
                        <span class="feature-label">{label}</span>
                        " "
                        <code class="raw-name">{raw_name.clone()}</code>
                    }
                        .into_any(),
                    None => view! { <code class="raw-name">{raw_name.clone()}</code> }.into_any(),
                }}
            </label>
            <span class="hint" id=hint_id>
                {description}
                {move || (!unit.is_empty()).then(|| format!(" ({})", feature_unit(&name_for_unit, &unit, lang.get())))}
                {move || median.map(|median| format!(
                    " · {} {}",
                    lang.get().pick("median", "medyan"),
                    short_number(median, lang.get().decimal_mark()),
                ))}
            </span>
            {match spec.categories.clone() {
                Some(categories) => view! {
                    <CategoryChoice
                        input_id
                        test_id=format!("feature-{}", spec.name)
                        described_by
                        categories
                        text
                        exact
                    />
                }
                    .into_any(),
                None => view! {
                <input
                    id=input_id
                    type="text"
                    inputmode="decimal"
                    autocomplete="off"
                    data-testid=format!("feature-{}", spec.name)
                    data-kind=kind_name(spec.kind)
                    class:missing=is_missing
                    aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                    aria-describedby=described_by
                    placeholder=move || lang.get().pick("unknown", "bilinmiyor")
                    data-exact-value=move || exact.get().map(|value| format!("{value}"))
                    title=move || exact.get().map(|value| format_value(value, lang.get().decimal_mark()))
                    prop:value=move || text.get()
                    on:input=move |event| {
                        exact.set(None);
                        text.set(event_target_value(&event));
                    }
                />
                }
                    .into_any(),
            }}
            <span id=error_id>
                {move || match error.get() {
                    Some(error) => view! {
                        <p class="field-error" data-testid="input-error">{error.message(lang.get())}</p>
                    }
                        .into_any(),
                    None if is_missing() => view! {
                        <span class="missing-note">
                            {lang.get().pick("Unknown: the model treats it as missing.", "Bilinmiyor: model eksik değer olarak ele alır.")}
                        </span>
                    }
                        .into_any(),
                    None => ().into_any(),
                }}
            </span>
        </div>
    }
}

#[component]
fn IdField(
    id: &'static str,
    label_en: &'static str,
    label_tr: &'static str,
    text: RwSignal<String>,
    error: Memo<Option<InputError>>,
) -> impl IntoView {
    let lang = use_lang();
    let input_id = format!("{id}-input");
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=input_id.clone()>{move || lang.get().pick(label_en, label_tr)}</label>
            <input
                id=input_id
                type="text"
                inputmode="numeric"
                autocomplete="off"
                data-testid=id
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
                prop:value=move || text.get()
                on:input=move |event| text.set(event_target_value(&event))
            />
            <span id=error_id>
                {move || error.get().map(|error| view! {
                    <p class="field-error" data-testid="input-error">{error.message(lang.get())}</p>
                })}
            </span>
        </div>
    }
}

#[component]
fn ResultCard(
    scored: Scored,
    explained: Memo<Option<Result<Vec<Explained>, ScoreError>>>,
    threshold: f64,
    names: Arc<Vec<String>>,
    shape: Arc<OutputShape>,
    explained_class: RwSignal<Option<usize>>,
) -> impl IntoView {
    let lang = use_lang();
    let kind = shape.kind;
    let top_class = crate::batch::most_likely(&scored.outputs);
    let space = match kind {
        ModelKind::Binary => ExplainSpace::LogOdds,
        ModelKind::Multiclass => ExplainSpace::ClassScore,
        ModelKind::Regression => ExplainSpace::RawValue,
        ModelKind::Ranking => ExplainSpace::Score,
    };
    let chart = move || {
        explained.get().map(|explained| match explained {
            Ok(explanations) => {
                let class = explained_class
                    .get()
                    .filter(|class| *class < explanations.len())
                    .unwrap_or(if kind == ModelKind::Multiclass {
                        top_class
                    } else {
                        0
                    });
                let explained = explanations[class].clone();
                let contributions: Vec<(String, f64)> = names
                    .iter()
                    .cloned()
                    .zip(explained.contributions.iter().copied())
                    .collect();
                let expected_value = explained.expected_value;
                let raw = explained.raw;
                view! {
                    <div data-testid="explained-output" data-class=class.to_string()>
                        <ExplainChart contributions expected_value raw space />
                    </div>
                }
                .into_any()
            }
            Err(error) => view! {
                <p class="hint" data-testid="explanation-unavailable">{error.to_string()}</p>
            }
            .into_any(),
        })
    };
    let class_choice = (kind == ModelKind::Multiclass).then(|| {
        let named = shape.named;
        let options = shape
            .classes
            .iter()
            .enumerate()
            .map(|(class, name)| {
                let name = name.clone();
                view! {
                    <option value=class.to_string()>
                        {move || class_label(&name, named, lang.get())}
                    </option>
                }
            })
            .collect_view();
        view! {
            <label class="explain-class">
                {move || lang.get().pick("Explain the score of", "Açıklanan puan:")}
                " "
                <select
                    data-testid="explain-class"
                    prop:value=move || explained_class.get().unwrap_or(top_class).to_string()
                    on:change=move |event| {
                        explained_class.set(event_target_value(&event).parse().ok());
                    }
                >
                    {options}
                </select>
            </label>
        }
    });
    let outputs_view = match scored.is_reorder {
        Some(decision) => binary_outputs(scored.outputs[0], decision, threshold).into_any(),
        None => view! {
            <KindOutputs
                kind
                outputs=scored.outputs.clone()
                class_names=shape.classes.clone()
                named=shape.named
                range=shape.range
            />
        }
        .into_any(),
    };
    view! {
        <div class="card result" data-testid="result-card">
            <h2>{move || lang.get().pick("Prediction", "Tahmin")}</h2>
            {outputs_view}
            <h2>{move || lang.get().pick("Why", "Neden")}</h2>
            {class_choice}
            <div class="explain-slot">{chart}</div>
        </div>
    }
}

/// A binary model's probability, decision, threshold, margin and confidence band.
fn binary_outputs(probability: f64, decision: bool, threshold: f64) -> impl IntoView {
    let lang = use_lang();
    let margin = probability - threshold;
    let band = ConfidenceBand::from_margin(margin);
    view! {
        <div data-testid="prediction" data-kind="binary" data-values=format!("[{probability}]")>
            <p class="big" data-testid="probability" data-value=format!("{probability}")>
                {move || lang.get().percent(probability)}
            </p>
        </div>
        <p
            data-testid="decision"
            data-value=if decision { "1" } else { "0" }
            class=if decision { "decision-yes" } else { "decision-no" }
        >
            {move || {
                if decision {
                    lang.get().pick("Likely to reorder", "Muhtemelen tekrar alacak")
                } else {
                    lang.get().pick("Not likely to reorder", "Muhtemelen tekrar almayacak")
                }
            }}
        </p>
        <dl class="facts">
            <dt>{move || lang.get().pick("Threshold", "Eşik")}</dt>
            <dd data-testid="threshold" data-value=format!("{threshold}")>{move || lang.get().percent(threshold)}</dd>
            <dt>{move || lang.get().pick("Margin", "Fark")}</dt>
            <dd data-testid="margin">
                {move || {
                    let points = lang.get().decimal(margin * 100.0, 1);
                    format!("{}{points} {}", if margin >= 0.0 { "+" } else { "" }, lang.get().pick("points", "puan"))
                }}
            </dd>
            <dt>{move || lang.get().pick("Confidence", "Güven")}</dt>
            <dd>
                <span class="band" data-testid="confidence-band">{move || band.label(lang.get())}</span>
            </dd>
        </dl>
        <p class="hint">
            {move || lang.get().pick(
                "Decision rule: reorder when the probability is at or above the threshold.",
                "Karar kuralı: olasılık eşiğe eşit ya da eşikten büyükse tekrar alır.",
            )}
        </p>
    }
}
