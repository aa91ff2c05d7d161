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

use crate::embed_protocol::{
    error_reply, mark_not_logged, origin_allowed, outputs_reply, prediction_reply,
    queue_full_message, read_allow_list, read_message, ready_message, Incoming, LogRateLimit,
    MessageShapeError, OriginError, ReadyModel, MAX_MESSAGE_DEPTH, MAX_MESSAGE_VALUES,
    MAX_PENDING_REQUESTS, PREFIX as PROTOCOL_PREFIX,
};
use crate::prediction_log::{PredictionRecord, RecordIds, Source};
use crate::web::components::lang_toggle::LangToggle;
use crate::web::components::model_status::ModelStatus;
use crate::web::components::storage_banner::StorageBanner;
use crate::web::loader::{use_model, LoadedModel, ModelContext, ModelState};
use crate::web::log::{use_log_store, LogStoreHandle};
use crate::web::pages::predict::PredictPage;
use crate::web::state::active_model::{use_active_model, ActiveModel};
use crate::web::state::language::use_lang;

/// How the page was asked to run embedded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedConfig {
    /// Parent origins allowed to send requests (`parent_origins=`, normalised); `None` = any.
    pub parent_origins: Option<Vec<String>>,
    /// Origins given in `parent_origins` that are not valid origins, with why (shown on the page).
    pub invalid_origins: Vec<(String, OriginError)>,
}

/// `Some` when the page's query string has `embed=1`.
pub fn embed_config() -> Option<EmbedConfig> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    if params.get("embed").as_deref() != Some("1") {
        return None;
    }
    let list = params
        .get("parent_origins")
        .map(|text| read_allow_list(&text));
    let invalid_origins = list
        .as_ref()
        .map(|list| list.invalid.clone())
        .unwrap_or_default();
    Some(EmbedConfig {
        parent_origins: list.map(|list| list.origins),
        invalid_origins,
    })
}

/// The embedded app: storage banner, model status, the predict card, and the message API.
#[component]
pub fn EmbedApp(config: EmbedConfig) -> impl IntoView {
    let lang = use_lang();
    let model = use_model();
    let active = use_active_model();
    let log = use_log_store();
    let invalid_origins = config.invalid_origins.clone();
    listen_for_requests(config.clone(), model, active, log);
    announce_when_ready(config, active);
    view! {
        <Router base=crate::asset_urls::router_base()>
            <div class="embed" data-testid="embed">
                <div class="embed-bar">
                    <a href=crate::asset_urls::app_path("/") target="_blank" rel="noopener" data-testid="embed-open-full">
                        {move || lang.get().pick("Open the full app ↗", "Uygulamanın tamamını aç ↗")}
                    </a>
                    <LangToggle />
                </div>
                <StorageBanner />
                {(!invalid_origins.is_empty()).then(|| view! {
                    <div class="banner banner-warn" role="alert" data-testid="embed-invalid-origins">
                        <p>{move || lang.get().pick(
                            "These parent_origins are not valid origins and allow nothing:",
                            "Bu parent_origins değerleri geçerli köken değil ve hiçbir şeye izin vermiyor:",
                        )}</p>
                        <ul>
                            {invalid_origins.iter().map(|(origin, reason)| view! {
                                <li><code>{origin.clone()}</code>": "{reason.to_string()}</li>
                            }).collect_view()}
                        </ul>
                    </div>
                })}
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

fn listen_for_requests(
    config: EmbedConfig,
    model: ModelContext,
    active: Memo<Option<ActiveModel>>,
    log: LogStoreHandle,
) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let pending: Rc<RefCell<Vec<Pending>>> = Rc::default();
    let limit = Rc::new(RefCell::new(LogRateLimit::EMBED));
    let queue = pending.clone();
    let limit_for_queue = limit.clone();
    // Requests that came early are answered as soon as a model is ready, with the model the
    // visible card uses (the own model when one is active).
    Effect::new(move |_| {
        if let Some(active) = active.get() {
            for request in queue.borrow_mut().drain(..) {
                answer(&active.loaded, &log, &limit_for_queue, request);
            }
        }
    });
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        // Only the window that embeds this page may ask: not a sibling frame, a popup or this
        // page itself.
        let Ok(Some(parent)) = web_sys::window().map_or(Ok(None), |w| w.parent()) else {
            return;
        };
        let Some(source) = event.source() else {
            return;
        };
        if !js_sys::Object::is(&source, &parent) {
            return;
        }
        let origin = event.origin();
        if !origin_allowed(&origin, config.parent_origins.as_deref()) {
            return;
        }
        // A cross-origin parent is a WindowProxy of another realm: `instanceof Window` is false
        // there, so the type is asserted, not checked (postMessage is allowed across origins).
        let source = source.unchecked_into::<Window>();
        let raw = event.data();
        if !is_ours(&raw) {
            return;
        }
        let data = match message_to_json(&raw) {
            Ok(data) => data,
            Err(error) => {
                let reply = error_reply(&message_id(&raw), &error.to_string());
                post(&source, &reply, &origin);
                return;
            }
        };
        let request = Pending {
            data,
            origin,
            source,
        };
        if let Some(active) = active.get_untracked() {
            answer(&active.loaded, &log, &limit, request);
            return;
        }
        match model.state.get_untracked() {
            ModelState::Failed(error) => {
                let id = match read_message(&request.data, &[]) {
                    Incoming::Ignore => return,
                    Incoming::Predict(ask) => ask.id,
                    Incoming::Reject { id, .. } => id,
                };
                let reply = error_reply(&id, &format!("the model failed to load: {error}"));
                post(&request.source, &reply, &request.origin);
            }
            _ => {
                let mut waiting = pending.borrow_mut();
                if waiting.len() >= MAX_PENDING_REQUESTS {
                    drop(waiting);
                    let reply = error_reply(&message_id(&raw), &queue_full_message());
                    post(&request.source, &reply, &request.origin);
                } else {
                    waiting.push(request);
                }
            }
        }
    });
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_message.forget();
}

