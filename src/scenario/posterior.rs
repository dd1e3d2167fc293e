//! A scenario's `[posterior]`: the posterior.csv of a calibration, read and checked
//! against the scenario, so that each replication can take one particle's values.
//!
//! A particle's values are written at their paths exactly as `modsim calibrate` writes
//! them into a case (`value_form.rs`), before the variant's and the command line's
//! overrides. Everything is checked when the scenario is loaded: the file and its shape
//! (located in the CSV), the columns and paths (located at `[posterior]`), and the
//! heaviest particle written into the scenario. Which particle a replication draws is
//! the experiment's business (`experiment/posterior.rs`).

mod table;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::Digest;
use toml_edit::{DocumentMut, Value};

use super::diagnostic::{Diagnostic, Lines, Severity};
use super::lower::span_of;
use super::overrides::{lookup, path_within};
use super::units::parse_duration;
use super::value_form::{duration_form, value_text, Form};
use super::{parse_with, read_text, Override, Scenario, ScenarioError};
use table::parse_csv;

/// Most particles a posterior may have: each distinct particle is a scenario built
/// before the run (about 100 µs each).
pub const MAX_PARTICLES: usize = 10_000;

/// `[posterior]` as written: the file, and the override paths of each column used.
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorSpec {
    /// The posterior.csv, relative to the scenario file.
    pub file: String,
    /// Column name and the paths it sets, in the order of the names.
    pub paths: Vec<(String, Vec<String>)>,
}

/// A posterior read from its file and checked against the scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Posterior {
    /// The file as the scenario names it.
    pub file: String,
    /// Where it was read: `file` beside the scenario.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// The parameter columns, after `weight`.
    pub names: Vec<String>,
    /// One weight per particle, normalised to sum to 1.
    pub weights: Vec<f64>,
    /// One row of values per particle, in the order of `names`.
    pub particles: Vec<Vec<f64>>,
    /// Where each used column is written, in the order of `[posterior.paths]`.
    pub targets: Vec<PosteriorTarget>,
}

/// One override path a column sets.
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorTarget {
    /// Index into [`Posterior::names`].
    pub column: usize,
    pub path: String,
    pub form: Form,
    /// Where the path is written in the scenario (`posterior.paths.NAME[j]`).
    key: String,
}

impl Posterior {
    /// Effective sample size, 1 / Σ w².
    pub fn ess(&self) -> f64 {
        1.0 / self.weights.iter().map(|w| w * w).sum::<f64>()
    }

    /// The particle of largest weight (the first of several).
    pub fn heaviest(&self) -> usize {
        let mut best = 0;
        for (k, w) in self.weights.iter().enumerate() {
            if *w > self.weights[best] {
                best = k;
            }
        }
        best
    }

    /// The overrides that write particle `k`'s values into the scenario.
    pub fn overrides(&self, k: usize) -> Vec<Override> {
        let row = &self.particles[k];
        self.targets
            .iter()
            .map(|t| Override::set(t.path.clone(), value_text(t.form, row[t.column])))
            .collect()
    }

    /// Particle `k` in words: its number, weight and the values the scenario uses.
    pub fn describe(&self, k: usize) -> String {
        let mut used: Vec<usize> = self.targets.iter().map(|t| t.column).collect();
        used.dedup();
        let values: Vec<String> =
            used.iter().map(|&c| format!("{} = {}", self.names[c], self.particles[k][c])).collect();
        format!(
            "particle {} of {} (weight {:.4}): {}",
            k + 1,
            self.weights.len(),
            self.weights[k],
            values.join(", ")
        )
    }
}

/// One scenario per distinct particle (particles whose written values are the same
/// share one), and the scenario of each particle.
#[derive(Clone, Debug)]
pub struct ParticleScenarios {
    pub scenarios: Vec<Scenario>,
    /// Index into `scenarios` of each particle.
    pub of_particle: Vec<usize>,
}

/// The [`ParticleScenarios`] of `posterior` in the scenario file's `text` at `path`;
/// `overrides` come after the particle's values.
pub(super) fn particle_scenarios(
    path: &Path,
    text: &str,
    posterior: &Posterior,
    overrides: &[Override],
) -> Result<ParticleScenarios, ScenarioError> {
    let mut scenarios = Vec::new();
    let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
    let mut of_particle = Vec::with_capacity(posterior.weights.len());
    for k in 0..posterior.weights.len() {
        let written: Vec<String> = posterior.overrides(k).iter().map(Override::to_string).collect();
        let index = match seen.get(&written) {
            Some(&i) => i,
            None => {
                scenarios.push(particle_scenario(path, text, posterior, k, overrides)?);
                seen.insert(written, scenarios.len() - 1);
                scenarios.len() - 1
            }
        };
        of_particle.push(index);
    }
    Ok(ParticleScenarios { scenarios, of_particle })
}

