//! The tables `modsim compare` and `modsim sweep` print: each variant's or point's
//! means, with paired differences against the baseline, and the cost to the platform
//! in its currency, within [`COLUMNS`] columns.

use std::borrow::Cow;
use std::fmt::Write;

use crate::experiment::stats::PairedDifference;
use crate::experiment::sweep::compliance_cost;
use crate::experiment::RunResults;
use crate::model::Metric;

use super::money;
use super::numbers::{floored, percent, quantity};
use super::text::{visible, wrap, COLUMNS};

/// Headline rows of the compare table: metric, label. Money follows, in its own rows
/// ([`money_rows`]).
const HEADLINES: [(Metric, &str); 5] = [
    (Metric::Blocked, "block probability"),
    (Metric::DaysBlocked, "days blocked"),
    (Metric::Exposure, "exposure (views)"),
    (Metric::UserDaysLost, "user-days lost"),
    (Metric::OrdersMissed, "orders missed"),
];

/// The compare table's money rows, under a line naming the currency: the total cost
/// to the platform, then its parts.
fn money_rows() -> Vec<(Metric, String)> {
    let parts = money::PARTS.iter().map(|(m, name)| (*m, format!("  {name}")));
    std::iter::once((money::TOTAL.0, "  total".to_owned())).chain(parts).collect()
}

/// A metric's value as the tables show it: a share as a percentage, else a quantity.
pub(crate) fn show(metric: Metric, x: f64) -> String {
    if metric == Metric::Blocked {
        percent(x)
    } else {
        quantity(x)
    }
}

/// A paired difference, marked `*` when its 95% CI excludes zero.
pub(crate) fn show_difference(metric: Metric, d: &PairedDifference) -> String {
    let mark = if d.significant() { "*" } else { "" };
    if metric == Metric::Blocked {
        format!("{:+.1} pp{mark}", d.mean * 100.0)
    } else if d.mean >= 0.0 {
        format!("+{}{mark}", quantity(d.mean))
    } else {
        format!("-{}{mark}", quantity(-d.mean))
    }
}

fn median_block(results: &RunResults) -> String {
    let km = &results.first_block_durations;
    if km.n == 0 {
        return "no blocks".into();
    }
    km.median().map_or("not reached".into(), |m| format!("{m:.1} days"))
}

/// The table `modsim compare` prints: per metric, each variant's mean and its paired
/// difference against the first, then the trade-off between exposure and user-days lost.
pub fn compare_table(
    labels: &[String],
    runs: &[RunResults],
    differences: &[Vec<PairedDifference>],
) -> String {
    let mut out = String::new();
    let Some(first) = runs.first() else {
        return out;
    };
    let labels: Vec<Cow<str>> = labels.iter().map(|l| visible(l)).collect();
    let c = &first.config;
    let _ = writeln!(out, "{} variants, {} replications each, seed {}", runs.len(), c.replications, c.seed);
    let _ = writeln!(
        out,
        "differences are paired (common random numbers) against `{}`",
        labels.first().map_or("", |l| l.as_ref())
    );
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0).max(22) + 2;
    // As many variants side by side as fit in the terminal's width, then the next ones
    // below, each block with the metric names again.
    let per_block = ((COLUMNS - 24) / width).max(1);
    let columns: Vec<usize> = (0..runs.len()).collect();
    // The variants' means, and after the baseline their paired differences.
    let metric_row = |out: &mut String, block: &[usize], metric: Metric, label: &str| {
        let _ = write!(out, "{label:<24}");
        for &v in block {
            let mean = show(metric, runs[v].summary(metric).mean);
            let cell = match differences.get(v).and_then(|d| d.get(metric.index())) {
                Some(d) if v > 0 => format!("{mean} ({})", show_difference(metric, d)),
                _ => mean,
            };
            let _ = write!(out, "{cell:>width$}");
        }
        let _ = writeln!(out);
    };
    for (b, block) in columns.chunks(per_block).enumerate() {
        if b > 0 {
            let _ = writeln!(out);
        }
        let _ = write!(out, "{:<24}", "");
        for &v in block {
            let _ = write!(out, "{:>width$}", labels[v]);
        }
        let _ = writeln!(out);
        for (metric, label) in HEADLINES {
            metric_row(&mut out, block, metric, label);
        }
        let _ = write!(out, "{:<24}", "median first block");
        for &v in block {
            let _ = write!(out, "{:>width$}", median_block(&runs[v]));
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "cost to the platform, {}", money::unit(first.currency.as_deref()));
        for (metric, label) in money_rows() {
            metric_row(&mut out, block, metric, &label);
        }
    }
    let _ = writeln!(out, "* the 95% CI of the paired difference excludes zero");
    let _ = writeln!(out);
    let _ = writeln!(out, "trade-off: what each policy leaves users exposed to, and what it costs them");
    let _ = writeln!(
        out,
        "  {:<22} {:>34} {:>34}",
        "variant", "exposure, views (95% CI)", "user-days lost (95% CI)"
    );
    for (l, r) in labels.iter().zip(runs) {
        let l = l.as_ref();
        let cell = |m: Metric| {
            let s = r.summary(m);
            format!("{} ({} to {})", quantity(s.mean), quantity(floored(s.ci_low)), quantity(s.ci_high))
        };
        let _ = writeln!(out, "  {l:<22} {:>34} {:>34}", cell(Metric::Exposure), cell(Metric::UserDaysLost));
    }
    out
}

