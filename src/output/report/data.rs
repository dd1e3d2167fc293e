//! What a report is made of, read back from an output folder's CSVs and run.json, so
//! that `modsim report` needs nothing else and a run's report equals a rebuilt one.

use std::collections::BTreeMap;

use super::ReportError;
use crate::output::tables::RunRecord;

/// A CSV file as text cells, with its header.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Table, ReportError> {
        let bad = |e: csv::Error| ReportError::Table { file: file.to_owned(), reason: e.to_string() };
        let mut reader = csv::Reader::from_reader(bytes);
        let header = reader.headers().map_err(bad)?.iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|r| r.map(|r| r.iter().map(String::from).collect()))
            .collect::<Result<_, _>>()
            .map_err(bad)?;
        Ok(Table { header, rows })
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The header's columns before `first_data`: the labels that tell runs apart.
    pub fn label_columns(&self, first_data: &str) -> usize {
        self.column(first_data).unwrap_or(0)
    }
}

/// A row's cell as a number; NaN when empty or not a number.
pub fn number(row: &[String], col: Option<usize>) -> f64 {
    col.and_then(|c| row.get(c)).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
}

/// A row's cell as text; empty when missing.
pub fn text(row: &[String], col: Option<usize>) -> &str {
    col.and_then(|c| row.get(c)).map_or("", String::as_str)
}

/// One metric's row of summary.csv.
#[derive(Clone, Debug, Default)]
pub struct MetricSummary {
    pub unit: String,
    pub n: f64,
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub median: f64,
    pub p05: f64,
    pub p95: f64,
    pub censored: f64,
    /// Paired difference against the baseline (compare.csv only).
    pub diff: Option<(f64, f64, f64)>,
}

/// One grid instant of timeseries.csv.
#[derive(Clone, Debug, Default)]
pub struct GridRow {
    pub day: f64,
    pub bands: [f64; 5],
    pub visible_mean: f64,
    pub backlog_mean: f64,
    pub blocked_probability: f64,
    pub traced_visible: f64,
    pub traced_backlog: f64,
    pub traced_blocked: bool,
}

/// One row of blocks.csv.
#[derive(Clone, Debug, Default)]
pub struct BlockRow {
    pub replication: u64,
    pub start: f64,
    pub end: Option<f64>,
    pub duration_days: f64,
    pub censored: bool,
}

/// One row of events.csv.
#[derive(Clone, Debug, Default)]
pub struct EventRow {
    pub day: f64,
    pub actor: String,
    pub kind: String,
    pub text: String,
}

/// Everything about one run (the baseline, a variant or a sweep point).
#[derive(Clone, Debug, Default)]
pub struct RunData {
    pub label: String,
    /// The run's label columns (variant, or a sweep point's parameters), in order.
    pub labels: Vec<(String, String)>,
    pub metrics: BTreeMap<String, MetricSummary>,
    pub grid: Vec<GridRow>,
    pub blocks: Vec<BlockRow>,
    /// The traced replication's events.
    pub events: Vec<EventRow>,
}

impl RunData {
    pub fn metric(&self, name: &str) -> Option<&MetricSummary> {
        self.metrics.get(name)
    }
}

/// An output folder, as the report sees it.
#[derive(Debug)]
pub struct FolderData {
    pub record: RunRecord,
    pub runs: Vec<RunData>,
    /// The swept parameters (sweep folders only).
    pub sweep_params: Vec<String>,
}

/// A run's label columns as (column, value) pairs.
type Labels = Vec<(String, String)>;

/// Groups rows by their label columns, keeping the order of first appearance.
fn group<'t>(table: &'t Table, first_data: &str) -> Vec<(Labels, Vec<&'t Vec<String>>)> {
    let k = table.label_columns(first_data);
    let mut groups: Vec<(Labels, Vec<&Vec<String>>)> = Vec::new();
    for row in &table.rows {
        let labels: Vec<(String, String)> =
            table.header[..k].iter().cloned().zip(row[..k.min(row.len())].iter().cloned()).collect();
        match groups.iter_mut().find(|(l, _)| *l == labels) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((labels, vec![row])),
        }
    }
    groups
}

fn run_index(runs: &mut Vec<RunData>, labels: &[(String, String)]) -> usize {
    if let Some(i) = runs.iter().position(|r| r.labels == labels) {
        return i;
    }
    let label = if labels.is_empty() {
        "baseline".to_owned()
    } else if labels[0].0 == "point" {
        labels[1..].iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
    } else {
        labels.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>().join(" ")
    };
    runs.push(RunData { label, labels: labels.to_vec(), ..RunData::default() });
    runs.len() - 1
}

