//! The command line: argument definitions and the glue from arguments to the library.
//! Errors are rendered here, once, and mapped to exit codes: 0 success, 2 bad input
//! (scenario or arguments), 1 anything else.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::experiment::stats::PairedDifference;
use crate::experiment::sweep::{self, Axis, Target};
use crate::experiment::{self, compare, ExperimentError, Precision, RunConfig, RunResults};
use crate::model::run_replication;
use crate::output::report::{self, ReportError};
use crate::output::tables::{self, Labeled};
use crate::output::{text, OutputError, OutputFolder};
use crate::scenario::{self, LoadedScenario, Override, Scenario, ScenarioError};

/// modsim: simulate content-moderation policies, takedown orders and platform blocks.
#[derive(Debug, Parser)]
#[command(name = "modsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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
struct ExperimentArgs {
    /// Output folder (default: output/<scenario file stem>, with -compare or -sweep).
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
    /// Override a parameter, e.g. --set platform.review.moderators=200 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<Override>,
    /// Add replications until every headline metric's 95% CI half-width is within this
    /// share of its mean (e.g. 0.02).
    #[arg(long, value_name = "REL")]
    precision: Option<f64>,
    /// The most replications --precision may use.
    #[arg(long, default_value_t = 100_000)]
    max_replications: u64,
    /// Replace the output folder even if modsim did not make it.
    #[arg(long)]
    force: bool,
    /// Skip the charts (the report is still written); for batch use.
    #[arg(long)]
    no_charts: bool,
}

/// Set by Ctrl-C.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Most review-queue items one command may simulate in all (about an hour of work on
/// a 2-core machine); beyond it modsim refuses and says how to lower the cost.
const MAX_TOTAL_ITEMS: f64 = 1e11;

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
    #[error("interrupted after {done} of {planned} replications: nothing was written, {} is as it was", target.display())]
    Interrupted { target: PathBuf, done: u64, planned: u64 },
    #[error("{0}")]
    NotReproduced(String),
    #[error(transparent)]
    Report(#[from] ReportError),
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
    // Ctrl-C asks the running experiment to stop; the output folder is left as it was.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Run { scenario, reproduce: Some(record), experiment } => {
            reproduce(&record, scenario.as_deref(), &experiment)
        }
        Command::Run { scenario: Some(scenario), reproduce: None, experiment } => run(&scenario, &experiment),
        Command::Run { scenario: None, reproduce: None, .. } => {
            Err(CliError::Usage("give a scenario file, or --reproduce RUN_JSON".into()))
        }
        Command::Compare { scenarios, experiment } => compare(&scenarios, &experiment),
        Command::Sweep { scenario, vary, target, experiment } => {
            sweep(&scenario, &vary, target.as_ref(), &experiment)
        }
        Command::Check { scenarios } => check(&scenarios),
        Command::Trace { scenario, replication, seed, set } => trace(&scenario, replication, seed, &set),
        Command::Report { folder, no_charts } => rebuild_report(&folder, !no_charts),
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
    load_with(path, &[])
}

fn load_with(path: &Path, overrides: &[Override]) -> Result<LoadedScenario, CliError> {
    let loaded = scenario::load_with(path, overrides)?;
    print_warnings(&loaded);
    Ok(loaded)
}

fn print_warnings(loaded: &LoadedScenario) {
    for w in &loaded.warnings {
        eprintln!("{}", w.render());
    }
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
        Err(CliError::Usage(format!("{invalid} of {} scenario files are invalid", paths.len())))
    }
}

/// The files every experiment writes, in this order.
const TABLES: [&str; 5] = ["summary.csv", "replications.csv", "blocks.csv", "events.csv", "timeseries.csv"];

/// What one experiment command runs: labelled scenarios and how.
const REPORT: [&str; 2] = ["report.html", "report.md"];

