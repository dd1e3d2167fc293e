//! Reading a calibration file: serde structs with spans, then checks against the cases
//! (each path is applied once, at the prior's median), every problem a located
//! diagnostic as in scenario files.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml_edit::DocumentMut;

use super::{CalibratedParameter, Calibration, Case, Target};
use crate::experiment::abc::Prior;
use crate::scenario::overrides::lookup;
use crate::scenario::units::parse_duration;
use crate::scenario::{
    self, duration_form, value_text, Diagnostic, Form, Lines, Override, ScenarioError, Severity, Template,
};

/// Replications of each case per particle unless the file says.
const DEFAULT_REPLICATIONS: u64 = 3;
/// The most replications per case a file may ask for.
const MAX_REPLICATIONS: u64 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    cases: Vec<Spanned<String>>,
    replications: Option<Spanned<i64>>,
    parameters: Vec<RawParameter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    name: Spanned<String>,
    prior: Spanned<RawPrior>,
    paths: Spanned<BTreeMap<String, Spanned<Vec<Spanned<String>>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrior {
    dist: Spanned<String>,
    min: Option<Spanned<toml::Value>>,
    max: Option<Spanned<toml::Value>>,
    median: Option<Spanned<toml::Value>>,
    p90: Option<Spanned<toml::Value>>,
    mean: Option<Spanned<toml::Value>>,
    sd: Option<Spanned<toml::Value>>,
}

/// Collects the file's problems, located in its text.
struct Problems<'a> {
    origin: String,
    lines: Lines<'a>,
    found: Vec<Diagnostic>,
}

impl Problems<'_> {
    fn error(&mut self, span: Range<usize>, key: String, message: String) {
        let d = Diagnostic::new(Severity::Error, &self.origin, &self.lines, Some(span), key, message, None);
        self.found.push(d);
    }
}

/// Reads and checks the calibration file at `path`; case paths are relative to it.
pub fn load(path: &Path) -> Result<Calibration, ScenarioError> {
    let text = scenario::read_text(path)?;
    let mut problems =
        Problems { origin: path.display().to_string(), lines: Lines::new(&text), found: vec![] };
    let raw: RawConfig = match toml::from_str(&text) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            problems.error(span, String::new(), e.message().trim().to_owned());
            return Err(ScenarioError::Invalid { diagnostics: problems.found });
        }
    };
    let dir = path.parent().unwrap_or(Path::new("")).to_owned();
    let cases = read_cases(&raw, &dir, &mut problems)?;
    let replications = match &raw.replications {
        None => DEFAULT_REPLICATIONS,
        Some(r) if (1..=MAX_REPLICATIONS as i64).contains(r.get_ref()) => *r.get_ref() as u64,
        Some(r) => {
            let message = format!("expected a number of replications from 1 to {MAX_REPLICATIONS}");
            problems.error(r.span(), "replications".into(), message);
            0
        }
    };
    // A case listed but not loaded has its own diagnostic: its paths are not unknown.
    let listed: Vec<String> = raw.cases.iter().filter_map(|c| stem_of(&dir.join(c.get_ref()))).collect();
    let mut parameters = Vec::new();
    for (i, raw_parameter) in raw.parameters.iter().enumerate() {
        let earlier = &raw.parameters[..i];
        if let Some(p) = read_parameter(i, raw_parameter, earlier, &cases, &listed, &mut problems) {
            parameters.push(p);
        }
    }
    if raw.parameters.is_empty() {
        problems.error(0..0, "parameters".into(), "there are no [[parameters]] to learn".into());
    }
    if !problems.found.is_empty() {
        return Err(ScenarioError::Invalid { diagnostics: problems.found });
    }
    Ok(Calibration { path: path.to_owned(), text: text.clone(), cases, parameters, replications })
}

/// Each case file, loaded as written; a case that does not load stops here with its own
/// diagnostics.
fn read_cases(raw: &RawConfig, dir: &Path, problems: &mut Problems) -> Result<Vec<Case>, ScenarioError> {
    let mut cases: Vec<Case> = Vec::new();
    if raw.cases.is_empty() {
        problems.error(0..0, "cases".into(), "there are no cases to calibrate on".into());
    }
    for (i, entry) in raw.cases.iter().enumerate() {
        let path: PathBuf = dir.join(entry.get_ref());
        let key = format!("cases[{i}]");
        let stem = stem_of(&path).unwrap_or_default();
        if cases.iter().any(|c| c.stem == stem) {
            problems.error(entry.span(), key, format!("case `{stem}` is listed twice"));
            continue;
        }
        if !path.is_file() {
            problems.error(entry.span(), key, format!("no case file at {}", path.display()));
            continue;
        }
        let loaded = scenario::load(&path)?;
        let Some(observed) = loaded.scenario.observed().cloned() else {
            problems.error(entry.span(), key, format!("case `{stem}` has no [observed] outcome to fit"));
            continue;
        };
        let template = Template::new(&path, &loaded.text)?;
        cases.push(Case { stem, path, text: loaded.text, template, observed });
    }
    Ok(cases)
}

/// A case's name: its file stem.
fn stem_of(path: &Path) -> Option<String> {
    path.file_stem().map(|s| s.to_string_lossy().into_owned())
}

