//! What a report is made of, read back from an output folder's CSVs and run.json, so
//! that `modsim report` needs nothing else and a run's report equals a rebuilt one.
//!
//! Every cell the report uses is checked against what the writer (`tables.rs`) can
//! write, so a damaged, truncated or hand-made folder is an error naming the file, the
//! line and the column, never a panic, an infinity or a number of hundreds of digits
//! in a report.
//!
//! This file is long because, with its tests, it is one reader, from the bytes to [`FolderData`],
//! with each check beside the cell it checks.

use std::collections::BTreeMap;
use std::io::Read as _;

use super::ReportError;
use crate::experiment::stats::KaplanMeier;
use crate::output::columns::{blocks, events, summary, survival, takedown, timeseries, SummaryRow};
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
    /// Paired difference against the baseline (compare.csv only): the difference and
    /// its 95% CI.
    pub diff: Option<(f64, f64, f64)>,
}

/// Whether a paired difference's 95% CI, (difference, low, high), excludes zero, as
/// `PairedDifference::significant` decides it for the tables: the report's `*` marks
/// and the differences the brief names all ask this.
pub fn significant((_, lo, hi): (f64, f64, f64)) -> bool {
    lo > 0.0 || hi < 0.0
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

/// A replication's first block, as blocks.csv lists it: what the comparison with a
/// case needs (32 bytes a replication, not a whole row's 48).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FirstBlock {
    pub replication: u64,
    pub start: f64,
    pub duration_days: f64,
    pub censored: bool,
}

/// One row of survival.csv: a step of the Kaplan-Meier curve of block durations.
#[derive(Clone, Debug, Default)]
pub struct SurvivalRow {
    pub day: f64,
    pub survival: f64,
    /// The 95% band; NaN where the survival is 0.
    pub ci_low: f64,
    pub ci_high: f64,
    pub at_risk: u64,
    pub events: u64,
    pub censored: u64,
}

/// One row of events.csv.
#[derive(Clone, Debug, Default)]
pub struct EventRow {
    pub day: f64,
    pub actor: String,
    pub kind: String,
    pub text: String,
}

/// One row of takedown.csv: the measured delays of one category and removal path.
#[derive(Clone, Debug, PartialEq)]
pub struct TakedownRow {
    pub category: String,
    /// A removal path, or `all`.
    pub path: String,
    /// The half-life of the category's attention.
    pub half_life_hours: f64,
    pub removed: u64,
    pub mean_delay_hours: f64,
    pub median_delay_hours: f64,
    /// Mean share of the removed items' lifetime views that their removal prevented.
    pub exposure_prevented: f64,
}

/// Everything about one run (the baseline, a variant or a sweep point).
#[derive(Clone, Debug, Default)]
pub struct RunData {
    pub label: String,
    /// The run's label columns (variant, or a sweep point's parameters), in order.
    pub labels: Vec<(String, String)>,
    pub metrics: BTreeMap<SummaryRow, MetricSummary>,
    pub grid: Vec<GridRow>,
    /// Rows of blocks.csv: the traced replication's (every block only in a folder
    /// without survival.csv), in the file's order.
    pub blocks: Vec<BlockRow>,
    /// Each replication's first block, in the file's order.
    pub first_blocks: Vec<FirstBlock>,
    /// The Kaplan-Meier curve of the block durations, in increasing time.
    pub survival: Vec<SurvivalRow>,
    /// The traced replication's events.
    pub events: Vec<EventRow>,
    /// Measured takedown delays (categories whose attention fades only).
    pub takedowns: Vec<TakedownRow>,
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

/// The largest magnitude of a quantity the report accepts. No count or sum that a
/// simulation makes comes near it (a horizon is below 1e15 ms); beyond it a value is
/// damage, and would overflow a chart's axis or print as hundreds of digits.
pub const LARGEST: f64 = 1e18;

/// The longest line of a table and the largest run.json the reader takes: a file beyond
/// them (`/dev/zero`, say) is refused, not read until memory runs out.
const LONGEST_LINE: u64 = 1 << 20;
const LARGEST_RECORD: u64 = 64 << 20;

/// The longest horizon, in days, that a scenario can have (below 1e15 ms).
const LONGEST_HORIZON_DAYS: f64 = 1e15 / 86_400_000.0;

/// What a number in a cell may be. Every number must also be finite: the writer writes
/// "not applicable" (NaN) as an empty cell, and nothing it writes is infinite.
#[derive(Clone, Copy, Debug)]
pub(super) enum Valid {
    /// A mean, quantile or difference: at most [`LARGEST`] either way.
    Quantity,
    /// A count or level that cannot be negative (a visible stock, a backlog).
    NonNegative,
    /// A share of replications or items: 0 to 1.
    Share,
    /// A time in days since the start: 0 to the horizon.
    Day(f64),
}

impl Valid {
    fn accepts(self, x: f64) -> bool {
        // Slack for rounding: a quantile of shares may land an ulp above 1.
        const SLACK: f64 = 1e-9;
        match self {
            Valid::Quantity => x.abs() <= LARGEST,
            Valid::NonNegative => (0.0..=LARGEST).contains(&x),
            Valid::Share => (-SLACK..=1.0 + SLACK).contains(&x),
            Valid::Day(horizon) => (-SLACK..=horizon * (1.0 + SLACK) + SLACK).contains(&x),
        }
    }