struct Plan {
    command: &'static str,
    runs: Vec<(String, LoadedScenario)>,
    target: PathBuf,
    config: RunConfig,
    precision: Option<Precision>,
    cli_overrides: Vec<String>,
    force: bool,
    charts: bool,
}

impl Plan {
    fn new(
        command: &'static str,
        runs: Vec<(String, LoadedScenario)>,
        args: &ExperimentArgs,
        default_dir: PathBuf,
    ) -> Result<Plan, CliError> {
        let first = &runs[0].1.scenario;
        let config = RunConfig {
            replications: args.replications.unwrap_or(first.replications),
            seed: args.seed.unwrap_or(first.seed),
            threads: args.threads,
        };
        if config.replications == 0 {
            return Err(CliError::Usage("--replications must be at least 1".into()));
        }
        let items: f64 = runs.iter().map(|(_, l)| l.scenario.expected_queue_work()).sum::<f64>()
            * config.replications as f64;
        if items > MAX_TOTAL_ITEMS {
            return Err(CliError::Usage(format!(
                "this would simulate about {items:.1e} review-queue items ({} runs x {} replications), roughly {:.0} hours on 2 cores; lower --replications, sweep fewer points, or lower uploads_per_day, recall or false_positive_rate",
                runs.len(),
                config.replications,
                items * 75e-9 / 2.0 / 3600.0
            )));
        }
        let precision = match args.precision {
            Some(p) if !(p > 0.0 && p < 1.0) => {
                return Err(CliError::Usage(format!(
                    "--precision must be a share between 0 and 1, such as 0.02; found {p}"
                )))
            }
            Some(relative) => {
                Some(Precision { relative, max_replications: args.max_replications.max(config.replications) })
            }
            None => None,
        };
        Ok(Plan {
            command,
            runs,
            target: args.out.clone().unwrap_or(default_dir),
            config,
            precision,
            cli_overrides: args.set.iter().map(Override::to_string).collect(),
            force: args.force,
            charts: !args.no_charts,
        })
    }

    /// Runs the plan and writes the common tables; returns the results (one per run)
    /// and the open output folder for command-specific files.
    fn execute(
        &self,
        labels_of: impl Fn(usize) -> Vec<(String, String)>,
    ) -> Result<(Vec<RunResults>, OutputFolder), CliError> {
        // Fail on an unusable target before spending time on the simulation.
        let folder = OutputFolder::create(&self.target, self.force)?;
        let progress = Progress::new();
        let scenarios: Vec<&Scenario> = self.runs.iter().map(|(_, l)| &l.scenario).collect();
        let results = experiment::run_all(&scenarios, &self.config, self.precision.as_ref(), &progress);
        progress.finish();
        let results = match results {
            Err(ExperimentError::Cancelled { done, planned }) => {
                return Err(CliError::Interrupted { target: self.target.clone(), done, planned })
            }
            other => other?,
        };
        let start = scenarios[0].start;
        let labeled: Vec<Labeled> = results
            .iter()
            .enumerate()
            .map(|(i, r)| Labeled { labels: labels_of(i), results: r, differences: None })
            .collect();
        folder.write_table("summary.csv", |w| tables::summary_csv(w, &labeled))?;
        folder.write_table("replications.csv", |w| tables::replications_csv(w, &labeled))?;
        folder.write_table("blocks.csv", |w| tables::blocks_csv(w, &labeled, start))?;
        folder.write_table("events.csv", |w| tables::events_csv(w, &labeled, start))?;
        folder.write_table("timeseries.csv", |w| tables::timeseries_csv(w, &labeled, start))?;
        Ok((results, folder))
    }

    /// Writes the command's own table (if any) and run.json. Returns the files the
    /// folder will hold.
    fn record_run(
        &self,
        folder: &OutputFolder,
        results: &[RunResults],
        own_table: Option<(&'static str, &[Labeled])>,
    ) -> Result<Vec<&'static str>, CliError> {
        let mut files = Vec::new();
        if let Some((file, runs)) = own_table {
            folder.write_table(file, |w| tables::summary_csv(w, runs))?;
            files.push(file);
        }
        files.extend(TABLES);
        files.push("run.json");
        files.extend(REPORT);
        if self.charts {
            files.push("charts/");
        }
        folder.write("run.json", &self.record(results, &files))?;
        Ok(files)
    }

