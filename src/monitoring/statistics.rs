//! The drift statistics Evidently 0.7.23 uses by default, each on the aggregates the app keeps
//! (aligned counts, or histograms on shared bins) and, where the aggregate form cannot be exact,
//! on rows, reproducing Evidently's own computation so the aggregate forms can be measured
//! against it.
//!
//! Exact on counts: Jensen-Shannon distance (natural log), chi-squared and Z-test p-values and
//! PSI on categories, and on numerical columns whose bins separate their few distinct values.
//! Approximate on histograms (values spread evenly inside each bin): the normed Wasserstein
//! distance and the Kolmogorov-Smirnov statistic and p-value. PSI and Jensen-Shannon of a
//! numerical column with many values depend on the bins: Evidently bins the reference and
//! current values together (numpy's Sturges rule), which a histogram on the reference's bins
//! cannot repeat; the row-level forms do.

use super::distribution::{drop_empty_in_both, finite_range, Histogram};
use super::special::{chi_squared_survival, ks_two_sample_p_value, normal_cdf};
use super::DriftError;

/// Evidently's floor for the reference standard deviation that normalises the Wasserstein
/// distance.
pub const WASSERSTEIN_MIN_NORM: f64 = 0.001;

/// Evidently bins a numerical column by value counts up to this many distinct reference values,
/// and with numpy's Sturges histogram above.
pub const VALUE_COUNTS_MAX_DISTINCT: usize = 20;

/// PSI's stand-in share for a bin one side has no value in (a smaller one, a millionth of the
/// smallest share, when that share is at most this).
pub const PSI_EMPTY_BIN_SHARE: f64 = 0.0001;

fn check_counts(reference: &[u64], current: &[u64]) -> Result<(u64, u64), DriftError> {
    if reference.len() != current.len() {
        return Err(DriftError::MismatchedLengths {
            reference: reference.len(),
            current: current.len(),
        });
    }
    let reference_total: u64 = reference.iter().sum();
    let current_total: u64 = current.iter().sum();
    if reference_total == 0 {
        return Err(DriftError::EmptyReference);
    }
    if current_total == 0 {
        return Err(DriftError::EmptyCurrent);
    }
    Ok((reference_total, current_total))
}

fn shares(counts: &[u64], total: u64) -> Vec<f64> {
    counts
        .iter()
        .map(|&count| count as f64 / total as f64)
        .collect()
}

/// Jensen-Shannon distance (natural log, so at most sqrt(ln 2)) between two aligned count
/// vectors, as `scipy.spatial.distance.jensenshannon` on Evidently's shares.
pub fn jensen_shannon_distance(reference: &[u64], current: &[u64]) -> Result<f64, DriftError> {
    let (reference_total, current_total) = check_counts(reference, current)?;
    let normalised = |counts: &[u64], total: u64| {
        let shares = shares(counts, total);
        let sum: f64 = shares.iter().sum();
        shares
            .into_iter()
            .map(|share| share / sum)
            .collect::<Vec<_>>()
    };
    let p = normalised(reference, reference_total);
    let q = normalised(current, current_total);
    let relative_entropy = |x: f64, y: f64| if x > 0.0 { x * (x / y).ln() } else { 0.0 };
    let (mut left, mut right) = (0.0, 0.0);
    for (&p, &q) in p.iter().zip(&q) {
        let middle = (p + q) / 2.0;
        left += relative_entropy(p, middle);
        right += relative_entropy(q, middle);
    }
    Ok(((left + right) / 2.0).max(0.0).sqrt())
}

/// Population stability index between two aligned count vectors, with Evidently's stand-in
/// share for empty bins (each side's own).
pub fn population_stability_index(reference: &[u64], current: &[u64]) -> Result<f64, DriftError> {
    let (reference_total, current_total) = check_counts(reference, current)?;
    let fill_empty = |mut shares: Vec<f64>| {
        let smallest = shares
            .iter()
            .copied()
            .filter(|&share| share != 0.0)
            .fold(f64::INFINITY, f64::min);
        let stand_in = if smallest <= PSI_EMPTY_BIN_SHARE {
            smallest / 1e6
        } else {
            PSI_EMPTY_BIN_SHARE
        };
        for share in shares.iter_mut().filter(|share| **share == 0.0) {
            *share = stand_in;
        }
        shares
    };
    let reference = fill_empty(shares(reference, reference_total));
    let current = fill_empty(shares(current, current_total));
    Ok(reference
        .iter()
        .zip(&current)
        .map(|(&r, &c)| (r - c) * (r / c).ln())
        .sum())
}

