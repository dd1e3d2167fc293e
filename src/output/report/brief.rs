//! The report's opening: two or three plain sentences that answer the folder's question
//! (a run: how likely a block is, how long it lasts, what users bear and what it costs;
//! a compare: which variant does better on what, significant differences only; a
//! sweep: the answer to `--target`, else where the block probability falls), then the
//! warnings a reader must not miss. Read from the folder's tables and run.json alone.

use super::costs::capitalised;
use super::data::{significant, FolderData, MetricSummary, RunData};
use crate::model::Metric;
use crate::output::columns::SummaryRow;
use crate::output::numbers::{few_replications, percent, quantity};
use crate::output::{answer, endings, money};

/// The opening sentences, then the warnings (each a sentence).
pub(super) fn opening(data: &FolderData) -> (Vec<String>, Vec<String>) {
    let sentences = match data.record.command.as_str() {
        "compare" => compare(data),
        "sweep" => sweep(data),
        _ => data.runs.first().map(|r| run(data, r)).unwrap_or_default(),
    };
    (sentences, warnings(data))
}

fn mean(r: &RunData, metric: Metric) -> Option<&MetricSummary> {
    r.metric(SummaryRow::Metric(metric))
}

/// A run: the block probability with its interval, the first block's median, exposure,
/// user-days lost and the cost.
fn run(data: &FolderData, r: &RunData) -> Vec<String> {
    let mut out = Vec::new();
    let n = data.record.replications;
    let horizon = data.record.horizon_days;
    if let Some(b) = mean(r, Metric::Blocked) {
        let mut s = format!(
            "Over {horizon:.0} days, the platform was blocked at least once in {} of {n} replications (95% CI {} to {})",
            percent(b.mean),
            percent(b.ci_low),
            percent(b.ci_high)
        );
        match r.metric(SummaryRow::FirstBlockDuration) {
            Some(d) if d.n > 0.0 => match d.median.is_finite() {
                true => s.push_str(&format!(
                    "; half of the first blocks were lifted within {:.1} days (Kaplan-Meier median)",
                    d.median
                )),
                false => {
                    s.push_str("; more than half of the first blocks were still in force at the horizon")
                }
            },
            _ => {}
        }
        out.push(format!("{s}."));
    }
    let unit = data.record.money.unit();
    let mut bear = Vec::new();
    if let Some(e) = mean(r, Metric::Exposure) {
        bear.push(format!("users saw {} views of violating items", quantity(e.mean)));
    }
    if let Some(u) = mean(r, Metric::UserDaysLost) {
        bear.push(format!("lost {} user-days to blocks", quantity(u.mean)));
    }
    let cost =
        mean(r, money::TOTAL.0).map(|c| format!("the platform's cost was {}", money::amount(c.mean, unit)));
    if !bear.is_empty() || cost.is_some() {
        let mut s = format!("On average per replication, {}", bear.join(" and "));
        if let Some(cost) = cost {
            s = if bear.is_empty() {
                format!("On average per replication, {cost}")
            } else {
                format!("{s}, and {cost}")
            };
        }
        out.push(format!("{s}."));
    }
    out
}

/// The headline outcomes a compare speaks of, with their words: (metric, what it is).
const COMPARED: [(Metric, &str); 4] = [
    (Metric::Blocked, "the block probability"),
    (Metric::DaysBlocked, "days blocked"),
    (Metric::Exposure, "exposure"),
    (Metric::UserDaysLost, "user-days lost"),
];

