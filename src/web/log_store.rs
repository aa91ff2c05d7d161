//! The prediction log in the browser: IndexedDB when the browser allows it, an in-memory log
//! (with a visible banner) when it does not.
//!
//! Rules this module keeps: one readwrite transaction per write, with durability "strict",
//! holding the records, their feature values (apart, in `features`), the dashboard's buckets
//! (read, merged with the write's `BucketDelta`, put back) and the feature-name union; nothing
//! but IndexedDB requests inside a transaction (follow-up requests are issued from the previous
//! request's success handler, only the transaction's end is awaited); a schema version with an
//! upgrade path (`log_schema`); the connection closes when another tab upgrades the schema.
//!
//! Nothing here reads the whole log: the dashboard reads the buckets (a few hundred small
//! records), one page of recent predictions through the time index, newest first, and exports
//! walk the log a page at a time into a Blob.
//!
//! A write that fails is retried once; if it fails again its records are kept in this tab's
//! memory and the caller gets `NotStored` with how many. The memory log holds only what was
//! written since then (it never copies the stored log), and every later write first tries
//! IndexedDB again: when it works, the memory records are written there and the log is back in
//! IndexedDB. Until then every write kept in memory is reported as `NotStored` too (it would be
//! lost when the tab closes), and so is every write after another tab has taken the database to
//! a newer schema; only a log that never could open IndexedDB (blocked storage, no IndexedDB)
//! lives in memory without an error per write, its banner saying so. Writes of one store take
//! turns (`WriteTurns`): a recovery runs once, never once per concurrent write, so no record is
//! written twice. Batch runs started in memory get ids no stored run can have, and their rows
//! go to IndexedDB as plain records once it works again. A chunk whose run is gone (the log was
//! cleared, perhaps in another tab) is refused as `RunCleared`, never replayed. Clear clears
//! memory and IndexedDB alike. Other tabs learn about writes through a BroadcastChannel.
//!
//! `LogStore` is the plain (non-reactive) store, tested in a real browser; `LogStoreHandle`
//! wraps it with Leptos signals for the pages.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Object, Reflect, JSON};
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    BroadcastChannel, Event, IdbCursorDirection, IdbDatabase, IdbFactory, IdbKeyRange,
    IdbTransaction, IdbTransactionMode, MessageEvent,
};

use crate::browser::js_error::{full_message, JsError};
use crate::prediction_log::{
    buckets_of, BatchChunk, BatchRun, Bucket, BucketDelta, CsvExport, Filter, JsonExport,
    PredictionRecord, RunEnd, RunState, Source,
};
use crate::web::idb::{self, request_done, then_in, transaction_done, walk_cursor, IdbError};
use crate::web::log_schema::{
    bucket_from_js, bucket_to_js, chunk_from_js, chunk_key, chunk_to_js, names_from_js,
    names_to_js, run_from_js, run_to_js, upgrade, ALL_STORES, BUCKETS_STORE, CHUNKS_STORE,
    FEATURES_STORE, META_FEATURE_NAMES, META_STORE, RUNS_STORE,
};
pub use crate::web::log_schema::{
    DATABASE_NAME, INDEX_CREATED_AT, INDEX_MODEL, SCHEMA_VERSION, STORE_NAME,
};

/// Records (or chunks' rows, roughly) read per step of an export.
pub const EXPORT_PAGE: u32 = 2000;
/// Chunks read per step of an export.
const EXPORT_CHUNK_PAGE: u32 = 16;

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
    #[error("a stored {what} could not be read back: {reason}")]
    Damaged { what: &'static str, reason: String },
    #[error("{count} predictions were not saved to IndexedDB; they are kept in this tab's memory only and are lost when it closes")]
    NotStored {
        count: u64,
        #[source]
        cause: JsError,
    },
    #[error("batch run {0} is not in the log")]
    UnknownRun(u64),
    #[error("batch run {0} is no longer in the log (it was cleared, perhaps in another tab): its later rows are not logged")]
    RunCleared(u64),
    #[error(transparent)]
    ChunkShape(#[from] crate::prediction_log::ChunkShapeError),
    #[error("the export could not be assembled")]
    Export(#[source] JsError),
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

/// Where a page of recent predictions starts: at predictions made at `at_ms` or earlier,
/// after skipping the first `skip` of those made exactly at `at_ms` (newest first; within one
/// millisecond, logged records by id, then batch rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentPosition {
    pub at_ms: i64,
    pub skip: usize,
}

/// One page of recent predictions (light: no feature values) and where the next one starts
/// (`None` after the last).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecentPage {
    pub records: Vec<PredictionRecord>,
    pub next: Option<RecentPosition>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv",
            ExportFormat::Json => "application/json",
        }
    }
}

