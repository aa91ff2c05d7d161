//! Writing to the log: records, batch runs, their chunks and how each run ended. Each write is
//! one readwrite transaction with durability "strict" holding the rows, their feature values, the
//! dashboard's buckets (read, merged with the write's delta, put back) and the feature-name
//! union; follow-up requests are issued from the previous request's success handler and only the
//! transaction's end is awaited.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;

use wasm_bindgen::JsValue;
use web_sys::{IdbDatabase, IdbTransaction};

use super::codec::{
    bucket_from_js, bucket_to_js, check, chunk_key, chunk_to_js, names_from_js, names_to_js,
    run_from_js, run_to_js,
};
use super::error::{LogStoreError, WriteFailure};
use super::schema::{
    BUCKETS_STORE, CHUNKS_STORE, FEATURES_STORE, META_FEATURE_NAMES, META_STORE, RUNS_STORE,
    STORE_NAME,
};
use super::store::{begin, maybe_fail, LogStore, Write};
use crate::browser::js_error::JsError;
use crate::prediction_log::{BatchChunk, BatchRun, BucketDelta, PredictionRecord, RunEnd};
use crate::web::idb::{then_in, transaction_done};

impl LogStore {
    /// Logs one record and returns its id.
    pub async fn add(&self, record: PredictionRecord) -> Result<u64, LogStoreError> {
        let ids = self.add_all(vec![record]).await?;
        Ok(ids.first().copied().unwrap_or_default())
    }

    /// Logs `records` in one transaction and returns their ids, in order.
    pub async fn add_all(&self, records: Vec<PredictionRecord>) -> Result<Vec<u64>, LogStoreError> {
        for record in &records {
            check(record)?;
        }
        self.write(Write::Records(records)).await
    }

    /// Logs the start of a batch run (no rows yet) and returns its run id.
    pub async fn add_batch_run(&self, run: BatchRun) -> Result<u64, LogStoreError> {
        if !run.threshold.is_finite() {
            return Err(LogStoreError::InvalidRecord {
                field: "threshold",
                value: run.threshold,
            });
        }
        let ids = self.write(Write::Run(run.clone())).await?;
        let run_id = ids.first().copied().unwrap_or_default();
        let mut stored = run;
        stored.run_id = Some(run_id);
        self.inner.runs.borrow_mut().insert(run_id, stored);
        Ok(run_id)
    }

    /// Logs a chunk of a run's rows (its columns as typed arrays, counted in the buckets in the
    /// same transaction).
    pub async fn add_batch_chunk(&self, chunk: BatchChunk) -> Result<(), LogStoreError> {
        let run = self.run(chunk.run_id).await?;
        chunk.check(run.feature_names.len())?;
        if let Some(value) = chunk.probabilities.iter().find(|p| !p.is_finite()) {
            return Err(LogStoreError::InvalidRecord {
                field: "probability",
                value: *value,
            });
        }
        self.write(Write::Chunk(chunk, run)).await.map(|_| ())
    }

    /// Records how batch run `run_id` ended (the page running it says so once it stops).
    pub async fn end_batch_run(&self, run_id: u64, end: RunEnd) -> Result<(), LogStoreError> {
        if let Some(run) = self.inner.runs.borrow_mut().get_mut(&run_id) {
            run.ended = Some(end);
        }
        self.write(Write::RunEnd(run_id, end)).await.map(|_| ())
    }
}

/// Merges `delta` into the stored buckets and `names` into the stored feature-name union,
/// inside `transaction` (each a read, then a put from the read's success handler).
pub(super) fn merge_aggregates(
    transaction: &IdbTransaction,
    delta: BucketDelta,
    names: BTreeSet<String>,
) -> Result<(), JsValue> {
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
    failing: &Cell<u32>,
) -> Result<Vec<u64>, JsError> {
    let transaction = begin(
        db,
        &[STORE_NAME, FEATURES_STORE, BUCKETS_STORE, META_STORE],
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
        merge_aggregates(&transaction, delta, names)
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
        run.feature_names.iter().cloned().collect(),
    )?;
    maybe_fail(&transaction, failing);
    transaction_done(&transaction).await?;
    Ok(request.result()?.as_f64().unwrap_or_default() as u64)
}

/// Sets how run `run_id` ended, in one transaction (a run cleared meanwhile is left alone).
pub(super) async fn write_run_end(
    db: &IdbDatabase,
    run_id: u64,
    end: RunEnd,
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
        merge_aggregates(&transaction, chunk.bucket_delta(run), BTreeSet::new())
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