/// A compare: for each variant, its significant paired differences from the baseline.
fn compare(data: &FolderData) -> Vec<String> {
    let Some(baseline) = data.runs.first() else { return Vec::new() };
    let unit = data.record.money.unit();
    let mut out = Vec::new();
    let mut same = Vec::new();
    for r in &data.runs[1..] {
        // What the variant lowers and what it raises, each "what by how much".
        let (mut lowers, mut raises) = (Vec::new(), Vec::new());
        let compared = COMPARED.iter().map(|&(m, w)| (m, w.to_owned()));
        let cost = std::iter::once((money::TOTAL.0, "the cost to the platform".to_owned()));
        for (metric, words) in compared.chain(cost) {
            let Some((d, _, _)) = mean(r, metric).and_then(|m| m.diff).filter(|d| significant(*d)) else {
                continue;
            };
            let size = match metric {
                Metric::Blocked => format!("{:.1} pp", d.abs() * 100.0),
                Metric::DaysBlocked => format!("{} days", quantity(d.abs())),
                m if m.is_money() => money::amount(d.abs(), unit),
                _ => quantity(d.abs()),
            };
            if d < 0.0 { &mut lowers } else { &mut raises }.push(format!("{words} by {size}"));
        }
        let changes: Vec<String> = [("lowers", lowers), ("raises", raises)]
            .into_iter()
            .filter(|(_, list)| !list.is_empty())
            .map(|(verb, list)| format!("{verb} {}", join(&list)))
            .collect();
        if changes.is_empty() {
            same.push(r.label.clone());
        } else {
            out.push(format!("Against {}, {} {}.", baseline.label, r.label, changes.join(", and ")));
        }
    }
    if !same.is_empty() {
        out.push(format!(
            "{} {} no significant difference from {} on these outcomes.",
            join(&same),
            if same.len() == 1 { "makes" } else { "make" },
            baseline.label
        ));
    }
    if !out.is_empty() {
        out.push("Differences are paired over the same random numbers; only those whose 95% CI excludes zero are named.".into());
    }
    out
}

/// "a", "a and b", "a, b and c".
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A sweep: the answer to its target, else the range of the block probability.
fn sweep(data: &FolderData) -> Vec<String> {
    let r = &data.record;
    if let Some(target) = &r.target {
        let lines = answer::lines(target, r.replications, r.money.unit());
        return lines
            .into_iter()
            .take(2)
            .enumerate()
            .map(|(i, l)| match i {
                0 => format!("For the target {}: {l}.", target.target),
                _ => format!("{}.", capitalised(&l)),
            })
            .collect();
    }
    let point = |run: &RunData| {
        run.labels.iter().skip(1).map(|(p, v)| format!("{p} = {v}")).collect::<Vec<_>>().join(", ")
    };
    let blocked: Vec<(&RunData, f64)> =
        data.runs.iter().filter_map(|run| mean(run, Metric::Blocked).map(|m| (run, m.mean))).collect();
    let (Some(low), Some(high)) = (
        blocked.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
        blocked.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
    ) else {
        return Vec::new();
    };
    let mut out = vec![format!(
        "The block probability ranges from {} at {} to {} at {}.",
        percent(low.1),
        point(low.0),
        percent(high.1),
        point(high.0)
    )];
    if let Some(half) = blocked.iter().find(|(_, p)| *p < 0.5).filter(|_| high.1 >= 0.5) {
        out.push(format!("It first falls below 50% at {}.", point(half.0)));
    }
    out
}

