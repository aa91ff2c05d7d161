//! The helper's job: scoring the ranges of another worker's run (`PageMessage::ScoreRanges`
//! gives the model, the file's layout and the run's limits; each `ScoreRange` one range). Each
//! answer gives the range's buffer back, so a run's ranges leave no garbage in either worker.
#![cfg(target_arch = "wasm32")]

use instacart_reorder::batch::{RangeScorer, RangeSetup, RowRange, RunFailure};
use instacart_reorder::browser::envelope_js;
use instacart_reorder::model::Model;
use instacart_reorder::worker_protocol::WorkerMessage;
use wasm_bindgen::JsValue;
use web_sys::DedicatedWorkerGlobalScope;

/// What a helper scores ranges with.
pub struct Helping {
    model: Model,
    setup: RangeSetup,
}

impl Helping {
    /// The run's setup taken; `Err` when its model does not load.
    pub fn new(setup: RangeSetup) -> Result<Helping, RunFailure> {
        let model =
            Model::from_bundle_json(&setup.bundle_json).map_err(|error| RunFailure::Model {
                message: error.to_string(),
            })?;
        Ok(Helping { model, setup })
    }

    /// Scores `range` and posts the answer, with the buffer `data` carried it in.
    pub fn score(&self, scope: &DedicatedWorkerGlobalScope, range: RowRange, data: &JsValue) {
        let scorer = RangeScorer::new(
            &self.model,
            self.setup.layout.clone(),
            self.setup.max_listed_errors as usize,
            self.setup.preview_rows as usize,
        )
        .keeping_values(self.setup.keep_values)
        .with_class_names(self.setup.class_names.clone());
        let answer = match scorer.score(range) {
            Ok(scored) => WorkerMessage::RangeScored(scored),
            Err(failure) => WorkerMessage::Failed(failure),
        };
        // The range's buffer goes back to carry another range.
        let (object, transfer) = envelope_js::to_js(&answer.encode());
        if let Some(buffer) = envelope_js::bytes_buffer_of(data) {
            envelope_js::give_back(&object, &transfer, buffer);
        }
        let _ = scope.post_message_with_transfer(&object, &transfer);
    }
}
