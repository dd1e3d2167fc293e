//! Parameter overrides: one path syntax for `--set PATH=VALUE`, `--unset PATH`,
//! `[[variants]]` and `--vary` in sweeps.
//!
//! A path is a dotted list of keys: `platform.review.moderators`. Arrays of tables are
//! addressed by the `name` of an entry (`regulator.ladder.block.trigger.wait`,
//! `playbook.cleanup.items_per_day`, `platform.categories.pornography.share`) or by
//! index (`platform.categories[0].share`). A value is read as TOML when it parses as
//! TOML (`200`, `0.5`, `true`, `{ dist = "exponential", mean = "3d" }`) and as text
//! otherwise (`3d`, `urgent_first`). An unset deletes the key, or the whole entry of an
//! array of tables (`playbook.cleanup`). Overrides edit the document before
//! validation, so an overridden value is checked exactly like one written in the file.

use std::fmt;
use std::str::FromStr;

use toml_edit::{DocumentMut, Item, Value};

use super::diagnostic::nearest;

/// One override: `PATH=VALUE` sets a key, `unset PATH` deletes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub path: String,
    pub change: Change,
}

/// What an override does at its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Set the key to this value text (TOML, or else plain text).
    Set(String),
    /// Delete the key, or the entry of an array of tables.
    Unset,
}

impl Override {
    /// `path=value`.
    pub fn set(path: impl Into<String>, value: impl Into<String>) -> Override {
        Override { path: path.into(), change: Change::Set(value.into()) }
    }

    /// `unset path`.
    pub fn unset(path: impl Into<String>) -> Override {
        Override { path: path.into(), change: Change::Unset }
    }

    /// The value text a set gives; `None` for an unset.
    pub fn value(&self) -> Option<&str> {
        match &self.change {
            Change::Set(value) => Some(value),
            Change::Unset => None,
        }
    }
}

/// The text form run.json records and [`FromStr`] reads back: `PATH=VALUE` or
/// `unset PATH` (a path has no `=`, so the two cannot be confused).
impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.change {
            Change::Set(value) => write!(f, "{}={value}", self.path),
            Change::Unset => write!(f, "unset {}", self.path),
        }
    }
}

impl FromStr for Override {
    type Err = String;
    fn from_str(s: &str) -> Result<Override, String> {
        let Some((path, value)) = s.split_once('=') else {
            return match s.trim().strip_prefix("unset ") {
                Some(path) => unset_path(path),
                None => Err(format!("`{s}` is not PATH=VALUE (for example platform.review.moderators=200)")),
            };
        };
        let path = path.trim();
        if path.is_empty() {
            return Err(format!("`{s}` has an empty path"));
        }
        Ok(Override::set(path, value.trim()))
    }
}

/// The unset of `path` as `--unset` gives it: one path, no value.
pub fn unset_path(path: &str) -> Result<Override, String> {
    let path = path.trim();
    if path.is_empty() || path.contains(['=', ' ']) {
        return Err(format!(
            "`{path}` is not a path (for example playbook.cleanup or platform.review.accuracy)"
        ));
    }
    Ok(Override::unset(path))
}

/// Why an override could not be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot apply `{override_}`: {message}{}", help.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
pub struct OverrideError {
    pub override_: String,
    pub message: String,
    pub help: Option<String>,
}

/// Applies `ov` to `doc`. A set inserts the last key if it is absent (the validation
/// that follows rejects keys the format does not have); an unset deletes a key or an
/// entry that is there, and makes nothing.
pub fn apply(doc: &mut DocumentMut, ov: &Override) -> Result<(), OverrideError> {
    let edit = match &ov.change {
        Change::Set(value) => Edit::Set(parse_value(value)),
        Change::Unset => Edit::Unset,
    };
    let segments: Vec<&str> = ov.path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(OverrideError {
            override_: ov.to_string(),
            message: "the path has an empty key".into(),
            help: None,
        });
    }
    walk(doc.as_item_mut(), &segments, "", edit).map(|_| ()).map_err(|(message, help)| OverrideError {
        override_: ov.to_string(),
        message,
        help,
    })
}

/// A copy of what `path` names in `doc` (a value, a table or an entry), found by the
/// same walk as an override's; `None` when it is not there.
pub fn lookup(doc: &DocumentMut, path: &str) -> Option<Item> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    walk(doc.clone().as_item_mut(), &segments, "", Edit::Unset).ok().flatten()
}

