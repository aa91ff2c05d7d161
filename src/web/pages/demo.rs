//! Demo page `/demo`: pick one of the held-out demo shoppers; the app computes every candidate
//! product's features in wasm with the same `features` code that built the training table,
//! scores them all, ranks them, and compares the ranking with the shopper's real next basket
//! (precision, recall and F1 at the model's threshold). Scoring a shopper logs its candidates in
//! one transaction. Any row opens in the Predict page with its features filled in.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::asset_urls::CATALOG_URL;
use crate::browser::js_error::full_message;
use crate::features::{Catalog, DemoUsers, FeatureError, UserHistory};
use crate::lang::Lang;
use crate::order_history::recommend::{recommend, RankedCandidate, RecommendError, Recommendation};
use crate::prediction_log::{PredictionRecord, RecordIds, Source};
use crate::web::fetch::{fetch_text, FetchError};
use crate::web::loader::{use_model, LoadedModel, ModelState};
use crate::web::log::use_log_store;
use crate::web::routes::{PREFILL_FEATURE_PREFIX, PREFILL_PRODUCT_ID, PREFILL_USER_ID};
use crate::web::state::language::use_lang;

use crate::asset_urls::DEMO_USERS_URL;

/// Why the demo data could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Download(#[from] FetchError),
    #[error("{file} is not valid")]
    Invalid {
        file: &'static str,
        #[source]
        source: FeatureError,
    },
    #[error(transparent)]
    Recommend(#[from] RecommendError),
}

struct DemoData {
    catalog: Catalog,
    users: DemoUsers,
}

async fn load_demo_data() -> Result<Arc<DemoData>, Arc<DemoError>> {
    let load = async {
        let catalog_text = fetch_text(CATALOG_URL).await?;
        let users_text = fetch_text(DEMO_USERS_URL).await?;
        let catalog = Catalog::from_json(&catalog_text).map_err(|source| DemoError::Invalid {
            file: "catalog.json",
            source,
        })?;
        let users = DemoUsers::from_json(&users_text).map_err(|source| DemoError::Invalid {
            file: "demo_users.json",
            source,
        })?;
        Ok::<_, DemoError>(Arc::new(DemoData { catalog, users }))
    };
    load.await.map_err(Arc::new)
}

/// An aisle or department: its id and, when the catalog has it, its name.
type Group = Option<(u32, Option<String>)>;

/// A scored shopper: `recommend`'s ranking, with each row's aisle and department to show.
#[derive(Clone, Debug, PartialEq)]
struct Ranking {
    recommendation: Recommendation,
    /// (aisle, department) of each ranked row, in ranking order.
    groups: Vec<(Group, Group)>,
}

/// Ranks one shopper's candidates (`recommend`) and looks up what the table shows of each.
fn rank_user(
    user: &UserHistory,
    data: &DemoData,
    loaded: &LoadedModel,
) -> Result<Ranking, DemoError> {
    let recommendation = recommend(user, &data.catalog, &loaded.model)?;
    let catalog = &data.catalog;
    let groups = recommendation
        .ranked
        .iter()
        .map(|row| {
            let stats = catalog.product(row.product_id);
            let aisle = stats
                .and_then(|stats| stats.aisle_id)
                .map(|id| (id, catalog.aisle_name(id).map(str::to_owned)));
            let department = stats
                .and_then(|stats| stats.department_id)
                .map(|id| (id, catalog.department_name(id).map(str::to_owned)));
            (aisle, department)
        })
        .collect();
    Ok(Ranking {
        recommendation,
        groups,
    })
}

fn prefill_link(user_id: u64, row: &RankedCandidate, names: &[String]) -> String {
    let mut link = format!(
        "{}?{PREFILL_USER_ID}={user_id}&{PREFILL_PRODUCT_ID}={}",
        crate::asset_urls::app_path("/"),
        row.product_id
    );
    for (name, value) in names.iter().zip(row.values.iter()) {
        link.push_str(&format!("&{PREFILL_FEATURE_PREFIX}{name}="));
        if !value.is_nan() {
            link.push_str(&format!("{value}"));
        }
    }
    link
}

