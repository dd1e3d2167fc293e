//! `modsim report DIR`: rebuild the report and charts of an output folder from its CSV
//! files and run.json, without simulating.

use std::io::Write;
use std::path::Path;

use super::CliError;
use crate::output::{folder, report, OutputFolder};

/// Rebuilds report.html, report.md and (with `charts`) charts/ in `dir`.
pub(super) fn rebuild_report(dir: &Path, charts: bool) -> Result<(), CliError> {
    // A run killed in the middle of its swap may have left the folder hidden.
    folder::recover(dir)?;
    if !dir.join("run.json").is_file() {
        return Err(CliError::Usage(format!(
            "{} is not a modsim output folder (it has no run.json)",
            dir.display()
        )));
    }
    // The new version of the folder is staged beside it (its other files linked, not
    // copied) and swapped in whole: a failure, a full disk included, leaves the folder
    // as it was, never old and new charts mixed.
    let replaced: &[&str] =
        if charts { &["report.html", "report.md", "charts"] } else { &["report.html", "report.md"] };
    let staged = OutputFolder::update(dir, replaced)?;
    let files = report::build(&|file| staged.open(file), charts)?;
    for f in &files {
        staged.write(&f.path, &f.bytes)?;
    }
    staged.commit()?;
    let mut stdout = std::io::stdout().lock();
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    writeln!(stdout, "wrote {}: {}", dir.display(), names.join(", "))?;
    Ok(())
}
