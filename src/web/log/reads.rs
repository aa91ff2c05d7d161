//! Reading the log without reading all of it: the buckets and runs (small stores), and one page
//! of recent predictions through the time indexes, newest first, logged records and batch rows
//! merged (`prediction_log::page_of`).

use std::collections::{BTreeMap, BTreeSet};

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbCursorDirection, IdbDatabase, IdbKeyRange};

use super::codec::{
    bucket_from_js, decode_chunk, from_js, names_from_js, run_from_js, sketch_from_js,
};
use super::error::LogStoreError;
use super::export::Page;
use super::schema::{
    BUCKETS_STORE, CHUNKS_STORE, INDEX_CREATED_AT, META_FEATURE_NAMES, META_STORE, RUNS_STORE,
    SKETCHES_STORE, STORE_NAME,
};
use super::store::{Backend, LogStore};
use super::transactions::begin;
use crate::browser::js_error::JsError;
use crate::prediction_log::{
    buckets_of, page_of, BatchRun, Bucket, Filter, PredictionRecord, RecentPage, RecentPosition,
    RunState, SketchBucket, Source,
};
use crate::web::idb::{request_done, walk_cursor, IdbError};

impl LogStore {
    /// Every batch run with its state (newest first): how it ended, or whether a tab is running
    /// it now (`run_locks`).
    pub async fn batch_runs(&self) -> Result<Vec<(BatchRun, RunState)>, LogStoreError> {
        let runs = self.runs().await?;
        let held = crate::web::run_locks::held_names().await;
        let mut listed: Vec<(BatchRun, RunState)> = runs
            .into_iter()
            .map(|(run_id, run)| {
                let lock = crate::web::run_locks::lock_name(&self.inner.name, run_id);
                let state = run.state(held.contains(&lock));
                (run, state)
            })
            .collect();
        listed.sort_by_key(|(run, _)| std::cmp::Reverse((run.started_at_ms, run.run_id)));
        Ok(listed)
    }

    /// The batch run `run_id`, from this tab's cache or the store.
    pub(super) async fn run(&self, run_id: u64) -> Result<BatchRun, LogStoreError> {
        if let Some(run) = self.inner.runs.borrow().get(&run_id) {
            return Ok(run.clone());
        }
        if let Backend::Memory { log, .. } = &*self.inner.backend.borrow() {
            if let Some(run) = log.runs.get(&run_id) {
                return Ok(run.clone());
            }
        }
        let runs = self.runs().await?;
        runs.get(&run_id)
            .cloned()
            .ok_or(LogStoreError::UnknownRun(run_id))
    }

    /// Every batch run (a few records), by id.
    pub(super) async fn runs(&self) -> Result<BTreeMap<u64, BatchRun>, LogStoreError> {
        let Some(db) = self.database().await else {
            return Ok(match &*self.inner.backend.borrow() {
                Backend::Memory { log, .. } => log.runs.clone(),
                _ => BTreeMap::new(),
            });
        };
        let values = read_all_of(&db, RUNS_STORE).await?;
        let mut runs = BTreeMap::new();
        for value in values.iter() {
            let run = run_from_js(&value).map_err(|reason| LogStoreError::Damaged {
                what: "batch run",
                reason,
            })?;
            if let Some(id) = run.run_id {
                runs.insert(id, run);
            }
        }
        self.inner.runs.borrow_mut().extend(runs.clone());
        Ok(runs)
    }

    /// The dashboard's buckets (a few hundred small records, whatever the log's size).
    pub async fn buckets(&self) -> Result<Vec<Bucket>, LogStoreError> {
        let Some(db) = self.database().await else {
            return Ok(match &*self.inner.backend.borrow() {
                Backend::Memory { log, .. } => buckets_of(&log.records),
                _ => Vec::new(),
            });
        };
        let values = read_all_of(&db, BUCKETS_STORE).await?;
        values
            .iter()
            .map(|value| {
                bucket_from_js(&value).map_err(|reason| LogStoreError::Damaged {
                    what: "bucket",
                    reason,
                })
            })
            .collect()
    }

    /// Every drift sketch (a few per day: the drift panel merges those its filter selects).
    pub async fn sketch_buckets(&self) -> Result<Vec<SketchBucket>, LogStoreError> {
        let Some(db) = self.database().await else {
            return Ok(match &*self.inner.backend.borrow() {
                Backend::Memory { log, .. } => log.sketches.sketches.values().cloned().collect(),
                _ => Vec::new(),
            });
        };
        let values = read_all_of(&db, SKETCHES_STORE).await?;
        values
            .iter()
            .map(|value| {
                sketch_from_js(&value).map_err(|reason| LogStoreError::Damaged {
                    what: "drift sketch",
                    reason,
                })
            })
            .collect()
    }

