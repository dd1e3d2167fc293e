//! Lowering: raw serde structs to validated domain types.
//!
//! Every check records a diagnostic under the key path it concerns and carries on, so
//! one run reports every independent problem of a file. Paths are located in the text
//! afterwards through a span-keeping parse of the same document.

use std::ops::Range;

use super::diagnostic::{nearest, Diagnostic, Severity};
use super::raw::*;
use super::units::{parse_clock_time, parse_datetime, parse_duration};
use super::*;

const DEFAULT_REPLICATIONS: u64 = 1_000;
const DEFAULT_SEED: u64 = 1;

/// Largest value a number may take, by its key. Beyond these, counts would overflow or
/// a run would take absurdly long; a file with such a value is almost certainly a typo.
fn limit(key: &str) -> f64 {
    match key.rsplit('.').next().unwrap_or(key) {
        "daily_active_users" => 1e11,
        "uploads_per_day" => 1e10,
        "catalogue_items" => 1e13,
        "views_per_item_per_day" => 1e8,
        "revenue_per_user_day" => 1e6,
        "crawler_samples_per_day" => 1e8,
        "complaints_per_violating_view" => 1.0,
        "cost_per_moderator_day" => 1e9,
        "handling_factor" => 1e3,
        _ => 1e15,
    }
}

/// Most replications a scenario may ask for.
const MAX_REPLICATIONS: u64 = 1_000_000_000;
/// Most steps (tick slots) in one replication.
const MAX_STEPS: f64 = 1e7;
/// Review-queue items per replication above which a scenario is refused, and above
/// which it is warned about: each item costs roughly 50-100 ns, and up to 16 bytes
/// while it waits (a queue nobody serves holds them all).
const MAX_QUEUE_ITEMS: f64 = 1e8;
const WARN_QUEUE_ITEMS: f64 = 2e7;
/// Most items in an initial stock, and most moderators.
const MAX_STOCK: u64 = 100_000_000_000;
const MAX_MODERATORS: u32 = 10_000_000;

/// A problem before it is located in the text.
struct Problem {
    severity: Severity,
    key: String,
    message: String,
    help: Option<String>,
}

#[derive(Default)]
struct Lowerer {
    problems: Vec<Problem>,
}

pub(super) fn parse_and_lower(
    text: &str,
    origin: &str,
) -> Result<(Scenario, Vec<Diagnostic>), ScenarioError> {
    let raw: RawScenario =
        deserialize_all(text, origin).map_err(|diagnostics| ScenarioError::Invalid { diagnostics })?;
    let mut lowerer = Lowerer::default();
    let scenario = lowerer.scenario(&raw);
    let doc = text.parse::<toml_edit::Document<String>>().ok();
    let locate = |key: &str| doc.as_ref().and_then(|d| span_of(d, key));
    let (errors, warnings): (Vec<_>, Vec<_>) = lowerer
        .problems
        .into_iter()
        .map(|p| Diagnostic::new(p.severity, origin, text, locate(&p.key), p.key, p.message, p.help))
        .partition(|d| d.severity == Severity::Error);
    match scenario {
        Some(s) if errors.is_empty() => Ok((s, warnings)),
        _ => Err(ScenarioError::Invalid { diagnostics: errors }),
    }
}

/// Most type errors collected from one file before giving up.
const MAX_TYPE_ERRORS: usize = 20;

/// Deserializes the raw scenario, collecting every independent type error: after each
/// error the offending key is taken out of a copy of the document and the rest is
/// tried again. Each error is located in the original text through its key path.
/// Syntax errors and missing keys stop the search (nothing can be taken out).
fn deserialize_all(text: &str, origin: &str) -> Result<RawScenario, Vec<Diagnostic>> {
    let mut err = match toml::from_str::<RawScenario>(text) {
        Ok(raw) => return Ok(raw),
        Err(e) => e,
    };
    let mut diagnostics = vec![syntax_diagnostic(&err, text, origin)];
    let (Ok(original), Ok(mut doc)) =
        (text.parse::<toml_edit::Document<String>>(), text.parse::<toml_edit::DocumentMut>())
    else {
        return Err(diagnostics);
    };
    // Keys taken out so far: serde then misses those that are required, an artifact
    // of this search and not a problem of the file.
    let mut removed: Vec<String> = Vec::new();
    while diagnostics.len() < MAX_TYPE_ERRORS && !err.message().starts_with("missing field") {
        let current = doc.to_string();
        let Some(path) = path_of(&err, &current) else {
            break;
        };
        if !remove_path(&mut doc, &path) {
            break;
        }
        removed.push(path);
        let mut next = toml::from_str::<RawScenario>(&doc.to_string()).err();
        while let Some(artifact) =
            next.as_ref().and_then(|e| removed_but_required(e, &doc.to_string(), &removed))
        {
            // Put a stand-in of some type in its place: the first that serde accepts.
            let fixed = ["0", "0.5", "\"1d\"", "false", "[]"].iter().find_map(|stand_in| {
                let mut trial = doc.clone();
                let ov = Override { path: artifact.clone(), value: (*stand_in).to_owned() };
                super::overrides::apply(&mut trial, &ov).ok()?;
                let e = toml::from_str::<RawScenario>(&trial.to_string()).err();
                let text = trial.to_string();
                let stuck = e.as_ref().is_some_and(|e| {
                    path_of(e, &text).as_deref() == Some(artifact.as_str())
                        || removed_but_required(e, &text, &removed).as_deref() == Some(artifact.as_str())
                });
                (!stuck).then_some((trial, e))
            });
            let Some((trial, e)) = fixed else {
                diagnostics.sort_by_key(|d| (d.line, d.column));
                return Err(diagnostics);
            };
            doc = trial;
            next = e;
        }
        let Some(e) = next else { break };
        err = e;
        let current = doc.to_string();
        let mut d = syntax_diagnostic(&err, &current, origin);
        if let Some(span) = path_of(&err, &current).and_then(|p| span_of(&original, &p)) {
            // Re-locate in the file as written.
            d = Diagnostic::new(
                Severity::Error,
                origin,
                text,
                Some(span),
                d.key.clone(),
                d.message.clone(),
                d.help.clone(),
            );
        }
        diagnostics.push(d);
    }
    diagnostics.sort_by_key(|d| (d.line, d.column));
    Err(diagnostics)
}

