//! The multi-error deserialisation search and the location of key paths in the text.
//!
//! serde stops at the first type error. To report every independent one, the
//! offending key is taken out of a copy of the document and the rest is tried again;
//! each error is then located in the file as written through its key path.

use std::ops::Range;

use crate::scenario::diagnostic::{nearest, Diagnostic, Lines, Severity};
use crate::scenario::raw::RawScenario;
use crate::scenario::Override;

/// Most type errors collected from one file before giving up.
const MAX_TYPE_ERRORS: usize = 20;

/// What the search found in a file that does not deserialize as written.
#[derive(Debug)]
pub(super) struct TypeErrors {
    /// Every independent type error, located in the file as written.
    pub diagnostics: Vec<Diagnostic>,
    /// The file with every offending key taken out, and the paths taken out, when that
    /// deserializes with no stand-in: its range errors are then the file's too. A
    /// stand-in's value reaches beyond its own key (a ladder step named by a stand-in
    /// breaks every reference to it), so a file that needs one gets no lowering.
    pub stripped: Option<Box<(RawScenario, Vec<String>)>>,
}

impl TypeErrors {
    fn only(diagnostics: Vec<Diagnostic>) -> TypeErrors {
        TypeErrors { diagnostics, stripped: None }
    }
}

/// Deserializes the raw scenario, collecting every independent type error: after each
/// error the offending key is taken out of a copy of the document and the rest is
/// tried again. Each error is located in the original text through its key path.
/// Syntax errors and missing keys stop the search (nothing can be taken out).
pub(super) fn deserialize_all(text: &str, origin: &str) -> Result<RawScenario, TypeErrors> {
    let mut err = match toml::from_str::<RawScenario>(text) {
        Ok(raw) => return Ok(raw),
        Err(e) => e,
    };
    let mut diagnostics = vec![syntax_diagnostic(&err, text, origin)];
    let (Ok(original), Ok(mut doc)) =
        (text.parse::<toml_edit::Document<String>>(), text.parse::<toml_edit::DocumentMut>())
    else {
        return Err(TypeErrors::only(diagnostics));
    };
    // Keys taken out so far: serde then misses those that are required, an artifact
    // of this search and not a problem of the file.
    let mut removed: Vec<String> = Vec::new();
    let mut stand_ins = false;
    let mut stripped = None;
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
                let ov = Override::set(artifact.clone(), *stand_in);
                crate::scenario::overrides::apply(&mut trial, &ov).ok()?;
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
                return Err(TypeErrors::only(diagnostics));
            };
            doc = trial;
            next = e;
            stand_ins = true;
        }
        let Some(e) = next else {
            if !stand_ins {
                stripped =
                    toml::from_str::<RawScenario>(&doc.to_string()).ok().map(|raw| Box::new((raw, removed)));
            }
            break;
        };
        err = e;
        let current = doc.to_string();
        let mut d = syntax_diagnostic(&err, &current, origin);
        if let Some(span) = path_of(&err, &current).and_then(|p| span_of(&original, &p)) {
            // Re-locate in the file as written.
            d = Diagnostic::new(
                Severity::Error,
                origin,
                &Lines::new(text),
                Some(span),
                d.key.clone(),
                d.message.clone(),
                d.help.clone(),
            );
        }
        diagnostics.push(d);
    }
    diagnostics.sort_by_key(|d| (d.line, d.column));
    Err(TypeErrors { diagnostics, stripped })
}

/// The path of a key this search removed, if `err` says that key is missing.
fn removed_but_required(err: &toml::de::Error, text: &str, removed: &[String]) -> Option<String> {
    let rest = err.message().strip_prefix("missing field ")?;
    let table = path_of(err, text).unwrap_or_default();
    // One field (serde's words), or either of several (an `on` table's).
    rest.split('`').skip(1).step_by(2).find_map(|field| {
        let path = if table.is_empty() { field.to_owned() } else { format!("{table}.{field}") };
        removed.contains(&path).then_some(path)
    })
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
    // toml hands a bare date to serde as a one-key table: serde's words for it ("invalid
    // type: map", "unknown field `$__toml_private_datetime`") say nothing to a person.
    let date = e.span().and_then(|span| text.get(span)).and_then(bare_date);
    if let Some(date) =
        date.filter(|_| message.contains("invalid type: map") || message.contains("$__toml_private_datetime"))
    {
        message = format!("expected {}, found {date}", expected_text(&key));
    }
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
    Diagnostic::new(Severity::Error, origin, &Lines::new(text), e.span(), key, message, help)
}

