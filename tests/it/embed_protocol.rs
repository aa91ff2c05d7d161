//! The embed postMessage protocol: which messages are answered, how, and what is refused.
//! Expected values are written out by hand from the protocol's documented rules.

use instacart_reorder::embed_protocol::{
    error_reply, mark_not_logged, normalize_origin, origin_allowed, outputs_reply,
    parse_allow_list, prediction_reply, queue_full_message, read_allow_list, read_message,
    ready_message, Incoming, LogRateLimit, ReadyModel, MAX_PENDING_REQUESTS,
};
use serde_json::json;

const NAMES: [&str; 3] = ["user_total_orders", "up_order_rate", "order_dow"];

fn rejected(message: serde_json::Value) -> (serde_json::Value, String) {
    match read_message(&message, &NAMES) {
        Incoming::Reject { id, message } => (id, message),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn a_complete_request_becomes_a_row_in_model_order_with_null_as_missing() {
    let message = json!({
        "type": "reorder:predict",
        "id": "q-1",
        "features": {"order_dow": 3, "user_total_orders": 12, "up_order_rate": null},
        "user_id": 7,
    });
    let Incoming::Predict(request) = read_message(&message, &NAMES) else {
        panic!("expected a prediction request");
    };
    assert_eq!(request.id, json!("q-1"));
    assert_eq!(request.row[0], 12.0);
    assert!(
        request.row[1].is_nan(),
        "null must be missing (NaN), never 0"
    );
    assert_eq!(request.row[2], 3.0);
    assert_eq!(request.features[1], ("up_order_rate".to_string(), None));
    assert_eq!(request.user_id, Some(7));
    assert_eq!(request.product_id, None);
}

#[test]
fn other_peoples_messages_are_ignored() {
    for message in [
        json!("hello"),
        json!({"type": "webpackOk"}),
        json!({"kind": "reorder:predict"}),
        json!(42),
    ] {
        assert_eq!(
            read_message(&message, &NAMES),
            Incoming::Ignore,
            "{message}"
        );
    }
}

#[test]
fn missing_and_unknown_features_are_named() {
    let (id, message) = rejected(json!({
        "type": "reorder:predict", "id": 5, "features": {"user_total_orders": 1}
    }));
    assert_eq!(id, json!(5));
    assert_eq!(
        message,
        "missing features: up_order_rate, order_dow (send null for an unknown value)"
    );
    let (_, message) = rejected(json!({
        "type": "reorder:predict", "id": 5,
        "features": {"user_total_orders": 1, "up_order_rate": 0.5, "order_dow": 2, "colour": 1}
    }));
    assert_eq!(message, "unknown features: colour");
}

#[test]
fn non_numbers_are_refused_naming_the_feature() {
    let (_, message) = rejected(json!({
        "type": "reorder:predict", "id": "a",
        "features": {"user_total_orders": "12", "up_order_rate": 0.5, "order_dow": 2}
    }));
    assert_eq!(
        message,
        "feature `user_total_orders` must be a number or null, got a string"
    );
}

#[test]
fn the_log_cannot_be_read_and_unknown_types_are_errors() {
    let (id, message) = rejected(json!({"type": "reorder:history", "id": 1}));
    assert_eq!(id, json!(1));
    assert!(
        message.starts_with("unknown message type `reorder:history`"),
        "{message}"
    );
}

#[test]
fn ids_and_optional_ids_are_checked() {
    let (id, message) = rejected(json!({"type": "reorder:predict", "features": {}}));
    assert_eq!(id, json!(null));
    assert!(message.contains("`id`"), "{message}");
    let (_, message) = rejected(json!({
        "type": "reorder:predict", "id": 1, "product_id": -3,
        "features": {"user_total_orders": 1, "up_order_rate": 0.5, "order_dow": 2}
    }));
    assert_eq!(message, "`product_id` must be a positive whole number");
}

#[test]
fn replies_carry_the_documented_fields() {
    assert_eq!(
        prediction_reply(&json!("q"), 0.25, false, 0.3, "ab"),
        json!({"type": "reorder:prediction", "id": "q", "kind": "binary", "outputs": [0.25],
               "probability": 0.25, "is_reorder": false, "threshold": 0.3, "model_sha256": "ab"})
    );
    assert_eq!(
        outputs_reply(
            &json!(7),
            "multiclass",
            &["probability_0".to_owned(), "probability_1".to_owned()],
            &[0.75, 0.25],
            "cd"
        ),
        json!({"type": "reorder:prediction", "id": 7, "kind": "multiclass",
               "outputs": [0.75, 0.25], "output_names": ["probability_0", "probability_1"],
               "model_sha256": "cd"})
    );
    assert_eq!(
        outputs_reply(
            &json!(8),
            "regression",
            &["prediction".to_owned()],
            &[f64::INFINITY],
            "cd"
        )["outputs"],
        json!([null])
    );
    assert_eq!(
        error_reply(&json!(3), "nope"),
        json!({"type": "reorder:error", "id": 3, "message": "nope"})
    );
}

#[test]
fn the_allow_list_restricts_parent_origins() {
    let list = parse_allow_list(" https://a.example/, ,https://b.example");
    assert_eq!(list, vec!["https://a.example", "https://b.example"]);
    assert!(origin_allowed("https://b.example", Some(&list)));
    assert!(!origin_allowed("https://evil.example", Some(&list)));
    assert!(origin_allowed("https://anyone.example", None));
}

#[test]
fn origins_are_compared_normalised_and_invalid_ones_are_named() {
    let list = read_allow_list(
        "HTTPS://A.Example:443/, http://b.example:80, http://c.example:8080, a.example, https://d.example/path, ftp://e.example, https://f.example:99999, null",
    );
    assert_eq!(
        list.origins,
        vec![
            "https://a.example",
            "http://b.example",
            "http://c.example:8080"
        ]
    );
    let invalid: Vec<&str> = list.invalid.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(
        invalid,
        vec![
            "a.example",
            "https://d.example/path",
            "ftp://e.example",
            "https://f.example:99999",
            "null"
        ]
    );
    assert!(list
        .invalid
        .iter()
        .all(|(_, reason)| !reason.to_string().is_empty()));
    // The browser's serialisation of the same origins is allowed; others are not.
    assert!(origin_allowed("https://a.example", Some(&list.origins)));
    assert!(origin_allowed("http://b.example", Some(&list.origins)));
    assert!(!origin_allowed("http://c.example", Some(&list.origins)));
    assert!(!origin_allowed("null", Some(&list.origins)));
    assert_eq!(
        normalize_origin("http://[::1]:8080/").as_deref(),
        Ok("http://[::1]:8080")
    );
}

#[test]
fn log_writes_from_embedders_are_rate_limited() {
    let mut limit = LogRateLimit::new(3.0, 2.0);
    let allowed: Vec<bool> = (0..5).map(|_| limit.allow(1000.0)).collect();
    assert_eq!(allowed, vec![true, true, true, false, false]);
    // Half a second later one token (2 per second) has come back, not more.
    assert!(limit.allow(1500.0));
    assert!(!limit.allow(1500.0));
    // Never more than the burst, however long the pause.
    let later: Vec<bool> = (0..5).map(|_| limit.allow(1_000_000.0)).collect();
    assert_eq!(later, vec![true, true, true, false, false]);
    // A clock going backwards gives nothing back.
    assert!(!limit.allow(0.0));
}

#[test]
fn replies_say_when_the_log_write_was_skipped_and_when_the_queue_is_full() {
    let reply = mark_not_logged(prediction_reply(&json!(1), 0.5, true, 0.3, "ab"));
    assert_eq!(reply["logged"], json!(false));
    assert_eq!(reply["probability"], json!(0.5));
    assert!(queue_full_message().contains(&MAX_PENDING_REQUESTS.to_string()));
}

#[test]
fn an_own_models_details_reach_only_a_parent_the_page_named() {
    let names = ["user_total_orders", "order_dow"];
    let own = ReadyModel {
        feature_names: &names,
        threshold: 0.25,
        model_sha256: "ab12",
        is_own: true,
    };
    // Any parent ("*", no parent_origins): only that an own model answers.
    let to_anyone = ready_message(&own, false);
    assert_eq!(
        to_anyone,
        json!({"type": "reorder:ready", "own_model": true})
    );
    for private in ["features", "threshold", "model_sha256"] {
        assert!(
            to_anyone.get(private).is_none(),
            "{private} leaked: {to_anyone}"
        );
    }
    // A parent named in parent_origins: what it needs to send requests.
    let named = ready_message(&own, true);
    assert_eq!(named["features"], json!(names));
    assert_eq!(named["threshold"], json!(0.25));
    assert_eq!(named["model_sha256"], json!("ab12"));
    // The bundled model is public: any parent learns its features.
    let bundled = ReadyModel {
        is_own: false,
        ..own
    };
    assert_eq!(ready_message(&bundled, false)["features"], json!(names));
    assert_eq!(ready_message(&bundled, false)["own_model"], json!(false));
}
