//! Parameter overrides: one path syntax for `--set PATH=VALUE`, for `[[variants]]` and
//! for `--vary` in sweeps.
//!
//! A path is a dotted list of keys: `platform.review.moderators`. Arrays of tables are
//! addressed by the `name` of an entry (`regulator.ladder.block.trigger.wait`,
//! `playbook.cleanup.items_per_day`, `platform.categories.pornography.share`) or by
//! index (`platform.categories[0].share`). A value is read as TOML when it parses as
//! TOML (`200`, `0.5`, `true`, `{ dist = "exponential", mean = "3d" }`) and as text
//! otherwise (`3d`, `urgent_first`). Overrides edit the document before validation, so
//! an overridden value is checked exactly like one written in the file.

use std::fmt;
use std::str::FromStr;

use toml_edit::{DocumentMut, Item, Value};

use super::diagnostic::nearest;

/// One `PATH=VALUE` override.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub path: String,
    pub value: String,
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

impl FromStr for Override {
    type Err = String;
    fn from_str(s: &str) -> Result<Override, String> {
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}` is not PATH=VALUE (for example platform.review.moderators=200)"))?;
        let path = path.trim();
        if path.is_empty() {
            return Err(format!("`{s}` has an empty path"));
        }
        Ok(Override { path: path.to_owned(), value: value.trim().to_owned() })
    }
}

/// Why an override could not be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot apply `{override_}`: {message}{}", help.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
pub struct OverrideError {
    pub override_: String,
    pub message: String,
    pub help: Option<String>,
}

/// Applies `ov` to `doc`, inserting the last key if it is absent (the validation that
/// follows rejects keys the format does not have).
pub fn apply(doc: &mut DocumentMut, ov: &Override) -> Result<(), OverrideError> {
    let value = parse_value(&ov.value);
    let segments: Vec<&str> = ov.path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(OverrideError {
            override_: ov.to_string(),
            message: "the path has an empty key".into(),
            help: None,
        });
    }
    set(doc.as_item_mut(), &segments, "", value).map_err(|(message, help)| OverrideError {
        override_: ov.to_string(),
        message,
        help,
    })
}

/// A value as TOML if it parses as TOML, otherwise as text.
pub fn parse_value(text: &str) -> Value {
    let mut value = text.parse::<Value>().unwrap_or_else(|_| Value::from(text));
    // Default decoration: rendered as `key = value` wherever it lands.
    value.decor_mut().clear();
    value
}

type Failure = (String, Option<String>);

fn set(item: &mut Item, segments: &[&str], prefix: &str, value: Value) -> Result<(), Failure> {
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
        let entry = nth_entry(item, i).ok_or_else(|| (format!("`{prefix}` has no entry {i}"), None))?;
        if rest.is_empty() {
            return Err((format!("`{here}` is a whole entry; name one of its keys"), None));
        }
        return set(entry, rest, &here, value);
    }

    let Some(table) = item.as_table_like_mut() else {
        return Err((format!("`{prefix}` is a value, not a table"), None));
    };
    if rest.is_empty() && index.is_none() {
        table.insert(key, Item::Value(value));
        return Ok(());
    }
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    let near = nearest(key, keys.iter().map(String::as_str)).map(str::to_owned);
    if !table.contains_key(key) && index.is_none() && near.is_none() {
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
        Some(i) => {
            let entry = nth_entry(child, i).ok_or_else(|| (format!("`{here}` has no entry {i}"), None))?;
            if rest.is_empty() {
                return Err((format!("`{here}[{i}]` is a whole entry; name one of its keys"), None));
            }
            set(entry, rest, &format!("{here}[{i}]"), value)
        }
        None => set(child, rest, &here, value),
    }
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
}
