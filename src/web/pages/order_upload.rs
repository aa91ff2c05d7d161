//! Your order history, page `/history`: upload a joined order-lines file (one row per product
//! in an order, like the Instacart sample) or Kaggle's orders.csv with order_products__prior.csv. The app computes each candidate's features in wasm
//! with the same `features` code and the bundled catalog (a product the catalog does not know
//! has missing product statistics, and is marked so), scores them with the app's model, and
//! shows the ranked next basket with the threshold basket beside the one that maximises the
//! expected F1. Nothing is uploaded anywhere.

use crate::number::parse_value;
use crate::upload::Upload;
use std::sync::Arc;

use js_sys::Uint8Array;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::features::{order_cells, Catalog, TargetOrder, UserHistory};
use crate::order_files::{read_uploaded, ShopperOrders};
use crate::recommend::{recommend, RecommendError};
use crate::web::fetch::{fetch_text, js_message};
use crate::web::loader::{use_model, LoadedModel};
use crate::web::state::language::use_lang;

use crate::asset_urls::CATALOG_URL;

#[derive(Clone, Debug, PartialEq)]
struct Row {
    product_id: u64,
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
    rows: Vec<Row>,
    threshold: f64,
    threshold_count: usize,
    f1_count: usize,
    expected_f1: f64,
}

