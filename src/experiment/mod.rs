//! Experiments: many replications of one or more scenarios, in parallel, and their
//! statistics.
//!
//! Results never depend on the thread count: each replication draws only from its own
//! streams, and results are collected in replication order. All scenarios of one
//! experiment use the same seed, so replication i of every variant or sweep point sees
//! the same random streams for the same processes (common random numbers).

pub mod abc;
pub mod calibrate;
pub mod compare;
mod fold;
pub mod posterior;
pub mod replications;
pub mod shard;
pub mod stats;
pub mod sweep;
pub mod timeseries;
pub mod validate;

use std::ops::Range;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::model::{run_replication, CategoryDelays, Metric, ReplicationOutcome};
use crate::scenario::{LiftPath, Scenario};
use fold::Fold;
use posterior::Replicate;
use replications::{Replications, ReplicationsError};
use stats::{KaplanMeier, Summary};
use timeseries::TimeSeries;

/// Replications run between two folds into the time series: bounds the memory held by
/// replications' grid samples whatever the replication count.
const CHUNK: u64 = 256;

/// How to run an experiment.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub replications: u64,
    pub seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

/// Keep adding replications until every headline metric's 95% CI half-width is within
/// `relative` of its mean, or `max_replications` is reached.
#[derive(Clone, Debug)]
pub struct Precision {
    pub relative: f64,
    pub max_replications: u64,
}

/// Metrics whose precision `--precision` controls.
pub const HEADLINE_METRICS: [Metric; 4] =
    [Metric::Blocked, Metric::DaysBlocked, Metric::Exposure, Metric::UserDaysLost];

/// What `--precision` achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct PrecisionReport {
    pub target: f64,
    pub reached: bool,
    pub replications: u64,
    /// The headline metric furthest from the target, and its half-width / mean.
    pub worst_metric: Metric,
    pub worst_relative: f64,
}

/// Receives progress from worker threads.
pub trait Progress: Sync {
    /// `n` more replications are planned.
    fn planned(&self, _n: u64) {}
    /// One replication finished.
    fn done(&self) {}
    /// Whether the run should stop (the user pressed Ctrl-C). Replications not yet
    /// started are skipped and the run ends with [`ExperimentError::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

impl Progress for () {}

/// Everything a run of one scenario produced, ready for the writers.
#[derive(Clone, Debug)]
pub struct RunResults {
    pub config: RunConfig,
    /// Threads actually used.
    pub threads_used: usize,
    /// One outcome per replication, in replication order (beyond a few thousand, read
    /// back from a temporary file); only the first carries its event log, and none its
    /// grid samples (folded into `timeseries`), takedown delays (pooled into `delays`)
    /// or category and exposure balances.
    pub outcomes: Replications,
    pub timeseries: TimeSeries,
    /// How each block ended, in replication order: what block durations are estimated
    /// from, small enough to keep for every replication.
    pub block_ends: Vec<BlockEnd>,
    /// The takedown delays of every replication pooled, per category whose attention
    /// fades (none for constant attention).
    pub delays: Vec<CategoryDelays>,
    /// One summary per metric, in the order of `Metric::ALL`.
    pub summaries: Vec<Summary>,
    /// Time to unblock of every block, with censoring.
    pub block_durations: KaplanMeier,
    /// Time to unblock of each replication's first block, with censoring: the headline
    /// duration, which relapses do not dilute.
    pub first_block_durations: KaplanMeier,
    pub precision: Option<PrecisionReport>,
    pub wall_time: Duration,
    /// The currency of its money metrics (`scenario.currency`); `None` when the
    /// scenario names none.
    pub currency: Option<String>,
}

/// Why an experiment could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("cannot start {threads} worker threads: {source}")]
    ThreadPool { threads: usize, source: rayon::ThreadPoolBuildError },
    #[error("interrupted after {done} of {planned} replications")]
    Cancelled { done: u64, planned: u64 },
    #[error(transparent)]
    Replications(#[from] ReplicationsError),
}

/// How one block ended, or that it was still in force at the horizon.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct BlockEnd {
    /// A replication's first block.
    pub first: bool,
    /// Days from its start to its end, or to the horizon when censored.
    pub duration_days: f64,
    pub censored: bool,
    /// The path that ended it; `None` when censored.
    pub lifted_by: Option<LiftPath>,
}

/// Runs one scenario.
pub fn run(
    scenario: &Scenario,
    config: &RunConfig,
    progress: &dyn Progress,
) -> Result<RunResults, ExperimentError> {
    let mut all = run_all(&[scenario], config, None, progress)?;
    Ok(all.remove(0))
}

