//! The CSV tables and run.json of an output folder.

use std::io::{self, Write};

use chrono::NaiveDateTime;

use crate::engine::SimTime;
use crate::experiment::stats::{PairedDifference, Summary};
use crate::experiment::timeseries::BAND_QUANTILES;
use crate::experiment::RunResults;
use crate::model::Metric;
use crate::output::columns::{self, SummaryRow};
use crate::output::money;

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
/// then a row per run for block durations (Kaplan-Meier). A money metric's unit is the
/// run's currency ([`money::csv_unit`]). With differences, four more
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
                let unit = money::csv_unit(metric, results.currency.as_deref());
                row.extend([metric.name().to_string(), unit.to_string(), n.to_string()]);
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
            for (which, km) in [
                (SummaryRow::BlockDuration, &results.block_durations),
                (SummaryRow::FirstBlockDuration, &results.first_block_durations),
            ] {
                let (lo, hi) = km.median_ci();
                let (min, max) = km.observed_range();
                let mut row = label_values(run);
                row.extend([
                    which.name().to_string(),
                    "days".into(),
                    km.n.to_string(),
                    String::new(),
                    opt(lo),
                    opt(hi),
                    String::new(),
                    num(min),
                    opt(km.quantile(0.05)),
                    opt(km.quantile(0.25)),
                    opt(km.median()),
                    opt(km.quantile(0.75)),
                    opt(km.quantile(0.95)),
                    num(max),
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
            for o in run.results.outcomes.iter() {
                let o = o.map_err(io::Error::other)?;
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
            for o in run.results.outcomes.iter() {
                let o = o.map_err(io::Error::other)?;
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
            for step in run.results.block_durations.steps() {
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
            // Only the first replication is traced.
            if let Some(o) = run.results.outcomes.first() {
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

pub use crate::output::record::{PrecisionRecord, RunEntry, RunFacts, RunRecord};