impl FolderData {
    /// Reads a folder through `read` (file name to bytes; `None` if missing).
    pub fn read(read: &dyn Fn(&str) -> Option<Vec<u8>>) -> Result<FolderData, ReportError> {
        let need = |file: &str| read(file).ok_or_else(|| ReportError::Missing(file.to_owned()));
        let record: RunRecord = serde_json::from_slice(&need("run.json")?)
            .map_err(|e| ReportError::Table { file: "run.json".into(), reason: e.to_string() })?;
        let summary_file = match record.command.as_str() {
            "compare" => "compare.csv",
            "sweep" => "sweep.csv",
            _ => "summary.csv",
        };
        let summary = Table::parse(summary_file, &need(summary_file)?)?;
        let mut runs: Vec<RunData> = Vec::new();
        let col = |t: &Table, n: &str| t.column(n);
        for (labels, rows) in group(&summary, "metric") {
            let i = run_index(&mut runs, &labels);
            for row in rows {
                let diff = summary.column("diff_mean").and_then(|c| {
                    let mean = number(row, Some(c));
                    (!mean.is_nan()).then(|| {
                        (
                            mean,
                            number(row, col(&summary, "diff_ci95_low")),
                            number(row, col(&summary, "diff_ci95_high")),
                        )
                    })
                });
                runs[i].metrics.insert(
                    text(row, col(&summary, "metric")).to_owned(),
                    MetricSummary {
                        unit: text(row, col(&summary, "unit")).to_owned(),
                        n: number(row, col(&summary, "n")),
                        mean: number(row, col(&summary, "mean")),
                        ci_low: number(row, col(&summary, "ci95_low")),
                        ci_high: number(row, col(&summary, "ci95_high")),
                        median: number(row, col(&summary, "median")),
                        p05: number(row, col(&summary, "p05")),
                        p95: number(row, col(&summary, "p95")),
                        censored: number(row, col(&summary, "censored")),
                        diff,
                    },
                );
            }
        }
        let sweep_params = if record.command == "sweep" {
            summary.header[1..summary.label_columns("metric")].to_vec()
        } else {
            Vec::new()
        };

        if let Some(bytes) = read("timeseries.csv") {
            let t = Table::parse("timeseries.csv", &bytes)?;
            let bands = ["visible_p05", "visible_p25", "visible_median", "visible_p75", "visible_p95"]
                .map(|b| t.column(b));
            for (labels, rows) in group(&t, "time_days") {
                let i = run_index(&mut runs, &labels);
                runs[i].grid = rows
                    .iter()
                    .map(|row| GridRow {
                        day: number(row, col(&t, "time_days")),
                        bands: bands.map(|c| number(row, c)),
                        visible_mean: number(row, col(&t, "visible_mean")),
                        backlog_mean: number(row, col(&t, "backlog_mean")),
                        blocked_probability: number(row, col(&t, "blocked_probability")),
                        traced_visible: number(row, col(&t, "traced_visible")),
                        traced_backlog: number(row, col(&t, "traced_backlog")),
                        traced_blocked: text(row, col(&t, "traced_blocked")) == "1",
                    })
                    .collect();
            }
        }
        if let Some(bytes) = read("blocks.csv") {
            let t = Table::parse("blocks.csv", &bytes)?;
            for (labels, rows) in group(&t, "replication") {
                let i = run_index(&mut runs, &labels);
                runs[i].blocks = rows
                    .iter()
                    .map(|row| {
                        let end = number(row, col(&t, "end"));
                        BlockRow {
                            replication: number(row, col(&t, "replication")) as u64,
                            start: number(row, col(&t, "start")),
                            end: (!end.is_nan()).then_some(end),
                            duration_days: number(row, col(&t, "duration_days")),
                            censored: text(row, col(&t, "censored")) == "true",
                        }
                    })
                    .collect();
            }
        }
        if let Some(bytes) = read("events.csv") {
            let t = Table::parse("events.csv", &bytes)?;
            for (labels, rows) in group(&t, "replication") {
                let i = run_index(&mut runs, &labels);
                runs[i].events = rows
                    .iter()
                    .filter(|row| text(row, col(&t, "replication")) == "0")
                    .map(|row| EventRow {
                        day: number(row, col(&t, "time_days")),
                        actor: text(row, col(&t, "actor")).to_owned(),
                        kind: text(row, col(&t, "kind")).to_owned(),
                        text: text(row, col(&t, "text")).to_owned(),
                    })
                    .collect();
            }
        }
        Ok(FolderData { record, runs, sweep_params })
    }

    /// The scenario's start date, if it has one.
    pub fn start(&self) -> Option<chrono::NaiveDateTime> {
        self.record.start.as_deref().and_then(|s| s.parse().ok())
    }
}
