//! A Batch page run, as browser I/O behind one function (`run_batch`): the file is scored by the
//! worker (src/bin/reorder_worker/, reached through `worker_link::run_job`) while the page only
//! shows progress, logs the scored chunks and gathers the scored CSV as a Blob of parts. When no
//! worker of this build can take the run (it fails to load, or comes from another build) the
//! same `batch::ScoringRun` runs on the main thread, reading the file in the same slices and
//! yielding to the event loop between chunks, and its messages take the same path through the
//! page.

use std::sync::Arc;

use js_sys::{Array, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::batch::{
    added_columns, ChunkMerger, LabelledMetrics, LabelledScores, RunFailure, RunProgress,
    RunQuality, RunStep, RunSummary, ScoredChunk, ScoringRun,
};
use crate::browser::file_slices::read_slice;
use crate::browser::js_error::{js_message, JsError};
use crate::model::ModelKind;
use crate::prediction_log::{BatchChunk, BatchRun, RunEnd};
use crate::web::log::{LogStoreError, LogStoreHandle};
use crate::web::run_locks::{self, RunLock};
use crate::web::state::active_model::ActiveModel;
use crate::web::worker_link::{run_job, Unavailable, WarmWorker, WorkerLink};
use crate::worker_protocol::{PageMessage, StartRun, WorkerMessage};

/// Bytes read from the file at a time.
const SLICE_BYTES: u64 = 8 << 20;
/// Rows read and scored at a time (a range: the worker and its helper take one each). Larger
/// ranges are a little faster until the browser's memory grows too much (the figures:
/// docs/performance.md, "Range, log and output part sizes").
const CHUNK_ROWS: u32 = 10_000;
/// Rows logged in one transaction, at least (ranges gathered by `batch::ChunkMerger`): each
/// transaction costs the page, so fewer and larger ones.
const LOG_CHUNK_ROWS: u32 = 20_000;
/// Bad rows listed on the page (all are counted).
pub const MAX_LISTED_ERRORS: usize = 200;
/// Scored rows shown in the preview table.
pub const PREVIEW_ROWS: usize = 20;

/// Why a run gave no outcome; its text is what the Batch page shows.
#[derive(Debug, thiserror::Error)]
pub enum BatchRunError {
    /// The run failed (its file, its model, or the worker that took it).
    #[error(transparent)]
    Run(#[from] RunFailure),
    /// The scored CSV could not be put together as a Blob.
    #[error(transparent)]
    Output(JsError),
}

/// What a finished (or cancelled) run produced.
pub struct BatchOutcome {
    pub file_name: String,
    pub summary: RunSummary,
    /// The scored CSV.
    pub output: web_sys::Blob,
    /// The labelled rows' metrics, for the what-if threshold (shared, never copied).
    pub scores: Option<Arc<LabelledMetrics>>,
    pub model_threshold: f64,
    /// The scoring model's kind and the columns it added (a model without a threshold gets no
    /// preview, metrics or log records: its outputs are in the scored CSV).
    pub kind: ModelKind,
    pub added_columns: Vec<String>,
    /// Records written to the log.
    pub logged: usize,
    pub log_error: Option<String>,
    /// Whether the worker scored the file (false: the main thread did).
    pub in_worker: bool,
    /// Milliseconds from the file's arrival to this outcome (read, scored, written, logged).
    pub elapsed_ms: f64,
}

/// Logs one scored chunk in one transaction, compactly: the run's record is written with the
/// first chunk, then each chunk's columns (`prediction_log::BatchChunk`), counted in the
/// dashboard's buckets in the same transaction. The one place that decides how batch rows reach
/// the log.
async fn log_chunk(
    log: &LogStoreHandle,
    active: &ActiveModel,
    run_id: &mut Option<u64>,
    run_lock: &mut Option<RunLock>,
    file_name: &str,
    chunk: ScoredChunk,
) -> Result<usize, LogStoreError> {
    let model = active.model();
    let created_at_ms = js_sys::Date::now() as i64;
    let run = match *run_id {
        Some(run) => run,
        None => {
            let run = log
                .add_batch_run(BatchRun {
                    run_id: None,
                    started_at_ms: created_at_ms,
                    file_name: file_name.to_owned(),
                    model_sha256: active.sha256.clone(),
                    threshold: model.threshold(),
                    feature_names: model
                        .feature_names()
                        .iter()
                        .map(|name| (*name).to_owned())
                        .collect(),
                    rows: 0,
                    positives: 0,
                    ended: None,
                    quality: None,
                })
                .await?;
            *run_id = Some(run);
            // Held while this tab runs it: any tab can then tell running from cut short.
            *run_lock = run_locks::hold(&run_locks::lock_name(&log.database_name(), run));
            run
        }
    };
    let count = chunk.len();
    log.add_batch_chunk(BatchChunk {
        run_id: run,
        index: chunk.index,
        created_at_ms,
        probabilities: chunk.probabilities,
        decisions: chunk.decisions,
        user_ids: chunk.user_ids,
        product_ids: chunk.product_ids,
        values: chunk.values,
        sketch: chunk.sketch.map(|sketch| *sketch),
    })
    .await?;
    Ok(count)
}

/// The page's side of a run, whoever scores: progress shown, chunks logged, output gathered.
struct Collector {
    active: ActiveModel,
    log: LogStoreHandle,
    progress: RwSignal<RunProgress>,
    parts: Array,
    logged: usize,
    log_error: Option<String>,
    file_name: String,
    /// The run's record in the log, once its first chunk is written.
    run_id: Option<u64>,
    /// The run's lock, held until it ends.
    run_lock: Option<RunLock>,
    /// Whether the rows' feature values go to the log (the Batch page's choice).
    keep_values: bool,
}

impl Collector {
    /// Takes one message; `Some` once the run is over.
    async fn take(&mut self, message: WorkerMessage) -> Option<Result<RunSummary, RunFailure>> {
        match message {
            WorkerMessage::Ready => {}
            WorkerMessage::Progress(progress) => self.progress.set(progress),
            WorkerMessage::Scored(chunk) => {
                // After a failed write the rest is scored but not logged.
                if self.log_error.is_none() && !chunk.is_empty() {
                    let logged = log_chunk(
                        &self.log,
                        &self.active,
                        &mut self.run_id,
                        &mut self.run_lock,
                        &self.file_name,
                        chunk,
                    );
                    match logged.await {
                        Ok(count) => self.logged += count,
                        Err(error) => self.log_error = Some(error.to_string()),
                    }
                }
            }
            WorkerMessage::OutputPart(bytes) => {
                // Each part becomes a Blob at once, which the browser may keep out of this
                // page's memory.
                let part = Array::of1(&Uint8Array::from(bytes.as_slice()));
                match web_sys::Blob::new_with_u8_array_sequence(&part) {
                    Ok(blob) => {
                        self.parts.push(&blob);
                    }
                    Err(error) => {
                        return Some(Err(RunFailure::Scoring {
                            message: js_message(&error),
                        }))
                    }
                }
            }
            WorkerMessage::Finished(summary) => return Some(Ok(summary)),
            WorkerMessage::Failed(failure) => return Some(Err(failure)),
            WorkerMessage::ModelConverted(_)
            | WorkerMessage::ModelRefused { .. }
            | WorkerMessage::HistoryParsed { .. }
            | WorkerMessage::HistoryRefused { .. }
            | WorkerMessage::RangeScored(_)
            | WorkerMessage::OutputInBlob => {
                return Some(Err(RunFailure::Protocol {
                    message: "another job's answer during a batch run".to_owned(),
                }))
            }
        }
        None
    }

    /// Records how the run ended (if it has a record), then lets go of its lock.
    async fn end(&mut self, end: RunEnd, quality: Option<RunQuality>) {
        if let Some(run_id) = self.run_id {
            if let Err(error) = self.log.end_batch_run(run_id, end, quality).await {
                self.log_error.get_or_insert(error.to_string());
            }
        }
        self.run_lock = None;
    }

    /// The labelled rows' metrics, taken out of `summary` (none for a file without labels).
    fn labelled_metrics(&self, summary: &mut RunSummary) -> Option<Arc<LabelledMetrics>> {
        let model_threshold = self.active.model().threshold();
        summary.label_column.is_some().then(|| {
            Arc::new(match summary.bins.take() {
                Some(bins) => LabelledMetrics::Binned {
                    bins,
                    at_model: summary.at_model,
                    model_threshold,
                },
                None => LabelledMetrics::Exact(LabelledScores::from_sorted(std::mem::take(
                    &mut summary.labelled,
                ))),
            })
        })
    }

    /// What the labelled rows say of the model, for the log (models with a threshold).
    fn quality(&self, scores: Option<&LabelledMetrics>) -> Option<RunQuality> {
        let model = self.active.model();
        if !model.objective().has_threshold() {
            return None;
        }
        RunQuality::of(scores?, model.threshold())
    }

    fn into_outcome(
        self,
        file_name: String,
        summary: RunSummary,
        scores: Option<Arc<LabelledMetrics>>,
        in_worker: bool,
    ) -> Result<BatchOutcome, BatchRunError> {
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/csv;charset=utf-8");
        let output = web_sys::Blob::new_with_blob_sequence_and_options(&self.parts, &options)
            .map_err(|error| BatchRunError::Output(JsError::from_js(&error)))?;
        Ok(BatchOutcome {
            file_name,
            summary,
            output,
            scores,
            model_threshold: self.active.model().threshold(),
            kind: self.active.model().kind(),
            added_columns: added_columns(self.active.model()),
            logged: self.logged,
            log_error: self.log_error,
            in_worker,
            elapsed_ms: 0.0,
        })
    }
}

/// Why a run in the worker stopped without a summary.
enum Stopped {
    /// The worker could not take the run: the page scores the file itself.
    Unavailable(Unavailable),
    /// The run failed.
    Failed(RunFailure),
}

/// Scores `file` in the worker `link`.
async fn run_in_worker(
    link: &WorkerLink,
    file: &web_sys::File,
    collector: &mut Collector,
    cancel: RwSignal<bool>,
) -> Result<RunSummary, Stopped> {
    let bundle_json =
        serde_json::to_string(collector.active.model().bundle()).map_err(|error| {
            Stopped::Failed(RunFailure::Model {
                message: error.to_string(),
            })
        })?;
    let start = PageMessage::Start(StartRun {
        bundle_json,
        slice_bytes: SLICE_BYTES,
        chunk_rows: CHUNK_ROWS,
        log_chunk_rows: LOG_CHUNK_ROWS,
        max_listed_errors: MAX_LISTED_ERRORS as u32,
        preview_rows: PREVIEW_ROWS as u32,
        keep_values: collector.keep_values,
        class_names: collector.active.class_names.clone(),
    });
    link.post(&start, Some(file))
        .map_err(Stopped::Unavailable)?;
    let posted = |why: Unavailable| {
        Stopped::Failed(RunFailure::Protocol {
            message: why.to_string(),
        })
    };
    let mut cancel_sent = false;
    loop {
        let (message, blob) = link.next_with_blob().await.map_err(Stopped::Failed)?;
        if let WorkerMessage::OutputInBlob = message {
            // The part is a Blob already: kept as it is, never copied here.
            let Some(blob) = blob else {
                return Err(Stopped::Failed(RunFailure::Protocol {
                    message: "an output part came without its Blob".to_owned(),
                }));
            };
            collector.parts.push(&blob);
            continue;
        }
        if let WorkerMessage::Failed(failure @ RunFailure::VersionMismatch { .. }) = message {
            return Err(Stopped::Unavailable(Unavailable::Refused(failure)));
        }
        let index = match &message {
            WorkerMessage::Scored(chunk) if !chunk.is_empty() => Some(chunk.index),
            _ => None,
        };
        if let Some(over) = collector.take(message).await {
            // The summary's arrival (its labelled rows copied in) and building the outcome are
            // separate tasks, so neither holds up the page for long.
            next_tick().await;
            return over.map_err(Stopped::Failed);
        }
        if let Some(index) = index {
            link.post(&PageMessage::ChunkLogged { index }, None)
                .map_err(posted)?;
        }
        if cancel.get_untracked() && !cancel_sent {
            cancel_sent = true;
            link.post(&PageMessage::Cancel, None).map_err(posted)?;
        }
    }
}

/// Lets the browser handle events and paint before the next chunk.
pub async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Scores `file` on the main thread, a chunk between two yields to the event loop.
async fn run_here(
    file: &web_sys::File,
    collector: &mut Collector,
    cancel: RwSignal<bool>,
) -> Result<RunSummary, RunFailure> {
    let active = collector.active.clone();
    let total = file.size() as u64;
    let mut run = ScoringRun::new(active.model(), total, MAX_LISTED_ERRORS, PREVIEW_ROWS);
    run.class_names(active.class_names.clone());
    run.keep_values(collector.keep_values);
    let mut merger = ChunkMerger::new(LOG_CHUNK_ROWS as usize);
    let mut offset = 0u64;
    let mut cancelled = false;
    loop {
        if cancel.get_untracked() {
            cancelled = true;
            break;
        }
        match run.step(CHUNK_ROWS as usize)? {
            RunStep::NeedsInput if offset < total => {
                let end = (offset + SLICE_BYTES).min(total);
                run.push(read_slice(file, offset, end).await?);
                offset = end;
            }
            RunStep::NeedsInput => run.end_input(),
            RunStep::Scored(chunk) => {
                collector
                    .take(WorkerMessage::OutputPart(run.take_output()))
                    .await;
                if let Some(chunk) = merger.push(chunk) {
                    collector.take(WorkerMessage::Scored(chunk)).await;
                }
                collector
                    .take(WorkerMessage::Progress(run.progress()))
                    .await;
                next_tick().await;
            }
            RunStep::Finished => break,
        }
    }
    if let Some(chunk) = merger.finish() {
        collector.take(WorkerMessage::Scored(chunk)).await;
    }
    collector
        .take(WorkerMessage::OutputPart(run.take_output()))
        .await;
    collector
        .take(WorkerMessage::Progress(run.progress()))
        .await;
    run.finish(cancelled)
}

/// Scores `file` with the active model, in the worker if it can (`warm`, when the page started
/// one ahead), else on the main thread; `progress` follows the run and setting `cancel` stops it
/// after the current chunk. The rows go to the log with their feature values only with
/// `keep_values`.
pub async fn run_batch(
    file: web_sys::File,
    warm: Option<WarmWorker>,
    active: ActiveModel,
    log: LogStoreHandle,
    progress: RwSignal<RunProgress>,
    cancel: RwSignal<bool>,
    keep_values: bool,
) -> Result<BatchOutcome, BatchRunError> {
    let started_ms = js_sys::Date::now();
    let timed = |outcome: Result<BatchOutcome, BatchRunError>| {
        outcome.map(|mut outcome| {
            outcome.elapsed_ms = js_sys::Date::now() - started_ms;
            outcome
        })
    };
    let new_collector = || Collector {
        active: active.clone(),
        log,
        progress,
        parts: Array::new(),
        logged: 0,
        log_error: None,
        file_name: file.name(),
        run_id: None,
        run_lock: None,
        keep_values,
    };
    let ended = |summary: &RunSummary| {
        if summary.cancelled {
            RunEnd::Cancelled
        } else {
            RunEnd::Finished
        }
    };
    let done = run_job(
        "batch: scoring",
        warm,
        async |link| {
            let mut collector = new_collector();
            match run_in_worker(&link, &file, &mut collector, cancel).await {
                Ok(summary) => Ok((collector, Ok(summary))),
                Err(Stopped::Failed(failure)) => Ok((collector, Err(failure))),
                Err(Stopped::Unavailable(why)) => Err(why),
            }
        },
        async || {
            let mut collector = new_collector();
            let result = run_here(&file, &mut collector, cancel).await;
            (collector, result)
        },
    )
    .await;
    let (mut collector, result) = done.outcome;
    match result {
        Ok(mut summary) => {
            let scores = collector.labelled_metrics(&mut summary);
            let quality = collector.quality(scores.as_deref());
            collector.end(ended(&summary), quality).await;
            let outcome =
                timed(collector.into_outcome(file.name(), summary, scores, done.in_worker));
            if done.in_worker {
                // Drawing the results is a task of its own too.
                next_tick().await;
            }
            outcome
        }
        Err(failure) => {
            collector.end(RunEnd::CutShort, None).await;
            Err(failure.into())
        }
    }
}
