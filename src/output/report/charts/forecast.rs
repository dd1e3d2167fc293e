//! Forecasts of cases against what happened: one row per case, the model's 50% and 90%
//! intervals (thick and thin bars) and median, the baseline's beside them when there is
//! one, and a mark for the outcome, on a ln(1 + days) axis. The validation report and
//! the calibration report's posterior predictive check share it.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{
    day_label, day_ticks, log_days, with_legend, Marked, Swatch, ARROW, BLUE, FONT, INK, ORANGE, SQUARE,
};
use super::{ChartError, Draw};
use crate::output::report::calibration_data::{CaseRow, Interval};

/// The colour of what happened, apart from every forecast's.
const TRUTH: RGBColor = INK;

/// One row per case: forecast intervals and the outcome.
pub(super) struct CaseIntervals<'a> {
    pub(super) rows: &'a [CaseRow],
    /// What the model's bars are called in the legend.
    pub(super) model: &'a str,
}

/// The kinds of outcome a chart shows, for its legend.
fn outcome_entries(rows: &[CaseRow]) -> Vec<(Swatch, String)> {
    let mut entries = Vec::new();
    if rows.iter().any(|r| r.observed.days > 0.0 && !r.observed.censored) {
        entries.push((Swatch::Dot(TRUTH), "observed block".to_owned()));
    }
    if rows.iter().any(|r| r.observed.days > 0.0 && r.observed.censored) {
        entries.push((Swatch::Arrow(TRUTH), "still in force: at least".to_owned()));
    }
    if rows.iter().any(|r| r.observed.days == 0.0) {
        entries.push((Swatch::Square(TRUTH), "no block".to_owned()));
    }
    entries
}

/// The largest number of days the chart must show.
fn largest(rows: &[CaseRow]) -> f64 {
    let forecasts = rows.iter().flat_map(|r| std::iter::once(r.model).chain(r.baseline));
    forecasts
        .map(|i| i.q95)
        .chain(rows.iter().map(|r| r.observed.days))
        .filter(|d| d.is_finite())
        .fold(7.0, f64::max)
}

impl Draw for CaseIntervals<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let with_baseline = self.rows.iter().any(|r| r.baseline.is_some());
        let mut entries = vec![
            (Swatch::Band(BLUE, 0.9), format!("{}: 50% and 90% intervals", self.model)),
            (Swatch::Tick(INK), "median".to_owned()),
        ];
        if with_baseline {
            entries.push((Swatch::Band(ORANGE, 0.55), "reference-class baseline".to_owned()));
        }
        entries.extend(outcome_entries(self.rows));
        let area = with_legend(root, &entries)?;
        let n = self.rows.len();
        // Room past the largest value for an arrow, and the ticks that fit.
        let x_max = log_days(largest(self.rows)) + 0.35;
        let ticks = day_ticks(x_max.exp_m1());
        let names: Vec<String> = self.rows.iter().map(|r| r.case.clone()).collect();
        let y_keys: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let label_width = names.iter().map(|c| c.chars().count()).max().unwrap_or(4) as u32 * 11 + 24;
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(label_width.clamp(60, 260))
            .build_cartesian_2d(Marked::new(-0.1..x_max, ticks), Marked::new(-0.6..n as f64 - 0.4, y_keys))?;
        // Row i from the top is case i.
        let row_y = |i: usize| (n - 1 - i) as f64;
        chart
            .configure_mesh()
            .label_style((FONT, 17).into_font().color(&INK))
            .axis_desc_style((FONT, 20).into_font().color(&INK))
            .bold_line_style(RGBColor(225, 225, 225))
            .x_desc("days (ln(1 + days) scale)")
            .x_label_formatter(&|x: &f64| day_label(*x))
            .y_label_formatter(&|y: &f64| {
                let i = y.round();
                if i >= 0.0 && (i as usize) < n {
                    names[n - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .draw()?;
        for (i, row) in self.rows.iter().enumerate() {
            let y = row_y(i);
            let bars: [(Option<Interval>, f64, RGBColor, f64); 2] =
                [(Some(row.model), 0.14, BLUE, 0.9), (row.baseline, -0.2, ORANGE, 0.55)];
            for (forecast, offset, colour, alpha) in bars {
                let Some(f) = forecast.filter(|f| f.median.is_finite()) else { continue };
                let at = y + offset;
                let style = colour.mix(alpha).filled();
                let bar = |low: f64, high: f64, half: f64| {
                    Rectangle::new([(log_days(low), at - half), (log_days(high), at + half)], style)
                };
                chart.draw_series([bar(f.q05, f.q95, 0.035), bar(f.q25, f.q75, 0.1)])?;
                let m = log_days(f.median);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(m, at - 0.13), (m, at + 0.13)],
                    INK.stroke_width(3),
                )))?;
            }
            let x = log_days(row.observed.days);
            if row.observed.days == 0.0 {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, y)) + Rectangle::new(SQUARE, TRUTH.filled()),
                ))?;
            } else if row.observed.censored {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, y)) + Polygon::new(ARROW.to_vec(), TRUTH.filled()),
                ))?;
                chart.draw_series(std::iter::once(Circle::new((x, y), 3, TRUTH.stroke_width(2))))?;
            } else {
                chart.draw_series(std::iter::once(Circle::new((x, y), 7, TRUTH.filled())))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, count, svg, svg_texts};
    use super::*;
    use crate::experiment::validate::score::Outcome;

    fn row(case: &str, days: f64, censored: bool, baseline: bool) -> CaseRow {
        let forecast =
            Interval { block_probability: 0.9, q05: 1.0, q25: 3.0, median: 5.0, q75: 9.0, q95: 40.0 };
        CaseRow {
            case: case.into(),
            observed: Outcome { days, censored },
            model: forecast,
            baseline: baseline.then_some(Interval { q95: 1200.0, ..forecast }),
        }
    }

    /// The outcome marks: filled circles, arrows and squares in the truth's colour
    /// (the legend's swatches included).
    fn marks(svg: &str) -> (usize, usize, usize) {
        let ink = [("fill", "#282828")];
        (count(svg, "circle", &ink), count(svg, "polygon", &ink), count(svg, "rect", &ink))
    }

    #[test]
    fn each_case_has_a_row_and_its_outcome_mark() {
        let rows = [
            row("id-01", 7.0, false, true),
            row("id-02", 249.0, true, true),
            row("id-03", 0.0, false, true),
            row("id-04", 30.0, false, true),
        ];
        let chart = CaseIntervals { rows: &rows, model: "model" };
        let drawn = svg(&chart);
        let texts = svg_texts(&drawn);
        for text in [
            "id-01",
            "id-04",
            "reference-class baseline",
            "still in force: at least",
            "no block",
            "365",
            "1000",
        ] {
            assert_has(&texts, text);
        }
        // Two lifted blocks, one in force, one without a block; each kind once more in
        // the legend.
        assert_eq!(marks(&drawn), (2 + 1, 1 + 1, 1 + 1));
    }

    #[test]
    fn without_a_baseline_the_legend_does_not_name_one() {
        let rows = [row("a", 3.0, false, false)];
        let texts = svg_texts(&svg(&CaseIntervals { rows: &rows, model: "posterior predictive" }));
        assert!(!texts.iter().any(|t| t.contains("baseline")), "{texts:?}");
        assert_has(&texts, "posterior predictive: 50% and 90% intervals");
    }
}
