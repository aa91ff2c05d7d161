//! Drift verdicts as Evidently 0.7.23 gives them by default, so the app's monitoring tells the
//! same story as an Evidently report on the same data: which test each column gets (by the
//! reference's size, the column's kind and its number of distinct values), the threshold and
//! direction of each test, whether the dataset as a whole drifted (the share of drifted
//! columns), and PSI's rule-of-thumb bands.

use super::distribution::{drop_empty_in_both, CategoryCounts, Distribution};
use super::statistics::{
    chi_squared_p_value, jensen_shannon_distance, ks_p_value_binned, wasserstein_normed_binned,
    z_test_p_value,
};
use super::DriftError;

/// Above this many reference rows Evidently compares distances; up to it, p-values.
pub const LARGE_REFERENCE_ROWS: u64 = 1_000;

/// A numerical column with at most this many distinct values (reference and current together)
/// is tested as categories.
pub const FEW_DISTINCT_VALUES: usize = 5;

/// Evidently's default share of drifted columns at which the dataset counts as drifted.
pub const DEFAULT_DRIFT_SHARE: f64 = 0.5;

/// A drift test, with Evidently's default threshold and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DriftMethod {
    /// Normed Wasserstein distance; drift when at least the threshold.
    Wasserstein,
    /// Jensen-Shannon distance; drift when at least the threshold.
    JensenShannon,
    /// Two-sample Kolmogorov-Smirnov p-value; drift when at most the threshold.
    KolmogorovSmirnov,
    /// Chi-squared p-value; drift when below the threshold.
    ChiSquared,
    /// Z-test p-value for two proportions; drift when below the threshold.
    ZTest,
    /// Population stability index; drift when at least the threshold (not a default choice).
    Psi,
}

impl DriftMethod {
    /// Evidently's registered name of the test.
    pub fn evidently_name(self) -> &'static str {
        match self {
            DriftMethod::Wasserstein => "wasserstein",
            DriftMethod::JensenShannon => "jensenshannon",
            DriftMethod::KolmogorovSmirnov => "ks",
            DriftMethod::ChiSquared => "chisquare",
            DriftMethod::ZTest => "z",
            DriftMethod::Psi => "psi",
        }
    }

    /// The name Evidently's reports show.
    pub fn display_name(self) -> &'static str {
        match self {
            DriftMethod::Wasserstein => "Wasserstein distance (normed)",
            DriftMethod::JensenShannon => "Jensen-Shannon distance",
            DriftMethod::KolmogorovSmirnov => "K-S p_value",
            DriftMethod::ChiSquared => "chi-square p_value",
            DriftMethod::ZTest => "Z-test p_value",
            DriftMethod::Psi => "PSI",
        }
    }

    pub fn default_threshold(self) -> f64 {
        match self {
            DriftMethod::Wasserstein | DriftMethod::JensenShannon | DriftMethod::Psi => 0.1,
            DriftMethod::KolmogorovSmirnov | DriftMethod::ChiSquared | DriftMethod::ZTest => 0.05,
        }
    }

    /// Whether the score is a p-value (small means drift) rather than a distance.
    pub fn is_p_value(self) -> bool {
        matches!(
            self,
            DriftMethod::KolmogorovSmirnov | DriftMethod::ChiSquared | DriftMethod::ZTest
        )
    }

    /// Evidently's comparison of a score with a threshold (note `<=` for K-S, `<` for the other
    /// p-values).
    pub fn is_drift(self, score: f64, threshold: f64) -> bool {
        match self {
            DriftMethod::Wasserstein | DriftMethod::JensenShannon | DriftMethod::Psi => {
                score >= threshold
            }
            DriftMethod::KolmogorovSmirnov => score <= threshold,
            DriftMethod::ChiSquared | DriftMethod::ZTest => score < threshold,
        }
    }
}

/// Evidently's default test for a column, from its present (non-missing) reference rows, the
/// distinct present values of reference and current together, and its kind. Evidently counts a
/// column as categorical when it holds strings or booleans, or integers with at most five
/// distinct reference values; other numbers are numerical.
pub fn choose_method(
    reference_rows: u64,
    distinct_values: usize,
    is_categorical: bool,
) -> Result<DriftMethod, DriftError> {
    if reference_rows == 0 {
        return Err(DriftError::EmptyReference);
    }
    let as_categories = is_categorical || distinct_values <= FEW_DISTINCT_VALUES;
    Ok(if reference_rows > LARGE_REFERENCE_ROWS {
        if as_categories {
            DriftMethod::JensenShannon
        } else {
            DriftMethod::Wasserstein
        }
    } else if as_categories {
        if distinct_values > 2 {
            DriftMethod::ChiSquared
        } else {
            DriftMethod::ZTest
        }
    } else {
        DriftMethod::KolmogorovSmirnov
    })
}

