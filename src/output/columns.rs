//! The columns of every CSV table, defined once. `tables.rs` writes these headers and
//! the report's reader (`report/data.rs`) reads cells by the same constants, so a
//! renamed or misspelt column is a compile error, not an empty cell in a report.
//!
//! Each table starts with its label columns (`variant`, or a sweep's `point` and
//! parameters), which depend on the command; the columns below follow them.

use std::str::FromStr;

use crate::model::{Metric, UnknownMetric};

/// summary.csv, compare.csv and sweep.csv: a row per run and [`SummaryRow`].
pub mod summary {
    pub const METRIC: &str = "metric";
    pub const UNIT: &str = "unit";
    pub const N: &str = "n";
    pub const MEAN: &str = "mean";
    pub const CI95_LOW: &str = "ci95_low";
    pub const CI95_HIGH: &str = "ci95_high";
    pub const SD: &str = "sd";
    pub const MIN: &str = "min";
    pub const P05: &str = "p05";
    pub const P25: &str = "p25";
    pub const MEDIAN: &str = "median";
    pub const P75: &str = "p75";
    pub const P95: &str = "p95";
    pub const MAX: &str = "max";
    pub const CENSORED: &str = "censored";
    /// Every column, in order.
    pub const ALL: [&str; 15] =
        [METRIC, UNIT, N, MEAN, CI95_LOW, CI95_HIGH, SD, MIN, P05, P25, MEDIAN, P75, P95, MAX, CENSORED];

    pub const DIFF_MEAN: &str = "diff_mean";
    pub const DIFF_CI95_LOW: &str = "diff_ci95_low";
    pub const DIFF_CI95_HIGH: &str = "diff_ci95_high";
    pub const DIFF_SIGNIFICANT: &str = "diff_significant";
    /// The paired difference against the baseline, after `ALL` (compare only).
    pub const DIFFERENCES: [&str; 4] = [DIFF_MEAN, DIFF_CI95_LOW, DIFF_CI95_HIGH, DIFF_SIGNIFICANT];
    /// The columns the report reads: a table without one of them does not read back.
    /// Each table's list starts with its first column after the label columns.
    pub const REQUIRED: [&str; 10] = [METRIC, UNIT, N, MEAN, CI95_LOW, CI95_HIGH, MEDIAN, P05, P95, CENSORED];
}

/// replications.csv: these, then a column per metric (`Metric::name`).
pub mod replications {
    pub const REPLICATION: &str = "replication";
    pub const SEED: &str = "seed";
    pub const ALL: [&str; 2] = [REPLICATION, SEED];
}

/// takedown.csv: a row per category with fading attention and removal path (and
/// `all` paths), over every replication; delays in hours.
pub mod takedown {
    pub const CATEGORY: &str = "category";
    pub const PATH: &str = "path";
    pub const HALF_LIFE_HOURS: &str = "half_life_hours";
    pub const REMOVED: &str = "removed";
    pub const REMOVED_PER_REPLICATION: &str = "removed_per_replication";
    pub const MEAN_DELAY_HOURS: &str = "mean_delay_hours";
    pub const P10_DELAY_HOURS: &str = "p10_delay_hours";
    pub const P25_DELAY_HOURS: &str = "p25_delay_hours";
    pub const MEDIAN_DELAY_HOURS: &str = "median_delay_hours";
    pub const P75_DELAY_HOURS: &str = "p75_delay_hours";
    pub const P90_DELAY_HOURS: &str = "p90_delay_hours";
    pub const MAX_DELAY_HOURS: &str = "max_delay_hours";
    pub const MEAN_ACCRUED_SHARE: &str = "mean_accrued_share";
    pub const P10_ACCRUED_SHARE: &str = "p10_accrued_share";
    pub const MEDIAN_ACCRUED_SHARE: &str = "median_accrued_share";
    pub const P90_ACCRUED_SHARE: &str = "p90_accrued_share";
    pub const EXPOSURE_PREVENTED: &str = "exposure_prevented";
    /// Every column, in order.
    pub const ALL: [&str; 17] = [
        CATEGORY,
        PATH,
        HALF_LIFE_HOURS,
        REMOVED,
        REMOVED_PER_REPLICATION,
        MEAN_DELAY_HOURS,
        P10_DELAY_HOURS,
        P25_DELAY_HOURS,
        MEDIAN_DELAY_HOURS,
        P75_DELAY_HOURS,
        P90_DELAY_HOURS,
        MAX_DELAY_HOURS,
        MEAN_ACCRUED_SHARE,
        P10_ACCRUED_SHARE,
        MEDIAN_ACCRUED_SHARE,
        P90_ACCRUED_SHARE,
        EXPOSURE_PREVENTED,
    ];
    /// The columns the report reads.
    pub const REQUIRED: [&str; 7] =
        [CATEGORY, PATH, HALF_LIFE_HOURS, REMOVED, MEAN_DELAY_HOURS, MEDIAN_DELAY_HOURS, EXPOSURE_PREVENTED];
    /// The `path` of the row that pools every path.
    pub const ALL_PATHS: &str = "all";
}