/// A value as TOML if it parses as TOML, otherwise as text.
pub fn parse_value(text: &str) -> Value {
    let mut value = text.parse::<Value>().unwrap_or_else(|_| Value::from(text));
    // Default decoration: rendered as `key = value` wherever it lands.
    value.decor_mut().clear();
    value
}

/// Whether the problem at `key` concerns the value at `path` or lies inside it:
/// `platform.review.review_time.mean` is within `platform.review.review_time`.
pub fn path_within(key: &str, path: &str) -> bool {
    key == path || key.strip_prefix(path).is_some_and(|rest| rest.starts_with(['.', '[']))
}

/// Whether either path holds the other: an override of a whole table touches each
/// value inside it, and an override of one value touches the table holding it.
pub fn paths_overlap(a: &str, b: &str) -> bool {
    path_within(a, b) || path_within(b, a)
}

type Failure = (String, Option<String>);

/// An override's change with its value read.
enum Edit {
    Set(Value),
    Unset,
}

/// Walks `segments` down from `item` and makes the edit at the end; an unset hands
/// back what it removed.
fn walk(item: &mut Item, segments: &[&str], prefix: &str, edit: Edit) -> Result<Option<Item>, Failure> {
    let (segment, rest) = (segments[0], &segments[1..]);
    let (key, index) = match segment.split_once('[') {
        Some((k, i)) => {
            let i = i
                .trim_end_matches(']')
                .parse::<usize>()
                .map_err(|_| (format!("`{segment}` has a bad index"), None))?;
            (k, Some(i))
        }
        None => (segment, None),
    };
    let here = if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") };

    // An array of tables: the segment names an entry.
    if index.is_none() && is_array_of_tables(item) {
        let names = entry_names(item);
        let position = names
            .iter()
            .position(|n| n == key)
            .or_else(|| key.parse::<usize>().ok().filter(|i| *i < names.len()));
        let Some(i) = position else {
            let help = nearest(key, names.iter().map(String::as_str))
                .map(|n| format!("did you mean `{n}`?"))
                .unwrap_or_else(|| format!("entries: {}", names.join(", ")));
            return Err((format!("`{prefix}` has no entry named `{key}`"), Some(help)));
        };
        if rest.is_empty() {
            return match edit {
                Edit::Unset => remove_entry(item, i, prefix),
                Edit::Set(_) => Err((format!("`{here}` is a whole entry; name one of its keys"), None)),
            };
        }
        let entry = nth_entry(item, i).ok_or_else(|| (format!("`{prefix}` has no entry {i}"), None))?;
        return walk(entry, rest, &here, edit);
    }

    let Some(table) = item.as_table_like_mut() else {
        return Err((format!("`{prefix}` is a value, not a table"), None));
    };
    if rest.is_empty() && index.is_none() {
        if let Edit::Set(value) = edit {
            table.insert(key, Item::Value(value));
            return Ok(None);
        }
        if let Some(removed) = table.remove(key) {
            return Ok(Some(removed));
        }
    }
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    let near = nearest(key, keys.iter().map(String::as_str)).map(str::to_owned);
    let set = matches!(edit, Edit::Set(_));
    if set && !table.contains_key(key) && index.is_none() && near.is_none() {
        // A table the file leaves out (`platform.detection`): made here, and refused
        // by the validation that follows if the format has no such table.
        table.insert(key, Item::Table(toml_edit::Table::new()));
    }
    let Some(child) = table.get_mut(key) else {
        let help = near
            .map(|n| format!("did you mean `{n}`?"))
            .unwrap_or_else(|| format!("keys here: {}", keys.join(", ")));
        return Err((format!("there is no `{here}`"), Some(help)));
    };
    match index {
        Some(i) if rest.is_empty() => match edit {
            Edit::Unset => remove_entry(child, i, &here),
            Edit::Set(_) => Err((format!("`{here}[{i}]` is a whole entry; name one of its keys"), None)),
        },
        Some(i) => {
            let entry = nth_entry(child, i).ok_or_else(|| (format!("`{here}` has no entry {i}"), None))?;
            walk(entry, rest, &format!("{here}[{i}]"), edit)
        }
        None => walk(child, rest, &here, edit),
    }
}