fn answer(
    loaded: &LoadedModel,
    log: &LogStoreHandle,
    limit: &RefCell<LogRateLimit>,
    request: Pending,
) {
    let model = &loaded.model;
    let names = model.feature_names();
    let reply = match read_message(&request.data, &names) {
        Incoming::Ignore => return,
        Incoming::Reject { id, message } => error_reply(&id, &message),
        // A model without a threshold answers its outputs; the log holds the probabilities and
        // decisions of binary models, so such a reply is not logged.
        Incoming::Predict(ask) if !model.objective().has_threshold() => {
            match model.score(&ask.row) {
                Err(error) => error_reply(&ask.id, &error.to_string()),
                Ok(scores) => mark_not_logged(outputs_reply(
                    &ask.id,
                    model.kind().name(),
                    &model.output_names(),
                    &scores.outputs,
                    model.source_sha256(),
                )),
            }
        }
        Incoming::Predict(ask) => match model.predict(&ask.row) {
            Err(error) => error_reply(&ask.id, &error.to_string()),
            Ok(prediction) => {
                let is_reorder = model.is_reorder(prediction.probability);
                let now = js_sys::Date::now();
                let reply = prediction_reply(
                    &ask.id,
                    prediction.probability,
                    is_reorder,
                    model.threshold(),
                    model.source_sha256(),
                );
                if limit.borrow_mut().allow(now) {
                    let record = PredictionRecord::from_scored(
                        Source::Embed,
                        now as i64,
                        RecordIds {
                            user_id: ask.user_id,
                            product_id: ask.product_id,
                        },
                        &names[..],
                        &ask.row,
                        prediction.probability,
                        model,
                    );
                    // A failed write shows in the storage banner; the answer does not wait for it.
                    let write = log.add(record, model);
                    spawn_local(async move {
                        let _ = write.await;
                    });
                    reply
                } else {
                    mark_not_logged(reply)
                }
            }
        },
    };
    post(&request.source, &reply, &request.origin);
}

