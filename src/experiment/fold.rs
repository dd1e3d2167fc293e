//! A run's replications folded into its results as they finish: the time series, the
//! pooled takedown delays, how each block ended, and the replications themselves for
//! the tables (in memory, or beyond a few thousand in a temporary file); then the
//! summaries, read back a few columns at a time.

use std::time::Duration;

use super::replications::{self, ReplicationsError, ReplicationsWriter};
use super::stats::{KaplanMeier, Summary};
use super::timeseries::TimeSeries;
use super::{BlockEnd, ExperimentError, PrecisionReport, RunConfig, RunResults};
use crate::model::{grid, CategoryDelays, Metric, ReplicationOutcome};
use crate::scenario::Scenario;

/// A run's replications, folded into its results as they finish, in replication order:
/// memory does not grow with the count beyond a few numbers per block.
pub(super) struct Fold {
    replications: ReplicationsWriter,
    series: TimeSeries,
    block_ends: Vec<BlockEnd>,
    delays: Vec<CategoryDelays>,
}

impl Fold {
    pub(super) fn new(scenario: &Scenario, in_memory: usize) -> Fold {
        Fold {
            replications: ReplicationsWriter::with_in_memory_limit(in_memory),
            series: TimeSeries::new(grid(scenario)),
            block_ends: Vec::new(),
            delays: Vec::new(),
        }
    }

    /// Folds the next replication: its grid samples into the time series, its takedown
    /// delays into the pool, how its blocks ended into `block_ends`; the rest is kept
    /// for the tables.
    pub(super) fn add(&mut self, mut o: ReplicationOutcome) -> Result<(), ExperimentError> {
        self.series.add(o.replication, &o.series);
        CategoryDelays::pool(&mut self.delays, &o.delays);
        self.block_ends.extend(o.blocks.iter().enumerate().map(|(i, b)| BlockEnd {
            first: i == 0,
            duration_days: b.duration_days,
            censored: b.censored,
            lifted_by: b.lifted_by,
        }));
        // Kept per replication: metrics and blocks (the tables need them); the category
        // and exposure balances are for tests of the model.
        o.series = Vec::new();
        o.delays = Vec::new();
        o.balances = Vec::new();
        o.exposure_balances = Vec::new();
        // A record kept in memory is copied here so that it lives in this thread's heap,
        // not scattered among the workers' freed queue memory, which would then stay
        // mapped (measured: 1.55x the peak memory at 10,000 replications than at 1,000
        // without the copy). One written to the file is dropped at once.
        if self.replications.keeps_next_in_memory() {
            o.blocks = o.blocks.to_vec();
        }
        self.replications.push(o)?;
        Ok(())
    }

    /// The summaries of `metrics` over the replications so far.
    pub(super) fn summaries_so_far(&mut self, metrics: &[Metric]) -> Result<Vec<Summary>, ReplicationsError> {
        let n = self.replications.len();
        let so_far = self.replications.so_far()?;
        summarise(|| so_far.iter(), n, metrics)
    }

    pub(super) fn finish(
        mut self,
        config: RunConfig,
        threads_used: usize,
        precision: Option<PrecisionReport>,
        wall_time: Duration,
    ) -> Result<RunResults, ExperimentError> {
        let outcomes = self.replications.finish()?;
        // A doubling Vec's spare room, at 100,000 replications, is megabytes.
        self.block_ends.shrink_to_fit();
        let summaries = summarise(|| outcomes.iter(), outcomes.len(), &Metric::ALL)?;
        let km = |first_only: bool| {
            let blocks = self.block_ends.iter().filter(|b| b.first || !first_only);
            KaplanMeier::of_pairs(blocks.map(|b| (b.duration_days, b.censored)).collect())
        };
        Ok(RunResults {
            config,
            threads_used,
            summaries,
            block_durations: km(false),
            first_block_durations: km(true),
            outcomes,
            timeseries: self.series,
            block_ends: self.block_ends,
            delays: self.delays,
            precision,
            wall_time,
            currency: None,
        })
    }
}

/// Values held at once while summarising (2 MB): the quantiles need a whole column, and
/// a run of many replications is read back a few columns at a time.
pub(super) const SUMMARY_VALUES: usize = 1 << 18;

/// The summaries of `metrics` over `n` replications, which `read` reads (again for each
/// group of columns).
fn summarise<'a>(
    read: impl Fn() -> replications::Records<'a>,
    n: usize,
    metrics: &[Metric],
) -> Result<Vec<Summary>, ReplicationsError> {
    let values = |group: &[Metric], columns: &mut [Vec<f64>]| {
        for o in read() {
            let o = o?;
            for (column, metric) in columns.iter_mut().zip(group) {
                column.push(metric.of(&o.metrics));
            }
        }
        Ok(())
    };
    in_column_groups(SUMMARY_VALUES, n, metrics, values, |metric, column| {
        if metric == Metric::Blocked {
            Summary::of_indicator(column)
        } else {
            Summary::of(column)
        }
    })
}

