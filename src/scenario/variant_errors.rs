//! Errors of a `[[variants]]` entry, told against the file as written: a variant is
//! validated on the text its overrides make, whose lines are not the file's, so each of
//! its problems is moved to the variant's entry (the override that caused it where it
//! can be told, otherwise the variant's name) and names the variant.

use std::ops::Range;
use std::path::Path;

use super::diagnostic::{Diagnostic, Lines};
use super::overrides::{path_within, Change};
use super::{Override, ScenarioError, Severity, VariantSpec};

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
    // A set is found by its key in `set`, an unset by its text in `unset`.
    let span_of = |cause: Option<&Override>| -> Option<Range<usize>> {
        let entry = entry?;
        let written = |o: &Override| match o.change {
            Change::Set(_) => entry.get("set").and_then(|s| s.get(&o.path)).and_then(|v| v.span()),
            Change::Unset => entry
                .get("unset")
                .and_then(|u| u.as_array())
                .and_then(|a| a.iter().find(|p| p.as_str() == Some(o.path.as_str())))
                .and_then(|v| v.span()),
        };
        cause.and_then(written).or_else(|| entry.get("name").and_then(|n| n.span())).or_else(|| entry.span())
    };
    let variant = &spec.name;
    match error {
        ScenarioError::Override { source, .. } => {
            let own = spec.overrides.iter().find(|o| o.to_string() == source.override_);
            let table = if own.is_some_and(|o| o.change == Change::Unset) { "unset" } else { "set" };
            Ok(vec![Diagnostic::new(
                Severity::Error,
                &origin,
                &lines,
                span_of(own),
                format!("variants[{index}].{table}"),
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
fn cause_of<'a>(spec: &'a VariantSpec, key: &str) -> Option<&'a Override> {
    match spec.overrides.iter().find(|o| path_within(key, &o.path)) {
        Some(o) => Some(o),
        None if spec.overrides.len() == 1 => Some(&spec.overrides[0]),
        None => None,
    }
}