/// "the date 2018-01-01" (or date-time, or time) when `value` is a bare TOML one.
fn bare_date(value: &str) -> Option<String> {
    let d = value.trim().parse::<toml::value::Datetime>().ok()?;
    let what = match (d.date.is_some(), d.time.is_some()) {
        (true, false) => "date",
        (true, true) => "date-time",
        _ => "time",
    };
    Some(format!("the {what} {d}"))
}

/// What the text key at `key` holds, as a person would write it.
fn expected_text(key: &str) -> &'static str {
    let last = key.rsplit('.').next().unwrap_or(key);
    let last = last.split('[').next().unwrap_or(last);
    match last {
        "horizon"
        | "step"
        | "warm_up"
        | "order_deadline"
        | "urgent_order_deadline"
        | "duration"
        | "within"
        | "wait"
        | "verification_period"
        | "review_time"
        | "handling_time"
        | "order_preparation"
        | "processing_time"
        | "delay"
        | "value"
        | "mean"
        | "median"
        | "p90"
        | "sd"
        | "min"
        | "mode"
        | "max" => "a duration such as \"365d\"",
        "shift_start" => "a clock time such as \"09:00\"",
        _ => "text in quotes",
    }
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

/// The keys of a key path: split at dots outside double quotes.
fn segments(key: &str) -> Vec<&str> {
    let mut quoted = false;
    key.split(|c| {
        quoted ^= c == '"';
        c == '.' && !quoted
    })
    .collect()
}

