//! Poisson counts: sequential inversion for small means, PTRS for large ones, and a
//! table of the cumulative distribution for a mean drawn again.

use rand::Rng;

use super::table::Table;
use super::{ln_factorial, over, uniform, uniform_bits, INVERSION_BELOW, INVERSION_MAX, TABLE_MAX_MEAN};
use crate::engine::random::{LazyStream, Stream};

/// Poisson counts, with the setup of the last mean kept, and a table for the last
/// mean that was drawn twice in a row.
#[derive(Clone, Debug)]
pub struct Poisson {
    /// The mean `method` is set up for (NaN: none yet), and how many draws in a row it
    /// made.
    mean: f64,
    draws: u32,
    method: Method,
    table: MeanTable,
}

#[derive(Clone, Debug)]
enum Method {
    /// Sequential inversion; `p0` = e^-mean, NaN until a draw needs it.
    Inversion {
        p0: f64,
    },
    Ptrs(Ptrs),
}

/// Hörmann's PTRS constants for one mean; `ln_mean` and `ln_inv_alpha` are NaN until
/// a draw falls outside the squeeze.
#[derive(Clone, Debug)]
struct Ptrs {
    a: f64,
    b: f64,
    vr: f64,
    inv_alpha: f64,
    ln_mean: f64,
    ln_inv_alpha: f64,
}

/// The table of one mean's distribution.
#[derive(Clone, Debug)]
struct MeanTable {
    /// The mean the table is for (NaN: none).
    mean: f64,
    table: Table,
}

impl Default for Poisson {
    fn default() -> Self {
        Poisson {
            mean: f64::NAN,
            draws: 0,
            method: Method::Inversion { p0: f64::NAN },
            table: MeanTable { mean: f64::NAN, table: Table::default() },
        }
    }
}

impl Poisson {
    /// A Poisson count with mean `mean` from `stream`; 0 (and the stream untouched)
    /// unless the mean is positive and finite.
    #[inline]
    pub fn draw(&mut self, stream: &mut LazyStream, mean: f64) -> u64 {
        // The table's mean is NaN or positive and finite: a NaN mean never matches.
        if mean == self.table.mean {
            self.draws = 0;
            return self.table.sample(stream.get());
        }
        if mean > 0.0 && mean < 1.0 && mean != self.mean {
            // The usual zero of a small mean needs no setup: e^-mean is at least 1 -
            // mean (what `inversion` does, with the same first uniform).
            let rng = stream.get();
            let u = uniform(rng);
            if u < 1.0 - mean {
                return 0;
            }
            return self.beyond_zero(rng, u, mean);
        }
        self.draw_untabled(stream, mean)
    }

    /// [`Self::draw`] for a small mean whose first uniform `u` is not below 1 - mean.
    #[inline(never)]
    fn beyond_zero(&mut self, rng: &mut Stream, u: f64, mean: f64) -> u64 {
        match search(u, 0, (-mean).exp(), mean) {
            Some(k) => k,
            None => self.sample(rng, mean),
        }
    }

    /// [`Self::draw`] for a mean without a table.
    #[inline(never)]
    fn draw_untabled(&mut self, stream: &mut LazyStream, mean: f64) -> u64 {
        if !(mean > 0.0 && mean < f64::INFINITY) {
            return 0;
        }
        self.sample(stream.get(), mean)
    }

    /// A Poisson count with a positive, finite mean.
    #[inline(never)]
    fn sample<R: Rng + ?Sized>(&mut self, rng: &mut R, mean: f64) -> u64 {
        if mean == self.table.mean {
            return self.table.sample(rng);
        }
        if mean.to_bits() != self.mean.to_bits() {
            self.set_up(mean);
        }
        self.draws += 1;
        if self.draws >= 2 && mean <= TABLE_MAX_MEAN {
            self.table.build(mean);
            return self.table.sample(rng);
        }
        match &mut self.method {
            Method::Inversion { p0 } => inversion(rng, mean, p0),
            Method::Ptrs(c) => ptrs(rng, mean, c),
        }
    }

