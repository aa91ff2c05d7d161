//! How the log's values look in IndexedDB: the light record and its feature values apart, the
//! buckets, the feature-name union, batch runs and chunks (columns as typed arrays), and back.
//! Every reader goes through these, so a stored value of another shape is an error here, not a
//! guess further on.

use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};

use super::error::{LogStoreError, StoredValueError};
use crate::prediction_log::{BatchChunk, BatchRun, Bucket, PredictionRecord, SketchBucket};
use crate::web::idb::IdbError;

pub(super) fn check(record: &PredictionRecord) -> Result<(), LogStoreError> {
    for (field, value) in [
        ("probability", record.probability),
        ("threshold", record.threshold),
    ] {
        if !value.is_finite() {
            return Err(LogStoreError::InvalidRecord { field, value });
        }
    }
    Ok(())
}

/// The record as stored: the light record (no `features`, no `id`) and its feature values.
pub(super) fn to_js(record: &PredictionRecord) -> Result<(JsValue, JsValue), LogStoreError> {
    check(record)?;
    let mut light = record.clone();
    light.id = None;
    let features = std::mem::take(&mut light.features);
    let encode = |text: Result<String, serde_json::Error>| -> Result<JsValue, LogStoreError> {
        let text = text.map_err(|source| LogStoreError::Corrupt(Rc::new(source)))?;
        Ok(JSON::parse(&text).map_err(IdbError::failed("encoding a record"))?)
    };
    let mut light_js = encode(serde_json::to_string(&light))?;
    // `features` defaults to empty when read; it is not stored with the light record.
    if Reflect::delete_property(light_js.unchecked_ref::<Object>(), &"features".into()).is_err() {
        light_js = JsValue::NULL;
    }
    Ok((light_js, encode(serde_json::to_string(&features))?))
}

/// Stored light records back (as a JS array).
pub(super) fn from_js(values: &JsValue) -> Result<Vec<PredictionRecord>, LogStoreError> {
    let text: String = JSON::stringify(values)
        .map_err(IdbError::failed("reading records"))?
        .into();
    serde_json::from_str(&text).map_err(|source| LogStoreError::Corrupt(Rc::new(source)))
}

/// Stored feature values back (a JS array of objects by name).
pub(super) fn features_from_js(
    values: &JsValue,
) -> Result<Vec<BTreeMap<String, Option<f64>>>, LogStoreError> {
    let text: String = JSON::stringify(values)
        .map_err(IdbError::failed("reading feature values"))?
        .into();
    serde_json::from_str(&text).map_err(|source| LogStoreError::Corrupt(Rc::new(source)))
}

/// The feature-value objects whose keys are record ids (chunk values, under array keys, are
/// left out), in key order.
pub(super) fn values_numbered(values: &JsValue, keys: &Array) -> JsValue {
    let values: Array = values.clone().unchecked_into();
    let kept = Array::new();
    for (value, key) in values.iter().zip(keys.iter()) {
        if key.as_f64().is_some() {
            kept.push(&value);
        }
    }
    kept.into()
}

/// A stored batch chunk (`values`: its feature values, or undefined to leave them out) back as
/// a `BatchChunk`; a chunk that does not decode is reported as damaged.
pub(super) fn decode_chunk(value: &JsValue, values: &JsValue) -> Result<BatchChunk, LogStoreError> {
    chunk_from_js(value, values).map_err(|reason| LogStoreError::Damaged {
        what: "batch chunk",
        reason,
    })
}

/// A bucket as stored: its fields plus its `key`.
pub fn bucket_to_js(bucket: &Bucket) -> Result<JsValue, JsValue> {
    let text =
        serde_json::to_string(bucket).map_err(|error| JsValue::from_str(&error.to_string()))?;
    let value = JSON::parse(&text)?;
    Reflect::set(&value, &"key".into(), &bucket.key().into())?;
    Ok(value)
}

/// A stored bucket back (extra fields, like `key` or ones added later, are ignored).
pub fn bucket_from_js(value: &JsValue) -> Result<Bucket, StoredValueError> {
    let text: String = JSON::stringify(value)
        .map_err(|_| StoredValueError::Unreadable("a bucket"))?
        .into();
    serde_json::from_str(&text).map_err(|error| StoredValueError::Json(error.to_string()))
}

/// The `meta` record of the feature-name union.
pub fn names_to_js(mut names: Vec<String>) -> JsValue {
    names.sort();
    names.dedup();
    let value = Object::new();
    let array: Array = names.iter().map(|name| JsValue::from_str(name)).collect();
    let _ = Reflect::set(&value, &"names".into(), &array);
    value.into()
}

/// The names in a stored `meta` feature-name record (none when it is absent).
pub fn names_from_js(value: &JsValue) -> Vec<String> {
    if !value.is_object() {
        return Vec::new();
    }
    Reflect::get(value, &"names".into())
        .ok()
        .and_then(|names| names.dyn_into::<Array>().ok())
        .map(|names| names.iter().filter_map(|n| n.as_string()).collect())
        .unwrap_or_default()
}

