//! Paired comparisons of variants against a baseline.

use super::stats::PairedDifference;
use super::RunResults;
use crate::model::Metric;

/// Paired differences of every metric (in `Metric::ALL` order) of `other` against `base`.
/// Both must come from one experiment (same seed, same replications), so that
/// replication i of both saw the same random streams.
pub fn paired_differences(base: &RunResults, other: &RunResults) -> Vec<PairedDifference> {
    Metric::ALL.into_iter().map(|m| PairedDifference::of(&base.column(m), &other.column(m))).collect()
}
