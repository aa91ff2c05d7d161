//! Long work that belongs to the app, not to a page: a batch run, the reading of an order
//! history and the conversion of an own model. Each job's state is a few signals created once at
//! the app root, so the task doing the work, which goes on when the user opens another page,
//! only ever writes into state that lives as long as the app; it never reads or writes a page's
//! signals. Pages start a job and are views of its state: returning to a page shows the job as it
//! is (progress, or its results). The header shows a running job, and one that ended while its
//! page was not open, from every page with a link back (`components::job_status`); closing or
//! reloading the tab while a job runs asks first (`beforeunload`).

use std::future::Future;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::batch::RunProgress;
use crate::order_history::export::PersonalHistory;
use crate::order_history::files::ShopperOrders;
use crate::order_history::upload::UploadedHistory;
use crate::web::batch_run::{run_batch, BatchOutcome};
use crate::web::history_work::{read_history_files, HistoryError};
use crate::web::log::LogStoreHandle;
use crate::web::state::active_model::ActiveModel;
use crate::web::worker_link::WarmWorker;

/// Where a batch run is.
#[derive(Clone)]
pub enum BatchState {
    Idle,
    Running { file_name: String },
    Finished(Arc<BatchOutcome>),
    Failed(String),
}

/// The Batch page's run.
#[derive(Clone, Copy)]
pub struct BatchJob {
    pub state: RwSignal<BatchState>,
    pub progress: RwSignal<RunProgress>,
    /// Set to stop the run after its current chunk.
    pub cancel: RwSignal<bool>,
    /// Whether the Batch page has shown the run's end (false while it ended elsewhere).
    pub seen: RwSignal<bool>,
}

impl BatchJob {
    /// Whether a run is going on (tracked).
    pub fn is_running(&self) -> bool {
        self.state
            .with(|state| matches!(state, BatchState::Running { .. }))
    }

    /// Scores `file` with `active` (see `batch_run::run_batch`), unless a run is going on.
    pub fn start(
        self,
        file: web_sys::File,
        warm: Option<WarmWorker>,
        active: ActiveModel,
        log: LogStoreHandle,
        keep_values: bool,
    ) {
        if self
            .state
            .with_untracked(|state| matches!(state, BatchState::Running { .. }))
        {
            return;
        }
        self.cancel.set(false);
        self.progress.set(RunProgress {
            total_bytes: file.size() as u64,
            ..RunProgress::default()
        });
        self.state.set(BatchState::Running {
            file_name: file.name(),
        });
        let BatchJob {
            state,
            progress,
            cancel,
            seen,
        } = self;
        spawn_local(async move {
            let result = run_batch(file, warm, active, log, progress, cancel, keep_values).await;
            seen.set(false);
            state.set(match result {
                Ok(outcome) => BatchState::Finished(Arc::new(outcome)),
                Err(error) => BatchState::Failed(error.to_string()),
            });
        });
    }

    /// Shows `message` as the run's failure (a file refused before it was read).
    pub fn refuse(self, message: String) {
        if !self.is_running_untracked() {
            self.state.set(BatchState::Failed(message));
        }
    }

    fn is_running_untracked(&self) -> bool {
        self.state
            .with_untracked(|state| matches!(state, BatchState::Running { .. }))
    }
}

/// What the reading of an order history gave the history page.
#[derive(Clone)]
pub struct ReadHistory {
    pub shoppers: Arc<Vec<ShopperOrders>>,
    /// An export of one's own orders (one person, with names and times), when that was read.
    pub export: Option<Arc<PersonalHistory>>,
}

/// The history page's reading of uploaded files.
#[derive(Clone, Copy)]
pub struct HistoryJob {
    pub running: RwSignal<bool>,
    /// The last reading's outcome; a new one replaces it.
    pub outcome: RwSignal<Option<Result<ReadHistory, Arc<HistoryError>>>>,
    /// Where the last reading was done: "worker", "page", or "" (none yet, or refused before).
    pub read_in: RwSignal<&'static str>,
    pub seen: RwSignal<bool>,
}

