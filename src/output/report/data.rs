//! What a report is made of, read back from an output folder's CSVs and run.json, so
//! that `modsim report` needs nothing else and a run's report equals a rebuilt one.

use std::collections::BTreeMap;

use super::ReportError;
use crate::output::columns::{blocks, events, summary, timeseries, SummaryRow};
use crate::output::tables::RunRecord;

/// Opens a file of the folder by name, `None` if it is missing.
pub type Open<'a> = &'a dyn Fn(&str) -> Option<Box<dyn std::io::Read>>;

/// One row of summary.csv: a metric or the block durations.
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
    pub metrics: BTreeMap<SummaryRow, MetricSummary>,
    pub grid: Vec<GridRow>,
    pub blocks: Vec<BlockRow>,
    /// The traced replication's events.
    pub events: Vec<EventRow>,
}

impl RunData {
    /// The summary row of a metric or of the block durations, if the table has it.
    pub fn metric(&self, row: impl Into<SummaryRow>) -> Option<&MetricSummary> {
        self.metrics.get(&row.into())
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
        for_each_row(summary_file, need(summary_file)?, summary::METRIC, |h, labels, r| {
            let i = run_index(&mut runs, labels);
            let diff_mean = cell_number(h, r, summary::DIFF_MEAN);
            let diff = (!diff_mean.is_nan()).then(|| {
                (
                    diff_mean,
                    cell_number(h, r, summary::DIFF_CI95_LOW),
                    cell_number(h, r, summary::DIFF_CI95_HIGH),
                )
            });
            // A row of another modsim version's metric is not one the report shows.
            let Ok(row) = cell(h, r, summary::METRIC).parse::<SummaryRow>() else {
                return;
            };
            runs[i].metrics.insert(
                row,
                MetricSummary {
                    unit: cell(h, r, summary::UNIT).to_owned(),
                    n: cell_number(h, r, summary::N),
                    mean: cell_number(h, r, summary::MEAN),
                    ci_low: cell_number(h, r, summary::CI95_LOW),
                    ci_high: cell_number(h, r, summary::CI95_HIGH),
                    median: cell_number(h, r, summary::MEDIAN),
                    p05: cell_number(h, r, summary::P05),
                    p95: cell_number(h, r, summary::P95),
                    censored: cell_number(h, r, summary::CENSORED),
                    diff,
                },
            );
            // A sweep's label columns are `point` and then the swept parameters.
            if record.command == "sweep" && sweep_params.is_empty() {
                sweep_params = labels.iter().skip(1).map(|l| l.0.clone()).collect();
            }
        })?;

        if let Some(input) = open("timeseries.csv") {
            for_each_row("timeseries.csv", input, timeseries::TIME_DAYS, |h, labels, r| {
                let i = run_index(&mut runs, labels);
                let bands = timeseries::VISIBLE_BANDS.map(|b| cell_number(h, r, b));
                runs[i].grid.push(GridRow {
                    day: cell_number(h, r, timeseries::TIME_DAYS),
                    bands,
                    visible_mean: cell_number(h, r, timeseries::VISIBLE_MEAN),
                    backlog_mean: cell_number(h, r, timeseries::BACKLOG_MEAN),
                    blocked_probability: cell_number(h, r, timeseries::BLOCKED_PROBABILITY),
                    traced_visible: cell_number(h, r, timeseries::TRACED_VISIBLE),
                    traced_backlog: cell_number(h, r, timeseries::TRACED_BACKLOG),
                    traced_blocked: cell(h, r, timeseries::TRACED_BLOCKED) == "1",
                });
            })?;
        }
        if let Some(input) = open("blocks.csv") {
            for_each_row("blocks.csv", input, blocks::REPLICATION, |h, labels, r| {
                let i = run_index(&mut runs, labels);
                let end = cell_number(h, r, blocks::END);
                runs[i].blocks.push(BlockRow {
                    replication: cell(h, r, blocks::REPLICATION).parse().unwrap_or(u64::MAX),
                    start: cell_number(h, r, blocks::START),
                    end: (!end.is_nan()).then_some(end),
                    duration_days: cell_number(h, r, blocks::DURATION_DAYS),
                    censored: cell(h, r, blocks::CENSORED) == "true",
                });
            })?;
        }
        if let Some(input) = open("events.csv") {
            for_each_row("events.csv", input, events::REPLICATION, |h, labels, r| {
                let i = run_index(&mut runs, labels);
                if cell(h, r, events::REPLICATION) == "0" {
                    runs[i].events.push(EventRow {
                        day: cell_number(h, r, events::TIME_DAYS),
                        actor: cell(h, r, events::ACTOR).to_owned(),
                        kind: cell(h, r, events::KIND).to_owned(),
                        text: cell(h, r, events::TEXT).to_owned(),
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
