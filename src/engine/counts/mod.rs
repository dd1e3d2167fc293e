//! Exact Poisson and binomial counts, fast in every regime.
//!
//! The model draws a dozen counts per step, most with the parameters of the step
//! before (the same upload rate, the same review accuracy). A sampler here keeps the
//! setup of its last parameters, so a draw with unchanged parameters costs only the
//! draw itself:
//!
//! - small means (below [`INVERSION_BELOW`]): inversion, a sequential search from
//!   zero with one uniform. The probability of zero (e^-mean, or q^n) is computed
//!   only when the uniform is not already below its lower bound (1 - mean, or 1 - np:
//!   Bernoulli's inequality), so a tiny mean draws its usual zero without `exp` or
//!   `pow`;
//! - parameters drawn again (a Poisson mean, a binomial p, means up to
//!   [`TABLE_MAX_MEAN`]): inversion by a table of the cumulative distribution with a
//!   guide table (Chen and Asau, 1974), one uniform and about two comparisons per draw,
//!   whatever the mean (`table.rs`); a binomial whose n moves from draw to draw keeps
//!   the table of a nearby n (`binomial.rs`);
//! - large means otherwise: transformed rejection with squeeze, PTRS for Poisson and
//!   BTRS for binomial counts (Hörmann 1993); most draws take two uniforms and a few
//!   multiplications, the rest a test on the exact log-probability.
//!
//! All are exact: they draw from the distribution itself, with no normal or other
//! approximation; only floating-point rounding separates them from it. A draw whose
//! outcome is certain (a mean or probability that is zero, negative, NaN or infinite,
//! no trials, a probability of one) takes no uniform and does not even seed its lazy
//! stream, so a process that never draws costs nothing.

mod binomial;
mod poisson;
mod table;

pub use binomial::Binomial;
pub use poisson::Poisson;

use rand::Rng;

/// The largest mean drawn from a table: its table holds about mean + 9 sd entries (3
/// KiB at this mean). Above it PTRS's and BTRS's squeezes accept most draws anyway.
pub const TABLE_MAX_MEAN: f64 = 256.0;

/// Below this mean, counts are drawn by inversion, whose cost grows with the mean;
/// from it on by transformed rejection, whose cost does not (Hörmann's algorithms are
/// valid from 10 on).
pub const INVERSION_BELOW: f64 = 10.0;

/// The most a sequential search goes beyond where it started before it starts again
/// with a new uniform: beyond it only rounding could keep the search going (a mean
/// below 10 exceeds 110 with a probability below 1e-70).
const INVERSION_MAX: u64 = 110;

/// 1/k for k up to [`INVERSION_MAX`]: the sequential searches multiply by it rather
/// than divide by k.
const RECIPROCALS: [f64; INVERSION_MAX as usize + 1] = {
    let mut r = [0.0; INVERSION_MAX as usize + 1];
    let mut k = 1;
    while k < r.len() {
        r[k] = 1.0 / k as f64;
        k += 1;
    }
    r
};

/// x / k, by a multiplication where [`RECIPROCALS`] holds 1/k.
#[inline]
fn over(x: f64, k: u64) -> f64 {
    match RECIPROCALS.get(k as usize) {
        Some(r) => x * r,
        None => x / k as f64,
    }
}

/// ln(k!) for k below 16, correctly rounded.
const LN_FACTORIAL: [f64; 16] = [
    0.0,
    0.0,
    std::f64::consts::LN_2,
    1.791_759_469_228_055,
    3.178_053_830_347_945_8,
    4.787_491_742_782_046,
    6.579_251_212_010_101,
    8.525_161_361_065_415,
    10.604_602_902_745_25,
    12.801_827_480_081_469,
    15.104_412_573_075_516,
    17.502_307_845_873_887,
    19.987_214_495_661_885,
    22.552_163_853_123_425,
    25.191_221_182_738_68,
    27.899_271_383_840_89,
];

