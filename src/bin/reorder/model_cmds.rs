//! `reorder convert`, `reorder predict` and `reorder explain`: arguments, files and CSV around
//! the library's `model` module.
//!
//! CSV rules: a header row is required; feature columns are found by name in any order; an
//! empty cell or `NaN` is a missing value; every other column is passed through unchanged, in
//! input order, before the added columns. An input column already named like an added column
//! (`probability`, `is_reorder`, `shap_...`) is passed through renamed with an `input_` prefix
//! (a reference file's `probability` becomes `input_probability`); if that name is taken too,
//! the command refuses. Output is written through `output::write_output`, so an error never
//! leaves a partial output file.

use crate::output::write_output;
use crate::CliError;
use clap::Args;
use instacart_reorder::model::{
    convert as convert_model, parse_model_text, sha256_hex, BundleMeta, ConvertOptions, Model,
    MAX_MODEL_BYTES,
};
use std::io::Read;
use std::path::Path;

/// `reorder convert`'s options.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// LightGBM text model (model.txt, binary objective)
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
}

pub const PREDICT_NOTES: &str = "\
Feature columns are matched by name; empty or NaN = missing; other columns pass through.
Appends `probability` and `is_reorder` (1 if probability >= threshold). `-` = stdin/stdout.
An input column already named `probability` or `is_reorder` is kept as `input_probability`
or `input_is_reorder` (e.g. LightGBM's reference scores next to ours).";

pub const EXPLAIN_NOTES: &str = "\
Adds `shap_<feature>` per feature and `shap_bias` (TreeSHAP, raw-score space). `-` = stdin/stdout.";

fn read_text(path: &str, what: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|error| CliError::input(format!("cannot read {what} `{path}`: {error}")))
}

/// Reads a file or, for `-`, stdin.
fn read_input(path: &str) -> Result<Vec<u8>, CliError> {
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
    if let Ok(number) = value.trim().parse::<f64>() {
        return Ok(number);
    }
    let text = read_text(value, "threshold file")?;
    text.trim().parse::<f64>().map_err(|_| {
        CliError::input(format!(
            "threshold file `{value}` does not hold a number: `{}`",
            text.trim().chars().take(40).collect::<String>()
        ))
    })
}

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
    let model_text = std::str::from_utf8(&model_bytes)
        .map_err(|error| CliError::input(format!("model `{model_path}` is not UTF-8: {error}")))?;
    let model = parse_model_text(model_text)
        .map_err(|error| CliError::input(format!("model `{model_path}`: {error}")))?;

    let feature_names = match args.features.as_deref() {
        None => None,
        Some(path) => Some(
            serde_json::from_str::<Vec<String>>(&read_text(path, "feature names")?).map_err(
                |error| {
                    CliError::input(format!(
                        "feature names `{path}` is not a JSON array of strings: {error}"
                    ))
                },
            )?,
        ),
    };
    let meta = match args.meta.as_deref() {
        None => None,
        Some(path) => Some(
            serde_json::from_str::<BundleMeta>(&read_text(path, "meta")?)
                .map_err(|error| CliError::input(format!("meta `{path}` is not valid: {error}")))?,
        ),
    };
    let bundle = convert_model(
        &model,
        sha256_hex(&model_bytes),
        ConvertOptions {
            threshold,
            feature_names,
            meta,
        },
    )
    .map_err(|error| CliError::input(error.to_string()))?;
    // Round-trip through the loader so a bundle that is written can also be read.
    let json = serde_json::to_string(&bundle)
        .map_err(|error| CliError::other(format!("cannot serialise the bundle: {error}")))?;
    Model::from_bundle_json(&json)
        .map_err(|error| CliError::other(format!("the converted bundle does not load: {error}")))?;
    let mut json = json.into_bytes();
    json.push(b'\n');
    write_output(Path::new(out), &json)
}

fn load_bundle(path: &str) -> Result<Model, CliError> {
    let json = read_text(path, "bundle")?;
    Model::from_bundle_json(&json)
        .map_err(|error| CliError::input(format!("bundle `{path}`: {error}")))
}

/// A CSV table split into the model's features (row-major, NaN = missing) and pass-through
/// columns.
struct FeatureTable {
    passthrough_header: Vec<String>,
    passthrough_rows: Vec<csv::StringRecord>,
    features: Vec<f64>,
}

/// Parses one cell: empty or NaN (any case) is missing, otherwise it must be a number.
fn parse_cell(cell: &str) -> Option<f64> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Some(f64::NAN);
    }
    cell.parse::<f64>().ok()
}

