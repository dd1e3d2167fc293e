//! What a report is made of, read back from an output folder's CSVs and run.json, so
//! that `modsim report` needs nothing else and a run's report equals a rebuilt one.

use std::collections::BTreeMap;

use super::ReportError;
use crate::output::tables::RunRecord;

/// Opens a file of the folder by name, `None` if it is missing.
pub type Open<'a> = &'a dyn Fn(&str) -> Option<Box<dyn std::io::Read>>;

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

/// Streams the rows of a CSV file to `each` with the row's labels (the columns before
/// `first_data`), so a large table is never held whole.
fn for_each_row(
    file: &str,
    input: Box<dyn std::io::Read>,
    first_data: &str,
    mut each: impl FnMut(&[String], &Labels, &csv::StringRecord),
) -> Result<(), ReportError> {
    let bad = |e: csv::Error| ReportError::Table { file: file.to_owned(), reason: e.to_string() };
    let mut reader = csv::Reader::from_reader(input);
    let header: Vec<String> = reader.headers().map_err(bad)?.iter().map(String::from).collect();
    let k = header.iter().position(|h| h == first_data).unwrap_or(0);
    let mut record = csv::StringRecord::new();
    let mut labels: Labels = Vec::new();
    while reader.read_record(&mut record).map_err(bad)? {
        if labels.len() != k || labels.iter().zip(record.iter()).any(|(l, v)| l.1 != v) {
            labels = header[..k].iter().cloned().zip(record.iter().map(String::from)).collect();
        }
        each(&header, &labels, &record);
    }
    Ok(())
}

/// A cell of `record` by column name; empty when missing.
fn cell<'r>(header: &[String], record: &'r csv::StringRecord, name: &str) -> &'r str {
    header.iter().position(|h| h == name).and_then(|i| record.get(i)).unwrap_or("")
}

/// A cell as a number; NaN when empty or not a number.
fn cell_number(header: &[String], record: &csv::StringRecord, name: &str) -> f64 {
    cell(header, record, name).parse().unwrap_or(f64::NAN)
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
    /// Reads a folder through `open` (file name to a reader; `None` if missing). Tables
    /// are streamed, never read whole.
    pub fn read(open: Open) -> Result<FolderData, ReportError> {
        let need = |file: &str| open(file).ok_or_else(|| ReportError::Missing(file.to_owned()));
        let record: RunRecord = serde_json::from_reader(need("run.json")?)
            .map_err(|e| ReportError::Table { file: "run.json".into(), reason: e.to_string() })?;
        let summary_file = match record.command.as_str() {
            "compare" => "compare.csv",
            "sweep" => "sweep.csv",
            _ => "summary.csv",
        };
        let mut runs: Vec<RunData> = Vec::new();
        let mut sweep_params = Vec::new();
        for_each_row(summary_file, need(summary_file)?, "metric", |h, labels, r| {
            let i = run_index(&mut runs, labels);
            let diff_mean = cell_number(h, r, "diff_mean");
            let diff = (!diff_mean.is_nan()).then(|| {
                (diff_mean, cell_number(h, r, "diff_ci95_low"), cell_number(h, r, "diff_ci95_high"))
            });
            runs[i].metrics.insert(
                cell(h, r, "metric").to_owned(),
                MetricSummary {
                    unit: cell(h, r, "unit").to_owned(),
                    n: cell_number(h, r, "n"),
                    mean: cell_number(h, r, "mean"),
                    ci_low: cell_number(h, r, "ci95_low"),
                    ci_high: cell_number(h, r, "ci95_high"),
                    median: cell_number(h, r, "median"),
                    p05: cell_number(h, r, "p05"),
                    p95: cell_number(h, r, "p95"),
                    censored: cell_number(h, r, "censored"),
                    diff,
                },
            );
            // A sweep's label columns are `point` and then the swept parameters.
            if record.command == "sweep" && sweep_params.is_empty() {
                sweep_params = labels.iter().skip(1).map(|l| l.0.clone()).collect();
            }
        })?;

        if let Some(input) = open("timeseries.csv") {
            for_each_row("timeseries.csv", input, "time_days", |h, labels, r| {
                let i = run_index(&mut runs, labels);
                let bands = ["visible_p05", "visible_p25", "visible_median", "visible_p75", "visible_p95"]
                    .map(|b| cell_number(h, r, b));
                runs[i].grid.push(GridRow {
                    day: cell_number(h, r, "time_days"),
                    bands,
                    visible_mean: cell_number(h, r, "visible_mean"),
                    backlog_mean: cell_number(h, r, "backlog_mean"),
                    blocked_probability: cell_number(h, r, "blocked_probability"),
                    traced_visible: cell_number(h, r, "traced_visible"),
                    traced_backlog: cell_number(h, r, "traced_backlog"),
                    traced_blocked: cell(h, r, "traced_blocked") == "1",
                });
            })?;
        }
        if let Some(input) = open("blocks.csv") {
            for_each_row("blocks.csv", input, "replication", |h, labels, r| {
                let i = run_index(&mut runs, labels);
                let end = cell_number(h, r, "end");
                runs[i].blocks.push(BlockRow {
                    replication: cell(h, r, "replication").parse().unwrap_or(u64::MAX),
                    start: cell_number(h, r, "start"),
                    end: (!end.is_nan()).then_some(end),
                    duration_days: cell_number(h, r, "duration_days"),
                    censored: cell(h, r, "censored") == "true",
                });
            })?;
        }
        if let Some(input) = open("events.csv") {
            for_each_row("events.csv", input, "replication", |h, labels, r| {
                let i = run_index(&mut runs, labels);
                if cell(h, r, "replication") == "0" {
                    runs[i].events.push(EventRow {
                        day: cell_number(h, r, "time_days"),
                        actor: cell(h, r, "actor").to_owned(),
                        kind: cell(h, r, "kind").to_owned(),
                        text: cell(h, r, "text").to_owned(),
                    });
                }
            })?;
        }
        Ok(FolderData { record, runs, sweep_params })
    }

    /// The scenario's start date, if it has one.
    pub fn start(&self) -> Option<chrono::NaiveDateTime> {
        self.record.start.as_deref().and_then(|s| s.parse().ok())
    }
}
