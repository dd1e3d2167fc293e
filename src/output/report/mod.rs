//! report.html, report.md and charts/, built from an output folder's CSVs and run.json
//! alone: `run`, `compare` and `sweep` call [`build`] on the folder they have just
//! written, and `modsim report DIR` calls it on an existing folder, so both give the
//! same report.
//!
//! This file is long because, with its tests, the HTML and Markdown renderings of one report, and
//! the escaping each needs, are kept side by side so they say the same.

mod brief;
mod calibration;
pub mod calibration_data;
pub mod charts;
pub mod costs;
pub mod data;
mod glossary;
mod observed;
mod page;
mod parameters;
mod validation;
pub mod validation_data;

use std::fmt::Write as _;

use charts::Chart;
use data::{FolderData, MetricSummary, Open, RunData};

use crate::experiment::sweep::{TargetFindings, TargetPoint};
use crate::model::Metric;
use crate::output::columns::SummaryRow;
use crate::output::{answer, numbers, posterior, text};

/// Why a report could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the folder has no {0}; is it a modsim output folder?")]
    Missing(String),
    /// The file could not be read (an I/O error).
    #[error("cannot read {file}: {reason}")]
    Table { file: String, reason: String },
    /// The file was read but does not read back as what modsim writes: bad input.
    #[error("{file}{}: {reason}", place(*.line, .column.as_deref()))]
    Invalid {
        file: String,
        /// The line (from 1), where it is known.
        line: Option<u64>,
        /// The column: a CSV column's name, or run.json's character column.
        column: Option<String>,
        reason: String,
    },
    #[error("cannot draw a chart: {0}")]
    Chart(#[from] charts::ChartError),
}

/// ", line 3, column mean" for an error message.
fn place(line: Option<u64>, column: Option<&str>) -> String {
    let mut at = String::new();
    if let Some(line) = line {
        let _ = write!(at, ", line {line}");
    }
    if let Some(column) = column {
        let _ = write!(at, ", column {column}");
    }
    at
}

/// A file of the report, relative to the output folder.
pub struct ReportFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Builds the report of the folder that `open` opens (file name to a reader). Without
/// charts, the report says so and has none.
pub fn build(open: Open, with_charts: bool) -> Result<Vec<ReportFile>, ReportError> {
    let record = open("run.json").map(data::parse_record).transpose()?;
    match record.as_ref().map(|r| r.0.command.as_str()) {
        Some("calibrate") => return calibration::build(open, with_charts),
        Some("validate") => return validation::build(open, with_charts),
        _ => {}
    }
    let data = FolderData::read(open)?;
    let charts = if with_charts { charts::all(&data)? } else { Vec::new() };
    let mut files = Vec::new();
    for c in &charts {
        files.push(ReportFile { path: format!("charts/{}.svg", c.name), bytes: c.svg.clone().into_bytes() });
        files.push(ReportFile { path: format!("charts/{}.png", c.name), bytes: c.png.clone() });
    }
    files.push(ReportFile {
        path: "report.html".into(),
        bytes: html(&data, &charts, with_charts).into_bytes(),
    });
    files.push(ReportFile {
        path: "report.md".into(),
        bytes: markdown(&data, &charts, with_charts).into_bytes(),
    });
    Ok(files)
}

/// The metrics of the key-findings table, with how to say them: what users bear. Money
/// has a section of its own (`costs.rs`).
const KEY_METRICS: [(SummaryRow, &str); 8] = [
    (SummaryRow::Metric(Metric::Blocked), "Probability of at least one block"),
    (SummaryRow::Metric(Metric::TimeToFirstBlockDays), "Days to the first block (blocked replications)"),
    (SummaryRow::Metric(Metric::DaysBlocked), "Days blocked"),
    (SummaryRow::FirstBlockDuration, "First block's duration, median (Kaplan-Meier), days"),
    (SummaryRow::BlockDuration, "Duration of all blocks, relapses included, median (Kaplan-Meier), days"),
    (SummaryRow::Metric(Metric::Exposure), "Views of violating items"),
    (SummaryRow::Metric(Metric::UserDaysLost), "User-days lost"),
    (SummaryRow::Metric(Metric::WrongfulRemovals), "Clean items removed (collateral damage)"),
];

