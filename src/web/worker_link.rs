//! The page's end of the app's Web Worker (src/bin/reorder_worker/), shared by the jobs it
//! does: a Batch run (`batch_run`), an own model's conversion (`own_model_work`) and an order
//! history's reading (`history_work`). `run_job` is the one rule they share: the job goes to a
//! worker of this build, and the page does it itself only when no such worker can take it (none
//! starts, it fails to load, or it is of another build); a worker that took the job and stopped
//! is the job's failure, never redone on the main thread. `WorkerLink::start` starts a fresh
//! worker and waits for its `Ready`; one job per worker, terminated when dropped. `WarmWorker`
//! starts one ahead of its job (the Batch page keeps one for the next file).

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::batch::RunFailure;
use crate::browser::envelope_js;
use crate::browser::js_error::JsError;
use crate::browser::mailbox::Mailbox;
use crate::worker_protocol::{PageMessage, ProtocolError, WorkerMessage};

/// Where Trunk puts the worker's loader (index.html, `data-bin="reorder_worker"`), under the
/// path the app is served from.
fn worker_url() -> String {
    format!("{}reorder_worker_loader.js", crate::asset_urls::PUBLIC_URL)
}
/// How long a worker may take to say it is ready before the page does the job by itself.
const WORKER_START_TIMEOUT_MS: i32 = 15_000;

/// Why no worker of this build can take a job: the page then does it itself.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// The browser starts no worker here.
    #[error(transparent)]
    NotStarted(JsError),
    /// The worker's script failed (to load, or later), in the browser's words.
    #[error("{0}")]
    ScriptFailed(String),
    /// Its first message was not `Ready`, or it could not be read (another build's worker).
    #[error(transparent)]
    Refused(RunFailure),
    #[error("the batch worker spoke before it was ready")]
    SpokeEarly,
    #[error("the batch worker did not start in time")]
    TimedOut,
    /// The job could not be posted to it.
    #[error(transparent)]
    NotPosted(JsError),
}

/// Why a job done in the worker has no answer from it.
#[derive(Debug)]
pub enum NoAnswer {
    /// No worker of this build could take the job: the page does the job itself.
    Unavailable(Unavailable),
    /// The worker took the job and stopped without finishing it (out of memory, a trap, a file
    /// it could not read): reported as the job's failure. Never redone on the main thread,
    /// where the same failure would take the whole app down.
    Died(RunFailure),
}

impl NoAnswer {
    /// How a failure the worker reported while doing a job counts: another build's protocol
    /// means the page can do the job; anything else is the job's failure.
    pub fn of_failure(failure: RunFailure) -> NoAnswer {
        match failure {
            RunFailure::VersionMismatch { .. } => {
                NoAnswer::Unavailable(Unavailable::Refused(failure))
            }
            failure => NoAnswer::Died(failure),
        }
    }
}

/// A job's outcome and where it was reached.
pub struct JobDone<T> {
    pub outcome: T,
    /// Whether the worker did the job (its answer may be a refusal); false: the main thread did.
    pub in_worker: bool,
}

/// Does a job in a worker of this build (`warm`, started ahead, or one started now), else on the
/// main thread. `in_worker` posts the job to the worker and waits for its answer; it gives
/// `Err` only when the worker could not take the job (a worker that took it and stopped is the
/// job's outcome, `NoAnswer::Died`). `on_page` does the job on the main thread; `fallback`
/// names it in the console's note ("batch: scoring").
pub async fn run_job<T>(
    fallback: &str,
    warm: Option<WarmWorker>,
    in_worker: impl AsyncFnOnce(WorkerLink) -> Result<T, Unavailable>,
    on_page: impl AsyncFnOnce() -> T,
) -> JobDone<T> {
    let link = match warm {
        Some(warm) => warm.take().await,
        None => WorkerLink::start().await,
    };
    let why = match link {
        Ok(link) => match in_worker(link).await {
            Ok(outcome) => {
                return JobDone {
                    outcome,
                    in_worker: true,
                }
            }
            Err(why) => why,
        },
        Err(why) => why,
    };
    web_sys::console::warn_1(&JsValue::from_str(&format!(
        "{fallback} on the main thread: {why}"
    )));
    JobDone {
        outcome: on_page().await,
        in_worker: false,
    }
}

/// How a message from the worker that cannot be read counts: another build's is
/// `RunFailure::VersionMismatch`.
fn unreadable(error: ProtocolError) -> RunFailure {
    match error {
        ProtocolError::OtherVersion { ours, found } => RunFailure::VersionMismatch {
            page: ours,
            worker: found,
        },
        other => RunFailure::Protocol {
            message: other.to_string(),
        },
    }
}

/// What reaches the page from a worker.
enum FromWorker {
    /// A message, and the `Blob` posted beside it if there is one.
    Message(WorkerMessage, Option<web_sys::Blob>),
    /// A message that cannot be read.
    Unreadable(RunFailure),
    /// The worker's script failed (to load, or later).
    Failed(String),
    TimedOut,
}

/// A worker started ahead of its job, with its helper asked to start too
/// (`PageMessage::PrepareHelper`) and both asked to warm up with a model
/// (`PageMessage::WarmUp`), so a file chosen later finds them loaded and their scoring code
/// compiled for speed instead of waiting for it. Dropped unused, the worker is terminated (as
/// soon as it has started, if it is still starting).
pub struct WarmWorker {
    started: Rc<Mailbox<Result<WorkerLink, Unavailable>>>,
}

