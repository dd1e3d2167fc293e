//! Charts of a sweep: outcome panels along one parameter, or a heat map over two.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use super::labels::parameter_label;
use super::theme::{
    category_label, mesh_style, plane, short_number, upper, with_legend, Swatch, BLUE, FONT, INK, SHADE,
};
use super::{ChartError, Draw};
use crate::model::Metric;
use crate::output::numbers::FEW_REPLICATIONS;
use crate::output::report::data::RunData;

/// The metrics a sweep chart shows, with their axis titles.
const SWEEP_METRICS: [(Metric, &str); 4] = [
    (Metric::Blocked, "block probability"),
    (Metric::DaysBlocked, "days blocked"),
    (Metric::Exposure, "views of violating items"),
    (Metric::UserDaysLost, "user-days lost"),
];

/// Positions of a parameter's values: the numbers themselves when all are numbers,
/// else their order.
fn positions(values: &[String]) -> (Vec<f64>, bool) {
    let numbers: Vec<Option<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
    if numbers.iter().all(Option::is_some) {
        (numbers.into_iter().flatten().collect(), true)
    } else {
        ((0..values.len()).map(|i| i as f64).collect(), false)
    }
}

/// Width of a tick label's character, in pixels (17-pixel text), to tell whether the
/// labels of a sweep's points fit side by side.
const TICK_CHAR_PIXELS: usize = 9;

/// The swept values as an axis of `width` pixels shows them: tables in words
/// ([`tick_label`]), without their keys when the words would not fit between two points.
fn tick_labels(values: &[String], width: u32) -> Vec<String> {
    let room = width as usize / values.len().max(1) / TICK_CHAR_PIXELS;
    let words: Vec<String> = values.iter().map(|v| tick_label(v, true)).collect();
    if words.iter().all(|w| w.chars().count() <= room) {
        return words;
    }
    values.iter().map(|v| tick_label(v, false)).collect()
}

/// A swept value as an axis shows it: a table without its braces, quotes and `dist =`
/// (`{ dist = "lognormal", median = "4m", p90 = "9m" }` is `lognormal median 4m p90 9m`,
/// or `lognormal 4m 9m` without its keys), so that tables side by side stay legible;
/// any other value as it is.
fn tick_label(value: &str, keys: bool) -> String {
    let Some(table) = value.parse::<toml_edit::Value>().ok().and_then(|v| v.as_inline_table().cloned())
    else {
        return value.to_owned();
    };
    let text =
        |v: &toml_edit::Value| v.as_str().map_or_else(|| v.to_string().trim().to_owned(), str::to_owned);
    let words: Vec<String> = table
        .iter()
        .map(|(k, v)| if k == "dist" || !keys { text(v) } else { format!("{k} {}", text(v)) })
        .collect();
    words.join(" ")
}

/// The outline of a panel's 95% CI band: along the lows, back along the highs. Every
/// outcome here is a count or a share, so an interval that a normal approximation
/// stretches below zero (or a share's above one) is cut there.
fn interval_band(xs: &[f64], stats: &[(f64, f64, f64)], share: bool) -> Vec<(f64, f64)> {
    let bound = |v: f64| if share { v.clamp(0.0, 1.0) } else { v.max(0.0) };
    let mut band: Vec<(f64, f64)> =
        xs.iter().zip(stats).filter(|(_, s)| s.1.is_finite()).map(|(x, s)| (*x, bound(s.1))).collect();
    band.extend(xs.iter().zip(stats).rev().filter(|(_, s)| s.2.is_finite()).map(|(x, s)| (*x, bound(s.2))));
    band
}

/// A one-parameter sweep: one panel per outcome, its mean and 95% CI band against the
/// swept value.
pub(super) struct SweepLines<'a> {
    pub(super) runs: &'a [RunData],
    /// The swept parameter, the x axis title.
    pub(super) param: &'a str,
    /// A `--target`: its metric and value, drawn as a dashed line on that panel.
    pub(super) target: Option<(Metric, f64)>,
    /// Replications per point, which the legend warns about when they are few.
    pub(super) replications: u64,
}

