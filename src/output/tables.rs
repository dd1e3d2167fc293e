//! The CSV tables and run.json of an output folder.

use std::io::Write;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::engine::SimTime;
use crate::experiment::stats::{PairedDifference, Summary};
use crate::experiment::timeseries::BAND_QUANTILES;
use crate::experiment::RunResults;
use crate::model::{BlockRecord, Metric};
use crate::output::columns::{self, SummaryRow};
use crate::output::posterior::PosteriorRecord;
use crate::scenario::{LoadedScenario, Parameter};

/// Writes a table to `out` row by row: tables are streamed, never held whole in memory.
pub(super) fn write_csv<W: Write>(
    out: W,
    rows: impl FnOnce(&mut csv::Writer<W>) -> csv::Result<()>,
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    rows(&mut w)?;
    w.flush()?;
    Ok(())
}

/// A number for CSV: shortest round-trip form; empty for "not applicable" (NaN).
pub(super) fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), num)
}

/// One run in a table, with the label columns that tell it from the others
/// (`variant`, or a sweep point's parameters) and, for comparisons, its paired
/// differences against the baseline.
pub struct Labeled<'a> {
    pub labels: Vec<(String, String)>,
    pub results: &'a RunResults,
    pub differences: Option<Vec<PairedDifference>>,
}

