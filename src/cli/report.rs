//! `modsim report DIR`: rebuild the report and charts of an output folder from its CSV
//! files and run.json, without simulating.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::CliError;
use crate::output::{report, OutputError};

/// Rebuilds report.html, report.md and (with `charts`) charts/ in `dir`.
pub(super) fn rebuild_report(dir: &Path, charts: bool) -> Result<(), CliError> {
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
