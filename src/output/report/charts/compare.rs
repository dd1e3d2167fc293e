//! Charts of a comparison, one mark or line per variant: block durations, the
//! exposure/user-days trade-off, and the probability of being blocked over time.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{
    category_label, mesh_style, plane, short_number, upper, with_legend, Swatch, TimeAxis, BLUE, FONT, INK,
    PALETTE, VERMILLION,
};
use super::{ChartError, Draw};
use crate::experiment::stats::quantile_sorted;
use crate::model::Metric;
use crate::output::report::data::RunData;

/// Box plots of block durations, one per variant.
pub(super) struct CompareDurations<'a> {
    pub(super) runs: &'a [RunData],
}

impl Draw for CompareDurations<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let entries = [
            (Swatch::Band(BLUE, 0.35), "middle half of blocks".to_string()),
            (Swatch::Line(INK), "median; whiskers to 5% and 95%".to_string()),
            (Swatch::Dot(VERMILLION), "no block in any replication".to_string()),
        ];
        let area = with_legend(root, &entries)?;
        let n = self.runs.len();
        let y_max = upper(self.runs.iter().flat_map(|r| r.blocks.iter().map(|b| b.duration_days)));
        let names: Vec<String> = self.runs.iter().map(|r| r.label.clone()).collect();
        let mut chart = plane(&area, -0.5f64..(n as f64 - 0.5), 0f64..y_max, 80)?;
        let x_fmt = |x: &f64| category_label(&names, *x);
        mesh_style(&mut chart)
            .x_desc("variant")
            .y_desc("block duration (days; censored at the horizon)")
            .x_labels(n * 2 + 1)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|y: &f64| short_number(*y))
            .disable_x_mesh()
            .draw()?;
        for (i, run) in self.runs.iter().enumerate() {
            let x = i as f64;
            let mut d: Vec<f64> = run.blocks.iter().map(|b| b.duration_days).collect();
            if d.is_empty() {
                chart.draw_series(std::iter::once(Circle::new((x, 0.0), 8, VERMILLION.filled())))?;
                continue;
            }
            d.sort_by(f64::total_cmp);
            let q = |p: f64| quantile_sorted(&d, p);
            let (p05, q1, med, q3, p95) = (q(0.05), q(0.25), q(0.5), q(0.75), q(0.95));
            let half = 0.28;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - half, q1), (x + half, q3)],
                BLUE.mix(0.35).filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - half, q1), (x + half, q3)],
                BLUE.stroke_width(2),
            )))?;
            for seg in [
                vec![(x - half, med), (x + half, med)],
                vec![(x, q3), (x, p95)],
                vec![(x, q1), (x, p05)],
                vec![(x - half / 2.0, p95), (x + half / 2.0, p95)],
                vec![(x - half / 2.0, p05), (x + half / 2.0, p05)],
            ] {
                chart.draw_series(std::iter::once(PathElement::new(seg, INK.stroke_width(3))))?;
            }
        }
        Ok(())
    }
}

/// A mean with its 95% CI: (mean, low, high).
type Estimate = (f64, f64, f64);

/// Each variant's exposure against its user-days lost, with 95% confidence intervals.
pub(super) struct TradeOff<'a> {
    pub(super) runs: &'a [RunData],
}

