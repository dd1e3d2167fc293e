//! Small value checks every section uses: shares, bounded numbers, durations,
//! distributions, dates, points in time, and references by name.

use chrono::NaiveDateTime;

use super::cost::limit;
use super::Lowerer;
use crate::engine::{DurationDist, SimDuration, SimTime};
use crate::scenario::diagnostic::nearest;
use crate::scenario::raw::RawDist;
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
            self.error(key, format!("expected at most {max:e}, found {value:e}; a value this large is almost certainly a typo"));
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
                    format!("expected a duration, found {msg}"),
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
        parse_datetime(&text).map_err(|m| self.error(key, format!("expected a date, found {m}"))).ok()
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
