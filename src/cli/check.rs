//! `modsim check`: validate scenario files.

use std::io::Write;
use std::path::PathBuf;

use super::{load_with, CliError};

/// Loads every file, printing `ok` or its diagnostics; fails if any is invalid.
pub(super) fn check(paths: &[PathBuf]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    if let [path] = paths {
        load_with(path, &[])?;
        writeln!(stdout, "{}: ok", path.display())?;
        return Ok(());
    }
    let mut invalid = 0;
    for path in paths {
        match load_with(path, &[]) {
            Ok(_) => writeln!(stdout, "{}: ok", path.display())?,
            Err(e) => {
                eprintln!("{}", e.render());
                invalid += 1;
            }
        }
    }
    if invalid == 0 {
        Ok(())
    } else {
        Err(CliError::Usage(format!("{invalid} of {} scenario files are invalid", paths.len())))
    }
}
