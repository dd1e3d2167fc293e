//! Errors of a `[[variants]]` entry, told against the file as written: a variant is
//! validated on the text its overrides make, whose lines are not the file's, so each of
//! its problems is moved to the variant's entry (the override that caused it where it
//! can be told, otherwise the variant's name) and names the variant.

use std::ops::Range;
use std::path::Path;

use super::diagnostic::{Diagnostic, Lines};
use super::{ScenarioError, Severity, VariantSpec};

/// The diagnostics of `error`, met while loading variant `index` (`spec`) of the file
/// at `path` whose text is `text`; an error that is not about the scenario's content
/// (a file that cannot be read) comes back unchanged.
pub(super) fn located(
    path: &Path,
    text: &str,
    index: usize,
    spec: &VariantSpec,
    error: ScenarioError,
) -> Result<Vec<Diagnostic>, ScenarioError> {
    let origin = path.display().to_string();
    let doc = text.parse::<toml_edit::Document<String>>().ok();
    let lines = Lines::new(text);
    let entry = doc.as_ref().and_then(|d| d.get("variants")).and_then(|v| v.get(index));
    let span_of = |override_path: Option<&str>| -> Option<Range<usize>> {
        let entry = entry?;
        override_path
            .and_then(|p| entry.get("set").and_then(|s| s.get(p)).and_then(|v| v.span()))
            .or_else(|| entry.get("name").and_then(|n| n.span()))
            .or_else(|| entry.span())
    };
    let variant = &spec.name;
    match error {
        ScenarioError::Override { source, .. } => {
            let own = spec.overrides.iter().find(|o| o.to_string() == source.override_);
            Ok(vec![Diagnostic::new(
                Severity::Error,
                &origin,
                &lines,
                span_of(own.map(|o| o.path.as_str())),
                format!("variants[{index}].set"),
                format!("variant `{variant}`: cannot apply `{}`: {}", source.override_, source.message),
                source.help,
            )])
        }
        ScenarioError::Invalid { diagnostics } => Ok(diagnostics
            .into_iter()
            .map(|d| {
                let cause = cause_of(spec, &d.key);
                Diagnostic::new(
                    d.severity,
                    &origin,
                    &lines,
                    span_of(cause),
                    d.key,
                    format!("in variant `{variant}`: {}", d.message),
                    d.help,
                )
            })
            .collect()),
        other => Err(other),
    }
}

/// The path of the variant's override that a problem at `key` comes from: the one
/// whose path is `key` or a table around it, or the only one the variant has.
fn cause_of<'a>(spec: &'a VariantSpec, key: &str) -> Option<&'a str> {
    let within =
        |path: &str| key == path || key.strip_prefix(path).is_some_and(|rest| rest.starts_with(['.', '[']));
    match spec.overrides.iter().find(|o| within(&o.path)) {
        Some(o) => Some(&o.path),
        None if spec.overrides.len() == 1 => Some(&spec.overrides[0].path),
        None => None,
    }
}
