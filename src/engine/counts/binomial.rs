//! Binomial counts: sequential inversion for small means, BTRS for large ones, and for
//! a probability drawn again and again a table.
//!
//! The table is for a trial count that stays while n moves about it, as a stock does
//! from one step to the next: Binomial(n, p) is drawn as Binomial(base, p) from the
//! table, base a multiple of [`BASE_STEP`] at most n, plus Binomial(n - base, p) (fewer
//! than 2 [`BASE_STEP`] trials, a small mean) by inversion; binomials of one p add up.

use rand::Rng;

use super::table::Table;
use super::{ln_factorial, over, uniform, uniform_bits, INVERSION_BELOW, INVERSION_MAX, TABLE_MAX_MEAN};
use crate::engine::random::LazyStream;

/// The trial counts of tables are multiples of this, and a table serves from its count
/// to twice this more.
const BASE_STEP: u64 = 64;

/// Trial counts whose q^n a sampler keeps while its probability stays the same: the
/// review queue draws the accuracy of cohorts of a few dozen items, a table leaves
/// fewer than 2 [`BASE_STEP`] trials.
const KEPT_POWERS: usize = 2 * BASE_STEP as usize;

/// Binomial counts, with the setup of the last (n, p) kept (that of p alone when only
/// n changed).
#[derive(Clone, Debug)]
pub struct Binomial {
    /// The probability the setup is for (NaN: none yet), and how many draws in a row
    /// it made.
    p: f64,
    draws_with_p: u32,
    /// The smaller of p and 1 - p, which is what is drawn (`flipped`: the count is n
    /// minus the draw), and its odds small / (1 - small).
    small: f64,
    flipped: bool,
    odds: f64,
    /// ln(1 - small), NaN until needed.
    ln_q: f64,
    /// (1 - small)^n for n below [`KEPT_POWERS`], NaN until needed; kept from the
    /// second draw in a row with the same p (empty until then, and from the next p on).
    powers: Vec<f64>,
    /// The number of trials the setup below is for, and n small.
    n: u64,
    np: f64,
    /// Inversion (np below 10), with (1 - small)^n, NaN until needed.
    inversion: bool,
    q_n: f64,
    /// BTRS otherwise.
    btrs: Btrs,
    /// With p drawn again: Binomial(base, small) as a table (base 0: none), and the
    /// last n outside its range: a table is built when n comes back near it (the
    /// review queue's cohorts jump about; a stock stays).
    base: u64,
    base_table: Table,
    missed: u64,
}

/// Hörmann's BTRS constants for one (n, p); `tail` is computed when a draw first falls
/// outside the squeeze.
#[derive(Clone, Debug, Default)]
struct Btrs {
    a: f64,
    b: f64,
    c: f64,
    vr: f64,
    spq: f64,
    tail: Option<BtrsTail>,
}

#[derive(Clone, Debug)]
struct BtrsTail {
    alpha: f64,
    /// ln(odds), the mode, and ln(m!) + ln((n - m)!).
    ln_odds: f64,
    m: u64,
    h: f64,
}

impl Default for Binomial {
    fn default() -> Self {
        Binomial {
            p: f64::NAN,
            draws_with_p: 0,
            small: 0.0,
            flipped: false,
            odds: 0.0,
            ln_q: f64::NAN,
            powers: Vec::new(),
            n: 0,
            np: 0.0,
            inversion: true,
            q_n: f64::NAN,
            btrs: Btrs::default(),
            base: 0,
            base_table: Table::default(),
            missed: u64::MAX,
        }
    }
}

impl Binomial {
    /// A binomial count of `n` trials with success probability `p` from `stream`: 0
    /// when `n` is 0 or `p` is not positive (or NaN), `n` when `p` is 1 or more, the
    /// stream untouched in both cases.
    #[inline]
    pub fn draw(&mut self, stream: &mut LazyStream, n: u64, p: f64) -> u64 {
        // The setup's p is NaN or strictly between 0 and 1: a NaN p never matches.
        if p != self.p {
            return self.draw_new_p(stream, n, p);
        }
        if n != self.n {
            if n == 0 {
                return 0;
            }
            self.set_n(n);
        }
        self.draws_with_p = self.draws_with_p.saturating_add(1);
        if self.draws_with_p == 2 {
            self.keep_powers();
        }
        let rng = stream.get();
        let (bits, u) = uniform_bits(rng);
        self.sample(bits, u, rng)
    }

