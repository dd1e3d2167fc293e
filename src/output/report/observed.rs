//! The report's "Compared with what happened": a scenario written from a case has its
//! observed episode (run.json's `observed`) set beside the simulated first blocks of
//! the first run (blocks.csv): where the observed duration falls among them, its
//! percentile, and whether it is inside the middle 90%.

use super::data::FolderData;
use crate::experiment::stats::KaplanMeier;
use crate::model::Metric;
use crate::output::columns::SummaryRow;
use crate::output::numbers::percent;
use crate::output::observed::ObservedRecord;

/// The section: sentences, then a table of (what, observed, simulated).
pub(super) struct Section {
    pub(super) sentences: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
}

/// The table's header.
pub(super) fn header() -> Vec<String> {
    ["", "Observed", "Simulated (first run)"].map(String::from).to_vec()
}

fn days(x: Option<f64>) -> String {
    x.map_or("not reached".into(), |d| format!("{d:.1} days"))
}

/// Where the observed episode falls among the simulated ones; `None` without an
/// observed episode, or in a sweep (whose points are not the case as it happened).
pub(super) fn section(data: &FolderData) -> Option<Section> {
    let observed: &ObservedRecord = data.record.observed.as_ref()?;
    if data.record.command == "sweep" {
        return None;
    }
    let run = data.runs.first()?;
    let blocked = run.metric(SummaryRow::Metric(Metric::Blocked)).map_or(f64::NAN, |m| m.mean);
    let mut sentences = Vec::new();
    let mut rows = Vec::new();
    let Some(duration) = observed.duration_days else {
        sentences.push(format!(
            "What happened: no block. The simulation blocked the platform in {} of replications{}.",
            percent(blocked),
            if blocked >= 0.5 { ", so it makes a block likelier than the record suggests" } else { "" }
        ));
        rows.push(vec![
            "Block".into(),
            "none".into(),
            format!("{} of replications blocked", percent(blocked)),
        ]);
        return Some(Section { sentences, rows });
    };
    rows.push(vec!["Block".into(), "yes".into(), format!("{} of replications blocked", percent(blocked))]);
    let first = &run.first_blocks;
    if let Some(start) = observed.block_start_day {
        let earlier = first.iter().filter(|b| b.start < start).count();
        let share = earlier as f64 / first.len().max(1) as f64;
        let time = run.metric(SummaryRow::Metric(Metric::TimeToFirstBlockDays));
        let spread = time.map_or(String::new(), |m| format!("; 5% to 95%: day {:.1} to {:.1}", m.p05, m.p95));
        rows.push(vec![
            "First block took effect".into(),
            match date(data.start(), start) {
                Some(date) => format!("day {start:.1} ({date})"),
                None => format!("day {start:.1}"),
            },
            format!("{} of simulated first blocks earlier{spread}", percent(share)),
        ]);
    }
    let pairs = || first.iter().map(|b| (b.duration_days, b.censored)).collect();
    let over = 1.0 - KaplanMeier::survival_at_of(pairs(), duration);
    // The middle 90% and the count: summary.csv's row of the same curve, which the run
    // estimated; a folder without that row has it estimated here.
    let defined = |x: f64| Some(x).filter(|x| !x.is_nan());
    let (n, low, high) = match run.metric(SummaryRow::FirstBlockDuration) {
        Some(m) => (m.n, defined(m.p05), defined(m.p95)),
        None => {
            let km = KaplanMeier::of_pairs(pairs());
            (km.n as f64, km.quantile(0.05), km.quantile(0.95))
        }
    };
    let interval = format!("{} to {}", days(low), days(high));
    let inside = low.is_none_or(|l| duration >= l) && high.is_none_or(|h| duration <= h);
    if observed.censored {
        sentences.push(format!(
            "What happened: the block was still in force after {duration:.1} days, when the record ends; {} of the simulated first blocks were still in force then.",
            percent(1.0 - over)
        ));
        rows.push(vec![
            "First block's duration".into(),
            format!("more than {duration:.1} days (still in force)"),
            format!("{} still in force then (Kaplan-Meier, {n} first blocks)", percent(1.0 - over)),
        ]);
    } else {
        let path = observed.lifted_by.as_ref().map_or(String::new(), |p| format!(", lifted by {p}"));
        let place = if inside {
            "inside the middle 90% of the simulated durations".to_owned()
        } else if high.is_some_and(|h| duration > h) {
            "beyond the middle 90% of the simulated durations: the model ends blocks sooner than this one ended".to_owned()
        } else {
            "below the middle 90% of the simulated durations: the model keeps blocks longer than this one lasted".to_owned()
        };
        sentences.push(format!(
            "What happened: a block of {duration:.1} days{path}. {} of the simulated first blocks were over by then, so the observed duration is at the {} percentile of the simulated ones, {place} ({interval}).",
            percent(over),
            ordinal((over * 100.0).round() as u32)
        ));
        rows.push(vec![
            "First block's duration".into(),
            format!("{duration:.1} days{path}"),
            format!("{} over by then (Kaplan-Meier, {n} first blocks)", percent(over)),
        ]);
    }
    rows.push(vec!["Middle 90% of simulated durations".into(), String::new(), interval]);
    rows.push(vec![
        "Inside the middle 90%".into(),
        if inside { "yes".into() } else { "no".into() },
        String::new(),
    ]);
    if !observed.sources.is_empty() {
        sentences.push(format!("The record: {}.", observed.sources.join(", ")));
    }
    Some(Section { sentences, rows })
}

