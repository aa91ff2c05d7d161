//! The log's IndexedDB transactions, one function each: a write of records, of a batch run, of
//! its end and of a chunk, each one readwrite transaction with durability "strict" holding the
//! rows, their feature values, the dashboard's buckets and drift sketches (read, merged with the
//! write's delta, put back) and the feature-name union; follow-up requests are issued from the previous request's
//! success handler and only the transaction's end is awaited. Also the clear, and how a
//! transaction is begun. The store decides when and where to write; this is how.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbTransaction, IdbTransactionMode};

use super::codec::{
    bucket_from_js, bucket_to_js, chunk_key, chunk_to_js, names_from_js, names_to_js, run_from_js,
    run_to_js, sketch_from_js, sketch_to_js,
};
use super::error::WriteFailure;
use super::schema::{
    ALL_STORES, BUCKETS_STORE, CHUNKS_STORE, FEATURES_STORE, META_FEATURE_NAMES, META_STORE,
    RUNS_STORE, SKETCHES_STORE, STORE_NAME,
};
use crate::batch::RunQuality;
use crate::browser::js_error::JsError;
use crate::prediction_log::{
    BatchChunk, BatchRun, BucketDelta, PredictionRecord, RunEnd, SketchDelta,
};
use crate::web::idb::{then_in, transaction_done, IdbError};

/// Merges `delta` into the stored buckets, `sketches` into the stored drift sketches and
/// `names` into the stored feature-name union, inside `transaction` (each a read, then a put
/// from the read's success handler).
pub(super) fn merge_aggregates(
    transaction: &IdbTransaction,
    delta: BucketDelta,
    sketches: SketchDelta,
    names: BTreeSet<String>,
) -> Result<(), JsValue> {
    if !sketches.sketches.is_empty() {
        let store = transaction.object_store(SKETCHES_STORE)?;
        for (key, sketch) in sketches.sketches {
            let key = JsValue::from_str(&key);
            let request = store.get(&key)?;
            let store = store.clone();
            then_in(transaction, &request, move |stored| {
                let mut merged = sketch;
                if !stored.is_undefined() {
                    let mut existing =
                        sketch_from_js(&stored).map_err(|e| JsValue::from_str(&e.to_string()))?;
                    existing
                        .merge(&merged)
                        .map_err(|e| JsValue::from_str(&e.to_string()))?;
                    merged = existing;
                }
                store
                    .put_with_key(&sketch_to_js(&merged)?, &key)
                    .map(|_| ())
            });
        }
    }
    let buckets = transaction.object_store(BUCKETS_STORE)?;
    for (key, bucket) in delta.buckets {
        let request = buckets.get(&JsValue::from_str(&key))?;
        let store = buckets.clone();
        then_in(transaction, &request, move |stored| {
            let mut merged = bucket;
            if !stored.is_undefined() {
                let mut existing =
                    bucket_from_js(&stored).map_err(|e| JsValue::from_str(&e.to_string()))?;
                existing.merge(&merged);
                merged = existing;
            }
            store.put(&bucket_to_js(&merged)?).map(|_| ())
        });
    }
    if !names.is_empty() {
        let meta = transaction.object_store(META_STORE)?;
        let request = meta.get(&META_FEATURE_NAMES.into())?;
        let store = meta.clone();
        then_in(transaction, &request, move |stored| {
            let known = names_from_js(&stored);
            if names.iter().all(|name| known.contains(name)) {
                return Ok(());
            }
            let union: Vec<String> = known.into_iter().chain(names).collect();
            store
                .put_with_key(&names_to_js(union), &META_FEATURE_NAMES.into())
                .map(|_| ())
        });
    }
    Ok(())
}

/// Adds the records (light record, then its feature values under the new id) and their
/// aggregates in one strict readwrite transaction; only the commit is awaited.
pub(super) async fn write_records(
    db: &IdbDatabase,
    values: &[(JsValue, JsValue)],
    records: &[PredictionRecord],
    sketches: SketchDelta,
    failing: &Cell<u32>,
) -> Result<Vec<u64>, JsError> {
    let transaction = begin(
        db,
        &[
            STORE_NAME,
            FEATURES_STORE,
            BUCKETS_STORE,
            SKETCHES_STORE,
            META_STORE,
        ],
        true,
    )?;
    let store = transaction.object_store(STORE_NAME)?;
    let features = transaction.object_store(FEATURES_STORE)?;
    let mut delta = BucketDelta::default();
    let mut names = BTreeSet::new();
    for record in records {
        delta.add_record(record);
        names.extend(record.features.keys().cloned());
    }
    let mut requests = Vec::with_capacity(values.len());
    let issued = (|| -> Result<(), JsValue> {
        for (light, values_by_name) in values {
            let request = store.add(light)?;
            let features = features.clone();
            let values_by_name = values_by_name.clone();
            then_in(&transaction, &request, move |id| {
                features.put_with_key(&values_by_name, &id).map(|_| ())
            });
            requests.push(request);
        }
        merge_aggregates(&transaction, delta, sketches, names)
    })();
    if let Err(error) = issued {
        let _ = transaction.abort();
        return Err(JsError::from_js(&error));
    }
    maybe_fail(&transaction, failing);
    transaction_done(&transaction).await?;
    Ok(requests
        .iter()
        .map(|request| {
            request
                .result()
                .ok()
                .and_then(|key| key.as_f64())
                .unwrap_or_default() as u64
        })
        .collect())
}