    /// [`Self::draw`] with another p than the last draw's.
    #[inline(never)]
    fn draw_new_p(&mut self, stream: &mut LazyStream, n: u64, p: f64) -> u64 {
        if n == 0 || p.is_nan() || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        // The usual zero of a small mean needs no setup: q^n is at least 1 - np.
        let flipped = p > 0.5;
        let np = n as f64 * if flipped { 1.0 - p } else { p };
        let rng = stream.get();
        let (bits, u) = uniform_bits(rng);
        if u < 1.0 - np {
            return if flipped { n } else { 0 };
        }
        self.set_p(p);
        self.set_n(n);
        self.sample(bits, u, rng)
    }

    /// A count with the setup done, from a first uniform `u` made of the 53 bits `bits`
    /// (and more from `rng` if needed).
    #[inline(never)]
    fn sample<R: Rng + ?Sized>(&mut self, bits: u64, u: f64, rng: &mut R) -> u64 {
        let by_table = self.draws_with_p >= 2
            && self.n >= BASE_STEP
            && (1.0..=TABLE_MAX_MEAN).contains(&self.np)
            && self.table_serves();
        let k = if by_table {
            self.sample_by_table(bits, u, rng)
        } else if self.inversion {
            self.inversion(u, rng)
        } else {
            btrs(u, rng, self.n, self.small, self.odds, &mut self.btrs)
        };
        if self.flipped {
            self.n - k
        } else {
            k
        }
    }

    fn set_p(&mut self, p: f64) {
        self.p = p;
        self.draws_with_p = 1;
        self.flipped = p > 0.5;
        self.small = if self.flipped { 1.0 - p } else { p };
        self.odds = self.small / (1.0 - self.small);
        self.ln_q = f64::NAN;
        // The powers kept are another p's: none until p is drawn again.
        self.powers.clear();
    }

    fn set_n(&mut self, n: u64) {
        self.n = n;
        self.np = n as f64 * self.small;
        self.inversion = self.np < INVERSION_BELOW;
        if self.inversion {
            self.q_n = f64::NAN;
        } else {
            let spq = (self.np * (1.0 - self.small)).sqrt();
            let b = 1.15 + 2.53 * spq;
            self.btrs = Btrs {
                a: -0.0873 + 0.0248 * b + 0.01 * self.small,
                b,
                c: self.np + 0.5,
                vr: 0.92 - 4.2 / b,
                spq,
                tail: None,
            };
        }
    }

    /// Starts keeping q^n for small n, and drops the table of another p: p is drawn
    /// a second time in a row.
    #[cold]
    fn keep_powers(&mut self) {
        self.powers.clear();
        self.powers.resize(KEPT_POWERS, f64::NAN);
        (self.base, self.missed) = (0, u64::MAX);
    }

    /// Whether the table serves n: n is in its range, or n came back near the last n
    /// outside it (the table is built anew for n then).
    fn table_serves(&mut self) -> bool {
        let n = self.n;
        if self.base > 0 && self.base <= n && n - self.base < 2 * BASE_STEP {
            return true;
        }
        if n.abs_diff(self.missed) < BASE_STEP {
            self.build_table(n - n % BASE_STEP);
            return true;
        }
        self.missed = n;
        false
    }

    /// Binomial(base, small) from the table, plus the count of the n - base trials
    /// left.
    fn sample_by_table<R: Rng + ?Sized>(&mut self, bits: u64, u: f64, rng: &mut R) -> u64 {
        let n = self.n;
        let from_table = match self.base_table.find(bits, u) {
            Some(k) => k,
            None => self.beyond_table(u, rng),
        };
        from_table + self.few_trials(n - self.base, rng)
    }

    fn build_table(&mut self, base: u64) {
        self.base = base;
        let (odds, a) = (self.odds, (base as f64 + 1.0) * self.odds);
        let q_base = (base as f64 * self.ln_q()).exp();
        self.base_table.fill(q_base, base as f64 * self.small, base, |k| over(a, k) - odds);
    }

    /// The count for a uniform `u` beyond the table's end (a probability below 1e-17).
    #[cold]
    fn beyond_table<R: Rng + ?Sized>(&self, mut u: f64, rng: &mut R) -> u64 {
        let (len, odds) = (self.base_table.len(), self.odds);
        let a = (self.base as f64 + 1.0) * odds;
        loop {
            let (mut left, mut r) = self.base_table.beyond(u);
            for k in len..=self.base.min(len + INVERSION_MAX) {
                r *= over(a, k) - odds;
                if left < r {
                    return k;
                }
                left -= r;
            }
            u = uniform(rng);
            if let Some(k) = self.base_table.find_slowly(u) {
                return k;
            }
        }
    }

