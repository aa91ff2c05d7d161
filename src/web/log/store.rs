//! Where the log lives right now and how it gets there: the IndexedDB connection (opened on
//! first use, closed when another tab upgrades the schema), the memory backend when IndexedDB is
//! unusable, and the write policy between them: one retry, then memory with `NotStored`, every
//! later write first trying IndexedDB again and, when it works, writing the memory records there
//! once (writes take turns, so no recovery runs twice). Other tabs hear of writes and clears
//! through a BroadcastChannel.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, Event, IdbDatabase, IdbFactory, MessageEvent};

use super::codec::to_js;
use super::error::{LogStoreError, WriteFailure};
use super::memory::{MemoryLog, MEMORY_RUN_IDS};
use super::schema::{upgrade, DATABASE_NAME, SCHEMA_VERSION};
use super::transactions::{clear_all, write_chunk, write_records, write_run, write_run_end};
use crate::batch::RunQuality;
use crate::browser::js_error::{full_message, JsError};
use crate::monitoring::sketch::SketchBins;
use crate::prediction_log::{BatchChunk, BatchRun, PredictionRecord, RunEnd, SketchDelta};
use crate::web::browser_storage::query_persisted;
use crate::web::idb::{self, IdbError};

/// BroadcastChannel message: records were added.
pub(super) const MESSAGE_ADDED: &str = "added";
/// BroadcastChannel message: the log was cleared.
pub(super) const MESSAGE_CLEARED: &str = "cleared";

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

pub(super) enum Backend {
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
pub(super) struct WriteTurns {
    pub(super) busy: Cell<bool>,
    pub(super) waiting:
        RefCell<std::collections::VecDeque<Rc<crate::browser::mailbox::Mailbox<()>>>>,
}

/// The current write's turn; the next waiting write goes when it is dropped.
pub(super) struct Turn<'a>(pub(super) &'a WriteTurns);