/// What a reader must not miss: few replications, precision not reached, costs left at
/// zero, bursts of re-blocks, parameters drawn from a posterior.
fn warnings(data: &FolderData) -> Vec<String> {
    let r = &data.record;
    let mut out = Vec::new();
    if let Some(w) = few_replications(r.replications) {
        out.push(format!("{}.", capitalised(&w)));
    }
    if let Some(p) = r.precision.as_ref().filter(|p| !p.reached) {
        out.push(format!(
            "The precision asked for ({:.1}%) was not reached: {} is the least precise.",
            p.target * 100.0,
            p.worst_metric
        ));
    }
    let zero: Vec<&str> = r.money.warnings.iter().map(|w| w.key.as_str()).collect();
    if !zero.is_empty() {
        out.push(format!(
            "Costs left out count as zero, so the cost figures are incomplete: {} (see Costs).",
            zero.join(", ")
        ));
    }
    for run in &data.runs {
        let m = |metric| mean(run, metric).map_or(0.0, |m| m.mean);
        let blocked = m(Metric::Blocked);
        let per_blocked = if blocked > 0.0 { m(Metric::Relapses) / blocked } else { 0.0 };
        if let Some(w) = endings::relapse_warning_for(per_blocked) {
            out.push(format!("{}: {w}.", run.label));
            break;
        }
    }
    if r.runs.iter().any(|run| run.posterior.is_some()) {
        out.push(
            "Parameters were drawn from a calibration posterior, so intervals include parameter uncertainty."
                .into(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::data;
    use super::*;

    fn summary(mean: f64, diff: Option<(f64, f64, f64)>) -> MetricSummary {
        MetricSummary { mean, ci_low: mean * 0.9, ci_high: mean * 1.1, n: 100.0, diff, ..Default::default() }
    }

    fn run(label: &str, metrics: &[(Metric, MetricSummary)]) -> RunData {
        let mut r = RunData { label: label.into(), ..Default::default() };
        for (m, s) in metrics {
            r.metrics.insert(SummaryRow::Metric(*m), s.clone());
        }
        r
    }

    #[test]
    fn a_run_opens_with_the_block_its_length_and_what_users_bear() {
        let mut data = data::tests::folder("run");
        data.record.replications = 100;
        let mut r = run(
            "baseline",
            &[
                (
                    Metric::Blocked,
                    MetricSummary { mean: 0.25, ci_low: 0.17, ci_high: 0.34, ..Default::default() },
                ),
                (Metric::Exposure, summary(2.5e6, None)),
                (Metric::UserDaysLost, summary(1.2e6, None)),
            ],
        );
        r.metrics.insert(
            SummaryRow::FirstBlockDuration,
            MetricSummary { n: 25.0, median: 6.94, ..Default::default() },
        );
        data.runs.push(r);
        let (sentences, warnings) = opening(&data);
        assert_eq!(
            sentences,
            [
                format!("Over {:.0} days, the platform was blocked at least once in 25.0% of 100 replications (95% CI 17.0% to 34.0%); half of the first blocks were lifted within 6.9 days (Kaplan-Meier median).", data.record.horizon_days),
                "On average per replication, users saw 2.50 M views of violating items and lost 1.20 M user-days to blocks.".to_owned(),
            ]
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        data.record.replications = 10;
        assert!(opening(&data).1[0].starts_with("Only 10 replications: below 30"));
    }

    #[test]
    fn a_compare_names_only_significant_differences() {
        let mut data = data::tests::folder("compare");
        data.record.replications = 100;
        data.runs.push(run("baseline", &[(Metric::Blocked, summary(0.9, None))]));
        data.runs.push(run(
            "fines-first",
            &[
                (Metric::Blocked, summary(0.1, Some((-0.8, -0.85, -0.75)))),
                (Metric::Exposure, summary(5.0, Some((1000.0, -10.0, 2010.0)))),
                (Metric::UserDaysLost, summary(5.0, Some((-2.0e6, -2.5e6, -1.5e6)))),
            ],
        ));
        data.runs
            .push(run("more-moderators", &[(Metric::Blocked, summary(0.88, Some((-0.02, -0.05, 0.01))))]));
        let (sentences, _) = opening(&data);
        assert_eq!(sentences[0], "Against baseline, fines-first lowers the block probability by 80.0 pp and user-days lost by 2.00 M.");
        assert_eq!(
            sentences[1],
            "more-moderators makes no significant difference from baseline on these outcomes."
        );
    }

    #[test]
    fn a_sweep_without_a_target_says_where_the_block_probability_falls() {
        let mut data = data::tests::folder("sweep");
        for (m, p) in [("20", 0.9), ("40", 0.6), ("60", 0.3)] {
            let mut r = run(m, &[(Metric::Blocked, summary(p, None))]);
            r.labels = vec![("point".into(), m.into()), ("moderators".into(), m.into())];
            data.runs.push(r);
        }
        let (sentences, _) = opening(&data);
        assert_eq!(
            sentences,
            [
                "The block probability ranges from 30.0% at moderators = 60 to 90.0% at moderators = 20.",
                "It first falls below 50% at moderators = 60."
            ]
        );
    }
}
