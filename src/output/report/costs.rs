//! The report's costs: what the platform pays and loses, in the scenario's currency,
//! kept apart from the key findings, which are what users bear. The total and its
//! parts come from the folder's tables (`total_cost` and `output::money::PARTS`), the
//! currency and the costs left at zero from run.json's `money`.

use super::data::{FolderData, MetricSummary};
use super::{difference, format_value, with_ci};
use crate::model::Metric;
use crate::output::columns::SummaryRow;
use crate::output::money;

/// The costs section: a title, a table, the note under it and the warnings.
pub(super) struct Costs {
    pub(super) title: String,
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
    pub(super) note: String,
    /// Each cost the scenario left at zero, and a missing currency, in one sentence.
    pub(super) warnings: Vec<String>,
}

/// The rows of the table: the total, its four parts, then the compliance cost (the
/// first two parts), each named with the unit.
fn rows(unit: &str) -> Vec<(Metric, String)> {
    let named = |(m, name): (Metric, &str)| (m, format!("{}, {unit}", capitalised(name)));
    std::iter::once(named(money::TOTAL))
        .chain(money::PARTS.map(named))
        .chain(std::iter::once(named(money::COMPLIANCE)))
        .collect()
}

/// `s` with its first letter in upper case.
pub(super) fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// The warnings about the folder's money, as sentences: each cost the scenario left
/// at zero, and a missing currency (run.json's `money.warnings`).
pub fn warnings(data: &FolderData) -> Vec<String> {
    data.record.money.warnings.iter().map(|w| format!("{}.", w.sentence())).collect()
}

/// The costs section of the folder's report; `None` when its tables hold no cost
/// (a folder written before costs were counted has at least the parts).
pub(super) fn section(data: &FolderData) -> Option<Costs> {
    let unit = data.record.money.unit();
    let rows = rows(unit);
    let present = |m: Metric| data.runs.iter().any(|r| r.metric(m).is_some());
    let rows: Vec<(Metric, String)> = rows.into_iter().filter(|(m, _)| present(*m)).collect();
    if rows.is_empty() {
        return None;
    }
    let (header, table) = match data.record.command.as_str() {
        "compare" => compare_table(data, &rows),
        "sweep" => sweep_table(data, &rows),
        _ => run_table(data, &rows),
    };
    let mut note = money::definition(unit);
    note.push_str(
        " Means over replications with 95% confidence intervals; docs/costs.md says who pays what.",
    );
    if data.record.command == "compare" {
        note.push_str(" Differences are paired (common random numbers); * marks a difference whose 95% CI excludes zero.");
    }
    Some(Costs {
        title: format!("Costs to the platform, {unit}"),
        header,
        rows: table,
        note,
        warnings: warnings(data),
    })
}

/// HTML text (already escaped) with each `key` in backticks as `<code>key</code>`; an
/// unpaired backtick stays as it is.
pub(super) fn code_spans(escaped: &str) -> String {
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escaped.to_owned();
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i % 2 == 1 { format!("<code>{p}</code>") } else { p.to_string() })
        .collect()
}

fn cell(m: Option<&MetricSummary>, metric: Metric) -> String {
    m.map_or("n/a".into(), |m| with_ci(SummaryRow::Metric(metric), m))
}

fn run_table(data: &FolderData, rows: &[(Metric, String)]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["Cost", "Mean (95% CI)", "5% to 95% of replications"].map(String::from).to_vec();
    let Some(run) = data.runs.first() else { return (header, Vec::new()) };
    let table = rows
        .iter()
        .map(|(metric, name)| {
            let m = run.metric(*metric);
            let key = SummaryRow::Metric(*metric);
            let spread = m.map_or(String::new(), |m| {
                format!("{} to {}", format_value(key, m.p05), format_value(key, m.p95))
            });
            vec![name.clone(), cell(m, *metric), spread]
        })
        .collect();
    (header, table)
}

fn compare_table(data: &FolderData, rows: &[(Metric, String)]) -> (Vec<String>, Vec<Vec<String>>) {
    let runs = &data.runs;
    let baseline = runs.first().map_or("", |r| r.label.as_str());
    let mut header = vec!["Cost (mean, 95% CI)".to_string()];
    for (i, r) in runs.iter().enumerate() {
        header.push(r.label.clone());
        if i > 0 {
            header.push(format!("{} vs {baseline}", r.label));
        }
    }
    let table = rows
        .iter()
        .map(|(metric, name)| {
            let mut row = vec![name.clone()];
            for (i, r) in runs.iter().enumerate() {
                row.push(cell(r.metric(*metric), *metric));
                if i > 0 {
                    let m = r.metric(*metric).cloned().unwrap_or_default();
                    row.push(difference(SummaryRow::Metric(*metric), &m));
                }
            }
            row
        })
        .collect();
    (header, table)
}