    /// Binomial(m, small) for m below [`KEPT_POWERS`], by inversion with q^m kept.
    fn few_trials<R: Rng + ?Sized>(&mut self, m: u64, rng: &mut R) -> u64 {
        let np = m as f64 * self.small;
        loop {
            let u = uniform(rng);
            if u < 1.0 - np {
                return 0;
            }
            let q_m = self.power(m);
            if let Some(k) = search(u, m, self.odds, q_m) {
                return k;
            }
        }
    }

    /// ln(1 - small), computed once per p.
    fn ln_q(&mut self) -> f64 {
        if self.ln_q.is_nan() {
            self.ln_q = (-self.small).ln_1p();
        }
        self.ln_q
    }

    /// (1 - small)^m, kept for m below [`KEPT_POWERS`] once p was drawn again.
    fn power(&mut self, m: u64) -> f64 {
        let ln_q = self.ln_q();
        match self.powers.get_mut(m as usize) {
            Some(kept) if !kept.is_nan() => *kept,
            Some(kept) => {
                *kept = (m as f64 * ln_q).exp();
                *kept
            }
            None => (m as f64 * ln_q).exp(),
        }
    }

    /// The smallest k whose cumulative probability exceeds the uniform `u` (p at most
    /// 1/2, np below 10); q^n is at least 1 - np, so a uniform below that is 0 without
    /// computing q^n.
    fn inversion<R: Rng + ?Sized>(&mut self, mut u: f64, rng: &mut R) -> u64 {
        loop {
            if u < 1.0 - self.np {
                return 0;
            }
            if self.q_n.is_nan() {
                self.q_n = self.power(self.n);
            }
            if let Some(k) = search(u, self.n, self.odds, self.q_n) {
                return k;
            }
            u = uniform(rng);
        }
    }
}

/// The smallest k whose cumulative probability under Binomial(n, small) exceeds `u`,
/// given odds = small / (1 - small) and q^n (small at most 1/2): a sequential search
/// from 0. None when rounding carried it past n or [`INVERSION_MAX`].
fn search(mut u: f64, n: u64, odds: f64, q_n: f64) -> Option<u64> {
    let (a, most) = ((n as f64 + 1.0) * odds, n.min(INVERSION_MAX));
    let (mut r, mut k) = (q_n, 0);
    while u >= r {
        u -= r;
        k += 1;
        if k > most {
            return None;
        }
        r *= over(a, k) - odds;
    }
    Some(k)
}