/// The legend's name for the confidence band, with a warning below
/// [`FEW_REPLICATIONS`].
fn interval_label(replications: u64) -> String {
    if replications < FEW_REPLICATIONS {
        format!("95% confidence interval, rough: only {replications} replications")
    } else {
        "95% confidence interval".to_owned()
    }
}

impl Draw for SweepLines<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let mut entries = vec![
            (Swatch::Line(BLUE), "mean".to_string()),
            (Swatch::Band(BLUE, 0.25), interval_label(self.replications)),
        ];
        if let Some((metric, value)) = self.target {
            let shown = if metric == Metric::Blocked {
                format!("{:.0}%", value * 100.0)
            } else {
                short_number(value)
            };
            entries.push((Swatch::Dashed(INK), format!("target: {shown}")));
        }
        let area = with_legend(root, &entries)?;
        let values: Vec<String> =
            self.runs.iter().map(|r| r.labels.get(1).map_or(String::new(), |l| l.1.clone())).collect();
        let (xs, numeric) = positions(&values);
        let (x_lo, x_hi) =
            xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
        let pad = ((x_hi - x_lo) * 0.04).max(0.5);
        let panels = area.split_evenly((2, 2));
        // The plot's width: the panel less its margins and y labels (below).
        let plot_width = panels.first().map_or(0, |p| p.dim_in_pixel().0.saturating_sub(2 * 12 + 80));
        let ticks = tick_labels(&values, plot_width);
        for (panel, (metric, desc)) in panels.iter().zip(SWEEP_METRICS) {
            let stats: Vec<(f64, f64, f64)> = self
                .runs
                .iter()
                .map(|r| {
                    r.metric(metric).map_or((f64::NAN, f64::NAN, f64::NAN), |s| (s.mean, s.ci_low, s.ci_high))
                })
                .collect();
            let target = self.target.filter(|t| t.0 == metric && t.1.is_finite()).map(|t| t.1);
            let y_max = if metric == Metric::Blocked {
                1.0
            } else {
                upper(stats.iter().map(|s| s.2.max(s.0)).chain(target.map(|t| t * 1.05)))
            };
            let mut chart = ChartBuilder::on(panel)
                .margin(12)
                .x_label_area_size(50)
                .y_label_area_size(80)
                .build_cartesian_2d((x_lo - pad)..(x_hi + pad), 0f64..y_max)?;
            let x_fmt = |x: &f64| {
                if numeric {
                    short_number(*x)
                } else {
                    category_label(&ticks, *x)
                }
            };
            let y_fmt = |y: &f64| {
                if metric == Metric::Blocked {
                    format!("{:.0}%", y * 100.0)
                } else {
                    short_number(*y)
                }
            };
            mesh_style(&mut chart)
                .x_desc(parameter_label(self.param))
                .y_desc(desc)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .x_labels(6)
                .y_labels(5)
                .draw()?;
            let ci = interval_band(&xs, &stats, metric == Metric::Blocked);
            chart.draw_series(std::iter::once(Polygon::new(ci, BLUE.mix(0.25).filled())))?;
            let line: Vec<(f64, f64)> =
                xs.iter().zip(&stats).filter(|(_, s)| s.0.is_finite()).map(|(x, s)| (*x, s.0)).collect();
            chart.draw_series(LineSeries::new(line.clone(), BLUE.stroke_width(3)))?;
            chart.draw_series(line.into_iter().map(|p| Circle::new(p, 5, BLUE.filled())))?;
            if let Some(y) = target {
                // Dashes of equal length across the plot, as the legend's swatch.
                let (from, to) = (x_lo - pad, x_hi + pad);
                let dashes = 40;
                let step = (to - from) / dashes as f64;
                chart.draw_series((0..dashes).map(|k| {
                    let x0 = from + k as f64 * step;
                    PathElement::new(vec![(x0, y), (x0 + 0.6 * step, y)], INK.stroke_width(2))
                }))?;
            }
        }
        Ok(())
    }
}

