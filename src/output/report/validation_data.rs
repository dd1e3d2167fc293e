//! What the validation report is made of, read back from the folder that `modsim
//! validate` wrote: validation.csv and run.json's `calibration` and `validation`
//! objects. The summary and verdict are the run's (run.json), the counts come from the
//! rows; cells are checked as in `data.rs`.

use serde::Deserialize;

use super::calibration_data::{
    case_columns, interval, maybe, observed, read_extra, rows, CalibrationRecord, CaseRow,
};
use super::data::{Open, Row, Valid};
use super::ReportError;
use crate::experiment::stats::{wilson, PairedDifference};
use crate::experiment::validate::{Summary, Verdict, PIT_BINS};
use crate::output::tables::RunRecord;

/// A forecast's scores against the outcome (validation.csv).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    pub crps: f64,
    pub pit: f64,
    pub abs_log_error: f64,
    pub covered50: Option<bool>,
    pub covered90: Option<bool>,
}

/// One row of validation.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationRow {
    pub forecast: CaseRow,
    pub model: Scored,
    pub baseline: Scored,
}

/// run.json's `validation` object, as far as the report uses it.
#[derive(Debug, Deserialize)]
struct ValidationRecord {
    forecast_draws: u64,
    #[serde(deserialize_with = "nan_if_null")]
    mean_crps: f64,
    #[serde(deserialize_with = "nan_if_null")]
    baseline_mean_crps: f64,
    crps_difference: DifferenceRecord,
    #[serde(deserialize_with = "nan_if_null")]
    mean_abs_log_error: f64,
    #[serde(deserialize_with = "nan_if_null")]
    baseline_mean_abs_log_error: f64,
    verdict: String,
}

#[derive(Debug, Deserialize)]
struct DifferenceRecord {
    #[serde(deserialize_with = "nan_if_null")]
    mean: f64,
    #[serde(deserialize_with = "nan_if_null")]
    ci_low: f64,
    #[serde(deserialize_with = "nan_if_null")]
    ci_high: f64,
}

/// serde_json writes a non-finite number as null.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// The fields of a validation's run.json beyond a [`RunRecord`]'s.
#[derive(Debug, Deserialize)]
struct Extra {
    calibration: CalibrationRecord,
    validation: ValidationRecord,
}

/// A validation folder, as its report sees it.
#[derive(Debug)]
pub struct ValidationData {
    pub record: RunRecord,
    pub calibration: CalibrationRecord,
    pub rows: Vec<ValidationRow>,
    /// Forecast draws per case.
    pub draws: u64,
    /// The summary and verdict, as the run printed them.
    pub summary: Summary,
}

fn covered(row: &Row, name: &str) -> Result<Option<bool>, ReportError> {
    if row.text(name).is_empty() {
        Ok(None)
    } else {
        row.flag(name, "1", "0").map(Some)
    }
}

fn scored(row: &Row, prefix: &str) -> Result<Scored, ReportError> {
    let c = |name: &str| format!("{prefix}{name}");
    Ok(Scored {
        crps: maybe(row, &c("crps"), Valid::NonNegative)?,
        pit: maybe(row, &c("pit"), Valid::Share)?,
        abs_log_error: maybe(row, &c("abs_log_error"), Valid::NonNegative)?,
        covered50: covered(row, &c("covered50"))?,
        covered90: covered(row, &c("covered90"))?,
    })
}

impl ValidationData {
    /// Reads a validation folder: validation.csv and run.json.
    pub fn read(open: Open) -> Result<ValidationData, ReportError> {
        let (record, extra): (RunRecord, Extra) = read_extra(open)?;
        let v = extra.validation;
        let mut required = case_columns(&["model_", "baseline_"]);
        for p in ["model_", "baseline_"] {
            required.extend(
                ["crps", "pit", "abs_log_error", "covered50", "covered90"].iter().map(|c| format!("{p}{c}")),
            );
        }
        let rows = rows(open, "validation.csv", &required, |row| {
            Ok(ValidationRow {
                forecast: CaseRow {
                    case: row.text("case").to_owned(),
                    observed: observed(row)?,
                    model: interval(row, "model_")?,
                    baseline: Some(interval(row, "baseline_")?),
                },
                model: scored(row, "model_")?,
                baseline: scored(row, "baseline_")?,
            })
        })?;
        let summary = summary(&rows, &v)?;
        Ok(ValidationData { record, calibration: extra.calibration, rows, draws: v.forecast_draws, summary })
    }
}

/// The run's summary: its scores and verdict from run.json, the counts from the rows.
fn summary(rows: &[ValidationRow], v: &ValidationRecord) -> Result<Summary, ReportError> {
    let count = |f: &dyn Fn(&ValidationRow) -> Option<bool>| {
        let judged: Vec<bool> = rows.iter().filter_map(f).collect();
        (judged.len(), judged.iter().filter(|&&c| c).count())
    };
    let (judged50, covered50) = count(&|r| r.model.covered50);
    let (judged90, covered90) = count(&|r| r.model.covered90);
    let histogram = |f: &dyn Fn(&ValidationRow) -> f64| {
        let mut bins = [0; PIT_BINS];
        for r in rows.iter().filter(|r| f(r).is_finite()) {
            bins[((f(r) * PIT_BINS as f64).floor() as usize).min(PIT_BINS - 1)] += 1;
        }
        bins
    };
    let verdict = match v.verdict.as_str() {
        "Beats" => Verdict::Beats,
        "Worse" => Verdict::Worse,
        "Indistinguishable" => Verdict::Indistinguishable,
        other => {
            return Err(ReportError::Invalid {
                file: "run.json".into(),
                line: None,
                column: None,
                reason: format!("verdict {other:?} is not Beats, Worse or Indistinguishable"),
            })
        }
    };
    let n = rows.iter().filter(|r| !r.model.crps.is_nan() && !r.baseline.crps.is_nan()).count();
    let d = &v.crps_difference;
    Ok(Summary {
        judged50,
        covered50,
        judged90,
        covered90,
        baseline_covered50: count(&|r| r.baseline.covered50).1,
        baseline_covered90: count(&|r| r.baseline.covered90).1,
        coverage50_interval: wilson(covered50, judged50),
        coverage90_interval: wilson(covered90, judged90),
        mean_crps: v.mean_crps,
        baseline_mean_crps: v.baseline_mean_crps,
        mean_abs_log_error: v.mean_abs_log_error,
        baseline_mean_abs_log_error: v.baseline_mean_abs_log_error,
        crps_difference: PairedDifference { n, mean: d.mean, ci_low: d.ci_low, ci_high: d.ci_high },
        model_better: rows.iter().filter(|r| r.model.crps < r.baseline.crps).count(),
        pit_histogram: histogram(&|r| r.model.pit),
        baseline_pit_histogram: histogram(&|r| r.baseline.pit),
        verdict,
    })
}
