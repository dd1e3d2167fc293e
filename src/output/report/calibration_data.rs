//! What the calibration and validation reports are made of, read back from the folder
//! that `modsim calibrate` or `modsim validate` wrote (its CSV files and run.json), so
//! that `modsim report` rebuilds them without simulating. Cells are checked as in
//! `data.rs`: a damaged folder is an error naming file, line and column.

use serde::Deserialize;

use super::data::{for_each_row, parse_record, Open, Row, Valid};
use super::ReportError;
use crate::experiment::abc::{Posterior, Prior};
use crate::experiment::stats::{wilson, PairedDifference};
use crate::experiment::validate::score::Outcome;
use crate::experiment::validate::{Summary, Verdict, PIT_BINS};
use crate::output::tables::RunRecord;

/// A forecast of a case's first block: its probability and quantiles of days.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub block_probability: f64,
    pub q05: f64,
    pub q25: f64,
    pub median: f64,
    pub q75: f64,
    pub q95: f64,
}

/// One case of an interval chart: what happened, the model's forecast and, in a
/// validation, the baseline's.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseRow {
    pub case: String,
    pub observed: Outcome,
    pub model: Interval,
    pub baseline: Option<Interval>,
}

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

/// One row of generations.csv.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GenerationRow {
    pub index: u64,
    pub tolerance: f64,
    pub acceptance_rate: f64,
    pub ess: f64,
    pub simulations: u64,
}

/// run.json's `calibration` object, as far as the reports use it.
#[derive(Clone, Debug, Deserialize)]
pub struct CalibrationRecord {
    pub config: String,
    pub cases: Vec<String>,
    pub replications_per_case: u64,
    pub parameters: Vec<ParameterRecord>,
    pub settings: SettingsRecord,
    /// Why the sampler stopped (calibrate only).
    #[serde(default)]
    pub stop: Option<String>,
}

/// A calibrated parameter in run.json.
#[derive(Clone, Debug, Deserialize)]
pub struct ParameterRecord {
    pub name: String,
    /// The prior as `Prior::describe` says it.
    pub prior: String,
    pub duration_days: bool,
}

