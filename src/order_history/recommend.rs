//! One shopper's next basket, as one pure function shared by every page that ranks products (the
//! Demo page's held-out shoppers, the uploaded order histories): the candidates' features in the
//! model's order, their probabilities, the ranking, the basket at the model's threshold, the
//! basket that maximises the expected F1, and, when the true next basket is known, precision,
//! recall and F1 against it. Before, each page ran this pipeline itself; now they only show it.
//!
//! The rules:
//! - the candidates are the products of the shopper's past orders (`features::candidates`);
//! - ranking: probability from the highest down, ties by increasing product id;
//! - the threshold basket: every candidate with probability >= the model's threshold (the
//!   model's decision rule), which is a prefix of the ranking;
//! - the expected-F1 basket: the `k` best-ranked candidates for the `k` that maximises the
//!   expected F1 when each candidate is in the real basket independently with its probability
//!   (`expected_f1_basket`);
//! - metrics: the threshold basket against the true basket, counted over the candidates (a new
//!   product in the true basket cannot be predicted from history and is not counted).

use crate::batch::Confusion;
use crate::features::{candidates, Catalog, FeatureError, ModelColumns, UserHistory};
use crate::model::{Model, ScoreError};

/// One candidate product, scored.
#[derive(Clone, Debug, PartialEq)]
pub struct RankedCandidate {
    pub product_id: u64,
    /// Feature values in the model's order; NaN is a missing value.
    pub values: Vec<f64>,
    pub probability: f64,
    /// Whether the catalog knows the product (if not, its product statistics are missing).
    pub known: bool,
    /// The model's decision: probability >= threshold.
    pub is_reorder: bool,
    /// Whether the product is in the true next basket, when that basket is known.
    pub in_true_basket: Option<bool>,
}

/// A shopper's ranked candidates and the two baskets drawn from them.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    pub user_id: u64,
    /// The model's threshold.
    pub threshold: f64,
    /// Highest probability first; ties by increasing product id.
    pub ranked: Vec<RankedCandidate>,
    /// The threshold basket is `ranked[..threshold_count]`.
    pub threshold_count: usize,
    /// The expected-F1 basket is `ranked[..f1_count]`.
    pub f1_count: usize,
    /// The expected F1 of the expected-F1 basket.
    pub expected_f1: f64,
    /// Whether the shopper's true next basket is known (demo shoppers; not uploads).
    pub true_basket_known: bool,
}

impl Recommendation {
    /// The candidates predicted to be reordered at the model's threshold.
    pub fn threshold_basket(&self) -> &[RankedCandidate] {
        &self.ranked[..self.threshold_count]
    }

    /// The candidates of the basket that maximises the expected F1.
    pub fn f1_basket(&self) -> &[RankedCandidate] {
        &self.ranked[..self.f1_count]
    }

    /// The threshold basket against the true basket (precision, recall, F1 through
    /// `Confusion`); none when the true basket is not known.
    pub fn metrics(&self) -> Option<Confusion> {
        if !self.true_basket_known {
            return None;
        }
        let mut confusion = Confusion::default();
        for candidate in &self.ranked {
            match (candidate.is_reorder, candidate.in_true_basket == Some(true)) {
                (true, true) => confusion.true_positives += 1,
                (true, false) => confusion.false_positives += 1,
                (false, true) => confusion.false_negatives += 1,
                (false, false) => confusion.true_negatives += 1,
            }
        }
        Some(confusion)
    }
}