/// Chi-squared goodness-of-fit p-value of the current counts against the reference's shares
/// scaled to the current total (Evidently's `chisquare` test). With fewer than two categories
/// there is nothing to test and the p-value is 1; a category the reference lacks gives 0.
pub fn chi_squared_p_value(reference: &[u64], current: &[u64]) -> Result<f64, DriftError> {
    let (reference_total, current_total) = check_counts(reference, current)?;
    let (reference, current) = drop_empty_in_both(reference, current);
    if reference.len() < 2 {
        return Ok(1.0);
    }
    let scale = current_total as f64 / reference_total as f64;
    let mut statistic = 0.0;
    for (&expected, &observed) in reference.iter().zip(&current) {
        let expected = expected as f64 * scale;
        let difference = observed as f64 - expected;
        statistic += difference * difference / expected;
    }
    if statistic.is_infinite() {
        return Ok(0.0);
    }
    Ok(chi_squared_survival(
        statistic,
        (reference.len() - 1) as f64,
    ))
}

/// Two-sided Z-test p-value for the difference of two proportions (Evidently's `z` test), from
/// the counts of at most two categories (the first is the one Evidently codes as 0).
pub fn z_test_p_value(reference: &[u64], current: &[u64]) -> Result<f64, DriftError> {
    let (reference_total, current_total) = check_counts(reference, current)?;
    let (reference, current) = drop_empty_in_both(reference, current);
    match reference.len() {
        1 => return Ok(1.0),
        2 => {}
        other => return Err(DriftError::NotTwoCategories(other)),
    }
    let (n1, n2) = (reference_total as f64, current_total as f64);
    let p1 = reference[1] as f64 / n1;
    let p2 = current[1] as f64 / n2;
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    Ok(2.0 * (1.0 - normal_cdf(z.abs())))
}

/// First Wasserstein distance between two histograms on the same bins, divided by the
/// reference's standard deviation (at least [`WASSERSTEIN_MIN_NORM`]). Inside a bin both sides'
/// values are taken as spread evenly; over a tail the distance is exact when one side only has
/// values there.
pub fn wasserstein_normed_binned(
    reference: &Histogram,
    current: &Histogram,
) -> Result<f64, DriftError> {
    reference.check_same_bins(current)?;
    let (reference_rows, current_rows) = nonempty(reference, current)?;
    let edges = reference.edges();
    let (first, last) = (edges[0], edges[edges.len() - 1]);
    let below_excess = |histogram: &Histogram, rows: f64| {
        let tail = histogram.below();
        (tail.count as f64 * first - tail.sum) / rows
    };
    let above_excess = |histogram: &Histogram, rows: f64| {
        let tail = histogram.above();
        (tail.sum - tail.count as f64 * last) / rows
    };
    let mut distance =
        (below_excess(reference, reference_rows) - below_excess(current, current_rows)).abs()
            + (above_excess(reference, reference_rows) - above_excess(current, current_rows)).abs();
    let mut reference_cdf = reference.below().count as f64 / reference_rows;
    let mut current_cdf = current.below().count as f64 / current_rows;
    for (bin, pair) in edges.windows(2).enumerate() {
        let width = pair[1] - pair[0];
        let start = reference_cdf - current_cdf;
        reference_cdf += reference.counts()[bin] as f64 / reference_rows;
        current_cdf += current.counts()[bin] as f64 / current_rows;
        let end = reference_cdf - current_cdf;
        distance += width * area_under_linear_gap(start, end);
    }
    Ok(distance / reference.std_dev().max(WASSERSTEIN_MIN_NORM))
}

/// The mean of |g| over a unit interval where g runs linearly from `start` to `end`.
fn area_under_linear_gap(start: f64, end: f64) -> f64 {
    if start * end >= 0.0 {
        (start.abs() + end.abs()) / 2.0
    } else {
        (start * start + end * end) / (2.0 * (start.abs() + end.abs()))
    }
}

fn nonempty(reference: &Histogram, current: &Histogram) -> Result<(f64, f64), DriftError> {
    match (reference.present(), current.present()) {
        (0, _) => Err(DriftError::EmptyReference),
        (_, 0) => Err(DriftError::EmptyCurrent),
        (r, c) => Ok((r as f64, c as f64)),
    }
}

