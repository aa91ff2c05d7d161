//! Embedded use (`?embed=1`): a compact predict card without navigation, for an iframe on
//! another site, and the postMessage API that lets the parent page ask for predictions.
//!
//! The rules of the protocol (what is answered, what is refused, the allow-list) live in the
//! pure `crate::protocol` module; this file only moves messages between windows, scores with
//! the loaded model and logs each answered request with source `embed`. Replies go to the
//! asking window only, with targetOrigin = that window's origin. Nothing here reads the log.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Router;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Window};

use crate::history::{PredictionRecord, Source};
use crate::protocol::{
    error_reply, origin_allowed, parse_allow_list, prediction_reply, read_message, ready_message,
    Incoming,
};
use crate::web::i18n::{use_lang, LangToggle};
use crate::web::loader::{use_model, LoadedModel, ModelContext, ModelState, ModelStatus};
use crate::web::pages::predict::PredictPage;
use crate::web::storage::{use_log_store, LogStoreHandle, StorageBanner};

/// How the page was asked to run embedded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedConfig {
    /// Parent origins allowed to send requests (`parent_origins=`); `None` = any.
    pub parent_origins: Option<Vec<String>>,
}

/// `Some` when the page's query string has `embed=1`.
pub fn embed_config() -> Option<EmbedConfig> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    if params.get("embed").as_deref() != Some("1") {
        return None;
    }
    let parent_origins = params
        .get("parent_origins")
        .map(|text| parse_allow_list(&text));
    Some(EmbedConfig { parent_origins })
}

/// The embedded app: storage banner, model status, the predict card, and the message API.
#[component]
pub fn EmbedApp(config: EmbedConfig) -> impl IntoView {
    let lang = use_lang();
    let model = use_model();
    let log = use_log_store();
    listen_for_requests(config.clone(), model, log);
    announce_when_ready(config, model);
    view! {
        <Router>
            <div class="embed" data-testid="embed">
                <div class="embed-bar">
                    <a href="/" target="_blank" rel="noopener" data-testid="embed-open-full">
                        {move || lang.get().pick("Open the full app ↗", "Uygulamanın tamamını aç ↗")}
                    </a>
                    <LangToggle />
                </div>
                <StorageBanner />
                <ModelStatus />
                <main id="main" class="page">
                    <PredictPage />
                </main>
            </div>
        </Router>
    }
}

/// A request that arrived before the model was ready.
struct Pending {
    data: Value,
    origin: String,
    source: Window,
}

fn listen_for_requests(config: EmbedConfig, model: ModelContext, log: LogStoreHandle) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let pending: Rc<RefCell<Vec<Pending>>> = Rc::default();
    let queue = pending.clone();
    let log_for_queue = log;
    // Requests that came early are answered as soon as the model is ready.
    Effect::new(move |_| {
        if let ModelState::Ready(loaded) = model.state.get() {
            for request in queue.borrow_mut().drain(..) {
                answer(&loaded, &log_for_queue, request);
            }
        }
    });
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let origin = event.origin();
        if !origin_allowed(&origin, config.parent_origins.as_deref()) {
            return;
        }
        let Some(source) = event.source().and_then(|s| s.dyn_into::<Window>().ok()) else {
            return;
        };
        let Some(data) = js_to_json(&event.data()) else {
            return;
        };
        let request = Pending {
            data,
            origin,
            source,
        };
        match model.state.get_untracked() {
            ModelState::Ready(loaded) => answer(&loaded, &log, request),
            ModelState::Loading(_) => pending.borrow_mut().push(request),
            ModelState::Failed(error) => {
                let id = match read_message(&request.data, &[]) {
                    Incoming::Ignore => return,
                    Incoming::Predict(ask) => ask.id,
                    Incoming::Reject { id, .. } => id,
                };
                let reply = error_reply(&id, &format!("the model failed to load: {error}"));
                post(&request.source, &reply, &request.origin);
            }
        }
    });
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_message.forget();
}

fn answer(loaded: &LoadedModel, log: &LogStoreHandle, request: Pending) {
    let model = &loaded.model;
    let names = model.feature_names();
    let reply = match read_message(&request.data, &names) {
        Incoming::Ignore => return,
        Incoming::Reject { id, message } => error_reply(&id, &message),
        Incoming::Predict(ask) => match model.predict(&ask.row) {
            Err(error) => error_reply(&ask.id, &error.to_string()),
            Ok(prediction) => {
                let is_reorder = model.is_reorder(prediction.probability);
                let record = PredictionRecord {
                    id: None,
                    created_at_ms: js_sys::Date::now() as i64,
                    source: Source::Embed,
                    user_id: ask.user_id,
                    product_id: ask.product_id,
                    features: ask.features.iter().cloned().collect(),
                    probability: prediction.probability,
                    is_reorder,
                    threshold: model.threshold(),
                    model_sha256: model.source_sha256().to_owned(),
                };
                let log = *log;
                // A failed write shows in the storage banner; the answer does not wait for it.
                spawn_local(async move {
                    let _ = log.add(record).await;
                });
                prediction_reply(
                    &ask.id,
                    prediction.probability,
                    is_reorder,
                    model.threshold(),
                    model.source_sha256(),
                )
            }
        },
    };
    post(&request.source, &reply, &request.origin);
}

/// Tells the parent page the model is ready and which features a request must carry.
fn announce_when_ready(config: EmbedConfig, model: ModelContext) {
    Effect::new(move |announced: Option<bool>| {
        if announced == Some(true) {
            return true;
        }
        let ModelState::Ready(loaded) = model.state.get() else {
            return false;
        };
        let Some(window) = web_sys::window() else {
            return true;
        };
        let Ok(Some(parent)) = window.parent() else {
            return true;
        };
        if parent == window {
            return true;
        }
        let names = loaded.model.feature_names();
        let message = ready_message(
            &names,
            loaded.model.threshold(),
            loaded.model.source_sha256(),
        );
        match &config.parent_origins {
            // The announcement holds only public facts about the public bundle.
            None => post(&parent, &message, "*"),
            Some(origins) => origins.iter().for_each(|o| post(&parent, &message, o)),
        }
        true
    });
}

fn js_to_json(value: &JsValue) -> Option<Value> {
    let text = js_sys::JSON::stringify(value).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

fn post(target: &Window, message: &Value, origin: &str) {
    let Ok(value) = js_sys::JSON::parse(&message.to_string()) else {
        return;
    };
    // An opaque ("null") origin cannot be named as a target; the reply still goes only to the
    // very window that asked.
    let target_origin = if origin == "null" { "*" } else { origin };
    let _ = target.post_message(&value, target_origin);
}
