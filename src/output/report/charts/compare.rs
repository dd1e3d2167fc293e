//! Charts of a comparison, one mark or line per variant: how long blocks last, the
//! exposure/user-days trade-off, and the share of replications blocked at each moment.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{mesh_style, plane, short_number, upper, with_legend, Swatch, FONT, INK, PALETTE};
use super::time_axis::{time_plane, TimeAxis};
use super::{ChartError, Draw};
use crate::model::Metric;
use crate::output::money;
use crate::output::report::data::RunData;

/// How long blocks last, one Kaplan-Meier curve (survival.csv) per variant: blocks
/// still in force at the horizon are censored, not counted as lifted, so a curve that
/// ends above 0 is the share of blocks the horizon cut short.
pub(super) struct CompareDurations<'a> {
    pub(super) runs: &'a [RunData],
}

impl Draw for CompareDurations<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let entries: Vec<(Swatch, String)> = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let label =
                    if r.survival.is_empty() { format!("{} (no block)", r.label) } else { r.label.clone() };
                (Swatch::Line(PALETTE[i % PALETTE.len()]), label)
            })
            .collect();
        let area = with_legend(root, &entries)?;
        let x_max = upper(self.runs.iter().filter_map(|r| r.survival.last()).map(|s| s.day));
        let mut chart = plane(&area, 0f64..x_max, 0f64..1.02, 80)?;
        mesh_style(&mut chart)
            .x_desc("days since the block began (censored at the horizon)")
            .y_desc("share of blocks still in force")
            .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
            .x_label_formatter(&|x: &f64| short_number(*x))
            .draw()?;
        for (i, run) in self.runs.iter().enumerate() {
            let Some(last) = run.survival.last() else { continue };
            // A step function: the survival holds from one lifting to the next, and
            // the curve runs on to the last block observed.
            let mut curve = vec![(0.0, 1.0)];
            let mut before = 1.0;
            for step in run.survival.iter().filter(|s| s.events > 0) {
                curve.extend([(step.day, before), (step.day, step.survival)]);
                before = step.survival;
            }
            curve.push((last.day, before));
            chart.draw_series(LineSeries::new(curve, PALETTE[i % PALETTE.len()].stroke_width(3)))?;
        }
        Ok(())
    }
}

/// A mean with its 95% CI: (mean, low, high).
type Estimate = (f64, f64, f64);

/// Each variant's exposure against its user-days lost, with 95% confidence intervals,
/// each point labelled with the variant's total cost to the platform.
pub(super) struct TradeOff<'a> {
    pub(super) runs: &'a [RunData],
    /// What money is in: the currency, or "currency units".
    pub(super) unit: &'a str,
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
            let run = &self.runs[i];
            let label = match run.metric(Metric::TotalCost) {
                Some(total) => format!("{}: {}", run.label, money::amount(total.mean, self.unit)),
                None => run.label.clone(),
            };
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, y)) + Text::new(label, (10, -28), font.clone()),
            ))?;
        }
        Ok(())
    }
}

/// The share of replications blocked at each moment, one line per variant.
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
        let ticks = self.axis.ticks(self.horizon);
        let x_fmt = |x: &f64| ticks.label(*x);
        let mut chart = time_plane(&area, &ticks, (0.0, self.horizon), 0f64..1.0, 80)?;
        mesh_style(&mut chart)
            .x_desc(&ticks.description)
            .y_desc("share blocked at that moment")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
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
    fn each_variant_has_a_survival_curve_and_one_never_blocked_none() {
        let runs = [run("baseline"), RunData { survival: Vec::new(), ..run("faster") }];
        let chart = CompareDurations { runs: &runs };
        let t = texts(&chart);
        assert_has(&t, "baseline");
        assert_has(&t, "faster (no block)");
        assert_has(&t, "share of blocks still in force");
        let svg = svg(&chart);
        let lines = |colour: &str| count(&svg, "polyline", &[("stroke", colour), ("stroke-width", "3")]);
        // Legend swatch and curve for the baseline; only the swatch for the other.
        assert_eq!((lines("#0072B2"), lines("#E69F00")), (2, 1));
        // The baseline's curve: from 1 at day 0, down to 0.5 at day 4, on to day 5.
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let points: Vec<usize> = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some("#0072B2"))
            .map(|n| n.attribute("points").unwrap_or_default().split_whitespace().count())
            .collect();
        assert!(points.contains(&4), "{points:?}");
    }

    #[test]
    fn a_variant_without_estimates_is_in_the_legend_but_not_plotted() {
        let runs = [run("baseline"), RunData { metrics: Default::default(), ..run("no estimates") }];
        let t = texts(&TradeOff { runs: &runs, unit: "USD" });
        // The legend names every variant; the plot labels each point it draws.
        assert_eq!(t.iter().filter(|t| *t == "baseline").count(), 2);
        assert_eq!(t.iter().filter(|t| *t == "no estimates").count(), 1);
        assert_has(&t, "user-days lost to blocks and throttles");
        // With a total cost, a point's label says it.
        let mut priced = run("priced");
        priced.metrics.insert(Metric::TotalCost.into(), Default::default());
        let t = texts(&TradeOff { runs: &[priced], unit: "EUR" });
        assert_has(&t, "priced: 0 EUR");
    }

    #[test]
    fn the_blocked_probability_has_one_line_per_variant_in_percent() {
        let runs = [run("baseline"), run("faster")];
        let chart = CompareBlocked { runs: &runs, axis: TimeAxis { start: None }, horizon: 30.0 };
        let t = texts(&chart);
        assert_has(&t, "baseline");
        assert_has(&t, "faster");
        assert_has(&t, "share blocked at that moment");
        assert_has(&t, "100%");
        let lines =
            |colour: &str| count(&svg(&chart), "polyline", &[("stroke", colour), ("stroke-width", "3")]);
        // Legend swatch and curve, in each variant's colour.
        assert_eq!((lines("#0072B2"), lines("#E69F00")), (2, 2));
    }
}
