//! `modsim run --reproduce run.json`: the same scenario text, overrides, seed and
//! replications, then a byte-for-byte check of the tables against those beside the
//! record (when they are still there).

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::Digest;

use super::args::{check_work, ExperimentArgs};
use super::run::run_plan;
use super::{load_with, CliError};
use crate::experiment::RunConfig;
use crate::output::publish::TABLES;
use crate::output::tables::RunRecord;
use crate::output::Plan;
use crate::scenario::Override;

/// Reruns the `run` recorded at `record_path`; of `args` only the output options
/// (`--out`, `--threads`, `--force`, `--no-charts`) apply.
pub(super) fn reproduce(record_path: &Path, args: &ExperimentArgs) -> Result<(), CliError> {
    let record = read_record(record_path)?;
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
            short_hash(hash),
            short_hash(&now_hash)
        )));
    }
    let overrides: Vec<Override> =
        record.overrides.iter().map(|o| o.parse().map_err(CliError::Usage)).collect::<Result<_, _>>()?;
    let runs = vec![("baseline".to_string(), load_with(&scenario_path, &overrides)?)];
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
    };
    run_plan(&plan)?;
    // Compare with the tables beside the record, if they are there.
    let original = record_path.parent().unwrap_or(Path::new("."));
    let mut stdout = std::io::stdout().lock();
    let mut compared = 0;
    for file in TABLES {
        let Ok(before) = std::fs::read(original.join(file)) else { continue };
        let after = std::fs::read(plan.target.join(file)).unwrap_or_default();
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

/// Reads a run.json that this modsim can rerun: a `run` made by the same version.
fn read_record(record_path: &Path) -> Result<RunRecord, CliError> {
    let text = std::fs::read_to_string(record_path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", record_path.display())))?;
    let record: RunRecord = serde_json::from_str(&text)
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
