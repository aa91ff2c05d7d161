//! "Start from a demo shopper's product": one select that fills the Predict form with a real
//! row (a demo shopper's features for a product they bought before, computed in wasm as on the
//! Demo page). Its data (catalog and demo shoppers, hundreds of KB of JSON) is fetched and read
//! only when the reader reaches for the select (pointer over it, focus, touch), never during the
//! page's start: reading it is a long task that would block the first interactions.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::asset_urls::{CATALOG_URL, DEMO_USERS_URL};
use crate::browser::js_error::full_message;
use crate::features::{demo_picks, pick_values, Catalog, DemoPick, DemoUsers, FeatureError};
use crate::web::fetch::{fetch_text, FetchError};
use crate::web::state::language::use_lang;

/// How many of each shopper's most bought products the list offers.
const PRODUCTS_PER_SHOPPER: usize = 3;

/// A picked row: who, what, and the features in the model's column order (NaN = missing).
#[derive(Clone, Debug, PartialEq)]
pub struct PickedRow {
    pub user_id: u64,
    pub product_id: u64,
    pub values: Vec<f64>,
}

struct DemoData {
    catalog: Catalog,
    users: DemoUsers,
    picks: Vec<DemoPick>,
}

#[derive(Clone)]
enum PickState {
    /// Not asked for yet.
    Idle,
    Loading,
    Ready(Arc<DemoData>),
    Failed(String),
}

/// Why the demo data could not be had.
#[derive(Debug, thiserror::Error)]
enum DemoDataError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("catalog.json")]
    Catalog(#[source] FeatureError),
    #[error("demo_users.json")]
    Users(#[source] FeatureError),
}

async fn load() -> Result<Arc<DemoData>, DemoDataError> {
    let catalog_text = fetch_text(CATALOG_URL).await?;
    let users_text = fetch_text(DEMO_USERS_URL).await?;
    let catalog = Catalog::from_json(&catalog_text).map_err(DemoDataError::Catalog)?;
    let users = DemoUsers::from_json(&users_text).map_err(DemoDataError::Users)?;
    let picks = demo_picks(&users, PRODUCTS_PER_SHOPPER);
    Ok(Arc::new(DemoData {
        catalog,
        users,
        picks,
    }))
}

/// The select. `model_names` are the model's columns; `on_pick` receives the chosen row.
#[component]
pub fn DemoPickSelect(
    model_names: Arc<Vec<String>>,
    on_pick: Callback<PickedRow>,
) -> impl IntoView {
    let lang = use_lang();
    let state = RwSignal::new(PickState::Idle);
    let error = RwSignal::new(None::<String>);
    let start_loading = move || {
        if !matches!(state.get_untracked(), PickState::Idle) {
            return;
        }
        state.set(PickState::Loading);
        spawn_local(async move {
            state.set(match load().await {
                Ok(data) => PickState::Ready(data),
                Err(error) => PickState::Failed(full_message(&error)),
            });
        });
    };
    let choose = move |event: leptos::ev::Event| {
        let value = event_target_value(&event);
        let PickState::Ready(data) = state.get_untracked() else {
            return;
        };
        let Some((user_id, product_id)) = value
            .split_once(':')
            .and_then(|(user, product)| Some((user.parse().ok()?, product.parse().ok()?)))
        else {
            return;
        };
        let names: Vec<&str> = model_names.iter().map(String::as_str).collect();
        match pick_values(&data.users, &data.catalog, (user_id, product_id), &names) {
            Ok(values) => {
                error.set(None);
                on_pick.run(PickedRow {
                    user_id,
                    product_id,
                    values,
                });
            }
            Err(problem) => error.set(Some(full_message(&problem))),
        }
    };
    let options = move || match state.get() {
        PickState::Ready(data) => {
            let lang = lang.get();
            let mut groups: Vec<(u64, Vec<DemoPick>)> = Vec::new();
            for pick in &data.picks {
                match groups.last_mut() {
                    Some((user, picks)) if *user == pick.user_id => picks.push(*pick),
                    _ => groups.push((pick.user_id, vec![*pick])),
                }
            }
            groups
                .into_iter()
                .map(|(user_id, picks)| {
                    let orders = data
                        .users
                        .users
                        .iter()
                        .find(|user| user.user_id == user_id)
                        .map_or(0, |user| user.orders.len());
                    let label = format!("{} {user_id}", lang.pick("Shopper", "Müşteri"));
                    let options = picks
                        .into_iter()
                        .map(|pick| {
                            let aisle = data
                                .catalog
                                .product(pick.product_id)
                                .and_then(|stats| stats.aisle_id)
                                .and_then(|aisle| data.catalog.aisle_name(aisle))
                                .map(|name| format!(" · {name}"))
                                .unwrap_or_default();
                            let text = format!(
                                "{} {}{aisle} · {} {} / {orders}",
                                lang.pick("product", "ürün"),
                                pick.product_id,
                                lang.pick("bought in", "alındığı sipariş"),
                                pick.times_bought,
                            );
                            view! {
                                <option value=format!("{}:{}", pick.user_id, pick.product_id)>{text}</option>
                            }
                        })
                        .collect_view();
                    view! { <optgroup label=label>{options}</optgroup> }
                })
                .collect_view()
                .into_any()
        }
        _ => ().into_any(),
    };
    view! {
        <div class="field demo-pick">
            <label for="demo-pick-select">
                {move || lang.get().pick("Start from a demo shopper's product", "Bir demo müşterinin ürünüyle başlayın")}
            </label>
            <select
                id="demo-pick-select"
                data-testid="demo-pick"
                data-state=move || match state.get() {
                    PickState::Idle => "idle",
                    PickState::Loading => "loading",
                    PickState::Ready(_) => "ready",
                    PickState::Failed(_) => "failed",
                }
                aria-busy=move || matches!(state.get(), PickState::Loading).then_some("true")
                on:pointerenter=move |_| start_loading()
                on:focus=move |_| start_loading()
                on:touchstart=move |_| start_loading()
                on:change=choose
            >
                <option value="">
                    {move || match state.get() {
                        PickState::Idle => lang.get().pick("Choose a product…", "Bir ürün seçin…"),
                        PickState::Loading => lang.get().pick("Loading the demo shoppers…", "Demo müşteriler yükleniyor…"),
                        PickState::Ready(_) => lang.get().pick("Choose a product…", "Bir ürün seçin…"),
                        PickState::Failed(_) => lang.get().pick("Demo shoppers unavailable", "Demo müşteriler kullanılamıyor"),
                    }}
                </option>
                {options}
            </select>
            {move || {
                let problem = match state.get() {
                    PickState::Failed(message) => Some(message),
                    _ => error.get(),
                };
                problem.map(|message| view! {
                    <p class="field-error" role="alert" data-testid="demo-pick-error">{message}</p>
                })
            }}
        </div>
    }
}
