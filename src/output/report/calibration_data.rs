//! What the calibration report is made of, read back from the folder that `modsim
//! calibrate` wrote (its CSV files and run.json), so that `modsim report` rebuilds it
//! without simulating; and what it shares with the validation report's reader
//! (`validation_data.rs`): forecasts of cases, run.json's `calibration` object, the
//! checked cells. Cells are checked as in `data.rs`: a damaged folder is an error
//! naming file, line and column.

use serde::Deserialize;

use super::data::{for_each_row, parse_record, Open, Row, Valid};
use super::ReportError;
use crate::experiment::abc::{Posterior, Prior};
use crate::experiment::validate::score::Outcome;
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

/// run.json, with the objects beyond a [`RunRecord`]'s that `T` reads.
pub(super) fn read_extra<T: serde::de::DeserializeOwned>(open: Open) -> Result<(RunRecord, T), ReportError> {
    let (record, text) = parse_record(need(open, "run.json")?)?;
    let extra: T = serde_json::from_slice(&text).map_err(|e| ReportError::Invalid {
        file: "run.json".into(),
        line: Some(e.line() as u64),
        column: Some(e.column().to_string()),
        reason: e.to_string(),
    })?;
    Ok((record, extra))
}

/// A number, NaN where the writer wrote NaN or nothing (an empty forecast).
pub(super) fn maybe(row: &Row, name: &str, valid: Valid) -> Result<f64, ReportError> {
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

pub(super) fn interval(row: &Row, prefix: &str) -> Result<Interval, ReportError> {
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

pub(super) fn observed(row: &Row) -> Result<Outcome, ReportError> {
    Ok(Outcome {
        days: row.number("observed_days", Valid::NonNegative)?,
        censored: row.flag("observed_censored", "true", "false")?,
    })
}

/// Reads every row of `file`, which must have the columns `required`.
pub(super) fn rows<T>(
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

pub(super) fn case_columns(prefixes: &[&str]) -> Vec<String> {
    let mut columns: Vec<String> =
        ["case", "observed_days", "observed_censored"].iter().map(|c| c.to_string()).collect();
    for p in prefixes {
        columns.extend(forecast_columns(p));
    }
    columns
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

/// The fields of a calibration's run.json beyond a [`RunRecord`]'s.
#[derive(Debug, Deserialize)]
struct Extra {
    calibration: CalibrationRecord,
}

impl CalibrationData {
    /// Reads a calibration folder: posterior.csv, generations.csv, predictive.csv and
    /// run.json.
    pub fn read(open: Open) -> Result<CalibrationData, ReportError> {
        let (record, extra): (RunRecord, Extra) = read_extra(open)?;
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
    use crate::output::report::build;

    const PREDICTIVE: &str = "case,observed_days,observed_censored,observed_block,block_probability,q05_days,q25_days,median_days,q75_days,q95_days,forecast_draws,refused_draws\n\
        id-01,7.5,false,true,1,1,2,3,4,5,10,0\n";

    /// A calibration folder's files: run.json with `prior`, and the given tables.
    fn folder(prior: &str, tables: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        let record = serde_json::json!({
            "modsim_version": "0", "command": "calibrate", "scenario_files": [], "scenario_name": "c.toml",
            "scenario_sha256": [], "overrides": [], "runs": [], "seed": 1, "replications": 2, "threads": 1,
            "horizon_days": 0.0, "precision": null, "output": "", "wall_time_seconds": 0.0,
            "replications_per_second": 0.0, "files": [],
            "calibration": {
                "config": "c.toml", "cases": ["id-01"], "replications_per_case": 2,
                "parameters": [{ "name": "lag", "prior": prior, "duration_days": true, "paths": [] }],
                "settings": { "population": 10, "max_generations": 2 }, "stop": "MaxGenerations",
            },
        });
        std::iter::once(("run.json".to_owned(), record.to_string().into_bytes()))
            .chain(tables.iter().map(|(f, t)| (f.to_string(), t.as_bytes().to_vec())))
            .collect()
    }

    fn build_of(files: &[(String, Vec<u8>)]) -> Result<Vec<String>, ReportError> {
        let open = |name: &str| -> Option<Box<dyn std::io::Read>> {
            let bytes = files.iter().find(|(f, _)| f == name)?.1.clone();
            Some(Box::new(std::io::Cursor::new(bytes)))
        };
        Ok(build(&open, true)?.into_iter().map(|f| f.path).collect())
    }

    #[test]
    fn a_calibration_folder_without_particles_or_generations_still_has_a_report() {
        let files = folder(
            "lognormal median 2 p90 10",
            &[
                ("posterior.csv", "weight,lag\n"),
                ("generations.csv", "generation,tolerance,acceptance_rate,ess,simulations\n"),
                ("predictive.csv", PREDICTIVE),
            ],
        );
        let written = build_of(&files).unwrap();
        assert!(written.contains(&"report.html".to_owned()), "{written:?}");
        assert!(written.contains(&"charts/calibration-predictive.svg".to_owned()), "{written:?}");
    }

    #[test]
    fn bad_cells_and_priors_of_a_calibration_folder_are_located_errors() {
        let tables = [
            ("posterior.csv", "weight,lag\n1,2\n"),
            ("generations.csv", "generation,tolerance,acceptance_rate,ess,simulations\n0,1,0.5,1,2\n"),
            ("predictive.csv", PREDICTIVE),
        ];
        let bad = PREDICTIVE.replace(",3,4,5,", ",x,4,5,");
        let mut damaged = tables;
        damaged[2].1 = &bad;
        let e = build_of(&folder("lognormal median 2 p90 10", &damaged)).unwrap_err().to_string();
        assert_eq!(e, "predictive.csv, line 2, column median_days: \"x\" is not a number");
        let e = build_of(&folder("beta 1 2", &tables)).unwrap_err().to_string();
        assert!(e.starts_with("run.json: the prior of lag (\"beta 1 2\")"), "{e}");
        let missing = &tables[..2];
        assert_eq!(
            build_of(&folder("uniform 0..1", missing)).unwrap_err().to_string(),
            "the folder has no predictive.csv; is it a modsim output folder?"
        );
    }

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
