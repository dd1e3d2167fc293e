//! Exposure prevented against takedown delay: for each category whose attention
//! fades, each run's mean delay from upload to removal and the share of the removed
//! items' lifetime views their removal prevented (takedown.csv, all paths), against
//! the curve of a removal at exactly that delay, 2^(-delay / half-life).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{mesh_style, plane, with_legend, Swatch, PALETTE};
use super::{ChartError, Draw};
use crate::output::columns::takedown::ALL_PATHS;
use crate::output::report::data::RunData;

/// A category's name, half-life (hours) and each run's (log10 mean delay in hours,
/// share prevented).
type Series = (String, f64, Vec<(f64, f64)>);

/// Exposure prevented by each run's removals, per category, against their mean delay
/// (a log axis: delays run from minutes to months).
pub(super) struct ExposurePrevented<'a> {
    pub(super) runs: &'a [RunData],
}

/// "30 min", "6 h", "3 d": a delay for the axis, from log10 of hours.
fn delay_label(log_hours: f64) -> String {
    let hours = 10f64.powf(log_hours);
    if hours < 1.0 {
        format!("{:.0} min", hours * 60.0)
    } else if hours < 48.0 {
        format!("{hours:.0} h")
    } else {
        format!("{:.0} d", hours / 24.0)
    }
}

impl Draw for ExposurePrevented<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let mut categories: Vec<Series> = Vec::new();
        for t in self.runs.iter().flat_map(|r| &r.takedowns).filter(|t| t.path == ALL_PATHS) {
            if t.mean_delay_hours.is_nan() || t.mean_delay_hours <= 0.0 {
                continue;
            }
            let point = (t.mean_delay_hours.log10(), t.exposure_prevented);
            match categories.iter_mut().find(|c| c.0 == t.category) {
                Some(c) => c.2.push(point),
                None => categories.push((t.category.clone(), t.half_life_hours, vec![point])),
            }
        }
        let mut entries = Vec::new();
        for (i, (name, half_life, _)) in categories.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            entries.push((Swatch::Dot(colour), format!("{name}: measured")));
            entries.push((
                Swatch::Dashed(colour),
                format!("removal at exactly that delay (half-life {half_life} h)"),
            ));
        }
        let area = with_legend(root, &entries)?;
        let xs = categories.iter().flat_map(|c| c.2.iter().map(|p| p.0));
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
        let (lo, hi) = if lo.is_finite() { (lo.floor() - 0.5, hi.ceil() + 0.5) } else { (-1.0, 3.0) };
        let mut chart = plane(&area, lo..hi, 0f64..1.0, 80)?;
        let y_fmt = |y: &f64| format!("{:.0}%", y * 100.0);
        let x_fmt = |x: &f64| delay_label(*x);
        mesh_style(&mut chart)
            .x_desc("mean delay from upload to removal (log scale)")
            .y_desc("share of lifetime views prevented")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_labels(8)
            .y_labels(6)
            .draw()?;
        for (i, (_, half_life, points)) in categories.iter_mut().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let steps = 200;
            let curve: Vec<(f64, f64)> = (0..=steps)
                .map(|k| lo + (hi - lo) * k as f64 / steps as f64)
                .map(|x| (x, (-std::f64::consts::LN_2 * 10f64.powf(x) / *half_life).exp()))
                .collect();
            // Dashes: every other short run of the curve.
            for dash in curve.chunks(4).step_by(2) {
                chart.draw_series(LineSeries::new(dash.to_vec(), colour.mix(0.6).stroke_width(2)))?;
            }
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))?;
            chart.draw_series(points.iter().map(|p| Circle::new(*p, 6, colour.filled())))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, run, texts};
    use super::*;
    use crate::output::report::data::TakedownRow;

    #[test]
    fn the_chart_names_each_category_and_labels_delays() {
        let mut r = run("baseline");
        r.takedowns = vec![TakedownRow {
            category: "terror".into(),
            path: "all".into(),
            half_life_hours: 6.0,
            removed: 10,
            mean_delay_hours: 3.0,
            median_delay_hours: 3.0,
            exposure_prevented: 0.7,
        }];
        let runs = [r];
        let texts = texts(&ExposurePrevented { runs: &runs });
        assert_has(&texts, "terror: measured");
        assert_has(&texts, "removal at exactly that delay (half-life 6 h)");
        assert_eq!(
            (delay_label(0.0), delay_label(-0.5), delay_label(2.0)),
            ("1 h".into(), "19 min".into(), "4 d".into())
        );
    }
}
