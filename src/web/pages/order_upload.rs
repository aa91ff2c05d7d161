//! Your order history, page `/history`: upload the export of your own Instacart orders (CSV,
//! TSV or JSON of `instacart-order-history-download`, told apart by the content), a joined
//! order-lines file (one row per product in an order, like the Instacart sample) or Kaggle's
//! orders.csv with order_products__prior.csv. The app computes each candidate's features in
//! wasm with the same `features` code and the bundled catalog (a product the catalog does not
//! know has missing product statistics, and is marked so), scores them, and shows the ranked
//! next basket with the threshold basket beside the one that maximises the expected F1, and a
//! shopping list to download (CSV) or print. Which model answers is `recommend::choose_model`'s
//! rule: the personal-history model, fetched only then, when most of the products are not in
//! the catalog (always for an export: its product ids are today's), else the main model; the
//! page says which and why. For an export, the next order's time defaults to now and the
//! context features follow it. The files are read in the batch worker when it can start
//! (`history_work`; the upload card says where in `data-parsed-in`), else on the main thread.
//! Nothing is uploaded anywhere.

use crate::input::number::parse_value;
use crate::input::upload::Upload;
use std::sync::Arc;

use leptos::prelude::*;

use std::cell::RefCell;

use crate::features::{order_cells, Catalog, FeatureError, TargetOrder, UserHistory};
use crate::model::ScoreError;
use crate::order_history::export::{PersonalHistory, Timestamp, TimestampError};
use crate::order_history::recommend::{
    basket_csv, choose_model, recommend, ModelChoice, ModelPick, RecommendError,
};
use crate::web::download::offer_download;
use crate::web::fetch::fetch_text;
use crate::web::loader::{fetch_and_check_against, use_model, LoadError, LoadedModel};
use crate::web::state::jobs::use_jobs;
use crate::web::state::language::use_lang;

use crate::asset_urls::{CATALOG_URL, PERSONAL_MODEL_SHA256, PERSONAL_MODEL_URL};

thread_local! {
    /// The personal-history model once fetched: loaded on the first history that needs it.
    static PERSONAL_MODEL: RefCell<Option<Arc<LoadedModel>>> = const { RefCell::new(None) };
}

