//! `modsim completions SHELL` and `modsim man`: shell completion scripts and man pages,
//! generated from the same command definition that parses the arguments.

use std::io::Write;
use std::path::Path;

use super::args;
use super::CliError;

/// Prints the completion script of `shell`.
pub(super) fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut command = args::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "modsim", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(())
}

/// Prints modsim(1), or with `dir` writes it there with a page per command
/// (modsim-run.1, ...), as git and cargo have them.
pub(super) fn man(dir: Option<&Path>) -> Result<(), CliError> {
    let command = args::command();
    let Some(dir) = dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        std::io::stdout().lock().write_all(&page)?;
        return Ok(());
    };
    if !dir.is_dir() {
        return Err(CliError::Usage(format!("{} is not a folder", dir.display())));
    }
    clap_mangen::generate_to(command, dir)
        .map_err(|e| CliError::Usage(format!("cannot write the man pages to {}: {e}", dir.display())))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "wrote the man pages to {} (man {}/modsim.1)", dir.display(), dir.display())?;
    Ok(())
}
