//! The prediction log in the browser: IndexedDB when the browser allows it, an in-memory log
//! (with a visible banner) when it does not.
//!
//! Rules this module keeps: one readwrite transaction per write, with durability "strict";
//! nothing but IndexedDB requests awaited inside a transaction (requests are issued
//! synchronously and only the transaction's end is awaited); a schema version with an upgrade
//! path; the connection closes when another tab upgrades the schema (`versionchange`). A write
//! that fails moves the log to memory and says so; it is never dropped silently. Other tabs
//! learn about writes through a BroadcastChannel.
//!
//! Reading 100k records out of IndexedDB takes seconds, so the dashboard's light records
//! (everything but the feature values) are cached per page: read in full once, then only the
//! records with ids above the last one read (a key range), and dropped when any tab clears.
//!
//! `LogStore` is the plain (non-reactive) store, tested in a real browser; `LogStoreHandle`
//! wraps it with Leptos signals for the pages.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};
use std::sync::Arc;

use js_sys::{Array, Function, Object, Reflect, JSON};
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    BroadcastChannel, Event, IdbDatabase, IdbFactory, IdbKeyRange, IdbObjectStoreParameters,
    IdbTransaction, IdbTransactionMode, MessageEvent,
};

use crate::prediction_log::PredictionRecord;
use crate::web::idb::{self, request_done, transaction_done, IdbError};
use crate::web::js_error::{full_message, JsError};

/// Name of the app's IndexedDB database.
pub const DATABASE_NAME: &str = "instacart-reorder";
/// The object store holding one prediction per record, keyed by an auto-incremented `id`.
pub const STORE_NAME: &str = "predictions";
/// Current schema: v1 = the store; v2 = plus indexes on time and model hash.
pub const SCHEMA_VERSION: u32 = 2;
/// Index on `created_at_ms` (added in v2).
pub const INDEX_CREATED_AT: &str = "by_created_at";
/// Index on `model_sha256` (added in v2).
pub const INDEX_MODEL: &str = "by_model_sha256";

/// The fields the dashboard needs; everything but the feature values.
const SUMMARY_FIELDS: [&str; 9] = [
    "id",
    "created_at_ms",
    "source",
    "user_id",
    "product_id",
    "probability",
    "is_reorder",
    "threshold",
    "model_sha256",
];

/// BroadcastChannel message: records were added.
const MESSAGE_ADDED: &str = "added";
/// BroadcastChannel message: the log was cleared.
const MESSAGE_CLEARED: &str = "cleared";

