//! Partial folders and their merge. A shard (`--shard K/N`) writes a folder holding a
//! run.json that says which part it is and how to make the whole (the command line,
//! the directory it ran in, the scenarios' SHA-256, the seed), and `part.bin`: its
//! share of the work, encoded with postcard (floats exactly as computed).
//! `write_part` writes one; `modsim merge` reads the parts, checks that they belong together and that each
//! is there exactly once, and hands the work back to the command, which writes the
//! folder a one-machine run would have written.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::experiment::shard::Shard;
use crate::model::ReplicationOutcome;
use crate::output::tables::RunRecord;
use crate::output::{OutputError, OutputFolder};

/// The file of a part's work.
pub const PART_DATA: &str = "part.bin";
/// A part folder's files.
pub const PART_FILES: [&str; 2] = ["run.json", PART_DATA];

/// What run.json's `part` says: which part, and how to make the whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartInfo {
    pub shard: Shard,
    /// The command line without `--shard`, `--out` and `--force` (a merge runs it).
    pub argv: Vec<String>,
    /// Where it ran: the command line's paths are relative to it.
    pub cwd: String,
    /// SHA-256 of input files beyond the scenarios (a calibration file), if any.
    #[serde(default)]
    pub inputs_sha256: Vec<String>,
}

/// run.json of a part: the record the whole would have (its timing that of the part)
/// and the part's facts.
#[derive(Debug, Serialize, Deserialize)]
pub struct PartRecord {
    #[serde(flatten)]
    pub record: RunRecord,
    pub part: PartInfo,
}

/// Why parts cannot be merged; nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{}: cannot read it as a part of a modsim run: {reason}", path.display())]
    NotAPart { path: PathBuf, reason: String },
    #[error("{} and {} are parts of different runs: their {what} differ", first.display(), other.display())]
    Mismatch { first: PathBuf, other: PathBuf, what: &'static str },
    #[error("part {index} of {count} is given twice: {} and {}", first.display(), second.display())]
    Duplicate { index: u64, count: u64, first: PathBuf, second: PathBuf },
    #[error("parts {} of {count} are missing (each part must be given exactly once)", missing.iter().map(u64::to_string).collect::<Vec<_>>().join(", "))]
    Missing { missing: Vec<u64>, count: u64 },
    #[error("no parts given")]
    Empty,
}

/// A part read back: its record and its work.
pub struct Part<T> {
    pub path: PathBuf,
    pub record: PartRecord,
    pub work: T,
}

/// Writes a part's work (`part.bin`) and its run.json into `folder`, then moves the
/// folder into place; returns where it is.
pub fn write_part<T: Serialize>(
    folder: OutputFolder,
    run_json: &[u8],
    work: &T,
) -> Result<PathBuf, OutputError> {
    let bytes = postcard::to_stdvec(work).map_err(|e| OutputError::Io {
        path: PathBuf::from(PART_DATA),
        source: std::io::Error::other(e.to_string()),
    })?;
    folder.write(PART_DATA, &bytes)?;
    folder.write("run.json", run_json)?;
    folder.commit()
}

/// The command a part folder belongs to (run, compare, sweep or validate).
pub fn command_of(path: &Path) -> Result<String, MergeError> {
    let not = |reason: String| MergeError::NotAPart { path: path.to_owned(), reason };
    let json = std::fs::read(path.join("run.json")).map_err(|e| not(format!("run.json: {e}")))?;
    let record: PartRecord =
        serde_json::from_slice(&json).map_err(|e| not(format!("run.json has no part of a shard ({e})")))?;
    Ok(record.record.command)
}

fn read_part<T: DeserializeOwned>(path: &Path) -> Result<Part<T>, MergeError> {
    let not = |reason: String| MergeError::NotAPart { path: path.to_owned(), reason };
    let json = std::fs::read(path.join("run.json")).map_err(|e| not(format!("run.json: {e}")))?;
    let record: PartRecord =
        serde_json::from_slice(&json).map_err(|e| not(format!("run.json has no part of a shard ({e})")))?;
    let bytes = std::fs::read(path.join(PART_DATA)).map_err(|e| not(format!("{PART_DATA}: {e}")))?;
    let work = postcard::from_bytes(&bytes).map_err(|e| not(format!("{PART_DATA} does not decode ({e})")))?;
    Ok(Part { path: path.to_owned(), record, work })
}

/// The SHA-256 of each run's posterior file, if it has one.
pub fn posteriors(record: &RunRecord) -> Vec<Option<String>> {
    record.runs.iter().map(|r| r.posterior.as_ref().map(|p| p.sha256.clone())).collect()
}