/// A run as stored (without `run_id` when it is new, so the key generator gives one).
pub fn run_to_js(run: &BatchRun) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(run).map_err(|error| JsValue::from_str(&error.to_string()))?;
    JSON::parse(&text)
}

pub fn run_from_js(value: &JsValue) -> Result<BatchRun, StoredValueError> {
    let text: String = JSON::stringify(value)
        .map_err(|_| StoredValueError::Unreadable("a batch run"))?
        .into();
    serde_json::from_str(&text).map_err(|error| StoredValueError::Json(error.to_string()))
}

pub(super) fn optional_ids(ids: &[Option<u64>]) -> Float64Array {
    let numbers: Vec<f64> = ids
        .iter()
        .map(|id| id.map_or(f64::NAN, |id| id as f64))
        .collect();
    Float64Array::from(numbers.as_slice())
}

/// A chunk as stored, without its feature values (those go to `features`, see `chunk_key`).
pub fn chunk_to_js(chunk: &BatchChunk, run: &BatchRun) -> Result<JsValue, JsValue> {
    let value = Object::new();
    let decisions: Vec<u8> = chunk.decisions.iter().map(|&d| u8::from(d)).collect();
    for (name, field) in [
        ("run_id", JsValue::from_f64(chunk.run_id as f64)),
        ("index", JsValue::from_f64(f64::from(chunk.index))),
        (
            "created_at_ms",
            JsValue::from_f64(chunk.created_at_ms as f64),
        ),
        ("rows", JsValue::from_f64(chunk.len() as f64)),
        ("model_sha256", JsValue::from_str(&run.model_sha256)),
        ("threshold", JsValue::from_f64(run.threshold)),
        (
            "probabilities",
            Float64Array::from(chunk.probabilities.as_slice()).into(),
        ),
        ("decisions", Uint8Array::from(decisions.as_slice()).into()),
        ("user_ids", optional_ids(&chunk.user_ids).into()),
        ("product_ids", optional_ids(&chunk.product_ids).into()),
    ] {
        Reflect::set(&value, &name.into(), &field)?;
    }
    Ok(value.into())
}

/// The `features` key of a chunk's values.
pub fn chunk_key(run_id: u64, index: u32) -> JsValue {
    Array::of2(
        &JsValue::from_f64(run_id as f64),
        &JsValue::from_f64(f64::from(index)),
    )
    .into()
}

/// A stored chunk's columns back, with `values` (empty when not read).
pub fn chunk_from_js(value: &JsValue, values: &JsValue) -> Result<BatchChunk, StoredValueError> {
    let get = |name: &str| {
        Reflect::get(value, &JsValue::from_str(name))
            .map_err(|_| StoredValueError::NoField(name.to_owned()))
    };
    let number = |name: &str| {
        get(name)?
            .as_f64()
            .ok_or_else(|| StoredValueError::ChunkWithout(name.to_owned()))
    };
    let floats = |field: JsValue, name: &str| -> Result<Vec<f64>, StoredValueError> {
        field
            .dyn_into::<Float64Array>()
            .map(|array| array.to_vec())
            .map_err(|_| StoredValueError::NotFloat64(name.to_owned()))
    };
    let ids = |name: &str| -> Result<Vec<Option<u64>>, StoredValueError> {
        Ok(floats(get(name)?, name)?
            .into_iter()
            .map(|id| (!id.is_nan()).then_some(id as u64))
            .collect())
    };
    let decisions = get("decisions")?
        .dyn_into::<Uint8Array>()
        .map_err(|_| StoredValueError::DecisionsNotUint8)?
        .to_vec()
        .into_iter()
        .map(|d| d != 0)
        .collect();
    Ok(BatchChunk {
        run_id: number("run_id")? as u64,
        index: number("index")? as u32,
        created_at_ms: number("created_at_ms")? as i64,
        probabilities: floats(get("probabilities")?, "probabilities")?,
        decisions,
        user_ids: ids("user_ids")?,
        product_ids: ids("product_ids")?,
        values: if values.is_undefined() || values.is_null() {
            Vec::new()
        } else {
            floats(values.clone(), "values")?
        },
        // Sketches are stored apart (`input_sketches`), never with the chunk.
        sketch: None,
    })
}

/// A drift sketch as stored: its JSON text (a few thousand counts, read only by the drift
/// panel, so nothing is gained by a structured value).
pub fn sketch_to_js(sketch: &SketchBucket) -> Result<JsValue, JsValue> {
    serde_json::to_string(sketch)
        .map(|text| JsValue::from_str(&text))
        .map_err(|error| JsValue::from_str(&error.to_string()))
}

/// A stored drift sketch back.
pub fn sketch_from_js(value: &JsValue) -> Result<SketchBucket, StoredValueError> {
    let text = value
        .as_string()
        .ok_or(StoredValueError::Unreadable("a drift sketch"))?;
    serde_json::from_str(&text).map_err(|error| StoredValueError::Json(error.to_string()))
}