    fn describe(self) -> String {
        match self {
            Valid::Quantity => format!("a number from -{LARGEST:e} to {LARGEST:e}"),
            Valid::NonNegative => format!("a number from 0 to {LARGEST:e}"),
            Valid::Share => "a share from 0 to 1".into(),
            Valid::Day(horizon) => format!("a day from 0 to the horizon ({horizon})"),
        }
    }
}

/// A cell's text for an error message: quoted, escaped, and cut short.
pub(super) fn shown(text: &str) -> String {
    const LONGEST: usize = 40;
    match text.char_indices().nth(LONGEST) {
        Some((cut, _)) => format!("{:?}...", text.get(..cut).unwrap_or_default()),
        None => format!("{text:?}"),
    }
}

/// One row of a table, with where it is for error messages.
pub(super) struct Row<'a> {
    file: &'a str,
    header: &'a [String],
    record: &'a csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    pub(super) fn invalid(&self, column: &str, reason: String) -> ReportError {
        ReportError::Invalid {
            file: self.file.to_owned(),
            line: Some(self.line),
            column: Some(column.to_owned()),
            reason,
        }
    }

    /// A cell by column name (the header was checked to have every column read).
    pub(super) fn text(&self, name: &str) -> &str {
        self.header.iter().position(|h| h == name).and_then(|i| self.record.get(i)).unwrap_or("")
    }

    /// A number that must be there.
    pub(super) fn number(&self, name: &str, valid: Valid) -> Result<f64, ReportError> {
        let text = self.text(name);
        let x: f64 =
            text.parse().map_err(|_| self.invalid(name, format!("{} is not a number", shown(text))))?;
        if !x.is_finite() || !valid.accepts(x) {
            return Err(self.invalid(name, format!("{} is not {}", shown(text), valid.describe())));
        }
        Ok(x)
    }

    /// A number, or NaN for an empty cell (the writer's "not applicable").
    pub(super) fn optional(&self, name: &str, valid: Valid) -> Result<f64, ReportError> {
        if self.text(name).is_empty() {
            Ok(f64::NAN)
        } else {
            self.number(name, valid)
        }
    }

    /// A whole number of 0 or more.
    pub(super) fn count(&self, name: &str) -> Result<u64, ReportError> {
        let text = self.text(name);
        text.parse()
            .map_err(|_| self.invalid(name, format!("{} is not a whole number of 0 or more", shown(text))))
    }

    /// A yes/no cell written as `yes` or `no`.
    pub(super) fn flag(&self, name: &str, yes: &str, no: &str) -> Result<bool, ReportError> {
        match self.text(name) {
            t if t == yes => Ok(true),
            t if t == no => Ok(false),
            t => Err(self.invalid(name, format!("{} is neither {yes} nor {no}", shown(t)))),
        }
    }
}

/// A line longer than [`LONGEST_LINE`], at `line`.
#[derive(Debug, thiserror::Error)]
#[error("line {line} is longer than {LONGEST_LINE} bytes")]
struct LineTooLong {
    line: u64,
}

/// Reads through to `inner` and fails at a line longer than [`LONGEST_LINE`], which the
/// CSV reader would otherwise buffer whole however long it is.
struct LineLimit<R> {
    inner: R,
    line: u64,
    since_newline: u64,
}

impl<R: std::io::Read> std::io::Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in buf.get(..n).unwrap_or_default() {
            if b == b'\n' {
                self.line += 1;
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > LONGEST_LINE {
                    let e = LineTooLong { line: self.line };
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
                }
            }
        }
        Ok(n)
    }
}

/// A CSV reader's error: the table's fault (exit 2) unless reading itself failed.
fn csv_error(file: &str, e: csv::Error) -> ReportError {
    let invalid = |line: Option<u64>, reason: String| ReportError::Invalid {
        file: file.to_owned(),
        line,
        column: None,
        reason,
    };
    let line = e.position().map(csv::Position::line);
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            invalid(line, format!("{len} cells where the header has {expected_len}"))
        }
        csv::ErrorKind::Utf8 { .. } => invalid(line, "a cell that is not UTF-8 text".into()),
        csv::ErrorKind::Io(io) => match io.get_ref().and_then(|inner| inner.downcast_ref::<LineTooLong>()) {
            Some(long) => invalid(Some(long.line), long.to_string()),
            None => ReportError::Table { file: file.to_owned(), reason: e.to_string() },
        },
        _ => invalid(line, e.to_string()),
    }
}