/// The date `day` days after the scenario's start ([`FolderData::start`]), if it has
/// one.
fn date(start: Option<chrono::NaiveDateTime>, day: f64) -> Option<String> {
    let at =
        start?.checked_add_signed(chrono::Duration::milliseconds((day * 86_400_000.0).round() as i64))?;
    Some(at.format("%Y-%m-%d %H:%M").to_string())
}

/// 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, ...
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::super::data::{self, FirstBlock, MetricSummary, RunData};
    use super::*;

    fn block(replication: u64, duration: f64) -> FirstBlock {
        FirstBlock { replication, start: 10.0, duration_days: duration, censored: false }
    }

    fn folder(observed: ObservedRecord) -> FolderData {
        let mut data = data::tests::folder("run");
        data.record.observed = Some(observed);
        let mut run = RunData::default();
        run.metrics
            .insert(SummaryRow::Metric(Metric::Blocked), MetricSummary { mean: 1.0, ..Default::default() });
        // Ten replications, first blocks of 1 to 10 days.
        run.first_blocks = (0..10).map(|r| block(r, (r + 1) as f64)).collect();
        data.runs.push(run);
        data
    }

    fn lasted(days: f64) -> ObservedRecord {
        ObservedRecord {
            blocked: true,
            block_start_day: Some(12.0),
            duration_days: Some(days),
            censored: false,
            lifted_by: Some("compliance".into()),
            sources: vec!["https://example.org".into()],
        }
    }

    #[test]
    fn the_observed_duration_is_placed_among_the_simulated_first_blocks() {
        // Over by 6.5 days: the blocks of 1 to 6 days, 60%; the 90% interval by R's rule.
        let s = section(&folder(lasted(6.5))).unwrap();
        assert!(
            s.sentences[0].contains("60.0% of the simulated first blocks were over by then"),
            "{}",
            s.sentences[0]
        );
        assert!(s.sentences[0].contains("at the 60th percentile"), "{}", s.sentences[0]);
        assert!(s.sentences[0].contains("inside the middle 90%"), "{}", s.sentences[0]);
        assert_eq!(s.rows[1][2], "100.0% of simulated first blocks earlier");
        let beyond = section(&folder(lasted(30.0))).unwrap();
        assert!(beyond.sentences[0].contains("beyond the middle 90%"), "{}", beyond.sentences[0]);
        assert_eq!(beyond.rows.last().unwrap()[1], "no");
    }

    #[test]
    fn the_summary_row_of_the_first_blocks_gives_what_their_curve_gives() {
        // Estimated here from the blocks, or read from summary.csv's row of the same
        // curve: the same section.
        let estimated = folder(lasted(6.5));
        let mut read = folder(lasted(6.5));
        let km = KaplanMeier::new(&(1..=10).map(f64::from).collect::<Vec<_>>(), &[false; 10]);
        let (p05, p95) = (km.quantile(0.05).unwrap(), km.quantile(0.95).unwrap());
        let row = MetricSummary { n: 10.0, p05, p95, ..Default::default() };
        read.runs[0].metrics.insert(SummaryRow::FirstBlockDuration, row.clone());
        let (a, b) = (section(&estimated).unwrap(), section(&read).unwrap());
        assert_eq!((&a.sentences, &a.rows), (&b.sentences, &b.rows));
        assert!(b.rows.iter().any(|r| r[2].contains("(Kaplan-Meier, 10 first blocks)")), "{:?}", b.rows);
        // And the row is what is used: another interval shows.
        read.runs[0]
            .metrics
            .insert(SummaryRow::FirstBlockDuration, MetricSummary { n: 10.0, p05: 2.0, p95: 3.0, ..row });
        assert!(section(&read).unwrap().sentences[0].contains("(2.0 days to 3.0 days)"));
    }

    #[test]
    fn no_block_and_a_block_still_in_force_are_said_as_such() {
        let none =
            ObservedRecord { blocked: false, block_start_day: None, duration_days: None, ..lasted(0.0) };
        let s = section(&folder(none)).unwrap();
        assert!(s.sentences[0]
            .starts_with("What happened: no block. The simulation blocked the platform in 100.0%"));
        let still = ObservedRecord { censored: true, lifted_by: None, ..lasted(4.0) };
        let s = section(&folder(still)).unwrap();
        assert!(
            s.sentences[0].contains("60.0% of the simulated first blocks were still in force then"),
            "{}",
            s.sentences[0]
        );
    }

    #[test]
    fn the_observed_start_is_dated_when_the_scenario_has_a_calendar() {
        assert_eq!(date("2018-05-27T00:00:00".parse().ok(), 37.75).as_deref(), Some("2018-07-03 18:00"));
        assert_eq!(date(None, 37.75), None);
    }

    #[test]
    fn ordinals_read_as_words_do() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 60, 100].map(ordinal).to_vec();
        assert_eq!(
            got,
            ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "60th", "100th"]
        );
    }
}