impl HistoryJob {
    /// Reads `files` (their sizes checked first by `check`, whose refusal is shown as it is
    /// worded), unless a reading is going on.
    pub fn start<E: std::fmt::Display>(
        self,
        files: Vec<web_sys::File>,
        check: impl Fn(&web_sys::File) -> Result<(), E> + 'static,
    ) {
        if self.running.get_untracked() {
            return;
        }
        self.running.set(true);
        self.read_in.set("");
        let HistoryJob {
            running,
            outcome,
            read_in,
            seen,
        } = self;
        spawn_local(async move {
            let read = async {
                for file in &files {
                    check(file)
                        .map_err(|refusal| HistoryError::NotAccepted(refusal.to_string()))?;
                }
                let read = read_history_files(files).await;
                read_in.set(if read.in_worker { "worker" } else { "page" });
                read.outcome
            };
            let read = read
                .await
                .map(|UploadedHistory { shoppers, export }| ReadHistory {
                    shoppers: Arc::new(shoppers),
                    export: export.map(Arc::new),
                })
                .map_err(Arc::new);
            seen.set(false);
            outcome.set(Some(read));
            running.set(false);
        });
    }
}

/// The own-model page's conversion of a `model.txt`.
#[derive(Clone, Copy)]
pub struct ConversionJob {
    pub running: RwSignal<bool>,
    /// Why the last model was refused, if it was.
    pub error: RwSignal<Option<String>>,
    /// Where the last model was converted or refused: "worker", "page", or "".
    pub converted_in: RwSignal<&'static str>,
    pub seen: RwSignal<bool>,
}

impl ConversionJob {
    /// Runs `work` (reading the files, converting, adopting the model), unless a conversion is
    /// going on; its error, if it fails, is shown as it is worded. `work` may write only
    /// app-level state, such as this job's signals.
    pub fn start<E: std::fmt::Display>(self, work: impl Future<Output = Result<(), E>> + 'static) {
        if self.running.get_untracked() {
            return;
        }
        self.running.set(true);
        self.error.set(None);
        self.converted_in.set("");
        let ConversionJob {
            running,
            error,
            seen,
            ..
        } = self;
        spawn_local(async move {
            let outcome = work.await;
            seen.set(false);
            error.set(outcome.err().map(|error| error.to_string()));
            running.set(false);
        });
    }
}

/// Every job of the app.
#[derive(Clone, Copy)]
pub struct Jobs {
    pub batch: BatchJob,
    pub history: HistoryJob,
    pub conversion: ConversionJob,
}

impl Jobs {
    /// Whether any job is going on (tracked).
    pub fn any_running(&self) -> bool {
        self.batch.is_running() || self.history.running.get() || self.conversion.running.get()
    }
}

/// Creates the jobs' state in the calling owner (the app root, which lives as long as the
/// page) and asks before the tab is closed or reloaded while a job runs.
pub fn provide_jobs() {
    let jobs = Jobs {
        batch: BatchJob {
            state: RwSignal::new(BatchState::Idle),
            progress: RwSignal::new(RunProgress::default()),
            cancel: RwSignal::new(false),
            seen: RwSignal::new(true),
        },
        history: HistoryJob {
            running: RwSignal::new(false),
            outcome: RwSignal::new(None),
            read_in: RwSignal::new(""),
            seen: RwSignal::new(true),
        },
        conversion: ConversionJob {
            running: RwSignal::new(false),
            error: RwSignal::new(None),
            converted_in: RwSignal::new(""),
            seen: RwSignal::new(true),
        },
    };
    provide_context(jobs);
    let handle = window_event_listener(leptos::ev::beforeunload, move |event| {
        if jobs.batch.is_running_untracked()
            || jobs.history.running.get_untracked()
            || jobs.conversion.running.get_untracked()
        {
            // Both: the standard way, and the one older engines still look for.
            event.prevent_default();
            event.set_return_value("");
        }
    });
    // The listener is the app's for as long as the app lives.
    std::mem::forget(handle);
}

/// The jobs provided at the app root.
pub fn use_jobs() -> Jobs {
    expect_context::<Jobs>()
}