/// The path of a key this search removed, if `err` says that key is missing.
fn removed_but_required(err: &toml::de::Error, text: &str, removed: &[String]) -> Option<String> {
    let field = err.message().strip_prefix("missing field `")?.split('`').next()?;
    let table = path_of(err, text).unwrap_or_default();
    let path = if table.is_empty() { field.to_owned() } else { format!("{table}.{field}") };
    removed.contains(&path).then_some(path)
}

/// Key path of the value a deserialization error points at.
fn path_of(err: &toml::de::Error, text: &str) -> Option<String> {
    let span = err.span()?;
    let doc = text.parse::<toml_edit::Document<String>>().ok()?;
    key_at(doc.as_item(), &span, "").filter(|p| !p.is_empty())
}

/// Removes the key (or array entry) at a dotted path such as `a.b[1].c` or `a.b[2]`.
fn remove_path(doc: &mut toml_edit::DocumentMut, path: &str) -> bool {
    let segments: Vec<&str> = path.split('.').collect();
    let mut item = doc.as_item_mut();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let (key, index) = match segment.split_once('[') {
            Some((k, n)) => (k, n.trim_end_matches(']').parse::<usize>().ok()),
            None => (*segment, None),
        };
        if last && index.is_none() {
            return item.as_table_like_mut().and_then(|t| t.remove(key)).is_some();
        }
        let Some(next) = item.get_mut(key) else {
            return false;
        };
        item = next;
        if let Some(n) = index {
            if last {
                if let Some(aot) = item.as_array_of_tables_mut() {
                    if n < aot.len() {
                        aot.remove(n);
                        return true;
                    }
                } else if let Some(array) = item.as_array_mut() {
                    if n < array.len() {
                        array.remove(n);
                        return true;
                    }
                }
                return false;
            }
            let Some(next) = item.get_mut(n) else {
                return false;
            };
            item = next;
        }
    }
    false
}

/// A diagnostic for a TOML syntax or type error, with a suggestion for unknown keys.
fn syntax_diagnostic(e: &toml::de::Error, text: &str, origin: &str) -> Diagnostic {
    // serde names Rust types; say what a person would write instead.
    let mut message = e.message().trim().to_owned();
    for (rust, plain) in [
        ("expected u64", "expected a whole number of at least 0"),
        ("expected u32", "expected a whole number of at least 0"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected a string", "expected text in quotes"),
    ] {
        message = message.replace(rust, plain);
    }
    let key = match (e.span(), text.parse::<toml_edit::Document<String>>()) {
        (Some(span), Ok(doc)) => key_at(doc.as_item(), &span, "").unwrap_or_default(),
        _ => String::new(),
    };
    let mut help = None;
    // serde words unknown keys as "unknown field `x`, expected one of `a`, `b`".
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((word, expected)) = rest.split_once('`') {
            let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            help = Some(match nearest(word, candidates.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("valid keys here: {}", candidates.join(", ")),
            });
        }
    }
    Diagnostic::new(Severity::Error, origin, text, e.span(), key, message, help)
}

/// Dotted path of the innermost value whose span contains `span`.
fn key_at(item: &toml_edit::Item, span: &Range<usize>, path: &str) -> Option<String> {
    let contains = |s: Option<Range<usize>>| s.is_some_and(|s| s.start <= span.start && span.end <= s.end);
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    if let Some(table) = item.as_table_like() {
        for (k, v) in table.iter() {
            if let Some(found) = key_at(v, span, &join(k)) {
                return Some(found);
            }
            let key_span = table.get_key_value(k).and_then(|(key, _)| key.span());
            if contains(key_span) {
                return Some(join(k));
            }
        }
    }
    if let Some(array) = item.as_array_of_tables() {
        for (i, t) in array.iter().enumerate() {
            let sub = toml_edit::Item::Table(t.clone());
            if let Some(found) = key_at(&sub, span, &format!("{path}[{i}]")) {
                return Some(found);
            }
        }
    }
    if let Some(array) = item.as_array() {
        for (i, v) in array.iter().enumerate() {
            if contains(v.span()) {
                return Some(format!("{path}[{i}]"));
            }
        }
    }
    (contains(item.span()) && !path.is_empty()).then(|| path.to_owned())
}

/// Byte span of the value at a dotted key path like `platform.categories[1].share`,
/// or of the nearest enclosing item that exists.
fn span_of(doc: &toml_edit::Document<String>, key: &str) -> Option<Range<usize>> {
    let mut item: &toml_edit::Item = doc.as_item();
    let mut best = None;
    for segment in key.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let Some(next) = item.get(name) else { break };
        item = next;
        best = item.span().or(best);
        if let Some(i) = index {
            let Some(next) = item.get(i) else { break };
            item = next;
            best = item.span().or(best);
        }
    }
    best
}

