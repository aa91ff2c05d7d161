//! The page's end of the batch worker (src/bin/batch_worker.rs), shared by the jobs it does: a
//! Batch run (`batch_run`), an own model's conversion (`own_model_work`) and an order history's
//! reading (`history_work`). `WorkerLink::start`
//! starts a fresh worker and waits for its `Ready`; it answers `Err` (why) when no worker can be
//! used (none starts, it fails to load, or it speaks another protocol version), and the caller
//! then does the job on the main thread. One job per worker; it is terminated when dropped.
//! `WarmWorker` starts one ahead of its job (the Batch page keeps one for the next file).

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::batch::worker_protocol::{PageMessage, RunFailure, WorkerMessage, PROTOCOL_VERSION};
use crate::browser::envelope_js;
use crate::browser::js_error::js_message;
use crate::browser::mailbox::Mailbox;

/// Where Trunk puts the worker's loader (index.html, `data-bin="batch_worker"`).
const WORKER_URL: &str = "/batch_worker_loader.js";
/// How long a worker may take to say it is ready before the page does the job by itself.
const WORKER_START_TIMEOUT_MS: i32 = 15_000;

/// What reaches the page from a worker.
enum FromWorker {
    /// A message, and the `Blob` posted beside it if there is one.
    Message(WorkerMessage, Option<web_sys::Blob>),
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
    started: Rc<Mailbox<Result<WorkerLink, String>>>,
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
    pub async fn take(self) -> Result<WorkerLink, String> {
        self.started.take().await
    }
}

/// Why a job done in the worker has no answer from it.
#[derive(Debug)]
pub enum NoAnswer {
    /// No worker of this build could take the job (none starts, it fails to load, another
    /// build's protocol): the page does the job itself.
    Unavailable(String),
    /// The worker took the job and stopped without finishing it (out of memory, a trap, a file
    /// it could not read): reported as the job's failure. Never redone on the main thread,
    /// where the same failure would take the whole app down.
    Died(String),
}

impl NoAnswer {
    /// How a failure the worker reported while doing a job counts: another build's protocol
    /// means the page can do the job; anything else is the job's failure.
    pub fn of_failure(failure: RunFailure) -> NoAnswer {
        match failure {
            RunFailure::VersionMismatch { .. } => NoAnswer::Unavailable(failure.to_string()),
            failure => NoAnswer::Died(failure.to_string()),
        }
    }
}

/// A started batch worker; terminated when dropped.
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
    pub async fn start() -> Result<WorkerLink, String> {
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options(WORKER_URL, &options)
            .map_err(|error| js_message(&error))?;
        let inbox = Rc::new(Mailbox::new());
        let on_message = {
            let inbox = Rc::clone(&inbox);
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let message = envelope_js::from_js(&event.data())
                    .map_err(|error| error.to_string())
                    .and_then(|envelope| {
                        WorkerMessage::decode(envelope).map_err(|error| error.to_string())
                    });
                let blob = js_sys::Reflect::get(&event.data(), &"blob".into())
                    .ok()
                    .and_then(|blob| blob.dyn_into::<web_sys::Blob>().ok());
                inbox.post(match message {
                    Ok(message) => FromWorker::Message(message, blob),
                    Err(error) => FromWorker::Failed(error),
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
            FromWorker::Message(WorkerMessage::Ready { protocol_version }, _)
                if protocol_version == PROTOCOL_VERSION =>
            {
                Ok(link)
            }
            FromWorker::Message(WorkerMessage::Ready { protocol_version }, _) => {
                Err(RunFailure::VersionMismatch {
                    page: PROTOCOL_VERSION,
                    worker: protocol_version,
                }
                .to_string())
            }
            FromWorker::Message(..) => Err("the batch worker spoke before it was ready".to_owned()),
            FromWorker::Failed(message) => Err(message),
            FromWorker::TimedOut => Err("the batch worker did not start in time".to_owned()),
        }
    }

    pub fn post(&self, message: &PageMessage, file: Option<&web_sys::File>) -> Result<(), String> {
        let (object, transfer) = envelope_js::to_js(&message.encode());
        if let Some(file) = file {
            let _ = js_sys::Reflect::set(&object, &"file".into(), file);
        }
        self.worker
            .post_message_with_transfer(&object, &transfer)
            .map_err(|error| js_message(&error))
    }

    /// Posts `message` with `files` beside it as `files` (the order history's files).
    pub fn post_with_files(
        &self,
        message: &PageMessage,
        files: &[web_sys::File],
    ) -> Result<(), String> {
        let (object, transfer) = envelope_js::to_js(&message.encode());
        let list = js_sys::Array::new();
        for file in files {
            list.push(file);
        }
        let _ = js_sys::Reflect::set(&object, &"files".into(), &list);
        self.worker
            .post_message_with_transfer(&object, &transfer)
            .map_err(|error| js_message(&error))
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
                FromWorker::Failed(message) => return Err(RunFailure::Protocol { message }),
                FromWorker::TimedOut => {}
            }
        }
    }
}
