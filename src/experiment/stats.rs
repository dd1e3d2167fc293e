//! Statistics over replications. Pure numbers: nothing here knows the model.
//!
//! This file is long because its tests are: each estimator is checked against values
//! from R or by hand, and the Kaplan-Meier quantiles against their first
//! implementation, kept in the tests as an oracle.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Two-sided 95% normal quantile.
const Z975: f64 = 1.959_963_984_540_054;

/// Summary of one metric over replications (NaN values, "not applicable", are skipped).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub min: f64,
    pub p05: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub p95: f64,
    pub max: f64,
}

impl Summary {
    /// Mean with a Student-t 95% interval, and quantiles.
    pub fn of(values: &[f64]) -> Summary {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            return Summary::empty();
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            f64::NAN
        };
        let half = t_half_width(sd, n);
        Summary {
            n,
            mean,
            sd,
            ci_low: mean - half,
            ci_high: mean + half,
            min: v[0],
            p05: quantile_sorted(&v, 0.05),
            p25: quantile_sorted(&v, 0.25),
            median: quantile_sorted(&v, 0.5),
            p75: quantile_sorted(&v, 0.75),
            p95: quantile_sorted(&v, 0.95),
            max: v[n - 1],
        }
    }

    /// Summary of a 0/1 indicator, with a Wilson score interval instead of a t interval
    /// (which misbehaves near 0 and 1).
    pub fn of_indicator(values: &[f64]) -> Summary {
        let mut s = Summary::of(values);
        let successes = values.iter().filter(|x| **x > 0.5).count();
        let (lo, hi) = wilson(successes, s.n);
        s.ci_low = lo;
        s.ci_high = hi;
        s
    }

    fn empty() -> Summary {
        let nan = f64::NAN;
        Summary {
            n: 0,
            mean: nan,
            sd: nan,
            ci_low: nan,
            ci_high: nan,
            min: nan,
            p05: nan,
            p25: nan,
            median: nan,
            p75: nan,
            p95: nan,
            max: nan,
        }
    }
}

/// Half-width of the 95% Student-t interval of a mean.
pub fn t_half_width(sd: f64, n: usize) -> f64 {
    if n < 2 || sd.is_nan() {
        return f64::NAN;
    }
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).map(|d| d.inverse_cdf(0.975)).unwrap_or(f64::NAN);
    t * sd / (n as f64).sqrt()
}

/// Quantile of sorted data by linear interpolation (R's default, type 7).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Wilson score 95% interval for `successes` out of `n`.
pub fn wilson(successes: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = Z975 * Z975;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z975 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Mean of paired differences `other[i] - base[i]` with its 95% Student-t interval.
/// Pairs where either value is NaN (not applicable) are left out.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedDifference {
    pub n: usize,
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl PairedDifference {
    pub fn of(base: &[f64], other: &[f64]) -> PairedDifference {
        let d: Vec<f64> =
            base.iter().zip(other).filter_map(|(a, b)| PairedDifference::pair(*a, *b)).collect();
        PairedDifference::of_differences(&d)
    }

    /// The difference `other - base` of one pair; `None` when either is NaN (not
    /// applicable), and the pair is left out.
    pub fn pair(base: f64, other: f64) -> Option<f64> {
        (!base.is_nan() && !other.is_nan()).then_some(other - base)
    }

    /// From the differences `other[i] - base[i]` of the pairs where neither is NaN.
    pub fn of_differences(d: &[f64]) -> PairedDifference {
        let s = Summary::of(d);
        PairedDifference { n: s.n, mean: s.mean, ci_low: s.ci_low, ci_high: s.ci_high }
    }

    /// Whether the interval excludes zero.
    pub fn significant(&self) -> bool {
        self.ci_low > 0.0 || self.ci_high < 0.0
    }
}

/// Half-width of the 95% Welch interval of `mean(b) - mean(a)` for independent samples:
/// what the difference would cost without common random numbers.
pub fn welch_half_width(a: &[f64], b: &[f64]) -> f64 {
    let (sa, sb) = (Summary::of(a), Summary::of(b));
    let (va, vb) = (sa.sd * sa.sd / sa.n as f64, sb.sd * sb.sd / sb.n as f64);
    let se = (va + vb).sqrt();
    if se == 0.0 {
        return 0.0;
    }
    // Welch-Satterthwaite degrees of freedom.
    let df = (va + vb).powi(2) / (va * va / (sa.n as f64 - 1.0) + vb * vb / (sb.n as f64 - 1.0));
    let t = StudentsT::new(0.0, 1.0, df).map(|d| d.inverse_cdf(0.975)).unwrap_or(f64::NAN);
    t * se
}

/// One step of a Kaplan-Meier curve: a distinct observed time, events or censorings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KaplanMeierStep {
    pub time: f64,
    /// The estimate just after `time`.
    pub survival: f64,
    /// The pointwise 95% interval of `survival`; NaN where the curve is 0, where the
    /// log-scale interval is not defined (R's `survfit` gives NA there too).
    pub ci_low: f64,
    pub ci_high: f64,
    /// Durations still running just before `time`.
    pub at_risk: usize,
    /// Durations that ended at `time`.
    pub events: usize,
    /// Durations censored at `time`.
    pub censored: usize,
}