/// A row per sweep point: its parameters, then each cost (the total and the
/// compliance cost with their intervals, the parts as means).
fn sweep_table(data: &FolderData, rows: &[(Metric, String)]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = data.sweep_params.clone();
    header.extend(rows.iter().map(|(_, name)| name.clone()));
    let table = data
        .runs
        .iter()
        .map(|r| {
            let mut row: Vec<String> = r.labels.iter().skip(1).map(|l| l.1.clone()).collect();
            for (metric, _) in rows {
                let m = r.metric(*metric);
                let sum = matches!(metric, Metric::TotalCost | Metric::ComplianceCost);
                row.push(match m {
                    Some(m) if !sum => format_value(SummaryRow::Metric(*metric), m.mean),
                    _ => cell(m, *metric),
                });
            }
            row
        })
        .collect();
    (header, table)
}

#[cfg(test)]
mod tests {
    use super::super::data::tests::folder;
    use super::super::data::RunData;
    use super::*;
    use crate::scenario::MoneyWarning;

    fn run(label: &str, values: &[(Metric, f64)]) -> RunData {
        let metrics = values
            .iter()
            .map(|&(m, mean)| {
                let summary = MetricSummary {
                    mean,
                    ci_low: mean * 0.9,
                    ci_high: mean * 1.1,
                    p05: mean * 0.5,
                    p95: mean * 1.5,
                    diff: Some((mean, mean * 0.5, mean * 1.5)),
                    ..MetricSummary::default()
                };
                (SummaryRow::Metric(m), summary)
            })
            .collect();
        RunData {
            label: label.into(),
            labels: vec![("variant".into(), label.into())],
            metrics,
            ..RunData::default()
        }
    }

    const COSTS: [(Metric, f64); 6] = [
        (Metric::ModerationCost, 1_200.0),
        (Metric::ActionCost, 750.0),
        (Metric::FinesAmount, 3_000.0),
        (Metric::RevenueLost, 12_000.0),
        (Metric::ComplianceCost, 1_950.0),
        (Metric::TotalCost, 16_950.0),
    ];

    #[test]
    fn a_run_s_costs_name_the_currency_in_every_row_and_its_warnings() {
        let mut data = folder("run");
        data.runs = vec![run("baseline", &COSTS)];
        data.record.money.currency = Some("USD".into());
        data.record.money.warnings = vec![MoneyWarning {
            key: "playbook.commitment.cost".into(),
            message: "not set, so the one-off cost of action `commitment` counts as zero".into(),
        }];
        let costs = section(&data).unwrap();
        assert_eq!(costs.title, "Costs to the platform, USD");
        let names: Vec<&str> = costs.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            names,
            [
                "Total cost to the platform, USD",
                "Moderation, USD",
                "Compliance actions, USD",
                "Fines, USD",
                "Revenue lost, USD",
                "Compliance cost (moderation and actions), USD"
            ]
        );
        assert_eq!(costs.rows[0][1], "16.9 k (15.3 k to 18.6 k)");
        assert_eq!(
            costs.warnings,
            ["`playbook.commitment.cost` is not set, so the one-off cost of action `commitment` counts as zero."]
        );
        assert!(costs.note.starts_with("All amounts in USD."), "{}", costs.note);
    }

    #[test]
    fn a_comparison_shows_paired_differences_and_a_folder_without_currency_currency_units() {
        let mut data = folder("compare");
        data.runs = vec![run("baseline", &COSTS), run("more", &COSTS)];
        let costs = section(&data).unwrap();
        assert_eq!(costs.title, "Costs to the platform, currency units");
        assert_eq!(costs.header, ["Cost (mean, 95% CI)", "baseline", "more", "more vs baseline"]);
        assert_eq!(costs.rows[0][3], "+16.9 k (+8.47 k to +25.4 k) *");
        assert!(costs.warnings.is_empty());
    }

    #[test]
    fn a_sweep_has_a_row_per_point_and_old_folders_show_what_they_have() {
        let mut data = folder("sweep");
        data.sweep_params = vec!["platform.review.moderators".into()];
        let mut point = run("0", &COSTS[..4]);
        point.labels = vec![("point".into(), "0".into()), ("platform.review.moderators".into(), "20".into())];
        data.runs = vec![point];
        let costs = section(&data).unwrap();
        // Without total_cost and compliance_cost rows (folders before them): the parts.
        assert_eq!(costs.header.len(), 5);
        assert_eq!(costs.rows, [["20", "1.20 k", "750", "3.00 k", "12.0 k"]]);
        data.runs = vec![run("0", &[(Metric::Exposure, 1.0)])];
        assert!(section(&data).is_none());
    }

    #[test]
    fn keys_in_backticks_become_code() {
        assert_eq!(code_spans("`a.b` is not set"), "<code>a.b</code> is not set");
        assert_eq!(code_spans("one ` alone"), "one ` alone");
    }
}