/// blocks.csv: a row per block.
pub mod blocks {
    pub const REPLICATION: &str = "replication";
    pub const BLOCK: &str = "block";
    pub const START: &str = "start";
    pub const END: &str = "end";
    pub const DURATION_DAYS: &str = "duration_days";
    pub const CENSORED: &str = "censored";
    pub const REASON: &str = "reason";
    pub const START_DATE: &str = "start_date";
    pub const END_DATE: &str = "end_date";
    pub const LIFTED_BY: &str = "lifted_by";
    pub const ALL: [&str; 10] =
        [REPLICATION, BLOCK, START, END, DURATION_DAYS, CENSORED, REASON, START_DATE, END_DATE, LIFTED_BY];
    /// The columns the report reads.
    pub const REQUIRED: [&str; 5] = [REPLICATION, START, END, DURATION_DAYS, CENSORED];
}

/// events.csv: the event log of the traced replication.
pub mod events {
    pub const REPLICATION: &str = "replication";
    pub const TIME_DAYS: &str = "time_days";
    pub const DATE: &str = "date";
    pub const ACTOR: &str = "actor";
    pub const KIND: &str = "kind";
    pub const TEXT: &str = "text";
    pub const ALL: [&str; 6] = [REPLICATION, TIME_DAYS, DATE, ACTOR, KIND, TEXT];
    /// The columns the report reads.
    pub const REQUIRED: [&str; 5] = [REPLICATION, TIME_DAYS, ACTOR, KIND, TEXT];
}

/// timeseries.csv: a row per grid instant.
pub mod timeseries {
    pub const TIME_DAYS: &str = "time_days";
    pub const DATE: &str = "date";
    /// The fan chart's bands, at `experiment::timeseries::BAND_QUANTILES`.
    pub const VISIBLE_BANDS: [&str; 5] =
        ["visible_p05", "visible_p25", "visible_median", "visible_p75", "visible_p95"];
    pub const VISIBLE_MEAN: &str = "visible_mean";
    pub const BACKLOG_MEAN: &str = "backlog_mean";
    pub const BLOCKED_PROBABILITY: &str = "blocked_probability";
    pub const TRACED_VISIBLE: &str = "traced_visible";
    pub const TRACED_BACKLOG: &str = "traced_backlog";
    pub const TRACED_BLOCKED: &str = "traced_blocked";
    pub const ALL: [&str; 13] = [
        TIME_DAYS,
        DATE,
        VISIBLE_BANDS[0],
        VISIBLE_BANDS[1],
        VISIBLE_BANDS[2],
        VISIBLE_BANDS[3],
        VISIBLE_BANDS[4],
        VISIBLE_MEAN,
        BACKLOG_MEAN,
        BLOCKED_PROBABILITY,
        TRACED_VISIBLE,
        TRACED_BACKLOG,
        TRACED_BLOCKED,
    ];
}