fn optional_percent(value: Option<f64>, lang: Lang) -> String {
    value.map_or_else(|| "—".to_owned(), |value| lang.percent(value))
}

#[derive(Clone, Debug, PartialEq)]
enum LogState {
    Idle,
    Saving,
    Saved(usize),
    Failed(String),
}

/// The page.
#[component]
pub fn DemoPage() -> impl IntoView {
    let lang = use_lang();
    let model = use_model();
    let is_ready = Memo::new(move |_| matches!(model.state.get(), ModelState::Ready(_)));
    let data = LocalResource::new(load_demo_data);
    view! {
        <section data-testid="page-demo">
            <h1>{move || lang.get().pick("Demo shoppers' next basket", "Örnek müşterilerin sonraki sepeti")}</h1>
            <p class="lead">
                {move || lang.get().pick(
                    "These shoppers were held out of training. Pick one: every product they bought before is scored in your browser, ranked, and compared with what their next order really held.",
                    "Bu müşteriler eğitimde kullanılmadı. Birini seçin: daha önce aldığı her ürün tarayıcınızda puanlanır, sıralanır ve bir sonraki siparişinde gerçekten olanlarla karşılaştırılır.",
                )}
            </p>
            {move || {
                if !is_ready.get() {
                    return view! { <p>{move || lang.get().pick("Waiting for the model…", "Model bekleniyor…")}</p> }.into_any();
                }
                let ModelState::Ready(loaded) = model.state.get_untracked() else {
                    return ().into_any();
                };
                match data.get() {
                    None => view! {
                        <p data-testid="demo-loading">{move || lang.get().pick("Loading the demo shoppers…", "Örnek müşteriler yükleniyor…")}</p>
                    }.into_any(),
                    Some(Err(error)) => {
                        let details = error.to_string();
                        view! {
                            <div class="banner banner-error" role="alert" data-testid="demo-error">
                                <p><strong>{move || lang.get().pick("The demo data could not be loaded.", "Örnek veriler yüklenemedi.")}</strong></p>
                                <p class="mono">{details}</p>
                                <button type="button" class="primary" on:click=move |_| data.refetch()>
                                    {move || lang.get().pick("Try again", "Tekrar dene")}
                                </button>
                            </div>
                        }.into_any()
                    }
                    Some(Ok(data)) => view! { <DemoBrowser data loaded /> }.into_any(),
                }
            }}
        </section>
    }
}