/// Adds a batch run and its feature names to the union; returns the run id.
pub(super) async fn write_run(
    db: &IdbDatabase,
    run: &BatchRun,
    failing: &Cell<u32>,
) -> Result<u64, JsError> {
    let transaction = begin(db, &[RUNS_STORE, BUCKETS_STORE, META_STORE], true)?;
    let mut fresh = run.clone();
    fresh.run_id = None;
    let request = transaction
        .object_store(RUNS_STORE)?
        .add(&run_to_js(&fresh)?)?;
    merge_aggregates(
        &transaction,
        BucketDelta::default(),
        SketchDelta::default(),
        run.feature_names.iter().cloned().collect(),
    )?;
    maybe_fail(&transaction, failing);
    transaction_done(&transaction).await?;
    Ok(request.result()?.as_f64().unwrap_or_default() as u64)
}

/// Sets how run `run_id` ended and its quality, in one transaction (a run cleared meanwhile is
/// left alone).
pub(super) async fn write_run_end(
    db: &IdbDatabase,
    run_id: u64,
    end: RunEnd,
    quality: Option<RunQuality>,
    failing: &Cell<u32>,
) -> Result<(), WriteFailure> {
    let transaction = begin(db, &[RUNS_STORE], true)?;
    let runs = transaction.object_store(RUNS_STORE)?;
    let request = runs.get(&JsValue::from_f64(run_id as f64))?;
    then_in(&transaction, &request, move |stored| {
        if stored.is_undefined() {
            return Ok(());
        }
        let mut run = run_from_js(&stored).map_err(|e| JsValue::from_str(&e.to_string()))?;
        run.ended = Some(end);
        run.quality = quality.clone();
        runs.put(&run_to_js(&run)?).map(|_| ())
    });
    maybe_fail(&transaction, failing);
    Ok(transaction_done(&transaction).await?)
}

/// Adds a chunk (columns, and its values in `features`), counts it in the buckets and in its
/// run's totals, in one transaction.
pub(super) async fn write_chunk(
    db: &IdbDatabase,
    chunk: &BatchChunk,
    run: &BatchRun,
    failing: &Cell<u32>,
) -> Result<(), WriteFailure> {
    let run_gone = Rc::new(Cell::new(false));
    let stores = [
        RUNS_STORE,
        CHUNKS_STORE,
        FEATURES_STORE,
        BUCKETS_STORE,
        SKETCHES_STORE,
        META_STORE,
    ];
    let transaction = begin(db, &stores, true)?;
    let issued = (|| -> Result<(), JsValue> {
        transaction
            .object_store(CHUNKS_STORE)?
            .put(&chunk_to_js(chunk, run)?)?;
        // A chunk logged without its values has no entry there (read back as undefined).
        if !chunk.values.is_empty() {
            transaction.object_store(FEATURES_STORE)?.put_with_key(
                &js_sys::Float64Array::from(chunk.values.as_slice()),
                &chunk_key(chunk.run_id, chunk.index),
            )?;
        }
        let runs = transaction.object_store(RUNS_STORE)?;
        let request = runs.get(&JsValue::from_f64(chunk.run_id as f64))?;
        let rows = chunk.len() as u64;
        let positives = chunk.decisions.iter().filter(|d| **d).count() as u64;
        let store = runs.clone();
        let gone = Rc::clone(&run_gone);
        then_in(&transaction, &request, move |stored| {
            if stored.is_undefined() {
                gone.set(true);
                return Err(JsValue::from_str("the chunk's run is not stored"));
            }
            let mut stored = run_from_js(&stored).map_err(|e| JsValue::from_str(&e.to_string()))?;
            stored.rows += rows;
            stored.positives += positives;
            store.put(&run_to_js(&stored)?).map(|_| ())
        });
        merge_aggregates(
            &transaction,
            chunk.bucket_delta(run),
            chunk.sketch_delta(run),
            BTreeSet::new(),
        )
    })();
    if let Err(error) = issued {
        let _ = transaction.abort();
        return Err(JsError::from_js(&error).into());
    }
    maybe_fail(&transaction, failing);
    match transaction_done(&transaction).await {
        Ok(()) => Ok(()),
        Err(_) if run_gone.get() => Err(WriteFailure::RunGone(chunk.run_id)),
        Err(error) => Err(error.into()),
    }
}

/// Opens a transaction on `stores`. Writes ask for durability "strict" (through `Reflect`
/// because web-sys keeps the options argument behind an unstable flag).
pub(super) fn begin(
    db: &IdbDatabase,
    stores: &[&str],
    write: bool,
) -> Result<IdbTransaction, JsValue> {
    let names: Array = stores.iter().map(|name| JsValue::from_str(name)).collect();
    if !write {
        return db.transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readonly);
    }
    let options = Object::new();
    Reflect::set(&options, &"durability".into(), &"strict".into())?;
    let transaction: Function = Reflect::get(db, &"transaction".into())?.dyn_into()?;
    transaction
        .call3(db, &names, &"readwrite".into(), &options)?
        .dyn_into()
}

/// Aborts `transaction` when a test asked for failing writes.
pub(super) fn maybe_fail(transaction: &IdbTransaction, failing: &Cell<u32>) {
    if failing.get() > 0 {
        failing.set(failing.get() - 1);
        let _ = transaction.abort();
    }
}

pub(super) async fn clear_all(db: &IdbDatabase) -> Result<(), IdbError> {
    let transaction = begin(db, &ALL_STORES, true).map_err(IdbError::failed("clear"))?;
    for name in ALL_STORES {
        transaction
            .object_store(name)
            .and_then(|store| store.clear())
            .map_err(IdbError::failed("clear"))?;
    }
    transaction_done(&transaction)
        .await
        .map_err(IdbError::failed("clear"))
}
