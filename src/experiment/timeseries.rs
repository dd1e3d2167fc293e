//! Time series across replications on the scenario's fixed grid, kept in memory that
//! does not grow with the number of replications: sums for means and probabilities,
//! and a quantile sketch per grid point for the fan chart's bands (visible violating
//! content only: a sketch costs up to a few kilobytes per grid point).

use std::fmt;

use sketches_ddsketch::{Config, DDSketch};

use crate::engine::SimTime;
use crate::model::GridSample;

/// Relative accuracy of the quantile sketches: a reported quantile is within 0.25% of
/// the true value, and within the smallest and largest value seen (counts are rounded
/// to whole items, so counts below 200 are exact).
pub const QUANTILE_RELATIVE_ACCURACY: f64 = 0.0025;

/// The quantiles the fan chart draws: its 90% and 50% bands and the median.
pub const BAND_QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Statistics of one quantity at one grid instant, across replications.
#[derive(Clone)]
pub struct PointStats {
    sum: f64,
    sketch: DDSketch,
}

impl PointStats {
    fn new() -> PointStats {
        PointStats { sum: 0.0, sketch: DDSketch::new(Config::new(QUANTILE_RELATIVE_ACCURACY, 2048, 1.0)) }
    }

    fn add(&mut self, value: u64) {
        self.sum += value as f64;
        self.sketch.add(value as f64);
    }

    /// The `q` quantile, rounded to a whole count; NaN before any replication.
    pub fn quantile(&self, q: f64) -> f64 {
        match (self.sketch.quantile(q), self.sketch.min(), self.sketch.max()) {
            (Ok(Some(v)), Some(min), Some(max)) => v.clamp(min, max).round(),
            _ => f64::NAN,
        }
    }

    pub fn mean(&self, n: u64) -> f64 {
        if n == 0 {
            f64::NAN
        } else {
            self.sum / n as f64
        }
    }
}

/// One scenario's time series across its replications.
#[derive(Clone)]
pub struct TimeSeries {
    /// The grid instants.
    pub times: Vec<SimTime>,
    /// Replications added.
    pub n: u64,
    /// Violating items users can view, per grid instant.
    pub visible_violating: Vec<PointStats>,
    /// Sum over replications of the flagged items waiting for review, per grid instant.
    pub review_backlog_sum: Vec<f64>,
    /// Replications blocked at each grid instant.
    pub blocked: Vec<u64>,
    /// The samples of the traced replication (replication 0), for its timeline.
    pub traced: Vec<GridSample>,
}

impl fmt::Debug for TimeSeries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeSeries").field("points", &self.times.len()).field("n", &self.n).finish()
    }
}

impl TimeSeries {
    pub fn new(times: Vec<SimTime>) -> TimeSeries {
        let points = times.len();
        TimeSeries {
            times,
            n: 0,
            visible_violating: vec![PointStats::new(); points],
            review_backlog_sum: vec![0.0; points],
            blocked: vec![0; points],
            traced: Vec::new(),
        }
    }

    /// Adds one replication's samples (one per grid instant).
    pub fn add(&mut self, replication: u64, samples: &[GridSample]) {
        self.n += 1;
        for (i, s) in samples.iter().enumerate().take(self.times.len()) {
            self.visible_violating[i].add(s.visible_violating);
            self.review_backlog_sum[i] += s.review_backlog as f64;
            self.blocked[i] += u64::from(s.blocked);
        }
        if replication == 0 {
            self.traced = samples.to_vec();
        }
    }

    /// Mean review backlog at grid instant `i`.
    pub fn review_backlog_mean(&self, i: usize) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.review_backlog_sum[i] / self.n as f64
        }
    }

    /// Share of replications blocked at grid instant `i`.
    pub fn blocked_probability(&self, i: usize) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.blocked[i] as f64 / self.n as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(v: u64, blocked: bool) -> GridSample {
        GridSample { visible_violating: v, review_backlog: v / 2, blocked }
    }

    #[test]
    fn means_probabilities_and_quantiles_match_the_data() {
        let mut ts = TimeSeries::new(vec![SimTime::ZERO, SimTime(1)]);
        // 1..=100 at the first instant; blocked in 30 of 100 replications at the second.
        for r in 0..100u64 {
            ts.add(r, &[sample(r + 1, false), sample(1000, r < 30)]);
        }
        assert_eq!(ts.n, 100);
        assert!((ts.visible_violating[0].mean(ts.n) - 50.5).abs() < 1e-12);
        assert!((ts.blocked_probability(1) - 0.3).abs() < 1e-12);
        assert!(
            (ts.review_backlog_mean(0) - (1..=100u64).map(|v| v / 2).sum::<u64>() as f64 / 100.0).abs()
                < 1e-12
        );
        // Nearest-rank median of 1..=100 is 50 (rank 49.5 truncated); small counts are exact.
        assert_eq!(ts.visible_violating[0].quantile(0.5), 50.0);
        assert_eq!(ts.visible_violating[0].quantile(0.95), 95.0);
        assert_eq!(ts.visible_violating[1].quantile(0.05), 1000.0);
        assert_eq!(ts.traced, vec![sample(1, false), sample(1000, true)]);
    }

    #[test]
    fn large_counts_are_within_the_stated_accuracy() {
        let mut ts = TimeSeries::new(vec![SimTime::ZERO]);
        let values: Vec<u64> = (0..1000).map(|i| 10_000 + i * 37).collect();
        for (r, v) in values.iter().enumerate() {
            ts.add(r as u64, &[sample(*v, false)]);
        }
        for q in BAND_QUANTILES {
            let exact = values[(q * 999.0) as usize] as f64;
            let got = ts.visible_violating[0].quantile(q);
            assert!(
                (got - exact).abs() <= exact * QUANTILE_RELATIVE_ACCURACY + 0.5,
                "q {q}: {got} vs {exact}"
            );
        }
        // All equal: exactly that value, thanks to the clamp to the observed range.
        let mut same = TimeSeries::new(vec![SimTime::ZERO]);
        for r in 0..50 {
            same.add(r, &[sample(12_020, false)]);
        }
        assert_eq!(same.visible_violating[0].quantile(0.05), 12_020.0);
    }

    #[test]
    fn zero_counts_are_exact() {
        let mut ts = TimeSeries::new(vec![SimTime::ZERO]);
        for r in 0..10 {
            ts.add(r, &[sample(if r < 6 { 0 } else { 7 }, false)]);
        }
        assert_eq!(ts.visible_violating[0].quantile(0.5), 0.0);
        assert_eq!(ts.visible_violating[0].quantile(0.95), 7.0);
    }
}