#[component]
fn DemoBrowser(data: Arc<DemoData>, loaded: Arc<LoadedModel>) -> impl IntoView {
    let lang = use_lang();
    let log_store = use_log_store();
    let selected = RwSignal::new(String::new());
    let ranking: RwSignal<Option<Result<Ranking, Arc<DemoError>>>> = RwSignal::new(None);
    let log_state = RwSignal::new(LogState::Idle);
    let names: Arc<Vec<String>> = Arc::new(
        loaded
            .model
            .feature_names()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    );

    let options = data
        .users
        .users
        .iter()
        .map(|user| {
            let id = user.user_id;
            let orders = user.orders.len();
            view! {
                <option value=id.to_string()>
                    {move || match lang.get() {
                        Lang::En => format!("User {id} — {orders} orders"),
                        Lang::Tr => format!("Kullanıcı {id} — {orders} sipariş"),
                    }}
                </option>
            }
        })
        .collect_view();

    let score = {
        let data = Arc::clone(&data);
        let loaded = Arc::clone(&loaded);
        let names = Arc::clone(&names);
        move |user_id: u64| {
            let Some(user) = data.users.users.iter().find(|user| user.user_id == user_id) else {
                return;
            };
            match rank_user(user, &data, &loaded) {
                Ok(result) => {
                    let created_at_ms = js_sys::Date::now() as i64;
                    let records: Vec<PredictionRecord> = result
                        .recommendation
                        .ranked
                        .iter()
                        .map(|row| {
                            PredictionRecord::from_scored(
                                Source::Demo,
                                created_at_ms,
                                RecordIds {
                                    user_id: Some(result.recommendation.user_id),
                                    product_id: Some(row.product_id),
                                },
                                &names[..],
                                &row.values,
                                row.probability,
                                &loaded.model,
                            )
                        })
                        .collect();
                    let count = records.len();
                    ranking.set(Some(Ok(result)));
                    log_state.set(LogState::Saving);
                    let write = log_store.add_many(records, &loaded.model);
                    spawn_local(async move {
                        match write.await {
                            Ok(_) => log_state.set(LogState::Saved(count)),
                            Err(error) => log_state.set(LogState::Failed(full_message(&error))),
                        }
                    });
                }
                Err(error) => ranking.set(Some(Err(Arc::new(error)))),
            }
        }
    };

    // `/demo?user=ID` opens with that shopper scored.
    let requested = use_query_map()
        .get_untracked()
        .get("user")
        .and_then(|user| user.parse::<u64>().ok())
        .filter(|user_id| data.users.users.iter().any(|user| user.user_id == *user_id));
    if let Some(user_id) = requested {
        selected.set(user_id.to_string());
        score(user_id);
    }

    // Choosing only selects (arrow keys step through the list without logging anything); the
    // button scores and logs.
    let on_change = move |event: leptos::ev::Event| selected.set(event_target_value(&event));
    let on_score = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match selected.get_untracked().parse::<u64>() {
            Ok(user_id) => score(user_id),
            Err(_) => ranking.set(None),
        }
    };

    let threshold = loaded.model.threshold();
    view! {
        <div class="card">
            <label for="demo-user-select"><strong>{move || lang.get().pick("Demo shopper", "Örnek müşteri")}</strong></label>
            " "
            <form class="demo-picker" on:submit=on_score>
                <select id="demo-user-select" data-testid="demo-user" prop:value=move || selected.get() on:change=on_change>
                    <option value="">{move || lang.get().pick("Choose a shopper…", "Bir müşteri seçin…")}</option>
                    {options}
                </select>
                <button
                    type="submit"
                    class="primary"
                    data-testid="demo-score"
                    disabled=move || selected.with(String::is_empty)
                >
                    {move || lang.get().pick("Score this shopper", "Bu müşteriyi puanla")}
                </button>
            </form>
            <p class="hint">
                {move || format!(
                    "{} {}",
                    lang.get().pick("Decision threshold:", "Karar eşiği:"),
                    lang.get().percent(threshold),
                )}
            </p>
            <p
                data-testid="demo-log-status"
                data-state=move || log_state.with(|state| match state {
                    LogState::Idle => "idle",
                    LogState::Saving => "saving",
                    LogState::Saved(_) => "saved",
                    LogState::Failed(_) => "failed",
                })
                role="status"
                aria-live="polite"
            >
                {move || match log_state.get() {
                    LogState::Idle => String::new(),
                    LogState::Saving => lang.get().pick("Saving to the log…", "Kayda yazılıyor…").to_owned(),
                    LogState::Saved(count) => match lang.get() {
                        Lang::En => format!("Logged {count} predictions."),
                        Lang::Tr => format!("{count} tahmin kaydedildi."),
                    },
                    LogState::Failed(message) => format!("{} {message}", lang.get().pick("Not logged:", "Kaydedilemedi:")),
                }}
            </p>
        </div>
        {move || match ranking.get() {
            None => ().into_any(),
            Some(Err(error)) => view! {
                <div class="banner banner-error" role="alert" data-testid="demo-error"><p class="mono">{full_message(&*error)}</p></div>
            }.into_any(),
            Some(Ok(result)) => view! { <RankingView result names=Arc::clone(&names) /> }.into_any(),
        }}
    }
}

