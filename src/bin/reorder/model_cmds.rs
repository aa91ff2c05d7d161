//! `reorder convert`, `reorder predict` and `reorder explain`: arguments, files and CSV around
//! the library's `model` module.
//!
//! Rows are read and written by the batch page's code (`instacart_reorder::batch`), so the CLI
//! and the browser accept the same files: a header row is required; feature columns are found by
//! name in any order; cells follow the project's number rule (`instacart_reorder::input::number`: empty
//! or `NaN` is missing, infinities and thousands separators are refused); a `reordered`/`label`
//! column must hold 0 or 1; every other column is passed through (formula-guarded), in input
//! order, before the added columns. An input column already named like an added column
//! (`probability`, `is_reorder`, `shap_...`) is passed through renamed with an `input_` prefix
//! (a reference file's `probability` becomes `input_probability`); if that name is taken too,
//! the command refuses. Unlike the page, which lists bad rows and scores the rest, the first bad
//! row stops the command with exit 2. Output is written through `output::write_output`, so an
//! error never leaves a partial output file.

use crate::output::write_output;
use crate::CliError;
use clap::Args;
use instacart_reorder::batch::{
    added_columns, output_cells, BatchError, BatchLayout, BatchReader, Chunk, ClassNames,
    HeaderStep, OutputWriter, ScoredRow,
};
use instacart_reorder::input::number::parse_required;
use instacart_reorder::input::upload::text_of;
use instacart_reorder::model::{
    model_from_files, Explanation, Model, ModelFileError, ModelFiles, ModelKind, ScoreError,
    MAX_MODEL_BYTES,
};
use std::io::Read;
use std::path::Path;

/// `reorder convert`'s options.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// LightGBM text model (model.txt: any built-in objective, categorical splits, linear trees)
    #[arg(long, value_name = "M.txt")]
    model: String,
    /// Decision threshold: a number, or a file holding one
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    threshold: String,
    /// JSON array of feature names; must equal the model's own
    #[arg(long, value_name = "names.json")]
    features: Option<String>,
    /// JSON: model_version, lightgbm_version, metrics, features[] descriptions
    #[arg(long, value_name = "meta.json")]
    meta: Option<String>,
    /// Where to write the bundle (`-` = stdout)
    #[arg(long, value_name = "bundle.json")]
    out: String,
}

/// `reorder predict`'s and `reorder explain`'s options.
#[derive(Debug, Args)]
pub struct RowsArgs {
    /// The app's JSON bundle (from `reorder convert`)
    #[arg(long, value_name = "B")]
    bundle: String,
    /// CSV of feature rows with a header (`-` = stdin)
    #[arg(long, value_name = "in.csv")]
    input: String,
    /// Where to write the CSV (`-` = stdout)
    #[arg(long, value_name = "out.csv")]
    output: String,
    /// Threads that score or explain (default: all cores); the output is the same for any number
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// A multiclass model's class names for the `class` column: a JSON array of strings or one
    /// per line, in class order (default: 0, 1, ...)
    #[arg(long, value_name = "classes.txt")]
    classes: Option<String>,
}

pub const PREDICT_NOTES: &str = "\
Feature columns are matched by name; empty or NaN = missing; other columns pass through.
Appends, by the model's kind: binary: `probability` and `is_reorder` (1 if probability >=
threshold); multiclass: `probability_<k>` per class and `class` (the most likely); regression:
`prediction`; ranking: `score`. A categorical feature's cells hold codes, or the category names
when the model was trained from pandas. `-` = stdin/stdout. An input column already named like
an added one is kept as `input_<name>` (e.g. LightGBM's reference scores next to ours).";

pub const EXPLAIN_NOTES: &str = "\
Adds `shap_<feature>` per feature and `shap_bias` (TreeSHAP, raw-score space); for a multiclass
model `shap_<k>_<feature>` and `shap_<k>_bias` per class. `-` = stdin/stdout.";

/// A small text file: strict UTF-8 with a leading BOM dropped, as the browser reads the same file.
fn read_text(path: &str, what: &str) -> Result<String, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|error| CliError::input(format!("cannot read {what} `{path}`: {error}")))?;
    text_of(&bytes)
        .map(str::to_owned)
        .map_err(|error| CliError::input(format!("{what} `{path}` is not UTF-8 text: {error}")))
}