/// One column's drift result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DriftVerdict {
    pub method: DriftMethod,
    pub score: f64,
    pub threshold: f64,
    pub drifted: bool,
}

impl DriftVerdict {
    /// The verdict for `score` at the method's default threshold.
    pub fn new(method: DriftMethod, score: f64) -> Self {
        Self::with_threshold(method, score, method.default_threshold())
    }

    pub fn with_threshold(method: DriftMethod, score: f64, threshold: f64) -> Self {
        Self {
            method,
            score,
            threshold,
            drifted: method.is_drift(score, threshold),
        }
    }
}

/// One column's verdict with Evidently's default test, from its aggregates. `distinct_values`
/// is the number of distinct present values in reference and current together; when `None`, it
/// is the number of categories (or of non-empty histogram bins and tails) either side has, which
/// is exact when a numerical column's bins separate its values.
pub fn column_drift(
    reference: &Distribution,
    current: &Distribution,
    distinct_values: Option<usize>,
) -> Result<DriftVerdict, DriftError> {
    if reference.present() == 0 {
        return Err(DriftError::EmptyReference);
    }
    if current.present() == 0 {
        return Err(DriftError::EmptyCurrent);
    }
    match (reference, current) {
        (Distribution::Numerical(reference), Distribution::Numerical(current)) => {
            reference.check_same_bins(current)?;
            let (reference_counts, current_counts) =
                drop_empty_in_both(&reference.counts_with_tails(), &current.counts_with_tails());
            let distinct = distinct_values.unwrap_or(reference_counts.len());
            let method = choose_method(reference.present(), distinct, false)?;
            let score = match method {
                DriftMethod::Wasserstein => wasserstein_normed_binned(reference, current)?,
                DriftMethod::KolmogorovSmirnov => ks_p_value_binned(reference, current)?,
                other => score_counts(other, &reference_counts, &current_counts)?,
            };
            Ok(DriftVerdict::new(method, score))
        }
        (Distribution::Categorical(reference), Distribution::Categorical(current)) => {
            let (reference_counts, current_counts) = CategoryCounts::aligned(reference, current);
            let distinct = distinct_values.unwrap_or(reference_counts.len());
            let method = choose_method(reference.present(), distinct, true)?;
            let score = score_counts(method, &reference_counts, &current_counts)?;
            Ok(DriftVerdict::new(method, score))
        }
        _ => Err(DriftError::MismatchedKinds),
    }
}

fn score_counts(
    method: DriftMethod,
    reference: &[u64],
    current: &[u64],
) -> Result<f64, DriftError> {
    match method {
        DriftMethod::JensenShannon => jensen_shannon_distance(reference, current),
        DriftMethod::ChiSquared => chi_squared_p_value(reference, current),
        DriftMethod::ZTest => z_test_p_value(reference, current),
        DriftMethod::Psi => super::statistics::population_stability_index(reference, current),
        DriftMethod::Wasserstein | DriftMethod::KolmogorovSmirnov => {
            Err(DriftError::NeedsNumerical {
                method: method.display_name(),
            })
        }
    }
}

/// Whether a dataset drifted: the share of drifted columns against `drift_share`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DatasetDrift {
    pub columns: usize,
    pub drifted_columns: usize,
    pub share_of_drifted_columns: f64,
    pub drifted: bool,
}

/// Evidently's dataset drift: drifted when the share of drifted columns is at least
/// `drift_share` ([`DEFAULT_DRIFT_SHARE`] by default).
pub fn dataset_drift(
    verdicts: &[DriftVerdict],
    drift_share: f64,
) -> Result<DatasetDrift, DriftError> {
    if verdicts.is_empty() {
        return Err(DriftError::NoColumns);
    }
    if !(drift_share > 0.0 && drift_share <= 1.0) {
        return Err(DriftError::InvalidShare(drift_share.to_string()));
    }
    let drifted_columns = verdicts.iter().filter(|verdict| verdict.drifted).count();
    let share_of_drifted_columns = drifted_columns as f64 / verdicts.len() as f64;
    Ok(DatasetDrift {
        columns: verdicts.len(),
        drifted_columns,
        share_of_drifted_columns,
        drifted: share_of_drifted_columns >= drift_share,
    })
}

/// PSI's rule-of-thumb reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PsiBand {
    /// Below 0.1.
    Stable,
    /// From 0.1 to 0.25.
    Moderate,
    /// Above 0.25.
    Major,
}

impl PsiBand {
    pub const MODERATE_FROM: f64 = 0.1;
    pub const MAJOR_ABOVE: f64 = 0.25;

    pub fn of(psi: f64) -> Self {
        if psi < Self::MODERATE_FROM {
            PsiBand::Stable
        } else if psi <= Self::MAJOR_ABOVE {
            PsiBand::Moderate
        } else {
            PsiBand::Major
        }
    }
}