impl Draw for TradeOff<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let entries: Vec<(Swatch, String)> = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| (Swatch::Dot(PALETTE[i % PALETTE.len()]), r.label.clone()))
            .collect();
        let area = with_legend(root, &entries)?;
        let get = |r: &RunData, m: Metric| {
            r.metric(m).map_or((f64::NAN, f64::NAN, f64::NAN), |s| (s.mean, s.ci_low, s.ci_high))
        };
        let points: Vec<(Estimate, Estimate)> =
            self.runs.iter().map(|r| (get(r, Metric::Exposure), get(r, Metric::UserDaysLost))).collect();
        // Exposure rarely falls near zero: frame the points; user-days lost starts at 0.
        let xs = points.iter().flat_map(|p| [p.0 .0, p.0 .1, p.0 .2]).filter(|v| v.is_finite());
        let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        let (x_lo, x_hi) = if x_lo.is_finite() { (x_lo, x_hi) } else { (0.0, 1.0) };
        let pad = ((x_hi - x_lo) * 0.15).max(x_hi.abs() * 0.02).max(1.0);
        let y_max = upper(points.iter().map(|p| p.1 .2.max(p.1 .0)));
        let mut chart = plane(&area, (x_lo - pad).max(0.0)..(x_hi + pad), 0f64..y_max, 90)?;
        mesh_style(&mut chart)
            .x_desc("exposure: views of violating items (mean, 95% CI)")
            .y_desc("user-days lost to blocks and throttles")
            .x_label_formatter(&|x: &f64| short_number(*x))
            .y_label_formatter(&|y: &f64| short_number(*y))
            .draw()?;
        let font = (FONT, 18).into_font().color(&INK);
        for (i, ((x, xl, xh), (y, yl, yh))) in points.iter().copied().enumerate() {
            if !(x.is_finite() && y.is_finite()) {
                continue;
            }
            let c = PALETTE[i % PALETTE.len()];
            let (xl, xh) = if xl.is_finite() { (xl, xh) } else { (x, x) };
            let (yl, yh) = if yl.is_finite() { (yl, yh) } else { (y, y) };
            chart.draw_series([
                PathElement::new(vec![(xl, y), (xh, y)], c.stroke_width(2)),
                PathElement::new(vec![(x, yl), (x, yh)], c.stroke_width(2)),
            ])?;
            chart.draw_series(std::iter::once(Circle::new((x, y), 8, c.filled())))?;
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, y)) + Text::new(self.runs[i].label.clone(), (10, -28), font.clone()),
            ))?;
        }
        Ok(())
    }
}

/// Probability of being blocked over time, one line per variant.
pub(super) struct CompareBlocked<'a> {
    pub(super) runs: &'a [RunData],
    pub(super) axis: TimeAxis,
    /// The last day of the time axis.
    pub(super) horizon: f64,
}

impl Draw for CompareBlocked<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let entries: Vec<(Swatch, String)> = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| (Swatch::Line(PALETTE[i % PALETTE.len()]), r.label.clone()))
            .collect();
        let area = with_legend(root, &entries)?;
        let axis = self.axis;
        let x_fmt = |x: &f64| axis.label(*x);
        let mut chart = plane(&area, 0f64..self.horizon, 0f64..1.0, 80)?;
        mesh_style(&mut chart)
            .x_desc(axis.description())
            .y_desc("P(blocked)")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
            .x_labels(7)
            .draw()?;
        for (i, run) in self.runs.iter().enumerate() {
            let c = PALETTE[i % PALETTE.len()];
            chart.draw_series(LineSeries::new(
                run.grid.iter().map(|g| (g.day, g.blocked_probability)),
                c.stroke_width(3),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, count, run, svg, texts};
    use super::*;

    #[test]
    fn each_variant_has_a_box_and_one_never_blocked_a_dot_on_the_axis() {
        let runs = [run("baseline"), RunData { blocks: Vec::new(), ..run("faster") }];
        let chart = CompareDurations { runs: &runs };
        let t = texts(&chart);
        assert_has(&t, "baseline");
        assert_has(&t, "faster");
        assert_has(&t, "no block in any replication");
        // The legend's dot has radius 6; the dots on the axis have radius 8.
        assert_eq!(count(&svg(&chart), "circle", &[("r", "8"), ("fill", "#D55E00")]), 1);
    }

    #[test]
    fn a_variant_without_estimates_is_in_the_legend_but_not_plotted() {
        let runs = [run("baseline"), RunData { metrics: Default::default(), ..run("no estimates") }];
        let t = texts(&TradeOff { runs: &runs });
        // The legend names every variant; the plot labels each point it draws.
        assert_eq!(t.iter().filter(|t| *t == "baseline").count(), 2);
        assert_eq!(t.iter().filter(|t| *t == "no estimates").count(), 1);
        assert_has(&t, "user-days lost to blocks and throttles");
    }

    #[test]
    fn the_blocked_probability_has_one_line_per_variant_in_percent() {
        let runs = [run("baseline"), run("faster")];
        let chart = CompareBlocked { runs: &runs, axis: TimeAxis { start: None }, horizon: 30.0 };
        let t = texts(&chart);
        assert_has(&t, "baseline");
        assert_has(&t, "faster");
        assert_has(&t, "P(blocked)");
        assert_has(&t, "100%");
        let lines =
            |colour: &str| count(&svg(&chart), "polyline", &[("stroke", colour), ("stroke-width", "3")]);
        // Legend swatch and curve, in each variant's colour.
        assert_eq!((lines("#0072B2"), lines("#E69F00")), (2, 2));
    }
}