    /// Builds the report from the files written, exactly as `modsim report` builds it
    /// from a finished folder, and moves the folder into place. Callers drop their
    /// results first: the report needs only the files, and memory stays flat. Then
    /// prints the command's `summary` and what was written.
    fn publish(&self, folder: OutputFolder, files: Vec<&'static str>, summary: &str) -> Result<(), CliError> {
        for f in report::build(&|file| folder.open(file), self.charts)? {
            folder.write(&f.path, &f.bytes)?;
        }
        let written = folder.commit()?;
        let mut stdout = std::io::stdout().lock();
        write!(stdout, "{summary}")?;
        writeln!(stdout, "wrote {}: {}", written.display(), files.join(", "))?;
        Ok(())
    }

    fn record(&self, results: &[RunResults], files: &[&str]) -> Vec<u8> {
        let loaded: Vec<(String, &LoadedScenario)> = self.runs.iter().map(|(l, s)| (l.clone(), s)).collect();
        tables::RunRecord::new(
            self.command,
            &loaded,
            &self.cli_overrides,
            &results[0],
            results.len(),
            files,
            &self.target,
        )
        .to_json()
    }
}

fn run(path: &Path, args: &ExperimentArgs) -> Result<(), CliError> {
    let loaded = load_with(path, &args.set)?;
    let plan = Plan::new("run", vec![("baseline".into(), loaded)], args, default_output(path, ""))?;
    let (results, folder) = plan.execute(|_| Vec::new())?;
    let files = plan.record_run(&folder, &results, None)?;
    let mut summary = text::run_summary(&plan.runs[0].1.scenario, &results[0]);
    if let Some(note) = text::precision_note(&results[0]) {
        summary.push_str(&format!("{note}\n"));
    }
    drop(results);
    plan.publish(folder, files, &summary)
}

