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

use crate::model::missing_as_nan;

/// The message type of a prediction request.
pub const PREDICT: &str = "reorder:predict";
/// The message type of a prediction reply.
pub const PREDICTION: &str = "reorder:prediction";
/// The message type of an error reply.
pub const ERROR: &str = "reorder:error";
/// The message type the app posts to its parent once the model is ready.
pub const READY: &str = "reorder:ready";
/// Every message type of this protocol starts with this; others are not ours.
pub const PREFIX: &str = "reorder:";

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

/// Why a request in this protocol is refused; its text is the `message` of the error reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("unknown message type `{kind}`: the only request is `{PREDICT}`")]
    UnknownType { kind: String },
    #[error("`id` must be a string or a number, echoed in the reply")]
    BadId,
    #[error("`features` must be an object of feature name -> number or null")]
    FeaturesNotAnObject,
    #[error("`{key}` must be a positive whole number")]
    IdNotPositiveWhole { key: String },
    #[error("`{key}` must be a positive whole number, got {got}")]
    IdOfWrongType { key: String, got: &'static str },
    #[error("unknown features: {}", names.join(", "))]
    UnknownFeatures { names: Vec<String> },
    #[error("missing features: {} (send null for an unknown value)", names.join(", "))]
    MissingFeatures { names: Vec<String> },
    #[error("feature `{name}` is not a finite number")]
    NotFinite { name: String },
    #[error("feature `{name}` must be a number or null, got {got}")]
    FeatureOfWrongType { name: String, got: &'static str },
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
    match read_request(object, kind, &id, feature_names) {
        Ok(request) => Incoming::Predict(request),
        Err(error) => Incoming::Reject {
            id,
            message: error.to_string(),
        },
    }
}

fn read_request(
    object: &Map<String, Value>,
    kind: &str,
    id: &Value,
    feature_names: &[&str],
) -> Result<PredictRequest, RequestError> {
    if kind != PREDICT {
        return Err(RequestError::UnknownType {
            kind: kind.to_owned(),
        });
    }
    if !(id.is_string() || id.is_number()) {
        return Err(RequestError::BadId);
    }
    let features = object
        .get("features")
        .and_then(Value::as_object)
        .ok_or(RequestError::FeaturesNotAnObject)?;
    let user_id = optional_id(object, "user_id")?;
    let product_id = optional_id(object, "product_id")?;
    let features = feature_values(features, feature_names)?;
    let values: Vec<Option<f64>> = features.iter().map(|(_, value)| *value).collect();
    Ok(PredictRequest {
        id: id.clone(),
        row: missing_as_nan(&values),
        features,
        user_id,
        product_id,
    })
}

/// The request's value of each model feature, in the model's order (`None` = sent as null).
fn feature_values(
    features: &Map<String, Value>,
    names: &[&str],
) -> Result<Vec<(String, Option<f64>)>, RequestError> {
    let unknown: Vec<String> = features
        .keys()
        .filter(|key| !names.contains(&key.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(RequestError::UnknownFeatures { names: unknown });
    }
    let missing: Vec<String> = names
        .iter()
        .filter(|name| !features.contains_key(**name))
        .map(|name| (*name).to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(RequestError::MissingFeatures { names: missing });
    }
    let mut named = Vec::with_capacity(names.len());
    for name in names {
        let value = match &features[*name] {
            Value::Null => None,
            Value::Number(number) => match number.as_f64() {
                Some(value) if value.is_finite() => Some(value),
                _ => {
                    return Err(RequestError::NotFinite {
                        name: (*name).to_owned(),
                    })
                }
            },
            other => {
                return Err(RequestError::FeatureOfWrongType {
                    name: (*name).to_owned(),
                    got: type_name(other),
                })
            }
        };
        named.push(((*name).to_owned(), value));
    }
    Ok(named)
}

fn optional_id(object: &Map<String, Value>, key: &str) -> Result<Option<u64>, RequestError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(id) if id > 0 => Ok(Some(id)),
            _ => Err(RequestError::IdNotPositiveWhole {
                key: key.to_owned(),
            }),
        },
        Some(other) => Err(RequestError::IdOfWrongType {
            key: key.to_owned(),
            got: type_name(other),
        }),
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
        "kind": "binary",
        "outputs": [probability],
        "probability": probability,
        "is_reorder": is_reorder,
        "threshold": threshold,
        "model_sha256": model_sha256,
    })
}