/// Hörmann (1993), "The generation of binomial random variates", algorithm BTRS (p at
/// most 1/2, np at least 10).
fn btrs<R: Rng + ?Sized>(first: f64, rng: &mut R, n: u64, p: f64, odds: f64, c: &mut Btrs) -> u64 {
    let mut first = Some(first);
    loop {
        let u = first.take().unwrap_or_else(|| uniform(rng)) - 0.5;
        let v = uniform(rng);
        let us = 0.5 - u.abs();
        let k = ((2.0 * c.a / us + c.b) * u + c.c).floor();
        if k < 0.0 || k > n as f64 {
            continue;
        }
        if us >= 0.07 && v <= c.vr {
            return k as u64;
        }
        let k = k as u64;
        let tail = c.tail.get_or_insert_with(|| {
            let m = ((n as f64 + 1.0) * p).floor() as u64;
            BtrsTail {
                alpha: (2.83 + 5.1 / c.b) * c.spq,
                ln_odds: odds.ln(),
                m,
                h: ln_factorial(m) + ln_factorial(n - m),
            }
        });
        let lhs = (v * tail.alpha / (c.a / (us * us) + c.b)).ln();
        let rhs = tail.h - ln_factorial(k) - ln_factorial(n - k) + (k as f64 - tail.m as f64) * tail.ln_odds;
        if lhs <= rhs {
            return k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::chi_square_p;
    use super::*;
    use statrs::distribution::Discrete;

    fn pmf(n: u64, p: f64) -> impl Fn(u64) -> f64 {
        let d = statrs::distribution::Binomial::new(p, n).unwrap();
        move |k| d.pmf(k)
    }

    #[test]
    fn counts_follow_the_binomial_distribution_in_every_regime() {
        let cases = [
            (20, 1e-4),     // the squeeze
            (1_000, 0.003), // inversion
            (40, 0.2),      // inversion, large p
            (25, 0.95),     // flipped inversion, q^n kept
            (3_334, 0.003), // np just above 10: BTRS
            (200, 0.3),     // BTRS
            (100, 0.8),     // flipped BTRS
            (1_000_000, 0.5),
        ];
        for (i, (n, p)) in cases.into_iter().enumerate() {
            let mut rng = LazyStream::new(2, i as u64, 0);
            let mut sampler = Binomial::default();
            let draws: Vec<u64> = (0..200_000).map(|_| sampler.draw(&mut rng, n, p)).collect();
            let pv = chi_square_p(&draws, pmf(n, p));
            assert!(pv > 1e-3, "n {n}, p {p}: chi-square p-value {pv}");
        }
    }

    #[test]
    fn a_p_drawn_once_in_between_uses_nothing_kept_for_another() {
        // Runs of one p broken by another drawn once (an interval split by an event):
        // with few trials, q^30 and q^12 kept for 0.2 must not serve 0.25; with many,
        // the table of 0.01 must not serve 0.011.
        let cases = [([30, 12, 30], 0.2, 0.25), ([3_000, 3_010, 3_000], 0.01, 0.011)];
        for (i, (ns, usual_p, once_p)) in cases.into_iter().enumerate() {
            let mut rng = LazyStream::new(5, i as u64, 0);
            let mut sampler = Binomial::default();
            let (mut usual, mut once) = (vec![], vec![]);
            for _ in 0..50_000 {
                usual.extend(ns.map(|n| sampler.draw(&mut rng, n, usual_p)));
                once.push(sampler.draw(&mut rng, 30, once_p));
            }
            let at = |k: usize| usual.iter().skip(k).step_by(3).copied().collect::<Vec<_>>();
            assert!(chi_square_p(&at(1), pmf(ns[1], usual_p)) > 1e-3, "{} at {usual_p}", ns[1]);
            assert!(chi_square_p(&at(2), pmf(ns[2], usual_p)) > 1e-3, "{} at {usual_p}", ns[2]);
            assert!(chi_square_p(&once, pmf(30, once_p)) > 1e-3, "30 at {once_p}");
        }
    }

    #[test]
    fn a_table_serves_trial_counts_near_its_own() {
        // A stock moving about (the table of 2,944 serves 3,000 and 3,050), and counts
        // that jump about (no table: each is drawn by inversion).
        for (i, (n1, n2)) in [(3_000, 3_050), (3_000, 3_200)].into_iter().enumerate() {
            let mut rng = LazyStream::new(4, i as u64, 0);
            let mut sampler = Binomial::default();
            let (mut a, mut b) = (vec![], vec![]);
            for _ in 0..100_000 {
                a.push(sampler.draw(&mut rng, n1, 0.002));
                b.push(sampler.draw(&mut rng, n2, 0.002));
            }
            assert_eq!(sampler.base, if i == 0 { 2_944 } else { 0 });
            assert!(chi_square_p(&a, pmf(n1, 0.002)) > 1e-3, "{n1}");
            assert!(chi_square_p(&b, pmf(n2, 0.002)) > 1e-3, "{n2}");
        }
    }

    #[test]
    fn a_setup_kept_for_one_n_or_p_does_not_leak_into_another() {
        // Trials changing at every draw, as the model's stocks and cohorts do, with the
        // same p (q^n kept) and with another p in between (nothing kept).
        let mut rng = LazyStream::new(3, 0, 0);
        let (mut same_p, mut other_p) = (Binomial::default(), Binomial::default());
        let mut draws: [Vec<u64>; 4] = Default::default();
        for i in 0..100_000 {
            draws[0].push(same_p.draw(&mut rng, 30, 0.95));
            draws[1].push(same_p.draw(&mut rng, 12, 0.95));
            let p = if i % 2 == 0 { 0.02 } else { 0.03 };
            draws[2 + i % 2].push(other_p.draw(&mut rng, 1_000, p));
        }
        assert!(chi_square_p(&draws[0], pmf(30, 0.95)) > 1e-3);
        assert!(chi_square_p(&draws[1], pmf(12, 0.95)) > 1e-3);
        assert!(chi_square_p(&draws[2], pmf(1_000, 0.02)) > 1e-3);
        assert!(chi_square_p(&draws[3], pmf(1_000, 0.03)) > 1e-3);
        let kept = same_p.powers.iter().filter(|q| !q.is_nan()).count();
        assert_eq!(kept, 2, "q^30 and q^12 are kept");
        assert!((same_p.powers[30] / 0.95f64.powi(30) - 1.0).abs() < 1e-14);
    }
}