/// survival.csv: a row per run and distinct block duration, the steps of the
/// Kaplan-Meier curve of block durations (as the rows of R's `survfit`).
pub mod survival {
    /// Days since the block began.
    pub const TIME_DAYS: &str = "time_days";
    /// The estimated share of blocks still in force just after `time_days`.
    pub const SURVIVAL: &str = "survival";
    /// Its pointwise 95% interval (log scale); empty where the survival is 0.
    pub const CI95_LOW: &str = "ci95_low";
    pub const CI95_HIGH: &str = "ci95_high";
    /// Blocks still in force just before `time_days`.
    pub const AT_RISK: &str = "at_risk";
    /// Blocks lifted after exactly `time_days`.
    pub const EVENTS: &str = "events";
    /// Blocks still in force at the horizon after exactly `time_days`.
    pub const CENSORED: &str = "censored";
    pub const ALL: [&str; 7] = [TIME_DAYS, SURVIVAL, CI95_LOW, CI95_HIGH, AT_RISK, EVENTS, CENSORED];
    /// The columns the report reads.
    pub const REQUIRED: [&str; 7] = ALL;
}

/// A row of summary.csv: one per metric, then the block durations (Kaplan-Meier) of
/// every block and of first blocks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SummaryRow {
    Metric(Metric),
    /// Time to unblock of every block, right-censored.
    BlockDuration,
    /// Time to unblock of each replication's first block, right-censored: the
    /// headline, which relapses do not dilute.
    FirstBlockDuration,
}

impl SummaryRow {
    /// The value of the `metric` column.
    pub fn name(self) -> &'static str {
        match self {
            SummaryRow::Metric(m) => m.name(),
            SummaryRow::BlockDuration => "block_duration_days",
            SummaryRow::FirstBlockDuration => "first_block_duration_days",
        }
    }

    /// Whether the row is a share (shown as a percentage).
    pub fn is_share(self) -> bool {
        matches!(self, SummaryRow::Metric(m) if m.unit() == "share")
    }
}

impl From<Metric> for SummaryRow {
    fn from(m: Metric) -> SummaryRow {
        SummaryRow::Metric(m)
    }
}

impl FromStr for SummaryRow {
    type Err = UnknownMetric;
    fn from_str(name: &str) -> Result<SummaryRow, UnknownMetric> {
        if name == SummaryRow::BlockDuration.name() {
            Ok(SummaryRow::BlockDuration)
        } else if name == SummaryRow::FirstBlockDuration.name() {
            Ok(SummaryRow::FirstBlockDuration)
        } else {
            name.parse().map(SummaryRow::Metric)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_rows_round_trip_through_their_names() {
        let rows = Metric::ALL
            .map(SummaryRow::Metric)
            .into_iter()
            .chain([SummaryRow::BlockDuration, SummaryRow::FirstBlockDuration]);
        for row in rows {
            assert_eq!(row.name().parse(), Ok(row));
        }
        assert!("block_durations".parse::<SummaryRow>().is_err());
        assert!(SummaryRow::Metric(Metric::Blocked).is_share());
        assert!(SummaryRow::Metric(Metric::FinalPrevalence).is_share());
        assert!(!SummaryRow::BlockDuration.is_share() && !SummaryRow::Metric(Metric::Exposure).is_share());
    }

    #[test]
    fn column_names_are_unique_within_a_table() {
        let tables: [&[&str]; 5] =
            [&summary::ALL, &blocks::ALL, &events::ALL, &timeseries::ALL, &survival::ALL];
        for columns in tables {
            let mut sorted = columns.to_vec();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), columns.len(), "{columns:?}");
        }
    }

    #[test]
    fn the_required_columns_are_written() {
        let tables: [(&[&str], &[&str]); 4] = [
            (&summary::REQUIRED, &summary::ALL),
            (&blocks::REQUIRED, &blocks::ALL),
            (&events::REQUIRED, &events::ALL),
            (&survival::REQUIRED, &survival::ALL),
        ];
        for (required, all) in tables {
            assert!(required.iter().all(|c| all.contains(c)), "{required:?}");
        }
    }
}
