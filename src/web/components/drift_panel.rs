//! The dashboard's drift panel: whether the rows the dashboard's filter selects still look like
//! the data the model in use learned from. It compares the log's drift sketches (per-feature
//! histograms kept per day, source and model: `prediction_log::SketchBucket`) with a reference:
//! the training split's sketch shipped next to the bundled model, or a window of the log the
//! person picks (the only choice for their own model). One line per feature with Evidently's
//! test, score, threshold and verdict; the prediction's drift; the dataset's verdict and a
//! banner when it drifts; a chosen feature's two distributions drawn over each other;
//! thresholds editable and remembered; the report exported as JSON or printed.

use std::sync::Arc;

use leptos::prelude::*;

use crate::lang::Lang;
use crate::monitoring::reference::DriftReference;
use crate::monitoring::report::{drift_report, DriftReport, DriftThresholds};
use crate::monitoring::sketch::{FeatureBins, FeatureSketch, InputSketch, SketchBins};
use crate::prediction_log::{
    merged_sketch, parse_utc_date, summarize_buckets, Bucket, Filter, SketchBucket, MS_PER_DAY,
};
use crate::web::download::offer_download;
use crate::web::log::use_log_store;
use crate::web::settings::{load_setting, save_setting};
use crate::web::state::active_model::use_active_model_if_provided;
use crate::web::state::language::use_lang;

/// Where the thresholds are remembered (JSON of `DriftThresholds`).
const THRESHOLDS_SETTING: &str = "drift-thresholds";

/// Something read once, or why it could not be.
type Loaded<T> = Result<Arc<T>, String>;

/// What the current rows are compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReferenceChoice {
    /// The training split's sketch (the bundled model's `drift_reference.json`).
    Training,
    /// The log's rows of the model in use between two UTC days (inclusive; either end open).
    LogWindow {
        from_ms: Option<i64>,
        to_ms: Option<i64>,
    },
}

/// The panel's state, computed from the log, the reference and the filter.
enum PanelState {
    Waiting,
    Unavailable(String),
    Ready {
        report: Arc<DriftReport>,
        reference: Arc<InputSketch>,
        current: Arc<InputSketch>,
        bins: Arc<SketchBins>,
        /// The filter's predictions of the model in use, and how many of them have sketches.
        total: u64,
        compared: u64,
        reference_description: String,
    },
}

fn load_thresholds() -> DriftThresholds {
    load_setting(THRESHOLDS_SETTING)
        .and_then(|text| serde_json::from_str::<DriftThresholds>(&text).ok())
        .and_then(|thresholds| thresholds.checked().ok())
        .unwrap_or_default()
}