fn read_feature_table(
    model: &Model,
    input: &str,
    added_columns: &[String],
) -> Result<FeatureTable, CliError> {
    let bytes = read_input(input)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .map_err(|error| {
            CliError::input(format!("input `{input}`: cannot read the header: {error}"))
        })?
        .clone();
    let names: Vec<&str> = header.iter().collect();
    let mut feature_columns = Vec::with_capacity(model.num_features());
    for feature in model.feature_names() {
        let matches: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, name)| name.trim() == feature)
            .map(|(index, _)| index)
            .collect();
        match matches.as_slice() {
            [] => {
                return Err(CliError::input(format!(
                    "input `{input}`: missing feature column `{feature}`"
                )))
            }
            [column] => feature_columns.push(*column),
            _ => {
                return Err(CliError::input(format!(
                    "input `{input}`: feature column `{feature}` appears more than once"
                )))
            }
        }
    }
    let passthrough_columns: Vec<usize> = (0..names.len())
        .filter(|column| !feature_columns.contains(column))
        .collect();
    let mut passthrough_header = Vec::with_capacity(passthrough_columns.len());
    for &column in &passthrough_columns {
        let name = names[column].to_string();
        if added_columns.contains(&name) {
            let renamed = format!("input_{name}");
            if names.contains(&renamed.as_str()) || added_columns.contains(&renamed) {
                return Err(CliError::input(format!(
                    "input `{input}`: column `{name}` would clash with the output's `{name}`, and `{renamed}` is taken too; rename one of them"
                )));
            }
            passthrough_header.push(renamed);
        } else {
            passthrough_header.push(name);
        }
    }

    let mut features = Vec::new();
    let mut passthrough_rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error
                .position()
                .map(|position| format!("line {}: ", position.line()))
                .unwrap_or_default();
            CliError::input(format!("input `{input}`: {line}{error}"))
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        for (&column, feature) in feature_columns.iter().zip(model.feature_names()) {
            let cell = record.get(column).unwrap_or("");
            let value = parse_cell(cell).ok_or_else(|| {
                CliError::input(format!(
                    "input `{input}`: line {line}, column `{feature}`: `{}` is not a number",
                    cell.chars().take(40).collect::<String>()
                ))
            })?;
            features.push(value);
        }
        passthrough_rows.push(
            passthrough_columns
                .iter()
                .map(|&column| record.get(column).unwrap_or(""))
                .collect(),
        );
    }
    Ok(FeatureTable {
        passthrough_header,
        passthrough_rows,
        features,
    })
}

fn csv_error(error: impl std::fmt::Display) -> CliError {
    CliError::other(format!("cannot format the output: {error}"))
}

pub fn predict(args: RowsArgs) -> Result<(), CliError> {
    let model = load_bundle(&args.bundle)?;
    let input = args.input.as_str();
    let output = args.output.as_str();
    let added = vec!["probability".to_string(), "is_reorder".to_string()];
    let table = read_feature_table(&model, input, &added)?;
    let predictions = model
        .predict_batch_full(&table.features)
        .map_err(|error| CliError::other(error.to_string()))?;

    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = table.passthrough_header.clone();
    header.extend(added);
    writer.write_record(&header).map_err(csv_error)?;
    for (passthrough, prediction) in table.passthrough_rows.iter().zip(&predictions) {
        let mut record: Vec<String> = passthrough.iter().map(str::to_string).collect();
        record.push(format!("{}", prediction.probability));
        record.push(
            if model.is_reorder(prediction.probability) {
                "1"
            } else {
                "0"
            }
            .to_string(),
        );
        writer.write_record(&record).map_err(csv_error)?;
    }
    let bytes = writer.into_inner().map_err(csv_error)?;
    write_output(Path::new(output), &bytes)
}

pub fn explain(args: RowsArgs) -> Result<(), CliError> {
    let model = load_bundle(&args.bundle)?;
    let input = args.input.as_str();
    let output = args.output.as_str();
    let mut added: Vec<String> = model
        .feature_names()
        .iter()
        .map(|name| format!("shap_{name}"))
        .collect();
    added.push("shap_bias".to_string());
    let table = read_feature_table(&model, input, &added)?;

    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = table.passthrough_header.clone();
    header.extend(added);
    writer.write_record(&header).map_err(csv_error)?;
    let width = model.num_features();
    for (passthrough, row) in table
        .passthrough_rows
        .iter()
        .zip(table.features.chunks_exact(width.max(1)))
    {
        let explanation = model
            .explain(row)
            .map_err(|error| CliError::other(error.to_string()))?;
        let mut record: Vec<String> = passthrough.iter().map(str::to_string).collect();
        record.extend(
            explanation
                .contributions
                .iter()
                .map(|value| format!("{value}")),
        );
        record.push(format!("{}", explanation.expected_value));
        writer.write_record(&record).map_err(csv_error)?;
    }
    let bytes = writer.into_inner().map_err(csv_error)?;
    write_output(Path::new(output), &bytes)
}
