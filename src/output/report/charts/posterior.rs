//! A calibration's posterior: each parameter's prior density against its posterior (a
//! weighted histogram of the particles), and the pair plot, a scatter matrix of the
//! particles with each one's opacity by its weight. Parameters whose prior is positive
//! (durations among them) are shown on a log axis, as the sampler explores them.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{short_number, with_legend, Marked, Swatch, BLUE, FONT, INK, ORANGE};
use super::{ChartError, Draw};
use crate::experiment::abc::{Posterior, Prior};

/// The most parameters a pair plot shows.
pub const PAIR_LIMIT: usize = 8;

/// The most parameters the chart of priors against posteriors shows, a panel each.
pub const PANEL_LIMIT: usize = 12;

/// Bins of a posterior histogram.
const BINS: usize = 24;

/// How a parameter is placed on its axis: its range in axis units (ln of the value
/// on a log axis) and whether the axis is logarithmic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Scale {
    pub(super) log: bool,
    pub(super) low: f64,
    pub(super) high: f64,
}

impl Scale {
    /// The axis for parameter `k`: the prior's central 99% and every particle.
    pub(super) fn of(prior: &Prior, posterior: &Posterior, k: usize) -> Scale {
        let log = prior.log_scale();
        let to = |x: f64| if log { x.max(f64::MIN_POSITIVE).ln() } else { x };
        let values = posterior.particles.iter().map(|p| to(p[k]));
        let (mut low, mut high) = (to(prior.quantile(0.005)), to(prior.quantile(0.995)));
        for v in values.filter(|v| v.is_finite()) {
            (low, high) = (low.min(v), high.max(v));
        }
        let pad = 0.03 * (high - low).max(1e-9);
        Scale { log, low: low - pad, high: high + pad }
    }

    /// Where the value `x` goes on the axis.
    pub(super) fn at(&self, x: f64) -> f64 {
        if self.log {
            x.max(f64::MIN_POSITIVE).ln()
        } else {
            x
        }
    }

    /// The axis's marks: positions and their labels, 1-2-5 steps of the value.
    pub(super) fn ticks(&self) -> Vec<(f64, String)> {
        if self.log {
            let (lo, hi) = (self.low.exp(), self.high.exp());
            let mut ticks = Vec::new();
            // Decades of the range, within those an f64 holds (a hostile folder's range
            // may reach past them).
            let (first, last) = (lo.log10().floor().max(-320.0), hi.log10().ceil().min(310.0));
            for e in (first as i32)..=(last as i32) {
                for m in [1.0, 2.0, 5.0] {
                    let v = m * 10f64.powi(e);
                    if (lo..=hi).contains(&v) {
                        ticks.push((v.ln(), short_number(v)));
                    }
                }
            }
            // A narrow range between two marks: its ends.
            if ticks.len() < 2 {
                ticks = vec![(self.low, short_number(lo)), (self.high, short_number(hi))];
            }
            ticks
        } else {
            let raw = (self.high - self.low) / 4.0;
            let magnitude = 10f64.powf(raw.log10().floor());
            let step =
                [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
            let (first, last) = ((self.low / step).ceil(), (self.high / step).floor());
            // A range too narrow for its magnitude (a hostile folder's) has its ends only.
            if last - first > 10.0 || last.is_nan() || first.is_nan() {
                return vec![(self.low, short_number(self.low)), (self.high, short_number(self.high))];
            }
            ((first as i64)..=(last as i64)).map(|i| i as f64 * step).map(|v| (v, short_number(v))).collect()
        }
    }

    /// Lower edges of the histogram's bins, and their width.
    fn bins(&self) -> (Vec<f64>, f64) {
        let width = (self.high - self.low) / BINS as f64;
        ((0..BINS).map(|i| self.low + i as f64 * width).collect(), width)
    }
}

/// The weighted histogram of parameter `k` as densities per axis unit.
fn histogram(posterior: &Posterior, k: usize, scale: &Scale) -> Vec<(f64, f64, f64)> {
    let (edges, width) = scale.bins();
    let mut mass = vec![0.0; BINS];
    let total: f64 = posterior.weights.iter().sum();
    for (particle, w) in posterior.particles.iter().zip(&posterior.weights) {
        let i = ((scale.at(particle[k]) - scale.low) / width).floor();
        if i >= 0.0 {
            mass[(i as usize).min(BINS - 1)] += w;
        }
    }
    edges.into_iter().zip(mass).map(|(x0, m)| (x0, x0 + width, m / (total * width))).collect()
}

/// The prior's density per axis unit (per unit of ln x on a log axis) along the axis.
fn prior_curve(prior: &Prior, scale: &Scale) -> Vec<(f64, f64)> {
    (0..=200)
        .map(|i| {
            let u = scale.low + (scale.high - scale.low) * i as f64 / 200.0;
            let density = if scale.log { (prior.ln_pdf(u.exp()) + u).exp() } else { prior.ln_pdf(u).exp() };
            (u, if density.is_finite() { density } else { 0.0 })
        })
        .collect()
}

/// A small plot on `area` with the scales' marks.
fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Scale,
    y: std::ops::Range<f64>,
    y_ticks: Vec<f64>,
    label_sizes: (u32, u32),
) -> Result<ChartContext<'a, DB, Cartesian2d<Marked, Marked>>, ChartError> {
    Ok(ChartBuilder::on(area)
        .margin(8)
        .x_label_area_size(label_sizes.0)
        .y_label_area_size(label_sizes.1)
        .build_cartesian_2d(
            Marked::new(x.low..x.high, x.ticks().into_iter().map(|t| t.0).collect()),
            Marked::new(y, y_ticks),
        )?)
}

