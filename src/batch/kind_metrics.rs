//! The metrics of a labelled file scored by a model without a threshold, as people who train such
//! models read them: accuracy, log loss and the confusion matrix for classes; RMSE, MAE and R^2
//! for values; NDCG@k per query for rankings (when the file has a query column). Kept as one
//! accumulator that a run fills range by range (a helper's ranges merge into it in file order),
//! so the Batch page never holds the rows. The label is a pass-through cell (a class index, a
//! number, a relevance grade); a cell that is not one is counted and its first line named, and
//! the row is scored all the same.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Model, ModelKind};

/// LightGBM's floor under a probability in its log losses (`kEpsilon`).
pub const LOG_LOSS_EPSILON: f64 = 1e-15;
/// The cut-offs NDCG is reported at (LightGBM's default `eval_at` is 1 to 5; 10 is common).
pub const NDCG_AT: [usize; 4] = [1, 3, 5, 10];
/// Columns that name a ranking file's query, in the order they are looked for.
pub const QUERY_COLUMNS: [&str; 4] = ["query", "query_id", "qid", "group"];

/// Labels that could not be read as the model's kind of label.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BadLabels {
    pub count: u64,
    /// The first such row's line and its cell.
    pub first: Option<(u64, String)>,
}

impl BadLabels {
    fn add(&mut self, line: u64, cell: &str) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some((line, cell.chars().take(40).collect()));
        }
    }

    fn merge(&mut self, later: BadLabels) {
        self.count += later.count;
        if self.first.is_none() {
            self.first = later.first;
        }
    }
}

/// A multiclass model's labelled rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassCounts {
    pub classes: usize,
    pub rows: u64,
    pub correct: u64,
    /// Sum over rows of `-ln(max(p_true, LOG_LOSS_EPSILON))`.
    pub log_loss_sum: f64,
    /// `confusion[true * classes + predicted]`.
    pub confusion: Vec<u64>,
}

/// A regression model's labelled rows: counts, error sums, and the labels' mean and sum of
/// squared deviations (merged as Chan et al. merge variances, so ranges merge without loss).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueCounts {
    pub rows: u64,
    pub squared_error_sum: f64,
    pub absolute_error_sum: f64,
    pub label_mean: f64,
    pub label_m2: f64,
}

/// A ranking model's labelled rows, by query: (score, relevance) in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RankedQueries {
    /// The query column's name, `None` when the file has none (no NDCG then).
    pub query_column: Option<String>,
    pub queries: BTreeMap<String, Vec<(f64, u32)>>,
    /// Labelled rows without a query cell.
    pub without_query: u64,
}

/// What one kind's metrics gather.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KindCounts {
    Classes(ClassCounts),
    Values(ValueCounts),
    Ranking(RankedQueries),
}

/// The accumulator: where the label (and query) cells are, what has been counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindMetrics {
    pub label_column: String,
    label_index: usize,
    query_index: Option<usize>,
    pub counts: KindCounts,
    pub bad_labels: BadLabels,
}

/// The metrics as the page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KindReport {
    Classes {
        rows: u64,
        accuracy: f64,
        log_loss: f64,
        classes: usize,
        confusion: Vec<u64>,
    },
    Values {
        rows: u64,
        rmse: f64,
        mae: f64,
        /// `None` when every label is the same (R^2 is undefined).
        r_squared: Option<f64>,
    },
    Ranking {
        rows: u64,
        queries: usize,
        /// Mean NDCG over the queries at each of `NDCG_AT`; `None` without a query column.
        ndcg: Option<Vec<(usize, f64)>>,
    },
}

