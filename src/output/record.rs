//! run.json: what an experiment records about itself (enough to know what was run and
//! to run it again), written and read back by every command.

use serde::{Deserialize, Serialize};

use crate::experiment::sweep::TargetFindings;
use crate::experiment::RunResults;
use crate::output::posterior::PosteriorRecord;
use crate::scenario::{LoadedScenario, MoneyWarning, Parameter};

/// What run.json records: enough to know what was run and to run it again.
#[derive(Debug, Serialize, Deserialize)]
pub struct RunRecord {
    pub modsim_version: String,
    /// "run", "compare" or "sweep".
    pub command: String,
    pub scenario_files: Vec<String>,
    pub scenario_name: String,
    #[serde(default)]
    pub scenario_description: String,
    /// The scenario's calendar start (ISO 8601), if it has one.
    #[serde(default)]
    pub start: Option<String>,
    /// Every parameter of the first run with its effective value (defaults filled in);
    /// the other runs differ from it by their overrides in `runs`.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// SHA-256 of each scenario file's text, in the order of `scenario_files`.
    pub scenario_sha256: Vec<String>,
    /// Overrides given on the command line (`--set`).
    pub overrides: Vec<String>,
    /// Each run of the experiment: its label and every override that made it.
    pub runs: Vec<RunEntry>,
    pub seed: u64,
    pub replications: u64,
    pub threads: usize,
    #[serde(with = "json_number")]
    pub horizon_days: f64,
    pub precision: Option<PrecisionRecord>,
    /// The folder the results were written to.
    pub output: String,
    #[serde(with = "json_number")]
    pub wall_time_seconds: f64,
    #[serde(with = "json_number")]
    pub replications_per_second: f64,
    pub files: Vec<String>,
    /// A sweep's answer to `--target`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetFindings>,
    /// The currency of the money figures and the warnings about them, from the first
    /// run (compare and sweep refuse runs in different currencies); left out when it
    /// says nothing (calibration and validation folders).
    #[serde(default, skip_serializing_if = "MoneyRecord::is_empty")]
    pub money: MoneyRecord,
    /// What really happened, for a scenario written from a case (`[observed]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<crate::output::observed::ObservedRecord>,
}

/// run.json's `money`: what the money figures are in, and what the scenario left at
/// zero (docs/costs.md).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoneyRecord {
    /// `scenario.currency`; `null` when the scenario names none (figures are then in
    /// "currency units").
    pub currency: Option<String>,
    /// Each cost left at zero, and a missing currency, as `check` and `run` warn.
    #[serde(default)]
    pub warnings: Vec<MoneyWarning>,
}

impl MoneyRecord {
    /// Neither a currency nor a warning.
    pub fn is_empty(&self) -> bool {
        self.currency.is_none() && self.warnings.is_empty()
    }