/// The label of the mark at `at` among `ticks`.
fn tick_label(ticks: &[(f64, String)], at: f64) -> String {
    ticks
        .iter()
        .find(|t| (t.0 - at).abs() <= 1e-9 * (1.0 + at.abs()))
        .map_or_else(String::new, |t| t.1.clone())
}

/// Each parameter's prior density and posterior histogram, a panel each.
pub(super) struct PriorPosterior<'a> {
    pub(super) priors: &'a [Prior],
    pub(super) posterior: &'a Posterior,
    /// Each parameter's name as the axis says it ("... (days)").
    pub(super) labels: &'a [String],
}

impl Draw for PriorPosterior<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let entries = [
            (Swatch::Line(ORANGE), "prior density".to_owned()),
            (Swatch::Band(BLUE, 0.6), "posterior (weighted particles)".to_owned()),
        ];
        let area = with_legend(root, &entries)?;
        let k = self.priors.len().min(PANEL_LIMIT);
        let columns = k.clamp(1, 3);
        let rows = k.div_ceil(columns).max(1);
        let panels = area.split_evenly((rows, columns));
        for (i, (prior, cell)) in self.priors.iter().zip(&panels).enumerate() {
            let scale = Scale::of(prior, self.posterior, i);
            let bars = histogram(self.posterior, i, &scale);
            let curve = prior_curve(prior, &scale);
            let top = bars.iter().map(|b| b.2).chain(curve.iter().map(|c| c.1)).fold(0.0, f64::max) * 1.08;
            let top = if top > 0.0 { top } else { 1.0 };
            let ticks = scale.ticks();
            let mut chart = panel(cell, &scale, 0.0..top, vec![], (52, 16))?;
            chart
                .configure_mesh()
                .label_style((FONT, 15).into_font().color(&INK))
                .axis_desc_style((FONT, 17).into_font().color(&INK))
                .bold_line_style(RGBColor(225, 225, 225))
                .x_desc(self.labels[i].as_str())
                .x_label_formatter(&|x: &f64| tick_label(&ticks, *x))
                .draw()?;
            chart.draw_series(
                bars.iter().map(|&(x0, x1, d)| Rectangle::new([(x0, 0.0), (x1, d)], BLUE.mix(0.6).filled())),
            )?;
            chart.draw_series(std::iter::once(PathElement::new(curve, ORANGE.stroke_width(3))))?;
        }
        Ok(())
    }
}

/// The scatter matrix of the first [`PAIR_LIMIT`] parameters.
pub(super) struct PairPlot<'a> {
    pub(super) priors: &'a [Prior],
    pub(super) posterior: &'a Posterior,
    pub(super) labels: &'a [String],
}

