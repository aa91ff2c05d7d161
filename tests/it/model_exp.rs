//! The port of glibc's exp algorithm (used by the wasm build) against glibc's own `exp`, which
//! std's `f64::exp` calls natively: bit for bit on millions of inputs. glibc picks its FMA build
//! on CPUs with FMA, so the variant compared is chosen the same way.
#![cfg(all(not(target_arch = "wasm32"), target_os = "linux", target_env = "gnu"))]

use instacart_reorder::model::exp::{exp_fused, exp_unfused};

/// glibc's variant for this CPU.
fn port_for_this_cpu() -> fn(f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("fma") {
            exp_fused
        } else {
            exp_unfused
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        exp_fused
    }
}

/// A small deterministic generator (xorshift64*), enough to spread inputs.
struct Xorshift(u64);

impl Xorshift {
    fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn count_mismatches(
    port: fn(f64) -> f64,
    inputs: impl Iterator<Item = f64>,
) -> (usize, usize, Option<f64>) {
    let mut total = 0;
    let mut mismatches = 0;
    let mut first = None;
    for x in inputs {
        total += 1;
        let ours = port(x);
        let glibc = x.exp();
        if ours.to_bits() != glibc.to_bits() && !(ours.is_nan() && glibc.is_nan()) {
            mismatches += 1;
            first.get_or_insert(x);
        }
    }
    (total, mismatches, first)
}

#[test]
fn the_port_equals_glibc_exp_bit_for_bit() {
    let port = port_for_this_cpu();
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    // The sigmoid's working range, densely; then the whole finite range; then the subnormal
    // and overflow edges.
    let sigmoid_range = (0..2_000_000).map(|_| (rng.next_unit() - 0.5) * 80.0);
    let (total, mismatches, first) = count_mismatches(port, sigmoid_range);
    assert_eq!(
        mismatches, 0,
        "{mismatches} of {total} differ, first at {first:?}"
    );
    let mut rng = Xorshift(7);
    let full_range = (0..1_000_000).map(|_| rng.next_unit() * 1455.0 - 745.0);
    let (total, mismatches, first) = count_mismatches(port, full_range);
    assert_eq!(
        mismatches, 0,
        "{mismatches} of {total} differ, first at {first:?}"
    );
    let mut rng = Xorshift(11);
    let edges = (0..200_000).map(|i| {
        let base = if i % 2 == 0 { -745.2 } else { 705.0 };
        base + rng.next_unit() * 4.0
    });
    let (total, mismatches, first) = count_mismatches(port, edges);
    assert_eq!(
        mismatches, 0,
        "{mismatches} of {total} differ, first at {first:?}"
    );
    let mut rng = Xorshift(13);
    let tiny = (0..200_000).map(|_| (rng.next_unit() - 0.5) * 1e-12);
    let (total, mismatches, first) = count_mismatches(port, tiny);
    assert_eq!(
        mismatches, 0,
        "{mismatches} of {total} differ, first at {first:?}"
    );
}

#[test]
fn which_variant_matches_is_reported() {
    // Not an assertion about the port: shows how often the other variant differs, so a
    // reader can see that the choice between them matters.
    let mut rng = Xorshift(3);
    let inputs: Vec<f64> = (0..200_000)
        .map(|_| (rng.next_unit() - 0.5) * 80.0)
        .collect();
    let (_, fused, _) = count_mismatches(exp_fused, inputs.iter().copied());
    let (_, unfused, _) = count_mismatches(exp_unfused, inputs.iter().copied());
    println!("of 200000 inputs, fused differs from glibc on {fused}, unfused on {unfused}");
    assert!(
        fused == 0 || unfused == 0,
        "neither variant matches glibc here"
    );
}