/// Why a log operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LogStoreError {
    #[error("the record cannot be logged: {field} is {value} (must be a finite number)")]
    InvalidRecord { field: &'static str, value: f64 },
    #[error(transparent)]
    IndexedDb(#[from] IdbError),
    #[error("the log is neither open nor in memory")]
    NotOpen,
    #[error("a stored record could not be read back")]
    Corrupt(#[source] Rc<serde_json::Error>),
}

/// Where the log lives right now.
#[derive(Debug, Clone, PartialEq)]
pub enum StorageStatus {
    /// The database is being opened (the first operation waits for it).
    Opening,
    /// Saved in IndexedDB; `persisted` says whether the browser promised not to evict it
    /// (`None` when it cannot tell).
    IndexedDb { persisted: Option<bool> },
    /// Kept in this tab's memory only, and why.
    Memory { reason: String },
}

/// Opens a transaction on the log's store. Writes ask for durability "strict" (through
/// `Reflect` because web-sys keeps the options argument behind an unstable flag).
fn begin(db: &IdbDatabase, write: bool) -> Result<IdbTransaction, JsValue> {
    if !write {
        return db.transaction_with_str_and_mode(STORE_NAME, IdbTransactionMode::Readonly);
    }
    let options = Object::new();
    Reflect::set(&options, &"durability".into(), &"strict".into())?;
    let transaction: Function = Reflect::get(db, &"transaction".into())?.dyn_into()?;
    transaction
        .call3(db, &STORE_NAME.into(), &"readwrite".into(), &options)?
        .dyn_into()
}

/// Creates or upgrades the schema from `old_version` to `SCHEMA_VERSION`.
fn upgrade(
    db: &IdbDatabase,
    transaction: &IdbTransaction,
    old_version: u32,
) -> Result<(), JsValue> {
    if old_version < 1 {
        let parameters = IdbObjectStoreParameters::new();
        parameters.set_key_path(&JsValue::from_str("id"));
        parameters.set_auto_increment(true);
        db.create_object_store_with_optional_parameters(STORE_NAME, &parameters)?;
    }
    if old_version < 2 {
        let store = transaction.object_store(STORE_NAME)?;
        store.create_index_with_str(INDEX_CREATED_AT, "created_at_ms")?;
        store.create_index_with_str(INDEX_MODEL, "model_sha256")?;
    }
    Ok(())
}

/// The record as a plain JS object (what IndexedDB stores and indexes).
fn to_js(record: &PredictionRecord) -> Result<JsValue, LogStoreError> {
    for (field, value) in [
        ("probability", record.probability),
        ("threshold", record.threshold),
    ] {
        if !value.is_finite() {
            return Err(LogStoreError::InvalidRecord { field, value });
        }
    }
    let text =
        serde_json::to_string(record).map_err(|source| LogStoreError::Corrupt(Rc::new(source)))?;
    Ok(JSON::parse(&text).map_err(IdbError::failed("encoding a record"))?)
}

/// Stored JS objects back to records; `fields` limits which properties are read.
fn from_js(
    values: &JsValue,
    fields: Option<&[&str]>,
) -> Result<Vec<PredictionRecord>, LogStoreError> {
    let text = match fields {
        None => JSON::stringify(values),
        Some(fields) => {
            let allowed: Array = fields
                .iter()
                .map(|field| JsValue::from_str(field))
                .collect();
            JSON::stringify_with_replacer(values, &allowed)
        }
    }
    .map_err(IdbError::failed("reading records"))?;
    let text = String::from(text);
    serde_json::from_str(&text).map_err(|source| LogStoreError::Corrupt(Rc::new(source)))
}

enum Backend {
    /// Not open yet, or closed because another tab upgraded the schema.
    Closed,
    IndexedDb(IdbDatabase),
    Memory {
        records: Vec<PredictionRecord>,
        next_id: u64,
        reason: String,
    },
}

/// The light records read so far, in id order, and the highest id read.
struct SummaryCache {
    records: Arc<Vec<PredictionRecord>>,
    last_id: u64,
}

struct Inner {
    factory: Option<IdbFactory>,
    name: String,
    backend: RefCell<Backend>,
    persisted: RefCell<Option<bool>>,
    channel: Option<BroadcastChannel>,
    /// Called after every local change of the log or its status.
    on_change: RefCell<Vec<Rc<dyn Fn()>>>,
    /// Called when another tab (or store) changed the log.
    on_remote: RefCell<Vec<Rc<dyn Fn()>>>,
    summaries: RefCell<Option<SummaryCache>>,
}

/// The prediction log: IndexedDB, or memory when IndexedDB is unavailable or failed.
#[derive(Clone)]
pub struct LogStore {
    inner: Rc<Inner>,
}

impl LogStore {
    /// The app's log, in the browser's IndexedDB when there is one.
    pub fn open_default() -> LogStore {
        LogStore::with_factory(idb::browser_factory().ok(), DATABASE_NAME)
    }

    /// A log in database `name` of `factory`; `None` means IndexedDB is unavailable. The
    /// database opens on first use.
    pub fn with_factory(factory: Option<IdbFactory>, name: &str) -> LogStore {
        let channel = BroadcastChannel::new(&format!("{name}-changes")).ok();
        let inner = Rc::new(Inner {
            factory,
            name: name.to_owned(),
            backend: RefCell::new(Backend::Closed),
            persisted: RefCell::new(None),
            channel,
            on_change: RefCell::new(Vec::new()),
            on_remote: RefCell::new(Vec::new()),
            summaries: RefCell::new(None),
        });
        if let Some(channel) = &inner.channel {
            let weak: Weak<Inner> = Rc::downgrade(&inner);
            let closure = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(inner) = weak.upgrade() else { return };
                if event.data().as_string().as_deref() == Some(MESSAGE_CLEARED) {
                    inner.summaries.replace(None);
                }
                let listeners: Vec<Rc<dyn Fn()>> = inner.on_remote.borrow().clone();
                for listener in listeners {
                    listener();
                }
            });
            channel.set_onmessage(Some(closure.as_ref().unchecked_ref()));
            // Lives as long as the page; one per store.
            closure.forget();
        }
        LogStore { inner }
    }

    /// The IndexedDB database name this log uses.
    pub fn database_name(&self) -> String {
        self.inner.name.clone()
    }

    /// Where the log lives now.
    pub fn status(&self) -> StorageStatus {
        match &*self.inner.backend.borrow() {
            Backend::Closed => StorageStatus::Opening,
            Backend::IndexedDb(_) => StorageStatus::IndexedDb {
                persisted: *self.inner.persisted.borrow(),
            },
            Backend::Memory { reason, .. } => StorageStatus::Memory {
                reason: reason.clone(),
            },
        }
    }

    /// Calls `listener` after every change made through this store (writes, status).
    pub fn on_local_change(&self, listener: impl Fn() + 'static) {
        self.inner.on_change.borrow_mut().push(Rc::new(listener));
    }

    /// Calls `listener` whenever another tab (or another store on the same database) writes.
    /// The listener lives as long as the page.
    pub fn on_remote_change(&self, listener: impl Fn() + 'static) {
        self.inner.on_remote.borrow_mut().push(Rc::new(listener));
    }

    /// Tells local listeners, and other tabs when `broadcast` names what changed.
    fn changed(&self, broadcast: Option<&str>) {
        if let (Some(message), Some(channel)) = (broadcast, &self.inner.channel) {
            // Other tabs only miss a live refresh if this fails; the data itself is saved.
            let _ = channel.post_message(&JsValue::from_str(message));
        }
        let listeners: Vec<Rc<dyn Fn()>> = self.inner.on_change.borrow().clone();
        for listener in listeners {
            listener();
        }
    }

    fn use_memory(&self, records: Vec<PredictionRecord>, reason: String) {
        let next_id = records.iter().filter_map(|r| r.id).max().unwrap_or(0) + 1;
        let mut backend = self.inner.backend.borrow_mut();
        if !matches!(*backend, Backend::Memory { .. }) {
            *backend = Backend::Memory {
                records,
                next_id,
                reason,
            };
        }
    }

    /// The open database, opening it if needed; `None` when the log is in memory.
    async fn database(&self) -> Option<IdbDatabase> {
        match &*self.inner.backend.borrow() {
            Backend::IndexedDb(db) => return Some(db.clone()),
            Backend::Memory { .. } => return None,
            Backend::Closed => {}
        }
        match self.connect().await {
            Ok(db) => {
                if let Backend::Memory { .. } = &*self.inner.backend.borrow() {
                    db.close();
                    return None;
                }
                *self.inner.backend.borrow_mut() = Backend::IndexedDb(db.clone());
                self.changed(None);
                // Whether the browser will keep the data is known a little later; no
                // operation waits for it.
                let store = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let persisted = query_persisted().await;
                    store.inner.persisted.replace(persisted);
                    store.changed(None);
                });
                Some(db)
            }
            Err(error) => {
                self.use_memory(Vec::new(), full_message(&error));
                self.changed(None);
                None
            }
        }
    }

    /// Opens (creating or upgrading) the database.
    async fn connect(&self) -> Result<IdbDatabase, IdbError> {
        let Some(factory) = &self.inner.factory else {
            return Err(IdbError::Unavailable { cause: None });
        };
        let db = idb::open_database(factory, &self.inner.name, SCHEMA_VERSION, upgrade).await?;
        // Another tab wants a newer schema: let it, and reopen on our next use.
        let on_version_change = {
            let weak = Rc::downgrade(&self.inner);
            let db = db.clone();
            Closure::<dyn Fn(Event)>::new(move |_: Event| {
                db.close();
                if let Some(inner) = weak.upgrade() {
                    let mut backend = inner.backend.borrow_mut();
                    if matches!(*backend, Backend::IndexedDb(_)) {
                        *backend = Backend::Closed;
                    }
                }
            })
        };
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        db.set_onclose(Some(on_version_change.as_ref().unchecked_ref()));
        on_version_change.forget();
        Ok(db)
    }

    /// Moves the log to memory after IndexedDB failed, keeping what can still be read.
    async fn fall_back(&self, db: &IdbDatabase, reason: String) {
        let kept = read_all(db, None).await.unwrap_or_default();
        db.close();
        *self.inner.backend.borrow_mut() = Backend::Closed;
        self.use_memory(kept, reason);
    }

    /// Logs one record and returns its id.
    pub async fn add(&self, record: PredictionRecord) -> Result<u64, LogStoreError> {
        let ids = self.add_all(vec![record]).await?;
        Ok(ids.first().copied().unwrap_or_default())
    }

    /// Logs `records` in one transaction and returns their ids, in order.
    pub async fn add_all(&self, records: Vec<PredictionRecord>) -> Result<Vec<u64>, LogStoreError> {
        let values = records.iter().map(to_js).collect::<Result<Vec<_>, _>>()?;
        if let Some(db) = self.database().await {
            match write_all(&db, &values).await {
                Ok(ids) => {
                    self.changed(Some(MESSAGE_ADDED));
                    return Ok(ids);
                }
                Err(error) => {
                    let reason = format!(
                        "saving to IndexedDB failed ({error}); predictions are now kept in this tab's memory only"
                    );
                    self.fall_back(&db, reason).await;
                }
            }
        }
        let ids = match &mut *self.inner.backend.borrow_mut() {
            Backend::Memory {
                records: log,
                next_id,
                ..
            } => records
                .into_iter()
                .map(|mut record| {
                    let id = *next_id;
                    *next_id += 1;
                    record.id = Some(id);
                    log.push(record);
                    id
                })
                .collect(),
            _ => return Err(LogStoreError::NotOpen),
        };
        self.changed(None);
        Ok(ids)
    }

    /// Every record, oldest first.
    pub async fn all(&self) -> Result<Vec<PredictionRecord>, LogStoreError> {
        self.read(None).await
    }

    /// Every record without its feature values (what the dashboard aggregates), oldest first.
    /// From IndexedDB the first call reads everything; later calls read only newer records.
    pub async fn all_summaries(&self) -> Result<Arc<Vec<PredictionRecord>>, LogStoreError> {
        let Some(db) = self.database().await else {
            return self.read(Some(&SUMMARY_FIELDS)).await.map(Arc::new);
        };
        let after = self.inner.summaries.borrow().as_ref().map(|c| c.last_id);
        let fresh = read_range(&db, after, Some(&SUMMARY_FIELDS)).await?;
        let mut cache = self.inner.summaries.borrow_mut();
        let cache = cache.get_or_insert_with(|| SummaryCache {
            records: Arc::new(Vec::new()),
            last_id: 0,
        });
        // Another call may have extended the cache while this one read: keep only newer ids.
        let last_id = cache.last_id;
        let newer: Vec<PredictionRecord> = fresh
            .into_iter()
            .filter(|record| record.id.is_some_and(|id| id > last_id))
            .collect();
        if let Some(max) = newer.iter().filter_map(|record| record.id).max() {
            cache.last_id = max;
            let mut records = Vec::with_capacity(cache.records.len() + newer.len());
            records.extend(cache.records.iter().cloned());
            records.extend(newer);
            cache.records = Arc::new(records);
        }
        Ok(cache.records.clone())
    }

    async fn read(&self, fields: Option<&[&str]>) -> Result<Vec<PredictionRecord>, LogStoreError> {
        if let Some(db) = self.database().await {
            return read_all(&db, fields).await;
        }
        match &*self.inner.backend.borrow() {
            Backend::Memory { records, .. } => Ok(records
                .iter()
                .map(|record| {
                    let mut record = record.clone();
                    if fields.is_some() {
                        record.features = BTreeMap::new();
                    }
                    record
                })
                .collect()),
            _ => Ok(Vec::new()),
        }
    }

    /// Deletes every record.
    pub async fn clear(&self) -> Result<(), LogStoreError> {
        if let Some(db) = self.database().await {
            let transaction = begin(&db, true).map_err(IdbError::failed("clear"))?;
            transaction
                .object_store(STORE_NAME)
                .and_then(|store| store.clear())
                .map_err(IdbError::failed("clear"))?;
            transaction_done(&transaction)
                .await
                .map_err(IdbError::failed("clear"))?;
            // Keys keep counting up after a clear, so the last id read stays a valid bound.
            if let Some(cache) = &mut *self.inner.summaries.borrow_mut() {
                cache.records = Arc::new(Vec::new());
            }
            self.changed(Some(MESSAGE_CLEARED));
            return Ok(());
        }
        if let Backend::Memory { records, .. } = &mut *self.inner.backend.borrow_mut() {
            records.clear();
        }
        self.changed(None);
        Ok(())
    }

    /// Opens the database now (instead of on first use) so the status is known early.
    pub async fn ready(&self) {
        let _ = self.database().await;
    }
}

