//! The command-line definition (clap), and the options every experiment command
//! shares turned into a [`Plan`], with the guards that refuse a plan before it runs.
//!
//! This file is long because every command's arguments and their help live together,
//! so that `--help`, the completions and the man page come from one definition.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{CommandFactory, Parser, Subcommand};

use super::help::*;
use super::CliError;
use crate::experiment::shard::Shard;
use crate::experiment::sweep::{target_metrics, Axis, Target};
use crate::experiment::{Precision, RunConfig};
use crate::output::parts::{MergedRuns, PartInfo};
use crate::output::Plan;
use crate::scenario::overrides::unset_path;
use crate::scenario::{LoadedScenario, Override};

/// modsim: simulate content-moderation policies, takedown orders and platform blocks.
#[derive(Debug, Parser)]
#[command(name = "modsim", version, about, long_about = None, after_help = MAIN_EXAMPLES)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Run a scenario many times and write the tables, charts and report.
    #[command(after_help = RUN_EXAMPLES)]
    Run {
        #[arg(required_unless_present = "reproduce", help = SCENARIO_HELP)]
        scenario: Option<PathBuf>,
        /// Run again what a run.json describes (same scenario, overrides, seed and
        /// replications) and check that the tables come out identical.
        #[arg(long, value_name = "RUN_JSON", conflicts_with_all = ["scenario", "seed", "replications", "set", "unset", "precision"])]
        reproduce: Option<PathBuf>,
        #[command(flatten)]
        experiment: ExperimentArgs,
    },
    /// Run a scenario's variants (or several scenario files) side by side, with paired
    /// differences against the first.
    #[command(after_help = COMPARE_EXAMPLES)]
    Compare {
        /// Scenario files (TOML): one file runs its baseline and each of its [[variants]];
        /// several files run side by side, the first as the baseline.
        #[arg(required = true, value_name = "SCENARIO")]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        experiment: ExperimentArgs,
    },
    /// Run a grid of values for one or two parameters.
    #[command(after_help = SWEEP_EXAMPLES)]
    Sweep {
        #[arg(help = SCENARIO_HELP)]
        scenario: PathBuf,
        /// PATH=VALUES: a list (10,20,50, or of tables: {...},{...}), a range (20..400
        /// step 20, or of durations: 1d..30d step 1d) or a geometric range (10..1000
        /// geometric 5), quoted when it has spaces. Once or twice (a full grid).
        #[arg(long = "vary", required = true, value_name = "PATH=VALUES")]
        vary: Vec<Axis>,
        /// Report the cheapest point that meets this, e.g. block_probability<0.05
        /// (--help lists the metrics).
        #[arg(long, value_name = "METRIC<VALUE")]
        target: Option<Target>,
        #[command(flatten)]
        experiment: ExperimentArgs,
    },
    /// Learn parameters from the case library's observed outcomes (ABC-SMC); see
    /// docs/calibration.md.
    #[command(after_help = CALIBRATE_EXAMPLES)]
    Calibrate {
        /// A calibration file: cases and the parameters to learn.
        config: PathBuf,
        #[command(flatten)]
        calibrate: CalibrateArgs,
        /// Save the sampler's state in FILE after every batch, and go on from it if it
        /// is there (an interrupted calibration resumes; shards read it).
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// Compute part K of N of the checkpoint's next batch into a partial folder;
        /// `modsim merge` absorbs the batch (docs/cluster.md).
        #[arg(long, value_name = "K/N", requires = "checkpoint")]
        shard: Option<Shard>,
    },
    /// Leave-one-out validation over a calibration's cases: calibrate on all but one,
    /// forecast it, score the forecast against what happened and against a
    /// reference-class baseline; see docs/calibration.md.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate {
        /// A calibration file: cases and the parameters to learn.
        config: PathBuf,
        #[command(flatten)]
        calibrate: CalibrateArgs,
        /// Forecast draws per case (each a particle of the fold's posterior and one
        /// replication).
        #[arg(long, default_value_t = 1000)]
        draws: u64,
        /// Compute part K of N of the folds into a partial folder; `modsim merge` puts
        /// the parts together (docs/cluster.md).
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
    },
    /// Put together the partial folders of a command run with --shard K/N: writes the
    /// folder the command would have written on one machine (docs/cluster.md).
    #[command(after_help = MERGE_EXAMPLES)]
    Merge {
        /// The part folders, every part exactly once, in any order.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// The folder to write.
        #[arg(long)]
        out: PathBuf,
        /// Replace the output folder even if modsim did not make it.
        #[arg(long)]
        force: bool,
    },
    /// Run a command's shards as a Slurm job array and merge them in a job that waits
    /// for all of them: `modsim slurm --parts 8 --submit -- sweep ... --out DIR`
    /// (docs/cluster.md).
    Slurm {
        #[command(flatten)]
        slurm: super::slurm::SlurmArgs,
    },
    /// Validate scenario files; exit 0 when all are valid.
    #[command(after_help = CHECK_EXAMPLES)]
    Check {
        /// Scenario files (TOML), each checked with every one of its [[variants]].
        #[arg(required = true, value_name = "SCENARIO")]
        scenarios: Vec<PathBuf>,
    },
    /// Rebuild report.html, report.md and charts/ of an output folder from its CSV
    /// files and run.json (no simulation).
    #[command(after_help = REPORT_EXAMPLES)]
    Report {
        /// An output folder of `run`, `compare`, `sweep`, `calibrate` or `validate`.
        folder: PathBuf,
        /// Write the report without charts.
        #[arg(long)]
        no_charts: bool,
    },
    /// Print one replication's event log as a timeline.
    #[command(after_help = TRACE_EXAMPLES)]
    Trace {
        #[arg(help = SCENARIO_HELP)]
        scenario: PathBuf,
        /// Replication to trace (0-based).
        #[arg(long, default_value_t = 0)]
        replication: u64,
        /// Seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Override a parameter, e.g. --set platform.review.moderators=200.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<Override>,
        /// Delete a key or an entry, e.g. --unset playbook.cleanup (before the sets).
        #[arg(long = "unset", value_name = "PATH", value_parser = unset_path)]
        unset: Vec<Override>,
    },
    /// Write an annotated starting scenario, and the JSON Schema beside it.
    #[command(after_help = INIT_EXAMPLES)]
    Init {
        /// The scenario file to write.
        #[arg(default_value = "scenario.toml")]
        path: PathBuf,
        /// Replace the file (and the schema beside it) if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of the scenario format, for editors that check keys.
    #[command(after_help = SCHEMA_EXAMPLES)]
    Schema,
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions { shell: clap_complete::Shell },
    /// Print modsim's man page (roff), or write a page per command to a folder.
    #[command(after_help = MAN_EXAMPLES)]
    Man {
        /// Write modsim.1 and a page per command (modsim-run.1, ...) to this folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// The command line's definition, with the help clap's derive cannot hold: the metric
/// names `--target` takes, from the one list of metrics.
pub(super) fn command() -> clap::Command {
    let metrics = target_metrics().join(", ");
    Cli::command().mut_subcommand("sweep", |sweep| {
        sweep.mut_arg("target", |target| {
            target.long_help(format!(
                "Report the cheapest point that meets this, e.g. block_probability<0.05 (quoted: the shell reads < as a redirection). METRIC is one of: {metrics}"
            ))
        })
    })
}

/// Options every experiment command takes.
#[derive(Debug, clap::Args)]
pub(super) struct ExperimentArgs {
    /// Output folder (default: output/<scenario file stem>, with -compare or -sweep).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Number of replications (default: the scenario's).
    #[arg(long)]
    pub replications: Option<u64>,
    /// Seed of the random streams (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    pub threads: usize,
    /// Override a parameter, e.g. --set platform.review.moderators=200 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<Override>,
    /// Delete a key, or an entry of an array of tables, e.g. --unset playbook.cleanup
    /// (repeatable; applied before the sets).
    #[arg(long = "unset", value_name = "PATH", value_parser = unset_path)]
    pub unset: Vec<Override>,
    /// Add replications until every headline metric's 95% CI half-width is within this
    /// share of its mean (e.g. 0.02); for the block probability, within this many
    /// percentage points / 100 (0.02: 2 points).
    #[arg(long, value_name = "REL")]
    pub precision: Option<f64>,
    /// The most replications --precision may use.
    #[arg(long, default_value_t = 100_000)]
    pub max_replications: u64,
    /// Replace the output folder even if modsim did not make it.
    #[arg(long)]
    pub force: bool,
    /// Skip the charts (the report is still written); for batch use.
    #[arg(long)]
    pub no_charts: bool,
    /// Compute part K of N of the work (replications of every run, in order) into a
    /// partial folder; `modsim merge` puts the parts together (docs/cluster.md).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// The work of merged parts, set by `modsim merge` (not an option).
    #[arg(skip)]
    pub merged: Option<Arc<MergedRuns>>,
}

/// The options of `modsim calibrate` (and of each fold of `modsim validate`).
#[derive(Debug, clap::Args)]
pub(super) struct CalibrateArgs {
    /// Output folder (default: output/<calibration file stem>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed of the sampler's random streams.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    pub threads: usize,
    /// Particles accepted per generation.
    #[arg(long, default_value_t = 200)]
    pub population: usize,
    /// The most generations, the draws from the prior included.
    #[arg(long, default_value_t = 5)]
    pub generations: usize,
    /// Replace the output folder even if modsim did not make it.
    #[arg(long)]
    pub force: bool,
}

/// What a part records about how it was made: the command line without the options
/// that may differ between parts and the whole (`--shard`, `--out`, `--force`, and
/// `--threads`, on which results do not depend and which the merge's machine may not
/// allow), and the working directory its paths are relative to.
pub(super) fn part_info(shard: Shard) -> Result<PartInfo, CliError> {
    let mut argv = Vec::new();
    let mut args = std::env::args_os().skip(1).map(|a| {
        a.into_string()
            .map_err(|a| CliError::Usage(format!("--shard needs a command line in UTF-8; {a:?} is not")))
    });
    while let Some(arg) = args.next() {
        let arg = arg?;
        match arg.as_str() {
            "--shard" | "--out" | "--threads" => {
                args.next().transpose()?;
            }
            "--force" => {}
            a if ["--shard=", "--out=", "--threads="].iter().any(|p| a.starts_with(p)) => {}
            _ => argv.push(arg),
        }
    }
    let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
    Ok(PartInfo { shard, argv, cwd, inputs_sha256: Vec::new() })
}

/// The command line's overrides in the order they apply: `--unset`, then `--set`.
pub(super) fn in_order(unset: &[Override], set: &[Override]) -> Vec<Override> {
    unset.iter().chain(set).cloned().collect()
}

impl ExperimentArgs {
    /// The command line's overrides, unsets first.
    pub fn overrides(&self) -> Vec<Override> {
        in_order(&self.unset, &self.set)
    }

    /// The plan of `command` over the labelled `runs`: the scenario's replications and
    /// seed unless given, written to `--out` or else `default_dir`.
    pub fn plan(
        &self,
        command: &'static str,
        runs: Vec<(String, LoadedScenario)>,
        default_dir: PathBuf,
    ) -> Result<Plan, CliError> {
        let first = &runs[0].1.scenario;
        let mut config = RunConfig {
            replications: self.replications.unwrap_or(first.replications),
            seed: self.seed.unwrap_or(first.seed),
            threads: self.threads,
        };
        check_work(&runs, &mut config, self.precision.map(|_| self.max_replications))?;
        let precision = match self.precision {
            Some(p) if !(p > 0.0 && p < 1.0) => {
                return Err(CliError::Usage(format!(
                    "--precision must be a share between 0 and 1, such as 0.02; found {p}"
                )))
            }
            Some(relative) => {
                Some(Precision { relative, max_replications: self.max_replications.max(config.replications) })
            }
            None => None,
        };
        if self.shard.is_some() && precision.is_some() {
            return Err(CliError::Usage(
                "--shard cannot be used with --precision: the replications must be known before the work is split".into(),
            ));
        }
        Ok(Plan {
            command,
            runs,
            target: self.out.clone().unwrap_or(default_dir),
            config,
            precision,
            overrides: self.overrides().iter().map(Override::to_string).collect(),
            force: self.force,
            charts: !self.no_charts,
            shard: self.shard.map(|shard| part_info(shard).map(|info| (shard, info))).transpose()?,
            merged: self.merged.clone(),
        })
    }
}

/// Most work one command may do, in core-seconds (about an hour on a 2-core machine);
/// beyond it modsim refuses and says how to lower the cost.
const MAX_CORE_SECONDS: f64 = 7_500.0;

/// Memory the per-replication records (metrics and blocks) may take in all.
const MAX_RECORD_BYTES: f64 = 4.0 * 1024.0 * 1024.0 * 1024.0;

/// Memory kept per replication and run: its metrics and a few blocks.
const BYTES_PER_RECORD: f64 = 600.0;

/// Memory the review queues of all worker threads may take at once.
const MAX_QUEUE_BYTES: f64 = 4.0 * 1024.0 * 1024.0 * 1024.0;

/// Most scenarios the particles of posteriors make in one command (each distinct
/// particle of each run is a scenario built before the run, about 100 µs and a few
/// kilobytes each).
const MAX_PARTICLE_SCENARIOS: usize = 100_000;

/// Most worker threads per core: more only adds switching (results never depend on it).
const MAX_THREADS_PER_CORE: usize = 4;

/// Refuses a plan with no replications, or one that would take too long or too much
/// memory, counting every run (variants, sweep points), the replications `--precision`
/// may add, steps as well as review-queue items, and the queue memory of each thread.
/// Lowers the thread count when the threads' queues would not fit in memory together.
pub(super) fn check_work(
    runs: &[(String, LoadedScenario)],
    config: &mut RunConfig,
    max_replications: Option<u64>,
) -> Result<(), CliError> {
    if config.replications == 0 {
        return Err(CliError::Usage("--replications must be at least 1".into()));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if config.threads > MAX_THREADS_PER_CORE * cores {
        return Err(CliError::Usage(format!(
            "--threads {} is more than {} per core ({cores} cores here); results do not depend on it, so use at most {}, or 0 for one per core",
            config.threads,
            MAX_THREADS_PER_CORE,
            MAX_THREADS_PER_CORE * cores
        )));
    }
    let most = max_replications.unwrap_or(0).max(config.replications);
    let replications = most as f64;
    let scenarios = runs.iter().map(|(_, l)| &l.scenario);
    let items: f64 = scenarios.clone().map(|s| s.expected_queue_work()).sum::<f64>() * replications;
    let steps: f64 = scenarios.clone().map(|s| s.steps()).sum::<f64>() * replications;
    let seconds: f64 = scenarios.clone().map(|s| s.expected_seconds()).sum::<f64>() * replications;
    if seconds > MAX_CORE_SECONDS {
        return Err(CliError::Usage(format!(
            "this would simulate about {items:.1e} review-queue items and {steps:.1e} steps ({} runs x {most} replications), roughly {:.0} hours on 2 cores; lower --replications (or --max-replications), sweep fewer points, lengthen scenario.step, or lower uploads_per_day, recall or false_positive_rate",
            runs.len(),
            seconds / 2.0 / 3600.0
        )));
    }
    let records = runs.len() as f64 * replications * BYTES_PER_RECORD;
    if records > MAX_RECORD_BYTES {
        return Err(CliError::Usage(format!(
            "the records of {} runs x {most} replications would need about {:.1} GiB of memory (at most {:.0} GiB); lower --replications (or --max-replications) or sweep fewer points",
            runs.len(),
            records / 1024f64.powi(3),
            MAX_RECORD_BYTES / 1024f64.powi(3)
        )));
    }
    let particles: usize =
        runs.iter().filter_map(|(_, l)| l.posterior.as_ref()).map(|p| p.weights.len()).sum();
    if particles > MAX_PARTICLE_SCENARIOS {
        return Err(CliError::Usage(format!(
            "the posterior's particles would make {particles} scenarios over {} runs (at most {MAX_PARTICLE_SCENARIOS}); sweep fewer points",
            runs.len()
        )));
    }
    let per_thread = scenarios.map(|s| s.expected_queue_bytes()).fold(0.0, f64::max);
    let threads = if config.threads == 0 { cores } else { config.threads };
    if per_thread * threads as f64 > MAX_QUEUE_BYTES {
        let fit = ((MAX_QUEUE_BYTES / per_thread) as usize).max(1);
        if fit < threads {
            eprintln!(
                "note: each worker's review queue may need {:.1} GiB; running {fit} worker threads instead of {threads}",
                per_thread / 1024f64.powi(3)
            );
            config.threads = fit;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario;

    fn runs() -> Vec<(String, LoadedScenario)> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/mmc.toml");
        vec![("baseline".into(), scenario::load_with(&path, &[]).unwrap())]
    }

    fn experiment_args(line: &[&str]) -> ExperimentArgs {
        let cli = Cli::try_parse_from([&["modsim", "run", "mmc.toml"], line].concat()).unwrap();
        let Command::Run { experiment, .. } = cli.command else { unreachable!() };
        experiment
    }

    fn usage(result: Result<Plan, CliError>) -> String {
        match result {
            Err(CliError::Usage(message)) => message,
            Err(e) => panic!("not a usage error: {e}"),
            Ok(_) => panic!("the plan was accepted"),
        }
    }

    #[test]
    fn the_plan_takes_the_scenario_defaults_unless_given() {
        let plan = experiment_args(&[]).plan("run", runs(), PathBuf::from("output/mmc")).unwrap();
        let scenario = &plan.runs[0].1.scenario;
        assert_eq!((plan.config.replications, plan.config.seed), (scenario.replications, scenario.seed));
        assert_eq!(plan.target, PathBuf::from("output/mmc"));
        assert!(plan.charts && !plan.force && plan.precision.is_none());

        let args =
            experiment_args(&["--replications", "7", "--seed", "9", "--out", "elsewhere", "--no-charts"]);
        let plan = args.plan("run", runs(), PathBuf::from("output/mmc")).unwrap();
        assert_eq!((plan.config.replications, plan.config.seed), (7, 9));
        assert_eq!(plan.target, PathBuf::from("elsewhere"));
        assert!(!plan.charts);
    }

    #[test]
    fn bad_replications_precision_and_cost_are_refused() {
        let plan = |line: &[&str]| experiment_args(line).plan("run", runs(), PathBuf::from("out"));
        assert_eq!(usage(plan(&["--replications", "0"])), "--replications must be at least 1");
        assert_eq!(
            usage(plan(&["--precision", "1.5"])),
            "--precision must be a share between 0 and 1, such as 0.02; found 1.5"
        );
        let precision =
            plan(&["--precision", "0.1", "--max-replications", "5", "--replications", "20"]).unwrap();
        assert_eq!(precision.precision.map(|p| p.max_replications), Some(20));
        let too_much = usage(plan(&["--replications", "1000000000000"]));
        assert!(too_much.starts_with("this would simulate about "), "{too_much}");
    }

    #[test]
    fn too_many_particle_scenarios_are_refused() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/posterior-lag.toml");
        let mut loaded = scenario::load_with(&path, &[]).unwrap();
        let plan = |runs| experiment_args(&[]).plan("compare", runs, PathBuf::from("out"));
        assert!(plan(vec![("baseline".into(), loaded.clone())]).is_ok());
        loaded.posterior.as_mut().unwrap().weights = vec![0.0; 50_001];
        let runs = vec![("a".into(), loaded.clone()), ("b".into(), loaded)];
        assert_eq!(
            usage(plan(runs)),
            "the posterior's particles would make 100002 scenarios over 2 runs (at most 100000); sweep fewer points"
        );
    }
}