/// Reads a file or, for `-`, stdin.
pub fn read_input(path: &str) -> Result<Vec<u8>, CliError> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|error| CliError::input(format!("cannot read stdin: {error}")))?;
        Ok(bytes)
    } else {
        std::fs::read(path)
            .map_err(|error| CliError::input(format!("cannot read input `{path}`: {error}")))
    }
}

/// `--threshold` is a number, or the path of a file whose content is a number.
fn parse_threshold(value: &str) -> Result<f64, CliError> {
    if let Ok(number) = parse_required(value) {
        return Ok(number);
    }
    let text = read_text(value, "threshold file")?;
    parse_required(&text).map_err(|_| {
        CliError::input(format!(
            "threshold file `{value}` does not hold a number: `{}`",
            text.trim().chars().take(40).collect::<String>()
        ))
    })
}

/// Reads the files, converts them with the library's `model_from_files` (the own-model page's
/// converter too) and writes the bundle; the messages name the paths given.
pub fn convert(args: ConvertArgs) -> Result<(), CliError> {
    let model_path = args.model.as_str();
    let threshold = parse_threshold(&args.threshold)?;
    let out = args.out.as_str();

    if let Ok(metadata) = std::fs::metadata(model_path) {
        if metadata.len() > MAX_MODEL_BYTES as u64 {
            return Err(CliError::input(format!(
                "model `{model_path}` is {} bytes, over the {MAX_MODEL_BYTES}-byte limit",
                metadata.len()
            )));
        }
    }
    let model_bytes = std::fs::read(model_path)
        .map_err(|error| CliError::input(format!("cannot read model `{model_path}`: {error}")))?;
    let feature_names = args
        .features
        .as_deref()
        .map(|path| read_text(path, "feature names"))
        .transpose()?;
    let meta = args
        .meta
        .as_deref()
        .map(|path| read_text(path, "meta"))
        .transpose()?;
    let model = model_from_files(ModelFiles {
        model_txt: &model_bytes,
        feature_names_json: feature_names.as_deref(),
        threshold,
        meta_json: meta.as_deref(),
    })
    .map_err(|error| match error {
        ModelFileError::TooLarge { bytes } => CliError::input(format!(
            "model `{model_path}` is {bytes} bytes, over the {MAX_MODEL_BYTES}-byte limit"
        )),
        ModelFileError::NotText(error) => {
            CliError::input(format!("model `{model_path}` is not UTF-8: {error}"))
        }
        ModelFileError::Parse(error) => CliError::input(format!("model `{model_path}`: {error}")),
        ModelFileError::FeatureNames(error) => CliError::input(format!(
            "feature names `{}` is not a JSON array of strings: {error}",
            args.features.as_deref().unwrap_or_default()
        )),
        ModelFileError::Meta(error) => CliError::input(format!(
            "meta `{}` is not valid: {error}",
            args.meta.as_deref().unwrap_or_default()
        )),
        ModelFileError::Convert(error) => CliError::input(error.to_string()),
        ModelFileError::Load(error) => {
            CliError::other(format!("the converted bundle does not load: {error}"))
        }
    })?;
    // Round-trip through the loader so a bundle that is written can also be read.
    let json = serde_json::to_string(model.bundle())
        .map_err(|error| CliError::other(format!("cannot serialise the bundle: {error}")))?;
    Model::from_bundle_json(&json)
        .map_err(|error| CliError::other(format!("the converted bundle does not load: {error}")))?;
    let mut json = json.into_bytes();
    json.push(b'\n');
    write_output(Path::new(out), &json)
}

pub fn load_bundle(path: &str) -> Result<Model, CliError> {
    let json = read_text(path, "bundle")?;
    Model::from_bundle_json(&json)
        .map_err(|error| CliError::input(format!("bundle `{path}`: {error}")))
}

/// The good rows of an input file: the batch page's reader with the CLI's rule that the first
/// bad row stops the command (exit 2), before anything is written.
struct Rows {
    layout: BatchLayout,
    rows: Vec<ScoredRow>,
    /// Row-major, model order, NaN = missing.
    values: Vec<f64>,
}

/// Rows read per step of the reader.
const CHUNK_ROWS: usize = 4096;

/// Bytes of the input read per slice by `read_rows`.
const SLICE_BYTES: u64 = 1 << 20;

