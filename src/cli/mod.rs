//! The command line: argument definitions and the glue from arguments to the library.
//! Errors are rendered here, once, and mapped to exit codes: 0 success, 2 bad input
//! (scenario or arguments), 1 anything else.
//!
//! One file per command (`run.rs`, `reproduce.rs`, `calibrate.rs`, `validate.rs`, `compare.rs`, `sweep.rs`, `merge.rs`, `slurm.rs`,
//! `check.rs`, `trace.rs`, `report.rs`, `init.rs`; `completions.rs` for completions and man
//! pages); `args.rs` holds the clap definitions and `help.rs` the examples of `--help`,
//! `progress.rs` the progress bar and Ctrl-C, `error.rs` `CliError`. The experiment
//! commands hand a `Plan` to `output::publish`, which runs it and writes the folder.

mod args;
mod calibrate;
mod check;
mod compare;
mod completions;
mod error;
mod help;
mod init;
mod merge;
mod progress;
mod report;
mod reproduce;
mod run;
mod slurm;
mod sweep;
mod trace;
mod validate;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::FromArgMatches;

use crate::experiment::RunResults;
use crate::output::publish::Executed;
use crate::output::text::{self, visible};
use crate::output::{OutputFolder, Plan};
use crate::scenario::{self, LoadedScenario, Override};
use args::{Cli, Command};
use error::CliError;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    progress::stop_on_ctrl_c();
    let cli = match args::command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            if e.kind() == clap::error::ErrorKind::UnknownArgument {
                let args: Vec<String> = std::env::args().collect();
                if let Some(hint) = help::unquoted_range_hint(&args) {
                    eprintln!("\n{hint}");
                }
            }
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Run { reproduce: Some(_), experiment, .. } if experiment.shard.is_some() => {
            Err(CliError::Usage("--shard cannot be used with --reproduce".into()))
        }
        Command::Run { reproduce: Some(record), experiment, .. } => {
            reproduce::reproduce(&record, &experiment)
        }
        Command::Run { scenario: Some(scenario), reproduce: None, experiment } => {
            run::run(&scenario, &experiment)
        }
        Command::Run { scenario: None, reproduce: None, .. } => {
            Err(CliError::Usage("give a scenario file, or --reproduce RUN_JSON".into()))
        }
        Command::Compare { scenarios, experiment } => compare::compare(&scenarios, &experiment),
        Command::Sweep { scenario, vary, target, experiment } => {
            sweep::sweep(&scenario, &vary, target.as_ref(), &experiment)
        }
        Command::Calibrate { config, calibrate, checkpoint, shard } => {
            calibrate::calibrate(&config, &calibrate, shard, checkpoint.as_deref(), None)
        }
        Command::Validate { config, calibrate, draws, shard } => {
            validate::validate(&config, &calibrate, draws, shard, None)
        }
        Command::Check { scenarios } => check::check(&scenarios),
        Command::Merge { parts, out, force } => merge::merge(&parts, &out, force),
        Command::Slurm { slurm } => slurm::slurm_command(&slurm),
        Command::Trace { scenario, replication, seed, set, unset } => {
            trace::trace(&scenario, replication, seed, &args::in_order(&unset, &set))
        }
        Command::Report { folder, no_charts } => report::rebuild_report(&folder, !no_charts),
        Command::Init { path, force } => init::init(&path, force),
        Command::Schema => schema(),
        Command::Completions { shell } => completions::completions(shell),
        Command::Man { dir } => completions::man(dir.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`modsim check x | head -0`) ends the output quietly, as in
        // other Unix tools.
        Err(CliError::Terminal(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::from(e.exit_code())
        }
    }
}

/// `modsim schema`: prints the JSON Schema of the scenario format.
fn schema() -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(&scenario::scenario_schema()).unwrap_or_default();
    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

/// Loads a scenario with the command line's overrides and prints its warnings.
fn load_with(path: &Path, overrides: &[Override]) -> Result<LoadedScenario, CliError> {
    let loaded = scenario::load_with(path, overrides)?;
    print_warnings(&loaded);
    Ok(loaded)
}

/// The scenario's warnings: legal but suspicious setups, then its money (costs left at
/// zero, no currency).
fn print_warnings(loaded: &LoadedScenario) {
    for w in loaded.warnings.iter().chain(&scenario::money_warnings(loaded)) {
        eprintln!("{}", w.render());
    }
}

/// Refuses runs whose amounts are in different currencies: their money figures and
/// differences would mix them.
fn one_currency(runs: &[(String, LoadedScenario)]) -> Result<(), CliError> {
    let currency = |l: &LoadedScenario| l.scenario.money().currency().map(str::to_owned);
    let first = currency(&runs[0].1);
    if runs.iter().all(|(_, l)| currency(l) == first) {
        return Ok(());
    }
    // Each currency once, with the first run that uses it.
    let mut named: Vec<(Option<String>, &str)> = Vec::new();
    for (label, l) in runs {
        if !named.iter().any(|(c, _)| *c == currency(l)) {
            named.push((currency(l), label));
        }
    }
    let named: Vec<String> = named
        .into_iter()
        .map(|(c, label)| format!("{}: {}", visible(label), visible(c.as_deref().unwrap_or("none"))))
        .collect();
    Err(CliError::Usage(format!(
        "the runs are in different currencies ({}), so their money cannot be compared; write every scenario's amounts in one currency (`scenario.currency`)",
        named.join(", ")
    )))
}

/// `output/<scenario file stem><suffix>`.
fn default_output(scenario: &Path, suffix: &str) -> PathBuf {
    let stem = scenario.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    Path::new("output").join(format!("{stem}{suffix}"))
}

/// The results and folder of a whole experiment; `None` once a shard has written its
/// part (and said so).
fn whole(executed: Executed) -> Result<Option<(Vec<RunResults>, OutputFolder)>, CliError> {
    match executed {
        Executed::Whole(results, folder) => Ok(Some((results, folder))),
        Executed::Part(message) => {
            write!(std::io::stdout().lock(), "{message}")?;
            Ok(None)
        }
    }
}

/// Moves the finished folder into place, then prints the command's `summary` and
/// what was written.
fn publish(plan: &Plan, folder: OutputFolder, files: &[&str], summary: &str) -> Result<(), CliError> {
    let written = plan.publish(folder)?;
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{summary}")?;
    let start = format!("wrote {}: ", written.display());
    writeln!(stdout, "{start}{}", text::wrap(&files.join(", "), start.chars().count(), 2))?;
    Ok(())
}
