//! The prediction log's records and the dashboard's summaries, as pure functions so they are
//! tested natively and computed the same way in the browser.

use std::collections::BTreeMap;

/// Where a prediction came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Manual,
    Demo,
    Batch,
    Embed,
}

/// One logged prediction.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PredictionRecord {
    pub id: Option<u64>,
    pub created_at_ms: i64,
    pub source: Source,
    pub user_id: Option<u64>,
    pub product_id: Option<u64>,
    pub features: BTreeMap<String, Option<f64>>,
    pub probability: f64,
    pub is_reorder: bool,
    pub threshold: f64,
    pub model_sha256: String,
}
