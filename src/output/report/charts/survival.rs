//! What the survival charts share: a Kaplan-Meier curve (survival.csv's steps) drawn at
//! chart resolution, its censoring marks, and the legend's count of blocks.

use crate::output::report::data::SurvivalRow;

/// The finest detail a curve keeps, as a share of each axis: steps closer than this to
/// the last one drawn are merged into the next (a pixel is about 1/700 of the plot).
/// Thousands of blocks would otherwise draw a point each: megabytes of SVG.
const DETAIL: f64 = 1.0 / 2000.0;

/// The steps of a Kaplan-Meier curve (`steps` in increasing time, up to `x_max`) that
/// a chart draws: those where some block was lifted, merged where they are closer than
/// [`DETAIL`] in both time and survival to the last one kept, and the last one. The
/// drawn curve stays within `DETAIL` of the exact one on each axis.
pub(super) fn drawn_steps(steps: &[SurvivalRow], x_max: f64) -> Vec<&SurvivalRow> {
    let lifts: Vec<&SurvivalRow> = steps.iter().filter(|s| s.events > 0).collect();
    let mut out: Vec<&SurvivalRow> = Vec::new();
    let (mut t, mut s) = (0.0, 1.0);
    for (i, step) in lifts.iter().enumerate() {
        let far = step.day - t >= DETAIL * x_max || s - step.survival >= DETAIL;
        if far || i + 1 == lifts.len() {
            out.push(step);
            (t, s) = (step.day, step.survival);
        }
    }
    out
}

/// The points where censored blocks are marked on a curve: one per censoring time,
/// but one for all those within [`DETAIL`] of each other on both axes.
pub(super) fn censoring_marks(steps: &[SurvivalRow], x_max: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for step in steps.iter().filter(|s| s.censored > 0) {
        let near = out
            .last()
            .is_some_and(|&(t, s)| step.day - t < DETAIL * x_max && (s - step.survival).abs() < DETAIL);
        if !near {
            out.push((step.day, step.survival));
        }
    }
    out
}

/// "n = 3 blocks of 4 runs": how many blocks a curve stands for (all are at risk at its
/// first step), out of how many replications.
pub(super) fn blocks_of_runs(blocks: u64, replications: u64) -> String {
    let s = if blocks == 1 { "" } else { "s" };
    format!("n = {blocks} block{s} of {replications} runs")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A curve of `n` blocks lifted one after another, and every fifth censored.
    pub(in crate::output::report::charts) fn many(n: u64) -> Vec<SurvivalRow> {
        (0..n)
            .map(|i| {
                let censored = u64::from(i % 5 == 4);
                let survival = 1.0 - (i + 1) as f64 / n as f64;
                SurvivalRow {
                    day: 1.0 + i as f64 * 0.01,
                    survival,
                    ci_low: survival * 0.9,
                    ci_high: survival,
                    at_risk: n - i,
                    events: 1 - censored,
                    censored,
                }
            })
            .collect()
    }

    #[test]
    fn a_curve_of_many_blocks_draws_at_most_a_point_per_detail_and_stays_within_it() {
        let steps = many(100_000);
        let x_max = steps.last().unwrap().day;
        let drawn = drawn_steps(&steps, x_max);
        assert!(drawn.len() <= 2 * 2000 + 1, "{} points drawn", drawn.len());
        assert!(drawn.len() >= 1000, "too coarse: {}", drawn.len());
        assert_eq!(drawn.last().map(|s| s.day), steps.iter().rfind(|s| s.events > 0).map(|s| s.day));
        // Between two drawn steps, the exact curve never strays further than DETAIL.
        for pair in drawn.windows(2) {
            let skipped = steps.iter().filter(|s| s.events > 0 && s.day > pair[0].day && s.day < pair[1].day);
            for s in skipped {
                assert!(pair[0].survival - s.survival < DETAIL && s.day - pair[0].day < DETAIL * x_max);
            }
        }
        let marks = censoring_marks(&steps, x_max);
        assert!(marks.len() <= 2000 + 1 && !marks.is_empty(), "{} marks", marks.len());
        // A few blocks keep every step and every mark.
        let few = many(20);
        assert_eq!(drawn_steps(&few, 1.2).len(), 16);
        assert_eq!(censoring_marks(&few, 1.2).len(), 4);
    }
}
