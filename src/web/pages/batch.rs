//! Batch page `/batch`: score a whole CSV file of feature rows (the `reorder predict` format) in
//! the browser. The page is the view of a run (`web::batch_run`): the batch worker reads the file
//! in slices, scores it off the main thread and posts progress, the scored chunks (logged here,
//! one transaction each) and the scored CSV in parts; without a worker the same run goes on the
//! main thread between yields. The run can be cancelled; bad rows are listed (line, column,
//! reason) while the good ones are scored; the result downloads as injection-safe CSV. With a
//! `reordered` or `label` column the page shows how the threshold trades precision for recall on
//! that file. `batch-results` says where the file was scored (`data-scored-in`).
//!
//! The worker for the next file is started as the page opens (once the model is loaded), and
//! again after each run (`WarmWorker`, with its helper, both warmed up on made-up rows with the
//! model in use): a file chosen then finds both loaded and compiled for speed, and the
//! page says so (`data-scorer`: `starting`, `ready`, `busy` while a run has it, or
//! `unavailable` when the main thread will score).
//!
//! The worker also sorts the labelled rows and draws both curves (`RunSummary`), so the page
//! only builds the what-if threshold's table, in one pass.
//!
//! How a run compares with `reorder predict` on the same file (time, browser memory, main-thread
//! tasks) is measured by `bench/scripts/batch_page.sh`; the figures are in docs/performance.md,
//! section 4.

use std::sync::Arc;

use leptos::prelude::*;

use crate::batch::{Confusion, Method, EXACT_LABELLED_ROWS, SCORE_BINS};
use crate::browser::js_error::js_message;
use crate::chart::UnitSquareChart;
use crate::input::upload::Upload;
use crate::lang::Lang;
use crate::model::ModelKind;
use crate::web::batch_run::{BatchOutcome, MAX_LISTED_ERRORS};
use crate::web::components::kind_metrics_card::KindMetricsCard;
use crate::web::download::offer_blob;
use crate::web::log::use_log_store;
use crate::web::settings::{load_setting, save_setting};
use crate::web::state::active_model::use_active_model;
use crate::web::state::jobs::{use_jobs, BatchState};
use crate::web::state::language::use_lang;
use crate::web::worker_link::WarmWorker;

/// The setting that remembers whether batch rows are logged with their feature values.
const KEEP_VALUES_SETTING: &str = "batch-keep-values";

fn scored_file_name(input: &str) -> String {
    let stem = input.strip_suffix(".csv").unwrap_or(input);
    format!("{stem}.scored.csv")
}

fn percent(value: Option<f64>, lang: Lang) -> String {
    value.map_or_else(|| "—".to_owned(), |value| lang.percent(value))
}