/// The scenario particle `k` makes; a refusal is located at the path that caused it.
fn particle_scenario(
    path: &Path,
    text: &str,
    posterior: &Posterior,
    k: usize,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    let mut list = posterior.overrides(k);
    list.extend_from_slice(overrides);
    let origin = path.display().to_string();
    parse_with(text, &origin, &list).map(|(scenario, _)| scenario).map_err(|e| {
        let place = Place::new(&origin, text);
        let about = posterior.describe(k);
        let diagnostics = match e {
            ScenarioError::Invalid { diagnostics } => diagnostics
                .iter()
                .map(|d| {
                    let target = posterior.targets.iter().find(|t| path_within(&d.key, &t.path));
                    let key = target.map_or("posterior", |t| t.key.as_str());
                    place.error(key, format!("{about} does not fit the scenario: `{}`: {}", d.key, d.message))
                })
                .collect(),
            other => vec![place.error("posterior", format!("{about} does not fit the scenario: {other}"))],
        };
        ScenarioError::Invalid { diagnostics }
    })
}

/// Reads the posterior `spec` names for the scenario at `path` (whose file text is
/// `text`) and checks it: the file's shape, its columns, each path's form, and the
/// heaviest particle written into the scenario before `overrides`.
pub(super) fn read(
    path: &Path,
    text: &str,
    spec: &PosteriorSpec,
    overrides: &[Override],
) -> Result<Posterior, ScenarioError> {
    let origin = path.display().to_string();
    let place = Place::new(&origin, text);
    let csv_path = path.parent().unwrap_or(Path::new("")).join(&spec.file);
    let csv = read_text(&csv_path).map_err(|e| place.refuse("posterior.file", e.to_string()))?;
    // The CSV's own problems are located in it, after a pointer from the scenario.
    let table = parse_csv(&csv, &csv_path.display().to_string()).map_err(|e| match e {
        ScenarioError::Invalid { mut diagnostics } => {
            let message = format!("{} is not a posterior.csv as `modsim calibrate` writes it", spec.file);
            diagnostics.insert(0, place.error("posterior.file", message));
            ScenarioError::Invalid { diagnostics }
        }
        other => other,
    })?;
    let doc: DocumentMut = text.parse().map_err(|_| ScenarioError::Invalid { diagnostics: vec![] })?;
    let mut problems = Vec::new();
    let mut targets = Vec::new();
    for (name, paths) in &spec.paths {
        let key = format!("posterior.paths.{name}");
        let Some(column) = table.names.iter().position(|n| n == name) else {
            let message = format!(
                "`{name}` is not a column of {} (its columns: {})",
                spec.file,
                table.names.join(", ")
            );
            problems.push(place.error(&key, message));
            continue;
        };
        for (j, target) in paths.iter().enumerate() {
            let key = format!("{key}[{j}]");
            // A duration cannot be negative (it would be written as 0).
            let negative = table.particles.iter().position(|row| row[column] < 0.0);
            let form = form_at(&doc, target).and_then(|form| match (form, negative) {
                (Form::Number, _) | (_, None) => Ok(form),
                (_, Some(k)) => {
                    let value = table.particles[k][column];
                    Err(format!("particle {} gives `{target}`, a duration, {value} days", k + 1))
                }
            });
            match form {
                Ok(form) => targets.push(PosteriorTarget { column, path: target.clone(), form, key }),
                Err(message) => problems.push(place.error(&key, message)),
            }
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid { diagnostics: problems });
    }
    let posterior = Posterior {
        file: spec.file.clone(),
        path: csv_path,
        sha256: format!("{:x}", sha2::Sha256::digest(csv.as_bytes())),
        names: table.names,
        weights: table.weights,
        particles: table.particles,
        targets,
    };
    particle_scenario(path, text, &posterior, posterior.heaviest(), overrides)?;
    Ok(posterior)
}

/// How a column's value is written at `path`, from what the scenario has there: a
/// number as a number, a duration in its own form.
fn form_at(doc: &DocumentMut, path: &str) -> Result<Form, String> {
    let Some(item) = lookup(doc, path) else {
        return Err(format!(
            "`{path}` names nothing in this scenario; a posterior sets values the scenario writes"
        ));
    };
    match item.as_value() {
        Some(Value::Integer(_) | Value::Float(_)) => Ok(Form::Number),
        Some(Value::String(s)) if parse_duration(s.value()).is_err() => {
            Err(format!("`{path}` is not a number or a duration"))
        }
        Some(Value::String(_) | Value::InlineTable(_)) => duration_form(&item, &format!("`{path}`")),
        None if item.is_table() => duration_form(&item, &format!("`{path}`")),
        _ => Err(format!("`{path}` is not a number or a duration")),
    }
}

/// The scenario text, for locating problems at `[posterior]`'s keys.
struct Place<'a> {
    origin: &'a str,
    lines: Lines<'a>,
    doc: Option<toml_edit::Document<String>>,
}

