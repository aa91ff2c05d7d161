//! The Predict page's "start from a demo shopper's product" list: for each demo shopper, the
//! products they bought most often, and, for one picked (shopper, product), the feature values
//! the Demo page would score for it, so one choice fills the whole form with a real row.

use super::candidates::candidates;
use super::catalog::Catalog;
use super::definitions::ModelColumns;
use super::shopper::{DemoUsers, UserHistory};
use super::FeatureError;

/// One entry of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoPick {
    pub user_id: u64,
    pub product_id: u64,
    /// In how many of the shopper's prior orders the product is.
    pub times_bought: u32,
}

/// Why a pick could not fill the form.
#[derive(Debug, thiserror::Error)]
pub enum DemoPickError {
    #[error("no demo shopper has id {0}")]
    UnknownShopper(u64),
    #[error("shopper {user_id} never bought product {product_id} before")]
    NotBoughtBefore { user_id: u64, product_id: u64 },
    #[error("the model needs feature `{0}`, which the demo data cannot compute")]
    UnknownFeature(String),
    #[error(transparent)]
    Features(#[from] FeatureError),
}

/// Each shopper's `per_shopper` most often bought products (ties: smaller product id first),
/// shoppers in the file's order.
pub fn demo_picks(users: &DemoUsers, per_shopper: usize) -> Vec<DemoPick> {
    users
        .users
        .iter()
        .flat_map(|user| most_bought(user, per_shopper))
        .collect()
}

fn most_bought(user: &UserHistory, count: usize) -> Vec<DemoPick> {
    let mut times: Vec<(u64, u32)> = Vec::new();
    for order in &user.orders {
        let mut seen: Vec<u64> = order.products.clone();
        seen.sort_unstable();
        seen.dedup();
        for product in seen {
            match times.binary_search_by_key(&product, |(id, _)| *id) {
                Ok(at) => times[at].1 += 1,
                Err(at) => times.insert(at, (product, 1)),
            }
        }
    }
    times.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    times
        .into_iter()
        .take(count)
        .map(|(product_id, times_bought)| DemoPick {
            user_id: user.user_id,
            product_id,
            times_bought,
        })
        .collect()
}

/// The picked product's features, in the model's column order (NaN = missing, never 0): the
/// very row the Demo page scores for it.
pub fn pick_values(
    users: &DemoUsers,
    catalog: &Catalog,
    pick: (u64, u64),
    model_names: &[&str],
) -> Result<Vec<f64>, DemoPickError> {
    let (user_id, product_id) = pick;
    let columns = ModelColumns::for_model(model_names)
        .map_err(|name| DemoPickError::UnknownFeature(name.to_owned()))?;
    let user = users
        .users
        .iter()
        .find(|user| user.user_id == user_id)
        .ok_or(DemoPickError::UnknownShopper(user_id))?;
    let candidate = candidates(user, catalog)?
        .into_iter()
        .find(|candidate| candidate.product_id == product_id)
        .ok_or(DemoPickError::NotBoughtBefore {
            user_id,
            product_id,
        })?;
    Ok(columns.row(&candidate.values))
}
