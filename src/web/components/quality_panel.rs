//! The dashboard's "quality over time": is the model still right? Every labelled batch run
//! (a file with a label column, scored by a model with a threshold) logs its AUC, F1 at the
//! threshold, log loss and calibration curve with the run (`batch::RunQuality`); this panel
//! plots them per run on a time axis, beside the model card's held-out figures when the runs are
//! of the bundled model, and draws one run's calibration curve. It follows the dashboard's filter
//! (dates, model; runs are of the batch source).

use std::sync::Arc;

use leptos::prelude::*;

use crate::batch::RunQuality;
use crate::lang::Lang;
use crate::prediction_log::{format_utc_datetime, BatchRun, Filter, RunState};
use crate::web::log::{use_log_store, LogStoreError};
use crate::web::state::active_model::{use_active_model_if_provided, ActiveModel};
use crate::web::state::language::use_lang;

/// Every batch run with its state, as the log lists them.
type ListedRuns = Vec<(BatchRun, RunState)>;

/// The model card's held-out figures, as the training pipeline wrote them into the bundle.
#[derive(Debug, Clone, Copy, PartialEq)]
struct HeldOut {
    auc: Option<f64>,
    f1: Option<f64>,
    log_loss: Option<f64>,
}

fn held_out(active: &ActiveModel) -> Option<HeldOut> {
    let metrics = active.model().bundle().metadata.metrics.as_ref()?;
    let number = |name: &str| metrics.get(name).and_then(serde_json::Value::as_f64);
    let figures = HeldOut {
        auc: number("test_auc"),
        f1: number("test_f1"),
        log_loss: number("test_logloss"),
    };
    (figures.auc.is_some() || figures.f1.is_some()).then_some(figures)
}

/// The runs with a quality that the filter covers, oldest first.
fn covered(runs: &[(BatchRun, RunState)], filter: &Filter) -> Vec<(BatchRun, RunQuality)> {
    let mut covered: Vec<(BatchRun, RunQuality)> = runs
        .iter()
        .filter(|(run, _)| filter.matches_run(run))
        .filter_map(|(run, _)| run.quality.clone().map(|quality| (run.clone(), quality)))
        .collect();
    covered.sort_by_key(|(run, _)| run.started_at_ms);
    covered
}

fn figure(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.4}"))
}

