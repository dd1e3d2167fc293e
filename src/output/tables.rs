//! The CSV tables and run.json of an output folder.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::engine::SimTime;
use crate::experiment::stats::Summary;
use crate::experiment::RunResults;
use crate::model::METRICS;
use crate::scenario::LoadedScenario;

fn csv_bytes(
    rows: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>,
) -> csv::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    rows(&mut w)?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A number for CSV: shortest round-trip form; empty for "not applicable" (NaN).
fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), num)
}

/// summary.csv: a row per metric, then a row for block durations (Kaplan-Meier).
pub fn summary_csv(results: &RunResults) -> csv::Result<Vec<u8>> {
    csv_bytes(|w| {
        w.write_record([
            "metric",
            "unit",
            "n",
            "mean",
            "ci95_low",
            "ci95_high",
            "sd",
            "min",
            "p05",
            "p25",
            "median",
            "p75",
            "p95",
            "max",
            "censored",
        ])?;
        for ((name, unit, _), s) in METRICS.iter().zip(&results.summaries) {
            let Summary {
                n,
                mean,
                sd,
                ci_low,
                ci_high,
                min,
                p05,
                p25,
                median,
                p75,
                p95,
                max,
            } = *s;
            let mut row = vec![name.to_string(), unit.to_string(), n.to_string()];
            row.extend(
                [
                    mean, ci_low, ci_high, sd, min, p05, p25, median, p75, p95, max,
                ]
                .map(num),
            );
            row.push("0".into());
            w.write_record(&row)?;
        }
        // Block durations are right-censored: the mean is not estimable, the quantiles
        // come from the Kaplan-Meier curve and the CI is that of the median.
        let km = &results.block_durations;
        let (lo, hi) = km.median_ci();
        let durations: Vec<f64> = results
            .outcomes
            .iter()
            .flat_map(|o| &o.blocks)
            .map(|b| b.duration_days)
            .collect();
        let observed = Summary::of(&durations);
        w.write_record([
            "block_duration_days".to_string(),
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
        ])?;
        Ok(())
    })
}

/// replications.csv: a row per replication with its seed and every metric.
pub fn replications_csv(results: &RunResults) -> csv::Result<Vec<u8>> {
    csv_bytes(|w| {
        let mut header = vec!["replication", "seed"];
        header.extend(METRICS.iter().map(|m| m.0));
        w.write_record(&header)?;
        for o in &results.outcomes {
            let mut row = vec![o.replication.to_string(), results.config.seed.to_string()];
            row.extend(o.metrics.values().into_iter().map(num));
            w.write_record(&row)?;
        }
        Ok(())
    })
}

/// Calendar date-time of a simulated instant, when the scenario has a start date.
pub fn date_of(start: Option<NaiveDateTime>, t: SimTime) -> Option<NaiveDateTime> {
    start.map(|s| s + chrono::Duration::milliseconds(t.0 as i64))
}

fn date_text(start: Option<NaiveDateTime>, t: Option<SimTime>) -> String {
    t.and_then(|t| date_of(start, t))
        .map_or(String::new(), |d| d.format("%Y-%m-%dT%H:%M").to_string())
}

/// blocks.csv: a row per block; `start` and `end` in days since the scenario start.
pub fn blocks_csv(results: &RunResults, start: Option<NaiveDateTime>) -> csv::Result<Vec<u8>> {
    csv_bytes(|w| {
        w.write_record([
            "replication",
            "block",
            "start",
            "end",
            "duration_days",
            "censored",
            "reason",
            "start_date",
            "end_date",
        ])?;
        for o in &results.outcomes {
            for (i, b) in o.blocks.iter().enumerate() {
                w.write_record([
                    o.replication.to_string(),
                    (i + 1).to_string(),
                    num(b.start.as_days_f64()),
                    b.end.map_or(String::new(), |e| num(e.as_days_f64())),
                    num(b.duration_days),
                    b.censored.to_string(),
                    b.reason.clone(),
                    date_text(start, Some(b.start)),
                    date_text(start, b.end),
                ])?;
            }
        }
        Ok(())
    })
}

/// events.csv: the event log of the traced replication(s).
pub fn events_csv(results: &RunResults, start: Option<NaiveDateTime>) -> csv::Result<Vec<u8>> {
    csv_bytes(|w| {
        w.write_record(["replication", "time_days", "date", "actor", "kind", "text"])?;
        for o in &results.outcomes {
            for e in &o.log {
                w.write_record([
                    o.replication.to_string(),
                    num(e.time.as_days_f64()),
                    date_text(start, Some(e.time)),
                    e.actor.to_string(),
                    e.kind.to_string(),
                    e.text.clone(),
                ])?;
            }
        }
        Ok(())
    })
}

/// What run.json records: enough to know what was run and to run it again.
#[derive(Serialize)]
pub struct RunRecord<'a> {
    pub modsim_version: &'a str,
    pub command: &'a str,
    pub scenario_file: String,
    pub scenario_name: &'a str,
    pub scenario_sha256: String,
    pub seed: u64,
    pub replications: u64,
    pub threads: usize,
    pub horizon_days: f64,
    pub wall_time_seconds: f64,
    pub replications_per_second: f64,
    pub files: Vec<&'a str>,
}

impl<'a> RunRecord<'a> {
    pub fn new(
        loaded: &'a LoadedScenario,
        results: &RunResults,
        files: Vec<&'a str>,
    ) -> RunRecord<'a> {
        use sha2::Digest;
        let secs = results.wall_time.as_secs_f64();
        RunRecord {
            modsim_version: env!("CARGO_PKG_VERSION"),
            command: "run",
            scenario_file: loaded.path.display().to_string(),
            scenario_name: &loaded.scenario.name,
            scenario_sha256: format!("{:x}", sha2::Sha256::digest(loaded.text.as_bytes())),
            seed: results.config.seed,
            replications: results.config.replications,
            threads: results.threads_used,
            horizon_days: loaded.scenario.horizon.as_days_f64(),
            wall_time_seconds: secs,
            replications_per_second: results.config.replications as f64 / secs.max(1e-9),
            files,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}
