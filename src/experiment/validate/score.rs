//! Scores of a probabilistic forecast against one observed outcome, on the scale of
//! ln(1 + days) (a factor of two is the same miss for a two-day block as for a
//! two-month one; "no block" is 0 days). Pure numbers: nothing here knows the model.
//!
//! - CRPS, the continuous ranked probability score (Gneiting and Raftery 2007), of the
//!   empirical distribution of the forecast draws. For an outcome known only to exceed
//!   c (a block still in force when the record ends) it is the survival CRPS of Avati
//!   et al. (2020), ∫_{-∞}^{c} F(t)² dt: only forecast mass below c is penalised.
//! - The probability integral transform F(y), randomised within an atom of the forecast
//!   (many draws of 0 days) and, for a censored outcome, uniform on [F(c), 1]: uniform
//!   on (0, 1) when forecasts are calibrated (Czado, Gneiting and Held 2009).
//! - The absolute log error of the forecast median.

/// An observed outcome in days: 0 without a block; `censored` when the block was still
/// in force after `days`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub days: f64,
    pub censored: bool,
}

/// ln(1 + days): the scale every score here uses.
pub fn log_days(days: f64) -> f64 {
    days.max(0.0).ln_1p()
}

/// The CRPS of the empirical distribution of `sorted` (ascending, on the log scale)
/// for the outcome `y` (on the log scale), or its survival form if `censored`.
pub fn crps(sorted: &[f64], y: f64, censored: bool) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let nf = n as f64;
    if censored {
        // F is i/n on [x_(i), x_(i+1)); integrate F² up to y.
        let mut total = 0.0;
        for i in 1..=n {
            let from = sorted[i - 1];
            if from >= y {
                break;
            }
            let to = if i < n { sorted[i].min(y) } else { y };
            total += (i as f64 / nf).powi(2) * (to - from);
        }
        return total;
    }
    // E|X - y| - E|X - X'| / 2, with E|X - X'| = (2 / n²) Σ (2i - n - 1) x_(i).
    let gap: f64 = sorted.iter().map(|x| (x - y).abs()).sum::<f64>() / nf;
    let spread: f64 =
        sorted.iter().enumerate().map(|(i, x)| (2.0 * (i + 1) as f64 - nf - 1.0) * x).sum::<f64>() * 2.0
            / (nf * nf);
    gap - spread / 2.0
}

/// The randomised PIT of `outcome` under the forecast `sorted` (days, ascending); `u` is
/// a uniform draw on [0, 1) that places it within an atom or above a censoring point.
pub fn pit(sorted: &[f64], outcome: Outcome, u: f64) -> f64 {
    let n = sorted.len() as f64;
    let below = sorted.partition_point(|&x| x < outcome.days) as f64 / n;
    let at_or_below = sorted.partition_point(|&x| x <= outcome.days) as f64 / n;
    if outcome.censored {
        at_or_below + u * (1.0 - at_or_below)
    } else {
        below + u * (at_or_below - below)
    }
}

/// |ln(1 + median) − ln(1 + observed)|; for a censored outcome only a median short of
/// the censoring point is an error.
pub fn abs_log_error(median_days: f64, outcome: Outcome) -> f64 {
    let gap = log_days(outcome.days) - log_days(median_days);
    if outcome.censored {
        gap.max(0.0)
    } else {
        gap.abs()
    }
}

/// Whether [low, high] holds the outcome: `None` for a censored outcome the interval
/// reaches past (the truth may lie inside or above it), `Some(false)` for one it stops
/// short of.
pub fn covers(low: f64, high: f64, outcome: Outcome) -> Option<bool> {
    if outcome.censored {
        return if high < outcome.days { Some(false) } else { None };
    }
    Some(low <= outcome.days && outcome.days <= high)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    /// The CRPS by its definition, ∫ (F(t) − 1{t ≥ y})² dt, integrated numerically.
    fn crps_by_integral(sorted: &[f64], y: f64, censored: bool) -> f64 {
        let n = sorted.len() as f64;
        let (lo, hi) = (sorted[0].min(y) - 1.0, sorted[sorted.len() - 1].max(y) + 1.0);
        let steps = 200_000;
        let dt = (hi - lo) / steps as f64;
        (0..steps)
            .map(|k| {
                let t = lo + (k as f64 + 0.5) * dt;
                let f = sorted.partition_point(|&x| x <= t) as f64 / n;
                if censored {
                    if t < y {
                        f * f * dt
                    } else {
                        0.0
                    }
                } else {
                    let step = if t >= y { 1.0 } else { 0.0 };
                    (f - step).powi(2) * dt
                }
            })
            .sum()
    }

    #[test]
    fn crps_matches_its_integral_definition() {
        let sorted = [0.0, 0.0, 0.5, 1.2, 2.0, 3.5];
        for y in [-0.5, 0.0, 0.7, 2.0, 5.0] {
            assert!((crps(&sorted, y, false) - crps_by_integral(&sorted, y, false)).abs() < 1e-4);
            assert!((crps(&sorted, y, true) - crps_by_integral(&sorted, y, true)).abs() < 1e-4);
        }
        // A point forecast scores its absolute error.
        close(crps(&[2.0], 0.5, false), 1.5);
        // Censored below every draw: every draw agrees with "longer than that".
        close(crps(&[1.0, 2.0], 0.5, true), 0.0);
    }

    #[test]
    fn pit_is_the_forecast_share_below_the_outcome() {
        let sorted = [0.0, 0.0, 1.0, 2.0, 4.0];
        close(pit(&sorted, Outcome { days: 3.0, censored: false }, 0.9), 0.8);
        // Two of five draws are 0 days: an outcome of 0 lands anywhere in [0, 0.4].
        close(pit(&sorted, Outcome { days: 0.0, censored: false }, 0.5), 0.2);
        // Censored at 1 day: the truth is above 1, so the PIT lies in [0.6, 1].
        close(pit(&sorted, Outcome { days: 1.0, censored: true }, 0.5), 0.8);
    }

    #[test]
    fn errors_and_coverage_respect_censoring() {
        let seven = Outcome { days: 7.0, censored: false };
        close(abs_log_error(3.0, seven), 2f64.ln());
        close(abs_log_error(15.0, seven), 2f64.ln());
        let at_least_seven = Outcome { days: 7.0, censored: true };
        close(abs_log_error(15.0, at_least_seven), 0.0);
        close(abs_log_error(3.0, at_least_seven), 2f64.ln());
        assert_eq!(covers(2.0, 9.0, seven), Some(true));
        assert_eq!(covers(8.0, 9.0, seven), Some(false));
        assert_eq!(covers(2.0, 9.0, at_least_seven), None);
        assert_eq!(covers(2.0, 5.0, at_least_seven), Some(false));
    }
}