#[component]
pub fn BatchPage() -> impl IntoView {
    let lang = use_lang();
    let active = use_active_model();
    let log = use_log_store();
    // The run is the app's (`state::jobs`): it goes on when this page is left, and the page shows
    // it again when it is opened.
    let job = use_jobs().batch;
    let state = job.state;
    let progress = job.progress;
    let cancel = job.cancel;
    Effect::new(move |_| {
        if !job.is_running() {
            job.seen.set(true);
        }
    });
    let dragging = RwSignal::new(false);
    // Off unless asked for: the rows' input is the file itself, and a million rows' values are
    // 328 MB of the browser's storage (prediction_log::batch_runs).
    let keep_values = RwSignal::new(load_setting(KEEP_VALUES_SETTING).as_deref() == Some("1"));
    // The worker the next file goes to, started ahead and warmed up with the model in use (any
    // model warms the same code).
    let scorer = RwSignal::new("starting");
    let warm = StoredValue::new_local(None::<WarmWorker>);
    let prepare_worker = move || {
        let _ = scorer.try_set("starting");
        let warm_up_bundle = active
            .try_get_untracked()
            .flatten()
            .and_then(|active| serde_json::to_string(active.model().bundle()).ok());
        let worker = WarmWorker::start(warm_up_bundle, move |ready| {
            let _ = scorer.try_set(if ready { "ready" } else { "unavailable" });
        });
        // A page that has gone meanwhile gives it back, and it is terminated.
        let _ = warm.try_set_value(Some(worker));
    };
    // The first one once the model is loaded (its warm-up needs one); the next after each run
    // (a run takes the worker it finds).
    Effect::new(move |_| {
        let loaded = active.with(Option::is_some);
        let running = job.is_running();
        if running {
            let _ = scorer.try_set("busy");
        } else if loaded && warm.with_value(Option::is_none) {
            prepare_worker();
        }
    });

    let start = move |file: web_sys::File| {
        let Some(model) = active.get_untracked() else {
            job.refuse(
                lang.get_untracked()
                    .pick("The model is not loaded yet.", "Model henüz yüklenmedi.")
                    .to_owned(),
            );
            return;
        };
        // The size is checked before a byte is read: an oversized file gets the limit, not a
        // tab out of memory.
        if let Err(too_large) = Upload::BatchFile.check(&file.name(), file.size() as u64) {
            job.refuse(too_large.to_string());
            return;
        }
        let worker = warm.try_update_value(Option::take).flatten();
        job.start(file, worker, model, log, keep_values.get_untracked());
    };

    let on_change = move |event: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            start(file);
        }
        input.set_value("");
    };
    let on_drop = move |event: leptos::ev::DragEvent| {
        event.prevent_default();
        dragging.set(false);
        if let Some(file) = event
            .data_transfer()
            .and_then(|transfer| transfer.files())
            .and_then(|files| files.get(0))
        {
            start(file);
        }
    };
    let running = move || job.is_running();

    view! {
        <section data-testid="page-batch" class="batch" data-scorer=move || scorer.get()>
            <h1>{move || lang.get().pick("Score a file", "Dosya puanla")}</h1>
            <p class="lead">
                {move || lang.get().pick(
                    "Choose or drop a CSV with one column per model feature (the format of `reorder predict`; an empty cell or NaN means unknown). Add a `reordered` or `label` column of 0/1 to see precision and recall (with a model of another kind: the class index, the value, or the relevance grade with a `query` column). The file is scored in your browser and never uploaded.",
                    "Her model özelliği için bir sütun içeren bir CSV seçin ya da bırakın (`reorder predict` biçimi; boş hücre veya NaN bilinmiyor demektir). Kesinlik ve duyarlılığı görmek için 0/1 değerli bir `reordered` ya da `label` sütunu ekleyin (başka türde bir modelde: sınıf numarası, değer ya da bir `query` sütunuyla ilgi derecesi). Dosya tarayıcınızda puanlanır, hiçbir yere yüklenmez.",
                )}
            </p>
            {move || match active.get() {
                Some(model) if model.is_own => Some(view! {
                    <p class="hint" data-testid="batch-model">
                        {move || lang.get().pick("Scoring with your own model", "Kendi modelinizle puanlanıyor")}
                        " · sha256 " <span class="mono">{model.sha256.chars().take(12).collect::<String>()}</span>
                    </p>
                }),
                _ => None,
            }}
            <div
                class="drop-zone card"
                class:dragging=move || dragging.get()
                data-testid="batch-drop"
                on:dragover=move |event: leptos::ev::DragEvent| {
                    event.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <label for="batch-file">
                    {move || lang.get().pick("CSV file of feature rows", "Özellik satırlarından oluşan CSV dosyası")}
                </label>
                <input
                    id="batch-file"
                    type="file"
                    accept=".csv,text/csv"
                    data-testid="batch-file"
                    prop:disabled=running
                    on:change=on_change
                />
                <p class="hint">{move || lang.get().pick("…or drop it here.", "…ya da buraya bırakın.")}</p>
            </div>
            <p class="hint">
                <label>
                    <input
                        type="checkbox"
                        data-testid="batch-keep-values"
                        prop:checked=move || keep_values.get()
                        prop:disabled=running
                        on:change=move |event| {
                            let checked = event_target_checked(&event);
                            keep_values.set(checked);
                            save_setting(KEEP_VALUES_SETTING, if checked { "1" } else { "0" });
                        }
                    />
                    " "
                    {move || lang.get().pick(
                        "Also keep each row's feature values in the prediction log (about 33 MB per 100,000 rows; your file has them anyway).",
                        "Her satırın özellik değerlerini de tahmin günlüğünde sakla (100.000 satırda yaklaşık 33 MB; dosyanızda zaten varlar).",
                    )}
                </label>
            </p>
            {move || match state.get() {
                BatchState::Idle => ().into_any(),
                BatchState::Running { .. } => view! {
                    <div class="card" role="status" aria-live="polite">
                        <label>
                            {move || {
                                let now = progress.get();
                                format!(
                                    "{} {} · {} {}",
                                    lang.get().pick("Scored rows:", "Puanlanan satır:"),
                                    now.rows_scored,
                                    lang.get().pick("bad rows:", "hatalı satır:"),
                                    now.bad_rows,
                                )
                            }}
                            <progress
                                class="progress"
                                data-testid="batch-progress"
                                max=move || progress.get().total_bytes.max(1).to_string()
                                value=move || progress.get().bytes_read.to_string()
                            ></progress>
                        </label>
                        <button type="button" data-testid="batch-cancel" on:click=move |_| cancel.set(true)>
                            {move || lang.get().pick("Cancel", "İptal")}
                        </button>
                    </div>
                }
                .into_any(),
                BatchState::Failed(message) => view! {
                    <div class="banner banner-error" role="alert" data-testid="batch-failed">
                        <p><strong>{move || lang.get().pick("This file cannot be scored.", "Bu dosya puanlanamıyor.")}</strong></p>
                        <p class="mono">{message}</p>
                    </div>
                }
                .into_any(),
                BatchState::Finished(outcome) => view! { <Outcome outcome /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Outcome(outcome: Arc<BatchOutcome>) -> impl IntoView {
    let lang = use_lang();
    let download_error = RwSignal::new(None::<String>);
    let for_download = outcome.clone();
    let on_download = move |_| {
        let name = scored_file_name(&for_download.file_name);
        download_error.set(
            offer_blob(&for_download.output, &name)
                .err()
                .map(|error| js_message(&error)),
        );
    };
    let summary = &outcome.summary;
    let rows = summary.rows_scored;
    let bad = summary.bad_rows;
    let predicted = summary.predicted_reorder;
    let cancelled = summary.cancelled;
    let logged = outcome.logged;
    let log_error = outcome.log_error.clone();
    let listed = summary.listed_errors.clone();
    let preview = summary.preview.clone();
    let has_labels = outcome.scores.is_some();
    let kind = outcome.kind;
    let columns = outcome.added_columns.join(", ");
    // A model without a threshold: its outputs are the scored CSV's columns; nothing to
    // preview as probabilities, measure or log.
    let binary = kind == ModelKind::Binary;
    let counts = move || {
        let lang = lang.get();
        if binary {
            format!(
                "{rows} {} · {predicted} {} · {bad} {} · {logged} {}",
                lang.pick("rows scored", "satır puanlandı"),
                lang.pick("predicted to be reordered", "tekrar sipariş tahmini"),
                lang.pick("bad rows", "hatalı satır"),
                lang.pick("logged", "kaydedildi"),
            )
        } else {
            format!(
                "{rows} {} · {bad} {} · {}",
                lang.pick("rows scored", "satır puanlandı"),
                lang.pick("bad rows", "hatalı satır"),
                lang.pick(
                    "not logged (the log holds binary models' probabilities)",
                    "kaydedilmedi (kayıt ikili modellerin olasılıklarını tutar)",
                ),
            )
        }
    };
    let kind_note = (!binary).then(|| {
        view! {
            <p class="hint" data-testid="batch-kind-columns">
                {move || format!(
                    "{} ({}): {columns}",
                    lang.get().pick("The scored CSV has the columns `reorder predict` writes for this model", "Puanlanmış CSV, `reorder predict`'in bu model için yazdığı sütunları taşır"),
                    kind.name(),
                )}
            </p>
        }
    });
    view! {
        <div class="card" data-testid="batch-results" data-rows=rows.to_string() data-cancelled=cancelled.to_string()
            data-kind=kind.name()
            data-scored-in=if outcome.in_worker { "worker" } else { "page" }
            data-scorers=summary.scorers.max(1).to_string()
            data-run-ms=format!("{:.0}", outcome.elapsed_ms)>
            <h2>{move || lang.get().pick("Result", "Sonuç")}</h2>
            {cancelled.then(|| view! {
                <p class="banner banner-warn" data-testid="batch-cancelled">
                    {move || lang.get().pick("Cancelled: only the rows read before cancelling were scored.", "İptal edildi: yalnızca iptalden önce okunan satırlar puanlandı.")}
                </p>
            })}
            <p>{counts}</p>
            {kind_note}
            {log_error.map(|message| view! {
                <p class="error" role="alert" data-testid="batch-log-error">
                    {move || lang.get().pick("Logging failed; later rows were scored but not logged: ", "Kayıt başarısız; sonraki satırlar puanlandı ama kaydedilmedi: ")}
                    {message.clone()}
                </p>
            })}
            <button type="button" class="primary" data-testid="batch-download" on:click=on_download prop:disabled=rows == 0>
                {move || lang.get().pick("Download scored CSV", "Puanlanmış CSV'yi indir")}
            </button>
            {move || download_error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            {binary.then(|| view! {
                <div class="table-wrap">
                    <table data-testid="batch-preview">
                        <caption class="hint">{move || lang.get().pick("First rows", "İlk satırlar")}</caption>
                        <thead>
                            <tr>
                                <th class="num" scope="col">{move || lang.get().pick("Line", "Satır")}</th>
                                <th class="num" scope="col">{move || lang.get().pick("Probability", "Olasılık")}</th>
                                <th scope="col">{move || lang.get().pick("Decision", "Karar")}</th>
                                {has_labels.then(|| view! { <th scope="col">{move || lang.get().pick("Label", "Gerçek")}</th> })}
                            </tr>
                        </thead>
                        <tbody>
                            {preview.into_iter().map(|row| view! {
                                <tr>
                                    <td class="num">{row.line}</td>
                                    <td class="num" data-testid="batch-probability" data-value=format!("{}", row.probability)>
                                        {move || lang.get().percent(row.probability)}
                                    </td>
                                    <td>{move || if row.is_reorder { lang.get().pick("reorder", "tekrar alır") } else { lang.get().pick("no reorder", "tekrar almaz") }}</td>
                                    {has_labels.then(|| view! { <td>{row.label.map(|l| if l { "1" } else { "0" }).unwrap_or("")}</td> })}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </div>
        <div class="card" data-testid="batch-errors" data-count=bad.to_string()>
            <h2>{move || format!("{} ({bad})", lang.get().pick("Bad rows", "Hatalı satırlar"))}</h2>
            {(bad > listed.len() as u64).then(|| view! {
                <p class="hint">{move || format!("{} {}", lang.get().pick("Only the first ones are listed:", "Yalnızca ilkleri listelenir:"), MAX_LISTED_ERRORS)}</p>
            })}
            {(!listed.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table>
                        <thead>
                            <tr>
                                <th class="num" scope="col">{move || lang.get().pick("Line", "Satır")}</th>
                                <th scope="col">{move || lang.get().pick("Column", "Sütun")}</th>
                                <th scope="col">{move || lang.get().pick("Reason", "Neden")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {listed.iter().map(|error| view! {
                                <tr data-testid="batch-error" data-line=error.line.to_string()>
                                    <td class="num">{error.line}</td>
                                    <td class="mono">{error.column.clone().unwrap_or_default()}</td>
                                    <td>{error.reason.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </div>
        {has_labels.then(|| view! { <ThresholdExplorer outcome=outcome.clone() /> })}
        {outcome.summary.kind_metrics.as_deref().and_then(|kind| {
            let label = kind.label.clone();
            kind.report.clone().map(|report| view! { <KindMetricsCard report label /> })
        })}
    }
}

/// Both curves: the unit square in a 320 x 220 chart.
const CHART: UnitSquareChart = UnitSquareChart::BATCH;

/// Chart coordinates of a point of the unit square.
fn to_chart(x: f64, y: f64) -> (f64, f64) {
    CHART.point(x, y)
}

/// The axes and their 0 / 0.5 / 1 ticks, shared by both charts.
fn axes(x_label: &'static str, y_label: &'static str) -> impl IntoView {
    let axes = CHART.axes(&[0.0, 0.5, 1.0]);
    let (left, right, top, bottom) = (axes.left, axes.right, axes.top, axes.bottom);
    let ticks = axes.ticks.iter().map(|tick| {
        let ((x, x_y), (y_x, y)) = (tick.x_label, tick.y_label);
        view! {
            <text x=format!("{x:.1}") y=format!("{x_y:.1}") font-size="10" text-anchor="middle">{tick.value.to_string()}</text>
            <text x=format!("{y_x:.1}") y=format!("{y:.1}") font-size="10" text-anchor="end">{tick.value.to_string()}</text>
        }
    }).collect_view();
    let (x_title, y_title) = (axes.x_title, axes.y_title);
    view! {
        <line x1=left.to_string() y1=bottom.to_string() x2=right.to_string() y2=bottom.to_string() stroke="#555" />
        <line x1=left.to_string() y1=bottom.to_string() x2=left.to_string() y2=top.to_string() stroke="#555" />
        {ticks}
        <text x=format!("{:.1}", x_title.0) y=format!("{:.1}", x_title.1) font-size="11" text-anchor="middle">{x_label}</text>
        <text x=format!("{}", y_title.0) y=format!("{:.1}", y_title.1) font-size="11" text-anchor="middle"
            transform=format!("rotate(-90 {} {:.1})", y_title.0, y_title.1)>{y_label}</text>
    }
}

#[component]
fn ThresholdExplorer(outcome: Arc<BatchOutcome>) -> impl IntoView {
    let lang = use_lang();
    let model_threshold = outcome.model_threshold;
    let view_threshold = RwSignal::new(model_threshold);
    let Some(scores) = outcome.scores.clone() else {
        return ().into_any();
    };
    let label_column = outcome.summary.label_column.clone().unwrap_or_default();
    let labelled = scores.len();
    let positives = scores.positives();
    // Both curves come with the run's summary: worked out where the file was scored.
    let curve = &outcome.summary.pr_curve;
    let f1_grid = &outcome.summary.f1_by_threshold;
    let at_model = scores.confusion_at(model_threshold);
    let method = scores.method();
    let auc = scores.auc();
    let for_exact = scores.clone();
    let exact_here = Memo::new(move |_| for_exact.is_exact_at(view_threshold.get()));
    let for_memo = scores.clone();
    let confusion: Memo<Confusion> =
        Memo::new(move |_| for_memo.confusion_at(view_threshold.get()));
    let pr_points = CHART.polyline(curve.iter().map(|p| (p.recall, p.precision)));
    let f1_points = CHART.polyline(
        f1_grid
            .iter()
            .filter_map(|(threshold, f1)| f1.map(|f1| (*threshold, f1))),
    );
    let (model_x, _) = to_chart(model_threshold, 0.0);
    let (_, chart_bottom) = to_chart(0.0, 0.0);
    let (_, chart_top) = to_chart(0.0, 1.0);
    let marker =
        move |c: Confusion| to_chart(c.recall().unwrap_or(0.0), c.precision().unwrap_or(1.0));
    let (model_px, model_py) = marker(at_model);
    let on_threshold = move |event: leptos::ev::Event| {
        if let Ok(value) = event_target_value(&event).trim().parse::<f64>() {
            if (0.0..=1.0).contains(&value) {
                view_threshold.set(value);
            }
        }
    };
    let cell = move |value: fn(&Confusion) -> usize, testid: &'static str| {
        view! { <td class="num" data-testid=testid>{move || value(&confusion.get()).to_string()}</td> }
    };
    view! {
        <div class="card" data-testid="batch-metrics" data-labelled=labelled.to_string()
            data-method=match method { Method::Exact => "exact", Method::Binned => "binned" }>
            <h2>{move || lang.get().pick("Against the labels", "Etiketlere göre")}</h2>
            <p class="hint" data-testid="batch-metrics-method">
                {move || match method {
                    Method::Exact => lang.get().pick(
                        "Computed from every labelled row.",
                        "Her etiketli satırdan hesaplandı.",
                    ).to_owned(),
                    Method::Binned => format!(
                        "{} {EXACT_LABELLED_ROWS} {} {SCORE_BINS} {}",
                        lang.get().pick("More than", "Bellek sınırlı kalsın diye"),
                        lang.get().pick(
                            "labelled rows: to keep memory bounded they are counted in",
                            "satırdan fazla etiketli satır var; satırlar",
                        ),
                        lang.get().pick(
                            "probability bins. Figures are exact at the model's threshold and at thresholds of up to four decimals; elsewhere they are those of the next bin edge, and the AUC counts rows of one bin as ties.",
                            "olasılık aralığında sayıldı. Rakamlar modelin eşiğinde ve en çok dört ondalıklı eşiklerde kesindir; diğerlerinde bir sonraki aralık sınırınındır ve AUC aynı aralıktaki satırları eşit sayar.",
                        ),
                    ),
                }}
            </p>
            <p class="hint">
                {move || format!(
                    "{labelled} {} `{label_column}` · {positives} {}",
                    lang.get().pick("rows labelled in", "satır etiketli:"),
                    lang.get().pick("really reordered", "gerçekten tekrar alındı"),
                )}
            </p>
            <div class="threshold-control">
                <label for="batch-threshold">
                    {move || lang.get().pick("Try a threshold for this view", "Bu görünüm için bir eşik deneyin")}
                </label>
                <input id="batch-threshold-range" type="range" min="0" max="1" step="0.001"
                    aria-label=move || lang.get().pick("Threshold", "Eşik")
                    prop:value=move || view_threshold.get().to_string() on:input=on_threshold />
                <input id="batch-threshold" type="number" min="0" max="1" step="any" data-testid="batch-threshold"
                    prop:value=move || view_threshold.get().to_string() on:change=on_threshold />
                <button type="button" data-testid="batch-threshold-reset" on:click=move |_| view_threshold.set(model_threshold)>
                    {move || lang.get().pick("Back to the model's threshold", "Modelin eşiğine dön")}
                </button>
                <p class="hint">
                    {move || format!(
                        "{} {model_threshold}. {}",
                        lang.get().pick("The model's own threshold is", "Modelin kendi eşiği:"),
                        lang.get().pick("Changing it here only changes this view.", "Burada değiştirmek yalnızca bu görünümü değiştirir."),
                    )}
                </p>
            </div>
            <div class="metrics-row">
                <div class="metric">
                    <span class="label">"ROC AUC"</span>
                    <span class="value" data-testid="batch-auc" data-value=auc.map(|v| v.to_string()).unwrap_or_default()>
                        {move || percent(auc, lang.get())}
                    </span>
                </div>
                <div class="metric">
                    <span class="label">{move || lang.get().pick("Precision", "Kesinlik")}</span>
                    <span class="value" data-testid="batch-precision" data-value=move || confusion.get().precision().map(|v| v.to_string()).unwrap_or_default()>
                        {move || percent(confusion.get().precision(), lang.get())}
                    </span>
                </div>
                <div class="metric">
                    <span class="label">{move || lang.get().pick("Recall", "Duyarlılık")}</span>
                    <span class="value" data-testid="batch-recall" data-value=move || confusion.get().recall().map(|v| v.to_string()).unwrap_or_default()>
                        {move || percent(confusion.get().recall(), lang.get())}
                    </span>
                </div>
                <div class="metric">
                    <span class="label">"F1"</span>
                    <span class="value" data-testid="batch-f1" data-value=move || confusion.get().f1().map(|v| v.to_string()).unwrap_or_default()>
                        {move || percent(confusion.get().f1(), lang.get())}
                    </span>
                </div>
            </div>
            <div class="table-wrap">
                <table class="confusion" data-testid="batch-confusion">
                    <caption class="hint" data-testid="batch-confusion-caption" data-exact=move || exact_here.get().to_string()>
                        {move || format!(
                            "{} {}{}",
                            lang.get().pick("Confusion matrix at threshold", "Eşikteki karışıklık matrisi"),
                            view_threshold.get(),
                            if exact_here.get() { "" } else { lang.get().pick(" (≈: counted at the next bin edge)", " (≈: bir sonraki aralık sınırında sayıldı)") },
                        )}
                    </caption>
                    <thead>
                        <tr>
                            <td></td>
                            <th scope="col">{move || lang.get().pick("Predicted reorder", "Tahmin: tekrar alır")}</th>
                            <th scope="col">{move || lang.get().pick("Predicted no reorder", "Tahmin: tekrar almaz")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr>
                            <th scope="row">{move || lang.get().pick("Really reordered", "Gerçekte tekrar alındı")}</th>
                            {cell(|c| c.true_positives, "batch-tp")}
                            {cell(|c| c.false_negatives, "batch-fn")}
                        </tr>
                        <tr>
                            <th scope="row">{move || lang.get().pick("Not reordered", "Tekrar alınmadı")}</th>
                            {cell(|c| c.false_positives, "batch-fp")}
                            {cell(|c| c.true_negatives, "batch-tn")}
                        </tr>
                    </tbody>
                </table>
            </div>
            <div class="charts">
                <figure class="chart">
                    <figcaption>{move || lang.get().pick("Precision-recall curve; the dot is the model's threshold, the ring the one you try", "Kesinlik-duyarlılık eğrisi; nokta modelin eşiği, halka denediğiniz eşik")}</figcaption>
                    <svg data-testid="batch-pr-curve" role="img" viewBox=CHART.view_box()
                        aria-label=move || lang.get().pick("Precision against recall", "Duyarlılığa göre kesinlik")>
                        {axes("recall", "precision")}
                        <polyline points=pr_points fill="none" stroke="#2e7d32" stroke-width="2" />
                        <circle data-testid="batch-pr-model-threshold" cx=format!("{model_px:.1}") cy=format!("{model_py:.1}") r="5" fill="#c0392b">
                            <title>{format!("threshold {model_threshold}")}</title>
                        </circle>
                        {move || {
                            let (x, y) = marker(confusion.get());
                            view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="7" fill="none" stroke="#1a5fb4" stroke-width="2" /> }
                        }}
                    </svg>
                </figure>
                <figure class="chart">
                    <figcaption>{move || lang.get().pick("F1 against the threshold; red: the model's threshold, blue: the one you try", "Eşiğe göre F1; kırmızı: modelin eşiği, mavi: denediğiniz eşik")}</figcaption>
                    <svg data-testid="batch-f1-curve" role="img" viewBox=CHART.view_box()
                        aria-label=move || lang.get().pick("F1 against threshold", "Eşiğe göre F1")>
                        {axes("threshold", "F1")}
                        <polyline points=f1_points fill="none" stroke="#2e7d32" stroke-width="2" />
                        <line data-testid="batch-f1-model-threshold" data-value=model_threshold.to_string()
                            x1=format!("{model_x:.1}") x2=format!("{model_x:.1}") y1=chart_top.to_string() y2=chart_bottom.to_string()
                            stroke="#c0392b" stroke-width="2" stroke-dasharray="4 3">
                            <title>{format!("threshold {model_threshold}")}</title>
                        </line>
                        {move || {
                            let (x, _) = to_chart(view_threshold.get(), 0.0);
                            view! { <line x1=format!("{x:.1}") x2=format!("{x:.1}") y1=chart_top.to_string() y2=chart_bottom.to_string() stroke="#1a5fb4" stroke-width="2" /> }
                        }}
                    </svg>
                </figure>
            </div>
        </div>
    }
    .into_any()
}
