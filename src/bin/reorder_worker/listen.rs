//! The worker's listener: each message from the page (or, in a helper, from the run's worker)
//! read through its envelope and handed to its job, one job per started worker. Before a job the
//! Batch page may ask a worker it keeps ready to warm up and to start its helper ahead, so a
//! file chosen later finds both loaded and their scoring code compiled for speed.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use instacart_reorder::batch::{RowRange, RunFailure};
use instacart_reorder::browser::mailbox::Mailbox;
use instacart_reorder::model::Model;
use instacart_reorder::worker_protocol::{warm_up, PageMessage, WorkerMessage};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::helper::{Helper, Incoming};
use crate::post::{post, read_page_message};
use crate::ranges::Helping;
use crate::{convert, history, run};

/// What this worker is doing, between messages.
struct Listener {
    scope: DedicatedWorkerGlobalScope,
    /// Messages for the run going on (the page's, and its helper's).
    inbox: Rc<Mailbox<Incoming>>,
    /// A job has been taken: the worker takes no other.
    started: bool,
    /// The helper started ahead for the next run (`PrepareHelper`).
    prepared: Option<Helper>,
    /// Set when this worker is a run's helper (`ScoreRanges`).
    helping: Option<Helping>,
}

impl Listener {
    fn take(&mut self, data: JsValue) {
        let message = read_page_message(&data);
        // Any job but a run ends a prepared helper unused.
        if !matches!(
            message,
            Ok(PageMessage::Start(_) | PageMessage::PrepareHelper | PageMessage::WarmUp { .. })
        ) {
            self.prepared = None;
        }
        let idle = !self.started;
        match message {
            Ok(PageMessage::WarmUp { bundle_json }) if idle => self.warm_up(bundle_json),
            Ok(PageMessage::PrepareHelper) if idle => self.prepare_helper(),
            Ok(PageMessage::Start(start)) if idle => {
                self.started = true;
                let prepared = self.prepared.take();
                run::start(&self.scope, &self.inbox, start, &data, prepared);
            }
            Ok(PageMessage::ConvertModel(request)) if idle => {
                self.started = true;
                convert::start(&self.scope, request, &data);
            }
            Ok(PageMessage::ParseHistory) if idle => {
                self.started = true;
                history::start(&self.scope, &data);
            }
            Ok(PageMessage::ScoreRanges(setup)) if idle => {
                self.started = true;
                match Helping::new(setup) {
                    Ok(helping) => self.helping = Some(helping),
                    Err(failure) => post(&self.scope, WorkerMessage::Failed(failure)),
                }
            }
            Ok(PageMessage::ScoreRange {
                index,
                line,
                offset,
                bytes,
            }) if self.helping.is_some() => {
                let range = RowRange {
                    index,
                    line,
                    offset,
                    bytes,
                };
                if let Some(helping) = &self.helping {
                    helping.score(&self.scope, range, &data);
                }
            }
            Ok(message) => self.inbox.post(Incoming::Message(message)),
            // A page of another build is told so at once, whatever it asked.
            Err(failure @ RunFailure::VersionMismatch { .. }) if idle => {
                self.started = true;
                post(&self.scope, WorkerMessage::Failed(failure));
            }
            Err(failure) => self.inbox.post(Incoming::Unreadable(failure)),
        }
    }

    /// Scores made-up rows with the model of `bundle_json` (`worker_protocol::warm_up`), and has
    /// the prepared helper do the same; a model that does not load, or a warm-up that fails,
    /// only means the run compiles as it goes.
    fn warm_up(&self, bundle_json: String) {
        if let Ok(model) = Model::from_bundle_json(&bundle_json) {
            let _ = warm_up(&model);
        }
        if let Some(helper) = &self.prepared {
            helper.warm_up(bundle_json);
        }
    }

    fn prepare_helper(&mut self) {
        if self.prepared.is_none() {
            self.prepared = Helper::start(&self.inbox);
        }
    }
}

/// Listens for the page's messages, then tells the page it is ready.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let mut listener = Listener {
        scope: scope.clone(),
        inbox: Rc::new(Mailbox::new()),
        started: false,
        prepared: None,
        helping: None,
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        listener.take(event.data())
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    // Messages posted before this point were dropped (the wasm was still loading): the page
    // waits for this one before it posts anything.
    post(&scope, WorkerMessage::Ready);
}