/// Adds the values in one strict readwrite transaction; only the commit is awaited.
async fn write_all(db: &IdbDatabase, values: &[JsValue]) -> Result<Vec<u64>, JsError> {
    let transaction = begin(db, true)?;
    let store = transaction.object_store(STORE_NAME)?;
    let mut requests = Vec::with_capacity(values.len());
    for value in values {
        match store.add(value) {
            Ok(request) => requests.push(request),
            Err(error) => {
                let _ = transaction.abort();
                return Err(JsError::from_js(&error));
            }
        }
    }
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

async fn read_all(
    db: &IdbDatabase,
    fields: Option<&[&str]>,
) -> Result<Vec<PredictionRecord>, LogStoreError> {
    read_range(db, None, fields).await
}

/// Records with ids above `after` (all when `None`), oldest first.
async fn read_range(
    db: &IdbDatabase,
    after: Option<u64>,
    fields: Option<&[&str]>,
) -> Result<Vec<PredictionRecord>, LogStoreError> {
    let transaction = begin(db, false).map_err(IdbError::failed("read"))?;
    let store = transaction
        .object_store(STORE_NAME)
        .map_err(IdbError::failed("read"))?;
    let request = match after {
        None => store.get_all(),
        Some(after) => IdbKeyRange::lower_bound_with_open(&JsValue::from_f64(after as f64), true)
            .and_then(|range| store.get_all_with_key(&range)),
    }
    .map_err(IdbError::failed("read"))?;
    let values = request_done(&request)
        .await
        .map_err(IdbError::failed("read"))?;
    from_js(&values, fields)
}

/// Whether the browser promised to keep this origin's storage (`None` when it cannot say).
async fn query_persisted() -> Option<bool> {
    let promise = web_sys::window()?.navigator().storage().persisted().ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}

/// Asks the browser to keep this origin's storage; returns whether it agreed.
pub async fn request_persistence() -> Option<bool> {
    let promise = web_sys::window()?.navigator().storage().persist().ok()?;
    JsFuture::from(promise).await.ok()?.as_bool()
}

/// Bytes used and available for this origin, per `navigator.storage.estimate()`.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let promise = web_sys::window()?.navigator().storage().estimate().ok()?;
    let estimate: web_sys::StorageEstimate = JsFuture::from(promise).await.ok()?.unchecked_into();
    Some((estimate.get_usage()?, estimate.get_quota()?))
}