/// An export: the file and how many predictions it holds.
#[derive(Debug, Clone)]
pub struct Export {
    pub blob: web_sys::Blob,
    pub rows: u64,
}

/// What `walk` hands over at each step: logged records, or one batch chunk with its run (left
/// in columns, so an export can write it without a record per row).
enum Page<'a> {
    Records(Vec<PredictionRecord>),
    Chunk(&'a BatchRun, BatchChunk),
}

/// Bytes of an export held as parts before they are folded into the Blob built so far.
const EXPORT_FOLD_BYTES: usize = 8 << 20;

/// A Blob assembled from many pieces of text without holding them all in the page.
struct BlobBuilder {
    mime: &'static str,
    built: Option<web_sys::Blob>,
    parts: Array,
    pending_bytes: usize,
}

impl BlobBuilder {
    fn new(mime: &'static str) -> BlobBuilder {
        BlobBuilder {
            mime,
            built: None,
            parts: Array::new(),
            pending_bytes: 0,
        }
    }

    fn push(&mut self, text: &str) -> Result<(), LogStoreError> {
        self.parts.push(&js_sys::Uint8Array::from(text.as_bytes()));
        self.pending_bytes += text.len();
        if self.pending_bytes >= EXPORT_FOLD_BYTES {
            self.fold()?;
        }
        Ok(())
    }