impl KindMetrics {
    /// An empty accumulator for `model` over a file whose pass-through columns are `header`, or
    /// `None` when the model has a threshold (its metrics are the binary ones) or the file has
    /// no label column.
    pub fn for_file(model: &Model, header: &[String]) -> Option<KindMetrics> {
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| header.iter().position(|column| column == name))
        };
        let label_index = find(&super::LABEL_COLUMNS)?;
        let counts = match model.kind() {
            ModelKind::Binary => return None,
            ModelKind::Multiclass => KindCounts::Classes(ClassCounts {
                classes: model.num_outputs(),
                rows: 0,
                correct: 0,
                log_loss_sum: 0.0,
                confusion: vec![0; model.num_outputs() * model.num_outputs()],
            }),
            ModelKind::Regression => KindCounts::Values(ValueCounts::default()),
            ModelKind::Ranking => KindCounts::Ranking(RankedQueries {
                query_column: find(&QUERY_COLUMNS).map(|index| header[index].clone()),
                ..RankedQueries::default()
            }),
        };
        Some(KindMetrics {
            label_column: header[label_index].clone(),
            label_index,
            query_index: find(&QUERY_COLUMNS),
            counts,
            bad_labels: BadLabels::default(),
        })
    }

    /// An empty accumulator with the same columns: a range's, to be merged back.
    pub fn empty_like(&self) -> KindMetrics {
        let counts = match &self.counts {
            KindCounts::Classes(counts) => KindCounts::Classes(ClassCounts {
                classes: counts.classes,
                rows: 0,
                correct: 0,
                log_loss_sum: 0.0,
                confusion: vec![0; counts.confusion.len()],
            }),
            KindCounts::Values(_) => KindCounts::Values(ValueCounts::default()),
            KindCounts::Ranking(queries) => KindCounts::Ranking(RankedQueries {
                query_column: queries.query_column.clone(),
                ..RankedQueries::default()
            }),
        };
        KindMetrics {
            label_column: self.label_column.clone(),
            label_index: self.label_index,
            query_index: self.query_index,
            counts,
            bad_labels: BadLabels::default(),
        }
    }

    /// Counts one scored row: its pass-through cells, its `line`, and its outputs.
    pub fn add(&mut self, line: u64, passthrough: &[String], outputs: &[f64]) {
        let Some(cell) = passthrough.get(self.label_index) else {
            return;
        };
        let cell = cell.trim();
        if cell.is_empty() {
            return;
        }
        match &mut self.counts {
            KindCounts::Classes(counts) => match cell.parse::<usize>() {
                Ok(class) if class < counts.classes => {
                    let predicted = super::most_likely(outputs);
                    counts.rows += 1;
                    counts.correct += u64::from(predicted == class);
                    counts.log_loss_sum -= outputs[class].max(LOG_LOSS_EPSILON).ln();
                    counts.confusion[class * counts.classes + predicted] += 1;
                }
                _ => self.bad_labels.add(line, cell),
            },
            KindCounts::Values(counts) => match cell.parse::<f64>() {
                Ok(label) if label.is_finite() => {
                    let error = outputs[0] - label;
                    counts.rows += 1;
                    counts.squared_error_sum += error * error;
                    counts.absolute_error_sum += error.abs();
                    let delta = label - counts.label_mean;
                    counts.label_mean += delta / counts.rows as f64;
                    counts.label_m2 += delta * (label - counts.label_mean);
                }
                _ => self.bad_labels.add(line, cell),
            },
            KindCounts::Ranking(queries) => match cell.parse::<u32>() {
                Ok(relevance) if relevance <= 30 => {
                    match self
                        .query_index
                        .and_then(|index| passthrough.get(index))
                        .map(|query| query.trim())
                        .filter(|query| !query.is_empty())
                    {
                        Some(query) => queries
                            .queries
                            .entry(query.to_owned())
                            .or_default()
                            .push((outputs[0], relevance)),
                        None => queries.without_query += 1,
                    }
                }
                _ => self.bad_labels.add(line, cell),
            },
        }
    }

    /// Takes in the counts of the file's next part (a later range).
    pub fn merge(&mut self, later: KindMetrics) {
        self.bad_labels.merge(later.bad_labels);
        match (&mut self.counts, later.counts) {
            (KindCounts::Classes(mine), KindCounts::Classes(theirs)) => {
                mine.rows += theirs.rows;
                mine.correct += theirs.correct;
                mine.log_loss_sum += theirs.log_loss_sum;
                for (mine, theirs) in mine.confusion.iter_mut().zip(theirs.confusion) {
                    *mine += theirs;
                }
            }
            (KindCounts::Values(mine), KindCounts::Values(theirs)) => {
                if theirs.rows == 0 {
                    return;
                }
                let rows = mine.rows + theirs.rows;
                let delta = theirs.label_mean - mine.label_mean;
                mine.label_m2 += theirs.label_m2
                    + delta * delta * (mine.rows as f64 * theirs.rows as f64) / rows as f64;
                mine.label_mean += delta * theirs.rows as f64 / rows as f64;
                mine.rows = rows;
                mine.squared_error_sum += theirs.squared_error_sum;
                mine.absolute_error_sum += theirs.absolute_error_sum;
            }
            (KindCounts::Ranking(mine), KindCounts::Ranking(theirs)) => {
                mine.without_query += theirs.without_query;
                for (query, rows) in theirs.queries {
                    mine.queries.entry(query).or_default().extend(rows);
                }
            }
            // Ranges of one run share one model: a mismatch cannot be merged and is dropped.
            _ => {}
        }
    }

    /// The metrics of what has been counted; `None` before any labelled row.
    pub fn report(&self) -> Option<KindReport> {
        match &self.counts {
            KindCounts::Classes(counts) if counts.rows > 0 => Some(KindReport::Classes {
                rows: counts.rows,
                accuracy: counts.correct as f64 / counts.rows as f64,
                log_loss: counts.log_loss_sum / counts.rows as f64,
                classes: counts.classes,
                confusion: counts.confusion.clone(),
            }),
            KindCounts::Values(counts) if counts.rows > 0 => {
                let rows = counts.rows as f64;
                Some(KindReport::Values {
                    rows: counts.rows,
                    rmse: (counts.squared_error_sum / rows).sqrt(),
                    mae: counts.absolute_error_sum / rows,
                    r_squared: (counts.label_m2 > 0.0)
                        .then(|| 1.0 - counts.squared_error_sum / counts.label_m2),
                })
            }
            KindCounts::Ranking(queries) => {
                let rows = queries.queries.values().map(Vec::len).sum::<usize>() as u64
                    + queries.without_query;
                if rows == 0 {
                    return None;
                }
                let ndcg = queries.query_column.as_ref().map(|_| {
                    NDCG_AT
                        .iter()
                        .map(|&k| {
                            let total: f64 =
                                queries.queries.values().map(|rows| ndcg_at(rows, k)).sum();
                            (k, total / queries.queries.len().max(1) as f64)
                        })
                        .collect()
                });
                Some(KindReport::Ranking {
                    rows,
                    queries: queries.queries.len(),
                    ndcg,
                })
            }
            _ => None,
        }
    }
}

/// NDCG@k of one query as LightGBM computes it: gain `2^relevance - 1`, discount
/// `1 / log2(2 + position)`, rows ranked by score (highest first; equal scores keep file order);
/// a query whose ideal DCG is 0 (every relevance 0) counts as 1.
pub fn ndcg_at(rows: &[(f64, u32)], k: usize) -> f64 {
    let gain = |relevance: u32| 2f64.powi(relevance as i32) - 1.0;
    let discount = |position: usize| 1.0 / (2.0 + position as f64).log2();
    let mut ranked: Vec<usize> = (0..rows.len()).collect();
    ranked.sort_by(|&a, &b| rows[b].0.total_cmp(&rows[a].0).then(a.cmp(&b)));
    let mut ideal: Vec<u32> = rows.iter().map(|row| row.1).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal_dcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(position, &relevance)| gain(relevance) * discount(position))
        .sum();
    if ideal_dcg <= 0.0 {
        return 1.0;
    }
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(position, &row)| gain(rows[row].1) * discount(position))
        .sum();
    dcg / ideal_dcg
}