/// The Kolmogorov-Smirnov statistic seen through the bins: the largest gap between the two
/// empirical CDFs at the bin edges (never more than the row-level statistic).
pub fn ks_statistic_binned(reference: &Histogram, current: &Histogram) -> Result<f64, DriftError> {
    reference.check_same_bins(current)?;
    let (reference_rows, current_rows) = nonempty(reference, current)?;
    let (mut reference_cumulative, mut current_cumulative) = (0_u64, 0_u64);
    let mut statistic: f64 = 0.0;
    for (&r, &c) in reference
        .counts_with_tails()
        .iter()
        .zip(&current.counts_with_tails())
    {
        reference_cumulative += r;
        current_cumulative += c;
        let gap =
            reference_cumulative as f64 / reference_rows - current_cumulative as f64 / current_rows;
        statistic = statistic.max(gap.abs());
    }
    Ok(statistic)
}

/// The two-sided Kolmogorov-Smirnov p-value of [`ks_statistic_binned`], computed as SciPy's
/// `ks_2samp(method="auto")` does for the present row counts.
pub fn ks_p_value_binned(reference: &Histogram, current: &Histogram) -> Result<f64, DriftError> {
    let statistic = ks_statistic_binned(reference, current)?;
    Ok(ks_two_sample_p_value(
        reference.present(),
        current.present(),
        statistic,
    ))
}

/// Population stability index of two histograms on the same bins (tails included; bins empty on
/// both sides left out).
pub fn psi_binned(reference: &Histogram, current: &Histogram) -> Result<f64, DriftError> {
    reference.check_same_bins(current)?;
    let (reference_counts, current_counts) =
        drop_empty_in_both(&reference.counts_with_tails(), &current.counts_with_tails());
    population_stability_index(&reference_counts, &current_counts)
}

/// Jensen-Shannon distance of two histograms on the same bins (tails included).
pub fn jensen_shannon_binned(
    reference: &Histogram,
    current: &Histogram,
) -> Result<f64, DriftError> {
    reference.check_same_bins(current)?;
    jensen_shannon_distance(&reference.counts_with_tails(), &current.counts_with_tails())
}

/// The finite values, sorted (Evidently drops NaN and infinities before testing).
fn sorted_finite(values: &[f64], empty: DriftError) -> Result<Vec<f64>, DriftError> {
    let mut finite: Vec<f64> = values
        .iter()
        .copied()
        .filter(|value| value.is_finite())
        .collect();
    if finite.is_empty() {
        return Err(empty);
    }
    finite.sort_by(f64::total_cmp);
    Ok(finite)
}

fn sorted_pair(reference: &[f64], current: &[f64]) -> Result<(Vec<f64>, Vec<f64>), DriftError> {
    Ok((
        sorted_finite(reference, DriftError::EmptyReference)?,
        sorted_finite(current, DriftError::EmptyCurrent)?,
    ))
}

/// Walks the merged sorted samples: calls `visit(value, next_value, reference_cdf, current_cdf)`
/// after each distinct value, the CDFs counting every value up to and including it.
fn walk_cdfs(
    reference: &[f64],
    current: &[f64],
    mut visit: impl FnMut(f64, Option<f64>, f64, f64),
) {
    let (n1, n2) = (reference.len() as f64, current.len() as f64);
    let (mut i, mut j) = (0, 0);
    while i < reference.len() || j < current.len() {
        let value = match (reference.get(i), current.get(j)) {
            (Some(&r), Some(&c)) => r.min(c),
            (Some(&r), None) => r,
            (None, Some(&c)) => c,
            (None, None) => break,
        };
        while i < reference.len() && reference[i] == value {
            i += 1;
        }
        while j < current.len() && current[j] == value {
            j += 1;
        }
        let next = match (reference.get(i), current.get(j)) {
            (Some(&r), Some(&c)) => Some(r.min(c)),
            (Some(&r), None) => Some(r),
            (None, Some(&c)) => Some(c),
            (None, None) => None,
        };
        visit(value, next, i as f64 / n1, j as f64 / n2);
    }
}

/// Population standard deviation (numpy's `np.std`).
fn std_dev(values: &[f64]) -> f64 {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let squares: f64 = values
        .iter()
        .map(|value| (value - mean) * (value - mean))
        .sum();
    (squares / values.len() as f64).sqrt()
}