impl WriteTurns {
    pub(super) async fn take(&self) -> Turn<'_> {
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

pub(super) struct Inner {
    pub(super) factory: Option<IdbFactory>,
    pub(super) name: String,
    pub(super) backend: RefCell<Backend>,
    pub(super) persisted: RefCell<Option<bool>>,
    pub(super) channel: Option<BroadcastChannel>,
    /// Called after every local change of the log or its status.
    pub(super) on_change: RefCell<Vec<Rc<dyn Fn()>>>,
    /// Called when another tab (or store) changed the log.
    pub(super) on_remote: RefCell<Vec<Rc<dyn Fn()>>>,
    /// Batch runs written or read here, by id (a chunk's buckets need its run).
    pub(super) runs: RefCell<BTreeMap<u64, BatchRun>>,
    /// The drift bins of the model whose records were last sketched, by its sha256 (made once
    /// per model, not once per write).
    pub(super) sketch_bins: RefCell<Option<(String, Rc<SketchBins>)>>,
    /// For tests: how many of the next IndexedDB writes to abort.
    pub(super) failing_writes: Cell<u32>,
    pub(super) turns: WriteTurns,
    /// Whether IndexedDB was open once in this store (a later failure to reopen it loses writes).
    pub(super) was_open: Cell<bool>,
}

/// The prediction log: IndexedDB, or memory when IndexedDB is unavailable or failed.
#[derive(Clone)]
pub struct LogStore {
    pub(super) inner: Rc<Inner>,
}

/// A write, so it can be retried and, failing that, kept in memory.
pub(super) enum Write {
    /// Records, and the drift sketches of those the caller could sketch.
    Records(Vec<PredictionRecord>, SketchDelta),
    Run(BatchRun),
    Chunk(BatchChunk, BatchRun),
    /// How run `0` ended, and what its labelled rows said of the model.
    RunEnd(u64, RunEnd, Option<RunQuality>),
}

impl Write {
    pub(super) fn count(&self) -> u64 {
        match self {
            Write::Records(records, _) => records.len() as u64,
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
            sketch_bins: RefCell::new(None),
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
    pub(super) fn changed(&self, broadcast: Option<&str>) {
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
    pub(super) fn use_memory(&self, reason: String, lost: Option<JsError>) {
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
    pub(super) async fn database(&self) -> Option<IdbDatabase> {
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

    pub(super) fn use_database(&self, db: IdbDatabase) {
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
    pub(super) async fn connect(&self) -> Result<IdbDatabase, IdbError> {
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
    pub(super) async fn try_recover(&self) {
        if self.inner.factory.is_none() || !matches!(self.status(), StorageStatus::Memory { .. }) {
            return;
        }
        let Ok(db) = self.connect().await else { return };
        let (pending, sketches) = match &*self.inner.backend.borrow() {
            Backend::Memory { log, .. } => (log.records.clone(), log.sketches.clone()),
            _ => {
                db.close();
                return;
            }
        };
        let Ok(values) = pending.iter().map(to_js).collect::<Result<Vec<_>, _>>() else {
            db.close();
            return;
        };
        if write_records(&db, &values, &pending, sketches, &self.inner.failing_writes)
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
    pub(super) async fn write(&self, write: Write) -> Result<Vec<u64>, LogStoreError> {
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

    pub(super) async fn write_to(
        &self,
        db: &IdbDatabase,
        write: &Write,
    ) -> Result<Vec<u64>, WriteFailure> {
        let failing = &self.inner.failing_writes;
        let records_of = |records: &[PredictionRecord]| {
            records
                .iter()
                .map(to_js)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| JsError::new(&error.to_string()))
        };
        match write {
            Write::Records(records, sketches) => {
                let values = records_of(records)?;
                Ok(write_records(db, &values, records, sketches.clone(), failing).await?)
            }
            Write::Run(run) => Ok(write_run(db, run, failing).await.map(|id| vec![id])?),
            // A run started while the log was in memory has no record in IndexedDB: its rows
            // go there as plain records.
            Write::Chunk(chunk, run) if chunk.run_id >= MEMORY_RUN_IDS => {
                let records = chunk
                    .records(run)
                    .map_err(|error| JsError::new(&error.to_string()))?;
                let values = records_of(&records)?;
                write_records(db, &values, &records, chunk.sketch_delta(run), failing).await?;
                Ok(Vec::new())
            }
            Write::Chunk(chunk, run) => write_chunk(db, chunk, run, failing)
                .await
                .map(|()| Vec::new()),
            // A run started in memory has no record here to mark.
            Write::RunEnd(run_id, ..) if *run_id >= MEMORY_RUN_IDS => Ok(Vec::new()),
            Write::RunEnd(run_id, end, quality) => {
                write_run_end(db, *run_id, *end, quality.clone(), failing)
                    .await
                    .map(|()| Vec::new())
            }
        }
    }

    pub(super) fn write_to_memory(&self, write: Write) -> Result<Vec<u64>, LogStoreError> {
        let mut backend = self.inner.backend.borrow_mut();
        let Backend::Memory { log, .. } = &mut *backend else {
            return Err(LogStoreError::NotOpen);
        };
        Ok(match write {
            Write::Records(records, sketches) => {
                log.sketches.absorb(sketches);
                log.push(records)
            }
            Write::Run(mut run) => {
                log.next_run_id += 1;
                let run_id = MEMORY_RUN_IDS + log.next_run_id;
                run.run_id = Some(run_id);
                log.runs.insert(run_id, run);
                vec![run_id]
            }
            Write::Chunk(chunk, run) => {
                let records = chunk.records(&run)?;
                log.sketches.absorb(chunk.sketch_delta(&run));
                log.push(records)
            }
            Write::RunEnd(run_id, end, quality) => {
                if let Some(run) = log.runs.get_mut(&run_id) {
                    run.ended = Some(end);
                    run.quality = quality;
                }
                Vec::new()
            }
        })
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