/// Streams the rows of a CSV file to `each` with the row's labels (the columns before
/// the first of `required`), so a large table is never held whole. The header must hold
/// every column of `required` and, when `labels_of_summary` is given, exactly those
/// label columns. Returns the label columns.
pub(super) fn for_each_row(
    file: &str,
    input: Box<dyn std::io::Read>,
    required: &[&str],
    labels_of_summary: Option<&[String]>,
    mut each: impl FnMut(&Row, &Labels) -> Result<(), ReportError>,
) -> Result<Vec<String>, ReportError> {
    let header_error =
        |reason: String| ReportError::Invalid { file: file.to_owned(), line: Some(1), column: None, reason };
    let input = LineLimit { inner: input, line: 1, since_newline: 0 };
    let mut reader = csv::Reader::from_reader(input);
    let header: Vec<String> =
        reader.headers().map_err(|e| csv_error(file, e))?.iter().map(String::from).collect();
    if let Some(missing) = required.iter().find(|c| !header.iter().any(|h| h == *c)) {
        return Err(header_error(format!("the header has no column {missing}")));
    }
    // The label columns come before the first column the writer always writes.
    let first_data = required.first().copied().unwrap_or_default();
    let k = header.iter().position(|h| h == first_data).unwrap_or(0);
    let label_names = header.get(..k).unwrap_or_default();
    if let Some(expected) = labels_of_summary {
        if label_names != expected {
            return Err(header_error(format!(
                "the label columns ({}) differ from the summary's ({})",
                label_names.join(", "),
                expected.join(", ")
            )));
        }
    }
    let mut record = csv::StringRecord::new();
    let mut labels: Labels = Vec::new();
    while reader.read_record(&mut record).map_err(|e| csv_error(file, e))? {
        if labels.len() != k || labels.iter().zip(record.iter()).any(|(l, v)| l.1 != v) {
            labels = label_names.iter().cloned().zip(record.iter().map(String::from)).collect();
        }
        let line = record.position().map_or(0, csv::Position::line);
        each(&Row { file, header: &header, record: &record, line }, &labels)?;
    }
    Ok(label_names.to_vec())
}

/// A run's name in the report: "baseline", a variant, or a sweep point's parameters.
fn run_label(labels: &[(String, String)]) -> String {
    match labels.split_first() {
        None => "baseline".to_owned(),
        Some((first, rest)) if first.0 == "point" => {
            rest.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
        }
        Some(_) => labels.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>().join(" "),
    }
}

fn run_index(runs: &mut Vec<RunData>, labels: &[(String, String)]) -> usize {
    if let Some(i) = runs.iter().position(|r| r.labels == labels) {
        return i;
    }
    runs.push(RunData { label: run_label(labels), labels: labels.to_vec(), ..RunData::default() });
    runs.len() - 1
}

/// The run of the summary that a row of another table belongs to.
fn run_of<'r>(runs: &'r mut [RunData], row: &Row, labels: &Labels) -> Result<&'r mut RunData, ReportError> {
    let at = |labels: &Labels| labels.first().map_or(String::new(), |l| l.0.clone());
    match runs.iter_mut().find(|r| r.labels == *labels) {
        Some(run) => Ok(run),
        None => {
            Err(row.invalid(&at(labels), format!("run {} is not in the summary", shown(&run_label(labels)))))
        }
    }
}

/// The Kaplan-Meier curve of `blocks`, as survival.csv would hold it.
pub(super) fn curve_of(blocks: &[BlockRow]) -> Vec<SurvivalRow> {
    let durations: Vec<f64> = blocks.iter().map(|b| b.duration_days).collect();
    let censored: Vec<bool> = blocks.iter().map(|b| b.censored).collect();
    KaplanMeier::new(&durations, &censored)
        .steps()
        .map(|s| SurvivalRow {
            day: s.time,
            survival: s.survival,
            ci_low: s.ci_low,
            ci_high: s.ci_high,
            at_risk: s.at_risk as u64,
            events: s.events as u64,
            censored: s.censored as u64,
        })
        .collect()
}

/// The line of run.json where `field` is, if it is there.
fn line_of(text: &[u8], field: &str) -> Option<u64> {
    let key = format!("\"{field}\":");
    let at = text.windows(key.len()).position(|w| w == key.as_bytes())?;
    Some(1 + text.iter().take(at).filter(|&&b| b == b'\n').count() as u64)
}

