//! The exponential used by the sigmoid. Natively std's `f64::exp` is glibc's, which is what
//! LightGBM calls, so probabilities match bit for bit.
#[inline]
pub fn exp(x: f64) -> f64 {
    x.exp()
}
