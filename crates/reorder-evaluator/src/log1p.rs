//! log1p behind cross_entropy_lambda's output, written so that the browser gets LightGBM's
//! exact bits.
//!
//! LightGBM turns a cross_entropy_lambda raw score into `log1p(exp(raw))` with the C library's
//! `log1p`. Natively that is glibc's, which std's `f64::ln_1p` calls, so the native build uses it
//! directly. In wasm, std's `ln_1p` is a different implementation that differs by one ULP on
//! some inputs, so the wasm build uses `log1p_fused` below: a re-implementation of the algorithm
//! glibc uses (fdlibm's, from Sun Microsystems, freely redistributable), written here from its
//! description, with the multiply-adds fused the way glibc's FMA build (used on every x86-64
//! CPU with FMA since glibc 2.39, and backported to the 2.36 stable branch that Debian bookworm
//! ships) fuses them. `log1p_unfused` is the same algorithm for CPUs without FMA and for older
//! glibc.
//!
//! Algorithm: 1 + x = 2^k * (1 + f) with sqrt(2)/2 < 1 + f < sqrt(2); when k is not 0, 1 + x
//! is rounded to u and c = ((1 + x) - u) / u corrects for that rounding. Then with s = f / (2 + f),
//! log(1 + f) = f - (f^2/2 - s * (f^2/2 + R(s^2))), R a degree-7 polynomial in s^2 with
//! coefficients Lp1..Lp7, and log1p(x) = k * ln2_hi + (that + (k * ln2_lo + c)), ln2 split into a
//! high part whose multiples by k are exact and a low part. |x| < 2^-29 returns x - x^2/2 (or x
//! itself below 2^-54), and |f| < 2^-20 uses the shorter series f - f^2/2 * (1 - 2f/3).

/// log1p as cross_entropy_lambda's output uses it: bit-identical to glibc's `log1p` (as
/// LightGBM uses it).
#[cfg(not(target_arch = "wasm32"))]
#[inline]
pub fn log1p(x: f64) -> f64 {
    x.ln_1p()
}

/// log1p as cross_entropy_lambda's output uses it: bit-identical to glibc's `log1p` (as
/// LightGBM uses it).
#[cfg(target_arch = "wasm32")]
#[inline]
pub fn log1p(x: f64) -> f64 {
    log1p_fused(x)
}

const LN2_HI: f64 = f64::from_bits(0x3fe62e42fee00000); // 6.93147180369123816490e-01
const LN2_LO: f64 = f64::from_bits(0x3dea39ef35793c76); // 1.90821492927058770002e-10
const TWO_THIRDS: f64 = f64::from_bits(0x3fe5555555555555); // 2/3 rounded
const LP1: f64 = f64::from_bits(0x3fe5555555555593); // 6.666666666666735130e-01
const LP2: f64 = f64::from_bits(0x3fd999999997fa04); // 3.999999999940941908e-01
const LP3: f64 = f64::from_bits(0x3fd2492494229359); // 2.857142874366239149e-01
const LP4: f64 = f64::from_bits(0x3fcc71c51d8e78af); // 2.222219843214978396e-01
const LP5: f64 = f64::from_bits(0x3fc7466496cb03de); // 1.818357216161805012e-01
const LP6: f64 = f64::from_bits(0x3fc39a09d078c69f); // 1.531383769920937332e-01
const LP7: f64 = f64::from_bits(0x3fc2f112df3e5244); // 1.479819860511658591e-01

/// log1p with glibc's fused multiply-adds (its build for CPUs with FMA).
pub fn log1p_fused(x: f64) -> f64 {
    log1p_with::<true>(x)
}

/// log1p with every multiply and add rounded separately (glibc's build for CPUs without FMA).
pub fn log1p_unfused(x: f64) -> f64 {
    log1p_with::<false>(x)
}

