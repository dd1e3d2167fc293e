//! Reading a posterior.csv: the shape `modsim calibrate` writes, every problem located
//! in the file.

use std::ops::Range;

use super::MAX_PARTICLES;
use crate::scenario::diagnostic::{Diagnostic, Lines, Severity};
use crate::scenario::ScenarioError;

/// How far the weights may sum from 1: posterior.csv writes each weight in full, so
/// only rounding is allowed for.
const WEIGHT_SUM_SLACK: f64 = 1e-6;

/// Most problems reported from one posterior file.
const MAX_PROBLEMS: usize = 20;

/// posterior.csv's content.
#[derive(Debug, PartialEq)]
pub(super) struct Table {
    pub names: Vec<String>,
    pub weights: Vec<f64>,
    pub particles: Vec<Vec<f64>>,
}

/// Reads the shape `modsim calibrate` writes: a header `weight,NAME,...`, then one row
/// of finite numbers per particle, weights at least 0 and summing to 1. Every problem
/// is located in the file (`origin`).
pub(super) fn parse_csv(text: &str, origin: &str) -> Result<Table, ScenarioError> {
    let lines = Lines::new(text);
    let mut problems = Problems { origin, lines: &lines, found: Vec::new() };
    let mut rows = cells_by_line(text);
    let Some(header) = rows.next() else {
        problems.add(
            0..0,
            "",
            "the file is empty; expected a header `weight,NAME,...` then a row per particle".into(),
        );
        return Err(ScenarioError::Invalid { diagnostics: problems.found });
    };
    let names: Vec<String> = header.iter().map(|(_, cell)| cell.to_string()).collect();
    if names[0] != "weight" {
        let message = format!(
            "expected `weight` as the first column (a posterior.csv of `modsim calibrate`), found `{}`",
            names[0]
        );
        problems.add(header[0].0.clone(), "", message);
    } else if names.len() < 2 {
        problems.add(header[0].0.clone(), "", "the header names no parameter after `weight`".into());
    }
    for (i, (span, name)) in header.iter().enumerate().skip(1) {
        if name.is_empty() {
            problems.add(span.clone(), "", format!("column {} has no name", i + 1));
        } else if names[1..i].iter().any(|n| n == name) {
            problems.add(span.clone(), name, format!("column `{name}` appears twice"));
        }
    }
    let mut weights = Vec::new();
    let mut particles = Vec::new();
    for row in rows {
        if row.len() != names.len() {
            let span = row[0].0.start..row[row.len() - 1].0.end;
            problems.add(
                span,
                "",
                format!("a row of {} values; the header has {} columns", row.len(), names.len()),
            );
            continue;
        }
        let mut values = Vec::with_capacity(row.len());
        for ((span, cell), name) in row.iter().zip(&names) {
            match cell.parse::<f64>() {
                Ok(x) if x.is_finite() => values.push(x),
                Ok(_) => problems.add(span.clone(), name, format!("`{cell}` is not a finite number")),
                Err(_) => problems.add(span.clone(), name, format!("`{cell}` is not a number")),
            }
        }
        if values.len() < row.len() {
            continue;
        }
        if values[0] < 0.0 {
            problems.add(
                row[0].0.clone(),
                "weight",
                format!("a weight cannot be negative, found {}", values[0]),
            );
        }
        weights.push(values[0]);
        particles.push(values[1..].to_vec());
    }
    let total: f64 = weights.iter().sum();
    if problems.found.is_empty() {
        let end = text.trim_end().len();
        if weights.is_empty() {
            problems.add(
                end..end,
                "",
                "the file has no particles: expected a row per particle after the header".into(),
            );
        } else if weights.len() > MAX_PARTICLES {
            problems.add(
                end..end,
                "",
                format!("{} particles; a posterior has at most {MAX_PARTICLES}", weights.len()),
            );
        } else if (total - 1.0).abs() > WEIGHT_SUM_SLACK {
            let message =
                format!("the weights sum to {total}, not 1: is this a posterior.csv of `modsim calibrate`?");
            problems.add(header[0].0.clone(), "weight", message);
        }
    }
    if !problems.found.is_empty() {
        return Err(ScenarioError::Invalid { diagnostics: problems.found });
    }
    Ok(Table { names: names[1..].to_vec(), weights: weights.iter().map(|w| w / total).collect(), particles })
}

