//! Instacart next-basket features: one table of definitions, computed by the same code for
//! training (the CLI) and in the browser (demo users, uploaded histories).
//!
//! Framing: for each shopper, the target order is their next order (Kaggle's `train` order);
//! the candidates are every product they bought in earlier orders; the label says whether the
//! product is in the target basket. Every feature reads only orders before the target order.
//! Missing values are NaN, never 0.

mod candidates;
mod catalog;
mod definitions;
mod demo_picks;
pub mod form_rules;
pub mod order_cells;
mod shopper;
mod tables;

pub use candidates::{candidates, Candidate};
pub use catalog::{Catalog, CatalogData, GroupColumns, GroupStats, ProductColumns, ProductStats};
pub use definitions::{
    definition, definitions, feature_names, Feature, FeatureDef, FeatureGroup, ModelColumns,
    FEATURE_COUNT,
};
pub use demo_picks::{demo_picks, pick_values, DemoPick, DemoPickError};
pub use shopper::{DemoUsers, PastOrder, TargetOrder, UserHistory};
pub use tables::{CsvSource, InstacartData, InstacartSources};

/// Everything that can go wrong reading Instacart tables, catalogs and histories.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    #[error("{file}: cannot read the CSV: {source}")]
    Read {
        file: String,
        #[source]
        source: csv::Error,
    },
    #[error("{file}: missing column `{column}`")]
    MissingColumn { file: String, column: &'static str },
    #[error("{file}, line {line}, column `{column}`: {message}")]
    Csv {
        file: String,
        line: u64,
        column: &'static str,
        message: String,
    },
    #[error("user {user_id}: {message}")]
    InvalidHistory { user_id: u64, message: String },
    #[error("invalid catalog: {0}")]
    InvalidCatalog(String),
    #[error("invalid {what} JSON: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}