/// How blocks ended: shown only where some run had such blocks, so that a scenario
/// without courts or relapses is not told about them.
const BLOCK_ENDINGS: [(SummaryRow, &str); 4] = [
    (SummaryRow::Metric(Metric::Relapses), "Re-blocks per replication (blocks after the first)"),
    (SummaryRow::Metric(Metric::LiftedByCourt), "Blocks lifted by a court, per replication"),
    (
        SummaryRow::Metric(Metric::LiftedByBackdown),
        "Blocks lifted without compliance (backdown), per replication",
    ),
    (SummaryRow::Metric(Metric::LiftedByMistake), "Blocks corrected as mistakes, per replication"),
];

/// The rows of the key-findings table for `data`: every key metric, then the ways
/// blocks ended that occurred in some run.
fn key_rows(data: &FolderData) -> Vec<(SummaryRow, &'static str)> {
    let occurred = |key: SummaryRow| data.runs.iter().any(|r| r.metric(key).is_some_and(|m| m.mean > 0.0));
    KEY_METRICS.iter().copied().chain(BLOCK_ENDINGS.into_iter().filter(|&(key, _)| occurred(key))).collect()
}

fn format_value(row: SummaryRow, x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if row.is_share() {
        return format!("{:.1}%", x * 100.0);
    }
    // The terminal's formatter: three significant figures, k, M and G.
    text::quantity(x)
}

/// "12.3 (11.9 to 12.8)": a mean or median with its 95% CI.
fn with_ci(row: SummaryRow, m: &MetricSummary) -> String {
    let centre = if matches!(row, SummaryRow::BlockDuration | SummaryRow::FirstBlockDuration) {
        m.median
    } else {
        m.mean
    };
    if centre.is_nan() && m.n == 0.0 {
        return "no blocks".into();
    }
    if matches!(row, SummaryRow::BlockDuration | SummaryRow::FirstBlockDuration) {
        // As the terminal says it: a Kaplan-Meier median or limit may not be reached.
        let value =
            |x: f64, missing: &str| if x.is_finite() { format_value(row, x) } else { missing.to_owned() };
        let median = value(centre, "not reached");
        return if m.ci_low.is_finite() || m.ci_high.is_finite() {
            format!(
                "{median} ({} to {})",
                value(m.ci_low, "not estimable"),
                value(m.ci_high, "not estimable")
            )
        } else {
            format!("{median}; 95% CI not estimable")
        };
    }
    // Every metric is a quantity that cannot be negative: its shown interval starts at
    // zero at the lowest (README, Statistics).
    let lo = format_value(row, numbers::floored(m.ci_low));
    let hi = format_value(row, m.ci_high);
    if m.ci_low.is_finite() || m.ci_high.is_finite() {
        format!("{} ({lo} to {hi})", format_value(row, centre))
    } else {
        format_value(row, centre)
    }
}

fn difference(row: SummaryRow, m: &MetricSummary) -> String {
    match m.diff {
        Some(diff @ (d, lo, hi)) => {
            let mark = if data::significant(diff) { " *" } else { "" };
            format!("{} ({} to {}){mark}", signed(row, d), signed(row, lo), signed(row, hi))
        }
        None => String::new(),
    }
}

fn signed(row: SummaryRow, x: f64) -> String {
    let s = format_value(row, x);
    if x > 0.0 {
        format!("+{s}")
    } else {
        s
    }
}