/// Why a shopper could not be ranked.
#[derive(Debug, thiserror::Error)]
pub enum RecommendError {
    #[error(
        "the model expects feature {name:?}, which the app's feature definitions do not compute"
    )]
    UnknownFeature { name: String },
    #[error("computing the candidates of user {user_id} failed")]
    Candidates {
        user_id: u64,
        #[source]
        source: FeatureError,
    },
    #[error("scoring the candidates failed: {0}")]
    Score(#[source] ScoreError),
    #[error("a next basket needs a reorder probability and a threshold; this is a {kind} model")]
    NotBinary { kind: &'static str },
}

/// Computes, scores and ranks `user`'s candidates and draws both baskets.
pub fn recommend(
    user: &UserHistory,
    catalog: &Catalog,
    model: &Model,
) -> Result<Recommendation, RecommendError> {
    if !model.objective().has_threshold() {
        return Err(RecommendError::NotBinary {
            kind: model.kind().name(),
        });
    }
    let columns = ModelColumns::for_model(&model.feature_names()).map_err(|name| {
        RecommendError::UnknownFeature {
            name: name.to_owned(),
        }
    })?;
    let found = candidates(user, catalog).map_err(|source| RecommendError::Candidates {
        user_id: user.user_id,
        source,
    })?;
    let mut ranked = Vec::with_capacity(found.len());
    for candidate in found {
        let values = columns.row(&candidate.values);
        let probability = model
            .predict(&values)
            .map_err(RecommendError::Score)?
            .probability;
        ranked.push(RankedCandidate {
            product_id: candidate.product_id,
            values,
            probability,
            known: catalog.product(candidate.product_id).is_some(),
            is_reorder: model.is_reorder(probability),
            in_true_basket: candidate.label,
        });
    }
    ranked.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.product_id.cmp(&b.product_id))
    });
    let probabilities: Vec<f64> = ranked.iter().map(|row| row.probability).collect();
    let (f1_count, expected_f1) = expected_f1_basket(&probabilities);
    Ok(Recommendation {
        user_id: user.user_id,
        threshold: model.threshold(),
        threshold_count: ranked.iter().filter(|row| row.is_reorder).count(),
        ranked,
        f1_count,
        expected_f1,
        true_basket_known: user.target.products.is_some(),
    })
}

/// Distribution of the number of successes of independent trials with these probabilities.
/// The basket size `k` (take the `k` most likely products) that maximises the expected F1 when
/// each product is in the real basket independently with its probability, and that expected
/// F1. An empty basket scores F1 = 1 when the real basket holds none of the products (the
/// Kaggle convention for "None"). `probabilities` must be sorted from the highest down; ties in
/// expected F1 go to the smaller basket.
///
/// O(n^2) time and O(n^1.5) memory (5,000 candidates: 25 million steps, a few MB). With H the
/// hits among the `k` taken and M the positives among the rest, F1 = 2H / (k + H + M), so
///   E[F1(k)] = sum over h of P(H = h) * 2h * E[1 / (k + h + M)].
/// P(H = h) grows one product at a time from k = 0 up; E[1 / (i + M)] for every i shrinks one
/// product at a time from k = n down (adding product k to the untaken ones:
/// S_k(i) = (1 - p_k) S_{k+1}(i) + p_k S_{k+1}(i + 1), S_n(i) = 1/i). The two run in opposite
/// directions, so the downward pass keeps every `block`-th S and each block is recomputed from
/// its checkpoint when the upward pass reaches it.
pub fn expected_f1_basket(probabilities: &[f64]) -> (usize, f64) {
    let n = probabilities.len();
    let none: f64 = probabilities.iter().map(|p| 1.0 - p).product();
    let mut best = (0, none);
    if n == 0 {
        return best;
    }
    let width = 2 * n + 2;
    // One step down: S_k from S_{k+1} (only i <= n + k is ever read for k or below).
    let step_down = |above: &[f64], k: usize, below: &mut Vec<f64>| {
        let p = probabilities[k];
        below.clear();
        below.resize(width, 0.0);
        for i in 1..=(n + k) {
            below[i] = (1.0 - p) * above[i] + p * above[i + 1];
        }
    };
    let block = ((n as f64).sqrt() as usize).max(1);
    let mut top = vec![0.0; width];
    for (i, value) in top.iter_mut().enumerate().skip(1) {
        *value = 1.0 / i as f64;
    }
    // checkpoints[j] = S_{j * block}, and the last one S_n.
    let mut checkpoints: Vec<Vec<f64>> = vec![Vec::new(); n / block + 1];
    let mut current = top.clone();
    let mut scratch = Vec::with_capacity(width);
    for k in (0..n).rev() {
        step_down(&current, k, &mut scratch);
        std::mem::swap(&mut current, &mut scratch);
        if k % block == 0 {
            checkpoints[k / block] = current.clone();
        }
    }
    // Upward: P(H = h) for the first k products, and the block's S recomputed from its top.
    let mut hits = vec![1.0];
    let mut block_s: Vec<Vec<f64>> = Vec::with_capacity(block);
    for start in (0..n).step_by(block) {
        let end = (start + block).min(n);
        // S_end, then S_{end-1} .. S_{start+1}, kept in order k = start+1 ..= end.
        let end_s = if end == n {
            top.clone()
        } else {
            checkpoints[end / block].clone()
        };
        block_s.clear();
        block_s.push(end_s);
        for k in (start + 1..end).rev() {
            let mut below = Vec::with_capacity(width);
            step_down(block_s.last().unwrap_or(&top), k, &mut below);
            block_s.push(below);
        }
        block_s.reverse();
        for k in start + 1..=end {
            let p = probabilities[k - 1];
            let mut next = vec![0.0; hits.len() + 1];
            for (count, &mass) in hits.iter().enumerate() {
                next[count] += mass * (1.0 - p);
                next[count + 1] += mass * p;
            }
            hits = next;
            let s = &block_s[k - start - 1];
            let expected: f64 = hits
                .iter()
                .enumerate()
                .skip(1)
                .map(|(h, &p_hits)| p_hits * 2.0 * h as f64 * s[k + h])
                .sum();
            if expected > best.1 {
                best = (k, expected);
            }
        }
    }
    best
}

