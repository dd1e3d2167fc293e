//! Text for people: the run summary table and the trace timeline.

use std::fmt::Write;

use chrono::NaiveDateTime;

use crate::engine::SimTime;
use crate::experiment::RunResults;
use crate::model::LogEntry;
use crate::scenario::Scenario;

use super::tables::date_of;

/// A quantity with a thousands suffix: 1234 -> "1.23 k", 5.6e9 -> "5.60 G".
pub fn quantity(x: f64) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    let a = x.abs();
    let (v, suffix) = if a >= 1e12 {
        (x / 1e12, " T")
    } else if a >= 1e9 {
        (x / 1e9, " G")
    } else if a >= 1e6 {
        (x / 1e6, " M")
    } else if a >= 1e4 {
        (x / 1e3, " k")
    } else {
        (x, "")
    };
    if suffix.is_empty() && v.fract() == 0.0 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.0}{suffix}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}{suffix}")
    } else {
        format!("{v:.2}{suffix}")
    }
}

fn percent(x: f64) -> String {
    if x.is_nan() {
        "n/a".into()
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

/// The short table `modsim run` prints.
pub fn run_summary(scenario: &Scenario, results: &RunResults) -> String {
    let mut out = String::new();
    let c = &results.config;
    let _ = writeln!(
        out,
        "{}: {} replications of {}, seed {}, {} threads, {:.2} s",
        scenario.name,
        c.replications,
        scenario.horizon,
        c.seed,
        results.threads_used,
        results.wall_time.as_secs_f64()
    );
    let row = |out: &mut String, label: &str, value: String, ci: String| {
        let _ = writeln!(out, "  {label:<24} {value:>12}   {ci}");
    };
    if let Some(s) = results.summary("blocked") {
        row(
            &mut out,
            "block probability",
            percent(s.mean),
            format!("95% CI {} to {}", percent(s.ci_low), percent(s.ci_high)),
        );
    }
    let km = &results.block_durations;
    if km.n == 0 {
        row(
            &mut out,
            "median block duration",
            "no blocks".into(),
            String::new(),
        );
    } else {
        let (lo, hi) = km.median_ci();
        // With heavy censoring a median or a limit may not be estimable: say so.
        let days = |x: Option<f64>| x.map_or("not estimable".into(), |d| format!("{d:.1}"));
        let median = km
            .median()
            .map_or("not reached".into(), |m| format!("{m:.1} days"));
        let ci = match (lo, hi) {
            (None, None) => "95% CI not estimable".to_owned(),
            _ => format!("95% CI {} to {} days", days(lo), days(hi)),
        };
        let ci = format!(
            "{ci}; Kaplan-Meier, {} of {} blocks still in force at the horizon",
            km.censored, km.n
        );
        row(&mut out, "median block duration", median, ci);
    }
    for (name, label, unit) in [
        ("exposure", "exposure", " views"),
        ("user_days_lost", "user-days lost", ""),
        ("orders_issued", "takedown orders", ""),
        ("mean_review_wait_hours", "mean review wait", " h"),
    ] {
        if let Some(s) = results.summary(name) {
            row(
                &mut out,
                label,
                format!("{}{unit}", quantity(s.mean)),
                format!("95% CI {} to {}", quantity(s.ci_low), quantity(s.ci_high)),
            );
        }
    }
    out
}

/// A point in time as a person reads it: a calendar date when the scenario has a start
/// date, otherwise "day N HH:MM".
pub fn when(start: Option<NaiveDateTime>, t: SimTime) -> String {
    match date_of(start, t) {
        Some(d) => d.format("%Y-%m-%d %H:%M").to_string(),
        None => {
            let day = t.0 / crate::engine::SimDuration::DAY.0;
            let minutes = t.time_of_day().0 / 60_000;
            format!("day {day:>3} {:02}:{:02}", minutes / 60, minutes % 60)
        }
    }
}

/// A replication's event log as a timeline.
pub fn timeline(scenario: &Scenario, replication: u64, log: &[LogEntry], blocks: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: replication {replication}", scenario.name);
    for e in log {
        let _ = writeln!(out, "{}  {}", when(scenario.start, e.time), e.text);
    }
    let _ = writeln!(
        out,
        "{}  end of the horizon ({} events, {blocks} blocks)",
        when(scenario.start, SimTime::ZERO + scenario.horizon),
        log.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_at_a_glance() {
        assert_eq!(quantity(12.0), "12");
        assert_eq!(quantity(1234.4), "1234");
        assert_eq!(quantity(12_345.0), "12.3 k");
        assert_eq!(quantity(5.6e9), "5.60 G");
        assert_eq!(quantity(f64::NAN), "n/a");
    }

    #[test]
    fn times_without_a_start_date() {
        let t = SimTime(3 * 86_400_000 + 9 * 3_600_000 + 5 * 60_000);
        assert_eq!(when(None, t), "day   3 09:05");
    }
}