    fn fold(&mut self) -> Result<(), LogStoreError> {
        let parts = std::mem::replace(&mut self.parts, Array::new());
        if let Some(built) = self.built.take() {
            parts.unshift(&built);
        }
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(self.mime);
        let blob = web_sys::Blob::new_with_blob_sequence_and_options(&parts, &options)
            .map_err(|error| LogStoreError::Export(JsError::from_js(&error)))?;
        self.built = Some(blob);
        self.pending_bytes = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<web_sys::Blob, LogStoreError> {
        self.fold()?;
        Ok(self.built.take().expect("fold leaves a Blob"))
    }
}

/// Opens a transaction on `stores`. Writes ask for durability "strict" (through `Reflect`
/// because web-sys keeps the options argument behind an unstable flag).
fn begin(db: &IdbDatabase, stores: &[&str], write: bool) -> Result<IdbTransaction, JsValue> {
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

fn check(record: &PredictionRecord) -> Result<(), LogStoreError> {
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
fn to_js(record: &PredictionRecord) -> Result<(JsValue, JsValue), LogStoreError> {
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
fn from_js(values: &JsValue) -> Result<Vec<PredictionRecord>, LogStoreError> {
    let text: String = JSON::stringify(values)
        .map_err(IdbError::failed("reading records"))?
        .into();
    serde_json::from_str(&text).map_err(|source| LogStoreError::Corrupt(Rc::new(source)))
}

/// Stored feature values back (a JS array of objects by name).
fn features_from_js(values: &JsValue) -> Result<Vec<BTreeMap<String, Option<f64>>>, LogStoreError> {
    let text: String = JSON::stringify(values)
        .map_err(IdbError::failed("reading feature values"))?
        .into();
    serde_json::from_str(&text).map_err(|source| LogStoreError::Corrupt(Rc::new(source)))
}

/// Ids of batch runs started while the log is in memory count from here: IndexedDB's own run ids
/// (1, 2, ...) never reach it, so a run started in memory can never be mistaken for a stored
/// one when the log is back in IndexedDB.
pub const MEMORY_RUN_IDS: u64 = 1 << 40;

/// What the log holds in this tab's memory while IndexedDB is unusable: only what was written
/// since (never a copy of the stored log).
#[derive(Default)]
struct MemoryLog {
    records: Vec<PredictionRecord>,
    runs: BTreeMap<u64, BatchRun>,
    next_id: u64,
    next_run_id: u64,
}

impl MemoryLog {
    fn push(&mut self, records: Vec<PredictionRecord>) -> Vec<u64> {
        records
            .into_iter()
            .map(|mut record| {
                self.next_id += 1;
                record.id = Some(self.next_id);
                self.records.push(record);
                self.next_id
            })
            .collect()
    }
}

enum Backend {
    /// Not open yet, or closed because another tab upgraded the schema.
    Closed,
    IndexedDb(IdbDatabase),
    Memory {
        log: MemoryLog,
        reason: String,
        /// Why writes kept here are lost records (a failed write, a database another tab took
        /// to a newer schema); `None` when memory is where this log lives (no IndexedDB).
        lost: Option<JsError>,
    },
}

/// Writes of one store take turns: each waits for the one before it to end.
#[derive(Default)]
struct WriteTurns {
    busy: Cell<bool>,
    waiting: RefCell<std::collections::VecDeque<Rc<crate::browser::mailbox::Mailbox<()>>>>,
}

/// The current write's turn; the next waiting write goes when it is dropped.
struct Turn<'a>(&'a WriteTurns);

impl WriteTurns {
    async fn take(&self) -> Turn<'_> {
        if self.busy.replace(true) {
            let signal = Rc::new(crate::browser::mailbox::Mailbox::new());
            self.waiting.borrow_mut().push_back(Rc::clone(&signal));
            signal.take().await;
        }
        Turn(self)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        // The turn passes straight to the next write (still busy), or the store is idle.
        match self.0.waiting.borrow_mut().pop_front() {
            Some(next) => next.post(()),
            None => self.0.busy.set(false),
        }
    }
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
    /// Batch runs written or read here, by id (a chunk's buckets need its run).
    runs: RefCell<BTreeMap<u64, BatchRun>>,
    /// For tests: how many of the next IndexedDB writes to abort.
    failing_writes: Cell<u32>,
    turns: WriteTurns,
    /// Whether IndexedDB was open once in this store (a later failure to reopen it loses writes).
    was_open: Cell<bool>,
}

/// The prediction log: IndexedDB, or memory when IndexedDB is unavailable or failed.
#[derive(Clone)]
pub struct LogStore {
    inner: Rc<Inner>,
}

/// A write, so it can be retried and, failing that, kept in memory.
enum Write {
    Records(Vec<PredictionRecord>),
    Run(BatchRun),
    Chunk(BatchChunk, BatchRun),
    /// How run `0` ended.
    RunEnd(u64, RunEnd),
}

impl Write {
    fn count(&self) -> u64 {
        match self {
            Write::Records(records) => records.len() as u64,
            Write::Run(_) | Write::RunEnd(..) => 0,
            Write::Chunk(chunk, _) => chunk.len() as u64,
        }
    }
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
            runs: RefCell::new(BTreeMap::new()),
            failing_writes: Cell::new(0),
            turns: WriteTurns::default(),
            was_open: Cell::new(false),
        });
        if let Some(channel) = &inner.channel {
            let weak: Weak<Inner> = Rc::downgrade(&inner);
            let closure = Closure::<dyn Fn(MessageEvent)>::new(move |_: MessageEvent| {
                let Some(inner) = weak.upgrade() else { return };
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

    /// For tests of the failure path: the next `count` IndexedDB writes abort (as a full disk
    /// or a browser bug would make them).
    pub fn fail_next_writes(&self, count: u32) {
        self.inner.failing_writes.set(count);
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

    /// Moves to memory (keeping the memory log if already there) and says why; `lost`: why the
    /// writes kept there are not saved (see `Backend::Memory`).
    fn use_memory(&self, reason: String, lost: Option<JsError>) {
        let mut backend = self.inner.backend.borrow_mut();
        if let Backend::IndexedDb(db) = &*backend {
            db.close();
        }
        match &mut *backend {
            Backend::Memory { lost: kept, .. } => {
                if kept.is_none() {
                    *kept = lost;
                }
            }
            _ => {
                *backend = Backend::Memory {
                    log: MemoryLog::default(),
                    reason,
                    lost,
                }
            }
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
                self.use_database(db.clone());
                Some(db)
            }
            Err(error) => {
                // Once open here, a failure to reopen (another tab took the database to a newer
                // schema) means later writes are lost, not that this log lives in memory.
                let lost = self
                    .inner
                    .was_open
                    .get()
                    .then(|| JsError::new(&full_message(&error)));
                self.use_memory(full_message(&error), lost);
                self.changed(None);
                None
            }
        }
    }

    fn use_database(&self, db: IdbDatabase) {
        *self.inner.backend.borrow_mut() = Backend::IndexedDb(db);
        self.inner.was_open.set(true);
        self.changed(None);
        // Whether the browser will keep the data is known a little later; no operation waits
        // for it.
        let store = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let persisted = query_persisted().await;
            store.inner.persisted.replace(persisted);
            store.changed(None);
        });
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

    /// In memory after a failure: tries IndexedDB again and, when it works, writes the memory
    /// log there and goes back to it. Quiet when it does not work (the log stays in memory).
    async fn try_recover(&self) {
        if self.inner.factory.is_none() || !matches!(self.status(), StorageStatus::Memory { .. }) {
            return;
        }
        let Ok(db) = self.connect().await else { return };
        let pending = match &*self.inner.backend.borrow() {
            Backend::Memory { log, .. } => log.records.clone(),
            _ => {
                db.close();
                return;
            }
        };
        let Ok(values) = pending.iter().map(to_js).collect::<Result<Vec<_>, _>>() else {
            db.close();
            return;
        };
        if write_records(&db, &values, &pending, &self.inner.failing_writes)
            .await
            .is_ok()
        {
            self.use_database(db);
        } else {
            db.close();
        }
    }

    /// Writes `write` to IndexedDB, retrying once; a second failure keeps it in memory and
    /// reports how many predictions were not stored. One write at a time (`WriteTurns`).
    async fn write(&self, write: Write) -> Result<Vec<u64>, LogStoreError> {
        let _turn = self.inner.turns.take().await;
        self.try_recover().await;
        let mut failure = None;
        for _attempt in 0..2 {
            let Some(db) = self.database().await else {
                break;
            };
            match self.write_to(&db, &write).await {
                Ok(ids) => {
                    self.changed(Some(MESSAGE_ADDED));
                    return Ok(ids);
                }
                Err(WriteFailure::RunGone(run_id)) => {
                    self.inner.runs.borrow_mut().remove(&run_id);
                    return Err(LogStoreError::RunCleared(run_id));
                }
                Err(WriteFailure::Js(error)) => failure = Some(error),
            }
        }
        if let Some(cause) = &failure {
            self.use_memory(
                format!(
                    "saving to IndexedDB failed ({cause}); predictions are now kept in this tab's memory only"
                ),
                Some(cause.clone()),
            );
        }
        let count = write.count();
        let ids = self.write_to_memory(write)?;
        self.changed(None);
        let lost = match &*self.inner.backend.borrow() {
            Backend::Memory { lost, .. } => lost.clone(),
            _ => None,
        };
        // A run's record alone holds no prediction: nothing is lost until its rows come.
        match failure.or(lost.filter(|_| count > 0)) {
            Some(cause) => Err(LogStoreError::NotStored { count, cause }),
            None => Ok(ids),
        }
    }

    async fn write_to(&self, db: &IdbDatabase, write: &Write) -> Result<Vec<u64>, WriteFailure> {
        let failing = &self.inner.failing_writes;
        let records_of = |records: &[PredictionRecord]| {
            records
                .iter()
                .map(to_js)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| JsError::new(&error.to_string()))
        };
        match write {
            Write::Records(records) => {
                let values = records_of(records)?;
                Ok(write_records(db, &values, records, failing).await?)
            }
            Write::Run(run) => Ok(write_run(db, run, failing).await.map(|id| vec![id])?),
            // A run started while the log was in memory has no record in IndexedDB: its rows
            // go there as plain records.
            Write::Chunk(chunk, run) if chunk.run_id >= MEMORY_RUN_IDS => {
                let records = chunk
                    .records(run)
                    .map_err(|error| JsError::new(&error.to_string()))?;
                let values = records_of(&records)?;
                write_records(db, &values, &records, failing).await?;
                Ok(Vec::new())
            }
            Write::Chunk(chunk, run) => write_chunk(db, chunk, run, failing)
                .await
                .map(|()| Vec::new()),
            // A run started in memory has no record here to mark.
            Write::RunEnd(run_id, _) if *run_id >= MEMORY_RUN_IDS => Ok(Vec::new()),
            Write::RunEnd(run_id, end) => write_run_end(db, *run_id, *end, failing)
                .await
                .map(|()| Vec::new()),
        }
    }

    fn write_to_memory(&self, write: Write) -> Result<Vec<u64>, LogStoreError> {
        let mut backend = self.inner.backend.borrow_mut();
        let Backend::Memory { log, .. } = &mut *backend else {
            return Err(LogStoreError::NotOpen);
        };
        Ok(match write {
            Write::Records(records) => log.push(records),
            Write::Run(mut run) => {
                log.next_run_id += 1;
                let run_id = MEMORY_RUN_IDS + log.next_run_id;
                run.run_id = Some(run_id);
                log.runs.insert(run_id, run);
                vec![run_id]
            }
            Write::Chunk(chunk, run) => {
                let records = chunk.records(&run)?;
                log.push(records)
            }
            Write::RunEnd(run_id, end) => {
                if let Some(run) = log.runs.get_mut(&run_id) {
                    run.ended = Some(end);
                }
                Vec::new()
            }
        })
    }

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
    async fn run(&self, run_id: u64) -> Result<BatchRun, LogStoreError> {
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
    async fn runs(&self) -> Result<BTreeMap<u64, BatchRun>, LogStoreError> {
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

    /// The predictions `filter` selects as a CSV or JSON file, written a page at a time into a
    /// Blob: each page's text becomes bytes, and every `EXPORT_FOLD_BYTES` the pending bytes are
    /// folded into the Blob built so far, so the page holds a few megabytes of the export at any
    /// time (the Blob's contents live in the browser's blob storage, not in this page's heap).
    pub async fn export(
        &self,
        format: ExportFormat,
        filter: &Filter,
    ) -> Result<Export, LogStoreError> {
        let csv = CsvExport::new(self.feature_names().await?);
        let mut json = JsonExport::default();
        let mut file = BlobBuilder::new(format.mime());
        match format {
            ExportFormat::Csv => file.push(&csv.header()),
            ExportFormat::Json => file.push(JsonExport::open()),
        }?;
        let mut rows = 0u64;
        let mut emit = |page: Page<'_>| -> Result<(), LogStoreError> {
            let mut out = String::new();
            match page {
                // Batch rows go to the CSV straight from the chunk's columns.
                Page::Chunk(run, chunk) if format == ExportFormat::Csv => {
                    if !filter.matches_chunk(run, &chunk) {
                        return Ok(());
                    }
                    rows += chunk.len() as u64;
                    csv.push_chunk_rows(run, &chunk, &mut out)?;
                }
                page => {
                    let records = match page {
                        Page::Records(records) => records,
                        Page::Chunk(run, chunk) => chunk.records(run)?,
                    };
                    let selected: Vec<PredictionRecord> =
                        records.into_iter().filter(|r| filter.matches(r)).collect();
                    rows += selected.len() as u64;
                    match format {
                        ExportFormat::Csv => csv.push_rows(&selected, &mut out),
                        ExportFormat::Json => json.push_rows(&selected, &mut out),
                    }
                }
            }
            if out.is_empty() {
                return Ok(());
            }
            file.push(&out)
        };
        self.walk(&mut emit).await?;
        if format == ExportFormat::Json {
            file.push(json.close())?;
        }
        Ok(Export {
            blob: file.finish()?,
            rows,
        })
    }

    /// Every record with its feature values, in pages: logged records by id, then batch rows
    /// by run and chunk.
    async fn walk(
        &self,
        emit: &mut dyn FnMut(Page<'_>) -> Result<(), LogStoreError>,
    ) -> Result<(), LogStoreError> {
        let Some(db) = self.database().await else {
            let records = match &*self.inner.backend.borrow() {
                Backend::Memory { log, .. } => log.records.clone(),
                _ => Vec::new(),
            };
            for page in records.chunks(EXPORT_PAGE as usize) {
                emit(Page::Records(page.to_vec()))?;
            }
            return Ok(());
        };
        let mut after: Option<f64> = None;
        loop {
            let (records, last) = read_record_page(&db, after).await?;
            let full = records.len() == EXPORT_PAGE as usize;
            emit(Page::Records(records))?;
            match last {
                Some(last) if full => after = Some(last),
                _ => break,
            }
        }
        let mut runs = self.runs().await?;
        let mut after: Option<JsValue> = None;
        loop {
            let (chunks, last) = read_chunk_page(&db, after.as_ref()).await?;
            let full = chunks.len() == EXPORT_CHUNK_PAGE as usize;
            for chunk in chunks {
                // A run started (in another tab) since the walk began: its record is there too.
                if !runs.contains_key(&chunk.run_id) {
                    runs = self.runs().await?;
                }
                let run = runs
                    .get(&chunk.run_id)
                    .ok_or(LogStoreError::UnknownRun(chunk.run_id))?;
                emit(Page::Chunk(run, chunk))?;
            }
            match last {
                Some(last) if full => after = Some(last),
                _ => break,
            }
        }
        Ok(())
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

    /// Deletes every record: in memory and in IndexedDB (opening it if the log was in memory,
    /// so a cleared log stays cleared after a reload).
    pub async fn clear(&self) -> Result<(), LogStoreError> {
        let _turn = self.inner.turns.take().await;
        let in_memory = matches!(self.status(), StorageStatus::Memory { .. });
        if let Backend::Memory { log, .. } = &mut *self.inner.backend.borrow_mut() {
            log.records.clear();
            log.runs.clear();
        }
        self.inner.runs.borrow_mut().clear();
        let db = if in_memory {
            match self.inner.factory {
                Some(_) => self.connect().await.ok(),
                None => None,
            }
        } else {
            self.database().await
        };
        let Some(db) = db else {
            self.changed(None);
            return Ok(());
        };
        let cleared = clear_all(&db).await;
        match cleared {
            Ok(()) => {
                if in_memory {
                    // IndexedDB works again: go back to it.
                    self.use_database(db);
                }
                self.changed(Some(MESSAGE_CLEARED));
                Ok(())
            }
            Err(error) => {
                if in_memory {
                    db.close();
                }
                Err(error.into())
            }
        }
    }

    /// Opens the database now (instead of on first use) so the status is known early.
    pub async fn ready(&self) {
        let _ = self.database().await;
    }
}

async fn clear_all(db: &IdbDatabase) -> Result<(), IdbError> {
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

/// Aborts `transaction` when a test asked for failing writes.
fn maybe_fail(transaction: &IdbTransaction, failing: &Cell<u32>) {
    if failing.get() > 0 {
        failing.set(failing.get() - 1);
        let _ = transaction.abort();
    }
}

/// Merges `delta` into the stored buckets and `names` into the stored feature-name union,
/// inside `transaction` (each a read, then a put from the read's success handler).
fn merge_aggregates(
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
                let mut existing = bucket_from_js(&stored).map_err(|e| JsValue::from_str(&e))?;
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
async fn write_records(
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
async fn write_run(db: &IdbDatabase, run: &BatchRun, failing: &Cell<u32>) -> Result<u64, JsError> {
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
async fn write_run_end(
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
        let mut run = run_from_js(&stored).map_err(|e| JsValue::from_str(&e))?;
        run.ended = Some(end);
        runs.put(&run_to_js(&run)?).map(|_| ())
    });
    maybe_fail(&transaction, failing);
    Ok(transaction_done(&transaction).await?)
}

/// Adds a chunk (columns, and its values in `features`), counts it in the buckets and in its
/// run's totals, in one transaction.
async fn write_chunk(
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
            let mut stored = run_from_js(&stored).map_err(|e| JsValue::from_str(&e))?;
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

/// Why a write to IndexedDB failed.
enum WriteFailure {
    Js(JsError),
    /// The chunk's run is not in the store (cleared since it started).
    RunGone(u64),
}

impl From<JsError> for WriteFailure {
    fn from(error: JsError) -> Self {
        WriteFailure::Js(error)
    }
}

impl From<JsValue> for WriteFailure {
    fn from(error: JsValue) -> Self {
        WriteFailure::Js(JsError::from_js(&error))
    }
}

/// Every value of a small store (buckets, runs).
async fn read_all_of(db: &IdbDatabase, store: &'static str) -> Result<Array, LogStoreError> {
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
fn time_range(from: Option<i64>, upper: Option<i64>) -> Result<Option<IdbKeyRange>, LogStoreError> {
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
async fn walk_newest(
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
fn field_in(value: &JsValue, name: &str, allowed: &[String]) -> bool {
    allowed.is_empty()
        || Reflect::get(value, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
            .is_some_and(|text| allowed.contains(&text))
}

/// Up to `need` logged records (light) that `filter` selects, newest first.
async fn recent_records(
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
async fn recent_batch_rows(
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

/// Merges logged records and batch rows (each newest first) and cuts the page at `position`.
fn page_of(
    logged: Vec<PredictionRecord>,
    batch: Vec<PredictionRecord>,
    position: Option<RecentPosition>,
    limit: usize,
) -> RecentPage {
    let mut merged = Vec::with_capacity(logged.len() + batch.len());
    let (mut logged, mut batch) = (logged.into_iter().peekable(), batch.into_iter().peekable());
    loop {
        let take_logged = match (logged.peek(), batch.peek()) {
            (Some(a), Some(b)) => a.created_at_ms >= b.created_at_ms,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_logged {
            logged.next()
        } else {
            batch.next()
        };
        merged.extend(next);
    }
    let skip = position.map_or(0, |p| p.skip);
    let end = (skip + limit).min(merged.len());
    let records: Vec<PredictionRecord> =
        merged.get(skip..end).map(<[_]>::to_vec).unwrap_or_default();
    let next = (records.len() == limit).then(|| {
        let at_ms = records.last().map_or(i64::MIN, |r| r.created_at_ms);
        RecentPosition {
            at_ms,
            skip: merged[..end]
                .iter()
                .filter(|r| r.created_at_ms == at_ms)
                .count(),
        }
    });
    RecentPage { records, next }
}

/// The next page of logged records (ids above `after`) with their feature values, and the
/// last id read.
async fn read_record_page(
    db: &IdbDatabase,
    after: Option<f64>,
) -> Result<(Vec<PredictionRecord>, Option<f64>), LogStoreError> {
    let transaction =
        begin(db, &[STORE_NAME, FEATURES_STORE], false).map_err(IdbError::failed("read"))?;
    let range: JsValue = match after {
        None => IdbKeyRange::lower_bound(&JsValue::from_f64(0.0)),
        Some(after) => IdbKeyRange::lower_bound_with_open(&JsValue::from_f64(after), true),
    }
    .map_err(IdbError::failed("read"))?
    .into();
    let records = transaction
        .object_store(STORE_NAME)
        .and_then(|store| store.get_all_with_key_and_limit(&range, EXPORT_PAGE))
        .map_err(IdbError::failed("read"))?;
    let features = transaction
        .object_store(FEATURES_STORE)
        .map_err(IdbError::failed("read"))?;
    let values = features
        .get_all_with_key_and_limit(&range, EXPORT_PAGE)
        .map_err(IdbError::failed("read"))?;
    let keys = features
        .get_all_keys_with_key_and_limit(&range, EXPORT_PAGE)
        .map_err(IdbError::failed("read"))?;
    let (records, values, keys) = (
        request_done(&records),
        request_done(&values),
        request_done(&keys),
    );
    let records = records.await.map_err(IdbError::failed("read"))?;
    let values = values.await.map_err(IdbError::failed("read"))?;
    let keys: Array = keys
        .await
        .map_err(IdbError::failed("read"))?
        .unchecked_into();
    let mut records = from_js(&records)?;
    let values = features_from_js(&values_numbered(&values, &keys))?;
    let by_id: BTreeMap<u64, BTreeMap<String, Option<f64>>> = keys
        .iter()
        .filter_map(|key| key.as_f64())
        .map(|key| key as u64)
        .zip(values)
        .collect();
    for record in &mut records {
        if let Some(values) = record.id.and_then(|id| by_id.get(&id)) {
            record.features = values.clone();
        }
    }
    let last = records.last().and_then(|r| r.id).map(|id| id as f64);
    Ok((records, last))
}

/// The feature-value objects whose keys are record ids (chunk values, under array keys, are
/// left out), in key order.
fn values_numbered(values: &JsValue, keys: &Array) -> JsValue {
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
fn decode_chunk(value: &JsValue, values: &JsValue) -> Result<BatchChunk, LogStoreError> {
    chunk_from_js(value, values).map_err(|reason| LogStoreError::Damaged {
        what: "batch chunk",
        reason,
    })
}

/// The next page of batch chunks (keys above `after`) with their values, and the last key read.
async fn read_chunk_page(
    db: &IdbDatabase,
    after: Option<&JsValue>,
) -> Result<(Vec<BatchChunk>, Option<JsValue>), LogStoreError> {
    let transaction =
        begin(db, &[CHUNKS_STORE, FEATURES_STORE], false).map_err(IdbError::failed("read"))?;
    let range: JsValue = match after {
        None => JsValue::NULL,
        Some(after) => IdbKeyRange::lower_bound_with_open(after, true)
            .map_err(IdbError::failed("read"))?
            .into(),
    };
    let request = transaction
        .object_store(CHUNKS_STORE)
        .and_then(|store| store.get_all_with_key_and_limit(&range, EXPORT_CHUNK_PAGE))
        .map_err(IdbError::failed("read"))?;
    let stored: Array = request_done(&request)
        .await
        .map_err(IdbError::failed("read"))?
        .unchecked_into();
    let mut chunks = Vec::with_capacity(stored.length() as usize);
    let mut last = None;
    for value in stored.iter() {
        let head = decode_chunk(&value, &JsValue::UNDEFINED)?;
        let key = chunk_key(head.run_id, head.index);
        // One small read per chunk, in a transaction of its own (the previous one may have
        // ended while the page was decoded).
        let read = begin(db, &[FEATURES_STORE], false)
            .and_then(|t| t.object_store(FEATURES_STORE))
            .and_then(|store| store.get(&key))
            .map_err(IdbError::failed("read"))?;
        let values = request_done(&read)
            .await
            .map_err(IdbError::failed("read"))?;
        let chunk = decode_chunk(&value, &values)?;
        last = Some(key);
        chunks.push(chunk);
    }
    Ok((chunks, last))
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

    /// The IndexedDB database name this log uses (a run's lock is named after it).
    pub fn database_name(&self) -> String {
        self.store().database_name()
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

    /// Logs the start of a batch run; its rows follow with `add_batch_chunk`.
    pub async fn add_batch_run(&self, run: BatchRun) -> Result<u64, LogStoreError> {
        let result = self.store().add_batch_run(run).await;
        self.report(result)
    }

    /// Logs a chunk of a batch run's rows, compactly, counted in every aggregate.
    pub async fn add_batch_chunk(&self, chunk: BatchChunk) -> Result<(), LogStoreError> {
        let result = self.store().add_batch_chunk(chunk).await;
        self.report(result)
    }

    /// Records how a batch run ended.
    pub async fn end_batch_run(&self, run_id: u64, end: RunEnd) -> Result<(), LogStoreError> {
        let result = self.store().end_batch_run(run_id, end).await;
        self.report(result)
    }

    /// Every batch run with its state, newest first.
    pub async fn batch_runs(&self) -> Result<Vec<(BatchRun, RunState)>, LogStoreError> {
        self.store().batch_runs().await
    }

    /// The dashboard's buckets (`summarize_buckets` turns them into its numbers).
    pub async fn buckets(&self) -> Result<Vec<Bucket>, LogStoreError> {
        self.store().buckets().await
    }

    /// A page of recent predictions, newest first.
    pub async fn recent(
        &self,
        filter: &Filter,
        position: Option<RecentPosition>,
        limit: usize,
    ) -> Result<RecentPage, LogStoreError> {
        self.store().recent(filter, position, limit).await
    }

    /// The selected predictions as a file, built a page at a time.
    pub async fn export(
        &self,
        format: ExportFormat,
        filter: &Filter,
    ) -> Result<Export, LogStoreError> {
        let result = self.store().export(format, filter).await;
        self.report(result)
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

/// Creates the app's log and shares it; call once at the app root. Nothing is opened or read
/// here: a page's first use opens the database, and `warm_up_log_store` opens it for the
/// storage banner once the first result is on screen.
pub fn provide_log_store() {
    let handle = LogStoreHandle::new(LogStore::open_default());
    provide_context(handle);
}

/// Opens the log's database ahead of its first use (so the storage status is known early),
/// once the first result is on screen: opening IndexedDB is off the first probability's path
/// (with 1,000,000 logged predictions, opening it at app start made the Predict page's first
/// probability 2.7x later than with an empty log).
pub fn warm_up_log_store() {
    let store = use_log_store().store();
    crate::web::after_paint::after_model_settles(move || {
        leptos::task::spawn_local(async move {
            store.ready().await;
        });
    });
}

/// The app's log (a fresh in-memory-capable one if the root did not provide it).
pub fn use_log_store() -> LogStoreHandle {
    use_context::<LogStoreHandle>().unwrap_or_else(|| {
        provide_log_store();
        expect_context::<LogStoreHandle>()
    })
}
