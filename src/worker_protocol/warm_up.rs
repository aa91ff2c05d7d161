//! A worker's warm-up: made-up rows (`batch::made_up_file`) scored the way a file is, before
//! any file comes. V8 first runs a wasm function from a quick baseline compile and compiles it
//! for speed only once it has run a while, in the background: without a warm-up that happens
//! during the person's first ranges, on the same two cores. The rows go the way a file's do (cut
//! into ranges, read, scored, written, their answers through the envelopes both workers
//! decode), and nothing of them is kept or posted.

use super::envelope::ProtocolError;
use super::worker::WorkerMessage;
use crate::batch::{made_up_file, NextRange, RunFailure, ScoringRun, WARM_UP_ROWS};
use crate::model::Model;

/// Scores `WARM_UP_ROWS` made-up rows with `model` as a run scores a file, in two ranges, each
/// answer taken through the envelopes the workers exchange; returns the rows scored.
pub fn warm_up(model: &Model) -> Result<u64, RunFailure> {
    let file = made_up_file(model, WARM_UP_ROWS);
    let mut run = ScoringRun::new(model, file.len() as u64, 0, 0);
    run.keep_values(false);
    run.push(file);
    run.end_input();
    let protocol = |error: ProtocolError| RunFailure::Protocol {
        message: error.to_string(),
    };
    loop {
        match run.next_range(WARM_UP_ROWS / 2)? {
            NextRange::Range(range) => {
                let scored = run.score(range)?;
                let answer = WorkerMessage::decode(WorkerMessage::RangeScored(scored).encode())
                    .map_err(protocol)?;
                let WorkerMessage::RangeScored(scored) = answer else {
                    return Err(RunFailure::Protocol {
                        message: "a warm-up range came back as another message".to_owned(),
                    });
                };
                let chunk = run.absorb(scored)?;
                WorkerMessage::decode(WorkerMessage::Scored(chunk).encode()).map_err(protocol)?;
                run.take_output();
            }
            NextRange::NeedsInput => run.end_input(),
            NextRange::Finished => break,
        }
    }
    let summary = run.finish(false)?;
    Ok(summary.rows_scored)
}
