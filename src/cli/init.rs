//! `modsim init`: writes an annotated starting scenario, and the JSON Schema beside it
//! that the scenario's first line (`#:schema ./modsim.schema.json`) points editors at.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::CliError;
use crate::scenario;

/// The starting scenario; `{file}` stands for the path it is written to.
const TEMPLATE: &str = include_str!("init.toml");

/// The schema file the template's first line names, written beside the scenario.
pub(super) const SCHEMA_FILE: &str = "modsim.schema.json";

/// The starting scenario as written to `path`.
pub(super) fn template(path: &Path) -> String {
    TEMPLATE.replace("{file}", &path.display().to_string())
}

/// Writes the starting scenario to `path` (refusing to replace a file without
/// `force`) and the schema beside it unless one is there (or with `force`).
pub(super) fn init(path: &Path, force: bool) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::Usage(format!(
            "{} is a folder; give the scenario file to write, such as {}",
            path.display(),
            path.join("scenario.toml").display()
        )));
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(CliError::Usage(format!(
            "cannot write {}: folder {} does not exist",
            path.display(),
            folder.display()
        )));
    }
    if path.exists() && !force {
        return Err(CliError::Usage(format!(
            "{} exists; modsim init does not replace a file (--force replaces it)",
            path.display()
        )));
    }
    let write = |to: &Path, text: &str| {
        std::fs::write(to, text).map_err(|e| CliError::Usage(format!("cannot write {}: {e}", to.display())))
    };
    write(path, &template(path))?;
    let schema = path.with_file_name(SCHEMA_FILE);
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "wrote {}: a starting scenario, every key explained in its comments", path.display())?;
    if schema.exists() && !force {
        writeln!(stdout, "kept {} (modsim schema > {} refreshes it)", schema.display(), schema.display())?;
    } else {
        let mut text = serde_json::to_string_pretty(&scenario::scenario_schema()).unwrap_or_default();
        text.push('\n');
        write(&schema, &text)?;
        writeln!(stdout, "wrote {}: the JSON Schema editors check the scenario against", schema.display())?;
    }
    writeln!(stdout, "next: modsim check {0}, then modsim run {0}", path.display())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_a_valid_scenario_with_variants() {
        let text = template(Path::new("my.toml"));
        assert!(text.starts_with("#:schema ./modsim.schema.json\n"), "{text}");
        assert!(text.contains("modsim run    my.toml"), "{text}");
        let (s, warnings) = scenario::parse(&text, "my.toml").unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(s.replications, 1000);
        assert_eq!(s.variants.len(), 2);
    }
}