#[inline(always)]
fn mul_add<const FUSED: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FUSED {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// The upper 32 bits (sign, exponent, top 20 mantissa bits) as a signed integer, as fdlibm
/// compares them.
fn high_word(x: f64) -> i32 {
    (x.to_bits() >> 32) as u32 as i32
}

fn with_high_word(x: f64, high: i32) -> f64 {
    f64::from_bits((u64::from(high as u32) << 32) | (x.to_bits() & 0xffff_ffff))
}

#[inline(always)]
fn log1p_with<const FUSED: bool>(x: f64) -> f64 {
    let hx = high_word(x);
    let ax = hx & 0x7fff_ffff;
    let mut k = 1;
    let mut f = 0.0;
    let mut hu = 0;
    let mut c = 0.0;
    if hx < 0x3fda_827a {
        // x < 0.41422 (every negative x included).
        if ax >= 0x3ff0_0000 {
            // x <= -1 (or a NaN with its sign bit set).
            return if x == -1.0 {
                f64::NEG_INFINITY
            } else {
                f64::NAN
            };
        }
        if ax < 0x3e20_0000 {
            // |x| < 2^-29: x - x^2/2, or x itself (sign of zero kept) below 2^-54.
            if ax < 0x3c90_0000 {
                return x;
            }
            return mul_add::<FUSED>(-(x * x), 0.5, x);
        }
        if hx > 0 || hx <= 0xbfd2_bec3_u32 as i32 {
            // -0.2929 <= x < 0.41422: k = 0 and f = x exactly.
            k = 0;
            f = x;
            hu = 1;
        }
    } else if hx >= 0x7ff0_0000 {
        // +inf or NaN.
        return x + x;
    }
    if k != 0 {
        let u = if hx < 0x4340_0000 {
            let u = 1.0 + x;
            hu = high_word(u);
            k = (hu >> 20) - 1023;
            // The rounding error of 1 + x, relative to u.
            c = if k > 0 { 1.0 - (u - x) } else { x - (u - 1.0) };
            c /= u;
            u
        } else {
            // x >= 2^53: 1 + x rounds to x and the correction is below half an ULP.
            hu = hx;
            k = (hu >> 20) - 1023;
            x
        };
        hu &= 0x000f_ffff;
        let u = if hu < 0x6_a09e {
            // 1 <= u / 2^k < sqrt(2).
            with_high_word(u, hu | 0x3ff0_0000)
        } else {
            // u / 2^k >= sqrt(2): halve it.
            k += 1;
            let half = with_high_word(u, hu | 0x3fe0_0000);
            hu = (0x0010_0000 - hu) >> 2;
            half
        };
        f = u - 1.0;
    }
    let hfsq = 0.5 * f * f;
    let kd = f64::from(k);
    if hu == 0 {
        // |f| < 2^-20.
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            c = mul_add::<FUSED>(kd, LN2_LO, c);
            return mul_add::<FUSED>(kd, LN2_HI, c);
        }
        let r = hfsq * mul_add::<FUSED>(-TWO_THIRDS, f, 1.0);
        if k == 0 {
            return f - r;
        }
        return mul_add::<FUSED>(kd, LN2_HI, -((r - mul_add::<FUSED>(kd, LN2_LO, c)) - f));
    }
    let s = f / (2.0 + f);
    let z = s * s;
    let z2 = z * z;
    let z4 = z2 * z2;
    let z6 = z4 * z2;
    let r2 = mul_add::<FUSED>(z, LP3, LP2);
    let r3 = mul_add::<FUSED>(z, LP5, LP4);
    let r4 = mul_add::<FUSED>(z, LP7, LP6);
    // Lp1*z + z^2*(Lp2 + Lp3*z) + z^4*(Lp4 + Lp5*z) + z^6*(Lp6 + Lp7*z), summed left to right.
    // glibc's FMA build fuses the first product (not z^2 * r2) into the first sum.
    let r = mul_add::<FUSED>(
        z6,
        r4,
        mul_add::<FUSED>(z4, r3, mul_add::<FUSED>(z, LP1, z2 * r2)),
    );
    // Both branches below use s * (hfsq + r); GCC computes it once before the branch, so the
    // FMA build rounds the product and fuses neither of the sums that use it.
    let sr = s * (hfsq + r);
    if k == 0 {
        return f - (hfsq - sr);
    }
    mul_add::<FUSED>(
        kd,
        LN2_HI,
        -((hfsq - (sr + mul_add::<FUSED>(kd, LN2_LO, c))) - f),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::{E, LN_2};

    #[test]
    fn special_values_worked_by_hand() {
        for log1p in [log1p_fused, log1p_unfused] {
            assert_eq!(log1p(0.0).to_bits(), 0.0f64.to_bits());
            assert_eq!(log1p(-0.0).to_bits(), (-0.0f64).to_bits());
            assert_eq!(log1p(-1.0), f64::NEG_INFINITY);
            assert!(log1p(-1.0 - f64::EPSILON).is_nan());
            assert!(log1p(f64::NEG_INFINITY).is_nan());
            assert!(log1p(f64::NAN).is_nan());
            assert!(log1p(-f64::NAN).is_nan());
            assert_eq!(log1p(f64::INFINITY), f64::INFINITY);
            assert_eq!(log1p(1.0), LN_2);
            assert_eq!(log1p(-0.5), -LN_2);
            assert_eq!(log1p(E - 1.0), 1.0);
            // Below 2^-54, log1p(x) rounds to x, down to the smallest subnormal.
            assert_eq!(log1p(1e-300), 1e-300);
            assert_eq!(log1p(f64::from_bits(1)), f64::from_bits(1));
            // log1p(f64::MAX) = 1024 * ln 2, rounded.
            assert_eq!(log1p(f64::MAX), 709.782712893384);
        }
    }

    /// The port against glibc's own `log1p`, which std's `f64::ln_1p` calls natively: bit for
    /// bit. glibc picks its FMA build on CPUs with FMA (glibc 2.39 on, and the 2.36 stable
    /// updates), so the variant compared is chosen the same way.
    #[cfg(all(not(target_arch = "wasm32"), target_os = "linux", target_env = "gnu"))]
    mod against_glibc {
        use super::super::*;

        /// glibc's variant for this CPU.
        fn port_for_this_cpu() -> fn(f64) -> f64 {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("fma") {
                    log1p_fused
                } else {
                    log1p_unfused
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                log1p_fused
            }
        }

        /// A small deterministic generator (xorshift64*), enough to spread inputs.
        struct Xorshift(u64);

        impl Xorshift {
            fn next_u64(&mut self) -> u64 {
                self.0 ^= self.0 >> 12;
                self.0 ^= self.0 << 25;
                self.0 ^= self.0 >> 27;
                self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
            }

            fn next_unit(&mut self) -> f64 {
                (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
            }

            /// A double with a uniformly random sign, mantissa and exponent in `exponents`.
            fn next_with_exponent(&mut self, exponents: std::ops::Range<u64>) -> f64 {
                let bits = self.next_u64();
                let exponent =
                    exponents.start + self.next_u64() % (exponents.end - exponents.start);
                f64::from_bits((bits & 0x800f_ffff_ffff_ffff) | (exponent << 52))
            }
        }

        fn assert_matches_glibc(
            what: &str,
            port: fn(f64) -> f64,
            inputs: impl Iterator<Item = f64>,
        ) {
            let mut total = 0usize;
            let mut mismatches = 0usize;
            let mut first = None;
            for x in inputs {
                total += 1;
                let ours = port(x);
                let glibc = x.ln_1p();
                if ours.to_bits() != glibc.to_bits() && !(ours.is_nan() && glibc.is_nan()) {
                    mismatches += 1;
                    first.get_or_insert((x, ours, glibc));
                }
            }
            assert_eq!(
                mismatches, 0,
                "{what}: {mismatches} of {total} differ, first (x, ours, glibc): {first:?}"
            );
        }

        /// How cross_entropy_lambda uses it: log1p(exp(raw)) over the raw scores' working range.
        #[test]
        fn log1p_of_exp_equals_glibc_bit_for_bit() {
            let port = port_for_this_cpu();
            let even = (0..5_000_000).map(|i| crate::exp::exp(-40.0 + f64::from(i) * 1.6e-5));
            assert_matches_glibc("log1p(exp(r)), r evenly over [-40, 40]", port, even);
            let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
            let random = (0..5_000_000).map(|_| crate::exp::exp((rng.next_unit() - 0.5) * 80.0));
            assert_matches_glibc("log1p(exp(r)), r random in [-40, 40]", port, random);
        }

        #[test]
        fn log1p_equals_glibc_bit_for_bit_across_its_branches() {
            let port = port_for_this_cpu();
            let mut rng = Xorshift(7);
            // Any bit pattern: mostly huge or tiny magnitudes, half of them negative (NaN).
            let any = (0..1_000_000).map(|_| f64::from_bits(rng.next_u64()));
            assert_matches_glibc("any bits", port, any);
            // Every exponent, subnormals included, either sign.
            let every_exponent = (0..2_000_000).map(|_| rng.next_with_exponent(0..2047));
            assert_matches_glibc("every exponent", port, every_exponent);
            // |x| < 2^-54 (x itself) and 2^-54 <= |x| < 2^-29 (x - x^2/2).
            let tiny = (0..300_000).map(|_| rng.next_with_exponent(0x3b0..0x3e3));
            assert_matches_glibc("tiny", port, tiny);
            // -0.2929 <= x < 0.41422, where k = 0 and f = x; and the k = 0 cut-offs.
            let k_zero = (0..2_000_000).map(|_| rng.next_unit() * (0.41422 + 0.2929) - 0.2929);
            assert_matches_glibc("k = 0", port, k_zero);
            let cut_offs = [0x3fda_827a_0000_0000_u64, 0xbfd2_bec3_ffff_ffff]
                .into_iter()
                .flat_map(|edge| (0..100_000u64).map(move |i| f64::from_bits(edge - 50_000 + i)));
            assert_matches_glibc("around 0.41422 and -0.2929", port, cut_offs);
            // Down to -1: u = 1 + x loses bits of x, so the correction c matters.
            let near_minus_one =
                (0..1_000_000).map(|_| -1.0 + rng.next_with_exponent(0x3c9..0x3fd).abs());
            assert_matches_glibc("near -1", port, near_minus_one);
            // 1 + x within 2^-20 of a power of two (|f| < 2^-20, the short series) and u near
            // sqrt(2) * 2^k, where the reduction switches from u to u / 2.
            let near_powers = (0..1_000_000).map(|_| {
                let k = (rng.next_u64() % 60) as i32 - 1;
                let offset = (rng.next_unit() - 0.5) * f64::powi(2.0, k - 19);
                let base = if rng.next_u64() & 1 == 0 {
                    1.0
                } else {
                    std::f64::consts::SQRT_2
                };
                base * f64::powi(2.0, k) - 1.0 + offset
            });
            assert_matches_glibc("1 + x near 2^k and sqrt(2) * 2^k", port, near_powers);
            // x >= 2^53 (no correction term) and around it, up to f64::MAX.
            let large = (0..500_000).map(|_| rng.next_with_exponent(0x432..0x7ff).abs());
            assert_matches_glibc("large", port, large);
            // 1 + x exactly a power of two (f = 0).
            let exact = (-53..1024).map(|k| f64::powi(2.0, k) - 1.0);
            assert_matches_glibc("1 + x = 2^k", port, exact);
            let specials = [
                0.0,
                -0.0,
                -1.0,
                -1.5,
                f64::MIN,
                f64::MAX,
                f64::MIN_POSITIVE,
                -f64::MIN_POSITIVE,
                f64::from_bits(1),
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
                -f64::NAN,
                f64::EPSILON,
                -f64::EPSILON / 2.0,
                9_007_199_254_740_992.0,
            ];
            assert_matches_glibc("special values", port, specials.into_iter());
        }

        /// A sweep too long for every run: `cargo test -p reorder-evaluator -- --ignored`.
        #[test]
        #[ignore]
        fn log1p_equals_glibc_bit_for_bit_long_sweep() {
            let port = port_for_this_cpu();
            let even = (0..100_000_000).map(|i| crate::exp::exp(-40.0 + f64::from(i) * 8e-7));
            assert_matches_glibc("log1p(exp(r)), r evenly over [-40, 40]", port, even);
            let mut rng = Xorshift(17);
            let every_exponent = (0..50_000_000).map(|_| rng.next_with_exponent(0..2047));
            assert_matches_glibc("every exponent", port, every_exponent);
            let around_zero = (0..50_000_000).map(|_| rng.next_unit() * 1.5 - 0.99);
            assert_matches_glibc("(-0.99, 0.51)", port, around_zero);
        }

        #[test]
        fn the_two_variants_differ_so_the_choice_is_tested() {
            // Not about the port: shows that the sweeps above tell the variants apart.
            let mut rng = Xorshift(3);
            let differ = (0..200_000)
                .map(|_| crate::exp::exp((rng.next_unit() - 0.5) * 80.0))
                .filter(|&x| log1p_fused(x).to_bits() != log1p_unfused(x).to_bits())
                .count();
            assert!(differ > 0, "fused and unfused agree on every input tried");
        }
    }
}