/// Removes entry `i` of the array (of tables, or of values) at `item`, named `here`.
fn remove_entry(item: &mut Item, i: usize, here: &str) -> Result<Option<Item>, Failure> {
    if let Some(aot) = item.as_array_of_tables_mut().filter(|a| i < a.len()) {
        return Ok(Some(Item::Table(aot.remove(i))));
    }
    if let Some(array) = item.as_array_mut().filter(|a| i < a.len()) {
        return Ok(Some(Item::Value(array.remove(i))));
    }
    Err((format!("`{here}` has no entry {i}"), None))
}

fn is_array_of_tables(item: &Item) -> bool {
    item.is_array_of_tables()
        || item.as_array().is_some_and(|a| a.iter().all(|v| v.is_inline_table()) && !a.is_empty())
}

fn entry_names(item: &Item) -> Vec<String> {
    let name = |t: &dyn toml_edit::TableLike| t.get("name").and_then(|n| n.as_str()).unwrap_or("").to_owned();
    if let Some(aot) = item.as_array_of_tables() {
        aot.iter().map(|t| name(t)).collect()
    } else if let Some(a) = item.as_array() {
        a.iter().filter_map(|v| v.as_inline_table()).map(|t| name(t)).collect()
    } else {
        Vec::new()
    }
}