impl Draw for PairPlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let m = self.priors.len().min(PAIR_LIMIT);
        let scales: Vec<Scale> = (0..m).map(|k| Scale::of(&self.priors[k], self.posterior, k)).collect();
        let w_max = self.posterior.weights.iter().copied().fold(0.0, f64::max);
        let w_max = if w_max > 0.0 { w_max } else { 1.0 };
        let cells = root.split_evenly((m, m));
        for (c, cell) in cells.iter().enumerate() {
            let (row, col) = (c / m, c % m);
            let x = &scales[col];
            let x_ticks = x.ticks();
            let bottom = row + 1 == m;
            let left = col == 0;
            let x_label = |v: &f64| if bottom { tick_label(&x_ticks, *v) } else { String::new() };
            let sizes = (if bottom { 44 } else { 10 }, if left { 56 } else { 10 });
            if row == col {
                let bars = histogram(self.posterior, col, x);
                let top = bars.iter().map(|b| b.2).fold(0.0, f64::max) * 1.08;
                let mut chart = panel(cell, x, 0.0..top.max(1e-12), vec![], sizes)?;
                let mut mesh = chart.configure_mesh();
                mesh.label_style((FONT, 13).into_font().color(&INK))
                    .axis_desc_style((FONT, 14).into_font().color(&INK))
                    .bold_line_style(RGBColor(225, 225, 225))
                    .x_label_formatter(&x_label);
                if bottom {
                    mesh.x_desc(self.labels[col].as_str());
                }
                mesh.draw()?;
                chart.draw_series(
                    bars.iter()
                        .map(|&(x0, x1, d)| Rectangle::new([(x0, 0.0), (x1, d)], BLUE.mix(0.6).filled())),
                )?;
                continue;
            }
            let y = &scales[row];
            let y_ticks = y.ticks();
            let y_label = |v: &f64| if left { tick_label(&y_ticks, *v) } else { String::new() };
            let mut chart = panel(cell, x, y.low..y.high, y_ticks.iter().map(|t| t.0).collect(), sizes)?;
            let mut mesh = chart.configure_mesh();
            mesh.label_style((FONT, 13).into_font().color(&INK))
                .axis_desc_style((FONT, 14).into_font().color(&INK))
                .bold_line_style(RGBColor(225, 225, 225))
                .x_label_formatter(&x_label)
                .y_label_formatter(&y_label);
            if bottom {
                mesh.x_desc(self.labels[col].as_str());
            }
            if left {
                mesh.y_desc(self.labels[row].as_str());
            }
            mesh.draw()?;
            chart.draw_series(self.posterior.particles.iter().zip(&self.posterior.weights).map(
                |(p, w)| {
                    let alpha = 0.08 + 0.82 * w / w_max;
                    Circle::new((x.at(p[col]), y.at(p[row])), 3, BLUE.mix(alpha).filled())
                },
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, count, svg, svg_texts};
    use super::*;

    fn posterior() -> Posterior {
        Posterior {
            particles: vec![vec![1.0, 0.2], vec![2.0, 0.4], vec![4.0, 0.6], vec![8.0, 0.9]],
            weights: vec![0.1, 0.2, 0.3, 0.4],
            names: vec!["lag".into(), "p".into()],
        }
    }

    fn priors() -> Vec<Prior> {
        vec![Prior::lognormal(2.0, 10.0).unwrap(), Prior::uniform(0.0, 1.0).unwrap()]
    }

    #[test]
    fn log_axes_mark_one_two_five_and_linear_ones_round_steps() {
        let log = Scale { log: true, low: 0.5f64.ln(), high: 30f64.ln() };
        let labels: Vec<String> = log.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0.50", "1", "2", "5", "10", "20"]);
        let linear = Scale { log: false, low: -0.03, high: 1.03 };
        let labels: Vec<String> = linear.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0", "0.50", "1"]);
        // Ranges a hostile folder may give end, with a few marks.
        let narrow = Scale { log: false, low: 1e17, high: 1e17 + 16.0 };
        assert!(narrow.ticks().len() <= 11);
        let wide = Scale { log: true, low: -700.0, high: 800.0 };
        assert!(wide.ticks().len() <= 3 * 640);
    }

    #[test]
    fn the_posterior_histogram_is_a_density_that_integrates_to_one() {
        let p = posterior();
        let scale = Scale::of(&priors()[0], &p, 0);
        assert!(scale.log && scale.low < 0.0 && scale.high > 8f64.ln());
        let area: f64 = histogram(&p, 0, &scale).iter().map(|(a, b, d)| (b - a) * d).sum();
        assert!((area - 1.0).abs() < 1e-9, "{area}");
        // The lognormal's density of ln x is the normal's: at the median, 1/(σ√(2π)).
        let sigma = 5f64.ln() / 1.281_551_565_544_600_4;
        let curve =
            prior_curve(&priors()[0], &Scale { log: true, low: 2f64.ln() - 1.0, high: 2f64.ln() + 1.0 });
        let peak = curve[100].1;
        assert!((peak - 1.0 / (sigma * (2.0 * std::f64::consts::PI).sqrt())).abs() < 1e-9, "{peak}");
    }

    #[test]
    fn the_pair_plot_draws_every_particle_off_the_diagonal_with_its_weight() {
        let p = posterior();
        let labels = vec!["lag (days)".to_owned(), "p".to_owned()];
        let drawn = svg(&PairPlot { priors: &priors(), posterior: &p, labels: &labels });
        assert_eq!(count(&drawn, "circle", &[("fill", "#0072B2")]), 2 * 4);
        let texts = svg_texts(&drawn);
        assert_has(&texts, "lag (days)");
        let panels = svg(&PriorPosterior { priors: &priors(), posterior: &p, labels: &labels });
        assert_has(&svg_texts(&panels), "prior density");
    }
}