/// The table `modsim sweep` prints: a row per point.
pub fn sweep_table(params: &[String], points: &[Vec<String>], runs: &[RunResults]) -> String {
    let mut out = String::new();
    // A parameter's column is headed by the last key of its path, which the line
    // above the table spells out in full, so that the table fits the terminal.
    let full: Vec<Cow<str>> = params.iter().map(|p| visible(p)).collect();
    let params: Vec<Cow<str>> = full.iter().map(|p| Cow::Owned(last_key(p).to_owned())).collect();
    if full.iter().zip(&params).any(|(f, p)| f != p) {
        let names: Vec<String> = params.iter().zip(&full).map(|(p, f)| format!("{p} = {f}")).collect();
        let _ = writeln!(out, "{}", wrap(&format!("columns: {}", names.join("; ")), 0, 2));
    }
    // Each column as wide as its name or its widest value (a table is long).
    let widths: Vec<usize> = params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let widest = points.iter().filter_map(|v| v.get(i)).map(|v| visible(v).chars().count()).max();
            p.chars().count().max(widest.unwrap_or(0)).max(8) + 2
        })
        .collect();
    // Two header lines, so that the columns are as wide as their values.
    let unit = money::unit(runs.first().and_then(|r| r.currency.as_deref()));
    let heads = [
        ("block probability", "(95% CI)"),
        ("median", "block"),
        ("exposure", "(views)"),
        ("user-days", "lost"),
        ("compliance", "cost"),
        ("total", "cost"),
    ];
    let rows: Vec<(Vec<Cow<str>>, [String; 6])> = points
        .iter()
        .zip(runs)
        .map(|(values, r)| {
            let s = r.summary(Metric::Blocked);
            let mean = |m: Metric| quantity(r.summary(m).mean);
            let cells = [
                format!("{} ({} to {})", percent(s.mean), percent(s.ci_low), percent(s.ci_high)),
                median_block(r),
                mean(Metric::Exposure),
                mean(Metric::UserDaysLost),
                quantity(compliance_cost(r)),
                mean(money::TOTAL.0),
            ];
            (values.iter().map(|v| visible(v)).collect(), cells)
        })
        .collect();
    let cell_widths: Vec<usize> = (0..heads.len())
        .map(|c| {
            let widest = rows.iter().map(|(_, cells)| cells[c].chars().count()).max().unwrap_or(0);
            widest.max(heads[c].0.len()).max(heads[c].1.len())
        })
        .collect();
    for line in 0..2 {
        for (p, w) in params.iter().zip(&widths) {
            let _ = write!(out, "{:<w$}", if line == 0 { p.as_ref() } else { "" });
        }
        let names: Vec<String> = heads
            .iter()
            .zip(&cell_widths)
            .map(|(h, &w)| format!("{:>w$}", if line == 0 { h.0 } else { h.1 }))
            .collect();
        let _ = writeln!(out, "{}", names.join("  "));
    }
    for (values, cells) in &rows {
        for (v, w) in values.iter().zip(&widths) {
            let _ = write!(out, "{v:<w$}");
        }
        let cells: Vec<String> = cells.iter().zip(&cell_widths).map(|(c, &w)| format!("{c:>w$}")).collect();
        let _ = writeln!(out, "{}", cells.join("  "));
    }
    let _ = writeln!(
        out,
        "{}",
        wrap(
            &format!(
                "costs in {unit}, means: compliance cost is moderation and compliance actions; total cost adds fines and revenue lost"
            ),
            0,
            2
        )
    );
    out
}

/// The last key of an override path: `moderators` of `platform.review.moderators`,
/// `share` of `platform.categories[0].share`.
fn last_key(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_is_headed_by_the_last_key_of_its_path() {
        assert_eq!(last_key("platform.categories[0].share"), "share");
        assert_eq!(last_key("platform.review.moderators"), "moderators");
    }
}
