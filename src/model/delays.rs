//! Measured takedown delays: how long removed violating items were up, and how much
//! of their lifetime attention their removal prevented, per category and per path.
//!
//! Delays go into a log-bucketed histogram with weights (the rule of DDSketch:
//! bucket i holds delays in (g^(i-1), g^i] milliseconds, g = (1 + a) / (1 - a), a =
//! 0.25%), so a cohort of a million items removed at one age costs one entry, and
//! histograms of replications merge by adding counts. Counts, means and the prevented
//! share are exact; a quantile is within 0.25% of the exact one.

use std::collections::BTreeMap;

use crate::engine::SimDuration;

/// Relative accuracy of the delay quantiles.
pub const DELAY_RELATIVE_ACCURACY: f64 = 0.0025;

/// How a removed violating item came down.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RemovalPath {
    /// Flagged by automated detection at upload, removed after review.
    Detection,
    /// Reported by a user, removed after review.
    UserReport,
    /// Taken down to comply with a regulator's order.
    TakedownOrder,
    /// Swept by a cleanup of the playbook.
    Cleanup,
}

impl RemovalPath {
    /// Every path, in output order.
    pub const ALL: [RemovalPath; 4] =
        [RemovalPath::Detection, RemovalPath::UserReport, RemovalPath::TakedownOrder, RemovalPath::Cleanup];

    /// The name in the tables (`user_report`).
    pub fn name(self) -> &'static str {
        match self {
            RemovalPath::Detection => "detection",
            RemovalPath::UserReport => "user_report",
            RemovalPath::TakedownOrder => "takedown_order",
            RemovalPath::Cleanup => "cleanup",
        }
    }
}

/// The delays of removed items of one category and path, and the share of their
/// lifetime attention their removal prevented.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Delays {
    /// Items removed.
    pub removed: u64,
    /// Sum of their delays, in days.
    pub delay_days_sum: f64,
    /// Sum of the share of each item's lifetime attention that came after its removal.
    pub prevented_share_sum: f64,
    /// Items removed at age zero.
    zero: u64,
    /// Items per bucket (see the module docs).
    buckets: BTreeMap<i32, u64>,
    min_ms: u64,
    max_ms: u64,
}

fn gamma() -> f64 {
    (1.0 + DELAY_RELATIVE_ACCURACY) / (1.0 - DELAY_RELATIVE_ACCURACY)
}

impl Delays {
    /// Adds `count` items removed at age `delay`, each with `prevented_share` of its
    /// lifetime attention still to come.
    pub fn add(&mut self, delay: SimDuration, count: u64, prevented_share: f64) {
        if count == 0 {
            return;
        }
        let ms = delay.0;
        if self.removed == 0 {
            (self.min_ms, self.max_ms) = (ms, ms);
        }
        self.min_ms = self.min_ms.min(ms);
        self.max_ms = self.max_ms.max(ms);
        self.removed += count;
        self.delay_days_sum += delay.as_days_f64() * count as f64;
        self.prevented_share_sum += prevented_share * count as f64;
        if ms == 0 {
            self.zero += count;
        } else {
            let i = ((ms as f64).ln() / gamma().ln()).ceil() as i32;
            *self.buckets.entry(i).or_default() += count;
        }
    }

    /// Adds the items of `other` (another replication's, say).
    pub fn merge(&mut self, other: &Delays) {
        if other.removed == 0 {
            return;
        }
        if self.removed == 0 {
            (self.min_ms, self.max_ms) = (other.min_ms, other.max_ms);
        }
        self.min_ms = self.min_ms.min(other.min_ms);
        self.max_ms = self.max_ms.max(other.max_ms);
        self.removed += other.removed;
        self.delay_days_sum += other.delay_days_sum;
        self.prevented_share_sum += other.prevented_share_sum;
        self.zero += other.zero;
        for (i, n) in &other.buckets {
            *self.buckets.entry(*i).or_default() += n;
        }
    }

    /// Mean delay in days; NaN when nothing was removed.
    pub fn mean_days(&self) -> f64 {
        self.delay_days_sum / self.removed as f64
    }

    /// Mean share of lifetime attention prevented; NaN when nothing was removed.
    pub fn mean_prevented_share(&self) -> f64 {
        self.prevented_share_sum / self.removed as f64
    }

    /// The `q` quantile of the delay in days (the item of rank q (n - 1), counting from
    /// 0), within the relative accuracy (the smallest and largest exactly); NaN when
    /// nothing was removed.
    pub fn quantile_days(&self, q: f64) -> f64 {
        if self.removed == 0 {
            return f64::NAN;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.removed - 1) as f64).floor() as u64;
        let mut seen = self.zero;
        let ms = if rank == 0 {
            self.min_ms as f64
        } else if rank == self.removed - 1 {
            self.max_ms as f64
        } else if rank < seen {
            0.0
        } else {
            let g = gamma();
            let mut value = self.max_ms as f64;
            for (i, n) in &self.buckets {
                seen += n;
                if rank < seen {
                    // The bucket's representative value: within the accuracy of any
                    // delay in it.
                    value = 2.0 * g.powi(*i) / (g + 1.0);
                    break;
                }
            }
            value.clamp(self.min_ms as f64, self.max_ms as f64)
        };
        ms / SimDuration::DAY.0 as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_the_accuracy_and_means_are_exact() {
        let mut d = Delays::default();
        for h in 1..=100u64 {
            d.add(SimDuration(h * SimDuration::HOUR.0), 2, 0.5);
        }
        assert_eq!(d.removed, 200);
        assert!((d.mean_days() - 50.5 / 24.0).abs() < 1e-12);
        assert!((d.mean_prevented_share() - 0.5).abs() < 1e-12);
        // Rank 0.5 * 199 = 99 (from 0): the 50th hour.
        let median_h = d.quantile_days(0.5) * 24.0;
        assert!((median_h / 50.0 - 1.0).abs() <= DELAY_RELATIVE_ACCURACY, "{median_h}");
        assert_eq!(d.quantile_days(0.0) * 24.0, 1.0, "clamped to the smallest");
        assert_eq!(d.quantile_days(1.0) * 24.0, 100.0, "clamped to the largest");
        assert!(Delays::default().quantile_days(0.5).is_nan());
    }

    #[test]
    fn merging_equals_adding_everything_to_one() {
        let (mut a, mut b, mut all) = (Delays::default(), Delays::default(), Delays::default());
        for (i, ms) in [0u64, 5, 3_600_000, 90_000_000].into_iter().enumerate() {
            let target = if i % 2 == 0 { &mut a } else { &mut b };
            target.add(SimDuration(ms), 3, 0.25);
            all.add(SimDuration(ms), 3, 0.25);
        }
        a.merge(&b);
        assert_eq!(a, all);
        assert_eq!(all.quantile_days(0.0), 0.0, "removals at age zero count");
    }
}
