//! The embed API's reading of posted messages in a real browser: a structured clone is turned
//! into JSON data without the silent changes `JSON.stringify` makes (NaN and Infinity would
//! become `null`, which the protocol reads as "unknown"), and cyclic, very deep, huge or
//! non-JSON messages are refused with a reason instead of being dropped.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web embed::`

#![cfg(target_arch = "wasm32")]

use instacart_reorder::embed_protocol::{MessageShapeError, MAX_MESSAGE_DEPTH, MAX_MESSAGE_VALUES};
use instacart_reorder::web::embed::message_to_json;
use js_sys::{Array, Object, Reflect};
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn set(object: &Object, key: &str, value: &JsValue) {
    Reflect::set(object, &JsValue::from_str(key), value).expect("set a property");
}

/// `{type: "reorder:predict", id: 1, features: {a: <value>}}`
fn request_with(value: &JsValue) -> Object {
    let features = Object::new();
    set(&features, "a", value);
    let message = Object::new();
    set(&message, "type", &JsValue::from_str("reorder:predict"));
    set(&message, "id", &JsValue::from_f64(1.0));
    set(&message, "features", &features);
    message
}

#[wasm_bindgen_test]
fn a_plain_request_reads_as_the_same_json() {
    let message = request_with(&JsValue::from_f64(0.25));
    let list = Array::of3(&JsValue::NULL, &JsValue::TRUE, &JsValue::from_str("x"));
    set(&message, "extra", &list);
    assert_eq!(
        message_to_json(&message),
        Ok(
            json!({"type": "reorder:predict", "id": 1.0, "features": {"a": 0.25},
                  "extra": [null, true, "x"]})
        )
    );
    let missing = request_with(&JsValue::NULL);
    assert_eq!(
        message_to_json(&missing).map(|value| value["features"]["a"].clone()),
        Ok(serde_json::Value::Null)
    );
}

#[wasm_bindgen_test]
fn nan_and_infinity_are_refused_naming_the_place() {
    for (value, word) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "infinite"),
        (f64::NEG_INFINITY, "infinite"),
    ] {
        let error = message_to_json(&request_with(&JsValue::from_f64(value))).unwrap_err();
        assert_eq!(
            error,
            MessageShapeError::NonFinite {
                path: "message.features.a".to_owned(),
                value: word,
            }
        );
    }
}

#[wasm_bindgen_test]
fn cyclic_and_deep_messages_are_refused() {
    let message = request_with(&JsValue::from_f64(1.0));
    set(&message, "self", &message);
    assert_eq!(
        message_to_json(&message),
        Err(MessageShapeError::TooDeep {
            max: MAX_MESSAGE_DEPTH
        })
    );
    let mut deep = JsValue::from_f64(1.0);
    for _ in 0..=MAX_MESSAGE_DEPTH {
        deep = Array::of1(&deep).into();
    }
    assert!(matches!(
        message_to_json(&deep),
        Err(MessageShapeError::TooDeep { .. })
    ));
}

#[wasm_bindgen_test]
fn huge_and_non_json_messages_are_refused() {
    let big = Array::new();
    for index in 0..=MAX_MESSAGE_VALUES {
        big.push(&JsValue::from_f64(index as f64));
    }
    assert_eq!(
        message_to_json(&big),
        Err(MessageShapeError::TooLarge {
            max: MAX_MESSAGE_VALUES
        })
    );
    let bigint = js_sys::BigInt::from(5u64);
    assert!(matches!(
        message_to_json(&request_with(&bigint.into())),
        Err(MessageShapeError::Unsupported {
            kind: "a BigInt",
            ..
        })
    ));
}