/// Rows of the key-findings table: a header and rows of cells.
fn findings_table(data: &FolderData) -> (Vec<String>, Vec<Vec<String>>) {
    let runs = &data.runs;
    match data.record.command.as_str() {
        "compare" => {
            let mut header = vec!["Outcome (mean, 95% CI)".to_string()];
            let baseline = runs.first().map_or("", |r| r.label.as_str());
            for (i, r) in runs.iter().enumerate() {
                header.push(r.label.clone());
                if i > 0 {
                    header.push(format!("{} vs {baseline}", r.label));
                }
            }
            let rows = key_rows(data)
                .into_iter()
                .map(|(key, words)| {
                    let mut row = vec![words.to_string()];
                    for (i, r) in runs.iter().enumerate() {
                        let m = r.metric(key).cloned().unwrap_or_default();
                        row.push(with_ci(key, &m));
                        if i > 0 {
                            row.push(difference(key, &m));
                        }
                    }
                    row
                })
                .collect();
            (header, rows)
        }
        "sweep" => {
            let mut header: Vec<String> = data.sweep_params.clone();
            header.extend(
                ["P(block)", "Days blocked", "Views of violating items", "User-days lost"].map(String::from),
            );
            if let Some(target) = &data.record.target {
                header.push(format!("Target {}", target.target));
            }
            let rows = runs
                .iter()
                .map(|r| {
                    let mut row: Vec<String> = r.labels.iter().skip(1).map(|l| l.1.clone()).collect();
                    for metric in
                        [Metric::Blocked, Metric::DaysBlocked, Metric::Exposure, Metric::UserDaysLost]
                    {
                        let key = SummaryRow::Metric(metric);
                        row.push(r.metric(key).map_or("n/a".into(), |m| with_ci(key, m)));
                    }
                    if let Some(target) = &data.record.target {
                        row.push(answer_mark(target, r));
                    }
                    row
                })
                .collect();
            (header, rows)
        }
        _ => {
            let header = vec![
                "Outcome".to_string(),
                "Mean (95% CI)".to_string(),
                "5% to 95% of replications".to_string(),
            ];
            // The reader refuses a folder without runs; without one there is nothing to say.
            let Some(r) = runs.first() else {
                return (header, Vec::new());
            };
            let rows = key_rows(data)
                .into_iter()
                .filter_map(|(key, words)| {
                    let m = r.metric(key)?;
                    // A yes/no outcome has no spread worth showing.
                    let spread = if key == SummaryRow::Metric(Metric::Blocked) {
                        String::new()
                    } else {
                        format!("{} to {}", format_value(key, m.p05), format_value(key, m.p95))
                    };
                    Some(vec![words.to_string(), with_ci(key, m), spread])
                })
                .collect();
            (header, rows)
        }
    }
}

/// A sweep point's cell in the target column: whether it is the answer.
fn answer_mark(target: &TargetFindings, r: &RunData) -> String {
    let point: Option<usize> = r.labels.first().and_then(|l| l.1.parse().ok());
    let is = |p: &Option<TargetPoint>| p.as_ref().is_some_and(|p| Some(p.index) == point);
    match (is(&target.cheapest), is(&target.cheapest_confident)) {
        (true, true) => "◀ cheapest meeting it, with 95% confidence".into(),
        (true, false) => "◀ cheapest meeting it on average".into(),
        (false, true) => "◀ cheapest meeting it with 95% confidence".into(),
        (false, false) => String::new(),
    }
}

fn what_was_run(data: &FolderData) -> Vec<(String, String)> {
    let r = &data.record;
    let mut facts = vec![
        ("Scenario".to_string(), format!("{} ({})", r.scenario_name, r.scenario_files.join(", "))),
        ("Command".to_string(), format!("modsim {}", r.command)),
        (
            "Replications".to_string(),
            format!("{} per run, seed {} (common random numbers across runs)", r.replications, r.seed),
        ),
        ("Horizon".to_string(), format!("{} days", r.horizon_days)),
    ];
    if let Some(start) = &r.start {
        facts.push(("Start".into(), start.replace('T', " ")));
    }
    if !r.overrides.is_empty() {
        facts.push(("Set on the command line".into(), r.overrides.join(", ")));
    }
    for p in posterior::distinct(r.runs.iter().map(|run| run.posterior.as_ref())) {
        facts.push(("Posterior".into(), format!("{} (SHA-256 {})", p.describe(), p.sha256)));
    }
    if let Some(p) = &r.precision {
        // A mean of 0 with a half-width above 0 has no finite relative half-width.
        let worst = p.worst_relative_half_width;
        let worst =
            if worst.is_finite() { format!("at {:.1}%", worst * 100.0) } else { "not estimable".to_owned() };
        facts.push((
            "Precision".into(),
            format!(
                "target {:.1}% relative half-width, {} (worst: {} {worst})",
                p.target * 100.0,
                if p.reached { "reached" } else { "not reached" },
                p.worst_metric,
            ),
        ));
    }
    facts.push(("modsim".into(), format!("version {}", r.modsim_version)));
    facts
}