/// Reads run.json (at most 64 MiB of it) as JSON and as a [`RunRecord`], without the
/// checks of a run's record: every command's folder parses, the calibration's too.
/// Returns the record and the text, for the fields only some commands write.
pub fn parse_record(input: Box<dyn std::io::Read>) -> Result<(RunRecord, Vec<u8>), ReportError> {
    const FILE: &str = "run.json";
    let mut text = Vec::new();
    input
        .take(LARGEST_RECORD + 1)
        .read_to_end(&mut text)
        .map_err(|e| ReportError::Table { file: FILE.into(), reason: e.to_string() })?;
    let invalid = |line: Option<u64>, column: Option<String>, reason: String| ReportError::Invalid {
        file: FILE.into(),
        line,
        column,
        reason,
    };
    if text.len() as u64 > LARGEST_RECORD {
        return Err(invalid(None, None, format!("it is larger than {LARGEST_RECORD} bytes")));
    }
    let record: RunRecord = serde_json::from_slice(&text).map_err(|e| {
        // serde_json's message ends with the place, which the error gives on its own.
        let message = e.to_string();
        let place = format!(" at line {} column {}", e.line(), e.column());
        let reason = message.strip_suffix(&place).unwrap_or(&message).to_owned();
        invalid(Some(e.line() as u64), Some(e.column().to_string()), reason)
    })?;
    Ok((record, text))
}

/// Reads run.json (at most 64 MiB of it): it must parse, and hold what the report and
/// `--reproduce` rely on.
pub fn read_record(input: Box<dyn std::io::Read>) -> Result<RunRecord, ReportError> {
    let (record, text) = parse_record(input)?;
    let invalid = |line: Option<u64>, column: Option<String>, reason: String| ReportError::Invalid {
        file: "run.json".into(),
        line,
        column,
        reason,
    };
    let field = |name: &str, reason: String| invalid(line_of(&text, name), None, format!("{name} {reason}"));
    if !matches!(record.command.as_str(), "run" | "compare" | "sweep") {
        return Err(field("command", format!("is {}, not run, compare or sweep", shown(&record.command))));
    }
    if let Some(c) = &record.money.currency {
        let most = crate::scenario::money::MAX_CURRENCY_CHARS;
        if c.is_empty() || c.chars().count() > most || c.chars().any(char::is_control) {
            let reason = format!("is {}, not a currency of 1 to {most} printable characters", shown(c));
            return Err(field("currency", reason));
        }
    }
    if let Some(o) = &record.observed {
        for (name, day) in [("block_start_day", o.block_start_day), ("duration_days", o.duration_days)] {
            if let Some(x) = day.filter(|x| !(0.0..=LONGEST_HORIZON_DAYS).contains(x)) {
                return Err(field(name, format!("is {x}, not a number of days from 0 to 1e15 ms")));
            }
        }
    }
    let horizon = record.horizon_days;
    if !(horizon > 0.0 && horizon <= LONGEST_HORIZON_DAYS) {
        return Err(field("horizon_days", format!("is {horizon}, not a number of days from 0 to 1e15 ms")));
    }
    if let Some(p) = &record.precision {
        // The worst relative half-width may be infinite (a mean of 0); the target not.
        if !(p.target.is_finite() && p.target > 0.0) {
            return Err(field("target", format!("is {}, not a share above 0", p.target)));
        }
    }
    if let Some(start) = &record.start {
        // The charts label days up to the horizon (and a little beyond) as dates.
        let last = chrono::Duration::try_milliseconds((2.0 * horizon * 86_400_000.0) as i64);
        let fits = start
            .parse::<chrono::NaiveDateTime>()
            .ok()
            .and_then(|s| last.and_then(|d| s.checked_add_signed(d)))
            .is_some();
        if !fits {
            return Err(field("start", format!("is {}, not a date with room for the horizon", shown(start))));
        }
    }
    Ok(record)
}