impl<'a> Place<'a> {
    fn new(origin: &'a str, text: &'a str) -> Place<'a> {
        Place { origin, lines: Lines::new(text), doc: text.parse().ok() }
    }

    fn error(&self, key: &str, message: String) -> Diagnostic {
        let span = self.doc.as_ref().and_then(|d| span_of(d, key));
        Diagnostic::new(Severity::Error, self.origin, &self.lines, span, key.to_owned(), message, None)
    }

    fn refuse(&self, key: &str, message: String) -> ScenarioError {
        ScenarioError::Invalid { diagnostics: vec![self.error(key, message)] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = include_str!("../../tests/scenarios/hand-computed.toml");

    /// The hand-computed scenario with `section` appended, beside `csv`, read.
    fn read_with(section: &str, csv: &str) -> Result<Posterior, Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{SCENARIO}\n[posterior]\n{section}");
        std::fs::write(dir.path().join("p.csv"), csv).unwrap();
        let path = dir.path().join("s.toml");
        let (scenario, _) = super::super::parse(&text, "s.toml").unwrap();
        read(&path, &text, scenario.posterior().unwrap(), &[]).map_err(|e| match e {
            ScenarioError::Invalid { diagnostics } => diagnostics
                .iter()
                .map(|d| format!("{}:{} {}: {}", d.line, d.column, d.key, d.message))
                .collect(),
            other => vec![other.to_string()],
        })
    }

    const CSV: &str = "weight,lag,vpn\n0.25,1,0.5\n0.75,30,0.1\n";

    #[test]
    fn each_path_takes_the_form_the_scenario_has_there() {
        let p = read_with(
            "file = \"p.csv\"\npaths = { lag = [\"regulator.unblock.processing_time\"], vpn = [\"platform.vpn_share\"] }\n",
            CSV,
        )
        .unwrap();
        assert_eq!((p.heaviest(), p.weights.len()), (1, 2));
        assert_eq!(p.ess(), 1.0 / (0.0625 + 0.5625));
        assert_eq!(p.sha256.len(), 64);
        assert_eq!(
            p.overrides(1),
            [
                Override::set("regulator.unblock.processing_time", "\"2592000000ms\""),
                Override::set("platform.vpn_share", "0.1"),
            ]
        );
        assert_eq!(p.describe(0), "particle 1 of 2 (weight 0.2500): lag = 1, vpn = 0.5");
    }

    #[test]
    fn columns_and_paths_that_do_not_fit_are_refused_at_the_posterior_table() {
        let file = "file = \"p.csv\"\n";
        let problems = |paths: &str| read_with(&format!("{file}paths = {{ {paths} }}\n"), CSV).unwrap_err();
        let line = SCENARIO.lines().count() + 4;
        assert_eq!(
            problems("delay = [\"platform.vpn_share\"]"),
            [format!(
                "{line}:19 posterior.paths.delay: `delay` is not a column of p.csv (its columns: lag, vpn)"
            )]
        );
        assert_eq!(
            problems("lag = [\"regulator.unblock.nothing\"]"),
            [format!("{line}:18 posterior.paths.lag[0]: `regulator.unblock.nothing` names nothing in this scenario; a posterior sets values the scenario writes")]
        );
        assert_eq!(
            problems("lag = [\"platform.categories[0].name\"]"),
            [format!("{line}:18 posterior.paths.lag[0]: `platform.categories[0].name` is not a number or a duration")]
        );
        // A share of 30 is refused when the heaviest particle is written.
        let refused = problems("lag = [\"platform.vpn_share\"]");
        assert_eq!(refused.len(), 1);
        assert!(
            refused[0].starts_with(&format!("{line}:18 posterior.paths.lag[0]: particle 2 of 2 (weight 0.7500): lag = 30 does not fit the scenario: `platform.vpn_share`: expected a share")),
            "{refused:?}"
        );
        let missing =
            read_with("file = \"none.csv\"\npaths = { lag = [\"platform.vpn_share\"] }\n", CSV).unwrap_err();
        assert_eq!(missing.len(), 1);
        assert!(
            missing[0].starts_with(&format!("{}:8 posterior.file: cannot read ", line - 1)),
            "{missing:?}"
        );
    }

    #[test]
    fn particles_with_the_same_written_values_share_a_scenario() {
        let csv = "weight,lag,vpn\n0.25,1,0.5\n0.5,30,0.5\n0.25,1,0.1\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        let text = format!("{SCENARIO}\n[posterior]\nfile = \"p.csv\"\npaths = {{ lag = [\"regulator.unblock.processing_time\"] }}\n");
        std::fs::write(&path, &text).unwrap();
        std::fs::write(dir.path().join("p.csv"), csv).unwrap();
        let loaded = super::super::load(&path).unwrap();
        let drawn = loaded.particle_scenarios().unwrap().unwrap();
        assert_eq!((drawn.scenarios.len(), drawn.of_particle), (2, vec![0, 1, 0]));
        let lag = format!("{:?}", drawn.scenarios[1].regulator.unblock);
        assert!(lag.contains("2592000000"), "{lag}");
    }
}