/// Whether a posted value is a message of this protocol (an object whose `type` starts with
/// `reorder:`), read without converting the rest, so other people's messages cost nothing.
fn is_ours(data: &JsValue) -> bool {
    if !data.is_object() {
        return false;
    }
    js_sys::Reflect::get(data, &JsValue::from_str("type"))
        .ok()
        .and_then(|kind| kind.as_string())
        .is_some_and(|kind| kind.starts_with(PROTOCOL_PREFIX))
}

/// The `id` of a message that could not be read in full, when it is a string or a finite number.
fn message_id(data: &JsValue) -> Value {
    let Ok(id) = js_sys::Reflect::get(data, &JsValue::from_str("id")) else {
        return Value::Null;
    };
    if let Some(text) = id.as_string() {
        return Value::String(text);
    }
    id.as_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// Turns a posted structured clone into JSON data, refusing what JSON would silently change:
/// NaN and infinite numbers (JSON.stringify writes them as null, which would mean "unknown"),
/// cycles and very deep nesting, huge messages, and values JSON has no form for.
pub fn message_to_json(data: &JsValue) -> Result<Value, MessageShapeError> {
    let mut budget = MAX_MESSAGE_VALUES;
    convert(data, "message", 0, &mut budget)
}

fn convert(
    value: &JsValue,
    path: &str,
    depth: usize,
    budget: &mut usize,
) -> Result<Value, MessageShapeError> {
    if *budget == 0 {
        return Err(MessageShapeError::TooLarge {
            max: MAX_MESSAGE_VALUES,
        });
    }
    *budget -= 1;
    if value.is_null() || value.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(flag) = value.as_bool() {
        return Ok(Value::Bool(flag));
    }
    if let Some(number) = value.as_f64() {
        if number.is_nan() {
            return Err(MessageShapeError::NonFinite {
                path: path.to_owned(),
                value: "NaN",
            });
        }
        return serde_json::Number::from_f64(number)
            .map(Value::Number)
            .ok_or_else(|| MessageShapeError::NonFinite {
                path: path.to_owned(),
                value: "infinite",
            });
    }
    if let Some(text) = value.as_string() {
        return Ok(Value::String(text));
    }
    if !value.is_object() {
        let kind = if value.is_bigint() {
            "a BigInt"
        } else if value.is_symbol() {
            "a symbol"
        } else {
            "a function"
        };
        return Err(MessageShapeError::Unsupported {
            path: path.to_owned(),
            kind,
        });
    }
    if depth >= MAX_MESSAGE_DEPTH {
        return Err(MessageShapeError::TooDeep {
            max: MAX_MESSAGE_DEPTH,
        });
    }
    if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        let mut items = Vec::with_capacity((array.length() as usize).min(*budget));
        for (index, item) in array.iter().enumerate() {
            items.push(convert(
                &item,
                &format!("{path}[{index}]"),
                depth + 1,
                budget,
            )?);
        }
        return Ok(Value::Array(items));
    }
    let object: &js_sys::Object = value.unchecked_ref();
    let mut map = serde_json::Map::new();
    for entry in js_sys::Object::entries(object).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let item = convert(&pair.get(1), &format!("{path}.{key}"), depth + 1, budget)?;
        map.insert(key, item);
    }
    Ok(Value::Object(map))
}

/// Tells the parent page the model is ready and which features a request must carry.
fn announce_when_ready(config: EmbedConfig, active: Memo<Option<ActiveModel>>) {
    Effect::new(move |announced: Option<bool>| {
        if announced == Some(true) {
            return true;
        }
        let Some(active) = active.get() else {
            return false;
        };
        let loaded = active.loaded;
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
        let model = ReadyModel {
            feature_names: &names,
            threshold: loaded.model.threshold(),
            model_sha256: loaded.model.source_sha256(),
            is_own: active.is_own,
        };
        match &config.parent_origins {
            // Any parent: the bundled model's public facts, nothing about a user's own model.
            None => post(&parent, &ready_message(&model, false), "*"),
            Some(origins) => {
                let message = ready_message(&model, true);
                origins.iter().for_each(|o| post(&parent, &message, o));
            }
        }
        true
    });
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
