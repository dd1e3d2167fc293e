//! Scenario files: read, apply overrides, parse TOML, validate, and lower into the
//! domain types of `domain.rs`.
//!
//! Two stages, as in ripgrep's argument handling: `raw.rs` mirrors the file and only
//! checks types; `lower/` checks meaning (ranges, references, units) and builds a
//! [`Scenario`]. The engine and the model never see a raw struct. This file holds the
//! entry points (`load`, `load_with`, `load_variants`, `parse`, `parse_with`);
//! `template.rs` builds many scenarios from one file read once.

mod diagnostic;
mod domain;
mod lifting;
mod lower;
pub mod money;
pub mod overrides;
mod parameters;
mod playbook;
mod posterior;
mod raw;
mod schema;
mod schema_forms;
pub mod sources;
mod spread;
mod template;
pub mod units;
mod value_form;
mod variant_errors;

use std::path::{Path, PathBuf};

pub(crate) use diagnostic::Lines;
pub use diagnostic::{Diagnostic, Severity};
pub use domain::*;
pub use lifting::*;
pub use money::{money_warnings, Money, MoneyWarning, Unpriced};
pub use overrides::{Change, Override, OverrideError};
pub use parameters::Parameter;
pub use playbook::*;
pub use posterior::{ParticleScenarios, Posterior, PosteriorSpec, PosteriorTarget, MAX_PARTICLES};
pub use schema::scenario_schema;
pub use sources::{Origin, Source, SourceKind};
pub use spread::spread_warnings;
pub use template::Template;
pub use value_form::{duration_form, value_text, Form};

/// A scenario read from a file, with the text it came from (for hashing and reports)
/// and the overrides applied to it.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    pub path: PathBuf,
    /// The file's text, before overrides.
    pub text: String,
    pub scenario: Scenario,
    /// The variant this is (`None` for the file's own baseline).
    pub variant: Option<String>,
    /// Every override applied, variant's first, then the command line's.
    pub overrides: Vec<Override>,
    /// Legal but suspicious setups.
    pub warnings: Vec<Diagnostic>,
    /// The posterior each replication draws its parameters from (`[posterior]`).
    pub posterior: Option<Posterior>,
}

impl LoadedScenario {
    /// "baseline", the variant's name, or the file stem when comparing files.
    pub fn label(&self) -> String {
        self.variant.clone().unwrap_or_else(|| "baseline".to_owned())
    }

    /// With a posterior: one scenario per distinct particle (its values written first,
    /// then this scenario's overrides), and the index of each particle's scenario.
    pub fn particle_scenarios(&self) -> Result<Option<ParticleScenarios>, ScenarioError> {
        let Some(p) = &self.posterior else { return Ok(None) };
        posterior::particle_scenarios(&self.path, &self.text, p, &self.overrides).map(Some)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is {}; a scenario file is at most {} bytes (10 MiB)", path.display(), size_of(*bytes), MAX_FILE_BYTES)]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("{} is not UTF-8 text (byte {offset} is not valid)", path.display())]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{}", diagnostic::render_all(diagnostics))]
    Invalid { diagnostics: Vec<Diagnostic> },
    #[error("{}{}: {source}", path.display(), variant.as_ref().map(|v| format!(", variant `{v}`")).unwrap_or_default())]
    Override { path: PathBuf, variant: Option<String>, source: OverrideError },
}

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    load_with(path, &[])
}

/// Reads a scenario file and applies `overrides` (from `--set`) before validation.
pub fn load_with(path: &Path, overrides: &[Override]) -> Result<LoadedScenario, ScenarioError> {
    let text = read_text(path)?;
    build(path, text, None, overrides)
}

/// A scenario from `text`, the contents of `path` read earlier (by [`read_text`]), with
/// `overrides` applied: a sweep reads its file once, so every point comes from the
/// same text even if the file changes meanwhile.
pub fn load_text_with(
    path: &Path,
    text: String,
    overrides: &[Override],
) -> Result<LoadedScenario, ScenarioError> {
    build(path, text, None, overrides)
}

/// The file's baseline followed by each of its `[[variants]]`, all with `overrides`
/// applied last (the command line wins). Every variant is validated: the problems of
/// all invalid variants come back together, each located at its variant's entry.
pub fn load_variants(path: &Path, overrides: &[Override]) -> Result<Vec<LoadedScenario>, ScenarioError> {
    let text = read_text(path)?;
    let base = build(path, text.clone(), None, overrides)?;
    let specs = base.scenario.variants.clone();
    let mut all = Vec::with_capacity(specs.len() + 1);
    all.push(base);
    let mut diagnostics = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let mut list = spec.overrides.clone();
        list.extend_from_slice(overrides);
        match build(path, text.clone(), Some(spec.name.clone()), &list) {
            Ok(loaded) => all.push(loaded),
            Err(e) => diagnostics.extend(variant_errors::located(path, &text, i, spec, e)?),
        }
    }
    if diagnostics.is_empty() {
        Ok(all)
    } else {
        Err(ScenarioError::Invalid { diagnostics })
    }
}