/// Evidently's normed Wasserstein distance on rows: `scipy.stats.wasserstein_distance` over the
/// reference's standard deviation (at least [`WASSERSTEIN_MIN_NORM`]).
pub fn wasserstein_normed_rows(reference: &[f64], current: &[f64]) -> Result<f64, DriftError> {
    let (reference, current) = sorted_pair(reference, current)?;
    let mut distance = 0.0;
    walk_cdfs(&reference, &current, |value, next, r, c| {
        if let Some(next) = next {
            distance += (r - c).abs() * (next - value);
        }
    });
    Ok(distance / std_dev(&reference).max(WASSERSTEIN_MIN_NORM))
}

/// The two-sample Kolmogorov-Smirnov statistic on rows (ties handled as SciPy does).
pub fn ks_statistic_rows(reference: &[f64], current: &[f64]) -> Result<f64, DriftError> {
    let (reference, current) = sorted_pair(reference, current)?;
    let mut statistic: f64 = 0.0;
    walk_cdfs(&reference, &current, |_, _, r, c| {
        statistic = statistic.max((r - c).abs())
    });
    Ok(statistic)
}

/// Evidently's `ks` test on rows: SciPy's `ks_2samp` two-sided p-value.
pub fn ks_p_value_rows(reference: &[f64], current: &[f64]) -> Result<f64, DriftError> {
    let statistic = ks_statistic_rows(reference, current)?;
    let count = |values: &[f64]| values.iter().filter(|value| value.is_finite()).count() as u64;
    Ok(ks_two_sample_p_value(
        count(reference),
        count(current),
        statistic,
    ))
}

/// Evidently's binning of a numerical column for PSI and Jensen-Shannon, on rows: value counts
/// over the values either side has when the reference has at most
/// [`VALUE_COUNTS_MAX_DISTINCT`] distinct values, otherwise numpy's Sturges histogram of the
/// reference and current values together.
pub fn evidently_binned_counts(
    reference: &[f64],
    current: &[f64],
) -> Result<(Vec<u64>, Vec<u64>), DriftError> {
    let (reference, current) = sorted_pair(reference, current)?;
    let normalised = |values: &[f64]| -> Vec<f64> {
        // pandas counts -0.0 and 0.0 as one value.
        values
            .iter()
            .map(|&value| if value == 0.0 { 0.0 } else { value })
            .collect()
    };
    let (reference, current) = (normalised(&reference), normalised(&current));
    let mut distinct_reference = reference.clone();
    distinct_reference.dedup();
    if distinct_reference.len() <= VALUE_COUNTS_MAX_DISTINCT {
        let mut keys: Vec<f64> = reference.iter().chain(&current).copied().collect();
        keys.sort_by(f64::total_cmp);
        keys.dedup();
        let count = |values: &[f64]| {
            let mut counts = vec![0_u64; keys.len()];
            for value in values {
                if let Ok(index) = keys.binary_search_by(|key| key.total_cmp(value)) {
                    counts[index] += 1;
                }
            }
            counts
        };
        return Ok((count(&reference), count(&current)));
    }
    let combined: Vec<f64> = reference.iter().chain(&current).copied().collect();
    let edges = sturges_edges(&combined).ok_or(DriftError::EmptyReference)?;
    let reference_counts = Histogram::from_values(&edges, &reference)?
        .counts()
        .to_vec();
    let current_counts = Histogram::from_values(&edges, &current)?.counts().to_vec();
    Ok((reference_counts, current_counts))
}

/// `np.histogram_bin_edges(values, bins="sturges")` for finite float values.
pub fn sturges_edges(values: &[f64]) -> Option<Vec<f64>> {
    let (low, high) = finite_range(values)?;
    let spread = high - low;
    let (first, last) = if low == high {
        (low - 0.5, high + 0.5)
    } else {
        (low, high)
    };
    let width = spread / ((values.len() as f64).log2() + 1.0);
    let bins = if width > 0.0 {
        ((last - first) / width).ceil() as usize
    } else {
        1
    };
    let step = (last - first) / bins as f64;
    let mut edges: Vec<f64> = (0..bins).map(|i| i as f64 * step + first).collect();
    edges.push(last);
    Some(edges)
}

/// Evidently's `psi` on rows (its own binning, [`evidently_binned_counts`]).
pub fn psi_rows(reference: &[f64], current: &[f64]) -> Result<f64, DriftError> {
    let (reference, current) = evidently_binned_counts(reference, current)?;
    population_stability_index(&reference, &current)
}

/// Evidently's `jensenshannon` on rows of a numerical column (its own binning).
pub fn jensen_shannon_rows(reference: &[f64], current: &[f64]) -> Result<f64, DriftError> {
    let (reference, current) = evidently_binned_counts(reference, current)?;
    jensen_shannon_distance(&reference, &current)
}