    fn set_up(&mut self, mean: f64) {
        self.mean = mean;
        self.draws = 0;
        self.method = if mean < INVERSION_BELOW {
            Method::Inversion { p0: f64::NAN }
        } else {
            let b = 0.931 + 2.53 * mean.sqrt();
            Method::Ptrs(Ptrs {
                a: -0.059 + 0.02483 * b,
                b,
                vr: 0.9277 - 3.6224 / (b - 2.0),
                inv_alpha: 1.1239 + 1.1328 / (b - 3.4),
                ln_mean: f64::NAN,
                ln_inv_alpha: f64::NAN,
            })
        };
    }
}

/// The smallest k whose cumulative probability exceeds a uniform; e^-mean is at least
/// 1 - mean, so a uniform below that is 0 without computing e^-mean.
fn inversion<R: Rng + ?Sized>(rng: &mut R, mean: f64, p0: &mut f64) -> u64 {
    loop {
        let u = uniform(rng);
        if u < 1.0 - mean {
            return 0;
        }
        if p0.is_nan() {
            *p0 = (-mean).exp();
        }
        if let Some(k) = search(u, 0, *p0, mean) {
            return k;
        }
    }
}

/// The sequential search from k = `from`, of probability `p`, for what is left `u` of
/// a uniform: None when rounding carried it past [`INVERSION_MAX`] more counts.
fn search(mut u: f64, from: u64, mut p: f64, mean: f64) -> Option<u64> {
    let mut k = from;
    while u >= p {
        u -= p;
        k += 1;
        if k > from + INVERSION_MAX {
            return None;
        }
        p *= over(mean, k);
    }
    Some(k)
}

