//! Output folders that appear whole or not at all.
//!
//! Files are written into a temporary folder beside the target and renamed into place
//! at the end, so a failed or interrupted run leaves the previous results intact. A
//! target that exists and was not made by modsim (it has no run.json) is never touched.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} exists and was not made by modsim (it has no run.json); choose another --out, or add --force to replace it", path.display())]
    ForeignFolder { path: PathBuf },
    #[error("cannot encode {file}: {source}")]
    Csv { file: &'static str, source: csv::Error },
}

/// A folder being filled; `commit` moves it into place.
pub struct OutputFolder {
    target: PathBuf,
    staging: PathBuf,
    /// Replace the target even if modsim did not make it (`--force`).
    force: bool,
    committed: bool,
}

impl OutputFolder {
    /// Starts a folder that will replace `target`. A target that modsim did not make is
    /// refused unless `force`.
    pub fn create(target: &Path, force: bool) -> Result<OutputFolder, OutputError> {
        if target.exists() && !force && !target.join("run.json").is_file() {
            return Err(OutputError::ForeignFolder { path: target.to_owned() });
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().map_or("output".into(), |n| n.to_string_lossy().into_owned());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        let io_err = |path: &Path| {
            let path = path.to_owned();
            move |source| OutputError::Io { path, source }
        };
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        fs::create_dir(&staging).map_err(io_err(&staging))?;
        Ok(OutputFolder { target: target.to_owned(), staging, force, committed: false })
    }

    /// Writes `file` (a path relative to the folder; subfolders are made as needed).
    pub fn write(&self, file: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.staging.join(file);
        let err = |source| OutputError::Io { path: self.target.join(file), source };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(err)?;
        }
        fs::write(&path, bytes).map_err(err)
    }

    /// Streams a CSV table into `file`.
    pub fn write_table(
        &self,
        file: &'static str,
        table: impl FnOnce(&mut dyn io::Write) -> csv::Result<()>,
    ) -> Result<(), OutputError> {
        let path = self.staging.join(file);
        let f = fs::File::create(&path)
            .map_err(|source| OutputError::Io { path: self.target.join(file), source })?;
        let mut out = io::BufWriter::new(f);
        table(&mut out).map_err(|source| OutputError::Csv { file, source })?;
        io::Write::flush(&mut out).map_err(|source| OutputError::Io { path: self.target.join(file), source })
    }

    /// Opens a file written so far, for reading.
    pub fn open(&self, file: &str) -> Option<Box<dyn io::Read>> {
        let f = fs::File::open(self.staging.join(file)).ok()?;
        Some(Box::new(io::BufReader::new(f)))
    }

    /// Replaces the target with the finished folder.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let io_err = |path: &Path| {
            let path = path.to_owned();
            move |source| OutputError::Io { path, source }
        };
        if self.target.exists() {
            // Checked again: the folder may have appeared while we ran.
            if !self.force && !self.target.join("run.json").is_file() {
                return Err(OutputError::ForeignFolder { path: self.target.clone() });
            }
            // Swap rather than delete first, so the old results exist until the new
            // ones are in place.
            let old = self.staging.with_extension("previous");
            fs::rename(&self.target, &old).map_err(io_err(&self.target))?;
            fs::rename(&self.staging, &self.target).map_err(io_err(&self.target))?;
            fs::remove_dir_all(&old).map_err(io_err(&old))?;
        } else {
            fs::rename(&self.staging, &self.target).map_err(io_err(&self.target))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}