/// Ranks the shopper's candidates for the next order (`recommend`) and lays out what the table
/// shows of each.
fn next_basket(
    shopper: &ShopperOrders,
    target: TargetOrder,
    catalog: &Catalog,
    loaded: &LoadedModel,
) -> Result<NextBasket, String> {
    let user = UserHistory {
        user_id: shopper.user_id,
        orders: shopper.orders.clone(),
        target,
    };
    let recommendation = recommend(&user, catalog, &loaded.model).map_err(|error| match error {
        RecommendError::UnknownFeature { name } => {
            format!("the model's feature `{name}` is not computed by the app")
        }
        RecommendError::Candidates { source, .. } => source.to_string(),
        RecommendError::Score(source) => source.to_string(),
    })?;
    let rows: Vec<Row> = recommendation
        .ranked
        .iter()
        .enumerate()
        .map(|(rank, row)| {
            let stats = catalog.product(row.product_id);
            Row {
                product_id: row.product_id,
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
    Ok(NextBasket {
        user_id: recommendation.user_id,
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
    let shoppers = RwSignal::new(None::<Result<Arc<Vec<ShopperOrders>>, String>>);
    let selected = RwSignal::new(String::new());
    let dow = RwSignal::new(String::new());
    let hour = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<Arc<NextBasket>, String>>);

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
        leptos::task::spawn_local(async move {
            let read = async {
                // Sizes first, before any file is read.
                for file in &files {
                    Upload::OrderHistory
                        .check(&file.name(), file.size() as u64)
                        .map_err(|too_large| too_large.to_string())?;
                }
                let mut contents = Vec::with_capacity(files.len());
                for file in &files {
                    let buffer = JsFuture::from(file.array_buffer())
                        .await
                        .map_err(|error| js_message(&error))?;
                    contents.push((file.name(), Uint8Array::new(&buffer).to_vec()));
                }
                read_uploaded(&contents).map_err(|error| {
                    let mut text = error.to_string();
                    let mut source = std::error::Error::source(&error);
                    while let Some(cause) = source {
                        if !text.contains(&cause.to_string()) {
                            text.push_str(&format!(": {cause}"));
                        }
                        source = cause.source();
                    }
                    text
                })
            };
            match read.await {
                Ok(list) => {
                    let first = list
                        .first()
                        .map(|s| s.user_id.to_string())
                        .unwrap_or_default();
                    shoppers.set(Some(Ok(Arc::new(list))));
                    choose(&first);
                }
                Err(message) => shoppers.set(Some(Err(message))),
            }
        });
    };
    let on_score = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(loaded) = model.ready() else { return };
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
        let (Some(dow_value), Some(hour_value)) = (
            order_cells::order_dow(&dow.get_untracked()).ok(),
            order_cells::order_hour_of_day(&hour.get_untracked()).ok(),
        ) else {
            result.set(Some(Err(picked
                .pick(
                    "Enter the day of week (0-6) and the hour (0-23) of the next order.",
                    "Sonraki siparişin haftanın gününü (0-6) ve saatini (0-23) girin.",
                )
                .to_owned())));
            return;
        };
        let days_text = days.get_untracked();
        let days_value = {
            match parse_value(&days_text, picked.decimal_mark()) {
                Ok(None) => None,
                Ok(Some(value)) if (0.0..=365.0).contains(&value) => Some(value),
                _ => {
                    result.set(Some(Err(picked
                        .pick(
                            "Days since the previous order must be a number from 0 to 365, or empty for unknown.",
                            "Önceki siparişten bu yana geçen gün 0 ile 365 arasında bir sayı olmalı ya da bilinmiyorsa boş bırakılmalı.",
                        )
                        .to_owned())));
                    return;
                }
            }
        };
        let target = TargetOrder {
            dow: dow_value,
            hour: hour_value,
            days_since_prior: days_value,
            products: None,
        };
        result.set(Some(
            next_basket(shopper, target, &catalog, &loaded).map(Arc::new),
        ));
    };

    view! {
        <section data-testid="page-history">
            <h1>{move || lang.get().pick("Your order history", "Sipariş geçmişiniz")}</h1>
            <p class="lead">
                {move || lang.get().pick(
                    "Upload order lines as one CSV (columns order_id, user_id, order_number, order_dow, order_hour_of_day, days_since_prior_order, product_id, add_to_cart_order, like the Instacart sample), or two files in Kaggle's layout: orders.csv and order_products__prior.csv. Each shopper's next basket is predicted in your browser with the app's model and its product catalog.",
                    "Sipariş satırlarını tek bir CSV olarak (order_id, user_id, order_number, order_dow, order_hour_of_day, days_since_prior_order, product_id, add_to_cart_order sütunları; Instacart örneğindeki gibi) ya da Kaggle düzenindeki iki dosya olarak yükleyin: orders.csv ve order_products__prior.csv. Her müşterinin sonraki sepeti, uygulamanın modeli ve ürün kataloğuyla tarayıcınızda tahmin edilir.",
                )}
            </p>
            <div class="card">
                <label for="history-file">{move || lang.get().pick("Order lines (one joined CSV, or orders.csv + order_products__prior.csv)", "Sipariş satırları (tek birleşik CSV ya da orders.csv + order_products__prior.csv)")}</label>
                <input id="history-file" type="file" accept=".csv,text/csv" multiple data-testid="history-file" on:change=on_file />
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
                            <button type="submit" class="primary" data-testid="history-score"
                                prop:disabled=move || model.ready().is_none() || !matches!(catalog.get(), Some(Ok(_)))>
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
            {move || result.get().map(|outcome| match outcome {
                Err(message) => view! { <p class="error" role="alert" data-testid="history-score-error">{message}</p> }.into_any(),
                Ok(basket) => view! { <BasketView basket /> }.into_any(),
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
    view! {
        <div class="card" data-testid="history-ranking" data-user=basket.user_id.to_string() data-rows=count.to_string()>
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
            <div class="table-wrap">
                <table>
                    <thead>
                        <tr>
                            <th class="num" scope="col">"#"</th>
                            <th class="num" scope="col">{move || lang.get().pick("Product", "Ürün")}</th>
                            <th scope="col">{move || lang.get().pick("Aisle", "Reyon")}</th>
                            <th scope="col">{move || lang.get().pick("Department", "Bölüm")}</th>
                            <th class="num" scope="col">{move || lang.get().pick("Probability", "Olasılık")}</th>
                            <th scope="col">{move || lang.get().pick("Threshold basket", "Eşik sepeti")}</th>
                            <th scope="col">{move || lang.get().pick("Expected-F1 basket", "Beklenen F1 sepeti")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().enumerate().map(|(rank, row)| {
                            let unknown = !row.known;
                            view! {
                                <tr data-testid="history-row" data-product=row.product_id.to_string() data-known=row.known.to_string()>
                                    <td class="num">{rank + 1}</td>
                                    <td class="num">
                                        {row.product_id}
                                        {unknown.then(|| view! { " " <span class="hint">{move || lang.get().pick("(not in the catalog: product statistics missing)", "(katalogda yok: ürün istatistikleri eksik)")}</span> })}
                                    </td>
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