/// Runs every scenario with the same seed and the same number of replications (common
/// random numbers). With `precision`, replications are added in rounds until every
/// scenario's headline metrics are precise enough; all scenarios keep the same count,
/// so paired comparisons stay paired. Adding replications never changes earlier ones:
/// the result equals a run with the final count from the start. A run may play another
/// scenario at each replication (a posterior's particles, [`posterior::Plays`]).
pub fn run_all<S: Replicate>(
    scenarios: &[S],
    config: &RunConfig,
    precision: Option<&Precision>,
    progress: &dyn Progress,
) -> Result<Vec<RunResults>, ExperimentError> {
    run_all_keeping(scenarios, config, precision, progress, replications::IN_MEMORY)
}

/// [`run_all`], keeping at most `in_memory` replications of each run in memory.
fn run_all_keeping<S: Replicate>(
    scenarios: &[S],
    config: &RunConfig,
    precision: Option<&Precision>,
    progress: &dyn Progress,
    in_memory: usize,
) -> Result<Vec<RunResults>, ExperimentError> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|source| ExperimentError::ThreadPool { threads: config.threads, source })?;
    let threads_used = pool.current_num_threads();
    // Every scenario of a run has the same grid: a posterior cannot set the horizon or step.
    let mut folds: Vec<Fold> =
        scenarios.iter().map(|s| Fold::new(s.scenario_at(config.seed, 0), in_memory)).collect();
    let mut n = 0;
    let mut target = config.replications.max(1);
    let mut report = None;
    loop {
        progress.planned((target - n) * scenarios.len() as u64);
        let mut chunk_start = n;
        while chunk_start < target {
            let chunk_end = (chunk_start + CHUNK).min(target);
            let batch = replicate(&pool, scenarios, config.seed, chunk_start..chunk_end, progress);
            let finished = batch.iter().flatten().filter(|o| o.is_some()).count() as u64;
            if progress.cancelled() || finished < (chunk_end - chunk_start) * scenarios.len() as u64 {
                let done = chunk_start * scenarios.len() as u64 + finished;
                return Err(ExperimentError::Cancelled { done, planned: target * scenarios.len() as u64 });
            }
            for (fold, new) in folds.iter_mut().zip(batch) {
                for o in new.into_iter().flatten() {
                    fold.add(o)?;
                }
            }
            chunk_start = chunk_end;
        }
        n = target;
        let Some(p) = precision else { break };
        let (worst_metric, worst_relative) = worst_precision(&mut folds)?;
        let reached = worst_relative <= p.relative;
        if reached || n >= p.max_replications {
            report = Some(PrecisionReport {
                target: p.relative,
                reached,
                replications: n,
                worst_metric,
                worst_relative,
            });
            break;
        }
        // The half-width shrinks as 1/sqrt(n): aim a little beyond the estimate.
        let factor =
            if worst_relative.is_finite() { (worst_relative / p.relative).powi(2) * 1.1 } else { 2.0 };
        let next = (n as f64 * factor).ceil() as u64;
        // At least half as many again, at least one more, never past the cap (here n is
        // below the cap).
        target = next.max(n + n / 2).max(n + 1).min(p.max_replications);
    }
    let wall_time = started.elapsed();
    let config = RunConfig { replications: n, ..config.clone() };
    folds
        .into_iter()
        .zip(scenarios)
        .map(|(fold, s)| {
            let results = fold.finish(config.clone(), threads_used, report.clone(), wall_time)?;
            Ok(results.in_currency_of(s.scenario_at(config.seed, 0)))
        })
        .collect()
}

/// A shard's part of a run (see [`shard::Shard`]): replications `ranges[i]` of run i,
/// whole but for the event log and the balances (their grid samples are kept: a merge
/// folds them). The replications are those a one-machine run computes.
pub fn run_part<S: Replicate>(
    scenarios: &[S],
    config: &RunConfig,
    ranges: &[Range<u64>],
    progress: &dyn Progress,
) -> Result<Vec<Vec<ReplicationOutcome>>, ExperimentError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|source| ExperimentError::ThreadPool { threads: config.threads, source })?;
    let units: Vec<(usize, u64)> =
        ranges.iter().enumerate().flat_map(|(s, range)| range.clone().map(move |rep| (s, rep))).collect();
    progress.planned(units.len() as u64);
    let seed = config.seed;
    let flat: Vec<Option<ReplicationOutcome>> = pool.install(|| {
        units
            .par_iter()
            .map(|&(s, rep)| {
                if progress.cancelled() {
                    return None;
                }
                let mut outcome = run_replication(scenarios[s].scenario_at(seed, rep), seed, rep, false);
                outcome.balances = Vec::new();
                outcome.exposure_balances = Vec::new();
                progress.done();
                Some(outcome)
            })
            .collect()
    });
    let done = flat.iter().filter(|o| o.is_some()).count() as u64;
    if progress.cancelled() || done < units.len() as u64 {
        return Err(ExperimentError::Cancelled { done, planned: units.len() as u64 });
    }
    let mut flat = flat.into_iter().flatten();
    Ok(ranges.iter().map(|r| flat.by_ref().take((r.end - r.start) as usize).collect()).collect())
}