/// Why no next basket could be drawn; its text is what the page shows.
#[derive(Debug, thiserror::Error)]
enum BasketError {
    #[error("{}", .0.details())]
    PersonalModel(#[source] LoadError),
    #[error("the model's feature `{name}` is not computed by the app")]
    UnknownFeature { name: String },
    #[error("{source}")]
    Candidates {
        #[source]
        source: FeatureError,
    },
    #[error("{0}")]
    Score(#[source] ScoreError),
    #[error("{label}: {source}")]
    NextOrder {
        label: &'static str,
        #[source]
        source: TimestampError,
    },
    #[error("{0}")]
    NextOrderFields(&'static str),
    #[error("a next basket needs a reorder probability and a threshold; the model in use is a {kind} model")]
    NotBinary { kind: &'static str },
}

/// The last press of "Predict the next basket": the basket, or why there is none.
#[derive(Clone, Debug, PartialEq)]
enum BasketState {
    Ready(Arc<NextBasket>),
    Failed(String),
}

impl BasketState {
    fn of(outcome: Result<NextBasket, BasketError>) -> BasketState {
        match outcome {
            Ok(basket) => BasketState::Ready(Arc::new(basket)),
            Err(error) => BasketState::Failed(error.to_string()),
        }
    }
}

/// The personal-history model, fetched and checked the first time it is needed.
async fn personal_model() -> Result<Arc<LoadedModel>, BasketError> {
    if let Some(model) = PERSONAL_MODEL.with(|cell| cell.borrow().clone()) {
        return Ok(model);
    }
    let loaded = fetch_and_check_against(PERSONAL_MODEL_URL, PERSONAL_MODEL_SHA256, |_| {})
        .await
        .map_err(BasketError::PersonalModel)?;
    let loaded = Arc::new(loaded);
    PERSONAL_MODEL.with(|cell| *cell.borrow_mut() = Some(loaded.clone()));
    Ok(loaded)
}

/// Now, in the browser's time zone.
fn now_here() -> Timestamp {
    let date = js_sys::Date::new_0();
    Timestamp {
        utc_seconds: (date.get_time() / 1000.0).floor() as i64,
        // getTimezoneOffset is minutes *behind* UTC.
        offset_seconds: -(date.get_timezone_offset() as i32) * 60,
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Row {
    product_id: u64,
    /// The item's name and size from an export (empty otherwise).
    name: String,
    size: String,
    known: bool,
    aisle: Option<String>,
    department: Option<String>,
    probability: f64,
    in_threshold_basket: bool,
    in_f1_basket: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct NextBasket {
    user_id: u64,
    /// Which model answered, and why.
    pick: ModelPick,
    model_version: String,
    /// The shopping list (`recommend::basket_csv`).
    csv: String,
    rows: Vec<Row>,
    threshold: f64,
    threshold_count: usize,
    f1_count: usize,
    expected_f1: f64,
}

/// Ranks the shopper's candidates for the next order (`recommend`) and lays out what the table
/// shows of each.
fn next_basket(
    user: &UserHistory,
    pick: ModelPick,
    export: Option<&PersonalHistory>,
    catalog: &Catalog,
    loaded: &LoadedModel,
) -> Result<NextBasket, BasketError> {
    let recommendation = recommend(user, catalog, &loaded.model).map_err(|error| match error {
        RecommendError::UnknownFeature { name } => BasketError::UnknownFeature { name },
        RecommendError::Candidates { source, .. } => BasketError::Candidates { source },
        RecommendError::Score(source) => BasketError::Score(source),
        RecommendError::NotBinary { kind } => BasketError::NotBinary { kind },
    })?;
    let rows: Vec<Row> = recommendation
        .ranked
        .iter()
        .enumerate()
        .map(|(rank, row)| {
            let stats = catalog.product(row.product_id);
            let item = export.and_then(|history| history.items.get(&row.product_id));
            Row {
                product_id: row.product_id,
                name: item.map(|item| item.name.clone()).unwrap_or_default(),
                size: item.map(|item| item.size.clone()).unwrap_or_default(),
                known: row.known,
                aisle: stats.and_then(|s| s.aisle_id).map(|id| {
                    catalog
                        .aisle_name(id)
                        .map_or_else(|| id.to_string(), str::to_owned)
                }),
                department: stats.and_then(|s| s.department_id).map(|id| {
                    catalog
                        .department_name(id)
                        .map_or_else(|| id.to_string(), str::to_owned)
                }),
                probability: row.probability,
                in_threshold_basket: row.is_reorder,
                in_f1_basket: rank < recommendation.f1_count,
            }
        })
        .collect();
    let csv = basket_csv(&recommendation, |id| {
        export.map_or("", |history| history.name_of(id))
    });
    Ok(NextBasket {
        user_id: recommendation.user_id,
        pick,
        model_version: loaded
            .model
            .bundle()
            .metadata
            .model_version
            .clone()
            .unwrap_or_else(|| loaded.file_sha256[..12].to_owned()),
        csv,
        rows,
        threshold: recommendation.threshold,
        threshold_count: recommendation.threshold_count,
        f1_count: recommendation.f1_count,
        expected_f1: recommendation.expected_f1,
    })
}

#[component]
pub fn OrderUploadPage() -> impl IntoView {
    let lang = use_lang();
    let model = use_model();
    let catalog = LocalResource::new(|| async {
        let text = fetch_text(CATALOG_URL).await.map_err(|e| e.to_string())?;
        Catalog::from_json(&text)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    });
    // The reading of the files is the app's (`state::jobs`): it goes on when this page is left,
    // and the page shows its outcome when it is opened again.
    let job = use_jobs().history;
    let shoppers = Signal::derive(move || {
        job.outcome.with(|outcome| {
            outcome.as_ref().map(|read| {
                read.as_ref()
                    .map(|read| read.shoppers.clone())
                    .map_err(|error| error.to_string())
            })
        })
    });
    // An export of one's own orders (one person, with names and times), when that was uploaded.
    let export = Signal::derive(move || {
        job.outcome.with(|outcome| {
            outcome
                .as_ref()
                .and_then(|read| read.as_ref().ok()?.export.clone())
        })
    });
    let at = RwSignal::new(String::new());
    let selected = RwSignal::new(String::new());
    let dow = RwSignal::new(String::new());
    let hour = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let result = RwSignal::new(None::<BasketState>);
    // Where the last upload was read: "worker" or "page".
    let parsed_in = job.read_in;

    let choose = move |user_id: &str| {
        selected.set(user_id.to_owned());
        result.set(None);
        if let Some(Ok(list)) = shoppers.get_untracked() {
            if let Some(last) = list
                .iter()
                .find(|s| s.user_id.to_string() == user_id)
                .and_then(|s| s.orders.last())
            {
                dow.set(last.dow.to_string());
                hour.set(last.hour.to_string());
                days.set(String::new());
            }
        }
    };
    let on_file = move |event: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        let Some(list) = input.files() else { return };
        let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        if files.is_empty() {
            return;
        }
        job.start(files, |file| {
            Upload::OrderHistory
                .check(&file.name(), file.size() as u64)
                .map_err(|too_large| too_large.to_string())
        });
    };
    // Each reading's outcome (also the one there when the page opens) selects its first shopper,
    // and for an export, the next order's time defaults to now.
    Effect::new(move |_| {
        let read = job.outcome.with(|outcome| {
            outcome
                .as_ref()
                .and_then(|read| read.as_ref().ok())
                .map(|read| {
                    (
                        read.export.is_some(),
                        read.shoppers.first().map(|s| s.user_id),
                    )
                })
        });
        if let Some((is_export, first)) = read {
            if is_export {
                at.set(now_here().to_string());
            }
            choose(&first.map(|id| id.to_string()).unwrap_or_default());
        }
    });
    Effect::new(move |_| {
        if !job.running.get() {
            job.seen.set(true);
        }
    });
    // The next order's context from the day, hour and gap fields (the research layouts).
    let context_from_fields =
        move |picked: crate::lang::Lang| -> Result<TargetOrder, &'static str> {
            let (Some(dow_value), Some(hour_value)) = (
                order_cells::order_dow(&dow.get_untracked()).ok(),
                order_cells::order_hour_of_day(&hour.get_untracked()).ok(),
            ) else {
                return Err(picked.pick(
                    "Enter the day of week (0-6) and the hour (0-23) of the next order.",
                    "Sonraki siparişin haftanın gününü (0-6) ve saatini (0-23) girin.",
                ));
            };
            let days_value = match parse_value(&days.get_untracked(), picked.decimal_mark()) {
            Ok(None) => None,
            Ok(Some(value)) if (0.0..=365.0).contains(&value) => Some(value),
            _ => {
                return Err(picked.pick(
                    "Days since the previous order must be a number from 0 to 365, or empty for unknown.",
                    "Önceki siparişten bu yana geçen gün 0 ile 365 arasında bir sayı olmalı ya da bilinmiyorsa boş bırakılmalı.",
                ))
            }
        };
            Ok(TargetOrder {
                dow: dow_value,
                hour: hour_value,
                days_since_prior: days_value,
                products: None,
            })
        };
    let loading_personal = RwSignal::new(false);
    let on_score = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(Ok(catalog)) = catalog.get() else {
            return;
        };
        let Some(Ok(list)) = shoppers.get_untracked() else {
            return;
        };
        let Some(shopper) = list
            .iter()
            .find(|s| s.user_id.to_string() == selected.get_untracked())
        else {
            return;
        };
        let picked = lang.get_untracked();
        let personal = export.get_untracked();
        let target = match &personal {
            Some(history) => match Timestamp::parse(&at.get_untracked()) {
                Ok(when) => history.next_order_at(when),
                Err(source) => {
                    result.set(Some(BasketState::of(Err(BasketError::NextOrder {
                        label: picked.pick("Next order", "Sonraki sipariş"),
                        source,
                    }))));
                    return;
                }
            },
            None => match context_from_fields(picked) {
                Ok(target) => target,
                Err(message) => {
                    result.set(Some(BasketState::of(Err(BasketError::NextOrderFields(
                        message,
                    )))));
                    return;
                }
            },
        };
        let user = UserHistory {
            user_id: shopper.user_id,
            orders: shopper.orders.clone(),
            target,
        };
        let pick = choose_model(&user, &catalog);
        match pick.choice {
            ModelChoice::Main => {
                let Some(loaded) = model.ready() else { return };
                result.set(Some(BasketState::of(next_basket(
                    &user,
                    pick,
                    personal.as_deref(),
                    &catalog,
                    &loaded,
                ))));
            }
            ModelChoice::Personal => {
                result.set(None);
                loading_personal.set(true);
                leptos::task::spawn_local(async move {
                    let outcome = personal_model().await.and_then(|loaded| {
                        next_basket(&user, pick, personal.as_deref(), &catalog, &loaded)
                    });
                    // The page may have gone meanwhile: then nobody waits for this basket.
                    let _ = loading_personal.try_set(false);
                    let _ = result.try_set(Some(BasketState::of(outcome)));
                });
            }
        }
    };

    view! {
        <section data-testid="page-history">
            <h1>{move || lang.get().pick("Your order history", "Sipariş geçmişiniz")}</h1>
            <p class="lead">
                {move || lang.get().pick(
                    "Upload the export of your own Instacart orders (the CSV, TSV or JSON file of instacart-order-history-download), order lines as one CSV (columns order_id, user_id, order_number, order_dow, order_hour_of_day, days_since_prior_order, product_id, add_to_cart_order, like the Instacart sample), or two files in Kaggle's layout: orders.csv and order_products__prior.csv. The next basket is predicted in your browser; nothing is uploaded.",
                    "Kendi Instacart siparişlerinizin dışa aktarımını (instacart-order-history-download'un CSV, TSV ya da JSON dosyası), sipariş satırlarını tek bir CSV olarak (order_id, user_id, order_number, order_dow, order_hour_of_day, days_since_prior_order, product_id, add_to_cart_order sütunları; Instacart örneğindeki gibi) ya da Kaggle düzenindeki iki dosya olarak yükleyin: orders.csv ve order_products__prior.csv. Sonraki sepet tarayıcınızda tahmin edilir; hiçbir şey yüklenmez.",
                )}
            </p>
            <div class="card" data-testid="history-upload" data-parsed-in=move || parsed_in.get()>
                <label for="history-file">{move || lang.get().pick("Your Instacart export (CSV, TSV or JSON), or order lines (one joined CSV, or orders.csv + order_products__prior.csv)", "Instacart dışa aktarımınız (CSV, TSV ya da JSON) ya da sipariş satırları (tek birleşik CSV ya da orders.csv + order_products__prior.csv)")}</label>
                <input id="history-file" type="file" accept=".csv,.tsv,.json,text/csv,text/tab-separated-values,application/json" multiple data-testid="history-file" on:change=on_file />
            </div>
            {move || match shoppers.get() {
                None => ().into_any(),
                Some(Err(message)) => view! {
                    <div class="banner banner-error" role="alert">
                        <p><strong>{move || lang.get().pick("This file cannot be read.", "Bu dosya okunamıyor.")}</strong></p>
                        <p class="mono" data-testid="history-error">{message}</p>
                    </div>
                }.into_any(),
                Some(Ok(list)) => {
                    let count = list.len();
                    let options = list.iter().map(|s| {
                        let id = s.user_id.to_string();
                        let label = format!("{} · {} {}", s.user_id, s.orders.len(), lang.get_untracked().pick("orders", "sipariş"));
                        view! { <option value=id.clone() selected=move || selected.get() == id>{label}</option> }
                    }).collect_view();
                    view! {
                        <form class="card demo-picker" on:submit=on_score data-testid="history-shoppers" data-count=count.to_string()>
                            <label>
                                {move || lang.get().pick("Shopper", "Müşteri")}
                                <select data-testid="history-user" on:change=move |ev| choose(&event_target_value(&ev))>{options}</select>
                            </label>
                            {move || if export.get().is_some() {
                                view! {
                                    <label>
                                        {move || lang.get().pick("Next order placed at (ISO 8601 with the UTC offset; the day, hour and days since your last order follow it)", "Sonraki sipariş zamanı (UTC farkıyla ISO 8601; gün, saat ve son siparişten bu yana gün bundan hesaplanır)")}
                                        <input type="text" data-testid="history-at" prop:value=move || at.get() on:input=move |ev| at.set(event_target_value(&ev)) />
                                    </label>
                                }.into_any()
                            } else {
                                view! {
                            <label>
                                {move || lang.get().pick("Next order: day of week (0-6)", "Sonraki sipariş: haftanın günü (0-6)")}
                                <input type="number" min="0" max="6" data-testid="history-dow" prop:value=move || dow.get() on:input=move |ev| dow.set(event_target_value(&ev)) />
                            </label>
                            <label>
                                {move || lang.get().pick("hour (0-23)", "saat (0-23)")}
                                <input type="number" min="0" max="23" data-testid="history-hour" prop:value=move || hour.get() on:input=move |ev| hour.set(event_target_value(&ev)) />
                            </label>
                            <label>
                                {move || lang.get().pick("days since the previous order (empty = unknown)", "önceki siparişten bu yana gün (boş = bilinmiyor)")}
                                <input type="number" min="0" max="365" data-testid="history-days" prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev)) />
                            </label>
                                }.into_any()
                            }}
                            <button type="submit" class="primary" data-testid="history-score"
                                prop:disabled=move || loading_personal.get() || (export.get().is_none() && model.ready().is_none()) || !matches!(catalog.get(), Some(Ok(_)))>
                                {move || lang.get().pick("Predict the next basket", "Sonraki sepeti tahmin et")}
                            </button>
                        </form>
                    }.into_any()
                }
            }}
            {move || match catalog.get() {
                Some(Err(message)) => Some(view! { <p class="error" role="alert">{message}</p> }),
                _ => None,
            }}
            {move || loading_personal.get().then(|| view! {
                <p class="hint" data-testid="history-loading-personal">{move || lang.get().pick("Loading the model for personal histories…", "Kişisel geçmişler için model yükleniyor…")}</p>
            })}
            {move || result.get().map(|outcome| match outcome {
                BasketState::Failed(message) => view! { <p class="error" role="alert" data-testid="history-score-error">{message}</p> }.into_any(),
                BasketState::Ready(basket) => view! { <BasketView basket /> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn BasketView(basket: Arc<NextBasket>) -> impl IntoView {
    let lang = use_lang();
    let threshold = basket.threshold;
    let threshold_count = basket.threshold_count;
    let f1_count = basket.f1_count;
    let expected_f1 = basket.expected_f1;
    let rows = basket.rows.clone();
    let count = rows.len();
    let pick = basket.pick;
    let version = basket.model_version.clone();
    let shown_version = version.clone();
    let f1_names: Vec<String> = basket.rows[..f1_count]
        .iter()
        .map(|row| {
            if row.name.is_empty() {
                row.product_id.to_string()
            } else if row.size.is_empty() {
                row.name.clone()
            } else {
                format!("{} ({})", row.name, row.size)
            }
        })
        .collect();
    let csv = basket.csv.clone();
    let download = move |_| {
        let _ = offer_download(csv.as_bytes(), "next_basket.csv", "text/csv");
    };
    let print = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    view! {
        <div class="card" data-testid="history-ranking" data-user=basket.user_id.to_string() data-rows=count.to_string()>
            <p data-testid="history-model" data-value=version data-choice=match pick.choice { ModelChoice::Main => "main", ModelChoice::Personal => "personal" }>
                {move || match pick.choice {
                    ModelChoice::Personal => format!(
                        "{} {shown_version}: {} {} {} {}",
                        lang.get().pick("Answered by the model for personal histories,", "Yanıtlayan model kişisel geçmişler için olan model,"),
                        pick.unknown,
                        lang.get().pick("of", "/"),
                        pick.products,
                        lang.get().pick("products are not in the 2017 catalog, so their product, aisle and department statistics are unknown; this model uses only your own history and the time of the next order.", "ürün 2017 kataloğunda yok; ürün, reyon ve bölüm istatistikleri bilinmediğinden bu model yalnızca kendi geçmişinizi ve sonraki siparişin zamanını kullanır."),
                    ),
                    ModelChoice::Main => format!(
                        "{} {shown_version}: {} {} {} {}",
                        lang.get().pick("Answered by the main model,", "Yanıtlayan ana model,"),
                        pick.products - pick.unknown,
                        lang.get().pick("of", "/"),
                        pick.products,
                        lang.get().pick("products are in the catalog.", "ürün katalogda."),
                    ),
                }}
            </p>
            <div class="metrics-row">
                <div class="metric" data-testid="history-threshold-basket" data-count=threshold_count.to_string()>
                    <span class="label">{move || format!("{} {threshold}", lang.get().pick("Basket at the threshold", "Eşikteki sepet"))}</span>
                    <span class="value">{threshold_count}</span>
                </div>
                <div class="metric" data-testid="history-f1-basket" data-count=f1_count.to_string() data-expected-f1=expected_f1.to_string()>
                    <span class="label">{move || lang.get().pick("Basket maximising expected F1", "Beklenen F1'i en büyükleyen sepet")}</span>
                    <span class="value">{f1_count}</span>
                    <span class="hint">{move || format!("{} {}", lang.get().pick("expected F1", "beklenen F1"), lang.get().percent(expected_f1))}</span>
                </div>
            </div>
            <p class="hint">
                {move || lang.get().pick(
                    "The expected-F1 basket takes the most likely products, as many as maximise F1 on average if each product is in the next order with its probability; an empty basket means \"none of these\".",
                    "Beklenen F1 sepeti, her ürün kendi olasılığıyla sonraki siparişte yer alırsa F1'i ortalamada en büyük yapan sayıda, en olası ürünleri alır; boş sepet \"hiçbiri\" demektir.",
                )}
            </p>
            <div class="card" data-testid="history-expected-f1-basket" data-count=f1_count.to_string()>
                <h2>{move || lang.get().pick("Your likely next basket", "Olası sonraki sepetiniz")}</h2>
                <ul>
                    {f1_names.into_iter().map(|name| view! { <li>{name}</li> }).collect_view()}
                </ul>
                <div class="actions no-print">
                    <button type="button" data-testid="history-download" on:click=download>{move || lang.get().pick("Download the shopping list (CSV)", "Alışveriş listesini indir (CSV)")}</button>
                    " "
                    <button type="button" data-testid="history-print" on:click=print>{move || lang.get().pick("Print", "Yazdır")}</button>
                </div>
            </div>
            <div class="table-wrap">
                <table>
                    <thead>
                        <tr>
                            <th class="num" scope="col">"#"</th>
                            <th class="num" scope="col">{move || lang.get().pick("Product", "Ürün")}</th>
                            <th scope="col">{move || lang.get().pick("Name", "Ad")}</th>
                            <th scope="col">{move || lang.get().pick("Aisle", "Reyon")}</th>
                            <th scope="col">{move || lang.get().pick("Department", "Bölüm")}</th>
                            <th class="num" scope="col">{move || lang.get().pick("Probability", "Olasılık")}</th>
                            <th scope="col">{move || lang.get().pick("Threshold basket", "Eşik sepeti")}</th>
                            <th scope="col">{move || lang.get().pick("Expected-F1 basket", "Beklenen F1 sepeti")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().enumerate().map(|(rank, row)| {
                            let unknown = !row.known && pick.choice == ModelChoice::Main;
                            view! {
                                <tr data-testid="history-row" data-product=row.product_id.to_string() data-known=row.known.to_string()>
                                    <td class="num">{rank + 1}</td>
                                    <td class="num" data-testid="history-candidate" data-product-id=row.product_id.to_string() data-name=row.name.clone() data-probability=format!("{}", row.probability)>
                                        {row.product_id}
                                        {unknown.then(|| view! { " " <span class="hint">{move || lang.get().pick("(not in the catalog: product statistics missing)", "(katalogda yok: ürün istatistikleri eksik)")}</span> })}
                                    </td>
                                    <td>{row.name.clone()}{(!row.size.is_empty()).then(|| view! { " " <span class="hint">{row.size.clone()}</span> })}</td>
                                    <td>{row.aisle.clone().unwrap_or_else(|| "—".to_owned())}</td>
                                    <td>{row.department.clone().unwrap_or_else(|| "—".to_owned())}</td>
                                    <td class="num" data-testid="history-probability" data-value=format!("{}", row.probability)>{move || lang.get().percent(row.probability)}</td>
                                    <td>{if row.in_threshold_basket { "✓" } else { "" }}</td>
                                    <td>{if row.in_f1_basket { "✓" } else { "" }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}
