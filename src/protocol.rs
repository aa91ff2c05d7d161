//! The postMessage protocol of the embedded app (`?embed=1`), as pure functions so that every
//! rule is tested natively and the browser only moves messages.
//!
//! A parent page posts `{type: "reorder:predict", id, features: {name: number | null, ...}}`
//! (optionally `user_id` and `product_id`); the app answers to that window, for that origin only,
//! `{type: "reorder:prediction", id, probability, is_reorder, threshold, model_sha256}` or
//! `{type: "reorder:error", id, message}`. Every feature of the model must be present: `null`
//! means unknown (missing); there is no default. Messages whose `type` does not start with
//! `reorder:` belong to someone else and are ignored. No message reads the prediction log.

use serde_json::{json, Map, Value};

/// The message type of a prediction request.
pub const PREDICT: &str = "reorder:predict";
/// The message type of a prediction reply.
pub const PREDICTION: &str = "reorder:prediction";
/// The message type of an error reply.
pub const ERROR: &str = "reorder:error";
/// The message type the app posts to its parent once the model is ready.
pub const READY: &str = "reorder:ready";
const PREFIX: &str = "reorder:";

/// A valid prediction request: one value per model feature, in the model's order.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictRequest {
    pub id: Value,
    /// NaN where the parent sent `null` (unknown).
    pub row: Vec<f64>,
    pub features: Vec<(String, Option<f64>)>,
    pub user_id: Option<u64>,
    pub product_id: Option<u64>,
}

/// What to do with an incoming message.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// Score this row and answer.
    Predict(PredictRequest),
    /// Answer with this error (it has the request's id, or null if there was none).
    Reject { id: Value, message: String },
    /// Not ours: stay silent.
    Ignore,
}

/// Reads one message (`data` as the structured clone turned to JSON) against the model's
/// feature names.
pub fn read_message(data: &Value, feature_names: &[&str]) -> Incoming {
    let Some(object) = data.as_object() else {
        return Incoming::Ignore;
    };
    let Some(kind) = object.get("type").and_then(Value::as_str) else {
        return Incoming::Ignore;
    };
    if !kind.starts_with(PREFIX) {
        return Incoming::Ignore;
    }
    let id = object.get("id").cloned().unwrap_or(Value::Null);
    let reject = |message: String| Incoming::Reject {
        id: id.clone(),
        message,
    };
    if kind != PREDICT {
        return reject(format!(
            "unknown message type `{kind}`: the only request is `{PREDICT}`"
        ));
    }
    if !(id.is_string() || id.is_number()) {
        return reject("`id` must be a string or a number, echoed in the reply".into());
    }
    let Some(features) = object.get("features").and_then(Value::as_object) else {
        return reject("`features` must be an object of feature name -> number or null".into());
    };
    let user_id = match optional_id(object, "user_id") {
        Ok(value) => value,
        Err(message) => return reject(message),
    };
    let product_id = match optional_id(object, "product_id") {
        Ok(value) => value,
        Err(message) => return reject(message),
    };
    match feature_row(features, feature_names) {
        Ok((row, named)) => Incoming::Predict(PredictRequest {
            id,
            row,
            features: named,
            user_id,
            product_id,
        }),
        Err(message) => reject(message),
    }
}

type Row = (Vec<f64>, Vec<(String, Option<f64>)>);

fn feature_row(features: &Map<String, Value>, names: &[&str]) -> Result<Row, String> {
    let unknown: Vec<&str> = features
        .keys()
        .map(String::as_str)
        .filter(|key| !names.contains(key))
        .collect();
    if !unknown.is_empty() {
        return Err(format!("unknown features: {}", unknown.join(", ")));
    }
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| !features.contains_key(*name))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing features: {} (send null for an unknown value)",
            missing.join(", ")
        ));
    }
    let mut row = Vec::with_capacity(names.len());
    let mut named = Vec::with_capacity(names.len());
    for name in names {
        let value = match &features[*name] {
            Value::Null => None,
            Value::Number(number) => match number.as_f64() {
                Some(value) if value.is_finite() => Some(value),
                _ => return Err(format!("feature `{name}` is not a finite number")),
            },
            other => {
                return Err(format!(
                    "feature `{name}` must be a number or null, got {}",
                    type_name(other)
                ))
            }
        };
        row.push(value.unwrap_or(f64::NAN));
        named.push(((*name).to_owned(), value));
    }
    Ok((row, named))
}

fn optional_id(object: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(id) if id > 0 => Ok(Some(id)),
            _ => Err(format!("`{key}` must be a positive whole number")),
        },
        Some(other) => Err(format!(
            "`{key}` must be a positive whole number, got {}",
            type_name(other)
        )),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The reply to a scored request.
pub fn prediction_reply(
    id: &Value,
    probability: f64,
    is_reorder: bool,
    threshold: f64,
    model_sha256: &str,
) -> Value {
    json!({
        "type": PREDICTION,
        "id": id,
        "probability": probability,
        "is_reorder": is_reorder,
        "threshold": threshold,
        "model_sha256": model_sha256,
    })
}

/// The reply to a request that could not be scored.
pub fn error_reply(id: &Value, message: &str) -> Value {
    json!({ "type": ERROR, "id": id, "message": message })
}

/// The announcement posted to the parent once the model is loaded: what it needs to send requests.
pub fn ready_message(feature_names: &[&str], threshold: f64, model_sha256: &str) -> Value {
    json!({
        "type": READY,
        "features": feature_names,
        "threshold": threshold,
        "model_sha256": model_sha256,
    })
}

/// Whether a message from `origin` may be answered, given the optional allow-list of parent
/// origins (`?embed=1&parent_origins=https://a.example,https://b.example`). Without a list,
/// every origin may ask (the page's CSP `frame-ancestors` decides who can embed it at all).
pub fn origin_allowed(origin: &str, allow_list: Option<&[String]>) -> bool {
    match allow_list {
        None => true,
        Some(list) => list.iter().any(|allowed| allowed == origin),
    }
}

/// Parses the `parent_origins` query value: comma-separated origins, blanks dropped.
pub fn parse_allow_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|origin| origin.trim().trim_end_matches('/').to_owned())
        .filter(|origin| !origin.is_empty())
        .collect()
}
