//! `modsim check`: validate scenario files, each with every one of its `[[variants]]`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{print_warnings, CliError};
use crate::scenario;

/// Loads every file and each of its variants, printing `ok` or its diagnostics; fails
/// if any is invalid.
pub(super) fn check(paths: &[PathBuf]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    if let [path] = paths {
        check_one(path)?;
        writeln!(stdout, "{}: ok", path.display())?;
        return Ok(());
    }
    let mut invalid = 0;
    for path in paths {
        match check_one(path) {
            Ok(()) => writeln!(stdout, "{}: ok", path.display())?,
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

/// The file and its variants; the warnings of the file as written, as `compare` prints
/// them.
fn check_one(path: &Path) -> Result<(), CliError> {
    let all = scenario::load_variants(path, &[])?;
    print_warnings(&all[0]);
    Ok(())
}