    /// What the money figures are shown in: the currency, or "currency units".
    pub fn unit(&self) -> &str {
        crate::scenario::money::unit(self.currency.as_deref())
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RunEntry {
    pub label: String,
    pub overrides: Vec<String>,
    /// The posterior the run drew its parameters from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<PosteriorRecord>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PrecisionRecord {
    #[serde(with = "json_number")]
    pub target: f64,
    pub reached: bool,
    pub worst_metric: String,
    /// Infinite when a mean is 0 and its half-width is not.
    #[serde(with = "json_number")]
    pub worst_relative_half_width: f64,
}

/// run.json's numbers. JSON has no infinity or NaN (serde_json writes them as `null`,
/// which does not read back as a number), so those are written as the strings "inf",
/// "-inf" and "NaN"; finite numbers are written as before. `null`, from files written
/// before, reads as NaN.
mod json_number {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        match *x {
            x if x.is_finite() => s.serialize_f64(x),
            x if x.is_nan() => s.serialize_str("NaN"),
            x if x > 0.0 => s.serialize_str("inf"),
            _ => s.serialize_str("-inf"),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Number(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Option::<Stored>::deserialize(d)? {
            Some(Stored::Number(x)) => Ok(x),
            None => Ok(f64::NAN),
            Some(Stored::Text(t)) => match t.as_str() {
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                "NaN" => Ok(f64::NAN),
                _ => Err(serde::de::Error::custom(format!(
                    "{t:?} is not a number, \"inf\", \"-inf\" or \"NaN\""
                ))),
            },
        }
    }
}

/// How an experiment ran, as run.json records it.
pub struct RunFacts<'a> {
    pub seed: u64,
    pub replications: u64,
    pub threads: usize,
    pub precision: Option<&'a crate::experiment::PrecisionReport>,
    pub wall_time: std::time::Duration,
}

impl<'a> RunFacts<'a> {
    /// The facts of a finished run.
    pub fn of(results: &'a RunResults) -> RunFacts<'a> {
        RunFacts {
            seed: results.config.seed,
            replications: results.config.replications,
            threads: results.threads_used,
            precision: results.precision.as_ref(),
            wall_time: results.wall_time,
        }
    }
}

impl RunRecord {
    /// The record of an experiment over `loaded` (one entry per run, labelled).
    pub fn new(
        command: &str,
        loaded: &[(String, &LoadedScenario)],
        cli_overrides: &[String],
        results: &RunResults,
        runs_total: usize,
        files: &[&str],
        output: &std::path::Path,
    ) -> RunRecord {
        RunRecord::of_runs(command, loaded, cli_overrides, &RunFacts::of(results), runs_total, files, output)
    }

    /// The record of an experiment from the facts of how it ran (a shard's part has no
    /// [`RunResults`]).
    pub fn of_runs(
        command: &str,
        loaded: &[(String, &LoadedScenario)],
        cli_overrides: &[String],
        results: &RunFacts,
        runs_total: usize,
        files: &[&str],
        output: &std::path::Path,
    ) -> RunRecord {
        use sha2::Digest;
        let secs = results.wall_time.as_secs_f64();
        let mut scenario_files: Vec<String> = Vec::new();
        let mut scenario_sha256 = Vec::new();
        for (_, l) in loaded {
            let file = l.path.display().to_string();
            if !scenario_files.contains(&file) {
                scenario_files.push(file);
                scenario_sha256.push(format!("{:x}", sha2::Sha256::digest(l.text.as_bytes())));
            }
        }
        let first = loaded[0].1;
        RunRecord {
            modsim_version: env!("CARGO_PKG_VERSION").to_owned(),
            command: command.to_owned(),
            scenario_files,
            scenario_name: first.scenario.name.clone(),
            scenario_description: first.scenario.description.clone(),
            start: first.scenario.start.map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string()),
            parameters: first.described_parameters(),
            scenario_sha256,
            overrides: cli_overrides.to_vec(),
            runs: loaded
                .iter()
                .map(|(label, l)| RunEntry {
                    label: label.clone(),
                    overrides: l.overrides.iter().map(|o| o.to_string()).collect(),
                    posterior: l.posterior.as_ref().map(PosteriorRecord::of),
                })
                .collect(),
            seed: results.seed,
            replications: results.replications,
            threads: results.threads,
            horizon_days: first.scenario.horizon.as_days_f64(),
            precision: results.precision.map(|p| PrecisionRecord {
                target: p.target,
                reached: p.reached,
                worst_metric: p.worst_metric.name().to_owned(),
                worst_relative_half_width: p.worst_relative,
            }),
            output: output.display().to_string(),
            wall_time_seconds: secs,
            replications_per_second: (results.replications * runs_total as u64) as f64 / secs.max(1e-9),
            files: files.iter().map(|f| f.to_string()).collect(),
            target: None,
            money: MoneyRecord {
                currency: first.scenario.money().currency().map(str::to_owned),
                warnings: first.scenario.money().warnings(),
            },
            observed: first.scenario.observed().map(crate::output::observed::ObservedRecord::of),
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(worst: f64) -> RunRecord {
        let mut record: RunRecord = serde_json::from_value(serde_json::json!({
            "modsim_version": "0", "command": "run", "scenario_files": [], "scenario_name": "x",
            "scenario_sha256": [], "overrides": [], "runs": [], "seed": 1, "replications": 4,
            "threads": 1, "horizon_days": 30.0, "precision": null, "output": "",
            "wall_time_seconds": 0.25, "replications_per_second": 16.0, "files": [],
        }))
        .unwrap();
        record.precision = Some(PrecisionRecord {
            target: 0.05,
            reached: false,
            worst_metric: "blocked".into(),
            worst_relative_half_width: worst,
        });
        record
    }

    fn worst_after_round_trip(worst: f64) -> f64 {
        let back: RunRecord = serde_json::from_slice(&record(worst).to_json()).unwrap();
        back.precision.unwrap().worst_relative_half_width
    }

    #[test]
    fn non_finite_numbers_in_run_json_read_back() {
        assert_eq!(worst_after_round_trip(f64::INFINITY), f64::INFINITY);
        assert_eq!(worst_after_round_trip(f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert!(worst_after_round_trip(f64::NAN).is_nan());
        assert_eq!(worst_after_round_trip(0.125), 0.125);
        let json = String::from_utf8(record(f64::INFINITY).to_json()).unwrap();
        assert!(json.contains("\"worst_relative_half_width\": \"inf\""), "{json}");
    }

    #[test]
    fn finite_numbers_are_written_as_before() {
        let json = String::from_utf8(record(0.1).to_json()).unwrap();
        for line in [
            "\"horizon_days\": 30.0,",
            "\"target\": 0.05,",
            "\"worst_relative_half_width\": 0.1",
            "\"wall_time_seconds\": 0.25,",
        ] {
            assert!(json.contains(line), "{line} not in {json}");
        }
    }

    #[test]
    fn null_from_older_files_reads_as_nan_and_other_text_is_refused() {
        let mut value = serde_json::to_value(record(0.1)).unwrap();
        value["precision"]["worst_relative_half_width"] = serde_json::Value::Null;
        let back: RunRecord = serde_json::from_value(value.clone()).unwrap();
        assert!(back.precision.unwrap().worst_relative_half_width.is_nan());
        value["precision"]["worst_relative_half_width"] = serde_json::json!("lots");
        assert!(serde_json::from_value::<RunRecord>(value).is_err());
    }
}