/// `summarise` of each of `metrics`' columns of up to `n` values, which `fill` fills
/// for a group of metrics at a time: quantiles need a whole column, and a run of many
/// replications is read a few columns at a time (at most `values_at_once` values; at
/// least one column).
pub(super) fn in_column_groups<T>(
    values_at_once: usize,
    n: usize,
    metrics: &[Metric],
    mut fill: impl FnMut(&[Metric], &mut [Vec<f64>]) -> Result<(), ReplicationsError>,
    summarise: impl Fn(Metric, &[f64]) -> T,
) -> Result<Vec<T>, ReplicationsError> {
    let per_pass = (values_at_once / n.max(1)).clamp(1, metrics.len().max(1));
    let mut summaries = Vec::with_capacity(metrics.len());
    for group in metrics.chunks(per_pass) {
        let mut columns: Vec<Vec<f64>> = group.iter().map(|_| Vec::with_capacity(n)).collect();
        fill(group, &mut columns)?;
        summaries.extend(group.iter().zip(&columns).map(|(&metric, column)| summarise(metric, column)));
    }
    Ok(summaries)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::experiment::{run_all_keeping, Precision};

    fn load(name: &str) -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
        crate::scenario::load_with(&path, &[]).unwrap().scenario
    }

    /// Everything a run's results hold, but the wall time, as text (NaN equals NaN).
    fn contents(r: &RunResults) -> String {
        let outcomes: Vec<String> = r
            .outcomes
            .iter()
            .map(|o| {
                let o = o.unwrap();
                format!("{} {:?} {:?} {}", o.replication, o.metrics, o.blocks, o.log.len())
            })
            .collect();
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?} {:?}\n{}",
            r.config.replications,
            r.summaries,
            r.block_durations,
            r.first_block_durations,
            r.block_ends,
            r.delays,
            r.precision,
            r.timeseries.blocked,
            r.timeseries.review_backlog_sum,
            outcomes.join("\n")
        )
    }

    #[test]
    fn a_run_kept_in_a_file_gives_what_a_run_kept_in_memory_gives() {
        // One scenario that blocks, one whose attention fades (takedown delays).
        for (name, precision) in [
            ("registration-block-2022.toml", None),
            ("takedown-delay-study.toml", None),
            ("registration-block-2022.toml", Some(Precision { relative: 0.01, max_replications: 70 })),
        ] {
            let s = load(name);
            let config = RunConfig { replications: 30, seed: 11, threads: 2 };
            let run = |in_memory| {
                run_all_keeping(&[&s], &config, precision.as_ref(), &(), in_memory).unwrap().remove(0)
            };
            let (memory, file) = (run(usize::MAX), run(3));
            assert!(file.outcomes.spilled() && !memory.outcomes.spilled(), "{name}");
            assert!(!memory.block_ends.is_empty() || !memory.delays.is_empty(), "{name}: nothing to compare");
            assert_eq!(contents(&memory), contents(&file), "{name}");
            if name.starts_with("registration") {
                assert_eq!(
                    file.outcomes.first().map(|o| o.log.is_empty()),
                    Some(false),
                    "{name}: the trace is kept"
                );
            }
            if precision.is_some() {
                assert!(memory.config.replications > 30, "{name}: precision added no round");
            }
        }
    }

    #[test]
    fn columns_read_in_groups_summarise_as_columns_read_at_once() {
        let n = 5;
        let value = |metric: Metric, i: usize| (metric.index() * 7 + i * i) as f64;
        let passes = std::cell::Cell::new(0);
        let fill = |group: &[Metric], columns: &mut [Vec<f64>]| {
            passes.set(passes.get() + 1);
            for i in 0..n {
                for (column, &metric) in columns.iter_mut().zip(group) {
                    column.push(value(metric, i));
                }
            }
            Ok(())
        };
        let median = |_: Metric, c: &[f64]| Summary::of(c).median;
        let at_once = in_column_groups(usize::MAX, n, &Metric::ALL, fill, median).unwrap();
        assert_eq!(passes.get(), 1);
        let in_pairs = in_column_groups(2 * n, n, &Metric::ALL, fill, median).unwrap();
        assert_eq!(passes.get(), 1 + Metric::ALL.len().div_ceil(2));
        assert_eq!(at_once, in_pairs);
        assert_eq!(at_once[3], value(Metric::ALL[3], 2));
    }
}
