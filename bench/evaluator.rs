//! Native benchmark of the evaluator, driven by bench/scripts/evaluator.sh, which trains the stress
//! model, converts it and writes the rows and LightGBM's probabilities for them.
//!
//! Usage: model <bundle.json> <rows.f64> <lightgbm_outputs.f64>
//! (little-endian f64 files, rows row-major; LightGBM's outputs row-major too, `num_outputs`
//! values per row: one for a binary model, one per class for a multiclass one). Prints one JSON
//! object: batch rows/s over all rows (best of several runs), single-row latency (median of
//! 10,000 calls) and how many output values differ from LightGBM's bits. A single-output model is
//! scored through `predict_batch` / `predict`, any other through `score_batch` / `score`.

use instacart_reorder::model::Model;
use std::time::Instant;

fn read_f64s(path: &str) -> Result<Vec<f64>, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read {path}: {error}"))?;
    if bytes.len() % 8 != 0 {
        return Err(format!("{path}: length is not a multiple of 8"));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|chunk| {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            f64::from_le_bytes(word)
        })
        .collect())
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), so that throughput can also
/// be stated per CPU-second, which other processes competing for the cores disturb far less
/// than wall time. `None` where unavailable.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn run(args: &[String]) -> Result<(), String> {
    let [bundle_path, rows_path, reference_path] = args else {
        return Err("usage: model <bundle.json> <rows.f64> <lightgbm_outputs.f64>".into());
    };
    let json = std::fs::read_to_string(bundle_path)
        .map_err(|error| format!("cannot read {bundle_path}: {error}"))?;
    let model = Model::from_bundle_json(&json).map_err(|error| error.to_string())?;
    let rows = read_f64s(rows_path)?;
    let reference = read_f64s(reference_path)?;
    let width = model.num_features();
    let outputs = model.num_outputs();
    let count = rows.len() / width;
    if count * outputs != reference.len() || rows.len() % width != 0 {
        return Err(format!(
            "{} row values and {} reference values do not match the model ({width} features, {outputs} outputs)",
            rows.len(),
            reference.len()
        ));
    }

    let mut out = vec![0.0; count * outputs];
    let mut best_seconds = f64::INFINITY;
    let mut best_cpu_seconds = f64::INFINITY;
    for _ in 0..5 {
        let cpu_start = thread_cpu_ns();
        let start = Instant::now();
        if outputs == 1 {
            model
                .predict_batch(&rows, &mut out)
                .map_err(|error| error.to_string())?;
        } else {
            out = model
                .score_batch(&rows)
                .map_err(|error| error.to_string())?
                .outputs;
        }
        best_seconds = best_seconds.min(start.elapsed().as_secs_f64());
        if let (Some(before), Some(after)) = (cpu_start, thread_cpu_ns()) {
            best_cpu_seconds = best_cpu_seconds.min((after - before) as f64 * 1e-9);
        }
    }
    if out.len() != reference.len() {
        return Err(format!(
            "{} outputs for {} reference values",
            out.len(),
            reference.len()
        ));
    }
    let mismatches = out
        .iter()
        .zip(&reference)
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();

    let calls = 10_000.min(count);
    let mut latencies = Vec::with_capacity(calls);
    let mut checksum = 0.0;
    for row in rows.chunks_exact(width).take(calls) {
        if outputs == 1 {
            let start = Instant::now();
            let prediction = model.predict(row).map_err(|error| error.to_string())?;
            latencies.push(start.elapsed().as_secs_f64());
            checksum += prediction.probability;
        } else {
            let start = Instant::now();
            let scores = model.score(row).map_err(|error| error.to_string())?;
            latencies.push(start.elapsed().as_secs_f64());
            checksum += scores.outputs.iter().sum::<f64>();
        }
    }
    latencies.sort_by(f64::total_cmp);
    let median_us = latencies[latencies.len() / 2] * 1e6;
    println!(
        "{{\"rows\": {count}, \"batch_rows_per_s\": {:.0}, \"batch_rows_per_cpu_s\": {:.0}, \"single_row_median_us\": {median_us:.2}, \"outputs\": {outputs}, \"mismatches\": {mismatches}, \"checksum\": {checksum}}}",
        count as f64 / best_seconds,
        count as f64 / best_cpu_seconds
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let Err(message) = run(&args) {
        eprintln!("model bench: {message}");
        std::process::exit(1);
    }
}
