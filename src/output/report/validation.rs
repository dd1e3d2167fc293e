//! The validation report: the verdict in plain words, what was done, each case's
//! forecast against what happened, the PIT histogram, the tables of cases and scores,
//! and a glossary; built from validation.csv and run.json alone.

use super::calibration_data::Interval;
use super::data::Open;
use super::page::{run_facts, Block, Page};
use super::validation_data::{Scored, ValidationData, ValidationRow};
use super::{charts, ReportError, ReportFile};
use crate::experiment::stats::wilson;
use crate::output::validation::{days, observed, verdict_sentence};

/// Builds report.html, report.md and (with charts) the charts of a validation folder.
pub(super) fn build(open: Open, with_charts: bool) -> Result<Vec<ReportFile>, ReportError> {
    let data = ValidationData::read(open)?;
    let charts = if with_charts { charts::validation(&data)? } else { Vec::new() };
    Ok(page(&data, &charts, with_charts).files(&charts))
}

/// What the terms of the report mean.
pub(super) const GLOSSARY: [(&str, &str); 5] = [
    ("CRPS", "The continuous ranked probability score: how far a forecast's whole distribution lies from what happened, here on the ln(1 + days) scale. Lower is better; for a forecast of one value it is the absolute error. For a censored outcome only forecast mass below what is known counts against it."),
    ("PIT", "The probability integral transform: the share of a forecast below what happened. Over many cases it is spread evenly between 0 and 1 when the forecasts are calibrated."),
    ("Censored", "A block still in force when the record ends: its duration is known to be at least the days so far, not exactly."),
    ("Reference-class baseline", "The forecast that ignores the model: a case will go like the other cases went, their observed outcomes taken as the forecast. A model must beat it to earn its complexity."),
    ("Coverage", "The share of cases whose outcome lies inside a forecast's 50% or 90% interval; near 50% and 90% when the intervals are honest. A censored outcome counts only where the interval decides it. The 95% Wilson interval shows how much a handful of cases can say."),
];

/// "3.0 to 12" for an interval of days.
fn range(low: f64, high: f64) -> String {
    format!("{} to {}", days(low), days(high))
}

/// "4 of 6 (67%, 95% CI 30 to 90%)".
fn coverage(covered: usize, judged: usize) -> String {
    if judged == 0 {
        return "no case could be judged".into();
    }
    let (low, high) = wilson(covered, judged);
    format!(
        "{covered} of {judged} ({:.0}%, 95% CI {:.0} to {:.0}%)",
        100.0 * covered as f64 / judged as f64,
        100.0 * low,
        100.0 * high
    )
}

/// (covered, judged) of one interval over the cases.
fn coverage_of(scores: impl Iterator<Item = Option<bool>>) -> (usize, usize) {
    let judged: Vec<bool> = scores.flatten().collect();
    (judged.iter().filter(|&&c| c).count(), judged.len())
}

fn score(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "n/a".into()
    }
}

fn percent(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0}%", 100.0 * x)
    } else {
        "n/a".into()
    }
}

fn summary_table(data: &ValidationData) -> Block<'static> {
    let s = &data.summary;
    let side = |pick: fn(&ValidationRow) -> Scored| {
        let scores: Vec<Scored> = data.rows.iter().map(pick).collect();
        let (c50, j50) = coverage_of(scores.iter().map(|s| s.covered50));
        let (c90, j90) = coverage_of(scores.iter().map(|s| s.covered90));
        (coverage(c50, j50), coverage(c90, j90))
    };
    let (model50, model90) = side(|r| r.model);
    let (base50, base90) = side(|r| r.baseline);
    let factor = |x: f64| format!("{} (a factor of {:.1})", score(x), x.exp());
    Block::Table(
        vec!["Score".into(), "Model".into(), "Reference-class baseline".into()],
        vec![
            vec!["50% intervals that held the outcome".into(), model50, base50],
            vec!["90% intervals that held the outcome".into(), model90, base90],
            vec!["Mean CRPS (lower is better)".into(), score(s.mean_crps), score(s.baseline_mean_crps)],
            vec![
                "Mean absolute log error of the median".into(),
                factor(s.mean_abs_log_error),
                factor(s.baseline_mean_abs_log_error),
            ],
            vec![
                "Cases with the lower CRPS".into(),
                format!("{} of {}", s.model_better, data.rows.len()),
                format!("{} of {}", data.rows.len() - s.model_better, data.rows.len()),
            ],
        ],
    )
}

