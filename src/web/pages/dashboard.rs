//! The dashboard over the prediction log: totals, rates, the probability histogram with the
//! threshold, predictions over time, recent predictions (paged), filters, exports, clearing and
//! the storage status. Numbers are `Memo`s of `summarize_buckets` over the log's buckets (a few
//! hundred small records, whatever the log's size); the recent table reads one page through the
//! log's time index; exports are built a page at a time. The dashboard never loads the log.
//! The drift panel (`components::drift_panel`) compares the log's per-feature histograms with
//! the model's reference.

use std::sync::Arc;

use leptos::prelude::*;

use crate::browser::js_error::{full_message, JsError};
use crate::chart::BarChart;
use crate::lang::Lang;
use crate::prediction_log::{
    batch_runs_csv, format_utc_datetime, parse_utc_date, summarize_buckets, BatchRun, Bucket,
    Filter, PredictionRecord, RunState, Source, Summary, HISTOGRAM_BINS, MS_PER_DAY,
};
use crate::web::browser_storage::{request_persistence, storage_estimate};
use crate::web::components::drift_panel::DriftPanel;
use crate::web::components::quality_panel::QualityPanel;
use crate::web::download::{offer_blob, offer_download};
use crate::web::log::{use_log_store, ExportFormat, LogStoreError, RecentPosition, StorageStatus};
use crate::web::state::language::use_lang;

/// Rows shown per page of recent predictions.
const PAGE_SIZE: usize = 25;

type Buckets = Arc<Vec<Bucket>>;

fn source_label(lang: Lang, source: Source) -> &'static str {
    match source {
        Source::Manual => lang.pick("Manual", "Elle"),
        Source::Demo => lang.pick("Demo", "Örnek"),
        Source::Batch => lang.pick("Batch", "Toplu"),
        Source::Embed => lang.pick("Embedded", "Gömülü"),
    }
}

/// The dashboard page.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let store = use_log_store();
    let lang = use_lang();
    let revision = store.revision();

    // The buckets, reloaded on every write here or in another tab.
    let log: RwSignal<Option<Result<Buckets, LogStoreError>>, LocalStorage> =
        RwSignal::new_local(None);
    Effect::new(move |_| {
        revision.track();
        leptos::task::spawn_local(async move {
            let loaded = store.buckets().await.map(Arc::new);
            log.try_set(Some(loaded));
        });
    });

    let filter = RwSignal::new(Filter::default());
    let page = RwSignal::new(0usize);
    let summary = Memo::new(move |_| {
        let filter = filter.get();
        log.with(|log| match log {
            Some(Ok(buckets)) => Some(summarize_buckets(buckets, &filter)),
            _ => None,
        })
    });

    view! {
        <section class="dashboard" data-testid="page-dashboard"
            data-state=move || log.with(|log| match log {
                None => "loading",
                Some(Ok(_)) => "ready",
                Some(Err(_)) => "error",
            })>
            <h1>{move || lang.get().pick("Prediction log", "Tahmin kaydı")}</h1>
            {move || log.with(|log| match log {
                Some(Err(error)) => Some(view! {
                    <p class="error" role="alert" data-testid="log-error">
                        {lang.get().pick("The log could not be read: ", "Kayıt okunamadı: ")}
                        {full_message(&error)}
                    </p>
                }),
                _ => None,
            })}
            <Show when=move || log.with(Option::is_none)>
                <p class="loading" role="status" data-testid="log-loading">
                    {move || lang.get().pick("Reading the log…", "Kayıt okunuyor…")}
                </p>
            </Show>
            <Filters filter page summary />
            <Stats summary />
            <div class="charts">
                <Histogram summary />
                <OverTime summary />
            </div>
            <DriftPanel filter buckets=Signal::derive(move || log.with(|log| match log {
                Some(Ok(buckets)) => Some(Arc::clone(buckets)),
                _ => None,
            })) />
            <QualityPanel filter />
            <RecentPredictions filter summary page />
            <BatchRuns />
            <Actions filter />
            <StorageStatusPanel />
        </section>
    }
}

