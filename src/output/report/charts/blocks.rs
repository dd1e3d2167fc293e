//! Block durations of a run: survival (Kaplan-Meier, censored blocks marked) and a
//! histogram.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::survival::{blocks_of_runs, censoring_marks, drawn_steps};
use super::theme::{
    empty_notice, mesh_style, plane, short_number, upper, with_legend, Swatch, BLUE, GREEN, VERMILLION,
};
use super::{ChartError, Draw};
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
        // The Kaplan-Meier curve of every block (survival.csv): every block is at risk
        // at its first step, and leaves at one step, lifted or censored.
        let steps = &self.run.survival;
        let Some(first) = steps.first() else {
            return empty_notice(root, &format!("No block in any of {} replications", self.replications));
        };
        let n = first.at_risk;
        let censored_count: u64 = steps.iter().map(|s| s.censored).sum();
        let mut entries = vec![(
            Swatch::Line(BLUE),
            format!("still blocked (Kaplan-Meier), {}", blocks_of_runs(n, self.replications)),
        )];
        if censored_count < n {
            entries.push((Swatch::Band(BLUE, 0.2), "95% CI".to_string()));
            entries.push((Swatch::Band(GREEN, 0.8), format!("lifted ({})", n - censored_count)));
        }
        if censored_count > 0 {
            entries.push((Swatch::Tick(VERMILLION), "censored: in force at the horizon".to_string()));
            entries.push((Swatch::Band(VERMILLION, 0.8), format!("censored ({censored_count})")));
        }
        let area = with_legend(root, &entries)?;
        let (left, right) = area.split_horizontally(area.dim_in_pixel().0 * 55 / 100);
        let x_max = upper(steps.iter().map(|s| s.day));
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
        for step in drawn_steps(steps, x_max) {
            // Where S reaches 0 the band is not defined; it closes at 0 with the curve.
            let (t, s1) = (step.day, step.survival);
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
        chart.draw_series(LineSeries::new(curve, BLUE.stroke_width(3)))?;
        // On the curve at their time: the survival there, after the liftings at that time.
        chart.draw_series(censoring_marks(steps, x_max).into_iter().map(|(t, y)| {
            PathElement::new(vec![(t, y - 0.03), (t, y + 0.03)], VERMILLION.stroke_width(2))
        }))?;

        // Histogram: about sqrt(n) bins, at most 40; a step's liftings and censorings
        // are the blocks of that duration.
        let bins = ((n as f64).sqrt().ceil() as usize).clamp(5, 40);
        let width = x_max / bins as f64;
        let mut lifted = vec![0u64; bins];
        let mut open = vec![0u64; bins];
        for step in steps {
            let i = ((step.day / width) as usize).min(bins - 1);
            lifted[i] += step.events;
            open[i] += step.censored;
        }
        let c_max = upper(lifted.iter().zip(&open).map(|(a, b)| (a + b) as f64));
        let mut hist = plane(&right, 0f64..x_max, 0f64..c_max, 80)?;
        mesh_style(&mut hist)
            .x_desc("block duration (days)")
            .y_desc("blocks")
            .x_label_formatter(&|x: &f64| short_number(*x))
            .y_label_formatter(&|y: &f64| short_number(*y))
            .draw()?;
        hist.draw_series((0..bins).map(|i| {
            let x0 = i as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width * 0.92, lifted[i] as f64)], GREEN.mix(0.8).filled())
        }))?;
        hist.draw_series((0..bins).filter(|i| open[*i] > 0).map(|i| {
            let x0 = i as f64 * width;
            let base = lifted[i] as f64;
            Rectangle::new(
                [(x0, base), (x0 + width * 0.92, base + open[i] as f64)],
                VERMILLION.mix(0.8).filled(),
            )
        }))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, assert_lacks, count, run, svg, texts};
    use super::super::survival::tests::many;
    use super::*;
    use crate::output::report::data::{curve_of, BlockRow};

    /// The red ticks drawn: one in the legend, one per censoring time on the curve.
    fn censored_ticks(svg: &str) -> usize {
        count(svg, "polyline", &[("stroke", "#D55E00"), ("stroke-width", "2")])
    }

    #[test]
    fn no_block_gives_a_notice_instead_of_a_chart() {
        let none = RunData { survival: Vec::new(), ..run("baseline") };
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
        mixed.survival = curve_of(&mixed.blocks);
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
        open.survival = curve_of(&open.blocks);
        let chart = Durations { run: &open, replications: 4 };
        let t = texts(&chart);
        assert_has(&t, "censored (1)");
        assert_lacks(&t, "95% CI");
        assert!(!t.iter().any(|t| t.starts_with("lifted")), "{t:?}");
        assert_eq!(censored_ticks(&svg(&chart)), 1 + 1);
    }

    #[test]
    fn the_chart_of_a_hundred_thousand_blocks_stays_small() {
        let mut big = run("baseline");
        big.survival = many(100_000);
        let chart = Durations { run: &big, replications: 100_000 };
        let svg = svg(&chart);
        assert!(svg.len() < 600_000, "{} bytes of SVG", svg.len());
        assert_has(&texts(&chart), "censored (20000)");
    }
}
