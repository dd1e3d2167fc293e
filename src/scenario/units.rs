//! Durations and clock times as people write them in scenario files.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::engine::SimDuration;

/// Parses "30m", "4h", "7d", "2w", "90s", "1.5d" or a sum such as "1d12h".
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("an empty duration".into());
    }
    let mut total_ms = 0.0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len =
            rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("`{text}` does not start with a number"));
        }
        let number: f64 = rest[..num_len]
            .replace('_', "")
            .parse()
            .map_err(|_| format!("`{}` is not a number", &rest[..num_len]))?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        let unit_ms = match unit {
            "ms" => 1.0,
            "s" => 1e3,
            "m" | "min" => 60e3,
            "h" => 3_600e3,
            "d" => 86_400e3,
            "w" => 7.0 * 86_400e3,
            "" => return Err(format!("`{text}` has no unit (use ms, s, m, h, d or w)")),
            other => return Err(format!("unknown unit `{other}` in `{text}` (use ms, s, m, h, d or w)")),
        };
        total_ms += number * unit_ms;
    }
    if !total_ms.is_finite() || total_ms >= 1e15 {
        return Err(format!("`{text}` is too long a duration"));
    }
    Ok(SimDuration(total_ms.round() as u64))
}

/// Parses a clock time "HH:MM" into the offset from midnight.
pub fn parse_clock_time(text: &str) -> Result<SimDuration, String> {
    let t = NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| format!("`{text}` is not a clock time like \"09:00\""))?;
    let secs = t.signed_duration_since(NaiveTime::MIN).num_seconds();
    Ok(SimDuration(secs as u64 * 1_000))
}

/// Parses a calendar date ("2018-07-03") or date-time ("2018-07-03T09:00").
pub fn parse_datetime(text: &str) -> Result<NaiveDateTime, String> {
    let s = text.trim();
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(dt);
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_time(NaiveTime::MIN))
        .map_err(|_| format!("`{text}` is not a date like \"2018-07-03\" or \"2018-07-03T09:00\""))
}

/// The calendar date `offset` after `start`, as a scenario file writes it: "2019-11-14",
/// or "2019-11-14T09:30" when it is not midnight; past the calendar's end, the day.
pub fn date_after(start: NaiveDateTime, offset: SimDuration) -> String {
    let when = i64::try_from(offset.0)
        .ok()
        .and_then(chrono::TimeDelta::try_milliseconds)
        .and_then(|d| start.checked_add_signed(d));
    let Some(when) = when else {
        return format!("day {:.0}", offset.as_days_f64());
    };
    if when.time() == NaiveTime::MIN {
        when.format("%Y-%m-%d").to_string()
    } else {
        when.format("%Y-%m-%dT%H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_with_units() {
        let cases = [
            ("30m", 30 * 60_000),
            ("4h", 4 * 3_600_000),
            ("7d", 7 * 86_400_000),
            ("2w", 14 * 86_400_000),
            ("90s", 90_000),
            ("1.5d", 36 * 3_600_000),
            ("1d12h", 36 * 3_600_000),
            ("250ms", 250),
        ];
        for (text, ms) in cases {
            assert_eq!(parse_duration(text), Ok(SimDuration(ms)), "{text}");
        }
    }

    #[test]
    fn durations_without_units_or_numbers_are_refused() {
        for bad in ["", "12", "h", "4 hours", "-3h", "1e400d", "4y"] {
            assert!(parse_duration(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn clock_times_and_dates() {
        assert_eq!(parse_clock_time("09:30"), Ok(SimDuration(9 * 3_600_000 + 30 * 60_000)));
        assert!(parse_clock_time("25:00").is_err());
        assert_eq!(parse_datetime("2018-07-03").unwrap().to_string(), "2018-07-03 00:00:00");
        assert_eq!(parse_datetime("2018-07-03T09:00").unwrap().to_string(), "2018-07-03 09:00:00");
        assert!(parse_datetime("3 July 2018").is_err());
        let start = parse_datetime("2018-07-03").unwrap();
        assert_eq!(date_after(start, SimDuration(500 * 86_400_000)), "2019-11-15");
        assert_eq!(date_after(start, SimDuration(9 * 3_600_000 + 30 * 60_000)), "2018-07-03T09:30");
    }
}
