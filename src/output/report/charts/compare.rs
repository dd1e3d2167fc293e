//! Charts of a comparison, one mark or line per variant: how long blocks last, the
//! exposure/user-days trade-off, and the share of replications blocked at each moment.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::costs::paired;
use super::survival::{blocks_of_runs, censoring_marks, drawn_steps};
use super::theme::{mesh_style, plane, short_number, upper, with_legend, Plane, Swatch, FONT, INK, PALETTE};
use super::time_axis::{time_plane, TimeAxis};
use super::{ChartError, Draw};
use crate::model::Metric;
use crate::output::money;
use crate::output::report::data::{significant, RunData};

/// How long blocks last, one Kaplan-Meier curve (survival.csv) per variant: blocks
/// still in force at the horizon are censored, not counted as lifted, so a curve that
/// ends above 0 is the share of blocks the horizon cut short.
pub(super) struct CompareDurations<'a> {
    pub(super) runs: &'a [RunData],
    /// Replications per variant, for the legend's counts.
    pub(super) replications: u64,
}

impl Draw for CompareDurations<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let mut entries: Vec<(Swatch, String)> = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| (Swatch::Line(PALETTE[i % PALETTE.len()]), durations_label(r, self.replications)))
            .collect();
        if self.runs.iter().flat_map(|r| &r.survival).any(|s| s.censored > 0) {
            entries.push((Swatch::Tick(INK), "censored: in force at the horizon".into()));
        }
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
            for step in drawn_steps(&run.survival, x_max) {
                curve.extend([(step.day, before), (step.day, step.survival)]);
                before = step.survival;
            }
            curve.push((last.day, before));
            let colour = PALETTE[i % PALETTE.len()];
            chart.draw_series(LineSeries::new(curve, colour.stroke_width(3)))?;
            // A tick where blocks were censored, on the curve at that day.
            chart.draw_series(censoring_marks(&run.survival, x_max).into_iter().map(|at| {
                EmptyElement::at(at) + PathElement::new(vec![(0, -9), (0, 9)], colour.stroke_width(2))
            }))?;
        }
        Ok(())
    }
}