impl WarmWorker {
    /// Starts a worker, warmed up with the model of `warm_up_bundle` if there is one;
    /// `on_settled` hears whether it is ready (`true`) or cannot be used.
    pub fn start(
        warm_up_bundle: Option<String>,
        on_settled: impl FnOnce(bool) + 'static,
    ) -> WarmWorker {
        let started = Rc::new(Mailbox::new());
        let slot = Rc::clone(&started);
        wasm_bindgen_futures::spawn_local(async move {
            let link = WorkerLink::start().await;
            if let Ok(link) = &link {
                // If these cannot be posted, the run starts its helper itself and compiles as it
                // goes, as it would.
                let _ = link.post(&PageMessage::PrepareHelper, None);
                if let Some(bundle_json) = warm_up_bundle {
                    let _ = link.post(&PageMessage::WarmUp { bundle_json }, None);
                }
            }
            on_settled(link.is_ok());
            slot.post(link);
        });
        WarmWorker { started }
    }

    /// The worker once it is ready, or why it cannot be used (as `WorkerLink::start`).
    pub async fn take(self) -> Result<WorkerLink, Unavailable> {
        self.started.take().await
    }
}

/// A started worker; terminated when dropped.
pub struct WorkerLink {
    worker: web_sys::Worker,
    inbox: Rc<Mailbox<FromWorker>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for WorkerLink {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl WorkerLink {
    /// Starts the worker and waits for its `Ready`; `Err` (why) when it cannot be used.
    pub async fn start() -> Result<WorkerLink, Unavailable> {
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options(&worker_url(), &options)
            .map_err(|error| Unavailable::NotStarted(JsError::from_js(&error)))?;
        let inbox = Rc::new(Mailbox::new());
        let on_message = {
            let inbox = Rc::clone(&inbox);
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let message = envelope_js::from_js(&event.data())
                    .map_err(|error| RunFailure::Protocol {
                        message: error.to_string(),
                    })
                    .and_then(|envelope| WorkerMessage::decode(envelope).map_err(unreadable));
                let blob = js_sys::Reflect::get(&event.data(), &"blob".into())
                    .ok()
                    .and_then(|blob| blob.dyn_into::<web_sys::Blob>().ok());
                inbox.post(match message {
                    Ok(message) => FromWorker::Message(message, blob),
                    Err(failure) => FromWorker::Unreadable(failure),
                });
            })
        };
        let on_error = {
            let inbox = Rc::clone(&inbox);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let message = event
                    .dyn_ref::<web_sys::ErrorEvent>()
                    .map(|error| error.message())
                    .unwrap_or_else(|| "the batch worker did not start".to_owned());
                inbox.post(FromWorker::Failed(message));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let link = WorkerLink {
            worker,
            inbox,
            _on_message: on_message,
            _on_error: on_error,
        };
        let timeout = {
            let inbox = Rc::clone(&link.inbox);
            Closure::once_into_js(move || inbox.post(FromWorker::TimedOut))
        };
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                timeout.unchecked_ref(),
                WORKER_START_TIMEOUT_MS,
            );
        }
        match link.inbox.take().await {
            FromWorker::Message(WorkerMessage::Ready, _) => Ok(link),
            FromWorker::Message(..) => Err(Unavailable::SpokeEarly),
            FromWorker::Unreadable(failure) => Err(Unavailable::Refused(failure)),
            FromWorker::Failed(message) => Err(Unavailable::ScriptFailed(message)),
            FromWorker::TimedOut => Err(Unavailable::TimedOut),
        }
    }

    pub fn post(
        &self,
        message: &PageMessage,
        file: Option<&web_sys::File>,
    ) -> Result<(), Unavailable> {
        let (object, transfer) = envelope_js::to_js(&message.encode());
        if let Some(file) = file {
            let _ = js_sys::Reflect::set(&object, &"file".into(), file);
        }
        self.worker
            .post_message_with_transfer(&object, &transfer)
            .map_err(|error| Unavailable::NotPosted(JsError::from_js(&error)))
    }

    /// Posts `message` with `files` beside it as `files` (the order history's files).
    pub fn post_with_files(
        &self,
        message: &PageMessage,
        files: &[web_sys::File],
    ) -> Result<(), Unavailable> {
        let (object, transfer) = envelope_js::to_js(&message.encode());
        let list = js_sys::Array::new();
        for file in files {
            list.push(file);
        }
        let _ = js_sys::Reflect::set(&object, &"files".into(), &list);
        self.worker
            .post_message_with_transfer(&object, &transfer)
            .map_err(|error| Unavailable::NotPosted(JsError::from_js(&error)))
    }

    /// The next message, skipping the start timer's late tick.
    pub async fn next(&self) -> Result<WorkerMessage, RunFailure> {
        self.next_with_blob().await.map(|(message, _)| message)
    }

    /// The next message and the `Blob` posted beside it, if any (`WorkerMessage::OutputInBlob`).
    pub async fn next_with_blob(
        &self,
    ) -> Result<(WorkerMessage, Option<web_sys::Blob>), RunFailure> {
        loop {
            match self.inbox.take().await {
                FromWorker::Message(message, blob) => return Ok((message, blob)),
                FromWorker::Unreadable(failure) => return Err(failure),
                FromWorker::Failed(message) => return Err(RunFailure::Protocol { message }),
                FromWorker::TimedOut => {}
            }
        }
    }
}
