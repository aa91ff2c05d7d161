//! The prediction log's IndexedDB schema, how older databases reach it, and how its records look
//! in storage. It exists apart from the store so the layout (stores, keys, indexes) and the
//! one-time upgrade can be read in one place, next to the codecs that depend on them.
//!
//! Schema v4 (v1 = one store of full records; v2 = plus indexes on time and model; v3 = the
//! stores below but `input_sketches`):
//!
//! | store | key | holds |
//! |---|---|---|
//! | `predictions` | `id` (auto-increment) | the light record: everything but the feature values (a record written before v3 keeps its values inline, see below); indexes `by_created_at`, `by_model_sha256` |
//! | `features` | out of line: the record's `id`, or `[run_id, index]` of a batch chunk | the feature values (an object by name; a chunk's `Float64Array`, row-major) |
//! | `buckets` | `key` (`Bucket::key`) | a `Bucket` per (UTC day, source, model): what the dashboard reads |
//! | `meta` | out of line | `feature_names`: `{ names: [...] }`, the union of every logged feature name (the CSV header) |
//! | `batch_runs` | `run_id` (auto-increment) | a `BatchRun` |
//! | `input_sketches` | out of line: `SketchBucket::key` (the bucket's key and the bins' fingerprint) | a `SketchBucket`'s JSON: the per-feature histograms of the bucket's rows, for the drift panel (since v4) |
//! | `batch_chunks` | `[run_id, index]` | a chunk's columns as typed arrays (probabilities, user and product ids as `Float64Array` with NaN for none, decisions as `Uint8Array`), its time, model and threshold; index `by_created_at` |
//!
//! The upgrade to v3 runs inside the versionchange transaction, so it is all or nothing: full
//! records are read a page at a time (`MIGRATION_PAGE` keys after the last one read) and the
//! buckets and the feature-name union are built as it goes and written at the end. The old
//! records are not rewritten: they keep their feature values inline and have no `features`
//! entry, which every reader of `predictions` accepts (a light read parses the record whatever
//! it holds; the export takes the values from `features` when there is an entry). Moving the
//! values out would make the upgrade's writes its whole cost for nothing the dashboard reads
//! (reading against rewriting old records: docs/performance.md, section 4).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Set};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Event, IdbDatabase, IdbIndexParameters, IdbKeyRange, IdbObjectStoreParameters, IdbTransaction,
};

use super::codec::{bucket_to_js, names_to_js};
use crate::prediction_log::{BucketDelta, Source};

/// Name of the app's IndexedDB database.
pub const DATABASE_NAME: &str = "instacart-reorder";
/// Current schema (see the module doc for v1 to v4).
pub const SCHEMA_VERSION: u32 = 4;
/// Light prediction records, keyed by an auto-incremented `id`.
pub const STORE_NAME: &str = "predictions";
/// Feature values, keyed by record id (or a chunk's `[run_id, index]`).
pub const FEATURES_STORE: &str = "features";
/// Dashboard aggregates, keyed by `Bucket::key`.
pub const BUCKETS_STORE: &str = "buckets";
/// Drift sketches per (day, source, model, bins), keyed by `SketchBucket::key` (since v4).
pub const SKETCHES_STORE: &str = "input_sketches";
/// Small records about the whole log (the feature-name union).
pub const META_STORE: &str = "meta";
/// Batch runs, keyed by an auto-incremented `run_id`.
pub const RUNS_STORE: &str = "batch_runs";
/// Batch chunks in columns, keyed by `[run_id, index]`.
pub const CHUNKS_STORE: &str = "batch_chunks";
/// Index on `created_at_ms` (in `predictions` since v2, in `batch_chunks`).
pub const INDEX_CREATED_AT: &str = "by_created_at";
/// Index on `model_sha256` (added in v2).
pub const INDEX_MODEL: &str = "by_model_sha256";
/// The `meta` key of the feature-name union.
pub const META_FEATURE_NAMES: &str = "feature_names";
/// Records read per step of the upgrade.
pub const MIGRATION_PAGE: u32 = 2000;
/// Every store, for transactions that touch the whole log (clear).
pub const ALL_STORES: [&str; 7] = [
    STORE_NAME,
    FEATURES_STORE,
    BUCKETS_STORE,
    SKETCHES_STORE,
    META_STORE,
    RUNS_STORE,
    CHUNKS_STORE,
];

pub(super) fn key_path(path: &str) -> IdbObjectStoreParameters {
    let parameters = IdbObjectStoreParameters::new();
    parameters.set_key_path(&JsValue::from_str(path));
    parameters
}

