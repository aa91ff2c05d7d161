//! The batch run job: the posted `File` read a slice at a time (a file of a gigabyte never sits
//! whole in memory), a `batch::ScoringRun` driven over the slices, and progress, the scored
//! chunks for the log, the scored CSV in parts and the summary posted to the page. A large
//! file's ranges go to whichever of this worker and its helper (`helper`) is free, and the run
//! puts them back in file order, so the output is the one a single scorer writes. The page's
//! pace bounds the run: it runs at most `MAX_CHUNKS_IN_FLIGHT` chunks ahead of the log.
#![cfg(target_arch = "wasm32")]

use std::collections::VecDeque;
use std::rc::Rc;

use instacart_reorder::batch::{ChunkMerger, NextRange, RunFailure, ScoringRun};
use instacart_reorder::browser::envelope_js;
use instacart_reorder::browser::file_slices::SliceRead;
use instacart_reorder::browser::mailbox::Mailbox;
use instacart_reorder::browser::next_task::next_task;
use instacart_reorder::model::Model;
use instacart_reorder::worker_protocol::{
    PageMessage, StartRun, WorkerMessage, MAX_CHUNKS_IN_FLIGHT,
};
use web_sys::DedicatedWorkerGlobalScope;

use crate::helper::{lose_helper, offer_setup, take_helper_answer, Helper, Incoming, Pending};
use crate::post::post;

/// Progress messages are this far apart at least.
const PROGRESS_EVERY_MS: f64 = 100.0;
/// A helper is started for files with at least this many bytes after the header (below, its
/// start costs more than it saves).
const HELPER_FROM_BYTES: u64 = 4 << 20;
/// Ranges cut and not yet handed to the page, at most (bounds memory when the page logs
/// more slowly than the two score).
const MAX_RANGES_PENDING: usize = 6;
/// The scored CSV leaves in parts of at least this many bytes (the last may be smaller):
/// each `Blob` made costs the browser more than its bytes do, so few large parts (the figures:
/// docs/performance.md, "Range, log and output part sizes").
const OUTPUT_PART_BYTES: usize = 4 << 20;

/// The page's side of a run: chunks it has not logged yet, and whether it cancelled.
#[derive(Default)]
struct Flow {
    in_flight: u32,
    cancelled: bool,
}

impl Flow {
    fn handle(&mut self, incoming: Incoming) -> Result<(), RunFailure> {
        match incoming {
            Incoming::Message(PageMessage::Cancel) => self.cancelled = true,
            // The helper is prepared already, or being started by the run; warm already.
            Incoming::Message(PageMessage::PrepareHelper | PageMessage::WarmUp { .. }) => {}
            Incoming::Message(PageMessage::ChunkLogged { .. }) => {
                self.in_flight = self.in_flight.saturating_sub(1)
            }
            Incoming::Message(
                PageMessage::Start(_)
                | PageMessage::ConvertModel(_)
                | PageMessage::ParseHistory
                | PageMessage::ScoreRanges(_)
                | PageMessage::ScoreRange { .. },
            ) => {
                return Err(RunFailure::Protocol {
                    message: "a second job during a run".to_owned(),
                })
            }
            Incoming::Unreadable(failure) => return Err(failure),
            // The run's loop takes the helper's messages itself.
            Incoming::Helper(_) | Incoming::HelperLost => {}
        }
        Ok(())
    }
}

/// Posts a part of the scored CSV as a `Blob` made here (the page keeps it as it is), or as
/// bytes if no `Blob` can be made.
fn post_output(scope: &DedicatedWorkerGlobalScope, part: Vec<u8>) {
    // Copied out of wasm memory first: a view into it could be detached by any allocation
    // on the way (the parts are few, at least 4 MiB each, so the copy is cheap).
    let bytes = js_sys::Array::of1(&js_sys::Uint8Array::from(part.as_slice()));
    match web_sys::Blob::new_with_u8_array_sequence(&bytes) {
        Ok(blob) => {
            let (object, transfer) = envelope_js::to_js(&WorkerMessage::OutputInBlob.encode());
            let _ = js_sys::Reflect::set(&object, &"blob".into(), &blob);
            let _ = scope.post_message_with_transfer(&object, &transfer);
        }
        Err(_) => post(scope, WorkerMessage::OutputPart(part)),
    }
}