fn read_parameter(
    i: usize,
    raw: &RawParameter,
    earlier: &[RawParameter],
    cases: &[Case],
    listed: &[String],
    problems: &mut Problems,
) -> Option<CalibratedParameter> {
    let key = format!("parameters[{i}]");
    let name = raw.name.get_ref().clone();
    if earlier.iter().any(|p| p.name.get_ref() == &name) {
        problems.error(
            raw.name.span(),
            format!("{key}.name"),
            format!("parameter `{name}` is defined twice"),
        );
    }
    let (prior, duration) = match read_prior(raw.prior.get_ref()) {
        Ok(prior) => prior,
        Err((span, message)) => {
            problems.error(span.unwrap_or(raw.prior.span()), format!("{key}.prior"), message);
            return None;
        }
    };
    if raw.paths.get_ref().is_empty() {
        problems.error(
            raw.paths.span(),
            format!("{key}.paths"),
            "the parameter sets no path in any case".into(),
        );
    }
    let median = prior.quantile(0.5);
    let mut targets = Vec::new();
    for (stem, list) in raw.paths.get_ref() {
        let here = format!("{key}.paths.{stem}");
        let Some(case) = cases.iter().position(|c| &c.stem == stem) else {
            if listed.contains(stem) {
                continue;
            }
            let known: Vec<&str> = cases.iter().map(|c| c.stem.as_str()).collect();
            let message = format!("`{stem}` is not one of the cases ({})", known.join(", "));
            problems.error(list.span(), here, message);
            continue;
        };
        for path in list.get_ref() {
            match target(&cases[case], case, path.get_ref(), duration, median) {
                Ok(t) => targets.push(t),
                Err(message) => problems.error(path.span(), here.clone(), message),
            }
        }
    }
    Some(CalibratedParameter { name, prior, duration, targets })
}

/// The target at `path` in `case`, checked by loading the case with the prior's median
/// written there.
fn target(case: &Case, index: usize, path: &str, duration: bool, median: f64) -> Result<Target, String> {
    let doc: DocumentMut = case.text.parse().map_err(|_| "the case does not parse".to_owned())?;
    let stem = &case.stem;
    let Some(item) = lookup(&doc, path) else {
        return Err(format!("`{path}` names nothing in case `{stem}`"));
    };
    let form =
        if duration { duration_form(&item, &format!("`{path}` in case `{stem}`"))? } else { Form::Number };
    let value = value_text(form, median);
    let set = [Override::set(path, value)];
    if let Err(e) = case.template.scenario_with(&set) {
        let text = match e {
            ScenarioError::Invalid { diagnostics } => {
                diagnostics.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("; ")
            }
            other => other.to_string(),
        };
        return Err(format!("`{path}` in case `{stem}` does not take the prior's median: {text}"));
    }
    Ok(Target { case: index, path: path.to_owned(), form })
}

/// A prior and whether it is over durations (in days).
/// A problem with a prior: where (the whole prior when `None`) and what.
type PriorProblem = (Option<Range<usize>>, String);

fn read_prior(raw: &RawPrior) -> Result<(Prior, bool), PriorProblem> {
    let dist = raw.dist.get_ref().as_str();
    let all = [
        ("min", &raw.min),
        ("max", &raw.max),
        ("median", &raw.median),
        ("p90", &raw.p90),
        ("mean", &raw.mean),
        ("sd", &raw.sd),
    ];
    let wanted: &[&str] = match dist {
        "uniform" => &["min", "max"],
        "lognormal" => &["median", "p90"],
        "gamma" | "normal" => &["mean", "sd"],
        "exponential" => &["mean"],
        other => {
            let message =
                format!("unknown prior `{other}`: expected uniform, lognormal, gamma, exponential or normal");
            return Err((Some(raw.dist.span()), message));
        }
    };
    let mut numbers = Vec::new();
    let mut duration = None;
    for (key, value) in all {
        match (value, wanted.contains(&key)) {
            (Some(v), false) => return Err((Some(v.span()), format!("a {dist} prior takes no `{key}`"))),
            (None, true) => {
                return Err((None, format!("a {dist} prior needs `{key}` ({})", wanted.join(", "))))
            }
            (None, false) => {}
            (Some(v), true) => {
                let (number, is_duration) = match v.get_ref() {
                    toml::Value::Integer(n) => (*n as f64, false),
                    toml::Value::Float(x) => (*x, false),
                    toml::Value::String(s) => match parse_duration(s) {
                        Ok(d) => (d.as_days_f64(), true),
                        Err(e) => return Err((Some(v.span()), e)),
                    },
                    _ => return Err((Some(v.span()), format!("`{key}` must be a number or a duration"))),
                };
                if duration.is_some_and(|d| d != is_duration) {
                    return Err((Some(v.span()), "a prior is over numbers or durations, not both".into()));
                }
                duration = Some(is_duration);
                numbers.push(number);
            }
        }
    }
    let duration = duration.unwrap_or(false);
    if duration && dist == "normal" {
        return Err((
            Some(raw.dist.span()),
            "a duration cannot have a normal prior (it may be negative)".into(),
        ));
    }
    if duration && numbers.iter().any(|&x| x < 0.0) {
        return Err((None, "a duration prior cannot go below zero".into()));
    }
    let prior = match (dist, numbers.as_slice()) {
        ("uniform", &[a, b]) => Prior::uniform(a, b),
        ("lognormal", &[m, p]) => Prior::lognormal(m, p),
        ("gamma", &[m, s]) => Prior::gamma(m, s),
        ("normal", &[m, s]) => Prior::normal(m, s),
        ("exponential", &[m]) => Prior::exponential(m),
        _ => unreachable!("the keys were checked above"),
    };
    match prior {
        Ok(prior) => Ok((prior, duration)),
        Err(e) => Err((None, format!("a bad {dist} prior: {e}"))),
    }
}
