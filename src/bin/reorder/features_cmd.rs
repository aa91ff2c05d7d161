//! `reorder features`: files and arguments around the library's `features` module. It opens
//! the Kaggle-layout CSVs of a folder, builds the catalog from every prior order, computes each
//! shopper's candidate rows with the same code the browser runs, and writes the training table
//! (and, on request, the app's catalog and demo shoppers).

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use instacart_reorder::features::{
    candidates, definitions, feature_names, Catalog, CsvSource, DemoUsers, FeatureError,
    InstacartData, InstacartSources,
};

use crate::output::StagedFile;
use crate::CliError;

pub const NOTES: &str = "\
Either --data DIR with at least one of --out, --catalog, --demo-users, or --definitions alone.

DIR holds Kaggle-layout CSVs: orders.csv, order_products__prior.csv, order_products__train.csv,
products.csv (product_id, aisle_id, department_id; empty = unknown), and optionally aisles.csv and
departments.csv for names. Each shopper's target order is their `train` order.

Every output is written in full to a temporary file; they are renamed into place together at
the end, once everything else has succeeded, so an error leaves no partial outputs.";

/// `reorder features`' options.
#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// Folder of Kaggle-layout Instacart CSVs
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Training table: user_id, product_id, label, then one column per feature (empty = missing)
    #[arg(long, value_name = "table.csv")]
    out: Option<PathBuf>,
    /// The catalog over every prior order (JSON)
    #[arg(long, value_name = "catalog.json")]
    catalog: Option<PathBuf>,
    /// User ids (one per line) to export as demo shoppers
    #[arg(long, value_name = "ids.txt")]
    demo_ids: Option<PathBuf>,
    /// The demo shoppers' histories and true target baskets (JSON)
    #[arg(long, value_name = "demo_users.json")]
    demo_users: Option<PathBuf>,
    /// The catalog restricted to the products the demo shoppers bought
    #[arg(long, value_name = "catalog.json")]
    demo_catalog: Option<PathBuf>,
    /// The feature table (name, description, group, kind, unit) as JSON
    #[arg(long, value_name = "definitions.json")]
    definitions: Option<PathBuf>,
}

fn open(path: &Path) -> Result<CsvSource<Box<dyn std::io::Read>>, CliError> {
    let file = File::open(path)
        .map_err(|error| CliError::input(format!("cannot open {}: {error}", path.display())))?;
    Ok(CsvSource {
        name: path.display().to_string(),
        reader: Box::new(BufReader::with_capacity(1 << 20, file)),
    })
}

fn open_optional(path: &Path) -> Result<Option<CsvSource<Box<dyn std::io::Read>>>, CliError> {
    if path.exists() {
        open(path).map(Some)
    } else {
        Ok(None)
    }
}

fn input_error(error: FeatureError) -> CliError {
    CliError::input(error.to_string())
}

fn write_error(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |error| CliError::other(format!("cannot write {}: {error}", path.display()))
}

/// Stages `text` for `path`; it is renamed into place when the command commits its outputs.
fn stage_text(path: &Path, text: &str) -> Result<StagedFile, CliError> {
    let mut staged = StagedFile::create(path)?;
    staged
        .write_all(text.as_bytes())
        .map_err(write_error(path))?;
    Ok(staged)
}

/// Renames every staged output into place, once the whole command has succeeded.
fn commit(outputs: Vec<StagedFile>) -> Result<(), CliError> {
    outputs.into_iter().try_for_each(StagedFile::commit)
}

fn read_demo_ids(path: &Path) -> Result<Vec<u64>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| CliError::input(format!("cannot read {}: {error}", path.display())))?;
    let mut ids = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let id = line.parse::<u64>().map_err(|_| {
            CliError::input(format!(
                "{}, line {}: `{line}` is not a user id",
                path.display(),
                number + 1
            ))
        })?;
        ids.push(id);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The feature table as a JSON array, in model column order.