/// The results a one-machine run would have given, from every replication of every run
/// (each run's in replication order, from the parts of [`run_part`]). Replication 0 is
/// run again, traced, for its event log; `threads_used` and `wall_time` say how the parts
/// were computed.
pub fn aggregate<S: Replicate>(
    scenarios: &[S],
    config: &RunConfig,
    outcomes: Vec<Vec<ReplicationOutcome>>,
    threads_used: usize,
    wall_time: std::time::Duration,
) -> Result<Vec<RunResults>, ExperimentError> {
    let seed = config.seed;
    scenarios
        .iter()
        .zip(outcomes)
        .map(|(s, run)| {
            let mut fold = Fold::new(s.scenario_at(seed, 0), replications::IN_MEMORY);
            let replications = run.len() as u64;
            for mut o in run {
                if o.replication == 0 {
                    o.log = run_replication(s.scenario_at(seed, 0), seed, 0, true).log;
                }
                fold.add(o)?;
            }
            let config = RunConfig { replications, ..config.clone() };
            Ok(fold.finish(config, threads_used, None, wall_time)?.in_currency_of(s.scenario_at(seed, 0)))
        })
        .collect()
}

/// Replications `range` of every scenario, one pool, results per scenario in order;
/// `None` for replications skipped after a cancellation.
fn replicate<S: Replicate>(
    pool: &rayon::ThreadPool,
    scenarios: &[S],
    seed: u64,
    range: Range<u64>,
    progress: &dyn Progress,
) -> Vec<Vec<Option<ReplicationOutcome>>> {
    let per = range.end - range.start;
    let flat: Vec<Option<ReplicationOutcome>> = pool.install(|| {
        (0..per * scenarios.len() as u64)
            .into_par_iter()
            .map(|i| {
                if progress.cancelled() {
                    return None;
                }
                let (s, rep) = ((i / per) as usize, range.start + i % per);
                let outcome = run_replication(scenarios[s].scenario_at(seed, rep), seed, rep, rep == 0);
                progress.done();
                Some(outcome)
            })
            .collect()
    });
    let mut flat = flat.into_iter();
    scenarios.iter().map(|_| flat.by_ref().take(per as usize).collect()).collect()
}

/// The headline metric (over all scenarios) least precise for `--precision`, with its
/// precision: the 95% CI half-width as a share of the mean, or, for a share such as
/// the block probability, the half-width itself (a Wilson interval keeps a width at a
/// mean of 0, where a relative width would be infinite however many replications ran).
fn worst_precision(folds: &mut [Fold]) -> Result<(Metric, f64), ExperimentError> {
    let mut worst = (HEADLINE_METRICS[0], 0.0);
    for fold in folds {
        let summaries = fold.summaries_so_far(&HEADLINE_METRICS)?;
        for (metric, s) in HEADLINE_METRICS.into_iter().zip(&summaries) {
            let half = (s.ci_high - s.ci_low) / 2.0;
            let precision = if half == 0.0 {
                0.0
            } else if half.is_nan() {
                f64::INFINITY
            } else if metric.unit() == "share" {
                half
            } else if s.mean == 0.0 {
                f64::INFINITY
            } else {
                half / s.mean.abs()
            };
            if precision > worst.1 {
                worst = (metric, precision);
            }
        }
    }
    Ok(worst)
}

impl RunResults {
    /// With the currency of `scenario`, which a posterior cannot change.
    fn in_currency_of(self, scenario: &Scenario) -> RunResults {
        RunResults { currency: scenario.money().currency().map(str::to_owned), ..self }
    }

    /// Summary of `metric`.
    pub fn summary(&self, metric: Metric) -> &Summary {
        &self.summaries[metric.index()]
    }

    /// The values of `metric`, one per replication.
    pub fn column(&self, metric: Metric) -> Result<Vec<f64>, ReplicationsError> {
        self.outcomes.iter().map(|o| o.map(|o| metric.of(&o.metrics))).collect()
    }
}
