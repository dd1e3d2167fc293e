//! Paired comparisons of variants against a baseline.

use super::stats::PairedDifference;
use super::RunResults;
use crate::model::METRICS;

/// Paired differences of every metric (in `METRICS` order) of `other` against `base`.
/// Both must come from one experiment (same seed, same replications), so that
/// replication i of both saw the same random streams.
pub fn paired_differences(base: &RunResults, other: &RunResults) -> Vec<PairedDifference> {
    METRICS.iter().map(|(name, _, _)| PairedDifference::of(&base.column(name), &other.column(name))).collect()
}