/// The panel.
#[component]
pub fn QualityPanel(filter: RwSignal<Filter>) -> impl IntoView {
    let store = use_log_store();
    let lang = use_lang();
    // The dashboard mounted without the app's model (its tests) has no held-out figures.
    let active = use_active_model_if_provided();
    let revision = store.revision();
    let runs: RwSignal<Option<Result<Arc<ListedRuns>, LogStoreError>>, LocalStorage> =
        RwSignal::new_local(None);
    Effect::new(move |_| {
        revision.track();
        leptos::task::spawn_local(async move {
            let listed = store.batch_runs().await.map(Arc::new);
            runs.try_set(Some(listed));
        });
    });
    let shown = Memo::new(move |_| {
        let filter = filter.get();
        runs.with(|runs| match runs {
            Some(Ok(runs)) => covered(runs, &filter),
            _ => Vec::new(),
        })
    });
    // The held-out figures apply to the runs of the model in use, when it has them.
    let reference = Memo::new(move |_| {
        active.with(|active| {
            let active = active.as_ref()?;
            let of_active = shown.with(|shown| {
                !shown.is_empty()
                    && shown
                        .iter()
                        .all(|(run, _)| run.model_sha256 == active.sha256)
            });
            of_active.then(|| held_out(active)).flatten()
        })
    });
    // The run whose calibration curve is drawn: the latest, or the one picked in the table.
    let picked = RwSignal::new(None::<u64>);

    view! {
        <Show when=move || shown.with(|shown| !shown.is_empty())>
            <section class="quality" data-testid="quality-panel"
                data-runs=move || shown.with(Vec::len).to_string()>
                <h2>{move || lang.get().pick("Quality over time", "Zaman içinde kalite")}</h2>
                <p class="hint">{move || lang.get().pick(
                    "Each labelled batch run (a file with a label column) measures the model again. A fall below the held-out figures means the model is less right than when it was trained.",
                    "Etiketli her toplu çalıştırma (etiket sütunlu bir dosya) modeli yeniden ölçer. Ayrılmış test değerlerinin altına düşüş, modelin eğitildiği zamankinden daha az isabetli olduğunu gösterir.",
                )}</p>
                {move || reference.get().map(|held| view! {
                    <p data-testid="quality-reference"
                        data-auc=held.auc.map(|v| v.to_string()).unwrap_or_default()
                        data-f1=held.f1.map(|v| v.to_string()).unwrap_or_default()
                        data-log-loss=held.log_loss.map(|v| v.to_string()).unwrap_or_default()>
                        {lang.get().pick("Held out at training (model card): ", "Eğitimde ayrılan test (model kartı): ")}
                        {format!("AUC {} · F1 {} · log loss {}", figure(held.auc), figure(held.f1), figure(held.log_loss))}
                    </p>
                })}
                {move || shown.with(|shown| quality_chart(lang.get(), shown, reference.get()))}
                <div class="table-wrap">
                    <table class="quality-table">
                        <thead>
                            <tr>
                                <th scope="col">{move || lang.get().pick("Started (UTC)", "Başlangıç (UTC)")}</th>
                                <th scope="col">{move || lang.get().pick("File", "Dosya")}</th>
                                <th scope="col">{move || lang.get().pick("Labelled rows", "Etiketli satır")}</th>
                                <th scope="col">"AUC"</th>
                                <th scope="col">{move || lang.get().pick("F1 at the threshold", "Eşikte F1")}</th>
                                <th scope="col">{move || lang.get().pick("Log loss", "Log kaybı")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || shown.get().into_iter().rev().map(|(run, quality)| {
                                let run_id = run.run_id.unwrap_or_default();
                                view! {
                                    <tr data-testid="quality-run" data-run-id=run_id.to_string()
                                        data-labelled=quality.labelled.to_string()
                                        data-auc=quality.auc.map(|v| v.to_string()).unwrap_or_default()
                                        data-f1=quality.f1.map(|v| v.to_string()).unwrap_or_default()
                                        data-log-loss=quality.log_loss.to_string()
                                        data-exact=quality.exact.to_string()
                                        on:click=move |_| picked.set(Some(run_id))>
                                        <td>{format_utc_datetime(run.started_at_ms)}</td>
                                        <td>{run.file_name.clone()}</td>
                                        <td class="num">{quality.labelled}</td>
                                        <td class="num">{figure(quality.auc)}</td>
                                        <td class="num">{figure(quality.f1)}</td>
                                        <td class="num">{format!("{:.4}", quality.log_loss)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                {move || {
                    let lang = lang.get();
                    shown.with(|shown| {
                        let chosen = picked
                            .get()
                            .and_then(|id| shown.iter().find(|(run, _)| run.run_id == Some(id)))
                            .or_else(|| shown.last())?;
                        Some(calibration_chart(lang, &chosen.0, &chosen.1))
                    })
                }}
            </section>
        </Show>
    }
}

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 180.0;
const PAD: f64 = 8.0;

/// AUC and F1 per run over time (0 to 1 upward), with the held-out figures as dashed lines.
fn quality_chart(
    lang: Lang,
    shown: &[(BatchRun, RunQuality)],
    reference: Option<HeldOut>,
) -> impl IntoView {
    let first = shown.first().map_or(0, |(run, _)| run.started_at_ms);
    let last = shown.last().map_or(0, |(run, _)| run.started_at_ms);
    let span = (last - first).max(1) as f64;
    let x = |at: i64| {
        if shown.len() < 2 {
            WIDTH / 2.0
        } else {
            PAD + (at - first) as f64 / span * (WIDTH - 2.0 * PAD)
        }
    };
    let y = |value: f64| PAD + (1.0 - value.clamp(0.0, 1.0)) * (HEIGHT - 2.0 * PAD);
    let line = |value: Option<f64>, class: &'static str, testid: &'static str| {
        value.map(|value| {
            view! {
                <line class=class data-testid=testid data-value=value.to_string()
                    x1=PAD.to_string() x2=(WIDTH - PAD).to_string()
                    y1=y(value).to_string() y2=y(value).to_string() />
            }
        })
    };
    let points = shown
        .iter()
        .map(|(run, quality)| {
            let at = x(run.started_at_ms);
            let when = format_utc_datetime(run.started_at_ms);
            let auc = quality.auc.map(|auc| {
                view! {
                    <circle class="auc" cx=at.to_string() cy=y(auc).to_string() r="4">
                        <title>{format!("{when}: AUC {auc:.4}")}</title>
                    </circle>
                }
            });
            let f1 = quality.f1.map(|f1| {
                view! {
                    <rect class="f1" x=(at - 3.5).to_string() y=(y(f1) - 3.5).to_string()
                        width="7" height="7">
                        <title>{format!("{when}: F1 {f1:.4}")}</title>
                    </rect>
                }
            });
            view! { {auc}{f1} }
        })
        .collect_view();
    view! {
        <figure class="chart quality-chart">
            <figcaption>
                <span class="legend auc">"● AUC"</span>" · "
                <span class="legend f1">{lang.pick("■ F1 at the threshold", "■ eşikte F1")}</span>
                {reference.map(|_| view! {
                    " · "<span class="legend held-out">{lang.pick("- - held out at training", "- - eğitimde ayrılan test")}</span>
                })}
            </figcaption>
            <svg data-testid="quality-chart" role="img" viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                aria-label=lang.pick("AUC and F1 of each labelled run over time", "Etiketli her çalıştırmanın zaman içinde AUC ve F1 değeri")>
                {line(reference.and_then(|r| r.auc), "held-out auc", "quality-held-out-auc")}
                {line(reference.and_then(|r| r.f1), "held-out f1", "quality-held-out-f1")}
                {points}
            </svg>
        </figure>
    }
}

/// One run's calibration curve: the observed share of positives against the mean predicted
/// probability per bin, with the diagonal a calibrated model follows.
fn calibration_chart(lang: Lang, run: &BatchRun, quality: &RunQuality) -> impl IntoView {
    const SIDE: f64 = 220.0;
    let at = |value: f64| PAD + value.clamp(0.0, 1.0) * (SIDE - 2.0 * PAD);
    let up = |value: f64| SIDE - at(value);
    let path = quality
        .calibration
        .iter()
        .enumerate()
        .map(|(i, point)| {
            format!(
                "{}{:.2},{:.2}",
                if i == 0 { "M" } else { " L" },
                at(point.mean_predicted),
                up(point.observed)
            )
        })
        .collect::<String>();
    let points = quality
        .calibration
        .iter()
        .map(|point| {
            view! {
                <circle data-testid="calibration-point" r="3.5"
                    data-predicted=point.mean_predicted.to_string()
                    data-observed=point.observed.to_string() data-rows=point.rows.to_string()
                    cx=at(point.mean_predicted).to_string() cy=up(point.observed).to_string()>
                    <title>{format!("{:.3} → {:.3} ({} rows)", point.mean_predicted, point.observed, point.rows)}</title>
                </circle>
            }
        })
        .collect_view();
    view! {
        <figure class="chart calibration-chart">
            <figcaption>
                {lang.pick("Calibration of ", "Kalibrasyon: ")}{run.file_name.clone()}
                {format!(" ({})", format_utc_datetime(run.started_at_ms))}
                {(!quality.exact).then(|| lang.pick(" — from probability bins (over a million labelled rows)", " — olasılık aralıklarından (bir milyondan fazla etiketli satır)"))}
            </figcaption>
            <svg data-testid="calibration-chart" role="img" viewBox=format!("0 0 {SIDE} {SIDE}")
                data-run-id=run.run_id.unwrap_or_default().to_string()
                aria-label=lang.pick("Observed share of reorders against the predicted probability", "Tahmin edilen olasılığa karşı gözlenen yeniden sipariş oranı")>
                <line class="diagonal" x1=at(0.0).to_string() y1=up(0.0).to_string()
                    x2=at(1.0).to_string() y2=up(1.0).to_string() />
                <path class="curve" d=path />
                {points}
            </svg>
        </figure>
    }
}