fn case_table(data: &ValidationData) -> Block<'static> {
    let header = [
        "Case",
        "Observed",
        "Median",
        "50% interval",
        "90% interval",
        "P(block)",
        "CRPS",
        "CRPS baseline",
        "PIT",
    ];
    let interval = |f: &Interval| (days(f.median), range(f.q25, f.q75), range(f.q05, f.q95));
    let rows = data
        .rows
        .iter()
        .map(|r| {
            let (median, fifty, ninety) = interval(&r.forecast.model);
            vec![
                r.forecast.case.clone(),
                observed(r.forecast.observed),
                median,
                fifty,
                ninety,
                percent(r.forecast.model.block_probability),
                score(r.model.crps),
                score(r.baseline.crps),
                if r.model.pit.is_finite() { format!("{:.2}", r.model.pit) } else { "n/a".into() },
            ]
        })
        .collect();
    Block::Table(header.map(String::from).to_vec(), rows)
}

fn page<'a>(data: &ValidationData, charts: &'a [charts::Chart], with_charts: bool) -> Page<'a> {
    let n = data.rows.len();
    let parameters: Vec<&str> = data.calibration.parameters.iter().map(|p| p.name.as_str()).collect();
    let mut blocks = vec![
        Block::Paragraph(verdict_sentence(&data.summary)),
        Block::Paragraph(format!(
            "Leave-one-out over the {n} cases of {}: each case in turn was left out, the parameters ({}) were calibrated by ABC-SMC on the other {} cases, and the case left out was forecast from that posterior with {} draws, each one particle by weight and one run of the case. The reference-class baseline forecasts each case by the other cases' observed outcomes instead. Both are scored against what happened on the ln(1 + days) scale, so a factor of two counts the same for a two-day block as for a two-month one.",
            data.calibration.config,
            parameters.join(", "),
            n.saturating_sub(1),
            data.draws
        )),
        Block::Heading("Forecasts against outcomes".into()),
    ];
    let chart = |name: &str| charts.iter().find(|c| c.name == name).map(Block::Chart);
    if !with_charts {
        blocks.push(Block::NoCharts);
    }
    blocks.extend(chart("validation-forecasts"));
    blocks.push(Block::Heading("Are the forecasts calibrated?".into()));
    blocks.push(Block::Paragraph(
        "How to read the PIT histogram: flat = calibrated; U-shaped = forecasts too narrow; humped = too wide.".into(),
    ));
    blocks.extend(chart("validation-pit"));
    blocks.push(Block::Heading("Summary".into()));
    blocks.push(summary_table(data));
    blocks.push(Block::Note(
        "Coverage counts only the cases an interval can judge (a censored outcome above an interval's top cannot be judged by it), with 95% Wilson intervals. The mean absolute log error is on ln(1 + days); its exponential is the typical factor between median and outcome.".into(),
    ));
    blocks.push(Block::Heading("Each case".into()));
    blocks.push(case_table(data));
    blocks.push(Block::Note("Days throughout. P(block) is the share of the model's draws in which a block began; the intervals are central (5% to 95%, 25% to 75% of the draws). validation.csv holds the baseline's quantiles too.".into()));
    blocks.push(Block::Heading("Glossary".into()));
    blocks.push(Block::Terms(GLOSSARY.to_vec()));
    blocks.push(Block::Heading("What was run".into()));
    blocks.push(run_facts(
        &data.record,
        &data.calibration,
        vec![("Forecast draws per case", data.draws.to_string())],
    ));
    Page { title: format!("Validation of {}", data.calibration.config), blocks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_says_counts_share_and_wilson_interval() {
        assert_eq!(coverage(0, 0), "no case could be judged");
        // Wilson's 95% interval for 5 of 6: 0.436 to 0.970.
        assert_eq!(coverage(5, 6), "5 of 6 (83%, 95% CI 44 to 97%)");
        assert_eq!(coverage_of([Some(true), None, Some(false), Some(true)].into_iter()), (2, 3));
        assert_eq!(range(0.44, 31.6), "0.4 to 32");
        assert_eq!(score(f64::NAN), "n/a");
        assert_eq!(percent(0.456), "46%");
    }
}