fn runs_table(data: &FolderData) -> Vec<(String, String)> {
    data.record
        .runs
        .iter()
        .map(|r| {
            (
                r.label.clone(),
                if r.overrides.is_empty() { "as in the file".into() } else { r.overrides.join(", ") },
            )
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.8em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}th{overflow-wrap:anywhere}\
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1.2em 0}figure svg{width:100%;height:auto;border:1px solid #eee}figcaption{color:#444;margin-top:.4em}\
.note{color:#555;font-size:.92em}p.opening{font-size:1.1em}p.warning{color:#8a4b00}dt{font-weight:600;margin-top:.4em}tr.answer td{background:#fff4c2;font-weight:600}";

fn html_table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    out.push_str("<table>\n<tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr>\n");
    for row in rows {
        // A row that answers the target stands out.
        if row.last().is_some_and(|c| c.starts_with('◀')) {
            out.push_str("<tr class=\"answer\">");
        } else {
            out.push_str("<tr>");
        }
        for (i, cell) in row.iter().enumerate() {
            let class =
                if i > 0 && cell.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '+' || c == '-') {
                    " class=\"num\""
                } else {
                    ""
                };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn pairs(rows: Vec<(String, String)>) -> Vec<Vec<String>> {
    rows.into_iter().map(|(a, b)| vec![a, b]).collect()
}

fn html(data: &FolderData, charts: &[Chart], with_charts: bool) -> String {
    let r = &data.record;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} - modsim report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&r.scenario_name),
        escape(&r.scenario_name)
    );
    if !r.scenario_description.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(&r.scenario_description));
    }
    let (opening, warnings) = brief::opening(data);
    if !opening.is_empty() {
        let _ = writeln!(out, "<p class=\"opening\">{}</p>", glossary::linked(&escape(&opening.join(" "))));
    }
    for w in &warnings {
        let _ = writeln!(out, "<p class=\"warning\">Warning: {}</p>", costs::code_spans(&escape(w)));
    }
    if let Some(target) = &r.target {
        let _ = writeln!(out, "<h2>The answer: {}</h2>\n<ul>", escape(&target.target));
        for line in answer::lines(target, r.replications, r.money.unit()) {
            let _ = writeln!(out, "<li>{}</li>", escape(&line));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>What was simulated</h2>\n");
    html_table(&mut out, &["".into(), "".into()], &pairs(what_was_run(data)));
    if r.runs.len() > 1 {
        out.push_str("<h3>Runs</h3>\n");
        html_table(&mut out, &["Run".into(), "Overrides".into()], &pairs(runs_table(data)));
    }
    out.push_str("<h2>Key findings</h2>\n");
    let (header, rows) = findings_table(data);
    html_table(&mut out, &header, &rows);
    out.push_str(&format!("<p class=\"note\">{}</p>\n", glossary::linked(&escape(&findings_note(data)))));
    if let Some(c) = costs::section(data) {
        let _ = writeln!(out, "<h2>{}</h2>", escape(&c.title));
        html_table(&mut out, &c.header, &c.rows);
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&c.note));
        for w in &c.warnings {
            let _ = writeln!(out, "<p class=\"note\">Warning: {}</p>", costs::code_spans(&escape(w)));
        }
    }
    if let Some(o) = observed::section(data) {
        out.push_str("<h2>Compared with what happened</h2>\n");
        for s in &o.sentences {
            let _ = writeln!(out, "<p>{}</p>", escape(s));
        }
        html_table(&mut out, &observed::header(), &o.rows);
    }
    if let Some((header, rows)) = takedown_table(data) {
        out.push_str("<h2>Takedown delays</h2>\n");
        html_table(&mut out, &header, &rows);
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(TAKEDOWN_NOTE));
    }
    out.push_str("<h2>Charts</h2>\n");
    if !with_charts {
        out.push_str("<p>Charts were not drawn (<code>--no-charts</code>); run <code>modsim report</code> on this folder to draw them.</p>\n");
    }
    for c in charts {
        html_figure(&mut out, c);
    }
    out.push_str("<h2>Parameters and assumptions</h2>\n<p>Every parameter of the ");
    out.push_str(if r.runs.len() > 1 {
        "first run, with defaults filled in; the other runs differ only by the overrides listed above."
    } else {
        "run, with defaults filled in."
    });
    out.push(' ');
    out.push_str(&escape(&parameters::summary(data)));
    out.push_str("</p>\n");
    html_table(&mut out, &parameters::header(), &parameters::rows(data));
    out.push_str("<h2 id=\"glossary\">Glossary</h2>\n<dl>\n");
    for (term, anchor, definition) in glossary::TERMS {
        let _ = writeln!(out, "<dt id=\"g-{anchor}\">{}</dt><dd>{}</dd>", escape(term), escape(definition));
    }
    out.push_str("</dl>\n");
    out.push_str("<h2>Files</h2>\n<p>");
    out.push_str(&escape(&r.files.join(", ")));
    out.push_str("</p>\n<p class=\"note\">Built by modsim from this folder's CSV files and run.json; <code>modsim report</code> rebuilds it.</p>\n</body>\n</html>\n");
    out
}