/// The sampler's settings in run.json.
#[derive(Clone, Debug, Deserialize)]
pub struct SettingsRecord {
    pub population: usize,
    pub max_generations: usize,
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

/// The fields of run.json beyond a [`RunRecord`]'s.
#[derive(Debug, Deserialize)]
struct Extra {
    calibration: CalibrationRecord,
    #[serde(default)]
    validation: Option<ValidationRecord>,
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

/// A calibration folder, as its report sees it.
#[derive(Debug)]
pub struct CalibrationData {
    pub record: RunRecord,
    pub calibration: CalibrationRecord,
    /// Each parameter's prior, in the order of the posterior's columns.
    pub priors: Vec<Prior>,
    pub posterior: Posterior,
    pub generations: Vec<GenerationRow>,
    /// Each case's posterior predictive forecast (predictive.csv).
    pub predictive: Vec<CaseRow>,
}

fn need<'a>(open: Open<'a>, file: &str) -> Result<Box<dyn std::io::Read>, ReportError> {
    open(file).ok_or_else(|| ReportError::Missing(file.to_owned()))
}

/// run.json, with its `calibration` (and `validation`) objects.
fn read_extra(open: Open) -> Result<(RunRecord, Extra), ReportError> {
    let (record, text) = parse_record(need(open, "run.json")?)?;
    let extra: Extra = serde_json::from_slice(&text).map_err(|e| ReportError::Invalid {
        file: "run.json".into(),
        line: Some(e.line() as u64),
        column: Some(e.column().to_string()),
        reason: e.to_string(),
    })?;
    Ok((record, extra))
}

/// A number, NaN where the writer wrote NaN or nothing (an empty forecast).
fn maybe(row: &Row, name: &str, valid: Valid) -> Result<f64, ReportError> {
    if row.text(name) == "NaN" {
        Ok(f64::NAN)
    } else {
        row.optional(name, valid)
    }
}

/// The columns of a forecast, with `prefix` ("model_", "baseline_" or none).
fn forecast_columns(prefix: &str) -> Vec<String> {
    ["block_probability", "q05_days", "q25_days", "median_days", "q75_days", "q95_days"]
        .iter()
        .map(|c| format!("{prefix}{c}"))
        .collect()
}

fn interval(row: &Row, prefix: &str) -> Result<Interval, ReportError> {
    let c = forecast_columns(prefix);
    let day = |i: usize| maybe(row, &c[i], Valid::NonNegative);
    Ok(Interval {
        block_probability: maybe(row, &c[0], Valid::Share)?,
        q05: day(1)?,
        q25: day(2)?,
        median: day(3)?,
        q75: day(4)?,
        q95: day(5)?,
    })
}

fn observed(row: &Row) -> Result<Outcome, ReportError> {
    Ok(Outcome {
        days: row.number("observed_days", Valid::NonNegative)?,
        censored: row.flag("observed_censored", "true", "false")?,
    })
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

/// Reads every row of `file`, which must have the columns `required`.
fn rows<T>(
    open: Open,
    file: &str,
    required: &[String],
    each: impl Fn(&Row) -> Result<T, ReportError>,
) -> Result<Vec<T>, ReportError> {
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for_each_row(file, need(open, file)?, &required, None, |row, _| {
        out.push(each(row)?);
        Ok(())
    })?;
    Ok(out)
}

fn case_columns(prefixes: &[&str]) -> Vec<String> {
    let mut columns: Vec<String> =
        ["case", "observed_days", "observed_censored"].iter().map(|c| c.to_string()).collect();
    for p in prefixes {
        columns.extend(forecast_columns(p));
    }
    columns
}

impl ValidationData {
    /// Reads a validation folder: validation.csv and run.json.
    pub fn read(open: Open) -> Result<ValidationData, ReportError> {
        let (record, extra) = read_extra(open)?;
        let Some(v) = extra.validation else {
            return Err(ReportError::Invalid {
                file: "run.json".into(),
                line: None,
                column: None,
                reason: "it has no validation object".into(),
            });
        };
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

/// A prior back from its description ("lognormal median 2 p90 10"); `None` if the
/// text is not one that `Prior::describe` writes.
pub fn parse_prior(text: &str) -> Option<Prior> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let num = |i: usize| words.get(i).and_then(|w| w.parse::<f64>().ok());
    match words.as_slice() {
        ["uniform", range] => {
            let (low, high) = range.split_once("..")?;
            Prior::uniform(low.parse().ok()?, high.parse().ok()?).ok()
        }
        ["lognormal", "median", _, "p90", _] => Prior::lognormal(num(2)?, num(4)?).ok(),
        ["gamma", "mean", _, "sd", _] => Prior::gamma(num(2)?, num(4)?).ok(),
        ["exponential", "mean", _] => Prior::exponential(num(2)?).ok(),
        ["normal", "mean", _, "sd", _] => Prior::normal(num(2)?, num(4)?).ok(),
        _ => None,
    }
}

impl CalibrationData {
    /// Reads a calibration folder: posterior.csv, generations.csv, predictive.csv and
    /// run.json.
    pub fn read(open: Open) -> Result<CalibrationData, ReportError> {
        let (record, extra) = read_extra(open)?;
        let calibration = extra.calibration;
        let invalid = |reason: String| ReportError::Invalid {
            file: "run.json".into(),
            line: None,
            column: None,
            reason,
        };
        let priors = calibration
            .parameters
            .iter()
            .map(|p| {
                parse_prior(&p.prior).ok_or_else(|| {
                    invalid(format!("the prior of {} ({:?}) is not one modsim writes", p.name, p.prior))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let names: Vec<String> = calibration.parameters.iter().map(|p| p.name.clone()).collect();
        let mut required = vec!["weight".to_owned()];
        required.extend(names.iter().cloned());
        let particles = rows(open, "posterior.csv", &required, |row| {
            let weight = row.number("weight", Valid::Share)?;
            let values =
                names.iter().map(|n| row.number(n, Valid::Quantity)).collect::<Result<Vec<_>, _>>()?;
            Ok((weight, values))
        })?;
        let posterior = Posterior {
            weights: particles.iter().map(|p| p.0).collect(),
            particles: particles.into_iter().map(|p| p.1).collect(),
            names,
        };
        let columns: Vec<String> = ["generation", "tolerance", "acceptance_rate", "ess", "simulations"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let generations = rows(open, "generations.csv", &columns, |row| {
            Ok(GenerationRow {
                index: row.count("generation")?,
                tolerance: maybe(row, "tolerance", Valid::NonNegative)?,
                acceptance_rate: row.number("acceptance_rate", Valid::Share)?,
                ess: row.number("ess", Valid::NonNegative)?,
                simulations: row.count("simulations")?,
            })
        })?;
        let predictive = rows(open, "predictive.csv", &case_columns(&[""]), |row| {
            Ok(CaseRow {
                case: row.text("case").to_owned(),
                observed: observed(row)?,
                model: interval(row, "")?,
                baseline: None,
            })
        })?;
        Ok(CalibrationData { record, calibration, priors, posterior, generations, predictive })
    }

    /// The sampler's final effective sample size, if any generation ran.
    pub fn final_ess(&self) -> Option<f64> {
        self.generations.last().map(|g| g.ess)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prior_reads_back_from_its_description() {
        let priors = [
            Prior::uniform(0.0, 1.0).unwrap(),
            Prior::lognormal(2.0, 10.5).unwrap(),
            Prior::gamma(3.0, 0.1).unwrap(),
            Prior::exponential(1e-3).unwrap(),
            Prior::normal(-1.5, 2.0).unwrap(),
        ];
        for prior in priors {
            assert_eq!(parse_prior(&prior.describe()), Some(prior.clone()), "{}", prior.describe());
        }
        for bad in ["", "beta 1 2", "uniform 1..0", "lognormal median x p90 3", "normal mean 1 sd 2 3"] {
            assert_eq!(parse_prior(bad), None, "{bad}");
        }
    }
}
