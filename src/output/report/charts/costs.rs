//! What each run costs the platform: one bar per variant or sweep point, its parts
//! stacked (moderation, compliance actions, fines, revenue lost) on an axis of money
//! from zero, the total's 95% interval, and the total in words, with the paired
//! difference against the baseline where the folder has one.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{short_number, with_legend, Marked, Swatch, FONT, INK, PALETTE};
use super::{ChartError, Draw};
use crate::model::Metric;
use crate::output::money;
use crate::output::numbers::quantity;
use crate::output::report::data::{significant, RunData};

/// Most bars a chart shows: beyond it, the table has the costs.
pub(super) const MOST_BARS: usize = 30;

/// One stacked bar per run.
pub(super) struct CostBars<'a> {
    pub(super) runs: &'a [RunData],
    /// Each bar's name, in the order of `runs`, and what the names are (the y axis).
    pub(super) names: Vec<String>,
    pub(super) axis: String,
    /// What the amounts are in: the currency, or "currency units".
    pub(super) unit: &'a str,
}

/// A part's mean in `run`, 0 when the table lacks it.
fn mean(run: &RunData, metric: Metric) -> f64 {
    run.metric(metric).map_or(0.0, |m| m.mean).max(0.0)
}

/// The total's words beside a bar: "1.82 M USD", and "(+793 k*)" after the baseline.
fn total_label(run: &RunData, first: bool, unit: &str) -> String {
    let Some(total) = run.metric(Metric::TotalCost) else {
        let sum: f64 = money::PARTS.iter().map(|(m, _)| mean(run, *m)).sum();
        return money::amount(sum, unit);
    };
    let mut label = money::amount(total.mean, unit);
    if let (false, Some(diff)) = (first, total.diff) {
        label.push_str(&format!(" ({})", paired(diff)));
    }
    label
}

/// A paired difference in words: "+793 k*", "-0.74", with `*` when its 95% CI
/// excludes zero.
pub(super) fn paired(diff: (f64, f64, f64)) -> String {
    let mark = if significant(diff) { "*" } else { "" };
    let sign = if diff.0 >= 0.0 { "+" } else { "-" };
    format!("{sign}{}{mark}", quantity(diff.0.abs()))
}

impl Draw for CostBars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let entries: Vec<(Swatch, String)> = money::PARTS
            .iter()
            .enumerate()
            .map(|(k, (_, name))| (Swatch::Band(PALETTE[k], 1.0), name.to_string()))
            .chain(std::iter::once((Swatch::Line(INK), "total: 95% CI".to_string())))
            .collect();
        let area = with_legend(root, &entries)?;
        let n = self.runs.len();
        let highest = self
            .runs
            .iter()
            .map(|r| {
                let parts: f64 = money::PARTS.iter().map(|(m, _)| mean(r, *m)).sum();
                r.metric(Metric::TotalCost).map_or(parts, |t| t.ci_high.max(t.mean)).max(parts)
            })
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max);
        // Room to the right of the longest bar for its words.
        let x_max = if highest > 0.0 { highest * 1.35 } else { 1.0 };
        let rows: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let label_width = self.names.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * 10 + 24;
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(label_width.clamp(60, 320))
            .build_cartesian_2d(0f64..x_max, Marked::new(-0.6..n as f64 - 0.4, rows))?;
        // Bar i from the top is run i.
        let row_y = |i: usize| (n - 1 - i) as f64;
        chart
            .configure_mesh()
            .label_style((FONT, 17).into_font().color(&INK))
            .axis_desc_style((FONT, 20).into_font().color(&INK))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(RGBColor(225, 225, 225))
            .x_desc(format!("cost to the platform, {} (mean over replications)", self.unit))
            .y_desc(self.axis.as_str())
            .x_label_formatter(&|x: &f64| short_number(*x))
            .y_label_formatter(&|y: &f64| {
                let i = y.round();
                if i >= 0.0 && (i as usize) < n {
                    self.names[n - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .draw()?;
        let font = (FONT, 17).into_font().color(&INK);
        for (i, run) in self.runs.iter().enumerate() {
            let y = row_y(i);
            let mut left = 0.0;
            for (k, (metric, _)) in money::PARTS.iter().enumerate() {
                let width = mean(run, *metric);
                if width > 0.0 {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(left, y - 0.3), (left + width, y + 0.3)],
                        PALETTE[k].filled(),
                    )))?;
                }
                left += width;
            }
            let end = match run.metric(Metric::TotalCost) {
                Some(t) if t.ci_low.is_finite() && t.ci_high.is_finite() => {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(t.ci_low.max(0.0), y), (t.ci_high, y)],
                        INK.stroke_width(2),
                    )))?;
                    t.ci_high.max(left)
                }
                _ => left,
            };
            chart.draw_series(std::iter::once(
                EmptyElement::at((end, y))
                    + Text::new(total_label(run, i == 0, self.unit), (8, -9), font.clone()),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, count, run, svg, texts};
    use super::*;
    use crate::output::report::data::MetricSummary;

    fn priced(label: &str, total_diff: Option<(f64, f64, f64)>) -> RunData {
        let mut r = run(label);
        let m =
            |mean: f64| MetricSummary { mean, ci_low: mean * 0.9, ci_high: mean * 1.1, ..Default::default() };
        for (metric, mean) in [
            (Metric::ModerationCost, 1_200_000.0),
            (Metric::ActionCost, 100_000.0),
            (Metric::FinesAmount, 0.0),
            (Metric::RevenueLost, 500_000.0),
        ] {
            r.metrics.insert(metric.into(), m(mean));
        }
        r.metrics.insert(Metric::TotalCost.into(), MetricSummary { diff: total_diff, ..m(1_800_000.0) });
        r
    }

    #[test]
    fn each_run_has_a_bar_of_its_parts_and_the_total_with_its_difference() {
        let runs = [priced("baseline", None), priced("more", Some((793_000.0, 700_000.0, 900_000.0)))];
        let names = vec!["baseline".into(), "more".into()];
        let chart = CostBars { runs: &runs, names, axis: "variant".into(), unit: "USD" };
        let t = texts(&chart);
        for text in ["baseline", "more", "moderation", "revenue lost", "1.80 M USD", "1.80 M USD (+793 k*)"] {
            assert_has(&t, text);
        }
        assert_has(&t, "cost to the platform, USD (mean over replications)");
        assert_has(&t, "variant");
        // Three parts above zero, two bars: six rectangles in the part colours, and
        // the legend's four swatches.
        let svg = svg(&chart);
        let filled = |colour: &str| count(&svg, "rect", &[("fill", colour)]);
        assert_eq!(filled("#0072B2"), 3, "moderation: two bars and its swatch");
        assert_eq!(filled("#009E73"), 1, "fines are 0: only the swatch");
    }
}
