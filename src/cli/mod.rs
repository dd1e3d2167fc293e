//! The command line: argument definitions and the glue from arguments to the library.
//! Errors are rendered here, once, and mapped to exit codes: 0 success, 2 bad input
//! (scenario or arguments), 1 anything else.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::experiment::{self, ExperimentError, RunConfig};
use crate::model::run_replication;
use crate::output::{tables, text, OutputError, OutputFolder};
use crate::scenario::{self, LoadedScenario, ScenarioError};

/// modsim: simulate content-moderation policies, takedown orders and platform blocks.
#[derive(Debug, Parser)]
#[command(name = "modsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario many times and write the outcome tables.
    Run(RunArgs),
    /// Validate scenario files; exit 0 when all are valid.
    Check {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
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
    },
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    scenario: PathBuf,
    /// Output folder (default: output/<scenario file stem>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Number of replications (default: the scenario's).
    #[arg(long)]
    replications: Option<u64>,
    /// Seed of the random streams (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    #[error("cannot write to the terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Scenario(_) | CliError::Usage(_) => 2,
            CliError::Output(OutputError::ForeignFolder { .. }) => 2,
            _ => 1,
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Check { scenarios } => check(&scenarios),
        Command::Trace {
            scenario,
            replication,
            seed,
        } => trace(&scenario, replication, seed),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", render_error(&e));
            ExitCode::from(e.exit_code())
        }
    }
}

fn render_error(e: &CliError) -> String {
    match e {
        // Scenario diagnostics carry their own "error:" labels.
        CliError::Scenario(ScenarioError::Invalid { .. }) => e.to_string(),
        _ => {
            let mut text = format!("error: {e}");
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(&format!("\n  caused by: {s}"));
                source = s.source();
            }
            text
        }
    }
}

fn load(path: &Path) -> Result<LoadedScenario, CliError> {
    let loaded = scenario::load(path)?;
    for w in &loaded.warnings {
        eprintln!("{}", w.render());
    }
    Ok(loaded)
}

fn check(paths: &[PathBuf]) -> Result<(), CliError> {
    if let [path] = paths {
        load(path)?;
        println!("{}: ok", path.display());
        return Ok(());
    }
    let mut invalid = 0;
    for path in paths {
        match load(path) {
            Ok(_) => println!("{}: ok", path.display()),
            Err(e) => {
                eprintln!("{}", render_error(&e));
                invalid += 1;
            }
        }
    }
    if invalid == 0 {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "{invalid} of {} scenario files are invalid",
            paths.len()
        )))
    }
}

fn run(args: RunArgs) -> Result<(), CliError> {
    let loaded = load(&args.scenario)?;
    let s = &loaded.scenario;
    let config = RunConfig {
        replications: args.replications.unwrap_or(s.replications),
        seed: args.seed.unwrap_or(s.seed),
        threads: args.threads,
    };
    if config.replications == 0 {
        return Err(CliError::Usage("--replications must be at least 1".into()));
    }
    let target = args.out.unwrap_or_else(|| default_output(&args.scenario));
    // Fail on an unusable target before spending time on the simulation.
    let folder = OutputFolder::create(&target)?;

    let progress = Progress::new(config.replications);
    let results = experiment::run(s, &config, &|| progress.tick())?;
    progress.finish();

    let start = s.start;
    let csv = |file: &'static str, r: csv::Result<Vec<u8>>| {
        r.map_err(|source| OutputError::Csv { file, source })
    };
    folder.write(
        "summary.csv",
        &csv("summary.csv", tables::summary_csv(&results))?,
    )?;
    folder.write(
        "replications.csv",
        &csv("replications.csv", tables::replications_csv(&results))?,
    )?;
    folder.write(
        "blocks.csv",
        &csv("blocks.csv", tables::blocks_csv(&results, start))?,
    )?;
    folder.write(
        "events.csv",
        &csv("events.csv", tables::events_csv(&results, start))?,
    )?;
    let files = vec![
        "summary.csv",
        "replications.csv",
        "blocks.csv",
        "events.csv",
        "run.json",
    ];
    folder.write(
        "run.json",
        &tables::RunRecord::new(&loaded, &results, files.clone()).to_json(),
    )?;
    let written = folder.commit()?;

    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", text::run_summary(s, &results))?;
    writeln!(stdout, "wrote {}: {}", written.display(), files.join(", "))?;
    Ok(())
}

fn default_output(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    Path::new("output").join(stem)
}

fn trace(path: &Path, replication: u64, seed: Option<u64>) -> Result<(), CliError> {
    let loaded = load(path)?;
    let s = &loaded.scenario;
    let outcome = run_replication(s, seed.unwrap_or(s.seed), replication, true);
    let mut stdout = std::io::stdout().lock();
    write!(
        stdout,
        "{}",
        text::timeline(s, replication, &outcome.log, outcome.blocks.len())
    )?;
    Ok(())
}

/// A progress bar on stderr, shown only on a terminal and only once a run has taken
/// longer than a moment.
struct Progress {
    bar: ProgressBar,
    started: Instant,
    interactive: bool,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} replications, {eta} left")
        {
            bar.set_style(style);
        }
        Progress {
            bar,
            started: Instant::now(),
            interactive: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self) {
        self.bar.inc(1);
        if self.interactive
            && self.bar.is_hidden()
            && self.started.elapsed() > Duration::from_millis(500)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
