//! A report page as a list of blocks (headings, paragraphs, tables, charts, terms),
//! written once as report.html and once as report.md so both say the same. The
//! calibration and validation reports are built this way; the escapes, the style and
//! the tables are those of every modsim report.

use std::fmt::Write as _;

use super::calibration_data::CalibrationRecord;
use super::charts::Chart;
use super::{escape, html_figure, html_table, md, md_figure, md_line, md_table, ReportFile, STYLE};
use crate::output::tables::RunRecord;

/// One block of a page.
pub(super) enum Block<'a> {
    Heading(String),
    Paragraph(String),
    /// A smaller remark under a table or chart.
    Note(String),
    /// Something the reader must not miss.
    Warning(String),
    Table(Vec<String>, Vec<Vec<String>>),
    Chart(&'a Chart),
    /// Where the charts would be, when they were not drawn.
    NoCharts,
    /// Terms and what they mean.
    Terms(Vec<(&'static str, &'static str)>),
}

/// A page: its title and blocks.
pub(super) struct Page<'a> {
    pub(super) title: String,
    pub(super) blocks: Vec<Block<'a>>,
}

const WARNING_STYLE: &str = ".warning{background:#fff4e5;border-left:4px solid #D55E00;padding:.5em .8em}dt{font-weight:bold;margin-top:.5em}dd{margin-left:1.5em}";

impl Page<'_> {
    /// The charts (SVG and PNG), report.html and report.md, as `build` returns them.
    pub(super) fn files(&self, charts: &[Chart]) -> Vec<ReportFile> {
        let mut files = Vec::new();
        for c in charts {
            files.push(ReportFile {
                path: format!("charts/{}.svg", c.name),
                bytes: c.svg.clone().into_bytes(),
            });
            files.push(ReportFile { path: format!("charts/{}.png", c.name), bytes: c.png.clone() });
        }
        files.push(ReportFile { path: "report.html".into(), bytes: self.html().into_bytes() });
        files.push(ReportFile { path: "report.md".into(), bytes: self.markdown().into_bytes() });
        files
    }

    fn html(&self) -> String {
        let title = escape(&self.title);
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title} - modsim report</title>\n<style>{STYLE}{WARNING_STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
        );
        for block in &self.blocks {
            match block {
                Block::Heading(h) => {
                    let _ = writeln!(out, "<h2>{}</h2>", escape(h));
                }
                Block::Paragraph(p) => {
                    let _ = writeln!(out, "<p>{}</p>", escape(p));
                }
                Block::Note(p) => {
                    let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(p));
                }
                Block::Warning(p) => {
                    let _ = writeln!(out, "<p class=\"warning\"><strong>Warning:</strong> {}</p>", escape(p));
                }
                Block::Table(header, rows) => html_table(&mut out, header, rows),
                Block::Chart(c) => html_figure(&mut out, c),
                Block::NoCharts => out.push_str("<p>Charts were not drawn; run <code>modsim report</code> on this folder to draw them.</p>\n"),
                Block::Terms(terms) => {
                    out.push_str("<dl>\n");
                    for (term, meaning) in terms {
                        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(term), escape(meaning));
                    }
                    out.push_str("</dl>\n");
                }
            }
        }
        out.push_str("<p class=\"note\">Built by modsim from this folder's CSV files and run.json; <code>modsim report</code> rebuilds it.</p>\n</body>\n</html>\n");
        out
    }

    fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", md_line(&self.title));
        for block in &self.blocks {
            match block {
                Block::Heading(h) => {
                    let _ = writeln!(out, "## {}\n", md_line(h));
                }
                Block::Paragraph(p) | Block::Note(p) => {
                    let _ = writeln!(out, "{}\n", md_line(p));
                }
                Block::Warning(p) => {
                    let _ = writeln!(out, "**Warning:** {}\n", md(p));
                }
                Block::Table(header, rows) => md_table(&mut out, header, rows),
                Block::Chart(c) => md_figure(&mut out, c),
                Block::NoCharts => out
                    .push_str("Charts were not drawn; run `modsim report` on this folder to draw them.\n\n"),
                Block::Terms(terms) => {
                    for (term, meaning) in terms {
                        let _ = writeln!(out, "- **{}**: {}", md(term), md(meaning));
                    }
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// The "What was run" table of a calibration or validation folder, with `more` rows
/// of the command's own.
pub(super) fn run_facts(
    record: &RunRecord,
    calibration: &CalibrationRecord,
    more: Vec<(&str, String)>,
) -> Block<'static> {
    let parameters: Vec<String> =
        calibration.parameters.iter().map(|p| format!("{} ({})", p.name, p.prior)).collect();
    let mut rows = vec![
        ("Calibration file", calibration.config.clone()),
        ("Command", format!("modsim {}", record.command)),
        ("Cases", calibration.cases.join(", ")),
        ("Parameters (prior)", parameters.join("; ")),
        (
            "Sampler",
            format!(
                "ABC-SMC, {} particles, at most {} generations, {} replications of each case per particle",
                calibration.settings.population,
                calibration.settings.max_generations,
                calibration.replications_per_case
            ),
        ),
        // The thread count is in run.json: a report says what was computed, not how, so
        // a merged folder's report equals a one-machine run's.
        ("Seed", format!("{} (results do not depend on the number of threads)", record.seed)),
    ];
    rows.extend(more);
    rows.push(("modsim", format!("version {}", record.modsim_version)));
    rows.push(("Files", record.files.join(", ")));
    Block::Table(
        vec![String::new(), String::new()],
        rows.into_iter().map(|(k, v)| vec![k.to_owned(), v]).collect(),
    )
}