/// "12345678 bytes", or "larger than that" for a file read up to one byte past the
/// limit (a device or a pipe, whose size is not known in advance).
fn size_of(bytes: u64) -> String {
    if bytes == MAX_FILE_BYTES + 1 {
        format!("more than {MAX_FILE_BYTES} bytes")
    } else {
        format!("{bytes} bytes")
    }
}

/// Largest scenario file read; real ones are a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Reads a scenario file's text, refusing one over [`MAX_FILE_BYTES`] or not UTF-8.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    let size = std::fs::metadata(path)
        .map_err(|source| ScenarioError::Read { path: path.to_owned(), source })?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(ScenarioError::TooLarge { path: path.to_owned(), bytes: size });
    }
    // A device or a pipe reports no size: read at most one byte past the limit.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_FILE_BYTES + 1), &mut bytes))
        .map_err(|source| ScenarioError::Read { path: path.to_owned(), source })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ScenarioError::TooLarge { path: path.to_owned(), bytes: bytes.len() as u64 });
    }
    String::from_utf8(bytes)
        .map_err(|e| ScenarioError::NotUtf8 { path: path.to_owned(), offset: e.utf8_error().valid_up_to() })
}

fn build(
    path: &Path,
    text: String,
    variant: Option<String>,
    overrides: &[Override],
) -> Result<LoadedScenario, ScenarioError> {
    let origin = path.display().to_string();
    // The file as written must be valid on its own, so that its own errors point at
    // its own lines.
    let (scenario, warnings) = parse(&text, &origin)?;
    if overrides.is_empty() {
        let posterior = posterior_of(path, &text, &scenario, overrides)?;
        return Ok(LoadedScenario {
            path: path.to_owned(),
            text,
            scenario,
            variant,
            overrides: vec![],
            warnings,
            posterior,
        });
    }
    let changed_text = with_overrides(&text, overrides, path, &variant)?;
    let label = match &variant {
        Some(v) => format!("{origin} (variant `{v}`: {})", written(overrides)),
        None => with_label(&origin, overrides),
    };
    let (mut changed, warnings) = parse(&changed_text, &label)?;
    if variant.is_none() {
        changed.variants = scenario.variants;
    }
    let posterior = posterior_of(path, &text, &changed, overrides)?;
    Ok(LoadedScenario {
        path: path.to_owned(),
        text,
        scenario: changed,
        variant,
        overrides: overrides.to_vec(),
        warnings,
        posterior,
    })
}

/// The posterior `scenario` names, read beside `path` and checked against `text` with
/// `overrides` after each particle's values.
fn posterior_of(
    path: &Path,
    text: &str,
    scenario: &Scenario,
    overrides: &[Override],
) -> Result<Option<Posterior>, ScenarioError> {
    scenario.posterior().map(|spec| posterior::read(path, text, spec, overrides)).transpose()
}

/// Parses and validates scenario text; `origin` names it in diagnostics.
pub fn parse(text: &str, origin: &str) -> Result<(Scenario, Vec<Diagnostic>), ScenarioError> {
    lower::parse_and_lower(text, origin)
}

/// Parses and validates a scenario text with `overrides` applied, as `--set` does.
pub fn parse_with(
    text: &str,
    origin: &str,
    overrides: &[Override],
) -> Result<(Scenario, Vec<Diagnostic>), ScenarioError> {
    if overrides.is_empty() {
        return parse(text, origin);
    }
    let changed = with_overrides(text, overrides, Path::new(origin), &None)?;
    parse(&changed, &with_label(origin, overrides))
}

/// How diagnostics name a file with `overrides` applied.
fn with_label(origin: &str, overrides: &[Override]) -> String {
    format!("{origin} (with {})", written(overrides))
}

/// The overrides as `--set` writes them, comma-separated.
fn written(overrides: &[Override]) -> String {
    overrides.iter().map(Override::to_string).collect::<Vec<_>>().join(", ")
}

/// The text with `overrides` applied and the file's `[[variants]]` left out (variants
/// belong to the file, not to the scenario an override makes).
fn with_overrides(
    text: &str,
    overrides: &[Override],
    path: &Path,
    variant: &Option<String>,
) -> Result<String, ScenarioError> {
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|_| ScenarioError::Invalid { diagnostics: vec![] })?;
    doc.remove("variants");
    apply_overrides(&mut doc, overrides, path, variant)?;
    Ok(doc.to_string())
}

/// Applies `overrides` to `doc` in order; a refusal names the file and the variant.
fn apply_overrides(
    doc: &mut toml_edit::DocumentMut,
    overrides: &[Override],
    path: &Path,
    variant: &Option<String>,
) -> Result<(), ScenarioError> {
    for ov in overrides {
        overrides::apply(doc, ov).map_err(|source| ScenarioError::Override {
            path: path.to_owned(),
            variant: variant.clone(),
            source,
        })?;
    }
    Ok(())
}