/// A variant's legend entry in the durations chart: its name and how many blocks the
/// curve stands for, out of how many replications, or that it was never blocked.
fn durations_label(run: &RunData, replications: u64) -> String {
    // Every block is at risk at the first step of the Kaplan-Meier curve.
    match run.survival.first() {
        Some(first) => format!("{}: {}", run.label, blocks_of_runs(first.at_risk, replications)),
        None => format!("{}: never blocked in {replications} runs", run.label),
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

/// What a variant's paired differences against the baseline are, in words, when the
/// CI of either excludes zero: "-10.3 M views*, -24.3 M user-days*".
fn tradeoff_differences(run: &RunData) -> Option<String> {
    let diff = |m: Metric| run.metric(m).and_then(|s| s.diff);
    let (exposure, lost) = (diff(Metric::Exposure), diff(Metric::UserDaysLost));
    if !exposure.into_iter().chain(lost).any(significant) {
        return None;
    }
    let words: Vec<String> = [(exposure, "views"), (lost, "user-days")]
        .into_iter()
        .filter_map(|(d, unit)| d.map(|d| format!("{} {unit}", paired(d))))
        .collect();
    Some(words.join(", "))
}

impl Draw for TradeOff<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let mut entries: Vec<(Swatch, String)> = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| (Swatch::Dot(PALETTE[i % PALETTE.len()]), r.label.clone()))
            .collect();
        let differences: Vec<Option<String>> = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| if i == 0 { None } else { tradeoff_differences(r) })
            .collect();
        if differences.iter().any(Option::is_some) {
            entries.push((
                Swatch::Line(INK),
                "arrow: paired difference from the baseline, * significant".into(),
            ));
        }
        let area = with_legend(root, &entries)?;
        let get = |r: &RunData, m: Metric| {
            r.metric(m).map_or((f64::NAN, f64::NAN, f64::NAN), |s| (s.mean, s.ci_low, s.ci_high))
        };
        let points: Vec<(Estimate, Estimate)> =
            self.runs.iter().map(|r| (get(r, Metric::Exposure), get(r, Metric::UserDaysLost))).collect();
        // Both axes from zero, so that a difference looks as large as it is.
        let x_max = upper(points.iter().map(|p| p.0 .2.max(p.0 .0)));
        let y_max = upper(points.iter().map(|p| p.1 .2.max(p.1 .0)));
        let mut chart = plane(&area, 0f64..x_max * 1.15, 0f64..y_max * 1.1, 90)?;
        mesh_style(&mut chart)
            .x_desc("exposure: views of violating items (mean, 95% CI)")
            .y_desc("user-days lost to blocks and throttles")
            .x_label_formatter(&|x: &f64| short_number(*x))
            .y_label_formatter(&|y: &f64| short_number(*y))
            .draw()?;
        let font = (FONT, 18).into_font().color(&INK);
        let small = (FONT, 15).into_font().color(&INK);
        let baseline =
            points.first().map(|p| (p.0 .0, p.1 .0)).filter(|b| b.0.is_finite() && b.1.is_finite());
        for (i, ((x, xl, xh), (y, yl, yh))) in points.iter().copied().enumerate() {
            if !(x.is_finite() && y.is_finite()) {
                continue;
            }
            let c = PALETTE[i % PALETTE.len()];
            // Intervals of counts never reach below zero.
            let (xl, xh) = if xl.is_finite() { (xl.max(0.0), xh) } else { (x, x) };
            let (yl, yh) = if yl.is_finite() { (yl.max(0.0), yh) } else { (y, y) };
            chart.draw_series([
                PathElement::new(vec![(xl, y), (xh, y)], c.stroke_width(2)),
                PathElement::new(vec![(x, yl), (x, yh)], c.stroke_width(2)),
            ])?;
            if let (Some(from), Some(_)) = (baseline, &differences[i]) {
                draw_arrow(&mut chart, from, (x, y), c)?;
            }
            chart.draw_series(std::iter::once(Circle::new((x, y), 8, c.filled())))?;
            let run = &self.runs[i];
            let label = match run.metric(Metric::TotalCost) {
                Some(total) => {
                    let mut cost = format!("{}: {}", run.label, money::amount(total.mean, self.unit));
                    if let (true, Some(d)) = (i > 0, total.diff) {
                        cost.push_str(&format!(" ({})", paired(d)));
                    }
                    cost
                }
                None => run.label.clone(),
            };
            // Words beside the point, on the side with room: the baseline's below it, a
            // variant's above it (its differences over its cost), so that a variant
            // near the baseline does not write over it.
            let left = x > x_max * 1.15 / 2.0;
            let h = if left { HPos::Right } else { HPos::Left };
            let dx = if left { -12 } else { 12 };
            let mut lines = vec![(label, font.clone())];
            if let Some(words) = &differences[i] {
                lines.push((words.clone(), small.clone()));
            }
            for (k, (text, style)) in lines.into_iter().enumerate() {
                let dy = if i == 0 { 14 + 22 * k as i32 } else { -30 - 22 * k as i32 };
                let style = style.pos(Pos::new(h, VPos::Top));
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, y)) + Text::new(text, (dx, dy), style),
                ))?;
            }
        }
        Ok(())
    }
}

/// An arrow from `from` to `to`, its head stopping at the edge of `to`'s dot.
fn draw_arrow<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Plane>,
    from: (f64, f64),
    to: (f64, f64),
    colour: RGBColor,
) -> Result<(), ChartError> {
    let (a, b) = (chart.backend_coord(&from), chart.backend_coord(&to));
    let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
    let length = dx.hypot(dy);
    if length < 30.0 {
        return Ok(());
    }
    let (ux, uy) = (dx / length, dy / length);
    // Pixel offsets from `to`: the tip at the dot's edge, the base 16 pixels back.
    let point =
        |along: f64, across: f64| ((-ux * along - uy * across) as i32, (-uy * along + ux * across) as i32);
    let head = vec![point(9.0, 0.0), point(25.0, 7.0), point(25.0, -7.0)];
    chart.draw_series(std::iter::once(
        EmptyElement::at(from)
            + PathElement::new(
                vec![(0, 0), ((dx - ux * 25.0) as i32, (dy - uy * 25.0) as i32)],
                colour.mix(0.7).stroke_width(2),
            ),
    ))?;
    chart.draw_series(std::iter::once(EmptyElement::at(to) + Polygon::new(head, colour.filled())))?;
    Ok(())
}