/// Which of the app's two models answers a history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelChoice {
    /// The main model: the history's products are the 2017 dataset's, in the catalog.
    Main,
    /// The personal-history model (user, user x product and order-context features only): most
    /// of the history's products are not in the catalog, so their product, aisle and department
    /// statistics are unknown, and the main model would be asked about rows unlike its training.
    Personal,
}

/// The choice of model for a history, with the counts that explain it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelPick {
    pub choice: ModelChoice,
    /// Distinct products in the history.
    pub products: usize,
    /// Of those, the ones the catalog does not know.
    pub unknown: usize,
}

/// The personal-history model answers when more than half of the history's distinct products
/// are not in the catalog (an export of today's orders: none are); otherwise the main model
/// answers, and the unknown products get missing product statistics.
pub fn choose_model(user: &UserHistory, catalog: &Catalog) -> ModelPick {
    let mut products: Vec<u64> = user
        .orders
        .iter()
        .flat_map(|order| order.products.iter().copied())
        .collect();
    products.sort_unstable();
    products.dedup();
    let unknown = products
        .iter()
        .filter(|&&id| catalog.product(id).is_none())
        .count();
    ModelPick {
        choice: if unknown * 2 > products.len() {
            ModelChoice::Personal
        } else {
            ModelChoice::Main
        },
        products: products.len(),
        unknown,
    }
}

/// The columns of a shopping list (`reorder basket` and the page's CSV export).
pub const BASKET_COLUMNS: [&str; 5] = [
    "product_id",
    "name",
    "probability",
    "in_threshold_basket",
    "in_expected_f1_basket",
];

/// A shopping list as CSV: one row per candidate, most likely first, with the product's name
/// (`name_of`; formula-guarded and quoted as the log's exports are), the probability as Rust
/// prints an f64 (it reads back to the same number) and 1/0 for each basket.
pub fn basket_csv<'a>(recommendation: &Recommendation, name_of: impl Fn(u64) -> &'a str) -> String {
    let mut out = BASKET_COLUMNS.join(",");
    out.push('\n');
    for (rank, row) in recommendation.ranked.iter().enumerate() {
        let name = crate::prediction_log::csv_cell(name_of(row.product_id)).into_owned();
        let name = if name.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", name.replace('"', "\"\""))
        } else {
            name
        };
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            row.product_id,
            name,
            row.probability,
            u8::from(row.is_reorder),
            u8::from(rank < recommendation.f1_count),
        ));
    }
    out
}
