//! `modsim run --reproduce run.json`: the same scenario text, overrides, seed and
//! replications, rerun into a fresh folder, then a byte-for-byte check of the tables
//! against those beside the record (when they are still there). The output folder may
//! not be, or hold, the recorded run: the evidence is never overwritten, and never
//! compared with itself.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::Digest;

use super::args::{check_work, ExperimentArgs};
use super::run::run_plan;
use super::{load_with, CliError};
use crate::experiment::RunConfig;
use crate::output::publish::TABLES;
use crate::output::tables::RunRecord;
use crate::output::{report, Plan};
use crate::scenario::{LoadedScenario, Override, Parameter};

/// Reruns the `run` recorded at `record_path`; of `args` only the output options
/// (`--out`, `--threads`, `--force`, `--no-charts`) apply.
pub(super) fn reproduce(record_path: &Path, args: &ExperimentArgs) -> Result<(), CliError> {
    let record = read_record(record_path)?;
    let (Some(file), Some(hash)) = (record.scenario_files.first(), record.scenario_sha256.first()) else {
        return Err(CliError::Usage(format!("{} names no scenario file", record_path.display())));
    };
    let scenario_path = PathBuf::from(file);
    // Read like any scenario file: at most 10 MiB, so a record naming a device
    // cannot make modsim read without end.
    let now = crate::scenario::read_text(&scenario_path)
        .map_err(|e| CliError::NotReproduced(format!("cannot read the recorded scenario: {e}")))?;
    let now_hash = format!("{:x}", sha2::Sha256::digest(now.as_bytes()));
    if &now_hash != hash {
        return Err(CliError::NotReproduced(format!(
            "{file} has changed since the run (SHA-256 {} then, {} now); restore the file as it was to reproduce the run",
            short_hash(hash),
            short_hash(&now_hash)
        )));
    }
    let overrides: Vec<Override> =
        record.overrides.iter().map(|o| o.parse().map_err(CliError::Usage)).collect::<Result<_, _>>()?;
    let loaded = load_with(&scenario_path, &overrides)?;
    check_posterior(&record, &loaded)?;
    check_parameters(record_path, &record.parameters, &loaded.described_parameters())?;
    let runs = vec![("baseline".to_string(), loaded)];
    let mut config =
        RunConfig { replications: record.replications, seed: record.seed, threads: args.threads };
    check_work(&runs, &mut config, None)?;
    let stem = scenario_path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let plan = Plan {
        command: "run",
        runs,
        target: args.out.clone().unwrap_or_else(|| Path::new("output").join(format!("{stem}-reproduced"))),
        config,
        precision: None,
        overrides: overrides.iter().map(Override::to_string).collect(),
        force: args.force,
        charts: !args.no_charts,
        shard: None,
        merged: None,
    };
    let original = match record_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if holds(&plan.target, original) {
        return Err(CliError::Usage(format!(
            "--out {} holds the run being reproduced ({}); reproducing into it would replace the tables it is checked against; choose another --out",
            plan.target.display(),
            record_path.display()
        )));
    }
    run_plan(&plan)?;
    // Compare with the tables beside the record, if they are there.
    let mut stdout = std::io::stdout().lock();
    let mut compared = 0;
    let mut missing = Vec::new();
    for file in TABLES {
        let Ok(before) = std::fs::read(original.join(file)) else {
            missing.push(file);
            continue;
        };
        let after = std::fs::read(plan.target.join(file)).unwrap_or_default();
        if before != after {
            return Err(CliError::NotReproduced(format!(
                "{file} differs from {}: the run did not reproduce",
                original.join(file).display()
            )));
        }
        compared += 1;
    }
    if compared == 0 {
        writeln!(
            stdout,
            "not compared: {} holds none of the run's tables, so the rerun in {} was not checked against them",
            original.display(),
            plan.target.display()
        )?;
    } else if missing.is_empty() {
        writeln!(stdout, "reproduced: {compared} tables byte-identical to those in {}", original.display())?;
    } else {
        writeln!(
            stdout,
            "reproduced: {compared} tables byte-identical to those in {} ({} not there to compare)",
            original.display(),
            missing.join(", ")
        )?;
    }
    Ok(())
}

/// Whether replacing the folder `target` would replace `dir`: it is `dir` or holds it.
fn holds(target: &Path, dir: &Path) -> bool {
    let Ok(dir) = std::fs::canonicalize(dir) else { return false };
    // The target need not exist yet; its parent must, for it to hold anything.
    let target = match std::fs::canonicalize(target) {
        Ok(t) => t,
        Err(_) => match (target.parent(), target.file_name()) {
            (Some(parent), Some(name)) => {
                let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
                match std::fs::canonicalize(parent) {
                    Ok(p) => p.join(name),
                    Err(_) => return false,
                }
            }
            _ => return false,
        },
    };
    dir.starts_with(target)
}

/// Fails if the posterior the run drew its parameters from is not the one the scenario
/// now reads (its file has changed since the run).
fn check_posterior(record: &RunRecord, loaded: &LoadedScenario) -> Result<(), CliError> {
    let then = record.runs.first().and_then(|r| r.posterior.as_ref());
    let now = loaded.posterior.as_ref();
    match (then, now) {
        (None, None) => Ok(()),
        (Some(t), Some(n)) if t.sha256 == n.sha256 => Ok(()),
        (Some(t), Some(n)) => Err(CliError::NotReproduced(format!(
            "the posterior {} has changed since the run (SHA-256 {} then, {} now); restore the file as it was to reproduce the run",
            n.path.display(),
            short_hash(&t.sha256),
            short_hash(&n.sha256)
        ))),
        (Some(t), None) => Err(CliError::NotReproduced(format!(
            "the run drew its parameters from the posterior {}, which the scenario no longer names",
            t.file
        ))),
        (None, Some(n)) => Err(CliError::NotReproduced(format!(
            "the scenario draws its parameters from the posterior {}, which run.json does not record; it was made by another modsim",
            n.file
        ))),
    }
}

/// Fails if run.json's parameters are not those of the scenario and overrides it
/// names: the record was edited, and a rerun would not be the run it describes.
fn check_parameters(record_path: &Path, recorded: &[Parameter], now: &[Parameter]) -> Result<(), CliError> {
    // Records without parameters (older ones) have nothing to check.
    if recorded.is_empty() || recorded == now {
        return Ok(());
    }
    let difference = recorded
        .iter()
        .zip(now)
        .find(|(r, n)| r != n)
        .map(|(r, n)| {
            if r.path == n.path {
                format!("{} is {} there, {} in the scenario", r.path, r.value, n.value)
            } else {
                format!("{} there, {} in the scenario", r.path, n.path)
            }
        })
        .unwrap_or_else(|| format!("{} parameters there, {} in the scenario", recorded.len(), now.len()));
    Err(CliError::NotReproduced(format!(
        "{} records parameters that its scenario and overrides do not give ({difference}); run.json was edited, so the run it describes cannot be reproduced",
        record_path.display()
    )))
}

/// Reads a run.json that this modsim can rerun: a `run` made by the same version.
fn read_record(record_path: &Path) -> Result<RunRecord, CliError> {
    // The report's reader: bounded, and it checks what a run needs.
    let file = std::fs::File::open(record_path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", record_path.display())))?;
    let record = report::data::read_record(Box::new(file))
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
    Ok(record)
}

/// The first 12 characters of a hash (all of a shorter one: run.json is user input).
fn short_hash(hash: &str) -> &str {
    hash.char_indices().nth(12).map_or(hash, |(i, _)| &hash[..i])
}
