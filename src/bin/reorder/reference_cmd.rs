//! `reorder reference`: a model's drift reference from a CSV of feature rows. It exists because
//! the app's drift checks compare what it scores with the rows the model learned from, and those
//! rows live only in the training pipeline (models/train/train.sh): this command reduces them to
//! the small file of counts the app ships beside the bundle (`assets/drift_reference.json`,
//! `instacart_reorder::monitoring::reference`), on the bins the model itself fixes.
//!
//! Rows are read by the batch reader `reorder predict` uses, slice by slice: feature columns by
//! header name in any order, every model feature required, other columns (`user_id`,
//! `product_id`, a label) ignored, an empty cell or `NaN` missing (never 0), and the first bad
//! cell stops the command with exit 2, naming its row, line and column. A label column is not
//! read at all: the reference holds features and predictions, not outcomes.

use std::io::Read;
use std::path::Path;

use clap::Args;
use instacart_reorder::batch::{BatchError, BatchReader, HeaderStep, RowError};
use instacart_reorder::model::Model;
use instacart_reorder::monitoring::reference::{DriftReference, ReferenceError};

use crate::model_cmds::load_bundle;
use crate::output::write_output;
use crate::CliError;

/// `reorder reference`'s options.
#[derive(Debug, Args)]
pub struct ReferenceArgs {
    /// The app's JSON bundle (from `reorder convert`) whose bins the counts are on
    #[arg(long, value_name = "B")]
    bundle: String,
    /// CSV of feature rows with a header, e.g. the training split (`-` = stdin)
    #[arg(long, value_name = "rows.csv")]
    input: String,
    /// Where to write the reference JSON (`-` = stdout)
    #[arg(long, value_name = "reference.json")]
    output: String,
    /// Where the rows came from, shown with the drift report (default: "<file name>, <N> rows")
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    description: Option<String>,
}

pub const NOTES: &str = "\
Counts every feature on bins fixed by the model (its split thresholds; categories per code) and
the predicted probability, as the app's drift report compares them. Feature columns are matched
by name; empty or NaN = missing; other columns (ids, a label) are ignored. `-` = stdin/stdout.";

/// Rows read per step of the reader.
const CHUNK_ROWS: usize = 4096;

/// Bytes of the input read per slice.
const SLICE_BYTES: u64 = 1 << 20;

pub fn run(args: ReferenceArgs) -> Result<(), CliError> {
    let model = load_bundle(&args.bundle)?;
    let values = read_values(&model, &args.input)?;
    let width = model.num_features().max(1);
    let rows = values.len() / width;
    let description = args
        .description
        .unwrap_or_else(|| default_description(&args.input, rows));
    let reference = DriftReference::from_rows(&model, description, values.chunks_exact(width))
        .map_err(|error| match error {
            ReferenceError::Empty => {
                CliError::input(format!("input `{}`: {}", args.input, BatchError::NoRows))
            }
            other => CliError::other(other.to_string()),
        })?;
    let mut json = reference.to_json().into_bytes();
    json.push(b'\n');
    write_output(Path::new(&args.output), &json)
}

/// "<file name>, <N> rows", N with thousands separators.
fn default_description(input: &str, rows: usize) -> String {
    let name = match input {
        "-" => "stdin".to_owned(),
        path => Path::new(path).file_name().map_or_else(
            || path.to_owned(),
            |name| name.to_string_lossy().into_owned(),
        ),
    };
    let digits = rows.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let noun = if rows == 1 { "row" } else { "rows" };
    format!("{name}, {grouped} {noun}")
}

/// The input's rows, row-major in the model's feature order (NaN = missing), read slice by
/// slice by the batch reader; the first bad row is an input error.
fn read_values(model: &Model, input: &str) -> Result<Vec<f64>, CliError> {
    let mut source: Box<dyn Read> =
        if input == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(input).map_err(|error| {
                CliError::input(format!("cannot read input `{input}`: {error}"))
            })?)
        };
    let names = model.feature_names();
    let mut header = BatchReader::streaming(&names, &[], 0);
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
    // Cells as `reorder predict` reads them (category names where the model has them), and the
    // label, if any, passed over: it is not part of the reference.
    reader.layout_mut().read_cells_for(model);
    reader.layout_mut().pass_labels_through();
    let mut values = Vec::new();
    let mut rows = 0;
    loop {
        let chunk = reader.next_chunk(CHUNK_ROWS);
        if let Some(error) = chunk.errors.first() {
            let before = chunk
                .rows
                .iter()
                .take_while(|row| row.line < error.line)
                .count();
            return Err(row_error(input, rows + before + 1, error));
        }
        rows += chunk.rows.len();
        values.extend_from_slice(&chunk.values);
        if chunk.done {
            break;
        }
        if reader.needs_input() {
            match next_slice(&mut *source, input)? {
                Some(slice) => reader.push(slice),
                None => reader.end_input(),
            }
        }
    }
    if rows == 0 {
        return Err(CliError::input(format!(
            "input `{input}`: {}",
            BatchError::NoRows
        )));
    }
    Ok(values)
}

/// "input `f.csv`: row 3 (line 4), column `x`: reason" (`row` counts data rows from 1).
fn row_error(input: &str, row: usize, error: &RowError) -> CliError {
    let column = error
        .column
        .as_ref()
        .map(|column| format!(", column `{column}`"))
        .unwrap_or_default();
    CliError::input(format!(
        "input `{input}`: row {row} (line {}){column}: {}",
        error.line, error.reason
    ))
}

/// The next slice of the input, `None` at its end.
fn next_slice(source: &mut dyn Read, input: &str) -> Result<Option<Vec<u8>>, CliError> {
    let mut slice = Vec::with_capacity(SLICE_BYTES as usize);
    source
        .take(SLICE_BYTES)
        .read_to_end(&mut slice)
        .map_err(|error| match input {
            "-" => CliError::input(format!("cannot read stdin: {error}")),
            _ => CliError::input(format!("cannot read input `{input}`: {error}")),
        })?;
    Ok((!slice.is_empty()).then_some(slice))
}
