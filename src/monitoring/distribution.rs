//! The aggregates a drift check runs on, because the app keeps counts, not rows: a numerical
//! feature's histogram on bin edges fixed by the reference (with the values outside those edges
//! summarised as tails, and the value sums that give an exact mean and standard deviation), or a
//! categorical feature's counts per category; both count missing values apart, since Evidently
//! drops missing and infinite values before testing.

use std::collections::BTreeMap;

use super::DriftError;

/// The values of a histogram that fall outside its edges: how many, and their sum (which makes
/// the Wasserstein distance over a tail exact when only one side has values there).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TailSummary {
    pub count: u64,
    pub sum: f64,
}

/// A numerical feature's distribution on fixed bins: `counts[i]` holds the values in
/// `[edges[i], edges[i + 1])`, the last bin also holds `edges[last]` (as numpy's histogram does);
/// smaller and larger values go to the tails, NaN and infinities to `missing`.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    edges: Vec<f64>,
    counts: Vec<u64>,
    below: TailSummary,
    above: TailSummary,
    missing: u64,
    sum: f64,
    sum_of_squares: f64,
}

impl Histogram {
    /// A histogram from its parts, as the app stores them; `sum` and `sum_of_squares` are over
    /// every present value (bins and tails).
    pub fn from_parts(
        edges: Vec<f64>,
        counts: Vec<u64>,
        below: TailSummary,
        above: TailSummary,
        missing: u64,
        sum: f64,
        sum_of_squares: f64,
    ) -> Result<Self, DriftError> {
        check_edges(&edges)?;
        if counts.len() + 1 != edges.len() {
            return Err(DriftError::CountsDoNotMatchEdges {
                edges: edges.len(),
                expected: edges.len() - 1,
                got: counts.len(),
            });
        }
        if ![sum, sum_of_squares, below.sum, above.sum]
            .iter()
            .all(|value| value.is_finite())
        {
            return Err(DriftError::NonFiniteSums);
        }
        Ok(Self {
            edges,
            counts,
            below,
            above,
            missing,
            sum,
            sum_of_squares,
        })
    }

    /// The histogram of `values` on `edges`.
    pub fn from_values(edges: &[f64], values: &[f64]) -> Result<Self, DriftError> {
        check_edges(edges)?;
        let mut histogram = Self {
            edges: edges.to_vec(),
            counts: vec![0; edges.len() - 1],
            below: TailSummary::default(),
            above: TailSummary::default(),
            missing: 0,
            sum: 0.0,
            sum_of_squares: 0.0,
        };
        for &value in values {
            histogram.add(value);
        }
        Ok(histogram)
    }

    /// `bins` equal-width bins spanning the finite values of `reference` (the reference's own
    /// histogram then has empty tails).
    pub fn equal_width_edges(reference: &[f64], bins: usize) -> Result<Vec<f64>, DriftError> {
        let (low, high) = finite_range(reference).ok_or(DriftError::EmptyReference)?;
        let (low, high) = if low == high {
            (low - 0.5, high + 0.5)
        } else {
            (low, high)
        };
        let bins = bins.max(1);
        let step = (high - low) / bins as f64;
        let mut edges: Vec<f64> = (0..bins).map(|i| low + i as f64 * step).collect();
        edges.push(high);
        Ok(edges)
    }

    /// Edges at the distinct finite values of `reference` (at least two edges): every bin then
    /// starts at one reference value, which keeps the Kolmogorov-Smirnov statistic of a small
    /// reference close to its row-level value.
    pub fn distinct_value_edges(reference: &[f64]) -> Result<Vec<f64>, DriftError> {
        let mut edges: Vec<f64> = reference
            .iter()
            .copied()
            .filter(|value| value.is_finite())
            .collect();
        if edges.is_empty() {
            return Err(DriftError::EmptyReference);
        }
        edges.sort_by(f64::total_cmp);
        edges.dedup();
        if edges.len() == 1 {
            edges.push(edges[0] + 1.0);
        }
        Ok(edges)
    }

