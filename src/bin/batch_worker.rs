//! The Batch page's Web Worker: scores a batch file off the main thread. It reads the posted
//! `File` a slice at a time (a file of a gigabyte never sits whole in memory), drives a
//! `batch::ScoringRun` over the slices, and posts progress (at most every 100 ms), the scored
//! chunks for the log, the scored CSV in parts, and the summary (`batch::worker_protocol`). It
//! also converts the own-model page's `model.txt` (`ConvertModel`: the posted `File` read whole,
//! at most 64 MB, and converted by `own_model::convert_own_model`, the page's own fallback) and
//! reads the history page's order files (`ParseHistory`: each posted `File` read whole, at most
//! 256 MB, by `history_upload::read_history`, the page's own fallback). It
//! links the pure modules and wasm-bindgen/js-sys/web-sys only, never the app's UI. Trunk builds
//! it from index.html (`data-type="worker"`, feature `batch-worker`); natively it only explains
//! itself.

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::rc::Rc;

    use instacart_reorder::batch::worker_protocol::{
        ConvertModel, PageMessage, RunFailure, StartRun, WorkerMessage, MAX_CHUNKS_IN_FLIGHT,
        PROTOCOL_VERSION,
    };
    use instacart_reorder::batch::{RunStep, ScoringRun};
    use instacart_reorder::envelope_js;
    use instacart_reorder::file_slices::SliceRead;
    use instacart_reorder::history_upload::answer_parse_history;
    use instacart_reorder::mailbox::Mailbox;
    use instacart_reorder::model::Model;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::spawn_local;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    /// Progress messages are this far apart at least.
    const PROGRESS_EVERY_MS: f64 = 100.0;

    /// What the page posted, once the run is going.
    enum Incoming {
        Message(PageMessage),
        Unreadable(String),
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
                Incoming::Message(PageMessage::ChunkLogged { .. }) => {
                    self.in_flight = self.in_flight.saturating_sub(1)
                }
                Incoming::Message(
                    PageMessage::Start(_)
                    | PageMessage::ConvertModel(_)
                    | PageMessage::ParseHistory { .. },
                ) => {
                    return Err(RunFailure::Protocol {
                        message: "a second job during a run".to_owned(),
                    })
                }
                Incoming::Unreadable(message) => return Err(RunFailure::Protocol { message }),
            }
            Ok(())
        }
    }

    fn post(scope: &DedicatedWorkerGlobalScope, message: WorkerMessage) {
        let (object, transfer) = envelope_js::to_js(&message.encode());
        // A page that has gone away cannot be told anything more.
        let _ = scope.post_message_with_transfer(&object, &transfer);
    }

    /// Runs the whole file; the `Err` is the run's failure, posted by the caller.
    async fn run(
        scope: &DedicatedWorkerGlobalScope,
        start: StartRun,
        file: web_sys::File,
        inbox: &Mailbox<Incoming>,
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
        let mut offset = 0u64;
        let mut next_read: Option<SliceRead> = None;
        let mut flow = Flow::default();
        let mut last_progress = f64::NEG_INFINITY;
        loop {
            while let Some(incoming) = inbox.try_take() {
                flow.handle(incoming)?;
            }
            if flow.cancelled {
                break;
            }
            match run.step(chunk_rows)? {
                RunStep::NeedsInput if offset < total => {
                    let end = (offset + slice_bytes).min(total);
                    let read = match next_read.take() {
                        Some(read) => read,
                        None => SliceRead::start(&file, offset, end)?,
                    };
                    run.push(read.bytes().await?);
                    offset = end;
                    // The next slice comes from disk while this one is scored.
                    if offset < total {
                        let next_end = (offset + slice_bytes).min(total);
                        next_read = Some(SliceRead::start(&file, offset, next_end)?);
                    }
                }
                RunStep::NeedsInput => run.end_input(),
                RunStep::Scored(chunk) => {
                    let part = run.take_output();
                    if !part.is_empty() {
                        post(scope, WorkerMessage::OutputPart(part));
                    }
                    if !chunk.is_empty() {
                        post(scope, WorkerMessage::Scored(chunk));
                        flow.in_flight += 1;
                    }
                    // The page logs more slowly than this scores: wait rather than pile up.
                    while flow.in_flight >= MAX_CHUNKS_IN_FLIGHT && !flow.cancelled {
                        flow.handle(inbox.take().await)?;
                    }
                }
                RunStep::Finished => break,
            }
            let now = js_sys::Date::now();
            if now - last_progress >= PROGRESS_EVERY_MS {
                last_progress = now;
                post(scope, WorkerMessage::Progress(run.progress()));
            }
        }
        let part = run.take_output();
        if !part.is_empty() {
            post(scope, WorkerMessage::OutputPart(part));
        }
        post(scope, WorkerMessage::Progress(run.progress()));
        post(scope, WorkerMessage::Finished(run.finish(flow.cancelled)?));
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

    pub fn start() {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let inbox: Rc<Mailbox<Incoming>> = Rc::new(Mailbox::new());
        let mut started = false;
        let on_message = {
            let scope = scope.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let data = event.data();
                let message = envelope_js::from_js(&data)
                    .map_err(|error| error.to_string())
                    .and_then(|envelope| {
                        PageMessage::decode(&envelope).map_err(|error| error.to_string())
                    });
                match message {
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
                        spawn_local(async move {
                            if let Err(failure) = run(&scope, start, file, &inbox).await {
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