/// ln(k!): a table below 16, Stirling's series with five correction terms from there
/// (its error is below 1e-16 there).
pub fn ln_factorial(k: u64) -> f64 {
    if let Some(v) = LN_FACTORIAL.get(k as usize) {
        return *v;
    }
    let x = k as f64 + 1.0;
    let r = 1.0 / (x * x);
    let tail = (1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r * (1.0 / 1680.0 - r / 1188.0)))) / x;
    // 0.5 ln(2 pi)
    (x - 0.5) * x.ln() - x + 0.918_938_533_204_672_7 + tail
}

/// A uniform in [0, 1) with 53 random bits, as rand's `random::<f64>()` makes it.
fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    uniform_bits(rng).1
}

/// The 53 random bits of a uniform, and the uniform they make (bits / 2^53).
#[inline]
fn uniform_bits<R: Rng + ?Sized>(rng: &mut R) -> (u64, f64) {
    let bits = rng.next_u64() >> 11;
    (bits, bits as f64 * (1.0 / (1u64 << 53) as f64))
}

/// The p-value of Pearson's chi-square test of `draws` against `pmf`, the bins with
/// fewer than 5 expected pooled into their neighbours: the samplers' tests.
#[cfg(test)]
fn chi_square_p(draws: &[u64], pmf: impl Fn(u64) -> f64) -> f64 {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let n = draws.len() as f64;
    let most = *draws.iter().max().unwrap();
    let mut observed = vec![0.0; most as usize + 2];
    for &d in draws {
        observed[d as usize] += 1.0;
    }
    let mut expected: Vec<f64> = (0..=most).map(|k| n * pmf(k)).collect();
    expected.push(n - expected.iter().sum::<f64>()); // beyond the largest draw
    let (mut stat, mut bins, mut o, mut e) = (0.0, 0, 0.0, 0.0);
    for (ok, ek) in observed.iter().zip(&expected) {
        o += ok;
        e += ek;
        if e >= 5.0 {
            stat += (o - e) * (o - e) / e;
            (bins, o, e) = (bins + 1, 0.0, 0.0);
        }
    }
    if e > 0.0 {
        stat += (o - e) * (o - e) / e.max(1e-300);
    }
    1.0 - ChiSquared::new((bins.max(2) - 1) as f64).unwrap().cdf(stat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::LazyStream;
    use statrs::distribution::Discrete;

    #[test]
    fn ln_factorial_matches_the_sum_of_logs() {
        let mut sum = 0.0f64;
        for k in 1..2_000u64 {
            sum += (k as f64).ln();
            assert!((ln_factorial(k) - sum).abs() <= 1e-13 * sum.max(1.0), "{k}");
        }
        assert_eq!(ln_factorial(0), 0.0);
    }

    #[test]
    fn the_chi_square_test_rejects_a_wrong_distribution() {
        // The samplers' tests can fail: Poisson draws are not binomial ones.
        let mut rng = LazyStream::new(4, 0, 0);
        let mut sampler = Poisson::default();
        let draws: Vec<u64> = (0..200_000).map(|_| sampler.draw(&mut rng, 20.0)).collect();
        let pmf = statrs::distribution::Binomial::new(0.5, 40).unwrap();
        assert!(chi_square_p(&draws, |k| pmf.pmf(k)) < 1e-6);
    }

    #[test]
    fn certain_outcomes_leave_the_stream_unseeded() {
        let mut rng = LazyStream::new(5, 0, 0);
        let (mut poisson, mut binomial) = (Poisson::default(), Binomial::default());
        for mean in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(poisson.draw(&mut rng, mean), 0);
        }
        assert_eq!(binomial.draw(&mut rng, 0, 0.5), 0);
        assert_eq!(binomial.draw(&mut rng, 10, 0.0), 0);
        assert_eq!(binomial.draw(&mut rng, 10, f64::NAN), 0);
        assert_eq!(binomial.draw(&mut rng, 10, 1.0), 10);
        assert_eq!(binomial.draw(&mut rng, 10, 2.0), 10);
        assert!(!rng.is_seeded());
        assert_eq!(poisson.draw(&mut rng, 1e-9), 0);
        assert!(rng.is_seeded(), "a positive mean draws");
    }
}
