//! The run's second worker, its helper: another copy of this worker started for a large file
//! (or ahead of one, `PageMessage::PrepareHelper`), that scores ranges of records while the
//! run's worker scores others, so both cores work. A helper that fails or does not start leaves
//! its ranges to the run's worker, which scores them in their places: the output is the same.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use instacart_reorder::batch::{RowRange, RunFailure, ScoredRange, ScoringRun};
use instacart_reorder::browser::envelope_js;
use instacart_reorder::browser::mailbox::Mailbox;
use instacart_reorder::worker_protocol::{PageMessage, StartRun, WorkerMessage};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::MessageEvent;

use crate::post::{post_to, read_helper_message};

/// Ranges sent to the helper and not answered yet, at most.
const HELPER_QUEUE: usize = 3;

/// What reached the run's worker, once the run is going: from the page or from the helper.
pub enum Incoming {
    Message(PageMessage),
    Unreadable(RunFailure),
    Helper(WorkerMessage),
    /// The helper failed (its script, or a message it sent): its ranges are scored here.
    HelperLost,
}

/// The second worker of a run; terminated when dropped.
pub struct Helper {
    worker: web_sys::Worker,
    /// Buffers the helper gave back with its answers, to carry the next ranges.
    spares: Rc<RefCell<Vec<js_sys::ArrayBuffer>>>,
    /// A warm-up for the helper, posted as soon as it is listening (`warm_up`).
    warm_up: Rc<RefCell<Option<String>>>,
    /// Its `Ready` came (seen as it arrives, before a run takes its messages).
    listening: Rc<Cell<bool>>,
    /// Its `Ready` came: it can take the run's setup.
    loaded: bool,
    /// It has the run's setup and takes ranges.
    ready: bool,
    /// Ranges sent and not answered yet, oldest first (kept to score here if it fails).
    sent: VecDeque<RowRange>,

    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl Helper {
    /// Starts another copy of this worker, whose messages arrive in `inbox`; `None` when no
    /// worker can be started here.
    pub fn start(inbox: &Rc<Mailbox<Incoming>>) -> Option<Helper> {
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let url = scope.location().href();
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options(&url, &options).ok()?;
        let spares = Rc::new(RefCell::new(Vec::new()));
        let warm_up: Rc<RefCell<Option<String>>> = Rc::new(RefCell::new(None));
        let listening = Rc::new(Cell::new(false));
        let on_message = {
            let inbox = Rc::clone(inbox);
            let spares = Rc::clone(&spares);
            let (warm_up, listening) = (Rc::clone(&warm_up), Rc::clone(&listening));
            let worker = worker.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(spare) = envelope_js::spare_of(&event.data()) {
                    spares.borrow_mut().push(spare);
                }
                let message = read_helper_message(&event.data());
                if let Some(WorkerMessage::Ready) = message {
                    listening.set(true);
                    if let Some(bundle_json) = warm_up.borrow_mut().take() {
                        post_to(&worker, &PageMessage::WarmUp { bundle_json });
                    }
                }
                inbox.post(match message {
                    Some(message) => Incoming::Helper(message),
                    None => Incoming::HelperLost,
                });
            })
        };
        let on_error = {
            let inbox = Rc::clone(inbox);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| {
                inbox.post(Incoming::HelperLost)
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(Helper {
            worker,
            spares,
            warm_up,
            listening,
            loaded: false,
            ready: false,
            sent: VecDeque::new(),
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    fn post(&self, message: &PageMessage) {
        post_to(&self.worker, message);
    }

    /// Has the helper warm up with `bundle_json` (`PageMessage::WarmUp`): now if it is
    /// listening, else as soon as it says so.
    pub fn warm_up(&self, bundle_json: String) {
        if self.listening.get() {
            self.post(&PageMessage::WarmUp { bundle_json });
        } else {
            *self.warm_up.borrow_mut() = Some(bundle_json);
        }
    }

    /// Sends `range` to be scored and keeps it (to score here if the helper fails): its
    /// bytes are copied once, into the message.
    pub fn send(&mut self, range: RowRange) {
        let header = PageMessage::ScoreRange {
            index: range.index,
            line: range.line,
            offset: range.offset,
            bytes: Vec::new(),
        };
        let envelope = header.encode();
        let spare = self.spares.borrow_mut().pop();
        let (object, transfer) = envelope_js::to_js_reusing(&envelope, &range.bytes, spare);
        let _ = self.worker.post_message_with_transfer(&object, &transfer);
        self.sent.push_back(range);
    }

    pub fn has_room(&self) -> bool {
        self.ready && self.sent.len() < HELPER_QUEUE
    }
}

/// A range cut from the file, in file order: scored (here or by the helper), or still with
/// the helper.
pub enum Pending {
    Scored(ScoredRange),
    WithHelper(u64),
}

/// A message from the helper: it is ready (it gets the run's setup), or a range is scored.
pub fn take_helper_answer(
    helper: &mut Option<Helper>,
    message: WorkerMessage,
    start: &StartRun,
    run: &ScoringRun<'_>,
    pending: &mut VecDeque<Pending>,
    helped: &mut u64,
) -> Result<(), RunFailure> {
    let Some(link) = helper else {
        return Ok(());
    };
    match message {
        WorkerMessage::Ready => {
            link.loaded = true;
            offer_setup(helper, start, run);
            Ok(())
        }
        WorkerMessage::RangeScored(scored)
            if link.sent.front().map(|range| range.index) == Some(scored.range_index) =>
        {
            link.sent.pop_front();
            *helped += 1;
            let slot = pending.iter_mut().find(
                |slot| matches!(slot, Pending::WithHelper(index) if *index == scored.range_index),
            );
            if let Some(slot) = slot {
                *slot = Pending::Scored(scored);
            }
            Ok(())
        }
        // Anything else (a failure, an answer out of turn): no more help.
        _ => lose_helper(helper, run, pending),
    }
}

/// Gives a loaded helper the run's setup once the run has read the file's header (a helper
/// prepared before the run may load first); from then on it takes ranges.
pub fn offer_setup(helper: &mut Option<Helper>, start: &StartRun, run: &ScoringRun<'_>) {
    let Some(link) = helper else { return };
    if !link.loaded || link.ready {
        return;
    }
    if let Some(scorer) = run.scorer() {
        link.post(&PageMessage::ScoreRanges(
            scorer.setup(start.bundle_json.clone()),
        ));
        link.ready = true;
    }
}

/// The helper is gone: the ranges it held are scored here, in their places.
pub fn lose_helper(
    helper: &mut Option<Helper>,
    run: &ScoringRun<'_>,
    pending: &mut VecDeque<Pending>,
) -> Result<(), RunFailure> {
    let Some(link) = helper.take() else {
        return Ok(());
    };
    for range in link.sent.iter() {
        let slot = pending
            .iter_mut()
            .find(|slot| matches!(slot, Pending::WithHelper(index) if *index == range.index));
        if let Some(slot) = slot {
            *slot = Pending::Scored(run.score(range.clone())?);
        }
    }
    Ok(())
}
