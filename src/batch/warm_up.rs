//! Made-up rows scored by a batch worker before any file comes, so that the browser compiles
//! the scoring code for speed ahead of the run. V8 first runs a wasm function from a quick
//! baseline compile and compiles it for speed only once it has run a while, in the background:
//! without a warm-up that happens during the person's first ranges, on the same two cores. The
//! rows go the way a file's do (cut into ranges, read, scored, written, their answers through
//! the envelopes both workers decode), and nothing of them is kept or posted.

use super::row_ranges::NextRange;
use super::scoring_run::ScoringRun;
use super::worker_protocol::{RunFailure, WorkerMessage};
use crate::model::Model;

/// Made-up rows scored in a warm-up: a few milliseconds natively, enough in the browser for the
/// hot functions to be compiled for speed.
pub const WARM_UP_ROWS: usize = 4_000;

/// A file of `rows` made-up rows for `model`: ids, every feature (whole numbers, short and long
/// decimals, some cells empty) and a label, so every path a real file takes is taken.
pub fn made_up_file(model: &Model, rows: usize) -> Vec<u8> {
    const CELLS: [&str; 8] = [
        "3",
        "0.5",
        "17",
        "0.42857142857142855",
        "",
        "11.88888888888889",
        "0.0123",
        "248",
    ];
    let names = model.feature_names();
    let mut file = format!("user_id,product_id,{},reordered\n", names.join(",")).into_bytes();
    for row in 0..rows {
        file.extend_from_slice(format!("{},{}", row % 97 + 1, row % 389 + 1).as_bytes());
        for column in 0..names.len() {
            file.push(b',');
            file.extend_from_slice(CELLS[(row + column) % CELLS.len()].as_bytes());
        }
        file.extend_from_slice(if row % 3 == 0 { b",1\n" } else { b",0\n" });
    }
    file
}

/// Scores `WARM_UP_ROWS` made-up rows with `model` as a run scores a file, in two ranges, each
/// answer taken through the envelopes the workers exchange; returns the rows scored.
pub fn warm_up(model: &Model) -> Result<u64, RunFailure> {
    let file = made_up_file(model, WARM_UP_ROWS);
    let mut run = ScoringRun::new(model, file.len() as u64, 0, 0);
    run.keep_values(false);
    run.push(file);
    run.end_input();
    let protocol = |error: super::worker_protocol::ProtocolError| RunFailure::Protocol {
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