impl FolderData {
    /// Reads a folder through `open` (file name to a reader; `None` if missing). Tables
    /// are streamed, never read whole. Every cell the report uses is checked: a folder
    /// that does not read back is [`ReportError::Invalid`], naming the file and line.
    pub fn read(open: Open) -> Result<FolderData, ReportError> {
        let need = |file: &str| open(file).ok_or_else(|| ReportError::Missing(file.to_owned()));
        let record = read_record(need("run.json")?)?;
        let day = Valid::Day(record.horizon_days);
        let summary_file = match record.command.as_str() {
            "compare" => "compare.csv",
            "sweep" => "sweep.csv",
            _ => "summary.csv",
        };
        let mut runs: Vec<RunData> = Vec::new();
        let labels =
            for_each_row(summary_file, need(summary_file)?, &summary::REQUIRED, None, |row, labels| {
                let i = run_index(&mut runs, labels);
                // A row of another modsim version's metric is not one the report shows.
                let Ok(key) = row.text(summary::METRIC).parse::<SummaryRow>() else {
                    return Ok(());
                };
                // Means and quantiles of shares are shares; their intervals and the
                // differences need not be.
                let level = if key.is_share() { Valid::Share } else { Valid::Quantity };
                let diff_mean = if row.header.iter().any(|h| h == summary::DIFF_MEAN) {
                    row.optional(summary::DIFF_MEAN, Valid::Quantity)?
                } else {
                    f64::NAN
                };
                let diff = if diff_mean.is_nan() {
                    None
                } else {
                    Some((
                        diff_mean,
                        row.optional(summary::DIFF_CI95_LOW, Valid::Quantity)?,
                        row.optional(summary::DIFF_CI95_HIGH, Valid::Quantity)?,
                    ))
                };
                let metric = MetricSummary {
                    unit: row.text(summary::UNIT).to_owned(),
                    n: row.count(summary::N)? as f64,
                    mean: row.optional(summary::MEAN, level)?,
                    ci_low: row.optional(summary::CI95_LOW, Valid::Quantity)?,
                    ci_high: row.optional(summary::CI95_HIGH, Valid::Quantity)?,
                    median: row.optional(summary::MEDIAN, level)?,
                    p05: row.optional(summary::P05, level)?,
                    p95: row.optional(summary::P95, level)?,
                    censored: row.count(summary::CENSORED)? as f64,
                    diff,
                };
                if let Some(run) = runs.get_mut(i) {
                    run.metrics.insert(key, metric);
                }
                Ok(())
            })?;
        if runs.is_empty() {
            let reason = "the table has a header but no rows".to_owned();
            return Err(ReportError::Invalid {
                file: summary_file.into(),
                line: Some(2),
                column: None,
                reason,
            });
        }
        // A sweep's label columns are `point` and then the swept parameters.
        let mut sweep_params = Vec::new();
        if record.command == "sweep" {
            match labels.split_first() {
                Some((point, params)) if point == "point" && !params.is_empty() => {
                    sweep_params = params.to_vec()
                }
                _ => {
                    let reason =
                        "a sweep's table starts with the column point and the swept parameters".into();
                    return Err(ReportError::Invalid {
                        file: summary_file.into(),
                        line: Some(1),
                        column: None,
                        reason,
                    });
                }
            }
        }

        if let Some(input) = open("timeseries.csv") {
            // The writer writes every column of timeseries.csv, the date too.
            for_each_row("timeseries.csv", input, &timeseries::ALL, Some(&labels), |row, labels| {
                let mut bands = [f64::NAN; 5];
                for (band, name) in bands.iter_mut().zip(timeseries::VISIBLE_BANDS) {
                    *band = row.optional(name, Valid::NonNegative)?;
                }
                let grid = GridRow {
                    day: row.number(timeseries::TIME_DAYS, day)?,
                    bands,
                    visible_mean: row.optional(timeseries::VISIBLE_MEAN, Valid::NonNegative)?,
                    backlog_mean: row.optional(timeseries::BACKLOG_MEAN, Valid::NonNegative)?,
                    blocked_probability: row.optional(timeseries::BLOCKED_PROBABILITY, Valid::Share)?,
                    traced_visible: row.optional(timeseries::TRACED_VISIBLE, Valid::NonNegative)?,
                    traced_backlog: row.optional(timeseries::TRACED_BACKLOG, Valid::NonNegative)?,
                    // Empty when no replication was traced.
                    traced_blocked: !row.text(timeseries::TRACED_BLOCKED).is_empty()
                        && row.flag(timeseries::TRACED_BLOCKED, "1", "0")?,
                };
                run_of(&mut runs, row, labels)?.grid.push(grid);
                Ok(())
            })?;
        }
        let survival_input = open("survival.csv");
        // The report needs every block only to estimate the curve of a folder from
        // before survival.csv; otherwise the traced replication's (the timeline) and each
        // replication's first (the comparison with a case), so that its memory does not
        // grow with every relapse of every replication.
        let every_block = survival_input.is_none();
        if let Some(input) = open("blocks.csv") {
            for_each_row("blocks.csv", input, &blocks::REQUIRED, Some(&labels), |row, labels| {
                let block = BlockRow {
                    replication: row.count(blocks::REPLICATION)?,
                    start: row.number(blocks::START, day)?,
                    end: Some(row.optional(blocks::END, day)?).filter(|e| !e.is_nan()),
                    duration_days: row.number(blocks::DURATION_DAYS, day)?,
                    censored: row.flag(blocks::CENSORED, "true", "false")?,
                };
                let run = run_of(&mut runs, row, labels)?;
                if run.first_blocks.last().is_none_or(|b| b.replication != block.replication) {
                    let BlockRow { replication, start, duration_days, censored, .. } = block;
                    run.first_blocks.push(FirstBlock { replication, start, duration_days, censored });
                }
                if every_block || block.replication == 0 {
                    run.blocks.push(block);
                }
                Ok(())
            })?;
            // Tables of many replications: what a doubling Vec keeps spare is megabytes.
            for run in &mut runs {
                run.blocks.shrink_to_fit();
                run.first_blocks.shrink_to_fit();
            }
        }
        if every_block {
            // A folder from before survival.csv: the same curve, estimated from blocks.csv.
            for run in &mut runs {
                run.survival = curve_of(&run.blocks);
            }
        }
        if let Some(input) = survival_input {
            for_each_row("survival.csv", input, &survival::REQUIRED, Some(&labels), |row, labels| {
                let step = SurvivalRow {
                    day: row.number(survival::TIME_DAYS, day)?,
                    survival: row.number(survival::SURVIVAL, Valid::Share)?,
                    ci_low: row.optional(survival::CI95_LOW, Valid::Share)?,
                    ci_high: row.optional(survival::CI95_HIGH, Valid::Share)?,
                    at_risk: row.count(survival::AT_RISK)?,
                    events: row.count(survival::EVENTS)?,
                    censored: row.count(survival::CENSORED)?,
                };
                // What leaves at a step was at risk just before it, and the curve only
                // moves forward in time.
                if step.events.saturating_add(step.censored) > step.at_risk {
                    let reason = format!(
                        "{} events and {} censored of only {} at risk",
                        step.events, step.censored, step.at_risk
                    );
                    return Err(row.invalid(survival::AT_RISK, reason));
                }
                let run = run_of(&mut runs, row, labels)?;
                if let Some(before) = run.survival.last() {
                    if step.day <= before.day || step.survival > before.survival {
                        let reason = format!(
                            "day {} at survival {} follows day {} at {}: the curve must move forward and not rise",
                            step.day, step.survival, before.day, before.survival
                        );
                        return Err(row.invalid(survival::TIME_DAYS, reason));
                    }
                }
                run.survival.push(step);
                Ok(())
            })?;
            runs.iter_mut().for_each(|run| run.survival.shrink_to_fit());
        }
        if let Some(input) = open("events.csv") {
            for_each_row("events.csv", input, &events::REQUIRED, Some(&labels), |row, labels| {
                let replication = row.count(events::REPLICATION)?;
                let event = EventRow {
                    day: row.number(events::TIME_DAYS, day)?,
                    actor: row.text(events::ACTOR).to_owned(),
                    kind: row.text(events::KIND).to_owned(),
                    text: row.text(events::TEXT).to_owned(),
                };
                let run = run_of(&mut runs, row, labels)?;
                // The report shows the traced replication's events.
                if replication == 0 {
                    run.events.push(event);
                }
                Ok(())
            })?;
        }
        if let Some(input) = open("takedown.csv") {
            for_each_row("takedown.csv", input, &takedown::REQUIRED, Some(&labels), |row, labels| {
                let delay = Valid::NonNegative;
                let takedown = TakedownRow {
                    category: row.text(takedown::CATEGORY).to_owned(),
                    path: row.text(takedown::PATH).to_owned(),
                    half_life_hours: row.number(takedown::HALF_LIFE_HOURS, delay)?,
                    removed: row.count(takedown::REMOVED)?,
                    mean_delay_hours: row.number(takedown::MEAN_DELAY_HOURS, delay)?,
                    median_delay_hours: row.number(takedown::MEDIAN_DELAY_HOURS, delay)?,
                    exposure_prevented: row.number(takedown::EXPOSURE_PREVENTED, Valid::Share)?,
                };
                run_of(&mut runs, row, labels)?.takedowns.push(takedown);
                Ok(())
            })?;
        }
        Ok(FolderData { record, runs, sweep_params })
    }