/// Hörmann (1993), "The transformed rejection method for generating Poisson random
/// variables", algorithm PTRS, as numpy draws it.
fn ptrs<R: Rng + ?Sized>(rng: &mut R, mean: f64, c: &mut Ptrs) -> u64 {
    loop {
        let u = uniform(rng) - 0.5;
        let v = uniform(rng);
        let us = 0.5 - u.abs();
        let k = ((2.0 * c.a / us + c.b) * u + mean + 0.43).floor();
        if us >= 0.07 && v <= c.vr {
            return k as u64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        if c.ln_mean.is_nan() {
            c.ln_mean = mean.ln();
            c.ln_inv_alpha = c.inv_alpha.ln();
        }
        let k = k as u64;
        let lhs = v.ln() + c.ln_inv_alpha - (c.a / (us * us) + c.b).ln();
        if lhs <= -mean + k as f64 * c.ln_mean - ln_factorial(k) {
            return k;
        }
    }
}

impl MeanTable {
    /// Fills the table for `mean`.
    fn build(&mut self, mean: f64) {
        self.mean = mean;
        self.table.fill((-mean).exp(), mean, u64::MAX, |k| over(mean, k));
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let (bits, u) = uniform_bits(rng);
        match self.table.find(bits, u) {
            Some(k) => k,
            None => self.beyond(u, rng),
        }
    }

    /// The count for a uniform `u` beyond the table's end (a probability below 1e-17).
    #[cold]
    fn beyond<R: Rng + ?Sized>(&self, mut u: f64, rng: &mut R) -> u64 {
        let len = self.table.len();
        loop {
            let (left, last_p) = self.table.beyond(u);
            if let Some(k) = search(left, len, last_p * self.mean / len as f64, self.mean) {
                return k;
            }
            u = uniform(rng);
            if let Some(k) = self.table.find_slowly(u) {
                return k;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::chi_square_p;
    use super::*;
    use crate::engine::random::stream;
    use statrs::distribution::Discrete;

    fn pmf(mean: f64) -> impl Fn(u64) -> f64 {
        let d = statrs::distribution::Poisson::new(mean).unwrap();
        move |k| d.pmf(k)
    }

    #[test]
    fn counts_follow_the_poisson_distribution_in_every_regime() {
        // Tiny (the squeeze), small, both sides of the switch to PTRS, large, above the
        // tables; one mean at a time, so all but the first draw come from the table
        // (up to 256).
        for (i, mean) in [0.002, 0.3, 3.0, 9.99, 10.0, 37.5, 255.0, 2_000.0].into_iter().enumerate() {
            let mut rng = LazyStream::new(1, i as u64, 0);
            let mut sampler = Poisson::default();
            let draws: Vec<u64> = (0..200_000).map(|_| sampler.draw(&mut rng, mean)).collect();
            let p = chi_square_p(&draws, pmf(mean));
            assert!(p > 1e-3, "mean {mean}: chi-square p-value {p}");
        }
    }

    #[test]
    fn inversion_and_ptrs_follow_the_poisson_distribution() {
        // Means changing at every draw never reach a table: the setup kept for one
        // must not leak into the other.
        for (i, (small, large)) in
            [(1.5, 2.5), (2.5, 25.0), (9.5, 12.0), (40.0, 3_000.0)].into_iter().enumerate()
        {
            let mut rng = LazyStream::new(2, i as u64, 0);
            let mut sampler = Poisson::default();
            let (mut a, mut b) = (vec![], vec![]);
            for _ in 0..100_000 {
                a.push(sampler.draw(&mut rng, small));
                b.push(sampler.draw(&mut rng, large));
            }
            assert!(sampler.table.mean.is_nan(), "no mean was drawn twice in a row");
            assert!(chi_square_p(&a, pmf(small)) > 1e-3, "{small}");
            assert!(chi_square_p(&b, pmf(large)) > 1e-3, "{large}");
        }
    }

    #[test]
    fn a_table_is_kept_while_other_means_come_and_go() {
        // One sub-step in a slot split by an event, then the slot's usual mean again.
        let mut rng = LazyStream::new(3, 0, 0);
        let mut sampler = Poisson::default();
        let (mut usual, mut split) = (vec![], vec![]);
        for i in 0..200_000 {
            if i % 10 == 9 {
                split.push(sampler.draw(&mut rng, 4.0));
            } else {
                usual.push(sampler.draw(&mut rng, 17.0));
            }
        }
        assert_eq!(sampler.table.mean, 17.0);
        assert!(chi_square_p(&usual, pmf(17.0)) > 1e-3);
        assert!(chi_square_p(&split, pmf(4.0)) > 1e-3);
    }

    #[test]
    fn the_table_inverts_the_same_distribution_as_the_sequential_search() {
        for mean in [0.05, 1.7, 9.0] {
            let mut table = MeanTable { mean: f64::NAN, table: Table::default() };
            table.build(mean);
            let mut rng = stream(4, 0, 0);
            for _ in 0..100_000 {
                let (mut a, mut b) = (rng.clone(), rng.clone());
                let by_table = table.sample(&mut a);
                let by_search = inversion(&mut b, mean, &mut (-mean).exp());
                assert_eq!(by_table, by_search, "mean {mean}");
                rng = a;
            }
        }
    }

    #[test]
    fn a_table_ends_where_the_tail_is_negligible() {
        let mut table = MeanTable { mean: f64::NAN, table: Table::default() };
        table.build(TABLE_MAX_MEAN);
        let end = table.table.len();
        assert!((256 + 8 * 16..256 + 11 * 16).contains(&end), "{end} entries");
        let (left, last_p) = table.table.beyond(1.0);
        assert!(left.abs() < 1e-13, "the table holds all but {left}");
        let exact = pmf(TABLE_MAX_MEAN)(end - 1);
        assert!(last_p < 1e-18 && (last_p / exact - 1.0).abs() < 1e-9);
        assert!(table.table.guide_rises());
    }
}
