//! Statistics over replications. Pure numbers: nothing here knows the model.

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
            base.iter().zip(other).filter(|(a, b)| !a.is_nan() && !b.is_nan()).map(|(a, b)| b - a).collect();
        let s = Summary::of(&d);
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

/// Kaplan-Meier estimate of a survival function from right-censored durations.
#[derive(Clone, Debug, PartialEq)]
pub struct KaplanMeier {
    /// (time, survival just after time, lower 95%, upper 95%) at each event time.
    pub steps: Vec<(f64, f64, f64, f64)>,
    pub n: usize,
    pub censored: usize,
}

impl KaplanMeier {
    /// `durations[i]` is an observed end when `censored[i]` is false, otherwise only a
    /// lower bound. Intervals use Greenwood's variance on the log scale, as R's
    /// `survfit` does by default (conf.type = "log").
    pub fn new(durations: &[f64], censored: &[bool]) -> KaplanMeier {
        let mut data: Vec<(f64, bool)> = durations.iter().copied().zip(censored.iter().copied()).collect();
        // At tied times, events come before censorings (the usual convention).
        data.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let n = data.len();
        let mut at_risk = n as f64;
        let mut survival = 1.0;
        let mut greenwood = 0.0;
        let mut steps = Vec::new();
        let mut i = 0;
        while i < n {
            let t = data[i].0;
            let (mut events, mut leaving) = (0.0, 0.0);
            while i < n && data[i].0 == t {
                if !data[i].1 {
                    events += 1.0;
                }
                leaving += 1.0;
                i += 1;
            }
            if events > 0.0 {
                survival *= 1.0 - events / at_risk;
                if at_risk > events {
                    greenwood += events / (at_risk * (at_risk - events));
                }
                let se = greenwood.sqrt();
                let (lo, hi) = if survival > 0.0 {
                    ((survival * (-Z975 * se).exp()).max(0.0), (survival * (Z975 * se).exp()).min(1.0))
                } else {
                    (0.0, 0.0)
                };
                steps.push((t, survival, lo, hi));
            }
            at_risk -= leaving;
        }
        KaplanMeier { steps, n, censored: censored.iter().filter(|c| **c).count() }
    }

    /// Smallest time at which the survival drops to `1 - p` or below (the p-quantile of
    /// the duration); `None` when the curve never gets that low (too much censoring).
    pub fn quantile(&self, p: f64) -> Option<f64> {
        let level = 1.0 - p;
        self.steps.iter().find(|s| s.1 <= level + 1e-12).map(|s| s.0)
    }

    pub fn median(&self) -> Option<f64> {
        self.quantile(0.5)
    }

    /// 95% interval of the median (Brookmeyer-Crowley via the pointwise band, as R's
    /// `print.survfit` reports it): the lower limit is where the lower band first reaches 0.5, the upper
    /// limit where the upper band does.
    pub fn median_ci(&self) -> (Option<f64>, Option<f64>) {
        let lower = self.steps.iter().find(|s| s.2 <= 0.5 + 1e-12).map(|s| s.0);
        let upper = self.steps.iter().find(|s| s.3 <= 0.5 + 1e-12).map(|s| s.0);
        (lower, upper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
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
        assert!(close(km.steps[1].1, 0.8181818, 1e-6));
        assert_eq!(km.median_ci(), (Some(18.0), None));
        assert_eq!(km.censored, 4);
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
