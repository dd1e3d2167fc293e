//! Text for people: the run summary table and the trace timeline. Names and texts from
//! a scenario reach the terminal through [`visible`], so none can move the cursor, ring
//! the bell or start a line of its own.

use std::borrow::Cow;
use std::fmt::Write;

use chrono::NaiveDateTime;

use crate::engine::SimTime;
use crate::experiment::RunResults;
use crate::model::{LogEntry, Metric};
use crate::scenario::{LoadedScenario, Scenario};

use super::endings::{lifting_paths, observed_against_simulated, relapse_warning};
use super::money;
pub use super::numbers::{floored, percent, quantity, thousands};

use super::posterior::{self, PosteriorRecord};
use super::tables::date_of;

/// Whether `c` would act on a terminal instead of showing: a control character (ESC,
/// BEL, NUL, a newline) or a bidirectional override, which reorders what follows.
fn is_hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Appends `c` to `out` as it should show: itself, or for a hidden character a visible
/// escape (`\n`, `\t`, `\x1b`, `\u{202e}`).
pub fn push_visible(out: &mut String, c: char) {
    match c {
        c if !is_hidden(c) => out.push(c),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_ascii() => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `s` for the terminal: hidden characters as visible escapes (see [`push_visible`]);
/// ordinary text as it is.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// The widest line modsim prints on the terminal; longer notes are wrapped.
pub const COLUMNS: usize = 100;

/// `text` wrapped at spaces for a line on which `first` characters are already
/// written: each further line is indented by `indent` spaces, and no line is longer
/// than [`COLUMNS`] unless a single word is.
pub fn wrap(text: &str, first: usize, indent: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut column = first;
    let mut line_started = false;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line_started && column + 1 + len > COLUMNS {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', indent));
            column = indent;
            line_started = false;
        }
        if line_started {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += len;
        line_started = true;
    }
    out
}

/// A line of `modsim run`'s table: label, value, and a note wrapped under itself.
fn row(out: &mut String, label: &str, value: String, note: String) {
    let start = format!("  {label:<24} {value:>12}   ");
    let width = start.chars().count();
    let _ = writeln!(out, "{}", format!("{start}{}", wrap(&note, width, width)).trim_end());
}

/// The short table `modsim run` prints.
pub fn run_summary(scenario: &Scenario, results: &RunResults) -> String {
    let mut out = String::new();
    let c = &results.config;
    let _ = writeln!(
        out,
        "{}: {} replications of {}, seed {}, {} threads, {:.2} s",
        visible(&scenario.name),
        c.replications,
        scenario.horizon,
        c.seed,
        results.threads_used,
        results.wall_time.as_secs_f64()
    );
    let s = results.summary(Metric::Blocked);
    row(
        &mut out,
        "block probability",
        percent(s.mean),
        format!("95% CI {} to {}", percent(s.ci_low), percent(s.ci_high)),
    );
    // The headline is the first block's duration: relapses, often short, would
    // otherwise pull the median of all blocks down.
    let km = &results.first_block_durations;
    if km.n == 0 {
        row(&mut out, "median first block", "no blocks".into(), String::new());
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
        row(&mut out, "median first block", median, ci);
    }
    if let Some(observed) = scenario.observed() {
        let (value, note) = observed_against_simulated(observed, results);
        row(&mut out, "observed first block", value, note);
    }
    let relapses = results.summary(Metric::Relapses);
    if relapses.mean >= 0.01 {
        let all = results.block_durations.median().map_or("not reached".into(), |m| format!("{m:.1} days"));
        row(
            &mut out,
            "re-blocks",
            quantity(relapses.mean),
            format!("per replication; median of all blocks {all}"),
        );
    }
    if let Some(paths) = lifting_paths(results) {
        row(&mut out, "blocks ended by", String::new(), paths);
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
            format!("95% CI {} to {}", quantity(floored(s.ci_low)), quantity(s.ci_high)),
        );
    }
    let unit = money::unit(results.currency.as_deref());
    let total = results.summary(money::TOTAL.0);
    row(
        &mut out,
        "cost to the platform",
        money::amount(total.mean, unit),
        format!("95% CI {} to {}", quantity(floored(total.ci_low)), quantity(total.ci_high)),
    );
    let _ = writeln!(out, "    {}", cost_parts(results));
    // Categories whose attention fades: how late removals came, and what they saved.
    for c in &results.delays {
        let d = c.all_paths();
        if d.removed == 0 {
            continue;
        }
        let hours = |days: f64| format!("{:.1} h", days * 24.0);
        row(
            &mut out,
            &format!("takedown delay, {}", visible(&c.category)),
            hours(d.quantile_days(0.5)),
            format!(
                "median; mean {}, 90% within {}; removals prevented {} of their items' views",
                hours(d.mean_days()),
                hours(d.quantile_days(0.9)),
                percent(d.mean_prevented_share())
            ),
        );
    }
    if let Some(warning) = relapse_warning(results) {
        let _ = writeln!(out, "warning: {warning}");
    }
    out
}

/// The parts of the total cost, their means in one line: "moderation 1.10 M, ...".
fn cost_parts(results: &RunResults) -> String {
    let parts: Vec<String> = money::PARTS
        .iter()
        .map(|(m, name)| format!("{name} {}", quantity(results.summary(*m).mean)))
        .collect();
    format!("of which {}", parts.join(", "))
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
    let _ = writeln!(out, "{}: replication {replication}", visible(&scenario.name));
    for e in log {
        let at = when(scenario.start, e.time);
        let width = at.chars().count() + 2;
        let _ = writeln!(out, "{at}  {}", wrap(&visible(&e.text), width, width));
    }
    let _ = writeln!(
        out,
        "{}  end of the horizon ({} events, {blocks} blocks)",
        when(scenario.start, SimTime::ZERO + scenario.horizon),
        log.len()
    );
    out
}

/// The lines about the posteriors `runs` drew their parameters from, each ending in a
/// newline; empty when no run has one.
pub fn posterior_notes(runs: &[(String, LoadedScenario)]) -> String {
    let records: Vec<Option<PosteriorRecord>> =
        runs.iter().map(|(_, l)| l.posterior.as_ref().map(PosteriorRecord::of)).collect();
    let distinct = posterior::distinct(records.iter().map(Option::as_ref));
    distinct.iter().map(|r| format!("{}\n", visible(&r.describe()))).collect()
}

/// The warning for a run of few replications (`numbers::few_replications`), for the
/// terminal.
pub fn few_replications_note(results: &RunResults) -> Option<String> {
    super::numbers::few_replications(results.config.replications)
        .map(|w| wrap(&format!("warning: {w}"), 0, 2))
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
        assert_eq!(quantity(999.0), "999");
        assert_eq!(quantity(1234.4), "1.23 k");
        assert_eq!(quantity(9999.0), "10.0 k");
        assert_eq!(quantity(999_999.0), "1.00 M");
        assert_eq!(quantity(-48_512.0), "-48.5 k");
        assert_eq!(quantity(12_345.0), "12.3 k");
        assert_eq!(quantity(5.6e9), "5.60 G");
        assert_eq!(quantity(f64::NAN), "n/a");
    }

    #[test]
    fn hidden_characters_show_as_escapes_and_ordinary_text_is_untouched() {
        assert!(matches!(visible("TikTok in Indonesia, 2018 – é"), Cow::Borrowed(_)));
        assert_eq!(visible("a\u{1b}[2J\u{7}\u{0}b"), "a\\x1b[2J\\x07\\x00b");
        assert_eq!(visible("one\ntwo\tthree\r"), "one\\ntwo\\tthree\\r");
        assert_eq!(visible("\u{202e}evil\u{85}"), "\\u{202e}evil\\u{85}");
    }

    #[test]
    fn notes_wrap_at_the_terminal_width_under_themselves() {
        let note = "95% CI 6.9 to 7.0 days; Kaplan-Meier, 0 of 1000 blocks still in force at the horizon";
        let wrapped = wrap(note, 42, 42);
        let lines: Vec<&str> = wrapped.lines().collect();
        let second = format!("{}still in force at the horizon", " ".repeat(42));
        assert_eq!(lines, ["95% CI 6.9 to 7.0 days; Kaplan-Meier, 0 of 1000 blocks", &second]);
        assert!(42 + lines[0].len() <= COLUMNS);
        assert_eq!(wrap("short note", 42, 42), "short note");
        let long_word = "x".repeat(120);
        assert_eq!(wrap(&long_word, 0, 2), long_word);
    }

    #[test]
    fn times_without_a_start_date() {
        let t = SimTime(3 * 86_400_000 + 9 * 3_600_000 + 5 * 60_000);
        assert_eq!(when(None, t), "day   3 09:05");
    }
}