    /// The scenario's start date, if it has one.
    pub fn start(&self) -> Option<chrono::NaiveDateTime> {
        self.record.start.as_deref().and_then(|s| s.parse().ok())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::Metric;

    fn record_json(command: &str) -> String {
        serde_json::json!({
            "modsim_version": "0", "command": command, "scenario_files": [], "scenario_name": "test",
            "start": "2018-07-03T00:00:00", "scenario_sha256": [], "overrides": [], "runs": [],
            "seed": 1, "replications": 4, "threads": 1, "horizon_days": 30.0, "precision": null,
            "output": "", "wall_time_seconds": 0.0, "replications_per_second": 0.0, "files": [],
        })
        .to_string()
    }

    /// A folder of `command` without runs, for the report's tests.
    pub(in crate::output::report) fn folder(command: &str) -> FolderData {
        let record = serde_json::from_str(&record_json(command)).unwrap();
        FolderData { record, runs: Vec::new(), sweep_params: Vec::new() }
    }

    const SUMMARY: &str =
        "metric,unit,n,mean,ci95_low,ci95_high,sd,min,p05,p25,median,p75,p95,max,censored\n\
        blocked,share,4,0.25,0.05,0.7,0.5,0,0,0,0,0.25,1,1,0\n\
        block_duration_days,days,1,,2,9,,4,4,4,4,4,4,4,0\n";

    /// Reads a folder of run.json (`command`) and the given tables.
    fn read(command: &str, tables: &[(&str, &str)]) -> Result<FolderData, ReportError> {
        let record = record_json(command);
        let files: Vec<(String, String)> = std::iter::once(("run.json".to_owned(), record))
            .chain(tables.iter().map(|(f, t)| (f.to_string(), t.to_string())))
            .collect();
        let open = |name: &str| -> Option<Box<dyn std::io::Read>> {
            let text = files.iter().find(|(f, _)| f == name)?.1.clone();
            Some(Box::new(std::io::Cursor::new(text.into_bytes())))
        };
        FolderData::read(&open)
    }

    fn error(command: &str, tables: &[(&str, &str)]) -> String {
        read(command, tables).unwrap_err().to_string()
    }

    #[test]
    fn a_currency_in_run_json_is_a_short_printable_name() {
        let with = |currency: &str| {
            let mut json: serde_json::Value = serde_json::from_str(&record_json("run")).unwrap();
            json["money"] = serde_json::json!({ "currency": currency, "warnings": [] });
            read_record(Box::new(std::io::Cursor::new(json.to_string().into_bytes())))
        };
        assert_eq!(with("USD").unwrap().money.unit(), "USD");
        for bad in ["", "US\u{1b}D", "a currency with far too long a name"] {
            let e = with(bad).unwrap_err().to_string();
            assert!(
                e.contains("currency is") && e.contains("not a currency of 1 to 16 printable characters"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_summary_reads_back_with_its_empty_cells_as_nan() {
        let data = read("run", &[("summary.csv", SUMMARY)]).unwrap();
        assert_eq!(data.runs.len(), 1);
        let blocked = data.runs[0].metric(Metric::Blocked).unwrap();
        assert_eq!((blocked.n, blocked.mean, blocked.ci_high), (4.0, 0.25, 0.7));
        let durations = data.runs[0].metric(SummaryRow::BlockDuration).unwrap();
        assert!(durations.mean.is_nan() && durations.median == 4.0);
    }

    #[test]
    fn bad_cells_are_errors_with_file_line_and_column() {
        let bad = |from: &str, to: &str| SUMMARY.replacen(from, to, 1);
        assert_eq!(
            error("run", &[("summary.csv", &bad("share,4,0.25", "share,4,abc"))]),
            "summary.csv, line 2, column mean: \"abc\" is not a number"
        );
        assert_eq!(
            error("run", &[("summary.csv", &bad("share,4,0.25", "share,4,1.5"))]),
            "summary.csv, line 2, column mean: \"1.5\" is not a share from 0 to 1"
        );
        assert_eq!(
            error("run", &[("summary.csv", &bad("days,1,", "days,-1,"))]),
            "summary.csv, line 3, column n: \"-1\" is not a whole number of 0 or more"
        );
        assert_eq!(
            error("run", &[("summary.csv", &bad("days,1,,2", "days,1,,1e308"))]),
            "summary.csv, line 3, column ci95_low: \"1e308\" is not a number from -1e18 to 1e18"
        );
        assert_eq!(
            error("run", &[("summary.csv", &bad(",0\nblock", ",0,7\nblock"))]),
            "summary.csv, line 2: 16 cells where the header has 15"
        );
        assert_eq!(
            error("run", &[("summary.csv", &bad("mean,", "average,"))]),
            "summary.csv, line 1: the header has no column mean"
        );
    }

    #[test]
    fn a_folder_without_rows_or_with_rows_of_unknown_runs_does_not_read_back() {
        let header = SUMMARY.lines().next().unwrap();
        assert_eq!(
            error("run", &[("summary.csv", header)]),
            "summary.csv, line 2: the table has a header but no rows"
        );
        let blocks =
            "variant,replication,block,start,end,duration_days,censored,reason,start_date,end_date\n";
        assert!(error("run", &[("summary.csv", SUMMARY), ("blocks.csv", blocks)])
            .starts_with("blocks.csv, line 1"));
        let row = SUMMARY.lines().nth(1).unwrap();
        assert_eq!(
            error("sweep", &[("sweep.csv", &format!("point,{header}\n0,{row}\n"))]),
            "sweep.csv, line 1: a sweep's table starts with the column point and the swept parameters"
        );
        let sweep = format!("point,moderators,{header}\n0,20,{row}\n");
        let events = "point,replication,time_days,date,actor,kind,text\n0,0,2,,regulator,order,x\n";
        assert_eq!(
            error("sweep", &[("sweep.csv", &sweep), ("events.csv", events)]),
            "events.csv, line 1: the label columns (point) differ from the summary's (point, moderators)"
        );
        let events =
            "point,moderators,replication,time_days,date,actor,kind,text\n0,60,0,2,,regulator,order,x\n";
        assert_eq!(
            error("sweep", &[("sweep.csv", &sweep), ("events.csv", events)]),
            "events.csv, line 2, column point: run \"moderators=60\" is not in the summary"
        );
        let data = read("sweep", &[("sweep.csv", &sweep)]).unwrap();
        assert_eq!(
            (data.sweep_params, data.runs[0].label.as_str()),
            (vec!["moderators".to_owned()], "moderators=20")
        );
    }

    const SURVIVAL: &str = "time_days,survival,ci95_low,ci95_high,at_risk,events,censored\n\
        4,0.5,0.1,1,2,1,0\n\
        5,0.5,0.1,1,1,0,1\n";

    /// The first run's survival steps: (day, survival, at risk, events, censored).
    fn steps(tables: &[(&str, &str)]) -> Vec<(f64, f64, u64, u64, u64)> {
        let data = read("run", tables).unwrap();
        data.runs[0].survival.iter().map(|s| (s.day, s.survival, s.at_risk, s.events, s.censored)).collect()
    }

    #[test]
    fn a_survival_curve_reads_back_and_a_bad_step_does_not() {
        let steps = steps(&[("summary.csv", SUMMARY), ("survival.csv", SURVIVAL)]);
        assert_eq!(steps, [(4.0, 0.5, 2, 1, 0), (5.0, 0.5, 1, 0, 1)]);
        let bad = |from: &str, to: &str| SURVIVAL.replacen(from, to, 1);
        let cases = [
            (bad("4,0.5,", "4,1.5,"), "survival.csv, line 2, column survival: \"1.5\" is not a share from 0 to 1"),
            (bad("0.1,1,2", "-0.5,1,2"), "survival.csv, line 2, column ci95_low: \"-0.5\" is not a share from 0 to 1"),
            (bad("4,0.5", "31,0.5"), "survival.csv, line 2, column time_days: \"31\" is not a day from 0 to the horizon (30)"),
            (bad("2,1,0", "2,2,1"), "survival.csv, line 2, column at_risk: 2 events and 1 censored of only 2 at risk"),
            (bad("1,0,1", "x,0,1"), "survival.csv, line 3, column at_risk: \"x\" is not a whole number of 0 or more"),
            (
                bad("5,0.5", "3,0.5"),
                "survival.csv, line 3, column time_days: day 3 at survival 0.5 follows day 4 at 0.5: the curve must move forward and not rise",
            ),
            (
                bad("5,0.5", "5,0.75"),
                "survival.csv, line 3, column time_days: day 5 at survival 0.75 follows day 4 at 0.5: the curve must move forward and not rise",
            ),
        ];
        for (table, message) in cases {
            assert_eq!(error("run", &[("summary.csv", SUMMARY), ("survival.csv", &table)]), message);
        }
    }

    #[test]
    fn a_folder_without_survival_csv_has_the_curve_of_its_blocks() {
        let blocks = "replication,block,start,end,duration_days,censored,reason,start_date,end_date\n\
            0,1,10,14,4,false,,,\n\
            1,1,25,,5,true,,,\n";
        // The curve survival.csv would hold for these blocks: SURVIVAL's.
        assert_eq!(
            steps(&[("summary.csv", SUMMARY), ("blocks.csv", blocks)]),
            steps(&[("summary.csv", SUMMARY), ("survival.csv", SURVIVAL)])
        );
    }

    #[test]
    fn with_survival_csv_only_the_traced_blocks_are_kept_and_each_first_block_in_short() {
        let blocks = "replication,block,start,end,duration_days,censored,reason,start_date,end_date\n\
            0,1,1,2,1,false,,,\n\
            0,2,3,4,1,false,,,\n\
            1,1,5,6,1,false,,,\n\
            1,2,7,8,1,false,,,\n\
            1,3,9,10,1,false,,,\n\
            2,1,11,,2,true,,,\n";
        let kept = |tables: &[(&str, &str)]| {
            let data = read("run", tables).unwrap();
            data.runs[0].blocks.iter().map(|b| (b.replication, b.start)).collect::<Vec<_>>()
        };
        let tables = [("summary.csv", SUMMARY), ("blocks.csv", blocks), ("survival.csv", SURVIVAL)];
        assert_eq!(kept(&tables), [(0, 1.0), (0, 3.0)]);
        let first = read("run", &tables).unwrap().runs.remove(0).first_blocks;
        let first: Vec<(u64, f64, f64, bool)> =
            first.iter().map(|b| (b.replication, b.start, b.duration_days, b.censored)).collect();
        assert_eq!(first, [(0, 1.0, 1.0, false), (1, 5.0, 1.0, false), (2, 11.0, 2.0, true)]);
        // Without survival.csv, every block: the curve is estimated from them.
        assert_eq!(kept(&[("summary.csv", SUMMARY), ("blocks.csv", blocks)]).len(), 6);
    }

    #[test]
    fn run_json_errors_name_the_line() {
        let open = |name: &str| -> Option<Box<dyn std::io::Read>> {
            let text: &[u8] = match name {
                "run.json" => b"{\n  \"command\": 3\n}",
                _ => SUMMARY.as_bytes(),
            };
            Some(Box::new(std::io::Cursor::new(text.to_vec())))
        };
        let message = FolderData::read(&open).unwrap_err().to_string();
        assert_eq!(message, "run.json, line 2, column 14: invalid type: integer `3`, expected a string");
        assert_eq!(line_of(b"{\n  \"command\": 1,\n  \"horizon_days\": 0\n}", "horizon_days"), Some(3));
        assert_eq!(line_of(b"{}", "horizon_days"), None);
    }

    #[test]
    fn cells_in_messages_are_quoted_and_short() {
        assert_eq!(shown("a\u{1b}b"), "\"a\\u{1b}b\"");
        assert_eq!(shown(&"x".repeat(100)), format!("\"{}\"...", "x".repeat(40)));
    }
}