/// The reply to a scored request of a model without a threshold (multiclass, regression,
/// ranking): its kind, every output as LightGBM's `predict` returns it and the outputs' names
/// (the `reorder predict` columns: `probability_<k>`, `prediction`, `score`). A non-finite
/// output is `null`, as JSON has no NaN or Infinity.
pub fn outputs_reply(
    id: &Value,
    kind: &str,
    output_names: &[String],
    outputs: &[f64],
    model_sha256: &str,
) -> Value {
    json!({
        "type": PREDICTION,
        "id": id,
        "kind": kind,
        "outputs": outputs,
        "output_names": output_names,
        "model_sha256": model_sha256,
    })
}

/// The reply to a request that could not be scored.
pub fn error_reply(id: &Value, message: &str) -> Value {
    json!({ "type": ERROR, "id": id, "message": message })
}

/// The model an announcement is about.
pub struct ReadyModel<'a> {
    pub feature_names: &'a [&'a str],
    pub threshold: f64,
    pub model_sha256: &'a str,
    /// Whether it is the user's own model (private) rather than the app's bundled one (public).
    pub is_own: bool,
}

/// The announcement posted to the parent once the model is loaded: what it needs to send
/// requests. `to_named_parent`: it goes to an origin the page's `parent_origins` named, rather
/// than to whichever page embeds the card (`"*"`, no list given). The bundled model's facts are
/// public and go to any parent; the user's own model's feature names, threshold and sha256 go
/// only to a named parent, and any other parent learns only that an own model answers.
pub fn ready_message(model: &ReadyModel<'_>, to_named_parent: bool) -> Value {
    if model.is_own && !to_named_parent {
        return json!({ "type": READY, "own_model": true });
    }
    json!({
        "type": READY,
        "features": model.feature_names,
        "threshold": model.threshold,
        "model_sha256": model.model_sha256,
        "own_model": model.is_own,
    })
}

/// Whether a message from `origin` may be answered, given the optional allow-list of parent
/// origins (`?embed=1&parent_origins=https://a.example,https://b.example`). Without a list,
/// every origin may ask (the page's CSP `frame-ancestors` decides who can embed it at all).
/// Both sides are compared normalised (case, default ports), so `HTTPS://A.example:443` in the
/// list allows the browser's `https://a.example`.
pub fn origin_allowed(origin: &str, allow_list: Option<&[String]>) -> bool {
    match allow_list {
        None => true,
        Some(list) => match normalize_origin(origin) {
            Ok(origin) => list.contains(&origin),
            Err(_) => false,
        },
    }
}

/// The `parent_origins` query value read: the valid origins (normalised) and the ones refused,
/// with why, for the page to show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllowList {
    pub origins: Vec<String>,
    pub invalid: Vec<(String, OriginError)>,
}

/// Reads the `parent_origins` query value: comma-separated origins, blanks dropped, each
/// normalised; invalid ones are listed apart and allow nothing.
pub fn read_allow_list(text: &str) -> AllowList {
    let mut list = AllowList::default();
    for origin in text.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        match normalize_origin(origin) {
            Ok(normal) => {
                if !list.origins.contains(&normal) {
                    list.origins.push(normal);
                }
            }
            Err(reason) => list.invalid.push((origin.to_owned(), reason)),
        }
    }
    list
}

/// The valid origins of a `parent_origins` value (see `read_allow_list`).
pub fn parse_allow_list(text: &str) -> Vec<String> {
    read_allow_list(text).origins
}

/// Why a text is not an origin that can embed the app.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    #[error("an origin is scheme://host[:port], e.g. https://example.com")]
    NoScheme,
    #[error("scheme `{scheme}` cannot embed the app (http or https only)")]
    SchemeCannotEmbed { scheme: String },
    #[error("an origin has no path, query, fragment or user name")]
    MoreThanAnOrigin,
    #[error("an IPv6 host needs its closing `]`")]
    UnclosedIpv6,
    #[error("unexpected text after the IPv6 host")]
    TextAfterIpv6,
    #[error("`{host}` is not a host name")]
    NotAHost { host: String },
    #[error("`{port}` is not a port number")]
    NotAPort { port: String },
}

