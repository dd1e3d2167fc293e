//! The command-line definition (clap), and the options every experiment command
//! shares turned into a [`Plan`], with the guards that refuse a plan before it runs.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::CliError;
use crate::experiment::sweep::{Axis, Target};
use crate::experiment::{Precision, RunConfig};
use crate::output::Plan;
use crate::scenario::{LoadedScenario, Override, SECONDS_PER_QUEUE_ITEM};

/// modsim: simulate content-moderation policies, takedown orders and platform blocks.
#[derive(Debug, Parser)]
#[command(name = "modsim", version, about, long_about = None)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Run a scenario many times and write the tables, charts and report.
    Run {
        #[arg(required_unless_present = "reproduce")]
        scenario: Option<PathBuf>,
        /// Run again what a run.json describes (same scenario, overrides, seed and
        /// replications) and check that the tables come out identical.
        #[arg(long, value_name = "RUN_JSON", conflicts_with_all = ["scenario", "seed", "replications", "set", "precision"])]
        reproduce: Option<PathBuf>,
        #[command(flatten)]
        experiment: ExperimentArgs,
    },
    /// Run a scenario's variants (or several scenario files) side by side, with paired
    /// differences against the first.
    Compare {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        experiment: ExperimentArgs,
    },
    /// Run a grid of values for one or two parameters.
    Sweep {
        scenario: PathBuf,
        /// PATH=VALUES: a list (10,20,50), a range (20..400 step 20) or a geometric
        /// range (10..1000 geometric 5). Give it once or twice (a full grid).
        #[arg(long = "vary", required = true, value_name = "PATH=VALUES")]
        vary: Vec<Axis>,
        /// Report the cheapest point that meets this, e.g. block_probability<0.05.
        #[arg(long, value_name = "METRIC<VALUE")]
        target: Option<Target>,
        #[command(flatten)]
        experiment: ExperimentArgs,
    },
    /// Validate scenario files; exit 0 when all are valid.
    Check {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Rebuild report.html, report.md and charts/ of an output folder from its CSV
    /// files and run.json (no simulation).
    Report {
        /// An output folder of `run`, `compare` or `sweep`.
        folder: PathBuf,
        /// Write the report without charts.
        #[arg(long)]
        no_charts: bool,
    },
    /// Print one replication's event log as a timeline.
    Trace {
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
    },
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
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Override a parameter, e.g. --set platform.review.moderators=200 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<Override>,
    /// Add replications until every headline metric's 95% CI half-width is within this
    /// share of its mean (e.g. 0.02).
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
}

impl ExperimentArgs {
    /// The plan of `command` over the labelled `runs`: the scenario's replications and
    /// seed unless given, written to `--out` or else `default_dir`.
    pub fn plan(
        &self,
        command: &'static str,
        runs: Vec<(String, LoadedScenario)>,
        default_dir: PathBuf,
    ) -> Result<Plan, CliError> {
        let first = &runs[0].1.scenario;
        let config = RunConfig {
            replications: self.replications.unwrap_or(first.replications),
            seed: self.seed.unwrap_or(first.seed),
            threads: self.threads,
        };
        check_work(&runs, &config)?;
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
        Ok(Plan {
            command,
            runs,
            target: self.out.clone().unwrap_or(default_dir),
            config,
            precision,
            overrides: self.set.iter().map(Override::to_string).collect(),
            force: self.force,
            charts: !self.no_charts,
        })
    }
}

/// Most review-queue items one command may simulate in all (about an hour of work on
/// a 2-core machine); beyond it modsim refuses and says how to lower the cost.
const MAX_TOTAL_ITEMS: f64 = 1e11;

/// Refuses a plan with no replications, or one that would take too long.
pub(super) fn check_work(runs: &[(String, LoadedScenario)], config: &RunConfig) -> Result<(), CliError> {
    if config.replications == 0 {
        return Err(CliError::Usage("--replications must be at least 1".into()));
    }
    let items: f64 =
        runs.iter().map(|(_, l)| l.scenario.expected_queue_work()).sum::<f64>() * config.replications as f64;
    if items > MAX_TOTAL_ITEMS {
        return Err(CliError::Usage(format!(
            "this would simulate about {items:.1e} review-queue items ({} runs x {} replications), roughly {:.0} hours on 2 cores; lower --replications, sweep fewer points, or lower uploads_per_day, recall or false_positive_rate",
            runs.len(),
            config.replications,
            items * SECONDS_PER_QUEUE_ITEM / 2.0 / 3600.0
        )));
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
}