/// What a Kaplan-Meier curve keeps of one distinct observed time: how many durations
/// ended there and how many were censored there (24 bytes; the step's estimate and
/// band are computed when the curve is read, [`KaplanMeier::steps`]).
#[derive(Clone, Copy, Debug, PartialEq)]
struct KaplanMeierTally {
    time: f64,
    events: u64,
    censored: u64,
}

/// Kaplan-Meier estimate of a survival function from right-censored durations.
///
/// The curve is kept as counts per distinct time, not as steps: a curve of a hundred
/// thousand blocks has as many steps, and a step with its estimate and band is 56
/// bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct KaplanMeier {
    /// One tally per distinct time, in increasing time.
    tallies: Vec<KaplanMeierTally>,
    pub n: usize,
    pub censored: usize,
}

/// How close a curve must come to a level to count as equal to it, as in R's
/// `quantile.survfit` (`sqrt(.Machine$double.eps)`): a product like 0.9 x 8/9 x ... x 5/6
/// is 0.5 only up to rounding.
const LEVEL_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

impl KaplanMeier {
    /// `durations[i]` is an observed end when `censored[i]` is false, otherwise only a
    /// lower bound. Intervals use Greenwood's variance on the log scale, as R's
    /// `survfit` does by default (conf.type = "log").
    pub fn new(durations: &[f64], censored: &[bool]) -> KaplanMeier {
        KaplanMeier::of_pairs(durations.iter().copied().zip(censored.iter().copied()).collect())
    }

    /// [`KaplanMeier::new`] of (duration, censored) pairs, which it sorts in place.
    pub fn of_pairs(mut data: Vec<(f64, bool)>) -> KaplanMeier {
        sort_durations(&mut data);
        let distinct = data.windows(2).filter(|w| w[0].0 != w[1].0).count() + usize::from(!data.is_empty());
        // Exactly the room needed: a curve of a hundred thousand blocks is megabytes.
        let mut tallies = Vec::with_capacity(distinct);
        tallies.extend(tallies_of(&data));
        let censored = data.iter().filter(|d| d.1).count();
        KaplanMeier { tallies, n: data.len(), censored }
    }

    /// The estimate just after `t` (as [`KaplanMeier::survival_at`] gives it) of
    /// (duration, censored) pairs, which it sorts in place, without keeping the curve:
    /// for a hundred thousand durations, a sort instead of megabytes of tallies.
    pub fn survival_at_of(mut data: Vec<(f64, bool)>, t: f64) -> f64 {
        sort_durations(&mut data);
        steps_of(data.len(), tallies_of(&data)).take_while(|s| s.time <= t).last().map_or(1.0, |s| s.survival)
    }