/// What the takedown table says, under it.
const TAKEDOWN_NOTE: &str = "For each category whose views fade with age: the time from upload to removal of every removed item, by how it came down, over all replications (takedown.csv has the quantiles), and the share of the removed items' lifetime views that their removal prevented.";

/// The takedown delays of every run, if any run measured them: a row per run,
/// category and path.
fn takedown_table(data: &FolderData) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let several = data.runs.len() > 1;
    let mut header: Vec<String> = Vec::new();
    if several {
        header.push("Run".into());
    }
    header.extend(
        ["Category", "Path", "Removed", "Mean delay", "Median delay", "Exposure prevented"].map(String::from),
    );
    let rows: Vec<Vec<String>> = data
        .runs
        .iter()
        .flat_map(|run| {
            run.takedowns.iter().map(move |t| {
                let mut row = if several { vec![run.label.clone()] } else { Vec::new() };
                row.extend([
                    t.category.clone(),
                    t.path.replace('_', " "),
                    text::quantity(t.removed as f64),
                    format!("{:.1} h", t.mean_delay_hours),
                    format!("{:.1} h", t.median_delay_hours),
                    format!("{:.1}%", t.exposure_prevented * 100.0),
                ]);
                row
            })
        })
        .collect();
    (!rows.is_empty()).then_some((header, rows))
}

/// A chart in report.html: its SVG inline under its title, with its caption.
fn html_figure(out: &mut String, c: &Chart) {
    let _ = write!(
        out,
        "<figure id=\"{}\">\n<h3>{}</h3>\n{}\n<figcaption>{} <span class=\"note\">(charts/{}.svg, charts/{}.png)</span></figcaption>\n</figure>\n",
        c.name,
        escape(&c.title),
        strip_xml_declaration(&c.svg),
        escape(&c.caption),
        c.name,
        c.name
    );
}

/// A chart in report.md: its PNG under its title, with its caption.
fn md_figure(out: &mut String, c: &Chart) {
    let _ = writeln!(
        out,
        "### {}\n\n![{}](charts/{}.png)\n\n{}\n",
        md_line(&c.title),
        md_alt(&c.title),
        c.name,
        md_line(&c.caption)
    );
}

