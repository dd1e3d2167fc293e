//! Count draws shared by the count-based processes: robust to rates that are zero,
//! NaN or infinite (they draw nothing), so a degenerate scenario cannot panic.

use rand_distr::{Binomial, Distribution, Poisson};

use crate::engine::Stream;

/// A Poisson count with mean `mean`; 0 unless the mean is positive and finite.
pub(crate) fn poisson(rng: &mut Stream, mean: f64) -> u64 {
    if mean.is_nan() || mean <= 0.0 || mean.is_infinite() {
        return 0;
    }
    match Poisson::new(mean) {
        Ok(d) => d.sample(rng) as u64,
        Err(_) => 0,
    }
}

/// A binomial count of `n` trials with success probability `p` (clamped to 0..1).
pub(crate) fn binomial(rng: &mut Stream, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    match Binomial::new(n, p) {
        Ok(d) => d.sample(rng),
        Err(_) => 0,
    }
}