/// The input file or, for `-`, stdin, to be read slice by slice.
fn open_input(path: &str) -> Result<Box<dyn Read>, CliError> {
    if path == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let file = std::fs::File::open(path)
        .map_err(|error| CliError::input(format!("cannot read input `{path}`: {error}")))?;
    Ok(Box::new(file))
}

/// The next slice of the input, `None` at its end.
fn next_slice(source: &mut dyn Read, path: &str) -> Result<Option<Vec<u8>>, CliError> {
    let mut slice = Vec::with_capacity(SLICE_BYTES as usize);
    source
        .take(SLICE_BYTES)
        .read_to_end(&mut slice)
        .map_err(|error| match path {
            "-" => CliError::input(format!("cannot read stdin: {error}")),
            _ => CliError::input(format!("cannot read input `{path}`: {error}")),
        })?;
    Ok((!slice.is_empty()).then_some(slice))
}

/// Reads the input slice by slice (the batch reader's streaming mode: the same rows, lines and
/// messages as the whole file read at once), so the whole file is never held in memory.
fn read_rows(model: &Model, input: &str, added_columns: &[&str]) -> Result<Rows, CliError> {
    let mut source = open_input(input)?;
    let names = model.feature_names();
    let mut header = BatchReader::streaming(&names, added_columns, 0);
    let mut reader = loop {
        match next_slice(&mut *source, input)? {
            Some(slice) => header.push(slice),
            None => header.end_input(),
        }
        match header
            .read_header()
            .map_err(|error| CliError::input(format!("input `{input}`: {error}")))?
        {
            HeaderStep::Ready(reader) => break reader,
            HeaderStep::NeedsInput(more) => header = more,
        }
    };
    reader.layout_mut().read_cells_for(model);
    // Every row is kept: one chunk takes them all, a step at a time.
    let mut table = Chunk::default();
    loop {
        reader.read_into(CHUNK_ROWS, &mut table);
        if let Some(error) = table.errors.first() {
            return Err(CliError::input(format!("input `{input}`: {error}")));
        }
        if table.done {
            break;
        }
        if reader.needs_input() {
            match next_slice(&mut *source, input)? {
                Some(slice) => reader.push(slice),
                None => reader.end_input(),
            }
        }
    }
    if table.rows.is_empty() {
        return Err(CliError::input(format!(
            "input `{input}`: {}",
            BatchError::NoRows
        )));
    }
    Ok(Rows {
        layout: reader.layout().clone(),
        rows: table.rows,
        values: table.values,
    })
}

pub fn predict(args: RowsArgs) -> Result<(), CliError> {
    let model = load_bundle(&args.bundle)?;
    let classes = match &args.classes {
        None => ClassNames::default(),
        Some(path) => ClassNames::parse(&read_text(path, "class names")?, model.num_outputs())
            .map_err(|error| CliError::input(format!("class names `{path}`: {error}")))?,
    };
    let columns = added_columns(&model);
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let threads = thread_count(args.threads);
    let (layout, rows, outputs) = if threads <= 1 {
        let table = read_rows(&model, &args.input, &columns)?;
        let scores = model
            .score_batch(&table.values)
            .map_err(|error| CliError::other(error.to_string()))?;
        (table.layout, table.rows, scores.outputs)
    } else {
        read_and_score(&model, &args.input, &columns, threads)?
    };
    let mut writer = OutputWriter::new(&layout);
    if model.kind() == ModelKind::Binary {
        for (row, &probability) in rows.iter().zip(&outputs) {
            writer.push(row, probability, model.is_reorder(probability));
        }
    } else {
        for (row, outputs) in rows.iter().zip(outputs.chunks_exact(model.num_outputs())) {
            writer.push_added(row, output_cells(&model, outputs, &classes));
        }
    }
    write_output(Path::new(&args.output), &writer.into_bytes())
}

/// `--threads`, or every core the system offers.
fn thread_count(threads: Option<u16>) -> usize {
    threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    )
}