impl<'a> Labeled<'a> {
    /// A run on its own, without labels.
    pub fn single(results: &'a RunResults) -> Vec<Labeled<'a>> {
        vec![Labeled { labels: Vec::new(), results, differences: None }]
    }
}

pub(super) fn label_header(runs: &[Labeled]) -> Vec<String> {
    runs.first().map_or(Vec::new(), |r| r.labels.iter().map(|(k, _)| k.clone()).collect())
}

pub(super) fn label_values(run: &Labeled) -> Vec<String> {
    run.labels.iter().map(|(_, v)| v.clone()).collect()
}

/// summary.csv (and compare.csv, sweep.csv): a row per run and metric, in long form,
/// then a row per run for block durations (Kaplan-Meier). With differences, four more
/// columns give the paired difference against the baseline and whether its 95% CI
/// excludes zero.
pub fn summary_csv<W: Write>(out: W, runs: &[Labeled]) -> csv::Result<()> {
    let with_differences = runs.iter().any(|r| r.differences.is_some());
    write_csv(out, |w| {
        let mut header = label_header(runs);
        header.extend(columns::summary::ALL.map(String::from));
        if with_differences {
            header.extend(columns::summary::DIFFERENCES.map(String::from));
        }
        w.write_record(&header)?;
        for run in runs {
            let results = run.results;
            for (metric, s) in Metric::ALL.into_iter().zip(&results.summaries) {
                let Summary { n, mean, sd, ci_low, ci_high, min, p05, p25, median, p75, p95, max } = *s;
                let mut row = label_values(run);
                row.extend([metric.name().to_string(), metric.unit().to_string(), n.to_string()]);
                row.extend([mean, ci_low, ci_high, sd, min, p05, p25, median, p75, p95, max].map(num));
                row.push("0".into());
                if with_differences {
                    match run.differences.as_ref().and_then(|d| d.get(metric.index())) {
                        Some(d) => {
                            row.extend([d.mean, d.ci_low, d.ci_high].map(num));
                            row.push(d.significant().to_string());
                        }
                        None => row.extend([String::new(), String::new(), String::new(), String::new()]),
                    }
                }
                w.write_record(&row)?;
            }
            // Block durations are right-censored: the mean is not estimable, the
            // quantiles come from the Kaplan-Meier curve and the CI is the median's.
            let all: Vec<&BlockRecord> = results.outcomes.iter().flat_map(|o| &o.blocks).collect();
            let first: Vec<&BlockRecord> = results.outcomes.iter().filter_map(|o| o.blocks.first()).collect();
            for (which, km, blocks) in [
                (SummaryRow::BlockDuration, &results.block_durations, all),
                (SummaryRow::FirstBlockDuration, &results.first_block_durations, first),
            ] {
                let (lo, hi) = km.median_ci();
                let durations: Vec<f64> = blocks.iter().map(|b| b.duration_days).collect();
                let observed = Summary::of(&durations);
                let mut row = label_values(run);
                row.extend([
                    which.name().to_string(),
                    "days".into(),
                    km.n.to_string(),
                    String::new(),
                    opt(lo),
                    opt(hi),
                    String::new(),
                    num(observed.min),
                    opt(km.quantile(0.05)),
                    opt(km.quantile(0.25)),
                    opt(km.median()),
                    opt(km.quantile(0.75)),
                    opt(km.quantile(0.95)),
                    num(observed.max),
                    km.censored.to_string(),
                ]);
                if with_differences {
                    row.extend([String::new(), String::new(), String::new(), String::new()]);
                }
                w.write_record(&row)?;
            }
        }
        Ok(())
    })
}

/// replications.csv: a row per replication with its seed and every metric.
pub fn replications_csv<W: Write>(out: W, runs: &[Labeled]) -> csv::Result<()> {
    write_csv(out, |w| {
        let mut header = label_header(runs);
        header.extend(columns::replications::ALL.map(String::from));
        header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
        w.write_record(&header)?;
        for run in runs {
            for o in &run.results.outcomes {
                let mut row = label_values(run);
                row.extend([o.replication.to_string(), run.results.config.seed.to_string()]);
                row.extend(o.metrics.values().into_iter().map(num));
                w.write_record(&row)?;
            }
        }
        Ok(())
    })
}

/// Calendar date-time of a simulated instant, when the scenario has a start date.
pub fn date_of(start: Option<NaiveDateTime>, t: SimTime) -> Option<NaiveDateTime> {
    start.map(|s| s + chrono::Duration::milliseconds(t.0 as i64))
}

fn date_text(start: Option<NaiveDateTime>, t: Option<SimTime>) -> String {
    t.and_then(|t| date_of(start, t)).map_or(String::new(), |d| d.format("%Y-%m-%dT%H:%M").to_string())
}

/// blocks.csv: a row per block; `start` and `end` in days since the scenario start.
pub fn blocks_csv<W: Write>(out: W, runs: &[Labeled], start: Option<NaiveDateTime>) -> csv::Result<()> {
    write_csv(out, |w| {
        let mut header = label_header(runs);
        header.extend(columns::blocks::ALL.map(String::from));
        w.write_record(&header)?;
        for run in runs {
            for o in &run.results.outcomes {
                for b in &o.blocks {
                    let mut row = label_values(run);
                    row.extend([
                        o.replication.to_string(),
                        b.number.to_string(),
                        num(b.start.as_days_f64()),
                        b.end.map_or(String::new(), |e| num(e.as_days_f64())),
                        num(b.duration_days),
                        b.censored.to_string(),
                        b.reason.clone(),
                        date_text(start, Some(b.start)),
                        date_text(start, b.end),
                        b.lifted_by.map_or(String::new(), |p| p.name().to_owned()),
                    ]);
                    w.write_record(&row)?;
                }
            }
        }
        Ok(())
    })
}

/// survival.csv: a row per run and distinct block duration: the steps of the
/// Kaplan-Meier curve that summary.csv's block-duration quantiles come from, so a
/// reader can draw or check the curve without re-estimating it.
pub fn survival_csv<W: Write>(out: W, runs: &[Labeled]) -> csv::Result<()> {
    write_csv(out, |w| {
        let mut header = label_header(runs);
        header.extend(columns::survival::ALL.map(String::from));
        w.write_record(&header)?;
        for run in runs {
            for step in &run.results.block_durations.steps {
                let mut row = label_values(run);
                row.extend([step.time, step.survival, step.ci_low, step.ci_high].map(num));
                row.extend([step.at_risk, step.events, step.censored].map(|c| c.to_string()));
                w.write_record(&row)?;
            }
        }
        Ok(())
    })
}

/// events.csv: the event log of the traced replication(s).
pub fn events_csv<W: Write>(out: W, runs: &[Labeled], start: Option<NaiveDateTime>) -> csv::Result<()> {
    write_csv(out, |w| {
        let mut header = label_header(runs);
        header.extend(columns::events::ALL.map(String::from));
        w.write_record(&header)?;
        for run in runs {
            for o in &run.results.outcomes {
                for e in &o.log {
                    let mut row = label_values(run);
                    row.extend([
                        o.replication.to_string(),
                        num(e.time.as_days_f64()),
                        date_text(start, Some(e.time)),
                        e.actor.to_string(),
                        e.kind.to_string(),
                        e.text.clone(),
                    ]);
                    w.write_record(&row)?;
                }
            }
        }
        Ok(())
    })
}

/// timeseries.csv: a row per grid instant: the fan chart's quantiles and the mean of
/// the visible violating stock, the review backlog, the share of replications blocked,
/// and the traced replication's own values.
pub fn timeseries_csv<W: Write>(out: W, runs: &[Labeled], start: Option<NaiveDateTime>) -> csv::Result<()> {
    write_csv(out, |w| {
        let mut header = label_header(runs);
        header.extend(columns::timeseries::ALL.map(String::from));
        w.write_record(&header)?;
        for run in runs {
            let ts = &run.results.timeseries;
            for (i, t) in ts.times.iter().enumerate() {
                let visible = &ts.visible_violating[i];
                let mut row = label_values(run);
                row.extend([num(t.as_days_f64()), date_text(start, Some(*t))]);
                row.extend(BAND_QUANTILES.map(|q| num(visible.quantile(q))));
                row.extend([
                    num(visible.mean(ts.n)),
                    num(ts.review_backlog_mean(i)),
                    num(ts.blocked_probability(i)),
                ]);
                match ts.traced.get(i) {
                    Some(s) => row.extend([
                        s.visible_violating.to_string(),
                        s.review_backlog.to_string(),
                        u8::from(s.blocked).to_string(),
                    ]),
                    None => row.extend([String::new(), String::new(), String::new()]),
                }
                w.write_record(&row)?;
            }
        }
        Ok(())
    })
}

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
            parameters: first.scenario.parameters(),
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
            seed: results.config.seed,
            replications: results.config.replications,
            threads: results.threads_used,
            horizon_days: first.scenario.horizon.as_days_f64(),
            precision: results.precision.as_ref().map(|p| PrecisionRecord {
                target: p.target,
                reached: p.reached,
                worst_metric: p.worst_metric.name().to_owned(),
                worst_relative_half_width: p.worst_relative,
            }),
            output: output.display().to_string(),
            wall_time_seconds: secs,
            replications_per_second: (results.config.replications * runs_total as u64) as f64
                / secs.max(1e-9),
            files: files.iter().map(|f| f.to_string()).collect(),
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