/// The panel; `buckets` are the dashboard's (for how many of the filter's rows are compared).
#[component]
pub fn DriftPanel(
    filter: RwSignal<Filter>,
    buckets: Signal<Option<Arc<Vec<Bucket>>>>,
) -> impl IntoView {
    let store = use_log_store();
    let lang = use_lang();
    // The dashboard mounted without the app's model (its tests) compares nothing.
    let active = use_active_model_if_provided();
    let revision = store.revision();

    let sketches: RwSignal<Option<Loaded<Vec<SketchBucket>>>, LocalStorage> =
        RwSignal::new_local(None);
    Effect::new(move |_| {
        revision.track();
        leptos::task::spawn_local(async move {
            let loaded = store
                .sketch_buckets()
                .await
                .map(Arc::new)
                .map_err(|error| crate::browser::js_error::full_message(&error));
            sketches.try_set(Some(loaded));
        });
    });

    // The model's bins, made once per model.
    let bins = Memo::new(move |_| {
        active.with(|active| {
            active
                .as_ref()
                .filter(|active| active.model().objective().has_threshold())
                .map(|active| Arc::new(SketchBins::for_model(active.model())))
        })
    });
    let is_own =
        Memo::new(move |_| active.with(|active| active.as_ref().is_some_and(|a| a.is_own)));

    // The training reference of the bundled model, fetched when the panel first needs it.
    let training: RwSignal<Option<Loaded<DriftReference>>, LocalStorage> =
        RwSignal::new_local(None);
    Effect::new(move |_| {
        let Some(active) = active.get() else { return };
        if active.is_own || training.with_untracked(Option::is_some) {
            return;
        }
        leptos::task::spawn_local(async move {
            let loaded =
                match crate::web::fetch::fetch_text(crate::asset_urls::DRIFT_REFERENCE_URL).await {
                    Ok(text) => DriftReference::from_json_for(&text, active.model())
                        .map(Arc::new)
                        .map_err(|error| error.to_string()),
                    Err(error) => Err(error.to_string()),
                };
            training.try_set(Some(loaded));
        });
    });

    let choice = RwSignal::new(ReferenceChoice::Training);
    Effect::new(move |_| {
        if is_own.get() && choice.get_untracked() == ReferenceChoice::Training {
            choice.set(ReferenceChoice::LogWindow {
                from_ms: None,
                to_ms: None,
            });
        }
    });
    let thresholds = RwSignal::new(load_thresholds());
    let chosen_feature = RwSignal::new(None::<String>);

    // Compared by identity: a new computation is a new state.
    let state = Memo::new_with_compare(
        move |_| -> Arc<PanelState> {
            let lang = lang.get();
            let Some(active) = active.get() else {
                return Arc::new(PanelState::Waiting);
            };
            let Some(bins) = bins.get() else {
                return Arc::new(PanelState::Unavailable(
                lang.pick(
                    "The log holds the predictions of binary models: this model's inputs are not logged, so there is nothing to compare.",
                    "Kayıt ikili modellerin tahminlerini tutar: bu modelin girdileri kaydedilmez, karşılaştırılacak bir şey yok.",
                )
                .to_owned(),
            ));
            };
            let stored = match sketches.get() {
                None => return Arc::new(PanelState::Waiting),
                Some(Err(error)) => return Arc::new(PanelState::Unavailable(error)),
                Some(Ok(stored)) => stored,
            };
            let mut current_filter = filter.get();
            current_filter.model_sha256 = Some(active.sha256.clone());
            let (current, _other_bins) = merged_sketch(&stored, &current_filter, &bins);
            let total = buckets
                .get()
                .map(|buckets| summarize_buckets(&buckets, &current_filter).total)
                .unwrap_or(current.rows);
            let (reference, reference_description) = match choice.get() {
                ReferenceChoice::Training => match training.get() {
                    None => return Arc::new(PanelState::Waiting),
                    Some(Err(error)) => {
                        return Arc::new(PanelState::Unavailable(format!(
                            "{} {error}",
                            lang.pick(
                                "The training reference could not be read:",
                                "Eğitim referansı okunamadı:"
                            )
                        )))
                    }
                    Some(Ok(reference)) => {
                        (reference.sketch.clone(), reference.description.clone())
                    }
                },
                ReferenceChoice::LogWindow { from_ms, to_ms } => {
                    let window = Filter {
                        sources: Vec::new(),
                        from_ms,
                        to_ms,
                        model_sha256: Some(active.sha256.clone()),
                    };
                    let (sketch, _) = merged_sketch(&stored, &window, &bins);
                    let describe = |ms: Option<i64>| {
                        ms.map(crate::prediction_log::format_utc_date)
                            .unwrap_or_else(|| "…".to_owned())
                    };
                    (
                        sketch,
                        format!(
                            "{} {} – {}",
                            lang.pick("the log,", "kayıt,"),
                            describe(from_ms),
                            describe(to_ms.map(|to| to - MS_PER_DAY))
                        ),
                    )
                }
            };
            if reference.rows == 0 {
                return Arc::new(PanelState::Unavailable(
                lang.pick(
                    "The reference holds no rows: choose a window of the log with predictions of this model.",
                    "Referansta satır yok: kayıtta bu modelin tahminlerinin olduğu bir aralık seçin.",
                )
                .to_owned(),
            ));
            }
            if current.rows == 0 {
                return Arc::new(PanelState::Unavailable(
                lang.pick(
                    "No prediction of the model in use in this filter has feature histograms yet (rows logged before this version have none).",
                    "Bu filtrede kullanılan modelin özellik histogramı olan tahmini yok (bu sürümden önce kaydedilenlerin yoktur).",
                )
                .to_owned(),
            ));
            }
            match drift_report(&bins, &reference, &current, thresholds.get()) {
                Ok(report) => Arc::new(PanelState::Ready {
                    report: Arc::new(report),
                    compared: current.rows,
                    reference: Arc::new(reference),
                    current: Arc::new(current),
                    bins,
                    total,
                    reference_description,
                }),
                Err(error) => Arc::new(PanelState::Unavailable(error.to_string())),
            }
        },
        |old, new| match (old, new) {
            (Some(old), Some(new)) => !Arc::ptr_eq(old, new),
            _ => true,
        },
    );

    let set_threshold = move |text: String, field: fn(&mut DriftThresholds, f64)| {
        let Ok(value) = text.trim().replace(',', ".").parse::<f64>() else {
            return;
        };
        let mut next = thresholds.get_untracked();
        field(&mut next, value);
        if let Ok(next) = next.checked() {
            thresholds.set(next);
            if let Ok(text) = serde_json::to_string(&next) {
                save_setting(THRESHOLDS_SETTING, &text);
            }
        }
    };
    let on_window_date = move |text: String, is_end: bool| {
        let parsed = if text.is_empty() {
            None
        } else {
            parse_utc_date(&text).ok()
        };
        let (mut from_ms, mut to_ms) = match choice.get_untracked() {
            ReferenceChoice::LogWindow { from_ms, to_ms } => (from_ms, to_ms),
            ReferenceChoice::Training => (None, None),
        };
        if is_end {
            to_ms = parsed.map(|ms| ms + MS_PER_DAY);
        } else {
            from_ms = parsed;
        }
        choice.set(ReferenceChoice::LogWindow { from_ms, to_ms });
    };
    let export_json = move |_| {
        if let PanelState::Ready {
            report,
            reference_description,
            ..
        } = &*state.get_untracked()
        {
            let current = current_description(&filter.get_untracked());
            let json = report.to_json_value(reference_description, &current);
            let text = serde_json::to_string_pretty(&json).unwrap_or_default();
            let _ = offer_download(text.as_bytes(), "drift-report.json", "application/json");
        }
    };
    let print = move |_| {
        if let Some(window) = web_sys::window() {
            let body = window.document().and_then(|document| document.body());
            if let Some(body) = &body {
                let _ = body.class_list().add_1("printing-drift");
            }
            let _ = window.print();
            if let Some(body) = &body {
                let _ = body.class_list().remove_1("printing-drift");
            }
        }
    };

    view! {
        <section class="card drift" data-testid="drift-panel"
            data-state=move || match &*state.get() {
                PanelState::Waiting => "loading",
                PanelState::Unavailable(_) => "unavailable",
                PanelState::Ready { .. } => "ready",
            }>
            <h2>{move || lang.get().pick("Input drift", "Girdi kayması")}</h2>
            <p class="hint">{move || lang.get().pick(
                "Are the inputs in this filter still like the data the model learned from? Each feature is tested as Evidently 0.7.23 tests it by default, on histograms the log keeps (no row is read).",
                "Bu filtredeki girdiler modelin öğrendiği veriye hâlâ benziyor mu? Her özellik Evidently 0.7.23'ün varsayılanıyla, kaydın tuttuğu histogramlar üzerinde sınanır (hiçbir satır okunmaz).",
            )}</p>
            <div class="drift-controls">
                <label>
                    {move || lang.get().pick("Reference", "Referans")}
                    <select data-testid="drift-reference" on:change=move |ev| {
                        choice.set(if event_target_value(&ev) == "training" {
                            ReferenceChoice::Training
                        } else {
                            ReferenceChoice::LogWindow { from_ms: None, to_ms: None }
                        });
                    }>
                        <option value="training" disabled=move || is_own.get()
                            selected=move || choice.get() == ReferenceChoice::Training>
                            {move || lang.get().pick("Training data", "Eğitim verisi")}
                        </option>
                        <option value="window" selected=move || choice.get() != ReferenceChoice::Training>
                            {move || lang.get().pick("A window of the log", "Kayıttan bir aralık")}
                        </option>
                    </select>
                </label>
                <Show when=move || choice.get() != ReferenceChoice::Training>
                    <label>
                        {move || lang.get().pick("Reference from (UTC)", "Referans başlangıcı (UTC)")}
                        <input type="date" data-testid="drift-reference-from"
                            on:change=move |ev| on_window_date(event_target_value(&ev), false) />
                    </label>
                    <label>
                        {move || lang.get().pick("to (inclusive)", "bitiş (dahil)")}
                        <input type="date" data-testid="drift-reference-to"
                            on:change=move |ev| on_window_date(event_target_value(&ev), true) />
                    </label>
                </Show>
                <label>
                    {move || lang.get().pick("Distance threshold", "Uzaklık eşiği")}
                    <input type="number" step="0.01" min="0.001" data-testid="drift-threshold-distance"
                        prop:value=move || thresholds.get().distance.to_string()
                        on:change=move |ev| set_threshold(event_target_value(&ev), |t, v| t.distance = v) />
                </label>
                <label>
                    {move || lang.get().pick("p-value threshold", "p-değeri eşiği")}
                    <input type="number" step="0.01" min="0.001" max="0.999" data-testid="drift-threshold-p"
                        prop:value=move || thresholds.get().p_value.to_string()
                        on:change=move |ev| set_threshold(event_target_value(&ev), |t, v| t.p_value = v) />
                </label>
                <label>
                    {move || lang.get().pick("Dataset drifts at share", "Veri kümesi kayma payı")}
                    <input type="number" step="0.05" min="0.05" max="1" data-testid="drift-threshold-share"
                        prop:value=move || thresholds.get().drift_share.to_string()
                        on:change=move |ev| set_threshold(event_target_value(&ev), |t, v| t.drift_share = v) />
                </label>
            </div>
            {move || match &*state.get() {
                PanelState::Waiting => view! {
                    <p class="loading" role="status">{lang.get().pick("Reading the histograms…", "Histogramlar okunuyor…")}</p>
                }.into_any(),
                PanelState::Unavailable(why) => view! {
                    <p class="hint" data-testid="drift-unavailable">{why.clone()}</p>
                }.into_any(),
                PanelState::Ready { report, reference, current, bins, total, compared, reference_description } => {
                    let lang = lang.get();
                    ready_view(lang, report, reference, current, bins, *total, *compared, reference_description, chosen_feature).into_any()
                }
            }}
            <p class="drift-actions">
                <button type="button" class="secondary" data-testid="drift-export-json" on:click=export_json>
                    {move || lang.get().pick("Export the report (JSON)", "Raporu dışa aktar (JSON)")}
                </button>
                <button type="button" class="secondary" data-testid="drift-print" on:click=print>
                    {move || lang.get().pick("Print the report", "Raporu yazdır")}
                </button>
            </p>
        </section>
    }
}