/// The log with reactive status and revision, shared by every page through context.
#[derive(Clone, Copy)]
pub struct LogStoreHandle {
    store: StoredValue<LogStore, LocalStorage>,
    status: RwSignal<StorageStatus>,
    revision: RwSignal<u64>,
    last_error: RwSignal<Option<String>>,
}

impl LogStoreHandle {
    /// Wraps `store`, keeping the signals in step with it.
    pub fn new(store: LogStore) -> LogStoreHandle {
        let handle = LogStoreHandle {
            store: StoredValue::new_local(store.clone()),
            status: RwSignal::new(store.status()),
            revision: RwSignal::new(0),
            last_error: RwSignal::new(None),
        };
        let (status, revision) = (handle.status, handle.revision);
        let watched = store.clone();
        store.on_local_change(move || {
            status.try_set(watched.status());
            revision.try_update(|value| *value += 1);
        });
        store.on_remote_change(move || {
            revision.try_update(|value| *value += 1);
        });
        handle
    }

    fn store(&self) -> LogStore {
        self.store.get_value()
    }

    fn report<T>(&self, result: Result<T, LogStoreError>) -> Result<T, LogStoreError> {
        if let Err(error) = &result {
            self.last_error.set(Some(full_message(error)));
        }
        result
    }

    pub async fn add(&self, record: PredictionRecord) -> Result<u64, LogStoreError> {
        let result = self.store().add(record).await;
        self.report(result)
    }

