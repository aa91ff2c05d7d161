//! The log as the pages use it: `LogStore` with reactive status and revision, shared through
//! context, opened ahead of its first use.

use leptos::prelude::*;

use super::error::LogStoreError;
use super::export::{Export, ExportFormat};
use super::store::{LogStore, StorageStatus};
use crate::batch::RunQuality;
use crate::browser::js_error::full_message;
use crate::model::Model;
use crate::prediction_log::{
    BatchChunk, BatchRun, Bucket, Filter, PredictionRecord, RecentPage, RecentPosition, RunEnd,
    RunState, SketchBucket,
};

/// The log with reactive status and revision, shared by every page through context.
#[derive(Clone, Copy)]
pub struct LogStoreHandle {
    pub(super) store: StoredValue<LogStore, LocalStorage>,
    pub(super) status: RwSignal<StorageStatus>,
    pub(super) revision: RwSignal<u64>,
    pub(super) last_error: RwSignal<Option<String>>,
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

    pub(super) fn store(&self) -> LogStore {
        self.store.get_value()
    }

    /// The IndexedDB database name this log uses (a run's lock is named after it).
    pub fn database_name(&self) -> String {
        self.store().database_name()
    }

    pub(super) fn report<T>(&self, result: Result<T, LogStoreError>) -> Result<T, LogStoreError> {
        if let Err(error) = &result {
            self.last_error.set(Some(full_message(error)));
        }
        result
    }

    /// Logs `record`, scored by `model`, with its drift sketch (made now, so the write does
    /// not hold the model).
    pub fn add(
        &self,
        record: PredictionRecord,
        model: &Model,
    ) -> impl std::future::Future<Output = Result<u64, LogStoreError>> + 'static {
        let handle = *self;
        let store = self.store();
        let sketches = store.sketches_of(std::slice::from_ref(&record), model);
        async move {
            let result = store
                .add_all_sketched(vec![record], sketches)
                .await
                .map(|ids| ids.first().copied().unwrap_or_default());
            handle.report(result)
        }
    }

    /// Logs `records`, scored by `model`, in one transaction with their drift sketches.
    pub fn add_many(
        &self,
        records: Vec<PredictionRecord>,
        model: &Model,
    ) -> impl std::future::Future<Output = Result<(), LogStoreError>> + 'static {
        let handle = *self;
        let store = self.store();
        let sketches = store.sketches_of(&records, model);
        async move {
            let result = store.add_all_sketched(records, sketches).await.map(|_| ());
            handle.report(result)
        }
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

    /// Records how a batch run ended, with what its labelled rows said of the model.
    pub async fn end_batch_run(
        &self,
        run_id: u64,
        end: RunEnd,
        quality: Option<RunQuality>,
    ) -> Result<(), LogStoreError> {
        let result = self.store().end_batch_run(run_id, end, quality).await;
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

    /// The drift sketches (`prediction_log::merged_sketch` selects and merges them).
    pub async fn sketch_buckets(&self) -> Result<Vec<SketchBucket>, LogStoreError> {
        self.store().sketch_buckets().await
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
/// (opening a large log at app start delays the Predict page's first probability; measured in
/// docs/performance.md, section 4).
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
