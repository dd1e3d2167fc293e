//! `modsim check`: validate scenario files.

use std::path::PathBuf;

use super::{load_with, CliError};

/// Loads every file, printing `ok` or its diagnostics; fails if any is invalid.
pub(super) fn check(paths: &[PathBuf]) -> Result<(), CliError> {
    if let [path] = paths {
        load_with(path, &[])?;
        println!("{}: ok", path.display());
        return Ok(());
    }
    let mut invalid = 0;
    for path in paths {
        match load_with(path, &[]) {
            Ok(_) => println!("{}: ok", path.display()),
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