#[component]
fn Filters(
    filter: RwSignal<Filter>,
    page: RwSignal<usize>,
    summary: Memo<Option<Summary>>,
) -> impl IntoView {
    let lang = use_lang();
    let date_error = RwSignal::new(None::<&'static str>);
    let set_filter = move |change: &dyn Fn(&mut Filter)| {
        filter.update(|filter| change(filter));
        page.set(0);
    };
    let on_date = move |text: String, is_end: bool| {
        let parsed = if text.is_empty() {
            Ok(None)
        } else {
            parse_utc_date(&text).map(Some)
        };
        match parsed {
            Ok(ms) => {
                date_error.set(None);
                set_filter(&|filter| {
                    if is_end {
                        // The end date is inclusive: up to the start of the next day.
                        filter.to_ms = ms.map(|ms| ms + MS_PER_DAY);
                    } else {
                        filter.from_ms = ms;
                    }
                });
            }
            Err(_) => date_error.set(Some("date")),
        }
    };
    view! {
        <fieldset class="filters" data-testid="dashboard-filters">
            <legend>{move || lang.get().pick("Filters", "Filtreler")}</legend>
            <div class="filter-sources" role="group"
                aria-label=move || lang.get().pick("Sources", "Kaynaklar")>
                {Source::ALL.into_iter().map(|source| {
                    let checked = move || filter.with(|f| f.sources.contains(&source));
                    view! {
                        <label>
                            <input type="checkbox"
                                data-testid=format!("filter-source-{}", source.as_str())
                                prop:checked=checked
                                on:change=move |_| set_filter(&|f| {
                                    if let Some(at) = f.sources.iter().position(|s| *s == source) {
                                        f.sources.remove(at);
                                    } else {
                                        f.sources.push(source);
                                    }
                                })
                            />
                            {move || source_label(lang.get(), source)}
                        </label>
                    }
                }).collect_view()}
                <small>{move || lang.get().pick("(none ticked = all)", "(hiçbiri seçilmezse hepsi)")}</small>
            </div>
            <label>
                {move || lang.get().pick("From (UTC)", "Başlangıç (UTC)")}
                <input type="date" data-testid="filter-from"
                    on:change=move |ev| on_date(event_target_value(&ev), false) />
            </label>
            <label>
                {move || lang.get().pick("To (UTC, inclusive)", "Bitiş (UTC, dahil)")}
                <input type="date" data-testid="filter-to"
                    on:change=move |ev| on_date(event_target_value(&ev), true) />
            </label>
            <label>
                {move || lang.get().pick("Model", "Model")}
                <select data-testid="filter-model" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    set_filter(&|f| f.model_sha256 = (!value.is_empty()).then(|| value.clone()));
                }>
                    <option value="">{move || lang.get().pick("All models", "Tüm modeller")}</option>
                    {move || summary.with(|summary| summary.as_ref().map(|s| s.models.clone()).unwrap_or_default())
                        .into_iter()
                        .map(|sha| {
                            let short = sha.chars().take(12).collect::<String>();
                            view! { <option value=sha.clone() title=sha>{short}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            {move || date_error.get().map(|_| view! {
                <p class="input-error" role="alert">
                    {lang.get().pick("Enter a date as YYYY-MM-DD.", "Tarihi YYYY-AA-GG biçiminde girin.")}
                </p>
            })}
        </fieldset>
    }
}

#[component]
fn Stats(summary: Memo<Option<Summary>>) -> impl IntoView {
    let lang = use_lang();
    // `None` until the log has been read: shown as "…", never as a count of 0.
    let total = move || summary.with(|s| s.as_ref().map(|s| s.total));
    let rate = move || summary.with(|s| s.as_ref().and_then(|s| s.positive_rate));
    let mean = move || summary.with(|s| s.as_ref().and_then(|s| s.mean_probability));
    let none = move || {
        if summary.with(Option::is_none) {
            "…".to_owned()
        } else {
            lang.get().pick("none yet", "henüz yok").to_owned()
        }
    };
    view! {
        <dl class="stats">
            <div class="stat">
                <dt>{move || lang.get().pick("Total predictions", "Toplam tahmin")}</dt>
                <dd
                    data-testid="total-predictions"
                    data-value=move || total().map(|t| t.to_string()).unwrap_or_default()
                >
                    {move || total().map(|t| t.to_string()).unwrap_or_else(|| "…".to_owned())}
                </dd>
            </div>
            <div class="stat">
                <dt>{move || lang.get().pick("Predicted reorders", "Tekrar sipariş tahmini oranı")}</dt>
                <dd data-testid="positive-rate"
                    data-value=move || rate().map(|r| r.to_string()).unwrap_or_default()>
                    {move || rate().map(|r| lang.get().percent(r)).unwrap_or_else(none)}
                </dd>
            </div>
            <div class="stat">
                <dt>{move || lang.get().pick("Mean probability", "Ortalama olasılık")}</dt>
                <dd data-testid="mean-probability"
                    data-value=move || mean().map(|m| m.to_string()).unwrap_or_default()>
                    {move || mean().map(|m| lang.get().percent(m)).unwrap_or_else(none)}
                </dd>
            </div>
        </dl>
    }
}

/// Both dashboard charts: 400 x 160 plots with a label strip below.
const CHART: BarChart = BarChart {
    width: 400.0,
    height: 160.0,
};

#[component]
fn Histogram(summary: Memo<Option<Summary>>) -> impl IntoView {
    let lang = use_lang();
    let bins = move || {
        summary.with(|s| {
            s.as_ref()
                .map(|s| s.histogram)
                .unwrap_or([0; HISTOGRAM_BINS])
        })
    };
    let threshold = move || summary.with(|s| s.as_ref().and_then(|s| s.latest_threshold));
    let label_y = CHART.label_y().to_string();
    view! {
        <figure class="chart">
            <figcaption>
                {move || lang.get().pick(
                    "Probabilities (20 bins of 5%), threshold marked",
                    "Olasılıklar (%5'lik 20 aralık), eşik işaretli",
                )}
            </figcaption>
            <svg data-testid="probability-histogram" role="img"
                viewBox=CHART.view_box()
                aria-label=move || lang.get().pick("Histogram of predicted probabilities", "Tahmin olasılıklarının histogramı")
                data-threshold=move || threshold().map(|t| t.to_string()).unwrap_or_default()>
                {move || {
                    let bins = bins();
                    CHART.histogram(&bins).into_iter().zip(bins).enumerate().map(|(i, (bar, count))| {
                        let from = i * 5;
                        view! {
                            <rect class="bar" data-bin=i.to_string() data-count=count.to_string()
                                x=bar.x.to_string() y=bar.y.to_string()
                                width=bar.width.to_string() height=bar.height.to_string()>
                                <title>{format!("{from}–{}%: {count}", from + 5)}</title>
                            </rect>
                        }
                    }).collect_view()
                }}
                {move || threshold().map(|t| {
                    let x = CHART.probability_x(t).to_string();
                    view! {
                        <line class="threshold" data-testid="histogram-threshold"
                            x1=x.clone() x2=x y1="0" y2=CHART.height.to_string()
                            stroke="#c0392b" stroke-width="2" stroke-dasharray="4 3">
                            <title>{format!("{}: {t}", lang.get().pick("threshold", "eşik"))}</title>
                        </line>
                    }
                })}
                <text x="0" y=label_y.clone() font-size="11">"0%"</text>
                <text x=(CHART.width / 2.0 - 10.0).to_string() y=label_y.clone() font-size="11">"50%"</text>
                <text x=(CHART.width - 30.0).to_string() y=label_y font-size="11">"100%"</text>
            </svg>
        </figure>
    }
}

#[component]
fn OverTime(summary: Memo<Option<Summary>>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <figure class="chart">
            <figcaption>{move || lang.get().pick("Predictions per day (UTC)", "Günlük tahminler (UTC)")}</figcaption>
            <svg data-testid="predictions-over-time" role="img"
                viewBox=CHART.view_box()
                aria-label=move || lang.get().pick("Predictions per day", "Günlük tahmin sayısı")>
                {move || summary.with(|summary| {
                    let days = summary.as_ref().map(|s| s.per_day.as_slice()).unwrap_or(&[]);
                    let (Some(first), Some(last)) = (days.first(), days.last()) else {
                        return Vec::new();
                    };
                    let counts: Vec<(i64, u64)> = days.iter().map(|d| (d.day, d.total)).collect();
                    let label_y = CHART.label_y().to_string();
                    let mut shapes: Vec<AnyView> = CHART.per_day(&counts).into_iter().zip(days).map(|(bar, d)| {
                        view! {
                            <rect class="bar" data-date=d.date.clone() data-count=d.total.to_string()
                                x=bar.x.to_string() y=bar.y.to_string()
                                width=bar.width.to_string() height=bar.height.to_string()>
                                <title>{format!("{}: {} ({} +)", d.date, d.total, d.positives)}</title>
                            </rect>
                        }.into_any()
                    }).collect();
                    shapes.push(view! {
                        <text x="0" y=label_y.clone() font-size="11">{first.date.clone()}</text>
                    }.into_any());
                    if last.day != first.day {
                        shapes.push(view! {
                            <text x=(CHART.width - 70.0).to_string() y=label_y font-size="11">{last.date.clone()}</text>
                        }.into_any());
                    }
                    shapes
                })}
            </svg>
        </figure>
    }
}

#[component]
fn RecentPredictions(
    filter: RwSignal<Filter>,
    summary: Memo<Option<Summary>>,
    page: RwSignal<usize>,
) -> impl IntoView {
    let store = use_log_store();
    let lang = use_lang();
    let revision = store.revision();
    let total = move || summary.with(|s| s.as_ref().map_or(0, |s| s.total as usize));
    let page_count = move || total().div_ceil(PAGE_SIZE).max(1);
    let on_last_page = move || page.get() + 1 >= page_count();
    // Where each page seen so far starts (page 0 at the newest), for the current filter.
    let starts: StoredValue<(Filter, Vec<Option<RecentPosition>>)> =
        StoredValue::new((Filter::default(), vec![None]));
    let page_rows: RwSignal<Vec<PredictionRecord>> = RwSignal::new(Vec::new());
    let error = RwSignal::new(None::<String>);
    let ticket = StoredValue::new(0u64);
    Effect::new(move |_| {
        revision.track();
        let filter = filter.get();
        let page_index = page.get();
        let position = starts.with_value(|(seen_for, starts)| {
            if *seen_for == filter {
                starts.get(page_index).copied()
            } else {
                None
            }
        });
        let position = match position {
            Some(position) => position,
            None => {
                starts.set_value((filter.clone(), vec![None]));
                if page_index != 0 {
                    page.set(0);
                    return;
                }
                None
            }
        };
        ticket.update_value(|t| *t += 1);
        let mine = ticket.get_value();
        leptos::task::spawn_local(async move {
            let loaded = store.recent(&filter, position, PAGE_SIZE).await;
            if ticket.try_get_value() != Some(mine) {
                return;
            }
            match loaded {
                Ok(loaded) => {
                    starts.try_update_value(|(seen_for, starts)| {
                        if *seen_for == filter {
                            starts.truncate(page_index + 1);
                            starts.extend(loaded.next.map(Some));
                        }
                    });
                    error.try_set(None);
                    page_rows.try_set(loaded.records);
                }
                Err(failure) => {
                    error.try_set(Some(full_message(&failure)));
                }
            }
        });
    });
    let rows = move || page_rows.get();
    view! {
        <section class="recent">
            <h2>{move || lang.get().pick("Recent predictions", "Son tahminler")}</h2>
            <div class="table-wrap">
                <table data-testid="recent-predictions">
                    <thead>
                        <tr>
                            <th scope="col">{move || lang.get().pick("Time (UTC)", "Zaman (UTC)")}</th>
                            <th scope="col">{move || lang.get().pick("Source", "Kaynak")}</th>
                            <th scope="col">{move || lang.get().pick("User", "Kullanıcı")}</th>
                            <th scope="col">{move || lang.get().pick("Product", "Ürün")}</th>
                            <th scope="col">{move || lang.get().pick("Probability", "Olasılık")}</th>
                            <th scope="col">{move || lang.get().pick("Decision", "Karar")}</th>
                            <th scope="col">{move || lang.get().pick("Model", "Model")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let lang = lang.get();
                            let unknown = lang.pick("unknown", "bilinmiyor");
                            let rows = rows();
                            let empty = rows.is_empty().then(|| view! {
                                <tr data-testid="recent-empty">
                                    <td colspan="7">
                                        {lang.pick("No predictions match.", "Eşleşen tahmin yok.")}
                                    </td>
                                </tr>
                            });
                            let filled = rows.into_iter().map(|r| view! {
                                <tr data-testid="recent-row" data-id=r.id.map(|id| id.to_string()).unwrap_or_default()>
                                    <td>{format_utc_datetime(r.created_at_ms)}</td>
                                    <td>{source_label(lang, r.source)}</td>
                                    <td>{r.user_id.map(|v| v.to_string()).unwrap_or_else(|| unknown.to_owned())}</td>
                                    <td>{r.product_id.map(|v| v.to_string()).unwrap_or_else(|| unknown.to_owned())}</td>
                                    <td data-value=r.probability.to_string()>{lang.percent(r.probability)}</td>
                                    <td data-value=u8::from(r.is_reorder).to_string()>
                                        {if r.is_reorder { lang.pick("reorder", "tekrar alır") } else { lang.pick("no reorder", "tekrar almaz") }}
                                    </td>
                                    <td title=r.model_sha256.clone()>{r.model_sha256.chars().take(8).collect::<String>()}</td>
                                </tr>
                            }).collect_view();
                            (empty, filled)
                        }}
                    </tbody>
                </table>
            </div>
            {move || error.get().map(|text| view! {
                <p class="error" role="alert" data-testid="recent-error">{text}</p>
            })}
            <nav class="pager" aria-label=move || lang.get().pick("Pages", "Sayfalar")>
                <button type="button" class="secondary" data-testid="page-previous"
                    disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>
                    {move || lang.get().pick("Newer", "Daha yeni")}
                </button>
                <span data-testid="page-indicator">
                    {move || format!("{} {} / {}", lang.get().pick("Page", "Sayfa"), page.get() + 1, page_count())}
                </span>
                <button type="button" class="secondary" data-testid="page-next"
                    disabled=move || {
                        page_rows.track();
                        on_last_page() || starts.with_value(|(_, s)| s.get(page.get() + 1).is_none())
                    }
                    on:click=move |_| page.update(|p| *p += 1)>
                    {move || lang.get().pick("Older", "Daha eski")}
                </button>
            </nav>
        </section>
    }
}

type ListedRuns = Vec<(BatchRun, RunState)>;

/// Batch runs listed on the dashboard, newest first.
const RUNS_SHOWN: usize = 20;

fn run_state_label(lang: Lang, state: RunState) -> &'static str {
    match state {
        RunState::Running => lang.pick("running", "sürüyor"),
        RunState::Finished => lang.pick("finished", "bitti"),
        RunState::Cancelled => lang.pick("cancelled", "durduruldu"),
        RunState::CutShort => lang.pick("cut short", "yarıda kaldı"),
    }
}

/// The latest batch runs and where each stands: finished, cancelled, cut short (a failure, or
/// its tab closed mid-run: the rows before are logged), or running in some tab now.
#[component]
fn BatchRuns() -> impl IntoView {
    let store = use_log_store();
    let lang = use_lang();
    let revision = store.revision();
    let runs: RwSignal<Option<Result<ListedRuns, LogStoreError>>, LocalStorage> =
        RwSignal::new_local(None);
    Effect::new(move |_| {
        revision.track();
        leptos::task::spawn_local(async move {
            let listed = store.batch_runs().await;
            runs.try_set(Some(listed));
        });
    });
    let shown = move || {
        runs.with(|runs| match runs {
            Some(Ok(runs)) => runs.iter().take(RUNS_SHOWN).cloned().collect(),
            _ => Vec::new(),
        })
    };
    let download_error = RwSignal::new(None::<String>);
    // Every run, not only the ones shown, as the table lists them now.
    let download = move |_| {
        download_error.set(None);
        let text = runs.with(|runs| match runs {
            Some(Ok(runs)) => Some(batch_runs_csv(runs)),
            _ => None,
        });
        if let Some(text) = text {
            if let Err(error) = offer_download(text.as_bytes(), "batch-runs.csv", "text/csv") {
                download_error.set(Some(full_message(&JsError::from_js(&error))));
            }
        }
    };
    view! {
        <Show when=move || runs.with(|runs| matches!(runs, Some(Ok(runs)) if !runs.is_empty()) || matches!(runs, Some(Err(_))))>
            <section class="batch-runs">
                <h2>{move || lang.get().pick("Batch runs", "Toplu çalıştırmalar")}</h2>
                <div class="table-wrap">
                    <table data-testid="batch-runs">
                        <thead>
                            <tr>
                                <th scope="col">{move || lang.get().pick("Started (UTC)", "Başlangıç (UTC)")}</th>
                                <th scope="col">{move || lang.get().pick("File", "Dosya")}</th>
                                <th scope="col">{move || lang.get().pick("Rows logged", "Kaydedilen satır")}</th>
                                <th scope="col">{move || lang.get().pick("State", "Durum")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || {
                                let lang = lang.get();
                                shown().into_iter().map(|(run, state)| view! {
                                    <tr data-testid="batch-run" data-state=state.name()
                                        data-rows=run.rows.to_string()>
                                        <td>{format_utc_datetime(run.started_at_ms)}</td>
                                        <td>{run.file_name}</td>
                                        <td>{run.rows}</td>
                                        <td>{run_state_label(lang, state)}</td>
                                    </tr>
                                }).collect_view()
                            }}
                        </tbody>
                    </table>
                </div>
                <button type="button" class="secondary" data-testid="batch-runs-export"
                    on:click=download>
                    {move || lang.get().pick("Download the runs (CSV)", "Çalıştırmaları indir (CSV)")}
                </button>
                {move || runs.with(|runs| match runs {
                    Some(Err(error)) => Some(full_message(error)),
                    _ => download_error.get(),
                }).map(|text| view! {
                    <p class="error" role="alert" data-testid="batch-runs-error">{text}</p>
                })}
            </section>
        </Show>
    }
}

#[component]
fn Actions(filter: RwSignal<Filter>) -> impl IntoView {
    let store = use_log_store();
    let lang = use_lang();
    let confirming = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let export = move |format: ExportFormat| {
        let filter = filter.get_untracked();
        leptos::task::spawn_local(async move {
            let name = match format {
                ExportFormat::Csv => "predictions.csv",
                ExportFormat::Json => "predictions.json",
            };
            let failure = match store.export(format, &filter).await {
                Ok(export) => offer_blob(&export.blob, name)
                    .err()
                    .map(|error| full_message(&JsError::from_js(&error))),
                Err(error) => Some(full_message(&error)),
            };
            message.try_set(failure);
        });
    };
    let clear = move |_| {
        confirming.set(false);
        leptos::task::spawn_local(async move {
            let failure = store.clear().await.err().map(|e| full_message(&e));
            message.try_set(failure);
        });
    };
    view! {
        <section class="actions">
            <button type="button" class="secondary" data-testid="export-csv" on:click=move |_| export(ExportFormat::Csv)>
                {move || lang.get().pick("Export CSV", "CSV olarak dışa aktar")}
            </button>
            <button type="button" class="secondary" data-testid="export-json" on:click=move |_| export(ExportFormat::Json)>
                {move || lang.get().pick("Export JSON", "JSON olarak dışa aktar")}
            </button>
            <button type="button" class="secondary danger" data-testid="clear-log"
                on:click=move |_| confirming.set(true)>
                {move || lang.get().pick("Clear the log…", "Kaydı temizle…")}
            </button>
            <Show when=move || confirming.get()>
                <div class="confirm" role="alertdialog" data-testid="clear-confirmation"
                    aria-label=move || lang.get().pick("Confirm clearing", "Temizlemeyi onayla")>
                    <p>{move || lang.get().pick(
                        "Delete every logged prediction on this device? This cannot be undone.",
                        "Bu cihazdaki tüm kayıtlı tahminler silinsin mi? Bu geri alınamaz.",
                    )}</p>
                    <button type="button" class="secondary danger" data-testid="confirm-clear" on:click=clear>
                        {move || lang.get().pick("Delete all", "Hepsini sil")}
                    </button>
                    <button type="button" class="secondary" data-testid="cancel-clear" on:click=move |_| confirming.set(false)>
                        {move || lang.get().pick("Cancel", "Vazgeç")}
                    </button>
                </div>
            </Show>
            {move || message.get().map(|text| view! {
                <p class="error" role="alert" data-testid="action-error">{text}</p>
            })}
        </section>
    }
}

fn megabytes(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1_000_000.0)
}

