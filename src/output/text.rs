//! Text for people: the run summary table and the trace timeline.

use std::fmt::Write;

use chrono::NaiveDateTime;

use crate::engine::SimTime;
use crate::experiment::stats::PairedDifference;
use crate::experiment::sweep::{compliance_cost, Target, TargetAnswer};
use crate::experiment::RunResults;
use crate::model::{LogEntry, Metric};
use crate::scenario::Scenario;

use super::tables::date_of;

/// `x` scaled for a thousands suffix: 12,345 -> (12.345, "k"), 5.6e9 -> (5.6, "G");
/// below 10,000 unscaled, with no suffix.
pub fn thousands(x: f64) -> (f64, &'static str) {
    let a = x.abs();
    if a >= 1e12 {
        (x / 1e12, "T")
    } else if a >= 1e9 {
        (x / 1e9, "G")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e4 {
        (x / 1e3, "k")
    } else {
        (x, "")
    }
}

/// A quantity with a thousands suffix: 1234 -> "1234", 12,345 -> "12.3 k", 5.6e9 ->
/// "5.60 G".
pub fn quantity(x: f64) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    let (v, suffix) = thousands(x);
    let suffix = if suffix.is_empty() { String::new() } else { format!(" {suffix}") };
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
    let s = results.summary(Metric::Blocked);
    row(
        &mut out,
        "block probability",
        percent(s.mean),
        format!("95% CI {} to {}", percent(s.ci_low), percent(s.ci_high)),
    );
    let km = &results.block_durations;
    if km.n == 0 {
        row(&mut out, "median block duration", "no blocks".into(), String::new());
    } else {
        let (lo, hi) = km.median_ci();
        // With heavy censoring a median or a limit may not be estimable: say so.
        let days = |x: Option<f64>| x.map_or("not estimable".into(), |d| format!("{d:.1}"));
        let median = km.median().map_or("not reached".into(), |m| format!("{m:.1} days"));
        let ci = match (lo, hi) {
            (None, None) => "95% CI not estimable".to_owned(),
            _ => format!("95% CI {} to {} days", days(lo), days(hi)),
        };
        let ci =
            format!("{ci}; Kaplan-Meier, {} of {} blocks still in force at the horizon", km.censored, km.n);
        row(&mut out, "median block duration", median, ci);
    }
    for (metric, label, unit) in [
        (Metric::Exposure, "exposure", " views"),
        (Metric::UserDaysLost, "user-days lost", ""),
        (Metric::OrdersIssued, "takedown orders", ""),
        (Metric::MeanReviewWaitHours, "mean review wait", " h"),
    ] {
        let s = results.summary(metric);
        row(
            &mut out,
            label,
            format!("{}{unit}", quantity(s.mean)),
            format!("95% CI {} to {}", quantity(s.ci_low), quantity(s.ci_high)),
        );
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

/// Headline rows of the compare and sweep tables: metric, label, how to show a value.
const HEADLINES: [(Metric, &str); 6] = [
    (Metric::Blocked, "block probability"),
    (Metric::DaysBlocked, "days blocked"),
    (Metric::Exposure, "exposure (views)"),
    (Metric::UserDaysLost, "user-days lost"),
    (Metric::OrdersMissed, "orders missed"),
    (Metric::EconomicLoss, "economic loss"),
];

fn show(metric: Metric, x: f64) -> String {
    if metric == Metric::Blocked {
        percent(x)
    } else {
        quantity(x)
    }
}

fn show_difference(metric: Metric, d: &PairedDifference) -> String {
    let mark = if d.significant() { "*" } else { "" };
    if metric == Metric::Blocked {
        format!("{:+.1} pp{mark}", d.mean * 100.0)
    } else if d.mean >= 0.0 {
        format!("+{}{mark}", quantity(d.mean))
    } else {
        format!("-{}{mark}", quantity(-d.mean))
    }
}

fn median_block(results: &RunResults) -> String {
    let km = &results.block_durations;
    if km.n == 0 {
        return "no blocks".into();
    }
    km.median().map_or("not reached".into(), |m| format!("{m:.1} d"))
}

/// The table `modsim compare` prints: per metric, each variant's mean and its paired
/// difference against the first, then the trade-off between exposure and user-days lost.
pub fn compare_table(
    labels: &[String],
    runs: &[RunResults],
    differences: &[Vec<PairedDifference>],
) -> String {
    let mut out = String::new();
    let Some(first) = runs.first() else {
        return out;
    };
    let c = &first.config;
    let _ = writeln!(
        out,
        "{} variants, {} replications each, seed {}; differences are paired (common random numbers) against `{}`",
        runs.len(),
        c.replications,
        c.seed,
        labels[0]
    );
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(0).max(22) + 2;
    let _ = write!(out, "{:<24}", "");
    for l in labels {
        let _ = write!(out, "{l:>width$}");
    }
    let _ = writeln!(out);
    for (metric, label) in HEADLINES {
        let i = metric.index();
        let _ = write!(out, "{label:<24}");
        for (v, r) in runs.iter().enumerate() {
            let mean = show(metric, r.summaries[i].mean);
            let cell = match differences.get(v).and_then(|d| d.get(i)) {
                Some(d) if v > 0 => format!("{mean} ({})", show_difference(metric, d)),
                _ => mean,
            };
            let _ = write!(out, "{cell:>width$}");
        }
        let _ = writeln!(out);
    }
    let _ = write!(out, "{:<24}", "median block duration");
    for r in runs {
        let _ = write!(out, "{:>width$}", median_block(r));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "* the 95% CI of the paired difference excludes zero");
    let _ = writeln!(out);
    let _ = writeln!(out, "trade-off: what each policy leaves users exposed to, and what it costs them");
    let _ = writeln!(
        out,
        "  {:<22} {:>34} {:>34}",
        "variant", "exposure, views (95% CI)", "user-days lost (95% CI)"
    );
    for (l, r) in labels.iter().zip(runs) {
        let cell = |m: Metric| {
            let s = r.summary(m);
            format!("{} ({} to {})", quantity(s.mean), quantity(s.ci_low), quantity(s.ci_high))
        };
        let _ = writeln!(out, "  {l:<22} {:>34} {:>34}", cell(Metric::Exposure), cell(Metric::UserDaysLost));
    }
    out
}

/// The table `modsim sweep` prints: a row per point.
pub fn sweep_table(params: &[String], points: &[Vec<String>], runs: &[RunResults]) -> String {
    let mut out = String::new();
    let widths: Vec<usize> = params.iter().map(|p| p.len().max(8) + 2).collect();
    for (p, w) in params.iter().zip(&widths) {
        let _ = write!(out, "{p:<w$}");
    }
    let _ = writeln!(
        out,
        "{:>26} {:>14} {:>12} {:>14} {:>16}",
        "block probability (95% CI)", "median block", "exposure", "user-days lost", "compliance cost"
    );
    for (values, r) in points.iter().zip(runs) {
        for (v, w) in values.iter().zip(&widths) {
            let _ = write!(out, "{v:<w$}");
        }
        let s = r.summary(Metric::Blocked);
        let blocked = format!("{} ({}-{})", percent(s.mean), percent(s.ci_low), percent(s.ci_high));
        let mean = |m: Metric| quantity(r.summary(m).mean);
        let _ = writeln!(
            out,
            "{blocked:>26} {:>14} {:>12} {:>14} {:>16}",
            median_block(r),
            mean(Metric::Exposure),
            mean(Metric::UserDaysLost),
            quantity(compliance_cost(r))
        );
    }
    out
}

/// The answer to `--target`, in words.
pub fn target_answer(
    target: &Target,
    answer: &TargetAnswer,
    points: &[Vec<String>],
    params: &[String],
    runs: &[RunResults],
) -> String {
    let describe = |i: usize| {
        let at: Vec<String> = params.iter().zip(&points[i]).map(|(p, v)| format!("{p}={v}")).collect();
        let s = runs[i].summary(target.metric);
        let value = format!(
            "{} (95% CI {} to {})",
            show(target.metric, s.mean),
            show(target.metric, s.ci_low),
            show(target.metric, s.ci_high)
        );
        format!("{}: {value}, compliance cost {}", at.join(" "), quantity(compliance_cost(&runs[i])))
    };
    let mut out = format!("target {target}\n");
    match answer.cheapest {
        Some(i) => out.push_str(&format!("  cheapest point meeting it on average: {}\n", describe(i))),
        None => out.push_str("  no point meets it on average\n"),
    }
    match answer.cheapest_confident {
        Some(i) => {
            out.push_str(&format!("  cheapest point meeting it with 95% confidence: {}\n", describe(i)))
        }
        None => {
            out.push_str("  no point meets it with 95% confidence (more replications, or a wider sweep)\n")
        }
    }
    out
}

/// What `--precision` achieved, in words.
pub fn precision_note(results: &RunResults) -> Option<String> {
    let p = results.precision.as_ref()?;
    Some(if p.reached {
        format!(
            "precision: every headline 95% CI is within {:.1}% of its mean after {} replications",
            p.target * 100.0,
            p.replications
        )
    } else {
        format!(
            "precision: stopped at the cap of {} replications; `{}` is still at {:.1}% (target {:.1}%); raise --max-replications",
            p.replications,
            p.worst_metric,
            p.worst_relative * 100.0,
            p.target * 100.0
        )
    })
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