/// Where the shares blocked change: from the first instant any variant is blocked to
/// the last instant any share changes, with a margin, as (from, to) days; `None` when
/// that is most of the horizon (or nothing is ever blocked), so nothing is cropped.
pub(super) fn active_period(runs: &[RunData], horizon: f64) -> Option<(f64, f64)> {
    let first =
        runs.iter().filter_map(|r| r.grid.iter().find(|g| g.blocked_probability > 0.0)).map(|g| g.day);
    let first = first.fold(f64::INFINITY, f64::min);
    let last = runs
        .iter()
        .filter_map(|r| {
            r.grid.windows(2).rev().find(|w| w[0].blocked_probability != w[1].blocked_probability)
        })
        .map(|w| w[1].day)
        .fold(f64::NEG_INFINITY, f64::max);
    if !(first.is_finite() && last.is_finite()) {
        return None;
    }
    let margin = ((last - first) * 0.1).max(horizon * 0.01);
    let (from, to) = ((first - margin).max(0.0), (last + margin).min(horizon));
    (to - from < 0.6 * horizon).then_some((from, to))
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
        let (from, to) = active_period(self.runs, self.horizon).unwrap_or((0.0, self.horizon));
        let ticks = self.axis.ticks_between(from, to);
        let x_fmt = |x: &f64| ticks.label(*x);
        let mut chart = time_plane(&area, &ticks, (from, to), 0f64..1.0, 80)?;
        let cropped = to - from < self.horizon;
        mesh_style(&mut chart)
            .x_desc(if cropped {
                format!("{} (cropped to where the shares change)", ticks.description)
            } else {
                ticks.description.clone()
            })
            .y_desc("share blocked at that moment")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
            .draw()?;
        for (i, run) in self.runs.iter().enumerate() {
            let c = PALETTE[i % PALETTE.len()];
            chart.draw_series(LineSeries::new(
                run.grid
                    .iter()
                    .filter(|g| (from..=to).contains(&g.day))
                    .map(|g| (g.day, g.blocked_probability)),
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
    use crate::output::report::data::GridRow;

    #[test]
    fn each_variant_has_a_survival_curve_and_one_never_blocked_none() {
        let runs = [run("baseline"), RunData { survival: Vec::new(), ..run("faster") }];
        let chart = CompareDurations { runs: &runs, replications: 4 };
        let t = texts(&chart);
        assert_has(&t, "baseline: n = 2 blocks of 4 runs");
        assert_has(&t, "faster: never blocked in 4 runs");
        assert_has(&t, "censored: in force at the horizon");
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
        // One tick on the baseline's curve for its censored block.
        assert_eq!(count(&svg, "polyline", &[("stroke", "#0072B2"), ("stroke-width", "2")]), 1);
    }

    #[test]
    fn the_trade_off_starts_at_zero_and_points_from_the_baseline_to_significant_moves() {
        let mut faster = run("faster");
        let exposure = faster.metrics.get_mut(&Metric::Exposure.into()).unwrap();
        exposure.diff = Some((-200.0, -300.0, -100.0));
        faster.metrics.get_mut(&Metric::UserDaysLost.into()).unwrap().diff = Some((5.0, -1.0, 11.0));
        let mut same = run("same");
        same.metrics.get_mut(&Metric::Exposure.into()).unwrap().diff = Some((1.0, -1.0, 3.0));
        let runs = [run("baseline"), faster, same];
        let t = texts(&TradeOff { runs: &runs, unit: "USD" });
        // Both axes are marked at zero.
        assert_eq!(t.iter().filter(|t| *t == "0").count(), 2, "{t:?}");
        assert_has(
            &t,
            &format!("{} views, {} user-days", paired((-200.0, -300.0, -100.0)), paired((5.0, -1.0, 11.0))),
        );
        assert_has(&t, "arrow: paired difference from the baseline, * significant");
        assert!(!t.iter().any(|t| t.ends_with("user-days") && t.starts_with('+')), "{t:?}");
        assert_eq!(paired((-200.0, -300.0, -100.0)), "-200*");
    }

    #[test]
    fn the_active_period_is_where_the_shares_change() {
        // Blocked from day 10 to day 20 of 30: a margin of a tenth, at least 1% of the
        // horizon, either side.
        assert_eq!(active_period(&[run("baseline")], 30.0), Some((9.0, 21.0)));
        // Blocked from day 1 in another variant: days 0 to 22 of 30 is most of it.
        let mut early = run("early");
        early.grid[1].blocked_probability = 0.1;
        assert_eq!(active_period(&[run("baseline"), early], 30.0), None, "most of the horizon");
        let never = RunData {
            grid: run("x").grid.into_iter().map(|g| GridRow { blocked_probability: 0.0, ..g }).collect(),
            ..run("never")
        };
        assert_eq!(active_period(&[never], 30.0), None);
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
        assert_has(&t, "days since the start (cropped to where the shares change)");
        assert_has(&t, "100%");
        let lines =
            |colour: &str| count(&svg(&chart), "polyline", &[("stroke", colour), ("stroke-width", "3")]);
        // Legend swatch and curve, in each variant's colour.
        assert_eq!((lines("#0072B2"), lines("#E69F00")), (2, 2));
    }
}
