//! The PIT histogram of a validation: for model and baseline side by side, how many
//! cases' outcomes fell in each fifth of their forecast, against the flat count a
//! calibrated forecast expects.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{mesh_style, plane, with_legend, Swatch, BLUE, INK, ORANGE};
use super::{ChartError, Draw};

/// Counts of PIT values per bin, model and baseline.
pub(super) struct PitHistogram<'a> {
    pub(super) model: &'a [usize],
    pub(super) baseline: &'a [usize],
}

impl Draw for PitHistogram<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let bins = self.model.len().max(1);
        let cases: usize = self.model.iter().sum();
        let flat = cases as f64 / bins as f64;
        let entries = [
            (Swatch::Band(BLUE, 0.9), "model".to_owned()),
            (Swatch::Band(ORANGE, 0.55), "reference-class baseline".to_owned()),
            (Swatch::Dashed(INK), format!("flat: {} cases per bin", super::theme::short_number(flat))),
        ];
        let area = with_legend(root, &entries)?;
        let top = self.model.iter().chain(self.baseline).copied().max().unwrap_or(0) as f64;
        let y_max = (top.max(flat) + 1.0).ceil();
        let mut chart = plane(&area, 0f64..1.0, 0f64..y_max, 70)?;
        mesh_style(&mut chart)
            .x_desc("PIT: where the outcome fell in its forecast (0 = below all of it, 1 = above)")
            .y_desc("cases")
            .x_labels(bins + 1)
            .y_labels(y_max as usize + 1)
            .x_label_formatter(&|x: &f64| format!("{x:.1}"))
            .y_label_formatter(&|y: &f64| if y.fract() == 0.0 { format!("{y:.0}") } else { String::new() })
            .draw()?;
        let width = 1.0 / bins as f64;
        for (counts, offset, colour, alpha) in
            [(self.model, 0.08, BLUE, 0.9), (self.baseline, 0.5, ORANGE, 0.55)]
        {
            chart.draw_series(counts.iter().enumerate().map(|(i, &c)| {
                let x0 = i as f64 * width + offset * width;
                Rectangle::new([(x0, 0.0), (x0 + 0.42 * width, c as f64)], colour.mix(alpha).filled())
            }))?;
        }
        // The dashed line: the count in every bin if the forecasts were calibrated.
        let dashes = 40;
        chart.draw_series((0..dashes).map(|k| {
            let x0 = k as f64 / dashes as f64;
            PathElement::new(vec![(x0, flat), (x0 + 0.6 / dashes as f64, flat)], INK.stroke_width(2))
        }))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, count, svg, svg_texts};
    use super::*;

    #[test]
    fn each_bin_has_a_bar_for_model_and_baseline_and_the_flat_line_says_its_count() {
        let chart = PitHistogram { model: &[1, 1, 2, 1, 1], baseline: &[3, 0, 0, 0, 3] };
        let drawn = svg(&chart);
        assert_has(&svg_texts(&drawn), "flat: 1.2 cases per bin");
        // Empty bins draw an empty rectangle; every bin has both.
        let bars = |colour: &str| count(&drawn, "rect", &[("fill", colour)]);
        assert_eq!(bars("#0072B2"), 5 + 1);
        assert_eq!(bars("#E69F00"), 5 + 1);
    }
}