fn strip_xml_declaration(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

fn findings_note(data: &FolderData) -> String {
    let mut note = format!(
        "Means over {} replications with 95% confidence intervals. Block durations are right-censored at the horizon, so their median comes from the Kaplan-Meier estimate.",
        data.record.replications
    );
    if data.record.runs.iter().any(|run| run.posterior.is_some()) {
        note.push_str(" Each replication drew its parameters from a calibration posterior, so the intervals include parameter uncertainty as well as chance.");
    }
    if data.record.command == "compare" {
        note.push_str(" Differences are paired (common random numbers); * marks a difference whose 95% CI excludes zero.");
    }
    // Few replications and bursts of re-blocks are warned about once, under the opening.
    note
}

/// Text for report.md, kept to what it says: one line (a newline or tab becomes a
/// space), no HTML (`<`, `>`, `&` as entities), no code span or table cell end of its
/// own, and control characters shown as escapes (`text::push_visible`). Ordinary text
/// comes out unchanged.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '|' => out.push_str("\\|"),
            '`' => out.push_str("\\`"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => text::push_visible(&mut out, c),
        }
    }
    out
}

/// [`md`] for text that starts a line (a heading's or a paragraph's), where a leading
/// `#`, `-`, `+`, `*` or `=` would begin a heading, a list or a rule of its own.
fn md_line(s: &str) -> String {
    let mut out = md(s);
    let indent = out.len() - out.trim_start().len();
    if out.trim_start().starts_with(['#', '-', '+', '*', '=']) {
        out.insert(indent, '\\');
    }
    out
}

/// A chart's title as an image's alternative text, where a bracket would end it.
fn md_alt(title: &str) -> String {
    md(title).replace('[', "\\[").replace(']', "\\]")
}

fn md_table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.iter().map(|h| md(h)).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "|{}", header.iter().map(|_| "---|").collect::<String>());
    for row in rows {
        let _ = writeln!(out, "| {} |", row.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | "));
    }
    out.push('\n');
}

