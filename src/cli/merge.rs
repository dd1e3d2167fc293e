//! `modsim merge PART... --out DIR`: the partial folders of a sharded command, checked
//! to belong together, handed back to that command as its work, so that it writes the
//! folder a one-machine run would have written.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;

use super::args::{Cli, Command};
use super::calibrate::{self, MergedBatch};
use super::validate::{self, MergedFolds};
use super::{compare, run, sweep, CliError};
use crate::experiment::validate::Fold;
use crate::model::ReplicationOutcome;
use crate::output::checkpoint::CalibrationPart;
use crate::output::parts::{command_of, read_parts, MergeError, MergedRuns, PartInfo, PartRecord};

/// Checks the parts, then runs their command with their work instead of a simulation.
pub(super) fn merge(parts: &[PathBuf], out: &Path, force: bool) -> Result<(), CliError> {
    let first = parts.first().ok_or_else(|| usage(&MergeError::Empty))?;
    let command = command_of(first).map_err(|e| usage(&e))?;
    if command == "calibrate" {
        let parts = read_parts::<CalibrationPart>(parts).map_err(|e| usage(&e))?;
        let cli = command_line(&parts[0].record.part, out, force)?;
        return match cli.command {
            Command::Calibrate { config, calibrate, checkpoint: Some(checkpoint), shard: None } => {
                calibrate::calibrate(
                    &config,
                    &calibrate,
                    None,
                    Some(&checkpoint),
                    Some(MergedBatch { parts }),
                )
            }
            _ => {
                Err(CliError::Usage("the parts' command line is not a calibration with a checkpoint".into()))
            }
        };
    }
    if command == "validate" {
        let parts = read_parts::<(Vec<Fold>, Vec<f64>)>(parts).map_err(|e| usage(&e))?;
        let cli = command_line(&parts[0].record.part, out, force)?;
        let inputs_sha256 = parts[0].record.part.inputs_sha256.clone();
        let cases_sha256 = parts[0].record.record.scenario_sha256.clone();
        let threads = parts.iter().map(|p| p.record.record.threads).max().unwrap_or(1);
        let wall = parts.iter().map(|p| p.record.record.wall_time_seconds).filter(|s| s.is_finite()).sum();
        let (mut folds, mut seconds) = (Vec::new(), Vec::new());
        for part in parts {
            folds.extend(part.work.0);
            seconds.extend(part.work.1);
        }
        return match cli.command {
            Command::Validate { config, calibrate, draws, shard: None } => validate::validate(
                &config,
                &calibrate,
                draws,
                None,
                Some(MergedFolds { folds, seconds, threads, wall, inputs_sha256, cases_sha256 }),
            ),
            _ => Err(CliError::Usage("the parts' command line is not a validation".into())),
        };
    }
    let parts = read_parts::<Vec<Vec<ReplicationOutcome>>>(parts).map_err(|e| usage(&e))?;
    let PartRecord { record, part } = &parts[0].record;
    if !matches!(record.command.as_str(), "run" | "compare" | "sweep") {
        return Err(CliError::Usage(format!("parts of `{}` cannot be merged", record.command)));
    }
    for p in &parts {
        let expected = p.record.part.shard.replications(p.work.len(), p.record.record.replications);
        let runs = parts[0].work.len();
        if p.work.len() != runs
            || p.work.iter().zip(&expected).any(|(w, r)| w.len() as u64 != r.end - r.start)
        {
            return Err(CliError::Usage(format!(
                "{}: its part.bin does not hold the replications of part {}",
                p.path.display(),
                p.record.part.shard
            )));
        }
    }
    let cli = command_line(part, out, force)?;
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

fn usage(e: &dyn std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

/// The parts' command line with `--out` (made absolute) and `--force`, parsed, after
/// moving to the directory the parts ran in: its paths are relative to it.
fn command_line(part: &PartInfo, out: &Path, force: bool) -> Result<Cli, CliError> {
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
    Cli::try_parse_from(&argv).map_err(|e| usage(&e))
}
