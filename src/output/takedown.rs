//! takedown.csv: the measured takedown delays of the categories whose attention fades
//! (see `model::Delays`), pooled over replications.

use std::io::Write;

use super::columns;
use super::tables::{label_header, label_values, num, write_csv, Labeled};
use crate::experiment::RunResults;
use crate::model::{Delays, RemovalPath};

/// Whether any run has a category with fading attention: only then is takedown.csv
/// written.
pub fn has_takedowns(runs: &[RunResults]) -> bool {
    runs.iter().any(|r| !r.delays.is_empty())
}

/// takedown.csv: for each category with fading attention, a row per removal path that
/// removed anything and one for all paths: the delay from upload to removal (mean
/// and quantiles, in hours), the share of an item's lifetime views that came before
/// its removal (mean and quantiles) and, averaged, the share its removal prevented.
/// The accrued share of an item removed at age d is 1 - 2^(-d / h), rising with d, so
/// its quantiles are those of the delay.
pub fn takedown_csv<W: Write>(out: W, runs: &[Labeled]) -> csv::Result<()> {
    write_csv(out, |w| {
        let mut header = label_header(runs);
        header.extend(columns::takedown::ALL.map(String::from));
        w.write_record(&header)?;
        for run in runs {
            let n = run.results.outcomes.len().max(1) as f64;
            for c in &run.results.delays {
                let accrued = |days: f64| 1.0 - (-std::f64::consts::LN_2 * days / c.half_life_days).exp();
                let hours = |days: f64| days * 24.0;
                let paths = RemovalPath::ALL.iter().map(|p| (p.name(), c.path(*p).clone()));
                let rows: Vec<(&str, Delays)> =
                    paths.chain([(columns::takedown::ALL_PATHS, c.all_paths())]).collect();
                for (path, d) in rows {
                    if d.removed == 0 {
                        continue;
                    }
                    let mut row = label_values(run);
                    row.extend([c.category.clone(), path.to_owned()]);
                    row.push(num(hours(c.half_life_days)));
                    row.push(d.removed.to_string());
                    row.push(num(d.removed as f64 / n));
                    row.push(num(hours(d.mean_days())));
                    row.extend([0.1, 0.25, 0.5, 0.75, 0.9, 1.0].map(|q| num(hours(d.quantile_days(q)))));
                    row.push(num(1.0 - d.mean_prevented_share()));
                    row.extend([0.1, 0.5, 0.9].map(|q| num(accrued(d.quantile_days(q)))));
                    row.push(num(d.mean_prevented_share()));
                    w.write_record(&row)?;
                }
            }
        }
        Ok(())
    })
}
