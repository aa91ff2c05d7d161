//! The distribution functions behind the drift tests' p-values, in plain f64 arithmetic so the
//! browser computes the same numbers as the native build without a statistics crate: the
//! chi-squared survival function (through the regularized upper incomplete gamma function), the
//! standard normal CDF, and the two-sample Kolmogorov-Smirnov p-value as SciPy's
//! `ks_2samp(method="auto")` computes it (exact lattice-path probability up to 10,000 rows per
//! sample, the one-sample Kolmogorov distribution of the effective size beyond that).

/// Relative precision the series and continued fractions stop at.
const PRECISION: f64 = 1e-16;

/// Largest sample size for which SciPy's `ks_2samp(method="auto")` computes the exact p-value.
pub const KS_EXACT_MAX_ROWS: u64 = 10_000;

/// Natural logarithm of the gamma function for `x > 0` (Lanczos approximation, g = 7).
pub fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the approximation in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let shifted = x - 1.0;
    let mut series = COEFFICIENTS[0];
    for (index, coefficient) in COEFFICIENTS.iter().enumerate().skip(1) {
        series += coefficient / (shifted + index as f64);
    }
    let t = shifted + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (shifted + 0.5) * t.ln() - t + series.ln()
}

/// The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), for `a > 0`.
pub fn regularized_gamma_upper(a: f64, x: f64) -> f64 {
    if x.is_nan() || a.is_nan() || a <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    let log_prefactor = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        // Series for the lower function P(a, x); Q = 1 - P.
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut denominator = a;
        for _ in 0..10_000 {
            denominator += 1.0;
            term *= x / denominator;
            sum += term;
            if term.abs() < sum.abs() * PRECISION {
                break;
            }
        }
        (1.0 - sum * log_prefactor.exp()).clamp(0.0, 1.0)
    } else {
        // Continued fraction for Q (modified Lentz).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut fraction = d;
        for step in 1..10_000 {
            let step = step as f64;
            let an = -step * (step - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            fraction *= delta;
            if (delta - 1.0).abs() < PRECISION {
                break;
            }
        }
        (log_prefactor.exp() * fraction).clamp(0.0, 1.0)
    }
}

/// P(X >= statistic) for X chi-squared with `degrees_of_freedom` (> 0) degrees of freedom.
pub fn chi_squared_survival(statistic: f64, degrees_of_freedom: f64) -> f64 {
    regularized_gamma_upper(degrees_of_freedom / 2.0, statistic / 2.0)
}

/// The complementary error function.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let upper = regularized_gamma_upper(0.5, x * x);
    if x >= 0.0 {
        upper
    } else {
        2.0 - upper
    }
}