/// What the filter selects, in words, for the exported report.
fn current_description(filter: &Filter) -> String {
    let day = |ms: Option<i64>| {
        ms.map(crate::prediction_log::format_utc_date)
            .unwrap_or_else(|| "…".to_owned())
    };
    let sources = if filter.sources.is_empty() {
        "every source".to_owned()
    } else {
        filter
            .sources
            .iter()
            .map(|source| source.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "the log, {} – {}, {sources}",
        day(filter.from_ms),
        day(filter.to_ms.map(|to| to - MS_PER_DAY))
    )
}

fn score_text(score: f64) -> String {
    if score != 0.0 && score.abs() < 1e-3 {
        format!("{score:.2e}")
    } else {
        format!("{score:.4}")
    }
}

#[allow(clippy::too_many_arguments)]
fn ready_view(
    lang: Lang,
    report: &Arc<DriftReport>,
    reference: &Arc<InputSketch>,
    current: &Arc<InputSketch>,
    bins: &Arc<SketchBins>,
    total: u64,
    compared: u64,
    reference_description: &str,
    chosen_feature: RwSignal<Option<String>>,
) -> impl IntoView {
    let dataset = report.dataset;
    let drifted = dataset.is_some_and(|dataset| dataset.drifted);
    let share = dataset.map_or(0.0, |dataset| dataset.share_of_drifted_columns);
    let banner = drifted.then(|| {
        view! {
            <p class="drift-banner" role="alert" data-testid="drift-banner">
                {lang.pick(
                    "Dataset drift: the inputs in this filter no longer look like the reference.",
                    "Veri kümesi kayması: bu filtredeki girdiler artık referansa benzemiyor.",
                )}
            </p>
        }
    });
    let summary_text = match dataset {
        Some(dataset) => format!(
            "{} {} / {} ({:.0}%) · {} {}",
            lang.pick("Drifted features:", "Kayan özellikler:"),
            dataset.drifted_columns,
            dataset.columns,
            dataset.share_of_drifted_columns * 100.0,
            lang.pick("dataset drift:", "veri kümesi kayması:"),
            if dataset.drifted {
                lang.pick("yes", "evet")
            } else {
                lang.pick("no", "hayır")
            }
        ),
        None => lang
            .pick("No feature could be tested.", "Hiçbir özellik sınanamadı.")
            .to_owned(),
    };
    let prediction = report.prediction.map(|verdict| {
        view! {
            <p data-testid="prediction-drift"
                data-method=verdict.method.evidently_name()
                data-score=verdict.score.to_string()
                data-threshold=verdict.threshold.to_string()
                data-drifted=verdict.drifted.to_string()>
                {lang.pick("Prediction drift", "Tahmin kayması")} " ("
                {verdict.method.display_name()} "): " {score_text(verdict.score)} " · "
                {if verdict.drifted { lang.pick("drifted", "kaydı") } else { lang.pick("not drifted", "kaymadı") }}
            </p>
        }
    });
    let rows = report
        .features
        .iter()
        .map(|line| {
            let feature = line.feature.clone();
            let pick = feature.clone();
            let (method, method_name, score, threshold, drifted) = match line.verdict {
                Some(verdict) => (
                    verdict.method.evidently_name().to_owned(),
                    verdict.method.display_name().to_owned(),
                    verdict.score.to_string(),
                    verdict.threshold.to_string(),
                    verdict.drifted.to_string(),
                ),
                None => (
                    String::new(),
                    line.unavailable.clone().unwrap_or_default(),
                    String::new(),
                    String::new(),
                    "unknown".to_owned(),
                ),
            };
            let score_cell = line
                .verdict
                .map(|v| score_text(v.score))
                .unwrap_or_default();
            let threshold_cell = line
                .verdict
                .map(|v| v.threshold.to_string())
                .unwrap_or_default();
            let verdict_cell = match line.verdict {
                Some(v) if v.drifted => lang.pick("drifted", "kaydı"),
                Some(_) => lang.pick("stable", "sabit"),
                None => "–",
            };
            let psi = line.psi.map(score_text).unwrap_or_default();
            let missing = format!(
                "{:.1}% → {:.1}%",
                line.reference_missing_share * 100.0,
                line.current_missing_share * 100.0
            );
            let class = if line.verdict.is_some_and(|v| v.drifted) {
                "drifted"
            } else {
                ""
            };
            let feature_cell = feature.clone();
            view! {
                <tr data-testid="drift-row" class=class
                    data-feature=feature data-method=method data-score=score
                    data-threshold=threshold data-drifted=drifted
                    on:click=move |_| chosen_feature.set(Some(pick.clone()))>
                    <td class="mono">{feature_cell}</td>
                    <td>{method_name}</td>
                    <td class="num">{score_cell}</td>
                    <td class="num">{threshold_cell}</td>
                    <td>{verdict_cell}</td>
                    <td class="num">{psi}</td>
                    <td class="num">{missing}</td>
                </tr>
            }
        })
        .collect_view();
    let first = report.features.first().map(|line| line.feature.clone());
    let names: Vec<String> = report
        .features
        .iter()
        .map(|line| line.feature.clone())
        .collect();
    let chart_bins = Arc::clone(bins);
    let chart_reference = Arc::clone(reference);
    let chart_current = Arc::clone(current);
    view! {
        {banner}
        <p data-testid="drift-summary" data-share=share.to_string()
            data-dataset-drift=drifted.to_string()>
            {summary_text}
        </p>
        <p class="hint" data-testid="drift-coverage" data-compared=compared.to_string() data-total=total.to_string()>
            {format!(
                "{} {} ({} {}) · {} {compared} / {total}",
                lang.pick("Reference:", "Referans:"),
                reference_description,
                report.reference_rows,
                lang.pick("rows", "satır"),
                lang.pick("compared predictions:", "karşılaştırılan tahminler:"),
            )}
        </p>
        {prediction}
        <div class="table-scroll">
            <table class="drift-table">
                <thead><tr>
                    <th>{lang.pick("Feature", "Özellik")}</th>
                    <th>{lang.pick("Test", "Sınama")}</th>
                    <th>{lang.pick("Score", "Skor")}</th>
                    <th>{lang.pick("Threshold", "Eşik")}</th>
                    <th>{lang.pick("Verdict", "Karar")}</th>
                    <th>"PSI"</th>
                    <th>{lang.pick("Missing (ref → now)", "Eksik (ref → şimdi)")}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <label>
            {lang.pick("Distribution of", "Dağılımı")}
            <select data-testid="drift-feature" on:change=move |ev| chosen_feature.set(Some(event_target_value(&ev)))>
                {names.into_iter().map(|name| {
                    let selected = {
                        let name = name.clone();
                        let first = first.clone();
                        move || chosen_feature.get().or_else(|| first.clone()).as_deref() == Some(name.as_str())
                    };
                    let label = name.clone();
                    view! { <option value=name selected=selected>{label}</option> }
                }).collect_view()}
            </select>
        </label>
        {move || {
            let feature = chosen_feature.get().or_else(|| first.clone())?;
            let index = chart_bins.feature_names.iter().position(|name| *name == feature)?;
            Some(distribution_chart(lang, &chart_bins, &chart_reference, &chart_current, index, &feature))
        }}
    }
}

/// Shares per bin (tails first and last) or per category (the 30 largest), both sides.
fn shares(
    bins: &SketchBins,
    reference: &InputSketch,
    current: &InputSketch,
    index: usize,
) -> Vec<(String, f64, f64)> {
    let share = |count: u64, all: u64| {
        if all == 0 {
            0.0
        } else {
            count as f64 / all as f64
        }
    };
    match (
        &bins.features[index],
        &reference.features[index],
        &current.features[index],
    ) {
        (
            FeatureBins::Numerical { edges },
            FeatureSketch::Numerical(r),
            FeatureSketch::Numerical(c),
        ) => {
            let (r_all, c_all) = (r.present(), c.present());
            let mut out = vec![(
                format!("< {}", edges[0]),
                share(r.below.count, r_all),
                share(c.below.count, c_all),
            )];
            for (bin, (rc, cc)) in r.counts.iter().zip(&c.counts).enumerate() {
                out.push((
                    format!("[{}, {})", edges[bin], edges[bin + 1]),
                    share(*rc, r_all),
                    share(*cc, c_all),
                ));
            }
            out.push((
                format!("> {}", edges[edges.len() - 1]),
                share(r.above.count, r_all),
                share(c.above.count, c_all),
            ));
            out
        }
        (
            FeatureBins::Categorical,
            FeatureSketch::Categorical { counts: r, .. },
            FeatureSketch::Categorical { counts: c, .. },
        ) => {
            let (r_all, c_all): (u64, u64) = (r.values().sum(), c.values().sum());
            let mut keys: Vec<&String> = r.keys().chain(c.keys()).collect();
            keys.sort();
            keys.dedup();
            let mut out: Vec<(String, f64, f64)> = keys
                .into_iter()
                .map(|key| {
                    (
                        key.clone(),
                        share(*r.get(key).unwrap_or(&0), r_all),
                        share(*c.get(key).unwrap_or(&0), c_all),
                    )
                })
                .collect();
            out.sort_by(|a, b| (b.1 + b.2).total_cmp(&(a.1 + a.2)));
            out.truncate(30);
            out
        }
        _ => Vec::new(),
    }
}

fn distribution_chart(
    lang: Lang,
    bins: &SketchBins,
    reference: &InputSketch,
    current: &InputSketch,
    index: usize,
    feature: &str,
) -> impl IntoView {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 160.0;
    let parts = shares(bins, reference, current, index);
    let tallest = parts
        .iter()
        .map(|(_, r, c)| r.max(*c))
        .fold(0.0, f64::max)
        .max(1e-12);
    let step = WIDTH / parts.len().max(1) as f64;
    let bar = |i: usize, value: f64, offset: f64, class: &'static str, label: &str| {
        let height = value / tallest * (HEIGHT - 4.0);
        view! {
            <rect class=class x=(i as f64 * step + offset).to_string() y=(HEIGHT - height).to_string()
                width=(step / 2.0).max(0.5).to_string() height=height.to_string()>
                <title>{format!("{label}: {:.2}%", value * 100.0)}</title>
            </rect>
        }
    };
    let drawn = parts
        .iter()
        .enumerate()
        .map(|(i, (label, r, c))| {
            view! {
                {bar(i, *r, 0.0, "reference", label)}
                {bar(i, *c, step / 2.0, "current", label)}
            }
        })
        .collect_view();
    view! {
        <figure class="chart drift-chart">
            <figcaption>
                {format!("{feature}: ")}
                <span class="legend reference">{lang.pick("reference", "referans")}</span>" · "
                <span class="legend current">{lang.pick("now", "şimdi")}</span>
            </figcaption>
            <svg data-testid="drift-chart" data-feature=feature.to_owned() role="img"
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                aria-label=format!("{feature}: {}", lang.pick("reference and current distributions", "referans ve güncel dağılımlar"))>
                {drawn}
            </svg>
        </figure>
    }
}
