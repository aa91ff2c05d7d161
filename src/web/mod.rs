//! The Leptos single-page app: the shell (header, navigation, footer) and the router. The only
//! module that touches the browser. Its layers, each importing only those below it:
//!
//! - `pages`: the routed views; they read state, render and call actions, and never import
//!   each other (`routes` holds what one page hands another);
//! - `components`: views shared by pages and the shell;
//! - `state`: app-wide reactive state (the language, the model to score with, the long jobs);
//! - browser I/O, each behind one small API: `idb` (IndexedDB as futures), `log` (the
//!   prediction log, its schema in `log::schema`), `browser_storage` (the origin's storage), `own_model_store` (the user's model files), `settings` (localStorage),
//!   `loader` (the model bundle), `fetch`, `download`; `crate::browser` holds the glue they share
//!   with the worker (`js_error`, their common error, among it);
//! - the pure crate modules (`model`, `features`, `input`, `lang`, ...), tested natively.
//!
//! `embed` is the compact card for an iframe, with its `postMessage` API.

pub mod after_paint;
pub mod batch_run;
pub mod browser_storage;
pub mod components;
pub mod download;
pub mod embed;
pub mod fetch;
pub mod history_work;
pub mod idb;
pub mod loader;
pub mod log;
pub mod own_model_store;
pub mod own_model_work;
pub mod pages;
pub mod routes;
pub mod run_locks;
pub mod settings;
pub mod state;
pub mod worker_link;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use crate::asset_urls::app_path;
use crate::web::after_paint::{after_model_settles, announce_settled};
use crate::web::components::job_status::JobStatus;
use crate::web::components::lang_toggle::LangToggle;
use crate::web::components::model_status::ModelStatus;
use crate::web::components::storage_banner::StorageBanner;
use crate::web::loader::{provide_model, use_model, LoadedModel, ModelState};
use crate::web::log::{provide_log_store, warm_up_log_store};
use crate::web::pages::batch::BatchPage;
use crate::web::pages::dashboard::DashboardPage;
use crate::web::pages::demo::DemoPage;
use crate::web::pages::model_card::ModelPage;
use crate::web::pages::not_found::NotFoundPage;
use crate::web::pages::order_upload::OrderUploadPage;
use crate::web::pages::own_model::OwnModelPage;
use crate::web::pages::predict::PredictPage;
use crate::web::state::active_model::provide_own_model;
use crate::web::state::jobs::provide_jobs;
use crate::web::state::language::{provide_lang, use_lang};

/// Checks the model bundle the page's loader downloaded (in the task that started the wasm),
/// then, in the next task, mounts the app on the document body with its model, and takes away
/// index.html's loading layer (`#boot`), which covered the page from its first paint until now.
/// Two tasks rather than one long one: the browser can take input in between, and nothing is
/// painted twice (the layer stays until the page is whole).
pub fn start() {
    console_error_panic_hook::set_once();
    // wasm-bindgen's own executor: Leptos's starts with the mount.
    drop_folder_slash();
    wasm_bindgen_futures::spawn_local(async {
        let checked = loader::check_prefetched_bundle().await;
        crate::browser::next_task::next_task().await;
        leptos::mount::mount_to_body(move || view! { <App checked /> });
        if let Some(boot) = document().get_element_by_id("boot") {
            boot.remove();
        }
    });
}

/// A route opened by its own folder on a static host (`/dashboard/`, served as
/// `dashboard/index.html`) is shown under the route's own URL (`/dashboard`), which the router
/// matches and the app's links use; the history entry is replaced, not added.
fn drop_folder_slash() {
    let location = window().location();
    let Ok(pathname) = location.pathname() else {
        return;
    };
    let Some(route) =
        crate::asset_urls::without_folder_slash(&pathname, crate::asset_urls::PUBLIC_URL)
    else {
        return;
    };
    let rest = format!(
        "{route}{}{}",
        location.search().unwrap_or_default(),
        location.hash().unwrap_or_default()
    );
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&rest));
    }
}

