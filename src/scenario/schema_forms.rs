//! How the scenario file's own value forms appear in its JSON Schema (`modsim schema`):
//! durations, dates, clock times, moments, and the names a key takes from a fixed list.
//!
//! The raw structs (`raw.rs`) hold these values as text (they are parsed in `lower/`),
//! so their fields name one of the marker types below with `#[schemars(with = ...)]`;
//! each marker says, as a pattern or a list, what the parser accepts. The patterns are
//! checked against the parsers themselves (`units.rs`) in this file's tests.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use super::lifting::LiftPath;

/// What `units::parse_duration` accepts: numbers (digits, `_`, one `.`) each followed
/// by a unit, optionally with spaces after a unit ("30m", "1.5d", "1d 12h").
pub const DURATION_PATTERN: &str =
    r"^\s*(?:(?:[0-9_]*[0-9][0-9_]*\.?[0-9_]*|[0-9_]*\.[0-9_]*[0-9][0-9_]*)(?:ms|s|min|m|h|d|w)\s*)+$";

/// What `units::parse_datetime` accepts: a date, or a date and a time to the minute or
/// second, with `T` or a space between them (months and days of one or two digits; a
/// day the month lacks, such as 30 February, passes here and is refused by the parser).
pub const DATE_PATTERN: &str = r"^\s*[0-9]{4}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12][0-9]|3[01])(?:[T ](?:[01]?[0-9]|2[0-3]):[0-5]?[0-9](?::[0-5]?[0-9])?)?\s*$";

/// What `units::parse_clock_time` accepts: hours and minutes.
pub const CLOCK_TIME_PATTERN: &str = r"^\s*(?:[01]?[0-9]|2[0-3]):[0-5][0-9]\s*$";

/// Defines a marker type whose schema is a fixed JSON value.
macro_rules! form {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

form!(
    /// A duration such as "30m", "4h", "7d".
    Duration,
    json_schema!({
        "type": "string",
        "pattern": DURATION_PATTERN,
        "description": "A duration: a number and a unit (ms, s, m or min, h, d, w), or a sum such as \"1d12h\". Examples: \"30m\", \"4h\", \"7d\", \"1.5d\".",
        "examples": ["30m", "4h", "7d", "2w"]
    })
);

form!(
    /// A calendar date or date-time.
    Date,
    json_schema!({
        "type": "string",
        "pattern": DATE_PATTERN,
        "description": "A calendar date \"2018-07-03\" or date-time \"2018-07-03T09:00\" (a bare TOML date 2018-07-03 too).",
        "examples": ["2018-07-03", "2018-07-03T09:00"]
    })
);

form!(
    /// A clock time "HH:MM".
    ClockTime,
    json_schema!({
        "type": "string",
        "pattern": CLOCK_TIME_PATTERN,
        "description": "A clock time, hours and minutes: \"09:00\".",
        "examples": ["09:00"]
    })
);

/// A point in simulated time: a duration since the start, or a date (with
/// `scenario.start`).
pub struct Moment;

impl JsonSchema for Moment {
    fn schema_name() -> Cow<'static, str> {
        "Moment".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A moment: a duration since the scenario start (\"30d\") or, when `scenario.start` is set, a date (\"2018-07-03\").",
            "anyOf": [generator.subschema_for::<Duration>(), generator.subschema_for::<Date>()]
        })
    }
}

/// Defines a marker type for one of a fixed list of names (`raw.rs` uses it for its
/// lists of kinds).
macro_rules! names {
    ($(#[$doc:meta])* $name:ident, $names:expr, $description:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let names: Vec<&str> = $names.into_iter().collect();
                schemars::json_schema!({ "type": "string", "enum": names, "description": $description })
            }
        }
    };
}
pub(crate) use names;

names!(
    /// The ways a block ends (`lifted_by`).
    LiftPathName,
    LiftPath::ALL.map(LiftPath::name),
    "A way a block ends: compliance, court, backdown or mistake."
);

#[cfg(test)]
mod tests {
    use super::super::units::{parse_clock_time, parse_datetime, parse_duration};

    /// The examples the descriptions give parse. (The patterns are compared with the
    /// parsers on many strings in `tests/schema.rs`, which has a JSON Schema validator.)
    #[test]
    fn every_example_parses() {
        for d in ["30m", "4h", "7d", "2w", "1.5d", "1d12h", "1d 12h", "250ms", "90s", "1_000s"] {
            assert!(parse_duration(d).is_ok(), "{d}");
        }
        for d in ["2018-07-03", "2018-07-03T09:00", "2018-07-03 09:00:30"] {
            assert!(parse_datetime(d).is_ok(), "{d}");
        }
        assert!(parse_clock_time("09:00").is_ok());
    }
}
