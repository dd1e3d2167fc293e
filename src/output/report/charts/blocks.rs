//! Block durations of a run: survival (Kaplan-Meier, censored blocks marked) and a
//! histogram.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{
    empty_notice, mesh_style, plane, short_number, upper, with_legend, Swatch, BLUE, GREEN, VERMILLION,
};
use super::{ChartError, Draw};
use crate::experiment::stats::KaplanMeier;
use crate::output::report::data::RunData;

/// How long blocks last: the Kaplan-Meier survival curve with censored blocks marked,
/// beside a histogram of durations split into lifted and censored.
pub(super) struct Durations<'a> {
    pub(super) run: &'a RunData,
    /// How many replications the blocks come from, for the legend and for the notice
    /// when there are none.
    pub(super) replications: u64,
}

impl Draw for Durations<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let blocks = &self.run.blocks;
        if blocks.is_empty() {
            return empty_notice(root, &format!("No block in any of {} replications", self.replications));
        }
        let censored_count = blocks.iter().filter(|b| b.censored).count();
        let n = blocks.len();
        let s = if n == 1 { "" } else { "s" };
        let mut entries = vec![(
            Swatch::Line(BLUE),
            format!("still blocked (Kaplan-Meier), n = {n} block{s} of {} runs", self.replications),
        )];
        if censored_count < blocks.len() {
            entries.push((Swatch::Band(BLUE, 0.2), "95% CI".to_string()));
            entries.push((Swatch::Band(GREEN, 0.8), format!("lifted ({})", blocks.len() - censored_count)));
        }
        if censored_count > 0 {
            entries.push((Swatch::Tick(VERMILLION), "censored: in force at the horizon".to_string()));
            entries.push((Swatch::Band(VERMILLION, 0.8), format!("censored ({censored_count})")));
        }
        let area = with_legend(root, &entries)?;
        let (left, right) = area.split_horizontally(area.dim_in_pixel().0 * 55 / 100);
        let durations: Vec<f64> = blocks.iter().map(|b| b.duration_days).collect();
        let censored: Vec<bool> = blocks.iter().map(|b| b.censored).collect();
        let km = KaplanMeier::new(&durations, &censored);
        let x_max = upper(durations.iter().copied());
        let mut chart = plane(&left, 0f64..x_max, 0f64..1.02, 80)?;
        mesh_style(&mut chart)
            .x_desc("days since the block began")
            .y_desc("share of blocks still in force")
            .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
            .x_label_formatter(&|x: &f64| short_number(*x))
            .draw()?;
        // Step functions: S holds from one event time to the next.
        let (mut curve, mut lo, mut hi) = (vec![(0.0, 1.0)], vec![(0.0, 1.0)], vec![(0.0, 1.0)]);
        let (mut s, mut l, mut h) = (1.0, 1.0, 1.0);
        for step in km.steps.iter().filter(|step| step.events > 0) {
            // Where S reaches 0 the band is not defined; it closes at 0 with the curve.
            let (t, s1) = (step.time, step.survival);
            let (l1, h1) = if s1 > 0.0 { (step.ci_low, step.ci_high) } else { (0.0, 0.0) };
            curve.extend([(t, s), (t, s1)]);
            lo.extend([(t, l), (t, l1)]);
            hi.extend([(t, h), (t, h1)]);
            (s, l, h) = (s1, l1, h1);
        }
        curve.push((x_max, s));
        lo.push((x_max, l));
        hi.push((x_max, h));
        let bounded = |p: &(f64, f64)| p.1.is_finite();
        let mut ci: Vec<(f64, f64)> =
            lo.into_iter().filter(bounded).map(|(t, y)| (t, y.clamp(0.0, 1.0))).collect();
        ci.extend(hi.into_iter().rev().filter(bounded).map(|(t, y)| (t, y.clamp(0.0, 1.0))));
        chart.draw_series(std::iter::once(Polygon::new(ci, BLUE.mix(0.2).filled())))?;
        chart.draw_series(LineSeries::new(curve.clone(), BLUE.stroke_width(3)))?;
        // The curve's times never decrease: the last point at or before t, by bisection
        // (thousands of censored blocks would make a scan quadratic).
        let survival_at = |t: f64| match curve.partition_point(|p| p.0 <= t) {
            0 => 1.0,
            i => curve[i - 1].1,
        };
        chart.draw_series(blocks.iter().filter(|b| b.censored).map(|b| {
            let y = survival_at(b.duration_days);
            PathElement::new(
                vec![(b.duration_days, y - 0.03), (b.duration_days, y + 0.03)],
                VERMILLION.stroke_width(2),
            )
        }))?;

        // Histogram: about sqrt(n) bins, at most 40.
        let bins = ((blocks.len() as f64).sqrt().ceil() as usize).clamp(5, 40);
        let width = x_max / bins as f64;
        let mut lifted = vec![0u32; bins];
        let mut open = vec![0u32; bins];
        for b in blocks {
            let i = ((b.duration_days / width) as usize).min(bins - 1);
            if b.censored {
                open[i] += 1;
            } else {
                lifted[i] += 1;
            }
        }
        let c_max = upper(lifted.iter().zip(&open).map(|(a, b)| f64::from(a + b)));
        let mut hist = plane(&right, 0f64..x_max, 0f64..c_max, 80)?;
        mesh_style(&mut hist)
            .x_desc("block duration (days)")
            .y_desc("blocks")
            .x_label_formatter(&|x: &f64| short_number(*x))
            .y_label_formatter(&|y: &f64| short_number(*y))
            .draw()?;
        hist.draw_series((0..bins).map(|i| {
            let x0 = i as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width * 0.92, f64::from(lifted[i]))], GREEN.mix(0.8).filled())
        }))?;
        hist.draw_series((0..bins).filter(|i| open[*i] > 0).map(|i| {
            let x0 = i as f64 * width;
            let base = f64::from(lifted[i]);
            Rectangle::new(
                [(x0, base), (x0 + width * 0.92, base + f64::from(open[i]))],
                VERMILLION.mix(0.8).filled(),
            )
        }))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, assert_lacks, count, run, svg, texts};
    use super::*;
    use crate::output::report::data::BlockRow;

    /// The red ticks drawn: one in the legend, one per censored block on the curve.
    fn censored_ticks(svg: &str) -> usize {
        count(svg, "polyline", &[("stroke", "#D55E00"), ("stroke-width", "2")])
    }

    #[test]
    fn no_block_gives_a_notice_instead_of_a_chart() {
        let none = RunData { blocks: Vec::new(), ..run("baseline") };
        assert_eq!(
            texts(&Durations { run: &none, replications: 4 }),
            ["Test", "No block in any of 4 replications"]
        );
    }

    #[test]
    fn lifted_and_censored_blocks_are_counted_and_each_censored_one_marked() {
        let mut mixed = run("baseline");
        let open = BlockRow { replication: 2, start: 20.0, end: None, duration_days: 10.0, censored: true };
        mixed.blocks.push(open);
        let chart = Durations { run: &mixed, replications: 4 };
        let t = texts(&chart);
        for text in
            ["still blocked (Kaplan-Meier), n = 3 blocks of 4 runs", "95% CI", "lifted (1)", "censored (2)"]
        {
            assert_has(&t, text);
        }
        assert_has(&t, "censored: in force at the horizon");
        assert_eq!(censored_ticks(&svg(&chart)), 1 + 2);
    }

    #[test]
    fn with_every_block_censored_there_is_no_confidence_band_nor_lifted_bar() {
        let mut open = run("baseline");
        open.blocks.retain(|b| b.censored);
        let chart = Durations { run: &open, replications: 4 };
        let t = texts(&chart);
        assert_has(&t, "censored (1)");
        assert_lacks(&t, "95% CI");
        assert!(!t.iter().any(|t| t.starts_with("lifted")), "{t:?}");
        assert_eq!(censored_ticks(&svg(&chart)), 1 + 1);
    }
}
