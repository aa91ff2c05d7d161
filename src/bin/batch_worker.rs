//! The Batch page's Web Worker: scores a batch file off the main thread. It reads the posted
//! `File` a slice at a time (a file of a gigabyte never sits whole in memory), drives a
//! `batch::ScoringRun` over the slices, and posts progress (at most every 100 ms), the scored
//! chunks for the log, the scored CSV in parts, and the summary (`batch::worker_protocol`). For a
//! large file it starts a second copy of itself as a helper (`ScoreRanges`): the run's ranges of
//! records go to whichever of the two is free, and the run puts them back in file order, so the
//! output is the one a single scorer writes while both cores work. A helper that fails or does
//! not start leaves its ranges to the run's worker. The Batch page keeps a worker ready for the
//! next file and asks it to start its helper ahead (`PrepareHelper`), so a run does not wait for
//! the helper's wasm to load and compile; a run of a small file, or another job, ends it. With
//! `WarmUp` both score made-up rows (`batch::warm_up`) before the file comes, so V8 has compiled
//! the scoring code for speed by then. It
//! also converts the own-model page's `model.txt` (`ConvertModel`: the posted `File` read whole,
//! at most 64 MB, and converted by `own_model::convert_own_model`, the page's own fallback) and
//! reads the history page's order files (`ParseHistory`: each posted `File` read whole, at most
//! 256 MB, by `history_upload::read_history`, the page's own fallback). It
//! links the pure modules and wasm-bindgen/js-sys/web-sys only, never the app's UI. Trunk builds
//! it from index.html (`data-type="worker"`, feature `batch-worker`); natively it only explains
//! itself.

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;
    use std::rc::Rc;

    use instacart_reorder::batch::worker_protocol::{
        ConvertModel, PageMessage, RunFailure, StartRun, WorkerMessage, MAX_CHUNKS_IN_FLIGHT,
        PROTOCOL_VERSION,
    };
    use instacart_reorder::batch::{
        warm_up, ChunkMerger, NextRange, RangeScorer, RangeSetup, RowRange, ScoredRange, ScoringRun,
    };
    use instacart_reorder::browser::envelope_js;
    use instacart_reorder::browser::file_slices::SliceRead;
    use instacart_reorder::browser::mailbox::Mailbox;
    use instacart_reorder::browser::next_task::next_task;
    use instacart_reorder::model::Model;
    use instacart_reorder::order_history::upload::answer_parse_history;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::spawn_local;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    /// Progress messages are this far apart at least.
    const PROGRESS_EVERY_MS: f64 = 100.0;
    /// A helper is started for files with at least this many bytes after the header (below, its
    /// start costs more than it saves).
    const HELPER_FROM_BYTES: u64 = 4 << 20;
    /// Ranges sent to the helper and not answered yet, at most.
    const HELPER_QUEUE: usize = 3;
    /// Ranges cut and not yet handed to the page, at most (bounds memory when the page logs
    /// more slowly than the two score).
    const MAX_RANGES_PENDING: usize = 6;
    /// The scored CSV leaves in parts of at least this many bytes (the last may be smaller):
    /// each `Blob` made costs the browser more than its bytes do (a 35 MB CSV as 100 Blobs:
    /// 130 ms; as 10: 57 ms).
    const OUTPUT_PART_BYTES: usize = 4 << 20;

    fn post_to(worker: &web_sys::Worker, message: &PageMessage) {
        let (object, transfer) = envelope_js::to_js(&message.encode());
        // A worker that has failed cannot be told anything more (its error event says so).
        let _ = worker.post_message_with_transfer(&object, &transfer);
    }

    /// Scores made-up rows with the model of `bundle_json` (`batch::warm_up`); a model that does
    /// not load, or a warm-up that fails, only means the run compiles as it goes.
    fn warm_up_with(bundle_json: &str) {
        if let Ok(model) = Model::from_bundle_json(bundle_json) {
            let _ = warm_up(&model);
        }
    }

    /// What reached the run's worker, once the run is going: from the page or from the helper.
    enum Incoming {
        Message(PageMessage),
        Unreadable(String),
        Helper(WorkerMessage),
        /// The helper failed (its script, or a message it sent): its ranges are scored here.
        HelperLost,
    }

    /// The second worker of a run; terminated when dropped.
    struct Helper {
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
        fn start(inbox: &Rc<Mailbox<Incoming>>) -> Option<Helper> {
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
                    let message = envelope_js::from_js(&event.data())
                        .map_err(|error| error.to_string())
                        .and_then(|envelope| {
                            WorkerMessage::decode(envelope).map_err(|error| error.to_string())
                        });
                    if let Ok(WorkerMessage::Ready { .. }) = message {
                        listening.set(true);
                        if let Some(bundle_json) = warm_up.borrow_mut().take() {
                            post_to(&worker, &PageMessage::WarmUp { bundle_json });
                        }
                    }
                    inbox.post(match message {
                        Ok(message) => Incoming::Helper(message),
                        Err(_) => Incoming::HelperLost,
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
        fn warm_up(&self, bundle_json: String) {
            if self.listening.get() {
                self.post(&PageMessage::WarmUp { bundle_json });
            } else {
                *self.warm_up.borrow_mut() = Some(bundle_json);
            }
        }

        /// Sends `range` to be scored and keeps it (to score here if the helper fails): its
        /// bytes are copied once, into the message.
        fn send(&mut self, range: RowRange) {
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

        fn has_room(&self) -> bool {
            self.ready && self.sent.len() < HELPER_QUEUE
        }
    }

    /// A range cut from the file, in file order: scored (here or by the helper), or still with
    /// the helper.
    enum Pending {
        Scored(ScoredRange),
        WithHelper(u64),
    }

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
                    | PageMessage::ParseHistory { .. }
                    | PageMessage::ScoreRanges(_)
                    | PageMessage::ScoreRange { .. },
                ) => {
                    return Err(RunFailure::Protocol {
                        message: "a second job during a run".to_owned(),
                    })
                }
                Incoming::Unreadable(message) => return Err(RunFailure::Protocol { message }),
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

    fn post(scope: &DedicatedWorkerGlobalScope, message: WorkerMessage) {
        let (object, transfer) = envelope_js::to_js(&message.encode());
        // A page that has gone away cannot be told anything more.
        let _ = scope.post_message_with_transfer(&object, &transfer);
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
        if start.protocol_version != PROTOCOL_VERSION {
            return Err(RunFailure::VersionMismatch {
                page: start.protocol_version,
                worker: PROTOCOL_VERSION,
            });
        }
        let model =
            Model::from_bundle_json(&start.bundle_json).map_err(|error| RunFailure::Model {
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

    /// A message from the helper: it is ready (it gets the run's setup), or a range is scored.
    fn take_helper_answer(
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
            WorkerMessage::Ready { protocol_version } if protocol_version == PROTOCOL_VERSION => {
                link.loaded = true;
                offer_setup(helper, start, run);
                Ok(())
            }
            WorkerMessage::RangeScored(scored)
                if link.sent.front().map(|range| range.index) == Some(scored.range_index) =>
            {
                link.sent.pop_front();
                *helped += 1;
                let slot = pending.iter_mut().find(|slot| {
                    matches!(slot, Pending::WithHelper(index) if *index == scored.range_index)
                });
                if let Some(slot) = slot {
                    *slot = Pending::Scored(scored);
                }
                Ok(())
            }
            // Anything else (a failure, another version, an answer out of turn): no more help.
            _ => lose_helper(helper, run, pending),
        }
    }

    /// Gives a loaded helper the run's setup once the run has read the file's header (a helper
    /// prepared before the run may load first); from then on it takes ranges.
    fn offer_setup(helper: &mut Option<Helper>, start: &StartRun, run: &ScoringRun<'_>) {
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
    fn lose_helper(
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

    /// Reads the whole `model.txt` and converts it; the answer to post.
    async fn convert(request: ConvertModel, file: web_sys::File) -> WorkerMessage {
        if request.protocol_version != PROTOCOL_VERSION {
            return WorkerMessage::Failed(RunFailure::VersionMismatch {
                page: request.protocol_version,
                worker: PROTOCOL_VERSION,
            });
        }
        let read = match SliceRead::start(&file, 0, file.size() as u64) {
            Ok(read) => read.bytes().await,
            Err(failure) => Err(failure),
        };
        match read {
            Ok(model_txt) => request.answer(model_txt),
            Err(failure) => WorkerMessage::Failed(failure),
        }
    }

    /// Reads the order files whole and reads the history from them; the answer to post.
    async fn parse_history(protocol_version: u32, files: Vec<web_sys::File>) -> WorkerMessage {
        if protocol_version != PROTOCOL_VERSION {
            return WorkerMessage::Failed(RunFailure::VersionMismatch {
                page: protocol_version,
                worker: PROTOCOL_VERSION,
            });
        }
        let mut contents = Vec::with_capacity(files.len());
        for file in &files {
            let read = match SliceRead::start(file, 0, file.size() as u64) {
                Ok(read) => read.bytes().await,
                Err(failure) => Err(failure),
            };
            match read {
                Ok(bytes) => contents.push((file.name(), bytes)),
                Err(failure) => return WorkerMessage::Failed(failure),
            }
        }
        answer_parse_history(&contents)
    }

    /// Scores one range as a helper: the answer to post.
    fn score_for_run(model: &Model, setup: &RangeSetup, range: RowRange) -> WorkerMessage {
        let scorer = RangeScorer::new(
            model,
            setup.layout.clone(),
            setup.max_listed_errors as usize,
            setup.preview_rows as usize,
        )
        .keeping_values(setup.keep_values);
        match scorer.score(range) {
            Ok(scored) => WorkerMessage::RangeScored(scored),
            Err(failure) => WorkerMessage::Failed(failure),
        }
    }

    pub fn start() {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let inbox: Rc<Mailbox<Incoming>> = Rc::new(Mailbox::new());
        let mut started = false;
        // The helper started ahead for the next run (`PrepareHelper`).
        let mut prepared: Option<Helper> = None;
        // Set when this worker is a run's helper (`ScoreRanges`).
        let mut helping: Option<(Model, RangeSetup)> = None;
        let on_message = {
            let scope = scope.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let data = event.data();
                let message = envelope_js::from_js(&data)
                    .map_err(|error| error.to_string())
                    .and_then(|envelope| {
                        PageMessage::from_envelope(envelope).map_err(|error| error.to_string())
                    });
                // Any job but a run ends a prepared helper unused.
                if !matches!(
                    message,
                    Ok(PageMessage::Start(_)
                        | PageMessage::PrepareHelper
                        | PageMessage::WarmUp { .. })
                ) {
                    prepared = None;
                }
                match message {
                    Ok(PageMessage::WarmUp { bundle_json }) if !started => {
                        warm_up_with(&bundle_json);
                        if let Some(helper) = &prepared {
                            helper.warm_up(bundle_json);
                        }
                    }
                    Ok(PageMessage::PrepareHelper) if !started => {
                        if prepared.is_none() {
                            prepared = Helper::start(&inbox);
                        }
                    }
                    Ok(PageMessage::ScoreRanges(setup)) if !started => {
                        started = true;
                        if setup.protocol_version != PROTOCOL_VERSION {
                            post(
                                &scope,
                                WorkerMessage::Failed(RunFailure::VersionMismatch {
                                    page: setup.protocol_version,
                                    worker: PROTOCOL_VERSION,
                                }),
                            );
                            return;
                        }
                        match Model::from_bundle_json(&setup.bundle_json) {
                            Ok(model) => helping = Some((model, setup)),
                            Err(error) => post(
                                &scope,
                                WorkerMessage::Failed(RunFailure::Model {
                                    message: error.to_string(),
                                }),
                            ),
                        }
                    }
                    Ok(PageMessage::ScoreRange {
                        index,
                        line,
                        offset,
                        bytes,
                    }) if helping.is_some() => {
                        if let Some((model, setup)) = &helping {
                            let range = RowRange {
                                index,
                                line,
                                offset,
                                bytes,
                            };
                            let answer = score_for_run(model, setup, range);
                            // The range's buffer goes back to carry another range.
                            let (object, transfer) = envelope_js::to_js(&answer.encode());
                            if let Some(buffer) = envelope_js::bytes_buffer_of(&data) {
                                envelope_js::give_back(&object, &transfer, buffer);
                            }
                            let _ = scope.post_message_with_transfer(&object, &transfer);
                        }
                    }
                    Ok(PageMessage::Start(start)) if !started => {
                        started = true;
                        let Some(file) = envelope_js::file_of(&data) else {
                            post(
                                &scope,
                                WorkerMessage::Failed(RunFailure::Protocol {
                                    message: "the start message carries no file".to_owned(),
                                }),
                            );
                            return;
                        };
                        let (scope, inbox) = (scope.clone(), Rc::clone(&inbox));
                        let prepared = prepared.take();
                        spawn_local(async move {
                            if let Err(failure) = run(&scope, start, file, &inbox, prepared).await {
                                post(&scope, WorkerMessage::Failed(failure));
                            }
                        });
                    }
                    Ok(PageMessage::ConvertModel(request)) if !started => {
                        started = true;
                        let Some(file) = envelope_js::file_of(&data) else {
                            post(
                                &scope,
                                WorkerMessage::Failed(RunFailure::Protocol {
                                    message: "the conversion message carries no file".to_owned(),
                                }),
                            );
                            return;
                        };
                        let scope = scope.clone();
                        spawn_local(async move {
                            post(&scope, convert(request, file).await);
                        });
                    }
                    Ok(PageMessage::ParseHistory { protocol_version }) if !started => {
                        started = true;
                        let files = envelope_js::files_of(&data);
                        let scope = scope.clone();
                        spawn_local(async move {
                            post(&scope, parse_history(protocol_version, files).await);
                        });
                    }
                    Ok(message) => inbox.post(Incoming::Message(message)),
                    Err(message) => inbox.post(Incoming::Unreadable(message)),
                }
            })
        };
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The handler lives as long as the worker.
        on_message.forget();
        // Messages posted before this point were dropped (the wasm was still loading): the page
        // waits for this one before it posts anything.
        post(
            &scope,
            WorkerMessage::Ready {
                protocol_version: PROTOCOL_VERSION,
            },
        );
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "batch_worker is the Batch page's Web Worker: Trunk builds it for wasm32 with \
         `trunk build --release`; the native command line is `reorder`"
    );
    std::process::exit(2);
}