#[component]
fn RankingView(result: Ranking, names: Arc<Vec<String>>) -> impl IntoView {
    let lang = use_lang();
    let recommendation = &result.recommendation;
    // Every demo shopper's true basket is known; without one nothing would be counted.
    let confusion = recommendation.metrics().unwrap_or_default();
    let precision = confusion.precision();
    let recall = confusion.recall();
    let f1 = confusion.f1();
    let true_positives = confusion.true_positives;
    let predicted = confusion.true_positives + confusion.false_positives;
    let actual = confusion.true_positives + confusion.false_negatives;
    let user_id = recommendation.user_id;
    let rows = recommendation
        .ranked
        .iter()
        .zip(result.groups.iter())
        .enumerate()
        .map(|(rank, (row, (aisle, department)))| {
            let link = prefill_link(user_id, row, &names);
            let probability = row.probability;
            let is_reorder = row.is_reorder;
            let truth = row.in_true_basket;
            let aisle = aisle.clone();
            let department = department.clone();
            let product_id = row.product_id;
            view! {
                <tr data-testid="demo-row" data-product=product_id.to_string() class:hit=truth == Some(true)>
                    <td class="num">{rank + 1}</td>
                    <td class="num">{product_id}</td>
                    <td>{move || group_text(&aisle, lang.get())}</td>
                    <td>{move || group_text(&department, lang.get())}</td>
                    <td class="num" data-testid="demo-probability" data-value=format!("{probability}")>
                        {move || lang.get().percent(probability)}
                    </td>
                    <td data-testid="demo-decision" data-value=if is_reorder { "1" } else { "0" }>
                        {move || if is_reorder { lang.get().pick("reorder", "alır") } else { lang.get().pick("no", "almaz") }}
                    </td>
                    <td>
                        {move || match truth {
                            Some(true) => lang.get().pick("yes", "evet"),
                            Some(false) => lang.get().pick("no", "hayır"),
                            None => lang.get().pick("unknown", "bilinmiyor"),
                        }}
                    </td>
                    <td>
                        <A href=link.clone()>{move || lang.get().pick("Open", "Aç")}</A>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="card" data-testid="demo-ranking" data-user=user_id.to_string()>
            <h2>
                {move || match lang.get() {
                    Lang::En => format!("User {user_id}: ranked candidates"),
                    Lang::Tr => format!("Kullanıcı {user_id}: sıralı adaylar"),
                }}
            </h2>
            <div class="metrics-row" data-testid="demo-metrics">
                <div>
                    {move || lang.get().pick("Precision", "Kesinlik")}
                    <span class="value" data-testid="demo-precision">{move || optional_percent(precision, lang.get())}</span>
                </div>
                <div>
                    {move || lang.get().pick("Recall", "Duyarlılık")}
                    <span class="value" data-testid="demo-recall">{move || optional_percent(recall, lang.get())}</span>
                </div>
                <div>
                    "F1"
                    <span class="value" data-testid="demo-f1">{move || optional_percent(f1, lang.get())}</span>
                </div>
            </div>
            <p class="hint">
                {move || match lang.get() {
                    Lang::En => format!("{true_positives} of the {predicted} predicted reorders were in the next basket, which held {actual} of these products. New products in that basket cannot be predicted from history and are not counted."),
                    Lang::Tr => format!("Tahmin edilen {predicted} tekrar alımın {true_positives} tanesi sonraki sepetteydi; sepette bu ürünlerden {actual} tane vardı. Sepetteki yeni ürünler geçmişten tahmin edilemez ve sayılmaz."),
                }}
            </p>
            <div class="table-wrap">
                <table>
                    <caption class="hint">{move || lang.get().pick("Rows in the real next basket are highlighted.", "Gerçek sonraki sepetteki satırlar vurgulanmıştır.")}</caption>
                    <thead>
                        <tr>
                            <th class="num" scope="col">"#"</th>
                            <th class="num" scope="col">{move || lang.get().pick("Product", "Ürün")}</th>
                            <th scope="col">{move || lang.get().pick("Aisle", "Reyon")}</th>
                            <th scope="col">{move || lang.get().pick("Department", "Departman")}</th>
                            <th class="num" scope="col">{move || lang.get().pick("Probability", "Olasılık")}</th>
                            <th scope="col">{move || lang.get().pick("Decision", "Karar")}</th>
                            <th scope="col">{move || lang.get().pick("In next basket", "Sonraki sepette")}</th>
                            <th scope="col">{move || lang.get().pick("Predict page", "Tahmin sayfası")}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </div>
    }
}

fn group_text(group: &Option<(u32, Option<String>)>, lang: Lang) -> String {
    match group {
        Some((_, Some(name))) => name.clone(),
        Some((id, None)) => format!("#{id}"),
        None => lang.pick("unknown", "bilinmiyor").to_owned(),
    }
}