#[component]
fn StorageStatusPanel() -> impl IntoView {
    let store = use_log_store();
    let lang = use_lang();
    let status = store.status();
    let revision = store.revision();
    let estimate = RwSignal::new(None::<(f64, f64)>);
    Effect::new(move |_| {
        revision.track();
        leptos::task::spawn_local(async move {
            estimate.try_set(storage_estimate().await);
        });
    });
    let persist_answer = RwSignal::new(None::<bool>);
    let ask_persist = move |_| {
        leptos::task::spawn_local(async move {
            persist_answer.try_set(request_persistence().await);
        });
    };
    view! {
        <section class="storage-status" data-testid="storage-status"
            data-state=move || match status.get() {
                StorageStatus::Opening => "opening",
                StorageStatus::IndexedDb { .. } => "indexeddb",
                StorageStatus::Memory { .. } => "memory",
            }>
            <h2>{move || lang.get().pick("Storage", "Depolama")}</h2>
            <p>
                {move || {
                    let lang = lang.get();
                    match status.get() {
                        StorageStatus::Opening => lang.pick("Opening the log…", "Kayıt açılıyor…").to_owned(),
                        StorageStatus::IndexedDb { persisted } => {
                            let kept = match persisted.or(persist_answer.get()) {
                                Some(true) => lang.pick("the browser will not evict it", "tarayıcı silmeyecek"),
                                Some(false) => lang.pick("the browser may evict it under storage pressure", "yer daralırsa tarayıcı silebilir"),
                                None => lang.pick("eviction policy unknown", "silinme durumu bilinmiyor"),
                            };
                            format!("{} ({kept})", lang.pick("Saved in this browser (IndexedDB)", "Bu tarayıcıda kayıtlı (IndexedDB)"))
                        }
                        StorageStatus::Memory { reason } => format!(
                            "{} {reason}",
                            lang.pick("In this tab's memory only:", "Yalnızca bu sekmenin belleğinde:")
                        ),
                    }
                }}
            </p>
            <p data-testid="storage-usage">
                {move || match estimate.get() {
                    Some((usage, quota)) => format!(
                        "{} {} / {}",
                        lang.get().pick("Used:", "Kullanılan:"),
                        megabytes(usage),
                        megabytes(quota)
                    ),
                    None => lang.get().pick("Usage unknown", "Kullanım bilinmiyor").to_owned(),
                }}
            </p>
            <Show when=move || matches!(status.get(), StorageStatus::IndexedDb { persisted: Some(false) | None }) && persist_answer.get() != Some(true)>
                <button type="button" class="secondary" data-testid="request-persistence" on:click=ask_persist>
                    {move || lang.get().pick("Ask the browser to keep this data", "Tarayıcıdan bu veriyi saklamasını iste")}
                </button>
            </Show>
        </section>
    }
}