    /// The steps of the curve, one per distinct time in increasing time, like the rows
    /// of R's `survfit`; at a time with censorings only, the survival does not drop.
    pub fn steps(&self) -> impl Iterator<Item = KaplanMeierStep> + '_ {
        steps_of(self.n, self.tallies.iter().copied())
    }

    /// The shortest and the longest duration observed (NaN for none): the curve's
    /// first and last times.
    pub fn observed_range(&self) -> (f64, f64) {
        match (self.tallies.first(), self.tallies.last()) {
            (Some(first), Some(last)) => (first.time, last.time),
            _ => (f64::NAN, f64::NAN),
        }
    }

    /// How many steps the curve has (distinct times).
    pub fn len(&self) -> usize {
        self.tallies.len()
    }

    /// Whether the curve has no step (no duration).
    pub fn is_empty(&self) -> bool {
        self.tallies.is_empty()
    }

    /// The p-quantile of the duration as R's `quantile.survfit` defines it: the first
    /// time the curve drops to `1 - p` or below, except where the curve equals `1 - p`
    /// over an interval, where it is the middle of that interval (for 1..10 uncensored,
    /// the median is 5.5, not 5), and that interval runs to the last observed time when
    /// the curve ends at `1 - p`. `None` when the curve never gets that low (too much
    /// censoring).
    pub fn quantile(&self, p: f64) -> Option<f64> {
        self.quantile_of(p, |s| s.survival)
    }

    /// The estimated share still in force just after `t`: 1 before the first event.
    pub fn survival_at(&self, t: f64) -> f64 {
        self.steps().take_while(|s| s.time <= t).last().map_or(1.0, |s| s.survival)
    }

    pub fn median(&self) -> Option<f64> {
        self.quantile(0.5)
    }

    /// 95% interval of the median (Brookmeyer-Crowley via the pointwise band, as R's
    /// `quantile.survfit` and `print.survfit` report it): the median of the lower band
    /// and of the upper band, by the same rule as [`KaplanMeier::quantile`].
    pub fn median_ci(&self) -> (Option<f64>, Option<f64>) {
        (self.quantile_of(0.5, |s| s.ci_low), self.quantile_of(0.5, |s| s.ci_high))
    }

    /// The p-quantile of the curve `level` of the steps (the estimate or a band; NaN
    /// where it is not defined), by the rule of R's `findq` in `quantile.survfit`.
    /// Allocates a few bytes a step (the level, an order and a mark), not copies of the
    /// curve: a curve of a hundred thousand blocks has as many steps.
    fn quantile_of(&self, p: f64, level: impl Fn(&KaplanMeierStep) -> f64) -> Option<f64> {
        // The distribution function 1 - S from time 0: point 0 is (0, 0), point i the
        // step i - 1. A level seen before drops out (R's `duplicated`, which counts a
        // repeated NA as a repeat too, so levels are compared by their bits); a
        // censoring repeats the level before it and so drops out, but the last
        // observed time still ends the curve.
        let last_time = self.tallies.last().map_or(0.0, |s| s.time);
        let levels: Vec<f64> = self.steps().map(|s| level(&s)).collect();
        let y = |i: usize| if i == 0 { 0.0 } else { 1.0 - levels[i - 1] };
        let key = |i: usize| match y(i) {
            v if v.is_nan() => f64::NAN.to_bits(),
            v => v.to_bits(),
        };
        let m = self.tallies.len() + 1;
        let mut order: Vec<u32> = (0..m as u32).collect();
        order.sort_by_key(|&i| (key(i as usize), i));
        let mut new_level = vec![false; m];
        for (k, &i) in order.iter().enumerate() {
            new_level[i as usize] = k == 0 || key(order[k - 1] as usize) != key(i as usize);
        }
        let points = || (0..m).filter(|&i| new_level[i]);
        let highest = points().map(y).filter(|v| !v.is_nan()).fold(f64::NEG_INFINITY, f64::max);
        if highest < p {
            return None;
        }
        if p == 0.0 {
            return Some(0.0);
        }
        // R's `approx(y, index, v, method = "constant", f = 1)` over the defined
        // points: the time of the lowest level at or above v (levels are distinct).
        let first_at = |v: f64| {
            let at_or_above = points().filter(|&i| !y(i).is_nan() && y(i) >= v);
            at_or_above.min_by(|&a, &b| y(a).total_cmp(&y(b))).map(|i| {
                if i == 0 {
                    0.0
                } else {
                    self.tallies[i - 1].time
                }
            })
        };
        let reached = first_at(p - LEVEL_TOLERANCE)?;
        let ends_at_p = points().next_back().is_some_and(|i| (p - y(i)).abs() < LEVEL_TOLERANCE);
        if ends_at_p {
            return Some((reached + last_time) / 2.0);
        }
        first_at(p + LEVEL_TOLERANCE).map(|left| (reached + left) / 2.0)
    }
}