/// `predict` on `threads` threads: the calling thread reads chunks of rows and hands them to
/// `threads - 1` scoring threads, then scores with them until every chunk is done. Each row's
/// probability depends only on the row, so the result is the same for any number of threads.
#[allow(clippy::type_complexity)]
fn read_and_score(
    model: &Model,
    input: &str,
    columns: &[&str],
    threads: usize,
) -> Result<(BatchLayout, Vec<ScoredRow>, Vec<f64>), CliError> {
    use std::sync::{mpsc, Mutex};

    let bytes = read_input(input)?;
    let names = model.feature_names();
    let mut reader = BatchReader::with_added_columns(bytes, &names, columns)
        .map_err(|error| CliError::input(format!("input `{input}`: {error}")))?;
    reader.layout_mut().read_cells_for(model);
    let (work_sender, work) = mpsc::channel::<(usize, Vec<f64>)>();
    let work = Mutex::new(work);
    let (done_sender, done) = mpsc::channel::<(usize, Vec<f64>)>();
    let score_until_empty = |done_sender: mpsc::Sender<(usize, Vec<f64>)>| loop {
        let job = match work.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok((index, values)) = job else { return };
        // The chunk's shape comes from the reader, so scoring cannot fail.
        let outputs = model
            .score_batch(&values)
            .map(|scores| scores.outputs)
            .unwrap_or_default();
        if done_sender.send((index, outputs)).is_err() {
            return;
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            let done_sender = done_sender.clone();
            scope.spawn(|| score_until_empty(done_sender));
        }
        let mut rows = Vec::new();
        let mut chunks = 0;
        let read = loop {
            let chunk = reader.next_chunk(CHUNK_ROWS);
            if let Some(error) = chunk.errors.first() {
                break Err(CliError::input(format!("input `{input}`: {error}")));
            }
            rows.extend(chunk.rows);
            if !chunk.values.is_empty() {
                let _ = work_sender.send((chunks, chunk.values));
                chunks += 1;
            }
            if chunk.done {
                break Ok(());
            }
        };
        // No more work: the scoring threads stop once the queue is empty.
        drop(work_sender);
        read?;
        if rows.is_empty() {
            return Err(CliError::input(format!(
                "input `{input}`: {}",
                BatchError::NoRows
            )));
        }
        score_until_empty(done_sender);
        let mut parts: Vec<Vec<f64>> = vec![Vec::new(); chunks];
        for (index, probabilities) in done.iter().take(chunks) {
            parts[index] = probabilities;
        }
        Ok((reader.layout().clone(), rows, parts.concat()))
    })
}

pub fn explain(args: RowsArgs) -> Result<(), CliError> {
    let model = load_bundle(&args.bundle)?;
    if model.has_linear_trees() {
        return Err(CliError::input(format!(
            "bundle `{}`: {}",
            args.bundle,
            ScoreError::NoContributionsForLinearTrees
        )));
    }
    let outputs = model.num_outputs();
    let mut added: Vec<String> = Vec::new();
    for output in 0..outputs {
        let prefix = if outputs == 1 {
            "shap_".to_string()
        } else {
            format!("shap_{output}_")
        };
        added.extend(
            model
                .feature_names()
                .iter()
                .map(|name| format!("{prefix}{name}")),
        );
        added.push(format!("{prefix}bias"));
    }
    let added: Vec<&str> = added.iter().map(String::as_str).collect();
    let table = read_rows(&model, &args.input, &added)?;
    let width = model.num_features().max(1);
    let threads = thread_count(args.threads).min(table.rows.len()).max(1);
    // Contiguous parts of the rows, one per thread, explained side by side and kept in order.
    let part_rows = table.rows.len().div_ceil(threads);
    let explain_part = |values: &[f64]| -> Result<Vec<Vec<Explanation>>, CliError> {
        values
            .chunks_exact(width)
            .map(|row| {
                model
                    .explain_outputs(row)
                    .map_err(|error| CliError::other(error.to_string()))
            })
            .collect()
    };
    let parts: Vec<Result<Vec<Vec<Explanation>>, CliError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = table
            .values
            .chunks(part_rows * width)
            .map(|part| scope.spawn(|| explain_part(part)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(CliError::other("a thread failed".to_string())))
            })
            .collect()
    });
    let mut writer = OutputWriter::new(&table.layout);
    let mut rows = table.rows.iter();
    for part in parts {
        // The part first: zip stops on it without taking a row of the next part.
        for (explanations, row) in part?.into_iter().zip(rows.by_ref()) {
            writer.push_added(
                row,
                explanations.iter().flat_map(|explanation| {
                    explanation
                        .contributions
                        .iter()
                        .chain([&explanation.expected_value])
                        .map(|value| format!("{value}"))
                }),
            );
        }
    }
    write_output(Path::new(&args.output), &writer.into_bytes())
}