/// Byte span of the value at a dotted key path like `platform.categories[1].share`,
/// or of the nearest enclosing item that exists.
pub(in crate::scenario) fn span_of(doc: &toml_edit::Document<String>, key: &str) -> Option<Range<usize>> {
    let mut item: &toml_edit::Item = doc.as_item();
    let mut best = None;
    for segment in segments(key) {
        // A quoted key (`sources."platform.review.moderators"`) is one key, dots and all.
        if let Some(quoted) = segment.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            let Some(next) = item.get(quoted) else { break };
            item = next;
            best = item.span().or(best);
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::super::testing::VALID;
    use super::*;

    /// Five independent type errors in four tables.
    const TYPE_ERRORS: &str = r#"[scenario]
name = "x"
horizon = "30d"
colour = "blue"

[platform]
daily_active_users = 1000
uploads_per_day = "many"
catalogue_items = 100
categories = [{ name = "a", share = 0.1, views_per_item_per_day = 1, recal = 0.5 }]

[platform.review]
moderators = -3
review_time = "1m"

[platform.orders]
handling_time = "1d"

[regulator]
order_preparation = "1d"
order_deadline = true
ladder = []

[regulator.unblock]
processing_time = "1d"
"#;

    fn document(text: &str) -> toml_edit::Document<String> {
        text.parse().expect("a TOML document")
    }

    #[test]
    fn a_bare_date_where_text_is_expected_is_named() {
        let cases = [
            ("horizon = \"30d\"", "horizon = 2018-01-01", "scenario.horizon: expected a duration such as \"365d\", found the date 2018-01-01"),
            ("step = \"1d\"", "step = 2018-01-01T06:00:00", "scenario.step: expected a duration such as \"365d\", found the date-time 2018-01-01T06:00:00"),
            ("review_time = \"10m\"", "review_time = 00:10:00", "platform.review.review_time: expected a duration such as \"365d\", found the time 00:10:00"),
            ("name = \"hand-computed\"", "name = 2018-01-01", "scenario.name: expected text in quotes, found the date 2018-01-01"),
        ];
        for (from, to, expected) in cases {
            let text = VALID.replacen(from, to, 1);
            let found: Vec<String> = deserialize_all(&text, "t.toml")
                .map(|_| ())
                .expect_err("a type error")
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.key, d.message))
                .collect();
            assert_eq!(found, [expected], "{to}");
        }
    }

    #[test]
    fn every_independent_type_error_is_found_and_located() {
        let diagnostics = deserialize_all(TYPE_ERRORS, "t.toml").expect_err("type errors").diagnostics;
        let found: Vec<_> =
            diagnostics.iter().map(|d| (d.key.as_str(), d.line, d.column, d.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (
                    "scenario.colour",
                    4,
                    10,
                    "unknown field `colour`, expected one of `name`, `description`, `start`, `horizon`, `step`, `warm_up`, `replications`, `seed`, `currency`"
                ),
                ("platform.uploads_per_day", 8, 19, "invalid type: string \"many\", expected a number"),
                (
                    "platform.categories[0]",
                    10,
                    70,
                    "unknown field `recal`, expected one of `name`, `share`, `urgent`, `views_per_item_per_day`, `report_probability`, `recall`, `initial_stock`, `attention`"
                ),
                (
                    "platform.review.moderators",
                    13,
                    14,
                    "invalid value: integer `-3`, expected a whole number of at least 0"
                ),
                ("regulator.order_deadline", 21, 18, "invalid type: boolean `true`, expected text in quotes"),
            ]
        );
        assert_eq!(
            diagnostics[0].help.as_deref(),
            Some("valid keys here: name, description, start, horizon, step, warm_up, replications, seed, currency")
        );
        assert_eq!(diagnostics[2].help.as_deref(), Some("did you mean `recall`?"));
    }

    #[test]
    fn a_syntax_error_ends_the_search() {
        // Two syntax errors: only the first is reported (nothing can be taken out).
        let text = "[scenario]\nname = = \"x\"\nhorizon = \"30d\"\n[platform\n";
        let diagnostics = deserialize_all(text, "t.toml").expect_err("a syntax error").diagnostics;
        assert_eq!(diagnostics.len(), 1);
        let d = &diagnostics[0];
        assert_eq!(
            (d.key.as_str(), d.line, d.column, d.message.as_str()),
            ("", 2, 8, "extra `=`, expected nothing")
        );
    }

    #[test]
    fn the_search_stops_after_a_bounded_number_of_errors() {
        let unknown: String = (0..MAX_TYPE_ERRORS + 5).map(|i| format!("unknown{i} = 0\n")).collect();
        let text = VALID.replace("seed = 7\n", &format!("seed = 7\n{unknown}"));
        let diagnostics = deserialize_all(&text, "t.toml").expect_err("unknown keys").diagnostics;
        assert_eq!(diagnostics.len(), MAX_TYPE_ERRORS);
        assert!(diagnostics.iter().all(|d| d.message.starts_with("unknown field `unknown")));
    }

    #[test]
    fn a_valid_document_deserializes() {
        let raw = deserialize_all(VALID, "t.toml").expect("valid");
        assert_eq!(raw.scenario.name, "hand-computed");
        assert_eq!(raw.playbook.len(), 2);
    }

    #[test]
    fn paths_remove_keys_and_entries_of_arrays() {
        let text = "a = 1\n[b]\nc = [1, 2, 3]\n[[d]]\ne = 1\n[[d]]\ne = 2\nf = 3\n";
        let mut doc: toml_edit::DocumentMut = text.parse().expect("TOML");
        for path in ["b.c[1]", "d[1].f", "d[0]", "a"] {
            assert!(remove_path(&mut doc, path), "{path}");
        }
        for path in ["a", "b.c[5]", "d[3]", "x.y", "b.c[1].z"] {
            assert!(!remove_path(&mut doc, path), "{path} is not there");
        }
        let left: toml::Table = toml::from_str(&doc.to_string()).expect("TOML");
        let expected: toml::Table = toml::from_str("[b]\nc = [1, 3]\n[[d]]\ne = 2\n").expect("TOML");
        assert_eq!(left, expected);
    }

    #[test]
    fn key_paths_are_found_from_spans_and_back() {
        let doc = document(VALID);
        let cases = [
            ("platform.categories[0].share", "0.0"),
            ("regulator.ladder[1].trigger.after_step", "\"warning\""),
            ("regulator.unblock.required_actions[1]", "\"commitment\""),
            ("playbook[1].delay", "\"3d\""),
        ];
        for (key, value) in cases {
            let span = span_of(&doc, key).unwrap_or_else(|| panic!("{key} has a span"));
            assert_eq!(&VALID[span.clone()], value, "{key}");
            assert_eq!(key_at(doc.as_item(), &span, "").as_deref(), Some(key));
        }
    }

    #[test]
    fn a_missing_key_is_located_at_what_encloses_it() {
        let doc = document(VALID);
        let enclosing = span_of(&doc, "regulator.ladder[0].trigger").expect("a span");
        assert_eq!(span_of(&doc, "regulator.ladder[0].trigger.within"), Some(enclosing));
        assert_eq!(span_of(&doc, "nowhere.at_all"), None);
    }
}