impl Lowerer {
    fn error(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            severity: Severity::Error,
            key: key.into(),
            message: message.into(),
            help: None,
        });
    }

    fn error_with_help(&mut self, key: impl Into<String>, message: impl Into<String>, help: String) {
        self.problems.push(Problem {
            severity: Severity::Error,
            key: key.into(),
            message: message.into(),
            help: Some(help),
        });
    }

    fn warning(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            severity: Severity::Warning,
            key: key.into(),
            message: message.into(),
            help: None,
        });
    }

    /// A share or probability in [0, 1].
    fn share(&mut self, key: &str, value: f64) -> f64 {
        if !(0.0..=1.0).contains(&value) {
            self.error(key, format!("expected a share between 0 and 1, found {value}"));
        }
        value
    }

    /// A finite number >= 0 and no larger than the key's limit (see [`limit`]).
    fn non_negative(&mut self, key: &str, value: f64) -> f64 {
        let max = limit(key);
        if !value.is_finite() || value < 0.0 {
            self.error(key, format!("expected a finite number of at least 0, found {value}"));
        } else if value > max {
            self.error(key, format!("expected at most {max:e}, found {value:e}; a value this large is almost certainly a typo"));
        }
        value
    }

    fn duration(&mut self, key: &str, text: &str) -> Option<SimDuration> {
        match parse_duration(text) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.error_with_help(
                    key,
                    format!("expected a duration, found {msg}"),
                    "write a number and a unit: \"30m\", \"4h\", \"7d\", \"2w\"".into(),
                );
                None
            }
        }
    }

    fn positive_duration(&mut self, key: &str, text: &str) -> Option<SimDuration> {
        let d = self.duration(key, text)?;
        if d == SimDuration::ZERO {
            self.error(key, "expected a duration longer than zero, found 0");
            return None;
        }
        Some(d)
    }

    fn dist(&mut self, key: &str, raw: &RawDist) -> Option<DurationDist> {
        let t = match raw {
            RawDist::Fixed(text) => return self.duration(key, text).map(DurationDist::fixed),
            RawDist::Table(t) => t,
        };
        let kinds = ["fixed", "exponential", "lognormal", "gamma", "uniform", "triangular"];
        let (needed, optional): (&[&str], &[&str]) = match t.dist.as_str() {
            "fixed" => (&["value"], &[]),
            "exponential" => (&["mean"], &[]),
            "lognormal" => (&["median", "p90"], &[]),
            "gamma" => (&["mean", "sd"], &[]),
            "uniform" => (&["min", "max"], &[]),
            "triangular" => (&["min", "mode", "max"], &[]),
            other => {
                let help = match nearest(other, kinds) {
                    Some(k) => format!("did you mean \"{k}\"?"),
                    None => format!("one of: {}", kinds.join(", ")),
                };
                self.error_with_help(
                    format!("{key}.dist"),
                    format!("unknown distribution \"{other}\""),
                    help,
                );
                return None;
            }
        };
        let given = [
            ("value", &t.value),
            ("mean", &t.mean),
            ("median", &t.median),
            ("p90", &t.p90),
            ("sd", &t.sd),
            ("min", &t.min),
            ("mode", &t.mode),
            ("max", &t.max),
        ];
        let mut values = std::collections::HashMap::new();
        let mut ok = true;
        for (name, value) in given {
            let sub = format!("{key}.{name}");
            match value {
                Some(text) if needed.contains(&name) || optional.contains(&name) => {
                    match self.duration(&sub, text) {
                        Some(d) => {
                            values.insert(name, d);
                        }
                        None => ok = false,
                    }
                }
                Some(_) => {
                    self.error(
                        sub,
                        format!(
                            "`{name}` does not apply to a {} distribution (it takes {})",
                            t.dist,
                            needed.join(", ")
                        ),
                    );
                    ok = false;
                }
                None if needed.contains(&name) => {
                    self.error(key, format!("a {} distribution needs `{name}`", t.dist));
                    ok = false;
                }
                None => {}
            }
        }
        if !ok {
            return None;
        }
        let v = |n: &str| values[n];
        let built = match t.dist.as_str() {
            "fixed" => Ok(DurationDist::fixed(v("value"))),
            "exponential" => DurationDist::exponential(v("mean")),
            "lognormal" => DurationDist::lognormal(v("median"), v("p90")),
            "gamma" => DurationDist::gamma(v("mean"), v("sd")),
            "uniform" => DurationDist::uniform(v("min"), v("max")),
            _ => DurationDist::triangular(v("min"), v("mode"), v("max")),
        };
        built.map_err(|e| self.error(key, format!("invalid {} distribution: {e}", t.dist))).ok()
    }

    fn scenario(&mut self, raw: &RawScenario) -> Option<Scenario> {
        let meta = &raw.scenario;
        let start = meta.start.as_ref().and_then(|v| self.datetime("scenario.start", v));
        let horizon = self.positive_duration("scenario.horizon", &meta.horizon);
        let step = match &meta.step {
            Some(s) => self.positive_duration("scenario.step", s),
            None => Some(SimDuration::HOUR),
        };
        let replications = meta.replications.unwrap_or(DEFAULT_REPLICATIONS);
        if replications == 0 {
            self.error("scenario.replications", "expected at least 1 replication, found 0");
        } else if replications > MAX_REPLICATIONS {
            self.error(
                "scenario.replications",
                format!("expected at most {MAX_REPLICATIONS} replications, found {replications}"),
            );
        }
        let platform = self.platform(&raw.platform);
        let actions_names: Vec<&str> = raw.playbook.iter().map(|a| a.name.as_str()).collect();
        let step_names: Vec<&str> = raw.regulator.ladder.iter().map(|s| s.name.as_str()).collect();
        self.unique_names("playbook", &actions_names);
        self.unique_names("regulator.ladder", &step_names);
        let regulator = self.regulator(&raw.regulator, &step_names, &actions_names, start);
        let playbook: Vec<Option<Action>> = raw
            .playbook
            .iter()
            .enumerate()
            .map(|(i, a)| self.action(&format!("playbook[{i}]"), a, &step_names, start))
            .collect();
        if let (Some(h), Some(r)) = (horizon, &regulator) {
            if h < r.order_deadline {
                self.warning(
                    "scenario.horizon",
                    format!("the horizon ({h}) is shorter than the order deadline ({})", r.order_deadline),
                );
            }
        }
        if let Some(p) = &platform {
            self.queue_warning(p, &raw.playbook);
        }
        let variants = self.variants(&raw.variants);
        let scenario = Scenario {
            name: meta.name.clone(),
            description: meta.description.clone(),
            start,
            horizon: horizon?,
            step: step?,
            warm_up: match &meta.warm_up {
                Some(w) => {
                    let w = self.duration("scenario.warm_up", w)?;
                    if horizon.is_some_and(|h| w >= h) {
                        self.error(
                            "scenario.warm_up",
                            format!("the warm-up ({w}) must be shorter than the horizon"),
                        );
                    }
                    w
                }
                None => SimDuration::ZERO,
            },
            replications,
            seed: meta.seed.unwrap_or(DEFAULT_SEED),
            platform: platform?,
            regulator: regulator?,
            playbook: playbook.into_iter().collect::<Option<Vec<_>>>()?,
            variants,
        };
        self.whole_scenario(&scenario);
        Some(scenario)
    }

    /// Checks that need the whole scenario: cost guards and whether blocks can end.
    fn whole_scenario(&mut self, s: &Scenario) {
        let days = s.horizon.as_days_f64();
        if days > 36_500.0 {
            self.error("scenario.horizon", format!("expected at most 100 years, found {days:.0} days"));
            return;
        }
        let steps = s.horizon.0 as f64 / s.step.0.max(1) as f64;
        if steps > MAX_STEPS {
            self.error_with_help(
                "scenario.step",
                format!("a step of {} over a horizon of {} makes {steps:.0} steps per replication; at most {MAX_STEPS:e}", s.step, s.horizon),
                "a step of an hour or a few hours is plenty: events between steps are still handled at their exact times".into(),
            );
        }
        let items = s.expected_review_items();
        let advice =
            "lower platform.uploads_per_day, the detection recall or false_positive_rate, or the horizon, or set platform.review.queue_model = \"cohorts\"";
        // Cohorts cost per step, not per item: the step guard above covers them.
        if s.queue_model() == QueueModel::Items {
            if items > MAX_QUEUE_ITEMS {
                self.error_with_help(
                    "platform.uploads_per_day",
                    format!("the review queue would handle about {items:.1e} items per replication, each simulated on its own (roughly {:.0} s per replication); at most {MAX_QUEUE_ITEMS:e}", items * 75e-9),
                    advice.into(),
                );
            } else if items > WARN_QUEUE_ITEMS {
                self.warning(
                    "platform.uploads_per_day",
                    format!("the review queue will handle about {items:.1e} items per replication (roughly {:.1} s each); {advice} to go faster", items * 75e-9),
                );
            }
        }
        self.blocks_can_end(s);
    }

    /// A block pauses the ladder, so an action needed to lift it must be set in motion
    /// by something that can happen while the platform is blocked.
    fn blocks_can_end(&mut self, s: &Scenario) {
        let ladder = &s.regulator.ladder;
        let Some(first_block) = ladder.iter().position(|st| st.sanction == Sanction::Block) else {
            return;
        };
        let no_findings =
            s.regulator.crawler_samples_per_day == 0.0 && s.regulator.complaints_per_violating_view == 0.0;
        for (i, &a) in s.regulator.unblock.required_actions.iter().enumerate() {
            let action = &s.playbook[a];
            let reachable = match action.on {
                ActionTrigger::Start => true,
                ActionTrigger::FirstOrder => !no_findings,
                ActionTrigger::Step(j) => j <= first_block,
            };
            if !reachable {
                self.error_with_help(
                    format!("regulator.unblock.required_actions[{i}]"),
                    format!(
                        "the block could never be lifted: \"{}\" can only start after the block ends",
                        action.name
                    ),
                    "set it in motion on the block step, an earlier step, \"start\" or \"first_order\""
                        .into(),
                );
            }
        }
        let restart = s.regulator.unblock.restart_at;
        if restart <= first_block {
            for (j, step) in ladder.iter().enumerate().skip(first_block + 1) {
                self.warning(
                    format!("regulator.ladder[{j}]"),
                    format!(
                        "step \"{}\" comes after the block \"{}\" and the ladder restarts at \"{}\", so it can never fire",
                        step.name, ladder[first_block].name, ladder[restart].name
                    ),
                );
            }
        }
    }

    fn variants(&mut self, raw: &[RawVariant]) -> Vec<VariantSpec> {
        let names: Vec<&str> = raw.iter().map(|v| v.name.as_str()).collect();
        self.unique_names("variants", &names);
        raw.iter()
            .enumerate()
            .map(|(i, v)| {
                if v.name == "baseline" {
                    self.error(
                        format!("variants[{i}].name"),
                        "\"baseline\" names the file's own settings; choose another name",
                    );
                }
                let overrides = v
                    .set
                    .iter()
                    .filter_map(|(path, value)| {
                        if !path.contains('.') && value.is_table() {
                            // `set = { platform.review.moderators = 1 }` is a nested
                            // table to TOML; paths must be quoted keys.
                            self.error_with_help(
                                format!("variants[{i}].set"),
                                format!("`{path}` is not a path"),
                                "quote each path: set = { \"platform.review.moderators\" = 200 }".into(),
                            );
                            return None;
                        }
                        Some(Override { path: path.clone(), value: value.to_string() })
                    })
                    .collect();
                VariantSpec { name: v.name.clone(), description: v.description.clone(), overrides }
            })
            .collect()
    }

    fn datetime(&mut self, key: &str, value: &toml::Value) -> Option<NaiveDateTime> {
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => {
                self.error(key, format!("expected a date like \"2018-07-03\", found a {}", other.type_str()));
                return None;
            }
        };
        parse_datetime(&text).map_err(|m| self.error(key, format!("expected a date, found {m}"))).ok()
    }

    fn unique_names(&mut self, key: &str, names: &[&str]) {
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                self.error(format!("{key}[{i}].name"), format!("the name \"{name}\" is used twice"));
            }
        }
    }

    /// Warns when the review queue can never keep up with flags at upload, not even
    /// with every moderator the playbook will hire.
    fn queue_warning(&mut self, p: &Platform, playbook: &[RawAction]) {
        let flagged_per_day = p.uploads_per_day
            * (p.categories.iter().map(|c| c.share * c.recall).sum::<f64>()
                + (1.0 - p.categories.iter().map(|c| c.share).sum::<f64>()) * p.false_positive_rate);
        let hired: u32 =
            playbook.iter().filter(|a| a.kind == "hire_moderators").filter_map(|a| a.moderators).sum();
        let moderators = p.review.moderators.saturating_add(hired);
        let capacity_per_day = moderators as f64 * p.review.shift_length.as_secs_f64()
            / p.review.review_time.mean_secs().max(1e-9);
        if flagged_per_day > 0.0 && flagged_per_day >= capacity_per_day {
            self.warning(
                "platform.review.moderators",
                format!(
                    "the review queue is overloaded: about {flagged_per_day:.0} items are flagged per day at upload but {moderators} moderators (with those the playbook hires) review about {capacity_per_day:.0}; the backlog grows without bound"
                ),
            );
        }
    }

    fn platform(&mut self, raw: &RawPlatform) -> Option<Platform> {
        let categories: Vec<Option<Category>> = raw
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| self.category(&format!("platform.categories[{i}]"), c))
            .collect();
        if raw.categories.is_empty() {
            self.error("platform.categories", "expected at least one content category");
        }
        let names: Vec<&str> = raw.categories.iter().map(|c| c.name.as_str()).collect();
        self.unique_names("platform.categories", &names);
        let total_share: f64 = raw.categories.iter().map(|c| c.share).sum();
        if total_share > 1.0 {
            self.error(
                "platform.categories",
                format!("the category shares add up to {total_share}, more than 1"),
            );
        }
        let review = self.review(&raw.review);
        let orders = self.orders(&raw.orders);
        Some(Platform {
            daily_active_users: self.non_negative("platform.daily_active_users", raw.daily_active_users),
            uploads_per_day: self.non_negative("platform.uploads_per_day", raw.uploads_per_day),
            catalogue_items: self.non_negative("platform.catalogue_items", raw.catalogue_items),
            vpn_share: self.share("platform.vpn_share", raw.vpn_share.unwrap_or(0.0)),
            revenue_per_user_day: self
                .non_negative("platform.revenue_per_user_day", raw.revenue_per_user_day.unwrap_or(0.0)),
            flagged_visible_while_queued: raw.flagged_visible_while_queued.unwrap_or(false),
            false_positive_rate: self.share(
                "platform.detection.false_positive_rate",
                raw.detection.false_positive_rate.unwrap_or(0.0),
            ),
            categories: categories.into_iter().collect::<Option<Vec<_>>>()?,
            review: review?,
            orders: orders?,
        })
    }

    fn category(&mut self, key: &str, raw: &RawCategory) -> Option<Category> {
        Some(Category {
            name: raw.name.clone(),
            share: self.share(&format!("{key}.share"), raw.share),
            urgent: raw.urgent.unwrap_or(false),
            views_per_item_per_day: self
                .non_negative(&format!("{key}.views_per_item_per_day"), raw.views_per_item_per_day),
            report_probability: self
                .share(&format!("{key}.report_probability"), raw.report_probability.unwrap_or(0.0)),
            recall: self.share(&format!("{key}.recall"), raw.recall.unwrap_or(0.0)),
            initial_stock: {
                let stock = raw.initial_stock.unwrap_or(0);
                if stock > MAX_STOCK {
                    self.error(
                        format!("{key}.initial_stock"),
                        format!("expected at most {MAX_STOCK:e} items, found {stock}"),
                    );
                }
                stock
            },
        })
    }

    fn review(&mut self, raw: &RawReview) -> Option<ReviewTeam> {
        let hours = raw.hours_per_day.unwrap_or(24.0);
        if !(hours > 0.0 && hours <= 24.0) {
            self.error(
                "platform.review.hours_per_day",
                format!("expected hours between 0 (exclusive) and 24, found {hours}"),
            );
        }
        let shift_start = match &raw.shift_start {
            Some(s) => parse_clock_time(s)
                .map_err(|m| {
                    self.error("platform.review.shift_start", format!("expected a clock time, found {m}"))
                })
                .ok(),
            None => Some(SimDuration(9 * SimDuration::HOUR.0)),
        };
        let discipline = match raw.discipline.as_deref().unwrap_or("fifo") {
            "fifo" => Some(Discipline::Fifo),
            "urgent_first" => Some(Discipline::UrgentFirst),
            other => {
                self.error_with_help(
                    "platform.review.discipline",
                    format!("unknown discipline \"{other}\""),
                    "expected \"fifo\" or \"urgent_first\"".into(),
                );
                None
            }
        };
        let queue_model = match raw.queue_model.as_deref().unwrap_or("auto") {
            "auto" => Some(None),
            "items" => Some(Some(QueueModel::Items)),
            "cohorts" => Some(Some(QueueModel::Cohorts)),
            other => {
                self.error_with_help(
                    "platform.review.queue_model",
                    format!("unknown queue model \"{other}\""),
                    "expected \"auto\", \"items\" or \"cohorts\"".into(),
                );
                None
            }
        };
        let review_time = self.dist("platform.review.review_time", &raw.review_time);
        if let Some(DurationDist::Fixed(SimDuration::ZERO)) = review_time {
            self.error("platform.review.review_time", "expected a review time longer than zero");
        }
        Some(ReviewTeam {
            moderators: {
                if raw.moderators > MAX_MODERATORS {
                    self.error(
                        "platform.review.moderators",
                        format!("expected at most {MAX_MODERATORS} moderators, found {}", raw.moderators),
                    );
                }
                raw.moderators
            },
            shift_length: SimDuration::from_secs_f64(hours.clamp(0.0, 24.0) * 3_600.0),
            shift_start: shift_start?,
            review_time: review_time?,
            accuracy: self.share("platform.review.accuracy", raw.accuracy.unwrap_or(1.0)),
            discipline: discipline?,
            cost_per_moderator_day: self.non_negative(
                "platform.review.cost_per_moderator_day",
                raw.cost_per_moderator_day.unwrap_or(0.0),
            ),
            queue_model_setting: queue_model?,
        })
    }

    fn orders(&mut self, raw: &RawOrders) -> Option<OrderHandling> {
        Some(OrderHandling {
            handling_time: self.dist("platform.orders.handling_time", &raw.handling_time)?,
            compliance_probability: self
                .share("platform.orders.compliance_probability", raw.compliance_probability.unwrap_or(1.0)),
        })
    }

    fn regulator(
        &mut self,
        raw: &RawRegulator,
        steps: &[&str],
        actions: &[&str],
        start: Option<NaiveDateTime>,
    ) -> Option<Regulator> {
        let order_deadline = self.positive_duration("regulator.order_deadline", &raw.order_deadline);
        let urgent_order_deadline = match &raw.urgent_order_deadline {
            Some(s) => self.positive_duration("regulator.urgent_order_deadline", s),
            None => order_deadline,
        };
        if raw.ladder.is_empty() {
            self.error("regulator.ladder", "expected at least one escalation step");
        }
        let ladder: Vec<Option<EscalationStep>> = raw
            .ladder
            .iter()
            .enumerate()
            .map(|(i, s)| self.step(&format!("regulator.ladder[{i}]"), i, s, steps, actions, start))
            .collect();
        let unblock = self.unblock(&raw.unblock, steps, actions);
        Some(Regulator {
            crawler_samples_per_day: self.non_negative(
                "regulator.crawler_samples_per_day",
                raw.crawler_samples_per_day.unwrap_or(0.0),
            ),
            complaints_per_violating_view: self.non_negative(
                "regulator.complaints_per_violating_view",
                raw.complaints_per_violating_view.unwrap_or(0.0),
            ),
            order_preparation: self.dist("regulator.order_preparation", &raw.order_preparation)?,
            order_deadline: order_deadline?,
            urgent_order_deadline: urgent_order_deadline?,
            ladder: ladder.into_iter().collect::<Option<Vec<_>>>()?,
            unblock: unblock?,
        })
    }

    fn reference(&mut self, key: &str, name: &str, names: &[&str], what: &str) -> Option<usize> {
        if let Some(i) = names.iter().position(|n| *n == name) {
            return Some(i);
        }
        let help = match nearest(name, names.iter().copied()) {
            Some(n) => format!("did you mean \"{n}\"?"),
            None if names.is_empty() => format!("there is no {what} to refer to"),
            None => format!("known {what}s: {}", names.join(", ")),
        };
        self.error_with_help(key, format!("there is no {what} named \"{name}\""), help);
        None
    }

    fn step(
        &mut self,
        key: &str,
        index: usize,
        raw: &RawStep,
        steps: &[&str],
        actions: &[&str],
        start: Option<NaiveDateTime>,
    ) -> Option<EscalationStep> {
        let sanction = match raw.kind.as_str() {
            "warning" => Some(Sanction::Warning),
            "fine" => match raw.amount {
                Some(a) => Some(Sanction::Fine { amount: self.non_negative(&format!("{key}.amount"), a) }),
                None => {
                    self.error(key, "a fine step needs `amount`");
                    None
                }
            },
            "throttle" => match raw.access {
                Some(a) => {
                    let duration = match &raw.duration {
                        Some(d) => Some(self.positive_duration(&format!("{key}.duration"), d)?),
                        None => None,
                    };
                    Some(Sanction::Throttle { access: self.share(&format!("{key}.access"), a), duration })
                }
                None => {
                    self.error(key, "a throttle step needs `access` (the share of users who keep access)");
                    None
                }
            },
            "block" => Some(Sanction::Block),
            other => {
                let kinds = ["warning", "fine", "throttle", "block"];
                let help = match nearest(other, kinds) {
                    Some(k) => format!("did you mean \"{k}\"?"),
                    None => "expected one of: warning, fine, throttle, block".into(),
                };
                self.error_with_help(format!("{key}.kind"), format!("unknown step kind \"{other}\""), help);
                None
            }
        };
        if raw.amount.is_some() && raw.kind != "fine" {
            self.error(
                format!("{key}.amount"),
                format!("`amount` applies to fine steps, not to a {}", raw.kind),
            );
        }
        if raw.access.is_some() && raw.kind != "throttle" {
            self.error(
                format!("{key}.access"),
                format!("`access` applies to throttle steps, not to a {}", raw.kind),
            );
        }
        let trigger = self.trigger(&format!("{key}.trigger"), index, &raw.trigger, steps, actions, start);
        Some(EscalationStep { name: raw.name.clone(), sanction: sanction?, trigger: trigger? })
    }

    fn trigger(
        &mut self,
        key: &str,
        index: usize,
        raw: &RawTrigger,
        steps: &[&str],
        actions: &[&str],
        start: Option<NaiveDateTime>,
    ) -> Option<Trigger> {
        let kinds =
            [raw.findings.is_some(), raw.missed_orders.is_some(), raw.after_step.is_some(), raw.at.is_some()];
        if kinds.iter().filter(|k| **k).count() != 1 {
            self.error_with_help(
                key,
                "expected exactly one condition",
                "use one of `findings` + `within`, `missed_orders` + `within`, `after_step` + `wait`, or `at`".into(),
            );
            return None;
        }
        let within = |this: &mut Self| match &raw.within {
            Some(w) => this.positive_duration(&format!("{key}.within"), w),
            None => {
                this.error(key, "a count condition needs `within` (the trailing window, e.g. \"7d\")");
                None
            }
        };
        let condition = if let Some(count) = raw.findings {
            Condition::Findings { count: count.max(1), within: within(self)? }
        } else if let Some(count) = raw.missed_orders {
            Condition::MissedOrders { count: count.max(1), within: within(self)? }
        } else if let Some(name) = &raw.after_step {
            let step = self.reference(&format!("{key}.after_step"), name, steps, "escalation step")?;
            if step >= index {
                self.error(
                    format!("{key}.after_step"),
                    format!("step \"{name}\" does not come before this one, so this step could never fire"),
                );
                return None;
            }
            let wait = match &raw.wait {
                Some(w) => self.duration(&format!("{key}.wait"), w)?,
                None => SimDuration::ZERO,
            };
            Condition::AfterStep { step, wait }
        } else {
            let at = raw.at.as_ref()?;
            Condition::At(self.instant(&format!("{key}.at"), at, start)?)
        };
        if raw.within.is_some()
            && !matches!(condition, Condition::Findings { .. } | Condition::MissedOrders { .. })
        {
            self.error(
                format!("{key}.within"),
                "`within` applies to `findings` and `missed_orders` conditions",
            );
        }
        if raw.wait.is_some() && !matches!(condition, Condition::AfterStep { .. }) {
            self.error(format!("{key}.wait"), "`wait` applies to `after_step` conditions");
        }
        let unless: Vec<Option<usize>> = raw
            .unless
            .iter()
            .enumerate()
            .map(|(i, a)| self.reference(&format!("{key}.unless[{i}]"), a, actions, "playbook action"))
            .collect();
        Some(Trigger { condition, unless: unless.into_iter().collect::<Option<Vec<_>>>()? })
    }

    /// A point in time: a duration since the start ("27d") or, with a start date, a date.
    fn instant(&mut self, key: &str, value: &toml::Value, start: Option<NaiveDateTime>) -> Option<SimTime> {
        if let toml::Value::String(s) = value {
            if let Ok(d) = parse_duration(s) {
                return Some(SimTime::ZERO + d);
            }
        }
        let Some(start) = start else {
            self.error(
                key,
                "expected a duration since the start such as \"30d\" (a date needs `scenario.start`)",
            );
            return None;
        };
        let when = self.datetime(key, value)?;
        let ms = (when - start).num_milliseconds();
        if ms < 0 {
            self.error(key, format!("{when} is before the scenario start {start}"));
            return None;
        }
        Some(SimTime(ms as u64))
    }

    fn unblock(&mut self, raw: &RawUnblock, steps: &[&str], actions: &[&str]) -> Option<UnblockRule> {
        let required: Vec<Option<usize>> = raw
            .required_actions
            .iter()
            .enumerate()
            .map(|(i, a)| {
                self.reference(
                    &format!("regulator.unblock.required_actions[{i}]"),
                    a,
                    actions,
                    "playbook action",
                )
            })
            .collect();
        let verification_period = match &raw.verification_period {
            Some(p) => self.duration("regulator.unblock.verification_period", p),
            None => Some(SimDuration::ZERO),
        };
        let restart_at = match &raw.restart_ladder_at {
            Some(name) => {
                self.reference("regulator.unblock.restart_ladder_at", name, steps, "escalation step")
            }
            None => Some(0),
        };
        Some(UnblockRule {
            required_actions: required.into_iter().collect::<Option<Vec<_>>>()?,
            max_prevalence: self.share("regulator.unblock.max_prevalence", raw.max_prevalence.unwrap_or(1.0)),
            verification_period: verification_period?,
            processing_time: self.dist("regulator.unblock.processing_time", &raw.processing_time)?,
            restart_at: restart_at?,
        })
    }

    fn action(
        &mut self,
        key: &str,
        raw: &RawAction,
        steps: &[&str],
        start: Option<NaiveDateTime>,
    ) -> Option<Action> {
        // A calendar date: the action starts then (a fixed delay from the start).
        if let (Some(start), Ok(when)) = (start, parse_datetime(&raw.on)) {
            if raw.delay.is_some() {
                self.error(format!("{key}.delay"), "an action on a date takes no `delay`");
            }
            let ms = (when - start).num_milliseconds();
            if ms < 0 {
                self.error(format!("{key}.on"), format!("{when} is before the scenario start {start}"));
                return None;
            }
            let mut action =
                self.action(key, &RawAction { on: "start".into(), delay: None, ..raw.clone() }, steps, None)?;
            action.delay = DurationDist::fixed(SimDuration(ms as u64));
            return Some(action);
        }
        let on = match raw.on.as_str() {
            "start" => Some(ActionTrigger::Start),
            "first_order" => Some(ActionTrigger::FirstOrder),
            name => match steps.iter().position(|s| *s == name) {
                Some(i) => Some(ActionTrigger::Step(i)),
                None => {
                    let mut options: Vec<&str> = vec!["start", "first_order"];
                    options.extend_from_slice(steps);
                    let help = match nearest(name, options.iter().copied()) {
                        Some(n) => format!("did you mean \"{n}\"?"),
                        None => format!(
                            "expected \"start\", \"first_order\", a ladder step ({}) or, with `scenario.start`, a date",
                            steps.join(", ")
                        ),
                    };
                    self.error_with_help(format!("{key}.on"), format!("no trigger named \"{name}\""), help);
                    None
                }
            },
        };
        let delay = match &raw.delay {
            Some(d) => self.dist(&format!("{key}.delay"), d),
            None => Some(DurationDist::fixed(SimDuration::ZERO)),
        };
        let params: [(&str, bool, &str); 5] = [
            ("items_per_day", raw.items_per_day.is_some(), "cleanup"),
            ("moderators", raw.moderators.is_some(), "hire_moderators"),
            ("recall", raw.recall.is_some(), "improve_detection"),
            ("views_factor", raw.views_factor.is_some(), "age_gate"),
            ("handling_factor", raw.handling_factor.is_some(), "local_office"),
        ];
        for (name, given, kind) in params {
            if given && raw.kind != kind {
                self.error(
                    format!("{key}.{name}"),
                    format!("`{name}` applies to {kind} actions, not to {}", raw.kind),
                );
            }
        }
        let need = |this: &mut Self, name: &str, v: Option<f64>| -> Option<f64> {
            if v.is_none() {
                this.error(key, format!("a {} action needs `{name}`", raw.kind));
            }
            v
        };
        let effect = match raw.kind.as_str() {
            "cleanup" => {
                let rate = need(self, "items_per_day", raw.items_per_day)?;
                if !(rate > 0.0 && rate.is_finite()) {
                    self.error(
                        format!("{key}.items_per_day"),
                        format!("expected a rate above 0, found {rate}"),
                    );
                }
                Some(Effect::Cleanup { items_per_day: rate })
            }
            "hire_moderators" => Some(Effect::HireModerators {
                moderators: need(self, "moderators", raw.moderators.map(f64::from))? as u32,
            }),
            "improve_detection" => {
                let r = need(self, "recall", raw.recall)?;
                Some(Effect::ImproveDetection { recall: self.share(&format!("{key}.recall"), r) })
            }
            "age_gate" => {
                let f = need(self, "views_factor", raw.views_factor)?;
                Some(Effect::AgeGate { views_factor: self.share(&format!("{key}.views_factor"), f) })
            }
            "local_office" => {
                let f = need(self, "handling_factor", raw.handling_factor)?;
                Some(Effect::LocalOffice {
                    handling_factor: self.non_negative(&format!("{key}.handling_factor"), f),
                })
            }
            "register" => Some(Effect::Register),
            "commitment" => Some(Effect::Commitment),
            other => {
                let kinds = [
                    "cleanup",
                    "hire_moderators",
                    "improve_detection",
                    "age_gate",
                    "local_office",
                    "register",
                    "commitment",
                ];
                let help = match nearest(other, kinds) {
                    Some(k) => format!("did you mean \"{k}\"?"),
                    None => format!("expected one of: {}", kinds.join(", ")),
                };
                self.error_with_help(format!("{key}.kind"), format!("unknown action kind \"{other}\""), help);
                None
            }
        };
        Some(Action {
            name: raw.name.clone(),
            on: on?,
            delay: delay?,
            cost: self.non_negative(&format!("{key}.cost"), raw.cost.unwrap_or(0.0)),
            effect: effect?,
        })
    }
}