fn definitions_json() -> String {
    let rows: Vec<serde_json::Value> = definitions()
        .iter()
        .map(|definition| {
            serde_json::json!({
                "name": definition.name,
                "description": definition.description,
                "group": definition.group.as_str(),
                "kind": definition.kind,
                "unit": definition.unit,
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

pub fn run(options: FeaturesArgs) -> Result<(), CliError> {
    // Every output is staged and committed together at the end: an error anywhere leaves the
    // targets as they were.
    let mut outputs = Vec::new();
    if let Some(path) = options.definitions.as_deref() {
        outputs.push(stage_text(path, &definitions_json())?);
        if options.data.is_none() {
            return commit(outputs);
        }
    }
    let data = options.data.as_deref().ok_or_else(|| {
        CliError::input("features: --data is required (see `reorder features --help`)")
    })?;
    if options.out.is_none() && options.catalog.is_none() && options.demo_users.is_none() {
        return Err(CliError::input(
            "features: nothing to write (give --out, --catalog or --demo-users)",
        ));
    }
    if options.demo_users.is_some() != options.demo_ids.is_some()
        || (options.demo_catalog.is_some() && options.demo_users.is_none())
    {
        return Err(CliError::input(
            "features: --demo-users, --demo-ids (and --demo-catalog) go together",
        ));
    }
    let demo_ids = match options.demo_ids.as_deref() {
        Some(path) => read_demo_ids(path)?,
        None => Vec::new(),
    };

    let sources = InstacartSources {
        orders: open(&data.join("orders.csv"))?,
        prior_lines: open(&data.join("order_products__prior.csv"))?,
        train_lines: open(&data.join("order_products__train.csv"))?,
        products: open(&data.join("products.csv"))?,
        aisles: open_optional(&data.join("aisles.csv"))?,
        departments: open_optional(&data.join("departments.csv"))?,
    };
    let tables = InstacartData::read(sources).map_err(input_error)?;
    let catalog = tables.catalog().map_err(input_error)?;
    if let Some(path) = options.catalog.as_deref() {
        outputs.push(stage_text(path, &catalog.to_json().map_err(input_error)?)?);
    }

    let mut table = match options.out.as_deref() {
        Some(path) => {
            let mut writer = StagedFile::create(path)?;
            let header = ["user_id", "product_id", "label"]
                .into_iter()
                .chain(feature_names())
                .collect::<Vec<_>>()
                .join(",");
            writeln!(writer, "{header}").map_err(write_error(path))?;
            Some((path, writer))
        }
        None => None,
    };
    let mut demo_users = Vec::new();
    for user in 0..tables.user_count() {
        let Some(history) = tables.user_history(user).map_err(input_error)? else {
            continue;
        };
        if let Some((path, writer)) = table.as_mut() {
            let rows = candidates(&history, &catalog).map_err(input_error)?;
            let mut line = String::with_capacity(512);
            for row in rows {
                use std::fmt::Write as _;
                line.clear();
                let label = match row.label {
                    Some(true) => "1",
                    Some(false) => "0",
                    None => "",
                };
                let _ = write!(line, "{},{},{label}", history.user_id, row.product_id);
                for value in row.values {
                    if value.is_nan() {
                        line.push(',');
                    } else {
                        let _ = write!(line, ",{value}");
                    }
                }
                line.push('\n');
                writer
                    .write_all(line.as_bytes())
                    .map_err(write_error(path))?;
            }
        }
        if demo_ids.binary_search(&history.user_id).is_ok() {
            demo_users.push(history);
        }
    }
    if let Some((_, writer)) = table {
        outputs.push(writer);
    }

    if let Some(path) = options.demo_users.as_deref() {
        if demo_users.len() != demo_ids.len() {
            let found: Vec<u64> = demo_users.iter().map(|user| user.user_id).collect();
            let missing: Vec<String> = demo_ids
                .iter()
                .filter(|id| !found.contains(id))
                .map(u64::to_string)
                .collect();
            return Err(CliError::input(format!(
                "features: demo user ids without a train order: {}",
                missing.join(", ")
            )));
        }
        let products: Vec<u64> = demo_users
            .iter()
            .flat_map(|user| {
                user.orders
                    .iter()
                    .flat_map(|order| order.products.iter().copied())
                    .chain(user.target.products.iter().flatten().copied())
            })
            .collect();
        let demo = DemoUsers { users: demo_users };
        outputs.push(stage_text(path, &demo.to_json().map_err(input_error)?)?);
        if let Some(path) = options.demo_catalog.as_deref() {
            let restricted: Catalog = catalog.restricted_to(&products).map_err(input_error)?;
            outputs.push(stage_text(
                path,
                &restricted.to_json().map_err(input_error)?,
            )?);
        }
    }
    commit(outputs)
}