/// Entry `i` of an array of tables, as an item that can be walked into.
fn nth_entry(item: &mut Item, i: usize) -> Option<&mut Item> {
    item.get_mut(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
[platform.review]
moderators = 20
review_time = { dist = "exponential", mean = "5m" }

[[platform.categories]]
name = "pornography"
share = 0.01

[[platform.categories]]
name = "gambling"
share = 0.02

[[regulator.ladder]]
name = "block"
trigger = { after_step = "notice", wait = "7d" }
"#;

    fn check(set: &str, expect_in_doc: &str) {
        let mut doc: DocumentMut = DOC.parse().unwrap();
        apply(&mut doc, &set.parse().unwrap()).unwrap();
        let text = doc.to_string();
        assert!(text.contains(expect_in_doc), "{set}:\n{text}");
    }

    fn check_err(set: &str, expect: &str) {
        let mut doc: DocumentMut = DOC.parse().unwrap();
        let err = apply(&mut doc, &set.parse().unwrap()).unwrap_err().to_string();
        assert!(err.contains(expect), "{set}: {err}");
    }

    #[test]
    fn paths_by_key_name_and_index() {
        check("platform.review.moderators=200", "moderators = 200");
        check("platform.categories.gambling.share=0.5", "share = 0.5");
        check("platform.categories[0].share=0.3", "share = 0.3");
        check("regulator.ladder.block.trigger.wait=3d", r#"wait = "3d""#);
        check("platform.review.review_time.mean=8m", r#"mean = "8m""#);
        check(
            r#"platform.review.review_time={ dist = "lognormal", median = "4m", p90 = "9m" }"#,
            r#"review_time = { dist = "lognormal", median = "4m", p90 = "9m" }"#,
        );
        // An optional key that the file leaves out is inserted.
        check("platform.review.accuracy=0.9", "accuracy = 0.9");
    }

    #[test]
    fn a_table_the_file_leaves_out_is_made() {
        let mut doc: DocumentMut = DOC.parse().unwrap();
        apply(&mut doc, &"platform.detection.false_positive_rate=0.01".parse().unwrap()).unwrap();
        let back: toml::Table = toml::from_str(&doc.to_string()).unwrap();
        assert_eq!(back["platform"]["detection"]["false_positive_rate"].as_float(), Some(0.01), "{doc}");
        // Inside an inline table too.
        apply(&mut doc, &"regulator.ladder.block.trigger.extra.x=1".parse().unwrap()).unwrap();
        assert!(doc.to_string().contains("extra = { x = 1 }"), "{doc}");
        // A near miss of a key that exists is a typo, not a new table.
        check_err("platform.reveiw.moderators=3", "did you mean `review`?");
    }

    #[test]
    fn bad_paths_name_the_problem_and_suggest() {
        check_err("platform.reveiw.moderators=3", "did you mean `review`?");
        check_err("platform.categories.porn.share=0.1", "no entry named `porn`");
        check_err("platform.categories.gamblng.share=0.1", "did you mean `gambling`?");
        check_err("platform.review.moderators.x=1", "is a value, not a table");
        assert!("moderators".parse::<Override>().is_err());
    }

    /// `DOC` with `unset` applied, as a table.
    fn unset(path: &str) -> Result<toml::Table, String> {
        let mut doc: DocumentMut = DOC.parse().unwrap();
        apply(&mut doc, &Override::unset(path)).map_err(|e| e.to_string())?;
        Ok(toml::from_str(&doc.to_string()).unwrap())
    }

    #[test]
    fn an_unset_deletes_a_key_or_a_whole_entry() {
        let left = unset("platform.review.moderators").unwrap();
        assert_eq!(
            left["platform"]["review"].as_table().unwrap().keys().collect::<Vec<_>>(),
            ["review_time"]
        );
        let left = unset("platform.review.review_time.mean").unwrap();
        assert_eq!(left["platform"]["review"]["review_time"].as_table().unwrap().len(), 1);
        // An entry by name, by index, and by position in an array of tables.
        for path in ["platform.categories.pornography", "platform.categories[0]", "platform.categories.0"] {
            let left = unset(path).unwrap();
            let names: Vec<_> = left["platform"]["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["gambling"], "{path}");
        }
        let left = unset("regulator.ladder.block.trigger.wait").unwrap();
        assert_eq!(
            left["regulator"]["ladder"][0]["trigger"].as_table().unwrap().keys().collect::<Vec<_>>(),
            ["after_step"]
        );
    }

    #[test]
    fn an_unset_of_what_is_not_there_is_refused_and_makes_nothing() {
        assert_eq!(
            unset("platform.review.moderaters").unwrap_err(),
            "cannot apply `unset platform.review.moderaters`: there is no `platform.review.moderaters` (did you mean `moderators`?)"
        );
        assert_eq!(
            unset("playbook.cleanup").unwrap_err(),
            "cannot apply `unset playbook.cleanup`: there is no `playbook` (keys here: platform, regulator)"
        );
        assert_eq!(
            unset("platform.categories.gamblng").unwrap_err(),
            "cannot apply `unset platform.categories.gamblng`: `platform.categories` has no entry named `gamblng` (did you mean `gambling`?)"
        );
        assert!(unset("platform.categories[5]").unwrap_err().contains("has no entry 5"));
        // A table the file leaves out is not made, as a set would.
        let err = unset("platform.detection.false_positive_rate").unwrap_err();
        assert!(err.contains("there is no `platform.detection`"), "{err}");
        let err = unset("platform.review.accuracy").unwrap_err();
        assert!(
            err.contains("there is no `platform.review.accuracy` (keys here: moderators, review_time)"),
            "{err}"
        );
    }

    #[test]
    fn lookup_finds_what_an_override_would_reach() {
        let doc: DocumentMut = DOC.parse().unwrap();
        let found = |path: &str| lookup(&doc, path).map(|i| i.to_string().trim().to_owned());
        assert_eq!(found("platform.review.moderators").as_deref(), Some("20"));
        assert_eq!(found("platform.review.review_time.mean").as_deref(), Some("\"5m\""));
        assert_eq!(found("regulator.ladder.block.trigger.wait").as_deref(), Some("\"7d\""));
        let entry = lookup(&doc, "platform.categories.gambling").unwrap();
        assert_eq!(entry.get("share").and_then(|s| s.as_float()), Some(0.02));
        let table = lookup(&doc, "platform.review.review_time").unwrap();
        assert_eq!(table.get("dist").and_then(|d| d.as_str()), Some("exponential"));
        for missing in ["platform.review.accuracy", "platform.x.y", "a..b", "platform.categories.porn"] {
            assert!(lookup(&doc, missing).is_none(), "{missing}");
        }
        // The document is left as it was.
        assert_eq!(doc.to_string(), DOC);
    }

    #[test]
    fn overrides_read_back_from_their_text() {
        for ov in [
            Override::set("platform.review.moderators", "200"),
            Override::set(
                "platform.review.review_time",
                r#"{ dist = "lognormal", median = "4m", p90 = "9m" }"#,
            ),
            Override::unset("playbook.cleanup"),
            Override::unset("platform.categories[0].recall"),
        ] {
            let text = ov.to_string();
            assert_eq!(text.parse::<Override>(), Ok(ov), "{text}");
        }
        assert_eq!(Override::unset("playbook.cleanup").to_string(), "unset playbook.cleanup");
        assert!("unset ".parse::<Override>().is_err());
        assert!("unset a b".parse::<Override>().is_err());
        assert!(unset_path("a=1").is_err());
    }
}