/// Runs the whole file, with the helper prepared before the run if there is one; the `Err`
/// is the run's failure, posted by the caller.
async fn run(
    scope: &DedicatedWorkerGlobalScope,
    start: StartRun,
    file: web_sys::File,
    inbox: &Rc<Mailbox<Incoming>>,
    prepared: Option<Helper>,
) -> Result<(), RunFailure> {
    let model = Model::from_bundle_json(&start.bundle_json).map_err(|error| RunFailure::Model {
        message: error.to_string(),
    })?;
    let total = file.size() as u64;
    let slice_bytes = start.slice_bytes.max(1);
    let chunk_rows = (start.chunk_rows as usize).max(1);
    let mut run = ScoringRun::new(
        &model,
        total,
        start.max_listed_errors as usize,
        start.preview_rows as usize,
    );
    run.keep_values(start.keep_values);
    run.class_names(start.class_names.clone());
    let mut offset = 0u64;
    let mut next_read: Option<SliceRead> = None;
    let mut flow = Flow::default();
    let mut last_progress = f64::NEG_INFINITY;
    // The prepared helper's messages are taken from the start; whether the run keeps it is
    // decided at the first range.
    let mut helper: Option<Helper> = prepared;
    let mut helper_decided = false;
    // Ranges the helper scored: the run says how many workers scored.
    let mut helped = 0u64;
    let mut pending: VecDeque<Pending> = VecDeque::new();
    let mut cut_all = false;
    let mut merger = ChunkMerger::new(start.log_chunk_rows as usize);
    loop {
        while let Some(incoming) = inbox.try_take() {
            dispatch(
                incoming,
                &mut flow,
                &mut helper,
                &start,
                &run,
                &mut pending,
                &mut helped,
            )?;
        }
        if flow.cancelled {
            break;
        }
        // Hand the ranges scored, in file order, to the page while it keeps up.
        while flow.in_flight < MAX_CHUNKS_IN_FLIGHT {
            let Some(Pending::Scored(_)) = pending.front() else {
                break;
            };
            let Some(Pending::Scored(scored)) = pending.pop_front() else {
                break;
            };
            let chunk = run.absorb(scored)?;
            if run.output_bytes() >= OUTPUT_PART_BYTES {
                post_output(scope, run.take_output());
            }
            if let Some(chunk) = merger.push(chunk) {
                post(scope, WorkerMessage::Scored(chunk));
                flow.in_flight += 1;
            }
        }
        let now = js_sys::Date::now();
        if now - last_progress >= PROGRESS_EVERY_MS {
            last_progress = now;
            post(scope, WorkerMessage::Progress(run.progress()));
        }
        if cut_all && pending.is_empty() {
            break;
        }
        // Wait for the page or the helper: everything is cut, or enough is waiting.
        if cut_all || pending.len() >= MAX_RANGES_PENDING {
            let incoming = inbox.take().await;
            dispatch(
                incoming,
                &mut flow,
                &mut helper,
                &start,
                &run,
                &mut pending,
                &mut helped,
            )?;
            continue;
        }
        match run.next_range(chunk_rows)? {
            NextRange::NeedsInput if offset < total => {
                let end = (offset + slice_bytes).min(total);
                let read = match next_read.take() {
                    Some(read) => read,
                    None => SliceRead::start(&file, offset, end)?,
                };
                let slice = read.array().await?;
                run.push_with(slice.length() as usize, |buffer| slice.copy_to(buffer));
                offset = end;
                // The next slice comes from disk while this one is scored.
                if offset < total {
                    let next_end = (offset + slice_bytes).min(total);
                    next_read = Some(SliceRead::start(&file, offset, next_end)?);
                }
            }
            NextRange::NeedsInput => run.end_input(),
            NextRange::Finished => cut_all = true,
            NextRange::Range(range) => {
                if !helper_decided {
                    helper_decided = true;
                    if total.saturating_sub(range.offset) >= HELPER_FROM_BYTES {
                        if helper.is_none() {
                            helper = Helper::start(inbox);
                        }
                        offer_setup(&mut helper, &start, &run);
                    } else {
                        // A small file: a prepared helper ends unused.
                        helper = None;
                    }
                }
                match &mut helper {
                    Some(helper) if helper.has_room() => {
                        pending.push_back(Pending::WithHelper(range.index));
                        helper.send(range);
                    }
                    Some(_) => {
                        pending.push_back(Pending::Scored(run.score(range)?));
                        // The helper may have answered meanwhile: let its message in.
                        next_task().await;
                    }
                    None => pending.push_back(Pending::Scored(run.score(range)?)),
                }
            }
        }
    }
    drop(helper);
    if let Some(chunk) = merger.finish() {
        post(scope, WorkerMessage::Scored(chunk));
    }
    let part = run.take_output();
    if !part.is_empty() {
        post_output(scope, part);
    }
    post(scope, WorkerMessage::Progress(run.progress()));
    let mut summary = run.finish(flow.cancelled)?;
    summary.scorers = if helped > 0 { 2 } else { 1 };
    post(scope, WorkerMessage::Finished(summary));
    Ok(())
}

/// Takes one message that reached the run's worker: the page's or the helper's.
fn dispatch(
    incoming: Incoming,
    flow: &mut Flow,
    helper: &mut Option<Helper>,
    start: &StartRun,
    run: &ScoringRun<'_>,
    pending: &mut VecDeque<Pending>,
    helped: &mut u64,
) -> Result<(), RunFailure> {
    match incoming {
        Incoming::Helper(message) => {
            take_helper_answer(helper, message, start, run, pending, helped)
        }
        Incoming::HelperLost => lose_helper(helper, run, pending),
        other => flow.handle(other),
    }
}

/// Starts the run of `start` on the file posted in `data`, with the helper prepared before it if
/// there is one; its failure, if it fails, is posted.
pub fn start(
    scope: &DedicatedWorkerGlobalScope,
    inbox: &Rc<Mailbox<Incoming>>,
    start: StartRun,
    data: &wasm_bindgen::JsValue,
    prepared: Option<Helper>,
) {
    let Some(file) = envelope_js::file_of(data) else {
        post(
            scope,
            WorkerMessage::Failed(RunFailure::Protocol {
                message: "the start message carries no file".to_owned(),
            }),
        );
        return;
    };
    let (scope, inbox) = (scope.clone(), Rc::clone(inbox));
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(failure) = run(&scope, start, file, &inbox, prepared).await {
            post(&scope, WorkerMessage::Failed(failure));
        }
    });
}