    /// Counts one value.
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            self.missing += 1;
            return;
        }
        self.sum += value;
        self.sum_of_squares += value * value;
        let last = self.edges[self.edges.len() - 1];
        if value < self.edges[0] {
            self.below.count += 1;
            self.below.sum += value;
        } else if value > last {
            self.above.count += 1;
            self.above.sum += value;
        } else if value == last {
            *self.counts.last_mut().expect("at least one bin") += 1;
        } else {
            let bin = self.edges.partition_point(|&edge| edge <= value) - 1;
            self.counts[bin] += 1;
        }
    }

    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    pub fn below(&self) -> TailSummary {
        self.below
    }

    pub fn above(&self) -> TailSummary {
        self.above
    }

    pub fn missing(&self) -> u64 {
        self.missing
    }

    /// How many values are present (not missing): the rows the tests run on.
    pub fn present(&self) -> u64 {
        self.below.count + self.above.count + self.counts.iter().sum::<u64>()
    }

    /// The mean of the present values (NaN when there are none).
    pub fn mean(&self) -> f64 {
        self.sum / self.present() as f64
    }

    /// The population standard deviation of the present values (numpy's `np.std`, ddof 0).
    pub fn std_dev(&self) -> f64 {
        let count = self.present() as f64;
        let mean = self.sum / count;
        (self.sum_of_squares / count - mean * mean).max(0.0).sqrt()
    }

    /// The counts of the tails and bins in value order: below, each bin, above.
    pub fn counts_with_tails(&self) -> Vec<u64> {
        let mut counts = Vec::with_capacity(self.counts.len() + 2);
        counts.push(self.below.count);
        counts.extend_from_slice(&self.counts);
        counts.push(self.above.count);
        counts
    }

    /// Checks that `other` is on the same bins.
    pub fn check_same_bins(&self, other: &Histogram) -> Result<(), DriftError> {
        if self.edges == other.edges {
            Ok(())
        } else {
            Err(DriftError::MismatchedBins)
        }
    }
}

fn check_edges(edges: &[f64]) -> Result<(), DriftError> {
    let increasing = edges.windows(2).all(|pair| pair[0] < pair[1]);
    if edges.len() < 2 || !increasing || !edges.iter().all(|edge| edge.is_finite()) {
        return Err(DriftError::InvalidEdges);
    }
    Ok(())
}

/// The smallest and largest finite values, if any.
pub(crate) fn finite_range(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .filter(|value| value.is_finite())
        .fold(None, |range, &value| match range {
            None => Some((value, value)),
            Some((low, high)) => Some((value.min(low), value.max(high))),
        })
}

/// A categorical feature's counts per category, plus its missing values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CategoryCounts {
    counts: BTreeMap<String, u64>,
    missing: u64,
}

impl CategoryCounts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one value; `None` is a missing value.
    pub fn add(&mut self, category: Option<&str>) {
        self.add_count(category, 1);
    }

    /// Adds `count` values of `category` (`None`: missing).
    pub fn add_count(&mut self, category: Option<&str>, count: u64) {
        match category {
            Some(category) => *self.counts.entry(category.to_owned()).or_default() += count,
            None => self.missing += count,
        }
    }

    pub fn from_values<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        let mut counts = Self::new();
        for value in values {
            counts.add(value);
        }
        counts
    }

    pub fn counts(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }

    pub fn missing(&self) -> u64 {
        self.missing
    }

    pub fn present(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The counts of both sides on the categories either side has (present at least once), in
    /// category order: what Evidently's value counts compare.
    pub fn aligned(reference: &Self, current: &Self) -> (Vec<u64>, Vec<u64>) {
        let mut categories: Vec<&String> = reference
            .counts
            .iter()
            .chain(current.counts.iter())
            .filter(|(_, &count)| count > 0)
            .map(|(category, _)| category)
            .collect();
        categories.sort();
        categories.dedup();
        let count_of =
            |side: &Self, category: &String| side.counts.get(category).copied().unwrap_or(0);
        categories
            .into_iter()
            .map(|category| (count_of(reference, category), count_of(current, category)))
            .unzip()
    }
}

/// A feature's aggregate, numerical or categorical.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    Numerical(Histogram),
    Categorical(CategoryCounts),
}

impl Distribution {
    /// How many values are present (not missing).
    pub fn present(&self) -> u64 {
        match self {
            Distribution::Numerical(histogram) => histogram.present(),
            Distribution::Categorical(counts) => counts.present(),
        }
    }

    pub fn missing(&self) -> u64 {
        match self {
            Distribution::Numerical(histogram) => histogram.missing(),
            Distribution::Categorical(counts) => counts.missing(),
        }
    }
}

/// Keeps the positions where either side has a count: the values either side has, when the bins
/// separate a few distinct values.
pub(crate) fn drop_empty_in_both(reference: &[u64], current: &[u64]) -> (Vec<u64>, Vec<u64>) {
    reference
        .iter()
        .zip(current)
        .filter(|(&r, &c)| r > 0 || c > 0)
        .map(|(&r, &c)| (r, c))
        .unzip()
}