/// The whole app: shared state at the root, the shell around the routed pages. `checked` is the
/// model bundle already downloaded and checked before the mount, if it was.
#[component]
pub fn App(checked: Option<LoadedModel>) -> impl IntoView {
    provide_lang();
    provide_log_store();
    provide_model(checked);
    let embed_config = embed::embed_config();
    provide_own_model(embed_config.is_none());
    // Off the first probability's path: after the paint that shows the model's first result.
    warm_up_log_store();
    after_model_settles(announce_settled);
    if let Some(config) = embed_config {
        return view! { <embed::EmbedApp config /> }.into_any();
    }
    provide_jobs();
    let lang = use_lang();
    view! {
        <Router base=crate::asset_urls::router_base()>
            <a class="skip-link" href="#main">
                {move || lang.get().pick("Skip to content", "İçeriğe geç")}
            </a>
            <Header />
            <StorageBanner />
            <ModelStatus />
            <main id="main" class="page" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=PredictPage />
                    <Route path=path!("/demo") view=DemoPage />
                    <Route path=path!("/batch") view=BatchPage />
                    <Route path=path!("/history") view=OrderUploadPage />
                    <Route path=path!("/own-model") view=OwnModelPage />
                    <Route path=path!("/dashboard") view=DashboardPage />
                    <Route path=path!("/model") view=ModelPage />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
    .into_any()
}

#[component]
fn Header() -> impl IntoView {
    let lang = use_lang();
    view! {
        <header class="site-header" data-testid="site-header">
            <A href=app_path("/") {..} class="brand" data-testid="brand">
                {move || lang.get().pick("Instacart reorder predictor", "Instacart tekrar sipariş tahmini")}
            </A>
            <nav aria-label=move || lang.get().pick("Main", "Ana menü")>
                <ul class="nav-links">
                    <li>
                        <A href=app_path("/") exact=true {..} data-testid="nav-predict">
                            {move || lang.get().pick("Predict", "Tahmin")}
                        </A>
                    </li>
                    <li>
                        <A href=app_path("/demo") {..} data-testid="nav-demo">
                            {move || lang.get().pick("Demo users", "Örnek kullanıcılar")}
                        </A>
                    </li>
                    <li>
                        <A href=app_path("/batch") {..} data-testid="nav-batch">
                            {move || lang.get().pick("Batch", "Toplu")}
                        </A>
                    </li>
                    <li>
                        <A href=app_path("/history") {..} data-testid="nav-history">
                            {move || lang.get().pick("Your history", "Geçmişiniz")}
                        </A>
                    </li>
                    <li>
                        <A href=app_path("/own-model") {..} data-testid="nav-own-model">
                            {move || lang.get().pick("Your model", "Modeliniz")}
                        </A>
                    </li>
                    <li>
                        <A href=app_path("/dashboard") {..} data-testid="nav-dashboard">
                            {move || lang.get().pick("Dashboard", "Pano")}
                        </A>
                    </li>
                    <li>
                        <A href=app_path("/model") {..} data-testid="nav-model">
                            {move || lang.get().pick("Model", "Model")}
                        </A>
                    </li>
                </ul>
            </nav>
            <JobStatus />
            <LangToggle />
        </header>
    }
}

#[component]
fn Footer() -> impl IntoView {
    let lang = use_lang();
    let model = use_model();
    let version = Memo::new(move |_| match model.state.get() {
        ModelState::Ready(loaded) => Some((
            loaded.model.bundle().metadata.model_version.clone(),
            loaded
                .model
                .source_sha256()
                .chars()
                .take(12)
                .collect::<String>(),
        )),
        _ => None,
    });
    view! {
        <footer class="site-footer" data-testid="site-footer">
            {move || {
                version
                    .get()
                    .map(|(model_version, short_sha)| {
                        let label = model_version.unwrap_or_else(|| short_sha.clone());
                        view! {
                            <p data-testid="footer-model-version">
                                {move || lang.get().pick("Model", "Model")}
                                " "
                                <span class="mono">{label.clone()}</span>
                                {format!(" · sha256 {short_sha}…")}
                            </p>
                        }
                    })
            }}
            <p>
                {move || {
                    lang.get()
                        .pick(
                            "Scored in your browser: nothing you enter leaves this device.",
                            "Tahminler tarayıcınızda hesaplanır: girdiğiniz hiçbir şey bu cihazdan çıkmaz.",
                        )
                }}
            </p>
        </footer>
    }
}
