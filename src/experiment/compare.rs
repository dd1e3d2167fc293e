//! Paired comparisons of variants against a baseline.

use super::fold::{in_column_groups, SUMMARY_VALUES};
use super::replications::ReplicationsError;
use super::stats::PairedDifference;
use super::RunResults;
use crate::model::Metric;

/// Paired differences of every metric (in `Metric::ALL` order) of `other` against `base`.
/// Both must come from one experiment (same seed, same replications), so that
/// replication i of both saw the same random streams.
pub fn paired_differences(
    base: &RunResults,
    other: &RunResults,
) -> Result<Vec<PairedDifference>, ReplicationsError> {
    let n = base.outcomes.len().min(other.outcomes.len());
    let differences = |group: &[Metric], columns: &mut [Vec<f64>]| {
        for (a, b) in base.outcomes.iter().zip(other.outcomes.iter()) {
            let (a, b) = (a?, b?);
            for (column, metric) in columns.iter_mut().zip(group) {
                column.extend(PairedDifference::pair(metric.of(&a.metrics), metric.of(&b.metrics)));
            }
        }
        Ok(())
    };
    in_column_groups(SUMMARY_VALUES, n, &Metric::ALL, differences, |_, d| PairedDifference::of_differences(d))
}
