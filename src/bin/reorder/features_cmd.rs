//! `reorder features`: files and arguments around the library's `features` module. It opens
//! the Kaggle-layout CSVs of a folder, builds the catalog from every prior order, computes each
//! shopper's candidate rows with the same code the browser runs, and writes the training table
//! (and, on request, the app's catalog and demo shoppers).

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use instacart_reorder::features::{
    candidates, definitions, feature_names, Catalog, CsvSource, DemoUsers, FeatureError,
    InstacartData, InstacartSources,
};

use crate::CliError;

const USAGE: &str = "usage: reorder features --data DIR [--out table.csv] [--catalog catalog.json]
                        [--demo-ids ids.txt --demo-users demo_users.json [--demo-catalog catalog.json]]
       reorder features --definitions definitions.json

DIR holds Kaggle-layout CSVs: orders.csv, order_products__prior.csv, order_products__train.csv,
products.csv (product_id, aisle_id, department_id; empty = unknown), and optionally aisles.csv and
departments.csv for names. Each shopper's target order is their `train` order.

  --out FILE           training table: user_id, product_id, label, then one column per feature
                       (empty = missing)
  --catalog FILE       the catalog over every prior order (JSON)
  --demo-ids FILE      user ids (one per line) to export as demo shoppers
  --demo-users FILE    their histories and true target baskets (JSON)
  --demo-catalog FILE  the catalog restricted to the products the demo shoppers bought
  --definitions FILE   the feature table (name, description, group, kind, unit) as JSON";

#[derive(Default)]
struct Options {
    data: Option<PathBuf>,
    out: Option<PathBuf>,
    catalog: Option<PathBuf>,
    demo_ids: Option<PathBuf>,
    demo_users: Option<PathBuf>,
    demo_catalog: Option<PathBuf>,
    definitions: Option<PathBuf>,
}

fn parse_options(args: &[String]) -> Result<Option<Options>, CliError> {
    let mut options = Options::default();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let slot = match flag.as_str() {
            "--data" => &mut options.data,
            "--out" => &mut options.out,
            "--catalog" => &mut options.catalog,
            "--demo-ids" => &mut options.demo_ids,
            "--demo-users" => &mut options.demo_users,
            "--demo-catalog" => &mut options.demo_catalog,
            "--definitions" => &mut options.definitions,
            other => {
                return Err(CliError::input(format!(
                    "features: unknown option `{other}`\n\n{USAGE}"
                )))
            }
        };
        let value = rest
            .next()
            .ok_or_else(|| CliError::input(format!("features: `{flag}` needs a value")))?;
        *slot = Some(PathBuf::from(value));
    }
    Ok(Some(options))
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

fn create(path: &Path) -> Result<BufWriter<File>, CliError> {
    File::create(path)
        .map(|file| BufWriter::with_capacity(1 << 20, file))
        .map_err(|error| CliError::other(format!("cannot create {}: {error}", path.display())))
}

fn write_error(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |error| CliError::other(format!("cannot write {}: {error}", path.display()))
}

fn write_text(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(write_error(path))
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

pub fn run(args: &[String]) -> Result<(), CliError> {
    let Some(options) = parse_options(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    if let Some(path) = options.definitions.as_deref() {
        write_text(path, &definitions_json())?;
        if options.data.is_none() {
            return Ok(());
        }
    }
    let data = options
        .data
        .as_deref()
        .ok_or_else(|| CliError::input(format!("features: --data is required\n\n{USAGE}")))?;
    if options.out.is_none() && options.catalog.is_none() && options.demo_users.is_none() {
        return Err(CliError::input(format!(
            "features: nothing to write (give --out, --catalog or --demo-users)\n\n{USAGE}"
        )));
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
        write_text(path, &catalog.to_json().map_err(input_error)?)?;
    }

    let mut table = match options.out.as_deref() {
        Some(path) => {
            let mut writer = create(path)?;
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
    if let Some((path, mut writer)) = table {
        writer.flush().map_err(write_error(path))?;
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
        write_text(path, &demo.to_json().map_err(input_error)?)?;
        if let Some(path) = options.demo_catalog.as_deref() {
            let restricted: Catalog = catalog.restricted_to(&products).map_err(input_error)?;
            write_text(path, &restricted.to_json().map_err(input_error)?)?;
        }
    }
    Ok(())
}