/// A point's two swept values. Its labels are `point` and the values: the reader gives
/// every run the same label columns, and a run without them has no cell.
fn point_values(r: &RunData) -> Option<(&String, &String)> {
    Some((&r.labels.get(1)?.1, &r.labels.get(2)?.1))
}

/// A two-parameter sweep: the block probability in each cell of the grid, with its
/// 95% CI below it, and a colour bar.
pub(super) struct SweepHeatmap<'a> {
    pub(super) runs: &'a [RunData],
    /// The two swept parameters' override paths: x axis, then y axis.
    pub(super) params: &'a [String],
}

/// Width of the colour bar's strip, its labels included, in pixels.
const COLOUR_BAR_WIDTH: u32 = 150;

/// A share as a whole percentage, for cells and the colour bar.
fn percent(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

/// A cell's 95% CI in words, "16–22%", or nothing when the table lacks it.
fn cell_interval(low: f64, high: f64) -> Option<String> {
    (low.is_finite() && high.is_finite())
        .then(|| format!("{:.0}–{:.0}%", low.clamp(0.0, 1.0) * 100.0, high.clamp(0.0, 1.0) * 100.0))
}

impl Draw for SweepHeatmap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let mut xv: Vec<String> = Vec::new();
        let mut yv: Vec<String> = Vec::new();
        for (x, y) in self.runs.iter().filter_map(point_values) {
            if !xv.contains(x) {
                xv.push(x.clone());
            }
            if !yv.contains(y) {
                yv.push(y.clone());
            }
        }
        let (width, _) = root.dim_in_pixel();
        let (area, bar) = root.split_horizontally(width.saturating_sub(COLOUR_BAR_WIDTH));
        colour_bar(&bar)?;
        let (nx, ny) = (xv.len(), yv.len());
        let mut chart = plane(&area, -0.5f64..(nx as f64 - 0.5), -0.5f64..(ny as f64 - 0.5), 110)?;
        // Across: the plot's width shared by the columns; up: each row's label has the
        // y label area (110 pixels) to itself.
        let width = area.dim_in_pixel().0.saturating_sub(150);
        let (x_ticks, y_ticks) = (tick_labels(&xv, width), tick_labels(&yv, 110 * ny as u32));
        let x_fmt = |x: &f64| category_label(&x_ticks, *x);
        let y_fmt = |y: &f64| category_label(&y_ticks, *y);
        let label = |k: usize| self.params.get(k).map_or(String::new(), |p| parameter_label(p));
        mesh_style(&mut chart)
            .x_desc(label(0))
            .y_desc(label(1))
            .x_labels(nx * 2 + 1)
            .y_labels(ny * 2 + 1)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .disable_mesh()
            .draw()?;
        let centre = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        );
        // The interval's line is smaller, and left out where cells are too small for it.
        let cell_height = area.dim_in_pixel().1.saturating_sub(90) / ny.max(1) as u32;
        for r in self.runs {
            let Some((x, y)) = point_values(r) else { continue };
            let (Some(i), Some(j)) = (xv.iter().position(|v| v == x), yv.iter().position(|v| v == y)) else {
                continue;
            };
            let summary = r.metric(Metric::Blocked);
            let p = summary.map_or(f64::NAN, |s| s.mean);
            let (x, y) = (i as f64, j as f64);
            let colour = if p.is_finite() { ViridisRGB::get_color(p.clamp(0.0, 1.0)) } else { SHADE };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                colour.filled(),
            )))?;
            let ink = if p > 0.6 { BLACK } else { WHITE };
            let interval =
                summary.and_then(|s| cell_interval(s.ci_low, s.ci_high)).filter(|_| cell_height >= 50);
            let mean_y = if interval.is_some() { y + 0.12 } else { y };
            chart.draw_series(std::iter::once(Text::new(
                if p.is_finite() { percent(p) } else { "n/a".into() },
                (x, mean_y),
                (FONT, 20).into_font().color(&ink).pos(centre),
            )))?;
            if let Some(interval) = interval.filter(|_| p.is_finite()) {
                chart.draw_series(std::iter::once(Text::new(
                    interval,
                    (x, y - 0.14),
                    (FONT, 15).into_font().color(&ink).pos(centre),
                )))?;
            }
        }
        Ok(())
    }
}

