//! `reorder basket`: a person's own Instacart export (CSV, TSV or JSON of
//! `instacart-order-history-download`, told apart by its content) in, their likely next basket
//! out, by the same pure code as the page (`order_export` reads the file, `recommend` computes,
//! scores and ranks the candidates and draws both baskets, `recommend::basket_csv` writes the
//! list). The bundle defaults to the personal-history model compiled into the command (the
//! same bytes as `assets/personal_model.json`); the export's products are not in the 2017
//! catalog, so the catalog is empty here, as the page's choice of model assumes.

use std::path::Path;

use clap::Args;
use instacart_reorder::features::{Catalog, CatalogData};
use instacart_reorder::model::Model;
use instacart_reorder::order_history::export::{read_order_export, Timestamp};
use instacart_reorder::order_history::recommend::{basket_csv, recommend, RecommendError};

use crate::output::write_output;
use crate::CliError;

/// The personal-history model's bundle, as `models/train/train.sh` converts it.
const PERSONAL_BUNDLE: &str = include_str!("../../../assets/personal_model.json");

/// `reorder basket`'s options.
#[derive(Debug, Args)]
pub struct BasketArgs {
    /// The export of your Instacart orders: CSV, TSV or JSON (`-` = stdin)
    #[arg(long, value_name = "FILE")]
    orders: String,
    /// A bundle to score with (default: the personal-history model)
    #[arg(long, value_name = "B")]
    bundle: Option<String>,
    /// When the next order is placed, ISO 8601 with a UTC offset (default: now, in the UTC
    /// offset of your latest order)
    #[arg(long, value_name = "ISO-8601", allow_hyphen_values = true)]
    at: Option<String>,
    /// Where to write the CSV (`-` = stdout)
    #[arg(long, value_name = "out.csv")]
    output: String,
}

pub const NOTES: &str = "\
Writes one row per product bought before, most likely first:
product_id,name,probability,in_threshold_basket,in_expected_f1_basket (1/0).
The threshold basket holds every product with probability >= the model's threshold; the
expected-F1 basket the most likely products, as many as maximise the expected F1.";

pub fn run(args: BasketArgs) -> Result<(), CliError> {
    let bytes = crate::model_cmds::read_input(&args.orders)?;
    let history = read_order_export(&bytes)
        .map_err(|error| CliError::input(format!("orders `{}`: {error}", args.orders)))?;
    let model = match &args.bundle {
        Some(path) => crate::model_cmds::load_bundle(path)?,
        None => Model::from_bundle_json(PERSONAL_BUNDLE).map_err(|error| {
            CliError::other(format!("the built-in personal-history model: {error}"))
        })?,
    };
    let at = match &args.at {
        Some(text) => {
            Timestamp::parse(text).map_err(|reason| CliError::input(format!("--at: {reason}")))?
        }
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|error| CliError::other(format!("the clock: {error}")))?;
            history.in_latest_offset(now.as_secs() as i64)
        }
    };
    if let Some(last) = history.placed_at.last() {
        if at < *last {
            return Err(CliError::input(format!(
                "--at: {at} is before the latest order of `{}` ({last})",
                args.orders
            )));
        }
    }
    let catalog = Catalog::new(CatalogData::default())
        .map_err(|error| CliError::other(format!("the empty catalog: {error}")))?;
    let recommendation =
        recommend(&history.user_at(at), &catalog, &model).map_err(|error| match error {
            RecommendError::UnknownFeature { .. } | RecommendError::NotBinary { .. } => {
                CliError::input(format!(
                    "bundle `{}`: {error}",
                    args.bundle.as_deref().unwrap_or("(built in)")
                ))
            }
            RecommendError::Candidates { source, .. } => {
                CliError::input(format!("orders `{}`: {source}", args.orders))
            }
            RecommendError::Score(_) => CliError::other(error.to_string()),
        })?;
    let csv = basket_csv(&recommendation, |id| history.name_of(id));
    write_output(Path::new(&args.output), csv.as_bytes())
}
