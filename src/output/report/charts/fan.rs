//! The fan chart: the time series across replications as quantile bands, with the
//! share of replications blocked at each moment below.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{mesh_style, short_number, upper, with_legend, Marked, Swatch, BLUE, VERMILLION};
use super::time_axis::{time_plane, TimeAxis};
use super::{ChartError, Draw};
use crate::output::report::data::{GridRow, RunData};

/// Visible violating content across replications (median with 50% and 90% bands) over
/// the share of replications blocked at each moment.
pub(super) struct Fan<'a> {
    pub(super) run: &'a RunData,
    pub(super) axis: TimeAxis,
    /// The last day of the time axis.
    pub(super) horizon: f64,
}

fn band(grid: &[GridRow], lo: usize, hi: usize) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = grid.iter().map(|g| (g.day, g.bands[lo])).collect();
    pts.extend(grid.iter().rev().map(|g| (g.day, g.bands[hi])));
    pts.retain(|p| p.1.is_finite());
    pts
}

impl Draw for Fan<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let grid = &self.run.grid;
        let entries = [
            (Swatch::Band(BLUE, 0.18), "90% of replications".to_string()),
            (Swatch::Band(BLUE, 0.40), "50% of replications".to_string()),
            (Swatch::Line(BLUE), "median".to_string()),
            (
                Swatch::Line(VERMILLION),
                "share of replications blocked at that moment (lower panel)".to_string(),
            ),
        ];
        let area = with_legend(root, &entries)?;
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 * 62 / 100);
        let ticks = self.axis.ticks(self.horizon);
        let x_fmt = |x: &f64| ticks.label(*x);
        let y_fmt = |y: &f64| short_number(*y);
        let y_max = upper(grid.iter().map(|g| g.bands[4])).max(10.0);
        let mut chart = ChartBuilder::on(&top)
            .margin(16)
            .x_label_area_size(10)
            .y_label_area_size(90)
            .build_cartesian_2d(Marked::new(0f64..self.horizon, ticks.points.clone()), 0f64..y_max)?;
        mesh_style(&mut chart)
            .y_desc("violating items visible")
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&y_fmt)
            .draw()?;
        chart.draw_series(std::iter::once(Polygon::new(band(grid, 0, 4), BLUE.mix(0.18).filled())))?;
        chart.draw_series(std::iter::once(Polygon::new(band(grid, 1, 3), BLUE.mix(0.40).filled())))?;
        chart.draw_series(LineSeries::new(
            grid.iter().filter(|g| g.bands[2].is_finite()).map(|g| (g.day, g.bands[2])),
            BLUE.stroke_width(3),
        ))?;
        let mut lower = time_plane(&bottom, &ticks, (0.0, self.horizon), 0f64..1.0, 90)?;
        mesh_style(&mut lower)
            .x_desc(&ticks.description)
            .y_desc("blocked at that moment")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
            .y_labels(5)
            .draw()?;
        lower.draw_series(LineSeries::new(
            grid.iter().map(|g| (g.day, g.blocked_probability)),
            VERMILLION.stroke_width(3),
        ))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, run, texts};
    use super::*;

    #[test]
    fn a_band_runs_along_its_lower_edge_and_back_along_its_upper_one() {
        let row = |day, bands| GridRow { day, bands, ..GridRow::default() };
        let grid = [
            row(0.0, [0.0, 1.0, 2.0, 3.0, 4.0]),
            row(1.0, [f64::NAN, 5.0, 6.0, 7.0, f64::NAN]),
            row(2.0, [10.0, 11.0, 12.0, 13.0, 14.0]),
        ];
        assert_eq!(
            band(&grid, 1, 3),
            [(0.0, 1.0), (1.0, 5.0), (2.0, 11.0), (2.0, 13.0), (1.0, 7.0), (0.0, 3.0)]
        );
        // Instants without a quantile are left out, not drawn at zero.
        assert_eq!(band(&grid, 0, 4), [(0.0, 0.0), (2.0, 10.0), (2.0, 14.0), (0.0, 4.0)]);
    }

    #[test]
    fn both_panels_and_the_legend_are_drawn() {
        let t = texts(&Fan { run: &run("baseline"), axis: TimeAxis { start: None }, horizon: 30.0 });
        for text in [
            "90% of replications",
            "50% of replications",
            "median",
            "share of replications blocked at that moment (lower panel)",
            "violating items visible",
            "blocked at that moment",
            "days since the start",
        ] {
            assert_has(&t, text);
        }
    }
}