/// Creates or upgrades the schema from `old_version` to `SCHEMA_VERSION`.
pub fn upgrade(
    db: &IdbDatabase,
    transaction: &IdbTransaction,
    old_version: u32,
) -> Result<(), JsValue> {
    if old_version < 1 {
        let parameters = key_path("id");
        parameters.set_auto_increment(true);
        db.create_object_store_with_optional_parameters(STORE_NAME, &parameters)?;
    }
    if old_version < 2 {
        let store = transaction.object_store(STORE_NAME)?;
        store.create_index_with_str(INDEX_CREATED_AT, "created_at_ms")?;
        store.create_index_with_str(INDEX_MODEL, "model_sha256")?;
    }
    if old_version < 3 {
        db.create_object_store(FEATURES_STORE)?;
        db.create_object_store_with_optional_parameters(BUCKETS_STORE, &key_path("key"))?;
        db.create_object_store(META_STORE)?;
        let runs = key_path("run_id");
        runs.set_auto_increment(true);
        db.create_object_store_with_optional_parameters(RUNS_STORE, &runs)?;
        let chunks = IdbObjectStoreParameters::new();
        chunks.set_key_path(&Array::of2(&"run_id".into(), &"index".into()));
        let chunks = db.create_object_store_with_optional_parameters(CHUNKS_STORE, &chunks)?;
        chunks.create_index_with_str_and_optional_parameters(
            INDEX_CREATED_AT,
            "created_at_ms",
            &IdbIndexParameters::new(),
        )?;
        if old_version >= 1 {
            migrate_page(transaction.clone(), None, Rc::default())?;
        }
    }
    if old_version < 4 {
        // Rows logged before have no sketch: the drift panel counts them as not compared
        // rather than rebuilding histograms (a v3 batch row's values may not even be kept).
        db.create_object_store(SKETCHES_STORE)?;
    }
    Ok(())
}

/// What the upgrade has gathered so far.
#[derive(Default)]
pub(super) struct Migration {
    delta: BucketDelta,
    names: Option<Set>,
}

/// Reads the next page of full records (ids above `after`) and counts it into the buckets; the
/// next page is requested from the page's own success handler, inside the same transaction.
pub(super) fn migrate_page(
    transaction: IdbTransaction,
    after: Option<f64>,
    state: Rc<RefCell<Migration>>,
) -> Result<(), JsValue> {
    let store = transaction.object_store(STORE_NAME)?;
    let range = match after {
        None => JsValue::NULL,
        Some(after) => IdbKeyRange::lower_bound_with_open(&JsValue::from_f64(after), true)?.into(),
    };
    let request = store.get_all_with_key_and_limit(&range, MIGRATION_PAGE)?;
    let on_success = {
        let request = request.clone();
        let transaction = transaction.clone();
        Closure::once_into_js(move |_: Event| {
            let step = request
                .result()
                .and_then(|values| migrate_values(&transaction, values, state));
            if step.is_err() {
                let _ = transaction.abort();
            }
        })
    };
    request.set_onsuccess(Some(on_success.unchecked_ref()));
    Ok(())
}

pub(super) fn migrate_values(
    transaction: &IdbTransaction,
    values: JsValue,
    state: Rc<RefCell<Migration>>,
) -> Result<(), JsValue> {
    let values: Array = values.dyn_into()?;
    let features_key = JsValue::from_str("features");
    let mut last = None;
    {
        let mut state = state.borrow_mut();
        let names = state
            .names
            .get_or_insert_with(|| Set::new(&JsValue::UNDEFINED))
            .clone();
        for value in values.iter() {
            let id = Reflect::get(&value, &"id".into())?;
            let values_by_name = Reflect::get(&value, &features_key)?;
            if values_by_name.is_object() {
                for name in Object::keys(values_by_name.unchecked_ref::<Object>()).iter() {
                    names.add(&name);
                }
            }
            let light = LightFields::read(&value)?;
            state.delta.add(
                light.source,
                &light.model_sha256,
                light.created_at_ms,
                light.probability,
                light.is_reorder,
                light.threshold,
            );
            last = id.as_f64();
        }
    }
    match last {
        Some(last) if values.length() == MIGRATION_PAGE => {
            migrate_page(transaction.clone(), Some(last), state)
        }
        _ => {
            let state = state.borrow();
            let buckets = transaction.object_store(BUCKETS_STORE)?;
            for bucket in state.delta.buckets.values() {
                buckets.put(&bucket_to_js(bucket)?)?;
            }
            let names: Vec<String> = state
                .names
                .as_ref()
                .map(|set| {
                    Array::from(set)
                        .iter()
                        .filter_map(|n| n.as_string())
                        .collect()
                })
                .unwrap_or_default();
            transaction
                .object_store(META_STORE)?
                .put_with_key(&names_to_js(names), &META_FEATURE_NAMES.into())?;
            Ok(())
        }
    }
}

/// The fields of a stored light record that the buckets count.
pub struct LightFields {
    pub source: Source,
    pub model_sha256: String,
    pub created_at_ms: i64,
    pub probability: f64,
    pub is_reorder: bool,
    pub threshold: f64,
}

impl LightFields {
    pub fn read(value: &JsValue) -> Result<LightFields, JsValue> {
        let get = |name: &str| Reflect::get(value, &JsValue::from_str(name));
        let number = |name: &str| -> Result<f64, JsValue> {
            get(name)?
                .as_f64()
                .ok_or_else(|| JsValue::from_str(&format!("stored record without a number {name}")))
        };
        let text = |name: &str| -> Result<String, JsValue> {
            get(name)?
                .as_string()
                .ok_or_else(|| JsValue::from_str(&format!("stored record without a text {name}")))
        };
        let source = Source::parse(&text("source")?)
            .map_err(|error| JsValue::from_str(&error.to_string()))?;
        Ok(LightFields {
            source,
            model_sha256: text("model_sha256")?,
            created_at_ms: number("created_at_ms")? as i64,
            probability: number("probability")?,
            is_reorder: get("is_reorder")?.is_truthy(),
            threshold: number("threshold")?,
        })
    }
}