/// Sorts (duration, censored) pairs by time; at tied times, events come before
/// censorings (the usual convention).
fn sort_durations(data: &mut [(f64, bool)]) {
    data.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
}

/// The tallies of sorted (duration, censored) pairs, one per distinct time.
fn tallies_of(sorted: &[(f64, bool)]) -> impl Iterator<Item = KaplanMeierTally> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let time = sorted.get(i)?.0;
        let (mut events, mut censored) = (0u64, 0u64);
        while i < sorted.len() && sorted[i].0 == time {
            if sorted[i].1 {
                censored += 1;
            } else {
                events += 1;
            }
            i += 1;
        }
        Some(KaplanMeierTally { time, events, censored })
    })
}

/// The steps of the curve of `n` durations from its tallies in increasing time: the
/// estimate, Greenwood's variance and the band, accumulated step by step.
fn steps_of(
    n: usize,
    tallies: impl Iterator<Item = KaplanMeierTally>,
) -> impl Iterator<Item = KaplanMeierStep> {
    let mut at_risk = n;
    let mut survival = 1.0;
    let mut greenwood = 0.0;
    tallies.map(move |tally| {
        let (events, leaving) = (tally.events as usize, (tally.events + tally.censored) as usize);
        if events > 0 {
            let (d, r) = (events as f64, at_risk as f64);
            survival *= 1.0 - d / r;
            if at_risk > events {
                greenwood += d / (r * (r - d));
            }
        }
        let se: f64 = greenwood.sqrt();
        let (ci_low, ci_high) = if survival > 0.0 {
            ((survival * (-Z975 * se).exp()).max(0.0), (survival * (Z975 * se).exp()).min(1.0))
        } else {
            (f64::NAN, f64::NAN)
        };
        let step = KaplanMeierStep {
            time: tally.time,
            survival,
            ci_low,
            ci_high,
            at_risk,
            events,
            censored: leaving - events,
        };
        at_risk -= leaving;
        step
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first implementation of `quantile_of`, which copies the curve: an oracle.
    fn reference_quantile_of(
        km: &KaplanMeier,
        p: f64,
        level: impl Fn(&KaplanMeierStep) -> f64,
    ) -> Option<f64> {
        // The distribution function 1 - S from time 0, at each distinct level: a
        // censoring repeats the level before it and so drops out, but the last
        // observed time still ends the curve.
        let steps: Vec<KaplanMeierStep> = km.steps().collect();
        let last_time = steps.last().map_or(0.0, |s| s.time);
        let mut points: Vec<(f64, f64)> = vec![(0.0, 0.0)];
        // Levels seen, by their bits; R's `duplicated` counts a repeated NA as a repeat too.
        let mut seen: std::collections::HashSet<u64> = std::collections::HashSet::from([0f64.to_bits()]);
        for s in &steps {
            let y = 1.0 - level(s);
            let key = if y.is_nan() { f64::NAN.to_bits() } else { y.to_bits() };
            if seen.insert(key) {
                points.push((s.time, y));
            }
        }
        let highest = points.iter().map(|q| q.1).filter(|y| !y.is_nan()).fold(f64::NEG_INFINITY, f64::max);
        if highest < p {
            return None;
        }
        if p == 0.0 {
            return Some(0.0);
        }
        // R's `approx(y, index, v, method = "constant", f = 1)` over the defined
        // points, sorted by level: the first point at or above level v.
        let mut defined: Vec<(f64, f64)> = points.iter().copied().filter(|q| !q.1.is_nan()).collect();
        defined.sort_by(|a, b| a.1.total_cmp(&b.1));
        let first_at = |v: f64| defined.iter().find(|q| q.1 >= v).map(|q| q.0);
        let reached = first_at(p - LEVEL_TOLERANCE)?;
        let ends_at_p = points.last().is_some_and(|q| (p - q.1).abs() < LEVEL_TOLERANCE);
        if ends_at_p {
            return Some((reached + last_time) / 2.0);
        }
        first_at(p + LEVEL_TOLERANCE).map(|left| (reached + left) / 2.0)
    }

    #[test]
    fn quantiles_agree_with_the_implementation_that_copies_the_curve() {
        // Small samples with ties and censoring, where flats, repeated band levels and
        // undefined bands all occur: every quantile of the estimate and of both bands.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |k: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % k
        };
        for _ in 0..400 {
            let n = 1 + next(30) as usize;
            let t: Vec<f64> = (0..n).map(|_| (1 + next(12)) as f64).collect();
            let c: Vec<bool> = (0..n).map(|_| next(3) == 0).collect();
            let km = KaplanMeier::new(&t, &c);
            for p in [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0, 1.0 / 3.0] {
                for level in [
                    |s: &KaplanMeierStep| s.survival,
                    |s: &KaplanMeierStep| s.ci_low,
                    |s: &KaplanMeierStep| s.ci_high,
                ] {
                    let (new, old) = (km.quantile_of(p, level), reference_quantile_of(&km, p, level));
                    assert_eq!(new.map(f64::to_bits), old.map(f64::to_bits), "p {p}, {t:?} {c:?}");
                }
            }
        }
    }

    #[test]
    fn the_estimate_at_a_time_without_the_curve_is_the_curve_at_that_time() {
        let durations = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0];
        let censored = [false, true, false, false, true, false, false, true, false, false, false];
        let km = KaplanMeier::new(&durations, &censored);
        for t in [0.0, 0.5, 1.0, 2.5, 3.0, 5.0, 5.5, 8.9, 9.0, 100.0] {
            assert_eq!(
                KaplanMeier::survival_at_of(durations.into_iter().zip(censored).collect(), t).to_bits(),
                km.survival_at(t).to_bits()
            );
        }
        assert!(km.survival_at(5.0) < km.survival_at(4.0) && km.survival_at(9.0) == 0.0);
        assert_eq!(km.observed_range(), (1.0, 9.0));
        let none = KaplanMeier::new(&[], &[]).observed_range();
        assert!(none.0.is_nan() && none.1.is_nan());
        // A step per distinct time (1, 2, 3, 4, 5, 6, 9), and no spare room.
        assert_eq!((km.len(), km.tallies.capacity(), km.steps().count()), (7, 7, 7));
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn survival_at_a_time_steps_down_at_each_event() {
        // 1..4, the third censored: S = 3/4 after 1, 2/4 after 2, 2/4 at 3, 0 after 4.
        let km = KaplanMeier::new(&[1.0, 2.0, 3.0, 4.0], &[false, false, true, false]);
        assert_eq!(km.survival_at(0.5), 1.0);
        assert_eq!(km.survival_at(1.0), 0.75);
        assert_eq!(km.survival_at(3.5), 0.5);
        assert_eq!(km.survival_at(4.0), 0.0);
    }

    #[test]
    fn t_interval_matches_the_hand_computation() {
        // Data 2.1 3.4 1.9 5.6 4.4 3.3: mean 3.45, sum of squared deviations 9.775,
        // sd = sqrt(9.775 / 5) = 1.398213, se = sd / sqrt(6) = 0.570819.
        // t(0.975, 5 df) = 2.570582 (any t table; R: qt(0.975, 5)).
        // Half-width 2.570582 x 0.570819 = 1.467335: interval (1.982665, 4.917335).
        let s = Summary::of(&[2.1, 3.4, 1.9, 5.6, 4.4, 3.3]);
        assert!(close(s.mean, 3.45, 1e-12));
        assert!(close(s.sd, 1.398213, 1e-6), "{}", s.sd);
        assert!(close(s.ci_low, 1.982665, 1e-5), "{}", s.ci_low);
        assert!(close(s.ci_high, 4.917335, 1e-5), "{}", s.ci_high);
    }

    #[test]
    fn quantiles_match_r_type_7() {
        // R: quantile(1:10, c(.05, .25, .5, .75, .95)) -> 1.45 3.25 5.50 7.75 9.55
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let got: Vec<f64> = [0.05, 0.25, 0.5, 0.75, 0.95].iter().map(|p| quantile_sorted(&v, *p)).collect();
        for (g, want) in got.iter().zip([1.45, 3.25, 5.5, 7.75, 9.55]) {
            assert!(close(*g, want, 1e-12), "{g} vs {want}");
        }
    }

    #[test]
    fn wilson_matches_the_hand_computation() {
        // 8 of 20, z = 1.959964, z^2 = 3.841459:
        // centre = (0.4 + z^2/40) / (1 + z^2/20) = 0.4960365 / 1.1920729 = 0.416112
        // half = z / 1.1920729 x sqrt(0.4 x 0.6 / 20 + z^2 / 1600) = 0.197306
        // interval (0.218806, 0.613418).
        let (lo, hi) = wilson(8, 20);
        assert!(close(lo, 0.218806, 1e-6), "{lo}");
        assert!(close(hi, 0.613418, 1e-6), "{hi}");
        // All successes: the interval stays inside [0, 1] and reaches 1.
        let (lo, hi) = wilson(10, 10);
        assert!(close(lo, 1.0 / (1.0 + Z975 * Z975 / 10.0), 1e-12) && close(hi, 1.0, 1e-12), "{lo} {hi}");
    }

    #[test]
    fn kaplan_meier_matches_survfit() {
        // The aml data of R's survival package, group "Maintained":
        // times 9 13 13+ 18 23 28+ 31 34 45+ 48 161+.
        // survfit: median 31, 95% CI (18, NA); S(13) = 0.9091 * 0.9 = 0.8182.
        // By hand: Greenwood's sum at 18 is 1/110 + 1/90 + 1/56 = 0.03806, so the lower
        // band is 0.7159 x exp(-1.96 x 0.1951) = 0.488, below 0.5 first at 18; the upper
        // band never gets below 0.5, so the upper limit is not estimable.
        let t = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0];
        let c = [false, false, true, false, false, true, false, false, true, false, true];
        let km = KaplanMeier::new(&t, &c);
        assert_eq!(km.median(), Some(31.0));
        let steps: Vec<KaplanMeierStep> = km.steps().collect();
        assert!(close(steps[1].survival, 0.8181818, 1e-6));
        assert_eq!((steps[1].at_risk, steps[1].events, steps[1].censored), (10, 1, 1));
        assert_eq!(km.median_ci(), (Some(18.0), None));
        assert_eq!(km.censored, 4);
    }

    #[test]
    fn a_flat_at_the_level_gives_its_midpoint_as_r_does() {
        // R: quantile(survfit(Surv(1:10) ~ 1), c(.25, .5, .75, .9, .95, 1)) by the rule of
        // quantile.survfit's findq: S is 0.5 from 5 to 6, so the median is 5.5; 0.1 from
        // 9 to 10 gives 9.5; 0.75 and 0.25 are never the level of a flat, so the first
        // time below them (3, 8); 1 ends the curve at 10, so (10 + 10) / 2.
        let t: Vec<f64> = (1..=10).map(f64::from).collect();
        let km = KaplanMeier::new(&t, &[false; 10]);
        let got: Vec<Option<f64>> = [0.25, 0.5, 0.75, 0.9, 0.95, 1.0].map(|p| km.quantile(p)).to_vec();
        let want = [3.0, 5.5, 8.0, 9.5, 10.0, 10.0].map(Some).to_vec();
        assert_eq!(got, want);
        // The band by the same rule. Greenwood's sum at k is 1/(10 - k) - 1/10, so the
        // lower band at 2 is 0.8 exp(-1.96 x 0.1581) = 0.587 and at 3 is
        // 0.7 exp(-1.96 x 0.2070) = 0.466: the lower limit is 3. The upper band stays
        // above 0.5 (0.642 at 9) and is not defined at 10 where S = 0, so the upper limit
        // is not estimable. R prints median 5.5, 0.95LCL 3, 0.95UCL NA.
        assert_eq!(km.median_ci(), (Some(3.0), None));
        let last = km.steps().nth(9).unwrap();
        assert!(last.ci_low.is_nan() && last.ci_high.is_nan());
    }

    #[test]
    fn censored_flats_follow_r_too() {
        // 1+ 2 3 4 5: after the censoring at 1, four at risk; S = 3/4 at 2, 1/2 at 3
        // (3/4 x 2/3), so S = 0.5 from 3 to 4 and findq gives (3 + 4) / 2 = 3.5.
        let km = KaplanMeier::new(&[1.0, 2.0, 3.0, 4.0, 5.0], &[true, false, false, false, false]);
        assert_eq!(km.median(), Some(3.5));
        // 1 2 3+ 4+: S = 0.5 from 2 to the end of the curve; findq's end-of-curve rule
        // takes the middle of 2 and the last time observed, 4: (2 + 4) / 2 = 3.
        let km = KaplanMeier::new(&[1.0, 2.0, 3.0, 4.0], &[false, false, true, true]);
        assert_eq!(km.median(), Some(3.0));
        // Never below 0.5: not estimable.
        let km = KaplanMeier::new(&[1.0, 2.0, 3.0], &[false, true, true]);
        assert_eq!(km.median(), None);
        assert_eq!(KaplanMeier::new(&[], &[]).median(), None);
    }

    #[test]
    fn a_step_per_distinct_time_with_its_counts() {
        // 2 2 3+ 5 5+: three distinct times.
        let km = KaplanMeier::new(&[2.0, 5.0, 3.0, 2.0, 5.0], &[false, true, true, false, false]);
        let rows: Vec<(f64, f64, usize, usize, usize)> =
            km.steps().map(|s| (s.time, s.survival, s.at_risk, s.events, s.censored)).collect();
        assert_eq!(rows, [(2.0, 0.6, 5, 2, 0), (3.0, 0.6, 3, 0, 1), (5.0, 0.3, 2, 1, 1)]);
        // A censoring leaves the band as it was.
        let steps: Vec<KaplanMeierStep> = km.steps().collect();
        assert_eq!((steps[0].ci_low, steps[0].ci_high), (steps[1].ci_low, steps[1].ci_high));
    }

    #[test]
    fn paired_difference_matches_the_hand_computation() {
        // Differences 1, 2, 3, 4, 5 minus nothing: mean 3, sd sqrt(2.5) = 1.581139,
        // se 0.707107, t(0.975, 4) = 2.776445: interval 3 -/+ 1.963243.
        let base = [10.0, 10.0, 10.0, 10.0, 10.0, f64::NAN];
        let other = [11.0, 12.0, 13.0, 14.0, 15.0, 99.0];
        let d = PairedDifference::of(&base, &other);
        assert_eq!(d.n, 5);
        assert!(close(d.mean, 3.0, 1e-12));
        assert!(close(d.ci_low, 3.0 - 1.963243, 1e-5), "{}", d.ci_low);
        assert!(d.significant());
    }

    #[test]
    fn welch_matches_the_hand_computation() {
        // a = 1..5 (var 2.5), b = 2, 4, 6, 8, 10 (var 10): se = sqrt(0.5 + 2) = 1.581139,
        // df = 2.5^2 / (0.25/4 + 4/4) = 5.882353, t(0.975, 5.882353) = 2.458824 (by
        // bisection on the t CDF via the regularised incomplete beta function).
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [2.0, 4.0, 6.0, 8.0, 10.0];
        let h = welch_half_width(&a, &b);
        assert!(close(h, 1.581139 * 2.458824, 1e-5), "{h}");
    }

    #[test]
    fn nan_values_are_not_applicable() {
        let s = Summary::of(&[f64::NAN, 2.0, 4.0]);
        assert_eq!(s.n, 2);
        assert_eq!(s.mean, 3.0);
    }
}