/// The standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// SciPy's `ks_2samp(method="auto")` two-sided p-value for samples of `n1` and `n2` values whose
/// empirical CDFs differ by at most `statistic`: exact when both samples have at most
/// [`KS_EXACT_MAX_ROWS`] values, otherwise the Kolmogorov distribution of the rounded effective
/// size `n1 n2 / (n1 + n2)`.
pub fn ks_two_sample_p_value(n1: u64, n2: u64, statistic: f64) -> f64 {
    if n1 == 0 || n2 == 0 || statistic.is_nan() {
        return f64::NAN;
    }
    let p = if n1.max(n2) <= KS_EXACT_MAX_ROWS {
        ks_exact_p_value(n1, n2, statistic)
    } else {
        let (larger, smaller) = (n1.max(n2) as f64, n1.min(n2) as f64);
        let effective = (larger * smaller / (larger + smaller)).round_ties_even();
        kolmogorov_survival(effective as u64, statistic)
    };
    p.clamp(0.0, 1.0)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// P(D >= statistic) under the null for two samples of sizes `n1`, `n2` (no ties): the share of
/// monotone lattice paths from (0, 0) to (n1, n2) that touch or cross the band where the
/// empirical CDFs differ by less than the statistic. Each point holds the share of the paths
/// reaching it that already touched the band's edge, so no subtraction loses small p-values.
fn ks_exact_p_value(n1: u64, n2: u64, statistic: f64) -> f64 {
    let (rows, columns) = (n1.max(n2), n1.min(n2));
    let divisor = gcd(rows, columns);
    let lcm = (rows / divisor) * columns;
    // The statistic is a multiple of 1 / lcm; the rounding removes the float noise of its
    // computation.
    let threshold = (statistic * lcm as f64).round_ties_even();
    if threshold <= 0.0 {
        return 1.0;
    }
    let threshold = threshold as i64;
    let (row_step, column_step) = ((columns / divisor) as i64, (rows / divisor) as i64);
    let outside =
        |i: u64, j: u64| (i as i64 * row_step - j as i64 * column_step).abs() >= threshold;
    let mut touched = vec![0.0_f64; columns as usize + 1];
    for j in 1..=columns {
        let index = j as usize;
        touched[index] = if outside(0, j) {
            1.0
        } else {
            touched[index - 1]
        };
    }
    for i in 1..=rows {
        if outside(i, 0) {
            touched[0] = 1.0;
        }
        let weight = i as f64;
        for j in 1..=columns {
            let index = j as usize;
            touched[index] = if outside(i, j) {
                1.0
            } else {
                (weight * touched[index] + j as f64 * touched[index - 1]) / (weight + j as f64)
            };
        }
    }
    touched[columns as usize]
}

/// P(D_n >= x) for the one-sample two-sided Kolmogorov-Smirnov statistic of `n` values, by the
/// case split of Simard and L'Ecuyer that SciPy's `kstwo.sf` follows: the exact Ruben-Gambino
/// tails, twice the exact one-sided Smirnov probability where that is within rounding of the
/// two-sided one, and otherwise the limiting Kolmogorov distribution with Stephens' small-sample
/// correction (SciPy uses the Durbin matrix or Pomeranz recursion there).
pub fn kolmogorov_survival(n: u64, x: f64) -> f64 {
    if n == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let size = n as f64;
    let t = size * x;
    if t <= 1.0 {
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = (ln_gamma(size + 1.0) - size * size.ln() + size * (2.0 * t - 1.0).ln()).exp();
        return (1.0 - cdf).clamp(0.0, 1.0);
    }
    if t >= size - 1.0 {
        return (2.0 * (1.0 - x).powf(size)).clamp(0.0, 1.0);
    }
    if x >= 0.5 {
        return (2.0 * smirnov_survival(n, x)).clamp(0.0, 1.0);
    }
    let n_x_squared = t * x;
    if n <= 140 {
        if n_x_squared > 4.0 {
            return (2.0 * smirnov_survival(n, x)).clamp(0.0, 1.0);
        }
    } else {
        if n_x_squared >= 370.0 {
            return 0.0;
        }
        if n_x_squared >= 2.2 {
            return (2.0 * smirnov_survival(n, x)).clamp(0.0, 1.0);
        }
    }
    let root = size.sqrt();
    limiting_kolmogorov_survival(x * (root + 0.12 + 0.11 / root))
}

/// The exact one-sided Smirnov probability P(D+_n >= x) (Birnbaum-Tingey sum), for 0 < x < 1.
pub fn smirnov_survival(n: u64, x: f64) -> f64 {
    let size = n as f64;
    let last = (size * (1.0 - x)).floor() as u64;
    let ln_n_factorial = ln_gamma(size + 1.0);
    let mut sum = 0.0;
    for j in 0..=last.min(n) {
        let share = j as f64 / size;
        let below = 1.0 - x - share;
        if below <= 0.0 && j < n {
            continue;
        }
        let ln_choose = ln_n_factorial - ln_gamma(j as f64 + 1.0) - ln_gamma(size - j as f64 + 1.0);
        let ln_term = ln_choose
            + (size - j as f64) * below.max(f64::MIN_POSITIVE).ln()
            + (j as f64 - 1.0) * (x + share).ln();
        sum += ln_term.exp();
    }
    (x * sum).clamp(0.0, 1.0)
}

/// P(K >= t) for the limiting Kolmogorov distribution K = sup |Brownian bridge|.
pub fn limiting_kolmogorov_survival(t: f64) -> f64 {
    if t <= 0.0 {
        return 1.0;
    }
    if t < 1.0 {
        // The CDF's theta-function form converges fast for small t.
        let pi = std::f64::consts::PI;
        let factor = -(pi * pi) / (8.0 * t * t);
        let mut cdf = 0.0;
        for k in 1..=20 {
            let odd = (2 * k - 1) as f64;
            cdf += (factor * odd * odd).exp();
        }
        return (1.0 - (2.0 * pi).sqrt() / t * cdf).clamp(0.0, 1.0);
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = (-2.0 * k * k * t * t).exp();
        sum += if k as u64 % 2 == 1 { term } else { -term };
        if term < 1e-18 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}
