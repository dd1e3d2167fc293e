//! Binomial counts: sequential inversion for small means, BTRS for large ones.

use rand::Rng;

use super::{ln_factorial, over, uniform, INVERSION_BELOW, INVERSION_MAX};
use crate::engine::random::LazyStream;

/// Trial counts whose q^n a sampler keeps while its probability stays the same (the
/// review queue draws the accuracy of cohorts of a few dozen items).
const KEPT_POWERS: usize = 64;

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
    /// second draw in a row with the same p (empty until then).
    powers: Vec<f64>,
    /// The number of trials the setup below is for, and n small.
    n: u64,
    np: f64,
    /// Inversion (np below 10): (n + 1) odds, and (1 - small)^n, NaN until needed.
    inversion: bool,
    a: f64,
    q_n: f64,
    /// BTRS otherwise.
    btrs: Btrs,
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
            a: 0.0,
            q_n: f64::NAN,
            btrs: Btrs::default(),
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
        let u = uniform(rng);
        self.sample(u, rng)
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
        let u = uniform(rng);
        if u < 1.0 - np {
            return if flipped { n } else { 0 };
        }
        self.set_p(p);
        self.set_n(n);
        self.sample(u, rng)
    }

    /// A count with the setup done, from a first uniform `u` (and more from `rng` if
    /// needed).
    #[inline(never)]
    fn sample<R: Rng + ?Sized>(&mut self, u: f64, rng: &mut R) -> u64 {
        let k = if self.inversion {
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
    }

    fn set_n(&mut self, n: u64) {
        self.n = n;
        self.np = n as f64 * self.small;
        self.inversion = self.np < INVERSION_BELOW;
        if self.inversion {
            self.a = (n as f64 + 1.0) * self.odds;
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

    /// Starts keeping q^n for small n: p is drawn a second time in a row.
    #[cold]
    fn keep_powers(&mut self) {
        self.powers.clear();
        self.powers.resize(KEPT_POWERS, f64::NAN);
    }

    /// The smallest k whose cumulative probability exceeds the uniform `u` (p at most
    /// 1/2, np below 10); q^n is at least 1 - np, so a uniform below that is 0 without
    /// computing q^n.
    fn inversion<R: Rng + ?Sized>(&mut self, mut u: f64, rng: &mut R) -> u64 {
        let most = self.n.min(INVERSION_MAX);
        'draw: loop {
            if u < 1.0 - self.np {
                return 0;
            }
            let mut r = self.q_n();
            let mut k = 0;
            while u >= r {
                u -= r;
                k += 1;
                if k > most {
                    u = uniform(rng);
                    continue 'draw;
                }
                r *= over(self.a, k) - self.odds;
            }
            return k;
        }
    }

    /// (1 - small)^n, computed once per (n, p), and once per n below [`KEPT_POWERS`]
    /// while p is drawn again and again.
    fn q_n(&mut self) -> f64 {
        if self.q_n.is_nan() {
            if self.ln_q.is_nan() {
                self.ln_q = (-self.small).ln_1p();
            }
            let kept = if self.draws_with_p >= 2 { self.powers.get_mut(self.n as usize) } else { None };
            self.q_n = match kept {
                Some(power) if !power.is_nan() => *power,
                Some(power) => {
                    *power = (self.n as f64 * self.ln_q).exp();
                    *power
                }
                None => (self.n as f64 * self.ln_q).exp(),
            };
        }
        self.q_n
    }
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