    /// Logs `records` in one transaction.
    pub async fn add_many(&self, records: Vec<PredictionRecord>) -> Result<(), LogStoreError> {
        let result = self.store().add_all(records).await.map(|_| ());
        self.report(result)
    }

    pub async fn all(&self) -> Result<Vec<PredictionRecord>, LogStoreError> {
        self.store().all().await
    }

    /// Every record without feature values, cached and shared: cheap at 100k records.
    pub async fn all_summaries(&self) -> Result<Arc<Vec<PredictionRecord>>, LogStoreError> {
        self.store().all_summaries().await
    }

    pub async fn clear(&self) -> Result<(), LogStoreError> {
        let result = self.store().clear().await;
        self.report(result)
    }

    pub fn status(&self) -> Signal<StorageStatus> {
        self.status.into()
    }

    /// Bumps on every write, here or in another tab.
    pub fn revision(&self) -> Signal<u64> {
        self.revision.into()
    }

    /// The last failed operation's message, until dismissed.
    pub fn last_error(&self) -> Signal<Option<String>> {
        self.last_error.into()
    }

    pub fn dismiss_error(&self) {
        self.last_error.set(None);
    }
}

/// Creates the app's log and shares it; call once at the app root.
pub fn provide_log_store() {
    let handle = LogStoreHandle::new(LogStore::open_default());
    let store = handle.store();
    // Open early so the status is known, and warm the dashboard's cache in the background.
    leptos::task::spawn_local(async move {
        store.ready().await;
        let _ = store.all_summaries().await;
    });
    provide_context(handle);
}

/// The app's log (a fresh in-memory-capable one if the root did not provide it).
pub fn use_log_store() -> LogStoreHandle {
    use_context::<LogStoreHandle>().unwrap_or_else(|| {
        provide_log_store();
        expect_context::<LogStoreHandle>()
    })
}
