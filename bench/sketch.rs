//! What the drift sketches cost a batch run where they are made: the Web Worker's scoring of
//! the file (read, score, write the output CSV, tally, sketch) against the sketching alone, on
//! the bundled model and the training sample's rows repeated (tests/fixtures/drift), natively.
//! The ratio bounds what the sketches add to a Batch-page run, whose time also holds the log's
//! IndexedDB writes (docs/monitoring.md).
//!
//! Usage: cargo bench --profile native --bench sketch [-- ROWS]   (default 1,000,000 rows)
//! Prints one JSON object.

use std::io::Read;
use std::time::Instant;

use instacart_reorder::batch::{RunStep, ScoringRun};
use instacart_reorder::model::Model;
use instacart_reorder::monitoring::sketch::SketchBins;

const CHUNK_ROWS: usize = 10_000;

fn main() -> Result<(), String> {
    let rows: usize = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with('-'))
        .map(|arg| arg.parse().map_err(|_| format!("not a row count: {arg}")))
        .transpose()?
        .unwrap_or(1_000_000);
    let root = env!("CARGO_MANIFEST_DIR");
    let bundle = std::fs::read_to_string(format!("{root}/assets/model.json"))
        .map_err(|error| format!("assets/model.json: {error}"))?;
    let model = Model::from_bundle_json(&bundle).map_err(|error| error.to_string())?;
    let mut sample = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(format!(
            "{root}/tests/fixtures/drift/training_sample.csv.gz"
        ))
        .map_err(|error| format!("training sample: {error}"))?,
    )
    .read_to_string(&mut sample)
    .map_err(|error| format!("training sample: {error}"))?;
    let mut lines = sample.lines();
    let header = lines.next().ok_or("an empty training sample")?;
    let body: Vec<&str> = lines.collect();
    let mut file = format!("{header}\n");
    for row in 0..rows {
        file.push_str(body[row % body.len()]);
        file.push('\n');
    }
    let bytes = file.into_bytes();

    let bins = SketchBins::for_model(&model);
    let mut best_run = f64::INFINITY;
    let mut best_sketch = f64::INFINITY;
    for _ in 0..3 {
        let mut run = ScoringRun::new(&model, bytes.len() as u64, 10, 10);
        run.push(bytes.clone());
        run.end_input();
        let started = Instant::now();
        let mut chunks = Vec::new();
        loop {
            match run
                .step(CHUNK_ROWS)
                .map_err(|failure| format!("{failure:?}"))?
            {
                RunStep::Scored(chunk) => chunks.push(chunk),
                RunStep::Finished => break,
                RunStep::NeedsInput => return Err("the run wants more input".into()),
            }
            let _ = run.take_output();
        }
        best_run = best_run.min(started.elapsed().as_secs_f64() * 1000.0);
        let scored: usize = chunks.iter().map(|chunk| chunk.probabilities.len()).sum();
        if scored != rows || chunks.iter().any(|chunk| chunk.sketch.is_none()) {
            return Err(format!(
                "{scored} rows scored of {rows}, or a chunk without its sketch"
            ));
        }
        // The same sketches again, alone.
        let started = Instant::now();
        for chunk in &chunks {
            let mut sketch = bins.empty_sketch();
            sketch
                .add_rows(&bins, &chunk.values, &chunk.probabilities)
                .map_err(|error| error.to_string())?;
            std::hint::black_box(&sketch);
        }
        best_sketch = best_sketch.min(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "{{\"rows\":{rows},\"run_ms\":{best_run:.1},\"sketch_ms\":{best_sketch:.1},\
         \"run_without_sketch_ms\":{:.1},\"sketch_share_of_the_run\":{:.4},\
         \"added_to_a_run_without\":{:.4}}}",
        best_run - best_sketch,
        best_sketch / best_run,
        best_sketch / (best_run - best_sketch)
    );
    Ok(())
}
