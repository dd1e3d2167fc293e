//! `modsim merge PART... --out DIR`: the partial folders of a sharded command, checked
//! to belong together, handed back to that command as its work, so that it writes the
//! folder a one-machine run would have written.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;

use super::args::{Cli, Command};
use super::{compare, run, sweep, CliError};
use crate::model::ReplicationOutcome;
use crate::output::parts::{read_parts, MergedRuns, PartRecord};

/// Checks the parts, then runs their command with their work instead of a simulation.
pub(super) fn merge(parts: &[PathBuf], out: &Path, force: bool) -> Result<(), CliError> {
    let usage = |e: &dyn std::fmt::Display| CliError::Usage(e.to_string());
    let parts = read_parts::<Vec<Vec<ReplicationOutcome>>>(parts).map_err(|e| usage(&e))?;
    let PartRecord { record, part } = &parts[0].record;
    if !matches!(record.command.as_str(), "run" | "compare" | "sweep") {
        return Err(CliError::Usage(format!("parts of `{}` cannot be merged", record.command)));
    }
    // The command line's paths are relative to where the parts ran.
    let out = std::path::absolute(out).map_err(|e| usage(&e))?;
    let cwd = PathBuf::from(&part.cwd);
    std::env::set_current_dir(&cwd).map_err(|e| {
        CliError::Usage(format!("cannot work in {}, where the parts ran: {e}", cwd.display()))
    })?;
    let mut argv = vec!["modsim".to_owned()];
    argv.extend(part.argv.iter().cloned());
    argv.extend(["--out".to_owned(), out.display().to_string()]);
    if force {
        argv.push("--force".into());
    }
    let cli = Cli::try_parse_from(&argv).map_err(|e| usage(&e))?;
    let merged = Some(Arc::new(MergedRuns::of(parts)));
    match cli.command {
        Command::Run { scenario: Some(scenario), reproduce: None, mut experiment } => {
            experiment.merged = merged;
            run::run(&scenario, &experiment)
        }
        Command::Compare { scenarios, mut experiment } => {
            experiment.merged = merged;
            compare::compare(&scenarios, &experiment)
        }
        Command::Sweep { scenario, vary, target, mut experiment } => {
            experiment.merged = merged;
            sweep::sweep(&scenario, &vary, target.as_ref(), &experiment)
        }
        _ => Err(CliError::Usage("the parts' command line is not a run, compare or sweep".into())),
    }
}
