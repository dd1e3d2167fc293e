//! A calibration's checkpoint file (`calibrate --checkpoint FILE`): where the sampler
//! stands between two batches, which calibration it belongs to, and the work's timings,
//! encoded with postcard (floats exactly as computed). One-machine runs save it after
//! every batch and go on from it when restarted; shards (`--shard K/N`) read it to know
//! which batch to split, and `modsim merge` of their parts absorbs the batch and writes
//! it anew. Its SHA-256 names it: a part records the checkpoint it was computed from,
//! and a merge refuses parts of any other.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::experiment::abc::{Batch, Checkpoint, Proposal};
use crate::output::OutputError;

/// The contents of a checkpoint file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationCheckpoint {
    /// SHA-256 of the calibration file and of each case, as run.json records them.
    pub config_sha256: String,
    pub cases_sha256: Vec<String>,
    pub sampler: Checkpoint,
    /// Seconds of work of each finished generation, and of the one underway (a sharded
    /// batch counts its parts' wall times added up).
    pub generation_seconds: Vec<f64>,
    pub underway_seconds: f64,
    /// The most worker threads any batch used.
    pub threads: usize,
    /// The sampler has stopped and the calibration's folder is written.
    pub finished: bool,
}

/// A shard's share of one batch: which checkpoint and batch, and its proposals.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CalibrationPart {
    /// The SHA-256 of the checkpoint the batch comes from.
    pub checkpoint_sha256: String,
    pub batch: Batch,
    /// The proposals of the shard's slice of the batch, in index order.
    pub proposals: Vec<Proposal>,
}

impl CalibrationCheckpoint {
    fn encode(&self) -> Result<Vec<u8>, OutputError> {
        postcard::to_stdvec(self).map_err(|e| OutputError::Io {
            path: PathBuf::from("checkpoint"),
            source: std::io::Error::other(e.to_string()),
        })
    }

    /// The SHA-256 of its encoding: the same for the file and for the state read back.
    pub fn sha256(&self) -> Result<String, OutputError> {
        Ok(format!("{:x}", sha2::Sha256::digest(self.encode()?)))
    }

    /// Reads `path`; `None` if there is no such file yet.
    pub fn read(path: &Path) -> Result<Option<CalibrationCheckpoint>, OutputError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(OutputError::Io { path: path.to_owned(), source }),
        };
        postcard::from_bytes(&bytes).map(Some).map_err(|e| OutputError::Io {
            path: path.to_owned(),
            source: std::io::Error::other(format!("not a modsim calibration checkpoint ({e})")),
        })
    }

    /// Writes `path` whole or not at all (a file beside it, then a rename), so that a
    /// killed merge leaves the last checkpoint intact.
    pub fn write(&self, path: &Path) -> Result<(), OutputError> {
        let io = |source| OutputError::Io { path: path.to_owned(), source };
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".partial-{}", std::process::id()));
        let partial = path.with_file_name(name);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&partial, self.encode()?).map_err(io)?;
        std::fs::rename(&partial, path).map_err(|source| {
            let _ = std::fs::remove_file(&partial);
            io(source)
        })
    }
}