/// `modsim run --reproduce run.json`: the same scenario text, overrides, seed and
/// replications, then a byte-for-byte check of the tables against those beside the
/// record (when they are still there).
fn reproduce(record_path: &Path, _scenario: Option<&Path>, args: &ExperimentArgs) -> Result<(), CliError> {
    use sha2::Digest;
    let text = std::fs::read_to_string(record_path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", record_path.display())))?;
    let record: tables::RunRecord = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{} is not a modsim run.json: {e}", record_path.display())))?;
    let version = env!("CARGO_PKG_VERSION");
    if record.modsim_version != version {
        return Err(CliError::NotReproduced(format!(
            "{} was made by modsim {}, this is modsim {version}: results may differ between versions, so modsim will not claim to reproduce them; install modsim {} to reproduce it",
            record_path.display(),
            record.modsim_version,
            record.modsim_version
        )));
    }
    if record.command != "run" {
        return Err(CliError::Usage(format!(
            "{} records a `{}`; --reproduce reruns `run` records",
            record_path.display(),
            record.command
        )));
    }
    let (Some(file), Some(hash)) = (record.scenario_files.first(), record.scenario_sha256.first()) else {
        return Err(CliError::Usage(format!("{} names no scenario file", record_path.display())));
    };
    let scenario_path = PathBuf::from(file);
    let now = std::fs::read(&scenario_path)
        .map_err(|e| CliError::NotReproduced(format!("cannot read the recorded scenario {file}: {e}")))?;
    let now_hash = format!("{:x}", sha2::Sha256::digest(&now));
    if &now_hash != hash {
        return Err(CliError::NotReproduced(format!(
            "{file} has changed since the run (SHA-256 {} then, {} now); restore the file as it was to reproduce the run",
            &hash[..12],
            &now_hash[..12]
        )));
    }
    let overrides: Vec<Override> =
        record.overrides.iter().map(|o| o.parse().map_err(CliError::Usage)).collect::<Result<_, _>>()?;
    let stem = scenario_path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let rerun = ExperimentArgs {
        out: Some(args.out.clone().unwrap_or_else(|| Path::new("output").join(format!("{stem}-reproduced")))),
        replications: Some(record.replications),
        seed: Some(record.seed),
        threads: args.threads,
        set: overrides,
        precision: None,
        max_replications: record.replications,
        force: args.force,
        no_charts: args.no_charts,
    };
    run(&scenario_path, &rerun)?;
    // Compare with the tables beside the record, if they are there.
    let original = record_path.parent().unwrap_or(Path::new("."));
    let target = rerun.out.unwrap_or_default();
    let mut stdout = std::io::stdout().lock();
    let mut compared = 0;
    for file in TABLES {
        let Ok(before) = std::fs::read(original.join(file)) else { continue };
        let after = std::fs::read(target.join(file)).unwrap_or_default();
        if before != after {
            return Err(CliError::NotReproduced(format!(
                "{file} differs from {}: the run did not reproduce",
                original.join(file).display()
            )));
        }
        compared += 1;
    }
    if compared > 0 {
        writeln!(stdout, "reproduced: {compared} tables byte-identical to those in {}", original.display())?;
    }
    Ok(())
}

fn compare(paths: &[PathBuf], args: &ExperimentArgs) -> Result<(), CliError> {
    let runs: Vec<(String, LoadedScenario)> = if let [path] = paths {
        let all = scenario::load_variants(path, &args.set)?;
        print_warnings(&all[0]);
        if all.len() < 2 {
            return Err(CliError::Usage(format!(
                "{} has no [[variants]] to compare; add some, or give several scenario files",
                path.display()
            )));
        }
        all.into_iter().map(|l| (l.label(), l)).collect()
    } else {
        let mut runs = Vec::new();
        for path in paths {
            let stem = path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
            if runs.iter().any(|(l, _)| *l == stem) {
                return Err(CliError::Usage(format!("two scenario files are called `{stem}`; rename one")));
            }
            runs.push((stem, load_with(path, &args.set)?));
        }
        runs
    };
    let plan = Plan::new("compare", runs, args, default_output(&paths[0], "-compare"))?;
    let labels: Vec<String> = plan.runs.iter().map(|(l, _)| l.clone()).collect();
    let (results, folder) = plan.execute(|i| vec![("variant".into(), labels[i].clone())])?;
    let differences: Vec<Vec<PairedDifference>> =
        results.iter().map(|r| compare::paired_differences(&results[0], r)).collect();
    let labeled: Vec<Labeled> = results
        .iter()
        .zip(&differences)
        .enumerate()
        .map(|(i, (r, d))| Labeled {
            labels: vec![("variant".into(), labels[i].clone())],
            results: r,
            differences: (i > 0).then(|| d.clone()),
        })
        .collect();
    let files = plan.record_run(&folder, &results, Some(("compare.csv", &labeled)))?;
    let mut summary = text::compare_table(&labels, &results, &differences);
    if let Some(note) = text::precision_note(&results[0]) {
        summary.push_str(&format!("{note}\n"));
    }
    drop(labeled);
    drop(results);
    plan.publish(folder, files, &summary)
}

fn sweep(path: &Path, axes: &[Axis], target: Option<&Target>, args: &ExperimentArgs) -> Result<(), CliError> {
    if axes.len() > 2 {
        return Err(CliError::Usage("sweep takes one or two --vary; for more, run several sweeps".into()));
    }
    // The base with the command line's overrides: its errors and warnings, once.
    load_with(path, &args.set)?;
    let points = sweep::grid(axes);
    let mut runs = Vec::with_capacity(points.len());
    for point in &points {
        let mut overrides = args.set.clone();
        overrides.extend(point.iter().cloned());
        let label = point.iter().map(Override::to_string).collect::<Vec<_>>().join(" ");
        runs.push((label, scenario::load_with(path, &overrides)?));
    }
    let params: Vec<String> = axes.iter().map(|a| a.path.clone()).collect();
    let values: Vec<Vec<String>> =
        points.iter().map(|p| p.iter().map(|o| o.value.clone()).collect()).collect();
    let plan = Plan::new("sweep", runs, args, default_output(path, "-sweep"))?;
    let labels_of = |i: usize| {
        let mut labels = vec![("point".to_string(), i.to_string())];
        labels.extend(params.iter().cloned().zip(values[i].iter().cloned()));
        labels
    };
    let (results, folder) = plan.execute(labels_of)?;
    let labeled: Vec<Labeled> = results
        .iter()
        .enumerate()
        .map(|(i, r)| Labeled { labels: labels_of(i), results: r, differences: None })
        .collect();
    let files = plan.record_run(&folder, &results, Some(("sweep.csv", &labeled)))?;
    let c = &results[0].config;
    let mut summary = format!(
        "{}: {} points, {} replications each, seed {} (common random numbers across points)\n",
        plan.runs[0].1.scenario.name,
        points.len(),
        c.replications,
        c.seed
    );
    summary.push_str(&text::sweep_table(&params, &values, &results));
    if let Some(target) = target {
        let answer = sweep::answer(target, &results);
        summary.push_str(&text::target_answer(target, &answer, &values, &params, &results));
    }
    if let Some(note) = text::precision_note(&results[0]) {
        summary.push_str(&format!("{note}\n"));
    }
    drop(labeled);
    drop(results);
    plan.publish(folder, files, &summary)
}

fn rebuild_report(dir: &Path, charts: bool) -> Result<(), CliError> {
    if !dir.join("run.json").is_file() {
        return Err(CliError::Usage(format!(
            "{} is not a modsim output folder (it has no run.json)",
            dir.display()
        )));
    }
    // Everything is built in memory first: a failure leaves the folder as it was.
    let open = |file: &str| -> Option<Box<dyn std::io::Read>> {
        let f = std::fs::File::open(dir.join(file)).ok()?;
        Some(Box::new(std::io::BufReader::new(f)))
    };
    let files = report::build(&open, charts)?;
    let io = |path: PathBuf| move |source| OutputError::Io { path, source };
    for f in &files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent.to_owned()))?;
        }
        let partial = path.with_extension(format!("partial-{}", std::process::id()));
        std::fs::write(&partial, &f.bytes).map_err(io(path.clone()))?;
        std::fs::rename(&partial, &path).map_err(io(path.clone()))?;
    }
    let mut stdout = std::io::stdout().lock();
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    writeln!(stdout, "wrote {}: {}", dir.display(), names.join(", "))?;
    Ok(())
}

fn default_output(scenario: &Path, suffix: &str) -> PathBuf {
    let stem = scenario.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    Path::new("output").join(format!("{stem}{suffix}"))
}

fn trace(path: &Path, replication: u64, seed: Option<u64>, overrides: &[Override]) -> Result<(), CliError> {
    let loaded = load_with(path, overrides)?;
    let s = &loaded.scenario;
    let outcome = run_replication(s, seed.unwrap_or(s.seed), replication, true);
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", text::timeline(s, replication, &outcome.log, outcome.blocks.len()))?;
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
    fn new() -> Progress {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} replications, {eta} left") {
            bar.set_style(style);
        }
        Progress { bar, started: Instant::now(), interactive: std::io::stderr().is_terminal() }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl experiment::Progress for Progress {
    fn planned(&self, n: u64) {
        self.bar.inc_length(n);
    }

    fn cancelled(&self) -> bool {
        INTERRUPTED.load(Ordering::Relaxed)
    }

    fn done(&self) {
        self.bar.inc(1);
        if self.interactive && self.bar.is_hidden() && self.started.elapsed() > Duration::from_millis(500) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
}