fn markdown(data: &FolderData, charts: &[Chart], with_charts: bool) -> String {
    let r = &data.record;
    let mut out = format!("# {}\n\n", md_line(&r.scenario_name));
    if !r.scenario_description.is_empty() {
        let _ = writeln!(out, "{}\n", md_line(&r.scenario_description));
    }
    let (opening, warnings) = brief::opening(data);
    if !opening.is_empty() {
        let _ = writeln!(out, "**{}**\n", md(&opening.join(" ")));
    }
    for w in &warnings {
        let _ = writeln!(out, "Warning: {}\n", md(w));
    }
    if let Some(target) = &r.target {
        let _ = writeln!(out, "## The answer: {}\n", md(&target.target));
        for line in answer::lines(target, r.replications, r.money.unit()) {
            let _ = writeln!(out, "- {}", md(&line));
        }
        out.push('\n');
    }
    out.push_str("## What was simulated\n\n");
    md_table(&mut out, &["".into(), "".into()], &pairs(what_was_run(data)));
    if r.runs.len() > 1 {
        out.push_str("### Runs\n\n");
        md_table(&mut out, &["Run".into(), "Overrides".into()], &pairs(runs_table(data)));
    }
    out.push_str("## Key findings\n\n");
    let (header, rows) = findings_table(data);
    md_table(&mut out, &header, &rows);
    let _ = writeln!(out, "{}\n", findings_note(data));
    if let Some(c) = costs::section(data) {
        let _ = writeln!(out, "## {}\n", md_line(&c.title));
        md_table(&mut out, &c.header, &c.rows);
        let _ = writeln!(out, "{}\n", md_line(&c.note));
        for w in &c.warnings {
            let _ = writeln!(out, "Warning: {}\n", md(w));
        }
    }
    if let Some(o) = observed::section(data) {
        out.push_str("## Compared with what happened\n\n");
        for s in &o.sentences {
            let _ = writeln!(out, "{}\n", md_line(s));
        }
        md_table(&mut out, &observed::header(), &o.rows);
    }
    if let Some((header, rows)) = takedown_table(data) {
        out.push_str("## Takedown delays\n\n");
        md_table(&mut out, &header, &rows);
        let _ = writeln!(out, "{TAKEDOWN_NOTE}\n");
    }
    out.push_str("## Charts\n\n");
    if !with_charts {
        out.push_str(
            "Charts were not drawn (`--no-charts`); run `modsim report` on this folder to draw them.\n\n",
        );
    }
    for c in charts {
        md_figure(&mut out, c);
    }
    out.push_str("## Parameters and assumptions\n\n");
    let summary = parameters::summary(data);
    if !summary.is_empty() {
        let _ = writeln!(out, "{}\n", md_line(&summary));
    }
    md_table(&mut out, &parameters::header(), &parameters::rows(data));
    out.push_str("## Glossary\n\n");
    for (term, _, definition) in glossary::TERMS {
        let _ = writeln!(out, "- **{}**: {}", md(term), md(definition));
    }
    out.push('\n');
    let _ = writeln!(out, "Files: {}\n", md(&r.files.join(", ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_numbers_are_the_terminal_s() {
        let views = SummaryRow::Metric(Metric::Exposure);
        for x in [98.4e6, 1e9, 2.5e12, 1234.0, 168_000.0, 12.345, 0.0, -48_512.0] {
            assert_eq!(format_value(views, x), text::quantity(x), "{x}");
        }
        assert_eq!(format_value(views, 98.4e6), "98.4 M");
        assert_eq!(format_value(views, 1234.0), "1.23 k");
        assert_eq!(format_value(SummaryRow::Metric(Metric::Blocked), 0.25), "25.0%");
        assert_eq!(format_value(views, f64::NAN), "n/a");
    }

    #[test]
    fn markdown_text_stays_text_and_ordinary_text_is_untouched() {
        for plain in ["TikTok in Indonesia, 2018", "regulator.ladder.block.trigger", "-304 (-306 to -303) *"]
        {
            assert_eq!(md(plain), plain);
        }
        assert_eq!(md("a | b"), "a \\| b");
        assert_eq!(md("<script>&`x`"), "&lt;script&gt;&amp;\\`x\\`");
        assert_eq!(md("one\n# two\u{1b}"), "one # two\\x1b");
        assert_eq!(md_line("# heading"), "\\# heading");
        assert_eq!(md_line("  - item"), "  \\- item");
        assert_eq!(md_line("Plain words"), "Plain words");
        assert_eq!(md_alt("a [b](c)"), "a \\[b\\](c)");
    }

    #[test]
    fn an_infinite_precision_is_not_estimable() {
        let mut data = data::tests::folder("run");
        data.record.precision = Some(crate::output::tables::PrecisionRecord {
            target: 0.05,
            reached: false,
            worst_metric: "blocked".into(),
            worst_relative_half_width: f64::INFINITY,
        });
        let facts = what_was_run(&data);
        let precision = facts.iter().find(|(k, _)| k == "Precision").unwrap();
        assert_eq!(
            precision.1,
            "target 5.0% relative half-width, not reached (worst: blocked not estimable)"
        );
    }

    #[test]
    fn durations_not_reached_read_as_the_terminal_says_them() {
        let m = |median: f64, lo: f64, hi: f64| MetricSummary {
            unit: "days".into(),
            n: 10.0,
            mean: f64::NAN,
            ci_low: lo,
            ci_high: hi,
            median,
            p05: f64::NAN,
            p95: f64::NAN,
            censored: 8.0,
            diff: None,
        };
        let row = SummaryRow::FirstBlockDuration;
        assert_eq!(with_ci(row, &m(f64::NAN, f64::NAN, f64::NAN)), "not reached; 95% CI not estimable");
        assert_eq!(with_ci(row, &m(f64::NAN, 30.0, f64::NAN)), "not reached (30 to not estimable)");
        assert_eq!(with_ci(row, &m(12.0, 10.0, 14.5)), "12 (10 to 14.5)");
    }

    #[test]
    fn a_folder_without_runs_has_an_empty_findings_table() {
        for command in ["run", "compare", "sweep"] {
            let (_, rows) = findings_table(&data::tests::folder(command));
            assert!(rows.iter().all(|r| r.len() == 1) || rows.is_empty(), "{command}: {rows:?}");
        }
    }
}