/// The viridis scale as a vertical bar from 0% to 100%, ticked every 25%.
fn colour_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
    let mut bar = ChartBuilder::on(area)
        .margin_top(16)
        .margin_bottom(72)
        .margin_left(20)
        .margin_right(10)
        .right_y_label_area_size(90)
        .build_cartesian_2d(0f64..1.0, 0f64..1.0)?;
    mesh_style(&mut bar)
        .disable_x_axis()
        .disable_mesh()
        .y_labels(5)
        .y_label_formatter(&|y: &f64| percent(*y))
        .y_desc("block probability")
        .draw()?;
    let steps = 100;
    bar.draw_series((0..steps).map(|k| {
        let (lo, hi) = (k as f64 / steps as f64, (k + 1) as f64 / steps as f64);
        Rectangle::new([(0.0, lo), (1.0, hi)], ViridisRGB::get_color((lo + hi) / 2.0).filled())
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, point, texts};
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn a_heatmap_skips_a_run_without_two_values() {
        let runs = vec![point(&[("moderators", "20"), ("fpr", "0.1")]), point(&[("moderators", "60")])];
        let params = strings(&["moderators", "fpr"]);
        let drawn = texts(&SweepHeatmap { runs: &runs, params: &params });
        assert_has(&drawn, "20");
        assert!(!drawn.iter().any(|t| t == "60"), "{drawn:?}");
    }

    #[test]
    fn numbers_are_placed_by_value_anything_else_by_order() {
        assert_eq!(positions(&strings(&["20", "60", "200"])), (vec![20.0, 60.0, 200.0], true));
        assert_eq!(positions(&strings(&["20", "many"])), (vec![0.0, 1.0], false));
        assert_eq!(positions(&[]), (Vec::new(), true));
    }

    #[test]
    fn panels_show_each_outcome_against_named_values() {
        let runs = [point(&[("queue", "fifo")]), point(&[("queue", "priority")])];
        let t = texts(&SweepLines { runs: &runs, param: "queue", target: None, replications: 100 });
        for (_, desc) in SWEEP_METRICS {
            assert_has(&t, desc);
        }
        assert_has(&t, "queue");
        assert_has(&t, "fifo");
        assert_has(&t, "priority");
        assert_has(&t, "95% confidence interval");
    }

    #[test]
    fn a_target_is_drawn_and_named_in_the_legend() {
        let runs = [point(&[("moderators", "20")]), point(&[("moderators", "60")])];
        let with = texts(&SweepLines {
            runs: &runs,
            param: "moderators",
            target: Some((Metric::Blocked, 0.2)),
            replications: 100,
        });
        assert_has(&with, "target: 20%");
        let without =
            texts(&SweepLines { runs: &runs, param: "moderators", target: None, replications: 100 });
        assert!(!without.iter().any(|t| t.starts_with("target")), "{without:?}");
    }

    #[test]
    fn tables_are_labelled_by_their_words() {
        let lognormal = r#"{ dist = "lognormal", median = "4m", p90 = "9m" }"#;
        assert_eq!(tick_label(lognormal, true), "lognormal median 4m p90 9m");
        assert_eq!(tick_label(lognormal, false), "lognormal 4m 9m");
        assert_eq!(tick_label("{ x = 1, y = true }", true), "x 1 y true");
        for plain in ["20", "urgent_first", "3d", "[1, 2]"] {
            assert_eq!(tick_label(plain, true), plain);
        }
        // Keys only while the words fit between two points.
        let values = [lognormal.to_owned(), lognormal.replace("4m", "5m")];
        assert_eq!(tick_labels(&values, 2 * 26 * TICK_CHAR_PIXELS as u32)[0], "lognormal median 4m p90 9m");
        assert_eq!(tick_labels(&values, 2 * 25 * TICK_CHAR_PIXELS as u32)[1], "lognormal 5m 9m");
        let runs = [
            point(&[("review_time", r#"{ dist = "exponential", mean = "5m" }"#)]),
            point(&[("review_time", lognormal)]),
        ];
        let t = texts(&SweepLines { runs: &runs, param: "review_time", target: None, replications: 100 });
        assert_has(&t, "exponential mean 5m");
        assert_has(&t, "lognormal median 4m p90 9m");
    }

    #[test]
    fn heatmap_cells_show_the_block_probability_or_n_a() {
        let mut missing = point(&[("moderators", "60"), ("fpr", "0.1")]);
        missing.metrics.remove(&Metric::Blocked.into());
        let runs = [point(&[("moderators", "20"), ("fpr", "0.1")]), missing];
        let params = strings(&["moderators", "fpr"]);
        let t = texts(&SweepHeatmap { runs: &runs, params: &params });
        for text in ["25%", "10–40%", "n/a", "20", "60", "0.1", "moderators", "fpr"] {
            assert_has(&t, text);
        }
    }

    #[test]
    fn the_heatmap_has_a_colour_bar_and_human_axis_titles() {
        let runs = [point(&[
            ("platform.review.moderators", "20"),
            ("platform.detection.false_positive_rate", "0.1"),
        ])];
        let params = strings(&["platform.review.moderators", "platform.detection.false_positive_rate"]);
        let t = texts(&SweepHeatmap { runs: &runs, params: &params });
        for text in ["0%", "50%", "100%", "block probability"] {
            assert_has(&t, text);
        }
        assert_has(&t, "moderators (platform.review.moderators)");
        assert_has(&t, "false-positive rate (platform.detection.false_positive_rate)");
        // The legend's two swatches are gone.
        assert!(!t.iter().any(|t| t.contains("viridis")), "{t:?}");
    }

    #[test]
    fn a_cell_interval_never_leaves_zero_to_one() {
        assert_eq!(cell_interval(0.16, 0.224).as_deref(), Some("16–22%"));
        assert_eq!(cell_interval(-0.03, 1.02).as_deref(), Some("0–100%"));
        assert_eq!(cell_interval(f64::NAN, 0.2), None);
    }

    #[test]
    fn the_panels_name_the_swept_path_in_words() {
        let runs = [point(&[("platform.review.moderators", "20")])];
        let t = texts(&SweepLines {
            runs: &runs,
            param: "platform.review.moderators",
            target: None,
            replications: 100,
        });
        assert_has(&t, "moderators (platform.review.moderators)");
        assert_has(&t, "block probability");
    }

    #[test]
    fn bands_stop_at_zero_and_few_replications_are_flagged() {
        // Days blocked -0.31 to 0.5 at 10 replications: the band starts at 0.
        let stats = [(0.1, -0.31, 0.5), (2.0, 1.0, 3.0)];
        assert_eq!(
            interval_band(&[20.0, 60.0], &stats, false),
            [(20.0, 0.0), (60.0, 1.0), (60.0, 3.0), (20.0, 0.5)]
        );
        let shares = [(0.98, 0.9, 1.04)];
        assert_eq!(interval_band(&[20.0], &shares, true), [(20.0, 0.9), (20.0, 1.0)]);
        let runs = [point(&[("moderators", "20")]), point(&[("moderators", "60")])];
        let t = texts(&SweepLines { runs: &runs, param: "moderators", target: None, replications: 10 });
        assert_has(&t, "95% confidence interval, rough: only 10 replications");
        assert_eq!(interval_label(30), "95% confidence interval");
    }
}
