//! Small value checks every section uses: shares, bounded numbers, durations,
//! distributions, dates, points in time, and references by name.

use chrono::NaiveDateTime;

use super::cost::limit;
use super::Lowerer;
use crate::engine::{DurationDist, SimDuration, SimTime};
use crate::scenario::diagnostic::nearest;
use crate::scenario::raw::{RawDist, DISTRIBUTIONS};
use crate::scenario::units::{parse_datetime, parse_duration};

impl Lowerer {
    /// A share or probability in [0, 1].
    pub(super) fn share(&mut self, key: &str, value: f64) -> f64 {
        if !(0.0..=1.0).contains(&value) {
            self.error(key, format!("expected a share between 0 and 1, found {value}"));
        }
        value
    }

    /// A finite number >= 0 and no larger than the key's limit (see [`limit`]).
    pub(super) fn non_negative(&mut self, key: &str, value: f64) -> f64 {
        let max = limit(key);
        if !value.is_finite() || value < 0.0 {
            self.error(key, format!("expected a finite number of at least 0, found {value}"));
        } else if value > max {
            self.error(
                key,
                format!(
                    "expected at most {}, found {}; a value this large is almost certainly a typo",
                    number(max),
                    number(value)
                ),
            );
        }
        value
    }

    /// A duration such as "30m" or "7d".
    pub(super) fn duration(&mut self, key: &str, text: &str) -> Option<SimDuration> {
        match parse_duration(text) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.error_with_help(
                    key,
                    format!("expected a duration: {msg}"),
                    "write a number and a unit: \"30m\", \"4h\", \"7d\", \"2w\"".into(),
                );
                None
            }
        }
    }

    /// A duration longer than zero.
    pub(super) fn positive_duration(&mut self, key: &str, text: &str) -> Option<SimDuration> {
        let d = self.duration(key, text)?;
        if d == SimDuration::ZERO {
            self.error(key, "expected a duration longer than zero, found 0");
            return None;
        }
        Some(d)
    }

    /// A random duration: a plain duration (fixed) or a table naming the distribution
    /// and exactly the parameters it takes.
    pub(super) fn dist(&mut self, key: &str, raw: &RawDist) -> Option<DurationDist> {
        let t = match raw {
            RawDist::Fixed(text) => return self.duration(key, text).map(DurationDist::fixed),
            RawDist::Table(t) => t,
        };
        let kinds = DISTRIBUTIONS.map(|(kind, _)| kind);
        let needed: &[&str] = match DISTRIBUTIONS.iter().find(|(kind, _)| *kind == t.dist) {
            Some((_, parameters)) => parameters,
            None => {
                let other = t.dist.as_str();
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
                Some(text) if needed.contains(&name) => match self.duration(&sub, text) {
                    Some(d) => {
                        values.insert(name, d);
                    }
                    None => ok = false,
                },
                Some(_) => {
                    self.error(
                        sub,
                        format!(
                            "`{name}` does not apply to {} distribution (it takes {})",
                            with_article(&t.dist),
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

    /// A calendar date or date-time, as a TOML date or a string.
    pub(super) fn datetime(&mut self, key: &str, value: &toml::Value) -> Option<NaiveDateTime> {
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => {
                self.error(key, format!("expected a date like \"2018-07-03\", found a {}", other.type_str()));
                return None;
            }
        };
        parse_datetime(&text).map_err(|m| self.error(key, format!("expected a date: {m}"))).ok()
    }

    /// The index of `name` among `names` (of a kind `what`), with a suggestion when
    /// there is none.
    pub(super) fn reference(&mut self, key: &str, name: &str, names: &[&str], what: &str) -> Option<usize> {
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

    /// A point in time: a duration since the start ("27d") or, with a start date, a date.
    pub(super) fn instant(
        &mut self,
        key: &str,
        value: &toml::Value,
        start: Option<NaiveDateTime>,
    ) -> Option<SimTime> {
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
}

/// "an exponential", "a gamma".
fn with_article(word: &str) -> String {
    let vowel = word.chars().next().is_some_and(|c| "aeiou".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// A number as people write it: 3, 0.5, 250000; powers of ten for very large or small
/// magnitudes (1e10, 1e-9).
fn number(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::super::testing::recorded;
    use super::*;

    /// A distribution as written after `d = ` in a file.
    fn raw_dist(text: &str) -> RawDist {
        #[derive(Deserialize)]
        struct Holder {
            d: RawDist,
        }
        toml::from_str::<Holder>(&format!("d = {text}")).expect("a distribution").d
    }

    /// The distribution `text` lowers to, and what the lowerer recorded.
    fn dist(text: &str) -> (Option<DurationDist>, Vec<String>) {
        let mut lowerer = Lowerer::default();
        let built = lowerer.dist("x", &raw_dist(text));
        (built, recorded(&lowerer))
    }

    #[test]
    fn shares_and_non_negative_numbers_are_kept_in_range() {
        type Check = fn(&mut Lowerer, &str, f64) -> f64;
        let (share, non_negative): (Check, Check) = (Lowerer::share, Lowerer::non_negative);
        let share_error = |v: &str| format!("expected a share between 0 and 1, found {v}");
        let sign_error = |v: &str| format!("expected a finite number of at least 0, found {v}");
        let cases = [
            (share, 0.0, None),
            (share, 1.0, None),
            (share, 1.5, Some(share_error("1.5"))),
            (share, -0.1, Some(share_error("-0.1"))),
            (share, f64::NAN, Some(share_error("NaN"))),
            (non_negative, 0.0, None),
            (non_negative, 1e15, None),
            (non_negative, -1.0, Some(sign_error("-1"))),
            (non_negative, f64::INFINITY, Some(sign_error("inf"))),
        ];
        for (check, value, expected) in cases {
            let mut lowerer = Lowerer::default();
            let kept = check(&mut lowerer, "x", value);
            assert!(kept == value || value.is_nan(), "{value}");
            let expected: Vec<String> = expected.into_iter().map(|m| format!("x: {m}")).collect();
            assert_eq!(recorded(&lowerer), expected, "{value}");
        }
    }

    #[test]
    fn durations_need_a_unit_and_positive_ones_a_length() {
        let mut lowerer = Lowerer::default();
        assert_eq!(lowerer.duration("a", "90m"), Some(SimDuration(90 * 60_000)));
        assert_eq!(lowerer.duration("b", "0d"), Some(SimDuration::ZERO));
        assert_eq!(lowerer.duration("c", "12"), None);
        assert_eq!(lowerer.positive_duration("d", "0h"), None);
        assert_eq!(lowerer.positive_duration("e", "1w"), Some(SimDuration(7 * 86_400_000)));
        let found = recorded(&lowerer);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("c: expected a duration: "), "{found:?}");
        assert_eq!(found[1], "d: expected a duration longer than zero, found 0");
        assert_eq!(
            lowerer.problems[0].help.as_deref(),
            Some("write a number and a unit: \"30m\", \"4h\", \"7d\", \"2w\"")
        );
    }

    #[test]
    fn distributions_are_built_from_their_parameters() {
        let cases = [
            ("\"2h\"", 7_200.0),
            ("{ dist = \"fixed\", value = \"1h\" }", 3_600.0),
            ("{ dist = \"exponential\", mean = \"30m\" }", 1_800.0),
            ("{ dist = \"uniform\", min = \"1h\", max = \"3h\" }", 7_200.0),
            ("{ dist = \"triangular\", min = \"0s\", mode = \"1h\", max = \"2h\" }", 3_600.0),
        ];
        for (text, mean_secs) in cases {
            let (built, found) = dist(text);
            assert!(found.is_empty(), "{text}: {found:?}");
            let built = built.unwrap_or_else(|| panic!("{text} should build"));
            assert!((built.mean_secs() - mean_secs).abs() < 1e-6, "{text}: {built:?}");
        }
    }

    #[test]
    fn distributions_refuse_unknown_kinds_and_wrong_parameters() {
        let cases = [
            ("{ dist = \"exponentail\", mean = \"1h\" }", "x.dist: unknown distribution \"exponentail\""),
            ("{ dist = \"gamma\", mean = \"1h\" }", "x: a gamma distribution needs `sd`"),
            (
                "{ dist = \"exponential\", mean = \"1h\", max = \"2h\" }",
                "x.max: `max` does not apply to an exponential distribution (it takes mean)",
            ),
            ("{ dist = \"fixed\", value = \"soon\" }", "x.value: expected a duration: "),
            ("{ dist = \"uniform\", min = \"3h\", max = \"1h\" }", "x: invalid uniform distribution: "),
            (
                "{ dist = \"lognormal\", median = \"2h\", p90 = \"1h\" }",
                "x: invalid lognormal distribution: ",
            ),
        ];
        for (text, expected) in cases {
            let (built, found) = dist(text);
            assert!(built.is_none(), "{text}");
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert!(found[0].starts_with(expected), "{text}: {found:?}");
        }
    }

    #[test]
    fn an_unknown_distribution_gets_the_nearest_kind() {
        let mut lowerer = Lowerer::default();
        lowerer.dist("x", &raw_dist("{ dist = \"gama\", mean = \"1h\" }"));
        assert_eq!(lowerer.problems[0].help.as_deref(), Some("did you mean \"gamma\"?"));
    }

    #[test]
    fn references_resolve_to_an_index_or_suggest_a_name() {
        let mut lowerer = Lowerer::default();
        let names = ["warning", "block"];
        assert_eq!(lowerer.reference("a", "block", &names, "escalation step"), Some(1));
        assert_eq!(lowerer.reference("b", "blok", &names, "escalation step"), None);
        assert_eq!(lowerer.reference("c", "x", &[], "playbook action"), None);
        assert_eq!(
            recorded(&lowerer),
            ["b: there is no escalation step named \"blok\"", "c: there is no playbook action named \"x\""]
        );
        let helps: Vec<_> = lowerer.problems.iter().map(|p| p.help.clone().unwrap_or_default()).collect();
        assert_eq!(helps, ["did you mean \"block\"?", "there is no playbook action to refer to"]);
    }

    #[test]
    fn instants_are_durations_or_dates_after_the_start() {
        let start = parse_datetime("2018-07-01").ok();
        let date = toml::Value::String("2018-07-03".into());
        let mut lowerer = Lowerer::default();
        assert_eq!(
            lowerer.instant("a", &toml::Value::String("2d".into()), None),
            Some(SimTime(2 * 86_400_000))
        );
        assert_eq!(lowerer.instant("b", &date, start), Some(SimTime(2 * 86_400_000)));
        assert!(recorded(&lowerer).is_empty());
        assert_eq!(lowerer.instant("c", &date, None), None);
        assert_eq!(lowerer.instant("d", &toml::Value::String("2018-06-30".into()), start), None);
        assert_eq!(lowerer.instant("e", &toml::Value::Integer(3), start), None);
        assert_eq!(
            recorded(&lowerer),
            [
                "c: expected a duration since the start such as \"30d\" (a date needs `scenario.start`)",
                "d: 2018-06-30 00:00:00 is before the scenario start 2018-07-01 00:00:00",
                "e: expected a date like \"2018-07-03\", found a integer",
            ]
        );
    }
}