/// An origin as browsers serialise it: `scheme://host[:port]`, lowercase, without the scheme's
/// default port or a trailing slash. Only http and https origins can embed the app; a path,
/// query, user name or an opaque `null` origin is refused with the reason.
pub fn normalize_origin(text: &str) -> Result<String, OriginError> {
    let text = text.trim();
    let text = text.strip_suffix('/').unwrap_or(text);
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(OriginError::NoScheme);
    };
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return Err(OriginError::SchemeCannotEmbed { scheme }),
    };
    if rest.contains(['/', '?', '#', '@', '\\']) || rest.chars().any(char::is_whitespace) {
        return Err(OriginError::MoreThanAnOrigin);
    }
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let Some((address, after)) = bracketed.split_once(']') else {
            return Err(OriginError::UnclosedIpv6);
        };
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(OriginError::TextAfterIpv6)?),
        };
        (format!("[{}]", address.to_ascii_lowercase()), port)
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host.to_ascii_lowercase(), Some(port)),
            None => (rest.to_ascii_lowercase(), None),
        }
    };
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
    if !host_ok {
        return Err(OriginError::NotAHost { host });
    }
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(number) if number > 0 && port.bytes().all(|b| b.is_ascii_digit()) => {
                (number.to_string() != default_port).then(|| number.to_string())
            }
            _ => {
                return Err(OriginError::NotAPort {
                    port: port.to_owned(),
                })
            }
        },
    };
    Ok(match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

/// Requests kept while the model loads; more are refused with an error instead of growing
/// without bound.
pub const MAX_PENDING_REQUESTS: usize = 64;

/// The error a request gets when the waiting queue is full.
pub fn queue_full_message() -> String {
    format!(
        "too many requests before the model is ready (at most {MAX_PENDING_REQUESTS} wait): wait for `{READY}`"
    )
}

/// Marks a prediction reply whose log write was skipped by the rate limit.
pub fn mark_not_logged(mut reply: Value) -> Value {
    if let Some(object) = reply.as_object_mut() {
        object.insert("logged".to_owned(), Value::Bool(false));
    }
    reply
}

/// A token bucket for the log writes of embedded requests: a parent page can ask for as many
/// predictions as it likes, but only `burst` at once and `per_second` after that reach the
/// prediction log, so an embedder cannot flood a visitor's storage. Time is passed in.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRateLimit {
    burst: f64,
    per_second: f64,
    tokens: f64,
    last_ms: Option<f64>,
}

impl LogRateLimit {
    /// The limit the embed API uses: 20 at once, then 5 a second.
    pub const EMBED: LogRateLimit = LogRateLimit::new(20.0, 5.0);

    pub const fn new(burst: f64, per_second: f64) -> LogRateLimit {
        LogRateLimit {
            burst,
            per_second,
            tokens: burst,
            last_ms: None,
        }
    }

    /// Whether a write at `now_ms` may go to the log (and counts it if so).
    pub fn allow(&mut self, now_ms: f64) -> bool {
        if let Some(last) = self.last_ms {
            let elapsed = ((now_ms - last) / 1000.0).max(0.0);
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        }
        self.last_ms = Some(now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Why a posted message could not be read as JSON data at all. The browser side walks the
/// structured clone and reports these; `message_shape_reply` turns them into the error reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageShapeError {
    #[error(
        "`{path}` is {value}: send null for an unknown value; NaN and infinite numbers are refused"
    )]
    NonFinite { path: String, value: &'static str },
    #[error("the message is nested deeper than {max} levels (or refers to itself)")]
    TooDeep { max: usize },
    #[error("the message has more than {max} values")]
    TooLarge { max: usize },
    #[error("`{path}` is {kind}, which a message cannot carry (numbers, strings, booleans, null, arrays and objects only)")]
    Unsupported { path: String, kind: &'static str },
}

/// How deep a message may nest (a request is two levels deep; a cycle hits this).
pub const MAX_MESSAGE_DEPTH: usize = 8;
/// How many values a message may hold in all.
pub const MAX_MESSAGE_VALUES: usize = 10_000;
