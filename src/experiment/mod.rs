//! Experiments: many replications of a scenario, in parallel, and their statistics.
//!
//! Results never depend on the thread count: each replication draws only from its own
//! streams, and results are collected in replication order.

pub mod stats;

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::model::{run_replication, ReplicationOutcome, METRICS};
use crate::scenario::Scenario;
use stats::{KaplanMeier, Summary};

/// How to run an experiment.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub replications: u64,
    pub seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

/// Everything a run produced, ready for the writers.
#[derive(Clone, Debug)]
pub struct RunResults {
    pub config: RunConfig,
    /// Threads actually used.
    pub threads_used: usize,
    /// One outcome per replication, in replication order; only the first carries its
    /// event log.
    pub outcomes: Vec<ReplicationOutcome>,
    /// One summary per entry of `model::METRICS`, in that order.
    pub summaries: Vec<Summary>,
    /// Time to unblock of every block, with censoring.
    pub block_durations: KaplanMeier,
    pub wall_time: Duration,
}

/// Why an experiment could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("cannot start {threads} worker threads: {source}")]
    ThreadPool {
        threads: usize,
        source: rayon::ThreadPoolBuildError,
    },
}

/// Runs `config.replications` replications; `on_done` is called once per finished
/// replication (from worker threads), for progress display.
pub fn run(
    scenario: &Scenario,
    config: &RunConfig,
    on_done: &(dyn Fn() + Sync),
) -> Result<RunResults, ExperimentError> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .map_err(|source| ExperimentError::ThreadPool {
            threads: config.threads,
            source,
        })?;
    let threads_used = pool.current_num_threads();
    let outcomes: Vec<ReplicationOutcome> = pool.install(|| {
        (0..config.replications)
            .into_par_iter()
            .map(|rep| {
                let outcome = run_replication(scenario, config.seed, rep, rep == 0);
                on_done();
                outcome
            })
            .collect()
    });
    let summaries = summarise(&outcomes);
    let (durations, censored): (Vec<f64>, Vec<bool>) = outcomes
        .iter()
        .flat_map(|o| &o.blocks)
        .map(|b| (b.duration_days, b.censored))
        .unzip();
    Ok(RunResults {
        config: config.clone(),
        threads_used,
        outcomes,
        summaries,
        block_durations: KaplanMeier::new(&durations, &censored),
        wall_time: started.elapsed(),
    })
}

fn summarise(outcomes: &[ReplicationOutcome]) -> Vec<Summary> {
    let values: Vec<Vec<f64>> = outcomes.iter().map(|o| o.metrics.values()).collect();
    METRICS
        .iter()
        .enumerate()
        .map(|(i, (name, unit, _))| {
            let column: Vec<f64> = values.iter().map(|v| v[i]).collect();
            if *name == "blocked" || *unit == "indicator" {
                Summary::of_indicator(&column)
            } else {
                Summary::of(&column)
            }
        })
        .collect()
}

impl RunResults {
    /// Summary of the metric called `name`.
    pub fn summary(&self, name: &str) -> Option<&Summary> {
        METRICS
            .iter()
            .position(|m| m.0 == name)
            .map(|i| &self.summaries[i])
    }
}