/// The problems of a posterior file, located in it; the first [`MAX_PROBLEMS`] are kept.
struct Problems<'a> {
    origin: &'a str,
    lines: &'a Lines<'a>,
    found: Vec<Diagnostic>,
}

impl Problems<'_> {
    fn add(&mut self, span: Range<usize>, key: &str, message: String) {
        if self.found.len() < MAX_PROBLEMS {
            let d = Diagnostic::new(
                Severity::Error,
                self.origin,
                self.lines,
                Some(span),
                key.into(),
                message,
                None,
            );
            self.found.push(d);
        }
    }
}

/// Each non-blank line's cells, trimmed, with their byte spans in `text`.
fn cells_by_line(text: &str) -> impl Iterator<Item = Vec<(Range<usize>, &str)>> {
    let mut start = 0;
    text.split_inclusive('\n')
        .map(move |line| {
            let at = start;
            start += line.len();
            let mut offset = at;
            let cells: Vec<(Range<usize>, &str)> = line
                .trim_end_matches(['\n', '\r'])
                .split(',')
                .map(|cell| {
                    let lead = cell.len() - cell.trim_start().len();
                    let trimmed = cell.trim();
                    let span = offset + lead..offset + lead + trimmed.len();
                    offset += cell.len() + 1;
                    (span, trimmed)
                })
                .collect();
            cells
        })
        .filter(|cells| !(cells.len() == 1 && cells[0].1.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each problem of `csv` as "line:column key: message".
    fn csv_problems(csv: &str) -> Vec<String> {
        match parse_csv(csv, "p.csv") {
            Ok(_) => vec![],
            Err(ScenarioError::Invalid { diagnostics }) => diagnostics
                .iter()
                .map(|d| format!("{}:{} {}: {}", d.line, d.column, d.key, d.message))
                .collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_posterior_csv_reads_as_calibrate_writes_it() {
        let table = parse_csv("weight,lag,p\n0.25,1,0.5\r\n0.75, 30 ,1e-1\n\n", "p.csv").unwrap();
        assert_eq!(table.names, ["lag", "p"]);
        assert_eq!(table.weights, [0.25, 0.75]);
        assert_eq!(table.particles, [vec![1.0, 0.5], vec![30.0, 0.1]]);
    }

    #[test]
    fn a_malformed_posterior_csv_is_refused_where_it_goes_wrong() {
        assert_eq!(
            csv_problems(""),
            ["1:1 : the file is empty; expected a header `weight,NAME,...` then a row per particle"]
        );
        assert_eq!(
            csv_problems("w,lag\n1,2\n"),
            ["1:1 : expected `weight` as the first column (a posterior.csv of `modsim calibrate`), found `w`"]
        );
        assert_eq!(csv_problems("weight\n1\n"), ["1:1 : the header names no parameter after `weight`"]);
        assert_eq!(
            csv_problems("weight,a,,a\n1,2,3,4\n"),
            ["1:10 : column 3 has no name", "1:11 a: column `a` appears twice"]
        );
        assert_eq!(
            csv_problems("weight,lag\n0.5,x\n0.5,inf\n-0.5\n"),
            [
                "2:5 lag: `x` is not a number",
                "3:5 lag: `inf` is not a finite number",
                "4:1 : a row of 1 values; the header has 2 columns",
            ]
        );
        assert_eq!(
            csv_problems("weight,lag\n-0.5,1\n1.5,2\n"),
            ["2:1 weight: a weight cannot be negative, found -0.5"]
        );
        assert_eq!(
            csv_problems("weight,lag\n0.5,1\n0.4,2\n"),
            ["1:1 weight: the weights sum to 0.9, not 1: is this a posterior.csv of `modsim calibrate`?"]
        );
        assert_eq!(
            csv_problems("weight,lag\n"),
            ["1:11 : the file has no particles: expected a row per particle after the header"]
        );
    }
}