/// The parts at `paths`, in shard order, once each checked to belong to one run
/// (same version, command line, directory, scenarios and their SHA-256, overrides,
/// seed, replications and number of parts) and all present exactly once.
pub fn read_parts<T: DeserializeOwned>(paths: &[PathBuf]) -> Result<Vec<Part<T>>, MergeError> {
    let mut parts: Vec<Part<T>> = paths.iter().map(|p| read_part(p)).collect::<Result<_, _>>()?;
    let Some(first) = parts.first() else { return Err(MergeError::Empty) };
    let same = |a: &PartRecord, b: &PartRecord| -> Option<&'static str> {
        let (x, y) = (&a.record, &b.record);
        [
            (x.modsim_version == y.modsim_version, "modsim versions"),
            (x.command == y.command, "commands"),
            (a.part.argv == b.part.argv, "command lines"),
            (a.part.cwd == b.part.cwd, "working directories"),
            (a.part.inputs_sha256 == b.part.inputs_sha256, "input files (SHA-256)"),
            (x.scenario_files == y.scenario_files, "scenario files"),
            (x.scenario_sha256 == y.scenario_sha256, "scenario contents (SHA-256)"),
            (x.overrides == y.overrides, "overrides"),
            (posteriors(x) == posteriors(y), "posteriors (SHA-256)"),
            (x.seed == y.seed, "seeds"),
            (x.replications == y.replications, "replications"),
            (a.part.shard.count == b.part.shard.count, "numbers of parts"),
        ]
        .into_iter()
        .find(|(equal, _)| !equal)
        .map(|(_, what)| what)
    };
    for other in &parts[1..] {
        if let Some(what) = same(&first.record, &other.record) {
            return Err(MergeError::Mismatch { first: first.path.clone(), other: other.path.clone(), what });
        }
    }
    let count = first.record.part.shard.count;
    if let Some(bad) = parts.iter().find(|p| !(1..=count).contains(&p.record.part.shard.index)) {
        return Err(MergeError::NotAPart {
            path: bad.path.clone(),
            reason: format!("it says it is part {} of {count}", bad.record.part.shard.index),
        });
    }
    parts.sort_by_key(|p| p.record.part.shard.index);
    for pair in parts.windows(2) {
        if pair[0].record.part.shard.index == pair[1].record.part.shard.index {
            return Err(MergeError::Duplicate {
                index: pair[0].record.part.shard.index,
                count,
                first: pair[0].path.clone(),
                second: pair[1].path.clone(),
            });
        }
    }
    let missing: Vec<u64> =
        (1..=count).filter(|k| !parts.iter().any(|p| p.record.part.shard.index == *k)).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { missing, count });
    }
    Ok(parts)
}

/// The work of every part of a run, compare or sweep, put together for the command to
/// finish as if it had computed it.
#[derive(Debug)]
pub struct MergedRuns {
    /// Each run's replications, in order; taken once by the plan that finishes them.
    outcomes: Mutex<Option<Vec<Vec<ReplicationOutcome>>>>,
    /// The scenarios' and the posteriors' SHA-256 when the parts ran.
    pub scenario_sha256: Vec<String>,
    pub posterior_sha256: Vec<Option<String>>,
    /// The most threads a part used, and the parts' wall times added up.
    pub threads: usize,
    pub wall_time: Duration,
}

impl MergedRuns {
    /// The parts' replications, run by run, in shard order (which is replication order).
    pub fn of(parts: Vec<Part<Vec<Vec<ReplicationOutcome>>>>) -> MergedRuns {
        let scenario_sha256 = parts[0].record.record.scenario_sha256.clone();
        let posterior_sha256 = posteriors(&parts[0].record.record);
        let threads = parts.iter().map(|p| p.record.record.threads).max().unwrap_or(1);
        let seconds: f64 =
            parts.iter().map(|p| p.record.record.wall_time_seconds).filter(|s| s.is_finite()).sum();
        // Only reported; a damaged figure must not stop the merge.
        let wall_time = Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or_default();
        let mut outcomes: Vec<Vec<ReplicationOutcome>> = Vec::new();
        for part in parts {
            for (run, work) in part.work.into_iter().enumerate() {
                if outcomes.len() <= run {
                    outcomes.push(Vec::new());
                }
                outcomes[run].extend(work);
            }
        }
        MergedRuns {
            outcomes: Mutex::new(Some(outcomes)),
            scenario_sha256,
            posterior_sha256,
            threads,
            wall_time,
        }
    }

    /// The replications, once.
    pub fn take(&self) -> Option<Vec<Vec<ReplicationOutcome>>> {
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}