    /// The union of every logged feature name, sorted (the CSV header's feature columns).
    pub async fn feature_names(&self) -> Result<Vec<String>, LogStoreError> {
        let Some(db) = self.database().await else {
            return Ok(match &*self.inner.backend.borrow() {
                Backend::Memory { log, .. } => {
                    let names: BTreeSet<&String> =
                        log.records.iter().flat_map(|r| r.features.keys()).collect();
                    names.into_iter().cloned().collect()
                }
                _ => Vec::new(),
            });
        };
        let transaction = begin(&db, &[META_STORE], false).map_err(IdbError::failed("read"))?;
        let request = transaction
            .object_store(META_STORE)
            .and_then(|store| store.get(&META_FEATURE_NAMES.into()))
            .map_err(IdbError::failed("read"))?;
        let value = request_done(&request)
            .await
            .map_err(IdbError::failed("read"))?;
        Ok(names_from_js(&value))
    }

    /// A page of the predictions `filter` selects, newest first, starting at `position` (the
    /// newest when `None`): read through the time index with a cursor, never the whole log.
    pub async fn recent(
        &self,
        filter: &Filter,
        position: Option<RecentPosition>,
        limit: usize,
    ) -> Result<RecentPage, LogStoreError> {
        let skip = position.map_or(0, |p| p.skip);
        let need = skip + limit;
        let upper = match (position.map(|p| p.at_ms), filter.to_ms.map(|to| to - 1)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let Some(db) = self.database().await else {
            let backend = self.inner.backend.borrow();
            let Backend::Memory { log, .. } = &*backend else {
                return Ok(RecentPage::default());
            };
            let mut records: Vec<PredictionRecord> = log
                .records
                .iter()
                .filter(|r| filter.matches(r) && upper.is_none_or(|u| r.created_at_ms <= u))
                .map(|r| {
                    let mut light = r.clone();
                    light.features = BTreeMap::new();
                    light
                })
                .collect();
            records.sort_by_key(|r| std::cmp::Reverse((r.created_at_ms, r.id)));
            records.truncate(need);
            return Ok(page_of(records, Vec::new(), position, limit));
        };
        if let (Some(from), Some(upper)) = (filter.from_ms, upper) {
            if upper < from {
                return Ok(RecentPage::default());
            }
        }
        let range = time_range(filter.from_ms, upper)?;
        let logged = recent_records(&db, filter, &range, need).await?;
        let batch = if filter.sources.is_empty() || filter.sources.contains(&Source::Batch) {
            recent_batch_rows(&db, filter, &range, need).await?
        } else {
            Vec::new()
        };
        Ok(page_of(logged, batch, position, limit))
    }

    /// Every record with its feature values (batch rows after logged records). Reads the whole
    /// log a page at a time: for tests and small logs; pages use `buckets`, `recent`, `export`.
    pub async fn all(&self) -> Result<Vec<PredictionRecord>, LogStoreError> {
        let mut all = Vec::new();
        self.walk(&mut |page| {
            match page {
                Page::Records(records) => all.extend(records),
                Page::Chunk(run, chunk) => all.extend(chunk.records(run)?),
            }
            Ok(())
        })
        .await?;
        Ok(all)
    }
}

/// Every value of a small store (buckets, runs).
pub(super) async fn read_all_of(
    db: &IdbDatabase,
    store: &'static str,
) -> Result<Array, LogStoreError> {
    let transaction = begin(db, &[store], false).map_err(IdbError::failed("read"))?;
    let request = transaction
        .object_store(store)
        .and_then(|store| store.get_all())
        .map_err(IdbError::failed("read"))?;
    let values = request_done(&request)
        .await
        .map_err(IdbError::failed("read"))?;
    values
        .dyn_into::<Array>()
        .map_err(|value| IdbError::failed("read")(JsError::from_js(&value)).into())
}

/// `from <= created_at_ms <= upper` as a key range (`None` when unbounded).
pub(super) fn time_range(
    from: Option<i64>,
    upper: Option<i64>,
) -> Result<Option<IdbKeyRange>, LogStoreError> {
    let number = |ms: i64| JsValue::from_f64(ms as f64);
    match (from, upper) {
        (None, None) => Ok(None),
        (Some(from), None) => IdbKeyRange::lower_bound(&number(from)).map(Some),
        (None, Some(upper)) => IdbKeyRange::upper_bound(&number(upper)).map(Some),
        (Some(from), Some(upper)) => IdbKeyRange::bound(&number(from), &number(upper)).map(Some),
    }
    .map_err(|error| IdbError::failed("read")(JsError::from_js(&error)).into())
}

/// Walks `store`'s time index newest first over `range`, keeping values `keep` accepts, until
/// `enough` says the kept values suffice.
pub(super) async fn walk_newest(
    db: &IdbDatabase,
    store: &'static str,
    range: &Option<IdbKeyRange>,
    keep: impl Fn(&JsValue) -> bool + 'static,
    enough: impl Fn(&Array) -> bool + 'static,
) -> Result<Array, LogStoreError> {
    let transaction = begin(db, &[store], false).map_err(IdbError::failed("read"))?;
    let index = transaction
        .object_store(store)
        .and_then(|store| store.index(INDEX_CREATED_AT))
        .map_err(IdbError::failed("read"))?;
    let range: JsValue = range.clone().map(JsValue::from).unwrap_or(JsValue::NULL);
    let request = index
        .open_cursor_with_range_and_direction(&range, IdbCursorDirection::Prev)
        .map_err(IdbError::failed("read"))?;
    let kept = Array::new();
    let into = kept.clone();
    walk_cursor(&request, move |cursor| {
        let value = cursor.value()?;
        if keep(&value) {
            into.push(&value);
        }
        Ok(!enough(&into))
    })
    .await
    .map_err(IdbError::failed("read"))?;
    Ok(kept)
}

/// Whether a stored value's `name` is one of `allowed` (any when empty).
pub(super) fn field_in(value: &JsValue, name: &str, allowed: &[String]) -> bool {
    allowed.is_empty()
        || Reflect::get(value, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
            .is_some_and(|text| allowed.contains(&text))
}

/// Up to `need` logged records (light) that `filter` selects, newest first.
pub(super) async fn recent_records(
    db: &IdbDatabase,
    filter: &Filter,
    range: &Option<IdbKeyRange>,
    need: usize,
) -> Result<Vec<PredictionRecord>, LogStoreError> {
    let sources: Vec<String> = filter
        .sources
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    let models: Vec<String> = filter.model_sha256.iter().cloned().collect();
    let kept = walk_newest(
        db,
        STORE_NAME,
        range,
        move |value| {
            field_in(value, "source", &sources) && field_in(value, "model_sha256", &models)
        },
        move |kept| kept.length() as usize >= need,
    )
    .await?;
    from_js(&kept)
}

/// Rows of the newest batch chunks `filter` selects, until there are at least `need`, newest
/// first (light: no feature values).
pub(super) async fn recent_batch_rows(
    db: &IdbDatabase,
    filter: &Filter,
    range: &Option<IdbKeyRange>,
    need: usize,
) -> Result<Vec<PredictionRecord>, LogStoreError> {
    let models: Vec<String> = filter.model_sha256.iter().cloned().collect();
    let rows_of = |value: &JsValue| {
        Reflect::get(value, &"rows".into())
            .ok()
            .and_then(|rows| rows.as_f64())
            .unwrap_or(0.0) as usize
    };
    let kept = walk_newest(
        db,
        CHUNKS_STORE,
        range,
        move |value| field_in(value, "model_sha256", &models),
        move |kept| kept.iter().map(|chunk| rows_of(&chunk)).sum::<usize>() >= need,
    )
    .await?;
    let mut rows = Vec::new();
    for value in kept.iter() {
        let chunk = decode_chunk(&value, &JsValue::UNDEFINED)?;
        let text = |name: &str| {
            Reflect::get(&value, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default()
        };
        let threshold = Reflect::get(&value, &"threshold".into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN);
        let model_sha256 = text("model_sha256");
        // Later rows of a chunk first, so a chunk reads newest first like the records.
        for row in (0..chunk.len()).rev() {
            rows.push(PredictionRecord {
                id: None,
                created_at_ms: chunk.created_at_ms,
                source: Source::Batch,
                user_id: chunk.user_ids.get(row).copied().flatten(),
                product_id: chunk.product_ids.get(row).copied().flatten(),
                features: BTreeMap::new(),
                probability: chunk.probabilities.get(row).copied().unwrap_or(f64::NAN),
                is_reorder: chunk.decisions.get(row).copied().unwrap_or(false),
                threshold,
                model_sha256: model_sha256.clone(),
            });
        }
    }
    Ok(rows)
}
