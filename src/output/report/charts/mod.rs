//! Charts, drawn with plotters into SVG and PNG from the folder's data alone.
//!
//! Every chart uses the embedded DejaVu Sans (no system fonts needed), the Okabe-Ito
//! palette (safe for the common colour-vision deficiencies) and a legend in a strip of
//! its own above the plot, so it never covers data. Sizes suit a 16:9 slide.

use std::sync::Once;

use chrono::NaiveDateTime;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use super::data::{FolderData, RunData};
use crate::experiment::stats::{quantile_sorted, KaplanMeier};
use crate::output::text::thousands;

/// Pixel size of every chart (PNG) and its SVG viewport.
pub const CHART_SIZE: (u32, u32) = (1200, 675);

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");

/// Okabe & Ito (2008): distinguishable with any common colour-vision deficiency.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];
const BLUE: RGBColor = PALETTE[0];
const ORANGE: RGBColor = PALETTE[1];
const GREEN: RGBColor = PALETTE[2];
const VERMILLION: RGBColor = PALETTE[3];
const INK: RGBColor = RGBColor(40, 40, 40);
const SHADE: RGBColor = RGBColor(150, 150, 150);

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChartError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

/// A drawn chart: its file stem, title, what to read in it, and both renderings.
pub struct Chart {
    pub name: String,
    pub title: String,
    pub caption: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Something that can draw itself on any plotters backend.
trait Draw {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>;
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a font shipped with modsim; failure would be a build defect.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

fn render(name: &str, title: &str, caption: String, chart: &impl Draw) -> Result<Chart, ChartError> {
    register_font();
    let (w, h) = CHART_SIZE;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let body = root.titled(title, (FONT, 30).into_font().color(&INK))?;
        chart.draw(&body)?;
        root.present()?;
    }
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let body = root.titled(title, (FONT, 30).into_font().color(&INK))?;
        chart.draw(&body)?;
        root.present()?;
    }
    let png = encode_png(&pixels, w, h).map_err(|e| ChartError(e.to_string()))?;
    Ok(Chart { name: name.to_owned(), title: title.to_owned(), caption, svg, png })
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

/// A legend entry: what the swatch looks like and what it names.
#[derive(Clone, Copy)]
enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    Band(RGBColor, f64),
    Dot(RGBColor),
    Triangle(RGBColor),
    Tick(RGBColor),
}

/// Draws the legend in its own strip along the top of `area` and returns the rest.
fn with_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Swatch, String)],
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let font = (FONT, 19).into_font().color(&INK);
    let (width, _) = area.dim_in_pixel();
    // Lay the entries out in rows that fit the width, then draw them.
    let mut placed = Vec::new();
    let (mut x, mut row) = (90i32, 0i32);
    for (swatch, label) in entries {
        let text_width =
            area.estimate_text_size(label, &font).map(|(w, _)| w as i32).unwrap_or(10 * label.len() as i32);
        let span = 36 + text_width + 28;
        if x + span > width as i32 - 20 && x > 90 {
            (x, row) = (90, row + 1);
        }
        placed.push((x, row, *swatch, label));
        x += span;
    }
    let (strip, rest) = area.split_vertically(14 + 30 * (row + 1));
    for (x, row, swatch, label) in placed {
        let y = 20i32 + 30 * row;
        match swatch {
            Swatch::Line(c) => strip.draw(&PathElement::new(vec![(x, y), (x + 28, y)], c.stroke_width(3)))?,
            Swatch::Dashed(c) => {
                strip.draw(&PathElement::new(vec![(x, y), (x + 10, y)], c.stroke_width(3)))?;
                strip.draw(&PathElement::new(vec![(x + 16, y), (x + 28, y)], c.stroke_width(3)))?
            }
            Swatch::Band(c, a) => {
                strip.draw(&Rectangle::new([(x, y - 8), (x + 28, y + 8)], c.mix(a).filled()))?
            }
            Swatch::Dot(c) => strip.draw(&Circle::new((x + 14, y), 6, c.filled()))?,
            Swatch::Triangle(c) => strip.draw(&TriangleMarker::new((x + 14, y), 8, c.filled()))?,
            Swatch::Tick(c) => {
                strip.draw(&PathElement::new(vec![(x + 14, y - 9), (x + 14, y + 9)], c.stroke_width(2)))?
            }
        }
        strip.draw(&Text::new(label.clone(), (x + 36, y - 10), font.clone()))?;
    }
    Ok(rest)
}

/// A number for an axis label: 12k, 3.4M, 0.25 (compact: no space, fewer digits than
/// `text::quantity`).
pub fn short_number(x: f64) -> String {
    let (v, suffix) = thousands(x);
    let text = if v == v.trunc() || v.abs() >= 10.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    format!("{text}{suffix}")
}

/// How the time axis is labelled: calendar dates when the scenario has a start date.
#[derive(Clone, Copy)]
struct TimeAxis {
    start: Option<NaiveDateTime>,
}

impl TimeAxis {
    fn label(&self, day: f64) -> String {
        match self.start {
            Some(s) => {
                (s + chrono::Duration::seconds((day * 86_400.0) as i64)).format("%-d %b %Y").to_string()
            }
            None => short_number(day),
        }
    }

    fn description(&self) -> &'static str {
        if self.start.is_some() {
            "date"
        } else {
            "days since the start"
        }
    }
}

fn upper(values: impl Iterator<Item = f64>) -> f64 {
    let m = values.filter(|v| v.is_finite()).fold(0.0, f64::max);
    if m > 0.0 {
        m * 1.08
    } else {
        1.0
    }
}

type Plane = Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>;

fn mesh_style<'a, 'b, DB: DrawingBackend>(
    chart: &'a mut ChartContext<'b, DB, Plane>,
) -> plotters::chart::MeshStyle<
    'b,
    'a,
    plotters::coord::types::RangedCoordf64,
    plotters::coord::types::RangedCoordf64,
    DB,
> {
    let mut mesh = chart.configure_mesh();
    mesh.label_style((FONT, 17).into_font().color(&INK))
        .axis_desc_style((FONT, 20).into_font().color(&INK))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(RGBColor(225, 225, 225));
    mesh
}

/// The label of category `labels[i]` at x = i, none between categories.
fn category_label(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        labels.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// A plot area with the charts' usual margins: room for the x axis title below and a
/// `y_label_width`-pixel y axis.
fn plane<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_label_width: u32,
) -> Result<ChartContext<'a, DB, Plane>, ChartError> {
    Ok(ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(y_label_width)
        .build_cartesian_2d(x, y)?)
}

fn empty_notice<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let style = (FONT, 26).into_font().color(&INK).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ));
    area.draw(&Text::new(text.to_owned(), (w as i32 / 2, h as i32 / 2), style))?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// Timeline of the traced replication.

struct Timeline<'a> {
    run: &'a RunData,
    axis: TimeAxis,
    horizon: f64,
}

impl Draw for Timeline<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let grid = &self.run.grid;
        let kinds =
            |k: &str| self.run.events.iter().filter(|e| e.kind == k && e.actor == "regulator").count();
        let mut entries = vec![
            (Swatch::Line(BLUE), "violating items visible".to_string()),
            (Swatch::Dashed(ORANGE), "review backlog (right axis)".to_string()),
        ];
        if self.run.blocks.iter().any(|b| b.replication == 0) {
            entries.push((Swatch::Band(SHADE, 0.35), "blocked".to_string()));
        }
        entries.push((Swatch::Tick(INK), format!("takedown orders ({})", kinds("order"))));
        if kinds("warning") + kinds("fine") + kinds("throttle") > 0 {
            entries.push((Swatch::Triangle(VERMILLION), "warning, fine or throttle".into()));
        }
        if self.run.events.iter().any(|e| e.kind == "action_done") {
            entries.push((Swatch::Dot(GREEN), "action completed".into()));
        }
        let area = with_legend(root, &entries)?;
        // Counts: at least 0..10, so an empty queue does not get fractional labels.
        let y_max = upper(grid.iter().map(|g| g.traced_visible)).max(10.0);
        let y2_max = upper(grid.iter().map(|g| g.traced_backlog)).max(10.0);
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .right_y_label_area_size(90)
            .build_cartesian_2d(0f64..self.horizon, 0f64..y_max)?
            .set_secondary_coord(0f64..self.horizon, 0f64..y2_max);
        let axis = self.axis;
        let x_fmt = |x: &f64| axis.label(*x);
        let y_fmt = |y: &f64| short_number(*y);
        mesh_style(&mut chart)
            .x_desc(axis.description())
            .y_desc("violating items users can view")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_labels(7)
            .draw()?;
        chart
            .configure_secondary_axes()
            .label_style((FONT, 17).into_font().color(&INK))
            .axis_desc_style((FONT, 20).into_font().color(&INK))
            .y_desc("flagged items waiting for review")
            .y_label_formatter(&y_fmt)
            .draw()?;
        for b in self.run.blocks.iter().filter(|b| b.replication == 0) {
            let end = b.end.unwrap_or(self.horizon);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(b.start, 0.0), (end, y_max)],
                SHADE.mix(0.35).filled(),
            )))?;
        }
        chart.draw_series(LineSeries::new(
            grid.iter().map(|g| (g.day, g.traced_visible)),
            BLUE.stroke_width(3),
        ))?;
        chart.draw_secondary_series(DashedLineSeries::new(
            grid.iter().map(|g| (g.day, g.traced_backlog)),
            10,
            6,
            ORANGE.stroke_width(3),
        ))?;
        let at = |f: f64| y_max * f;
        for e in &self.run.events {
            match (e.actor.as_str(), e.kind.as_str()) {
                ("regulator", "order") => {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(e.day, 0.0), (e.day, at(0.035))],
                        INK.stroke_width(1),
                    )))?;
                }
                (_, "warning" | "fine" | "throttle") => {
                    chart.draw_series(std::iter::once(TriangleMarker::new(
                        (e.day, at(0.96)),
                        9,
                        VERMILLION.filled(),
                    )))?;
                }
                (_, "action_done") => {
                    chart.draw_series(std::iter::once(Circle::new((e.day, at(0.90)), 7, GREEN.filled())))?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// Fan chart across replications.

struct Fan<'a> {
    run: &'a RunData,
    axis: TimeAxis,
    horizon: f64,
}

fn band(grid: &[super::data::GridRow], lo: usize, hi: usize) -> Vec<(f64, f64)> {
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
            (Swatch::Line(VERMILLION), "probability of being blocked (lower panel)".to_string()),
        ];
        let area = with_legend(root, &entries)?;
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 * 62 / 100);
        let axis = self.axis;
        let x_fmt = |x: &f64| axis.label(*x);
        let y_fmt = |y: &f64| short_number(*y);
        let y_max = upper(grid.iter().map(|g| g.bands[4])).max(10.0);
        let mut chart = ChartBuilder::on(&top)
            .margin(16)
            .x_label_area_size(10)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..self.horizon, 0f64..y_max)?;
        mesh_style(&mut chart)
            .y_desc("violating items visible")
            .x_labels(7)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&y_fmt)
            .draw()?;
        chart.draw_series(std::iter::once(Polygon::new(band(grid, 0, 4), BLUE.mix(0.18).filled())))?;
        chart.draw_series(std::iter::once(Polygon::new(band(grid, 1, 3), BLUE.mix(0.40).filled())))?;
        chart.draw_series(LineSeries::new(
            grid.iter().filter(|g| g.bands[2].is_finite()).map(|g| (g.day, g.bands[2])),
            BLUE.stroke_width(3),
        ))?;
        let mut lower = plane(&bottom, 0f64..self.horizon, 0f64..1.0, 90)?;
        mesh_style(&mut lower)
            .x_desc(axis.description())
            .y_desc("P(blocked)")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
            .x_labels(7)
            .y_labels(5)
            .draw()?;
        lower.draw_series(LineSeries::new(
            grid.iter().map(|g| (g.day, g.blocked_probability)),
            VERMILLION.stroke_width(3),
        ))?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// Block durations: Kaplan-Meier survival and a histogram.

struct Durations<'a> {
    run: &'a RunData,
    replications: u64,
}

impl Draw for Durations<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let blocks = &self.run.blocks;
        if blocks.is_empty() {
            return empty_notice(root, &format!("No block in any of {} replications", self.replications));
        }
        let censored_count = blocks.iter().filter(|b| b.censored).count();
        let mut entries = vec![(Swatch::Line(BLUE), "still blocked (Kaplan-Meier)".to_string())];
        if censored_count < blocks.len() {
            entries.push((Swatch::Band(BLUE, 0.2), "95% CI".to_string()));
            entries.push((Swatch::Band(GREEN, 0.8), format!("lifted ({})", blocks.len() - censored_count)));
        }
        if censored_count > 0 {
            entries.push((Swatch::Tick(VERMILLION), "censored: in force at the horizon".to_string()));
            entries.push((Swatch::Band(VERMILLION, 0.8), format!("censored ({censored_count})")));
        }
        let area = with_legend(root, &entries)?;
        let (left, right) = area.split_horizontally(area.dim_in_pixel().0 * 55 / 100);
        let durations: Vec<f64> = blocks.iter().map(|b| b.duration_days).collect();
        let censored: Vec<bool> = blocks.iter().map(|b| b.censored).collect();
        let km = KaplanMeier::new(&durations, &censored);
        let x_max = upper(durations.iter().copied());
        let mut chart = plane(&left, 0f64..x_max, 0f64..1.02, 80)?;
        mesh_style(&mut chart)
            .x_desc("days since the block began")
            .y_desc("share of blocks still in force")
            .y_label_formatter(&|y: &f64| format!("{:.0}%", y * 100.0))
            .x_label_formatter(&|x: &f64| short_number(*x))
            .draw()?;
        // Step functions: S holds from one event time to the next.
        let (mut curve, mut lo, mut hi) = (vec![(0.0, 1.0)], vec![(0.0, 1.0)], vec![(0.0, 1.0)]);
        let (mut s, mut l, mut h) = (1.0, 1.0, 1.0);
        for &(t, s1, l1, h1) in &km.steps {
            curve.extend([(t, s), (t, s1)]);
            lo.extend([(t, l), (t, l1)]);
            hi.extend([(t, h), (t, h1)]);
            (s, l, h) = (s1, l1, h1);
        }
        curve.push((x_max, s));
        lo.push((x_max, l));
        hi.push((x_max, h));
        let bounded = |p: &(f64, f64)| p.1.is_finite();
        let mut ci: Vec<(f64, f64)> =
            lo.into_iter().filter(bounded).map(|(t, y)| (t, y.clamp(0.0, 1.0))).collect();
        ci.extend(hi.into_iter().rev().filter(bounded).map(|(t, y)| (t, y.clamp(0.0, 1.0))));
        chart.draw_series(std::iter::once(Polygon::new(ci, BLUE.mix(0.2).filled())))?;
        chart.draw_series(LineSeries::new(curve.clone(), BLUE.stroke_width(3)))?;
        // The curve's times never decrease: the last point at or before t, by bisection
        // (thousands of censored blocks would make a scan quadratic).
        let survival_at = |t: f64| match curve.partition_point(|p| p.0 <= t) {
            0 => 1.0,
            i => curve[i - 1].1,
        };
        chart.draw_series(blocks.iter().filter(|b| b.censored).map(|b| {
            let y = survival_at(b.duration_days);
            PathElement::new(
                vec![(b.duration_days, y - 0.03), (b.duration_days, y + 0.03)],
                VERMILLION.stroke_width(2),
            )
        }))?;

        // Histogram: about sqrt(n) bins, at most 40.
        let bins = ((blocks.len() as f64).sqrt().ceil() as usize).clamp(5, 40);
        let width = x_max / bins as f64;
        let mut lifted = vec![0u32; bins];
        let mut open = vec![0u32; bins];
        for b in blocks {
            let i = ((b.duration_days / width) as usize).min(bins - 1);
            if b.censored {
                open[i] += 1;
            } else {
                lifted[i] += 1;
            }
        }
        let c_max = upper(lifted.iter().zip(&open).map(|(a, b)| f64::from(a + b)));
        let mut hist = plane(&right, 0f64..x_max, 0f64..c_max, 80)?;
        mesh_style(&mut hist)
            .x_desc("block duration (days)")
            .y_desc("blocks")
            .x_label_formatter(&|x: &f64| short_number(*x))
            .y_label_formatter(&|y: &f64| short_number(*y))
            .draw()?;
        hist.draw_series((0..bins).map(|i| {
            let x0 = i as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width * 0.92, f64::from(lifted[i]))], GREEN.mix(0.8).filled())
        }))?;
        hist.draw_series((0..bins).filter(|i| open[*i] > 0).map(|i| {
            let x0 = i as f64 * width;
            let base = f64::from(lifted[i]);
            Rectangle::new(
                [(x0, base), (x0 + width * 0.92, base + f64::from(open[i]))],
                VERMILLION.mix(0.8).filled(),
            )
        }))?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// Compare: box plots of block durations, and the trade-off.

struct CompareDurations<'a> {
    runs: &'a [RunData],
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

struct TradeOff<'a> {
    runs: &'a [RunData],
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
        let get = |r: &RunData, m: &str| {
            r.metric(m).map_or((f64::NAN, f64::NAN, f64::NAN), |s| (s.mean, s.ci_low, s.ci_high))
        };
        let points: Vec<(Estimate, Estimate)> =
            self.runs.iter().map(|r| (get(r, "exposure"), get(r, "user_days_lost"))).collect();
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
struct CompareBlocked<'a> {
    runs: &'a [RunData],
    axis: TimeAxis,
    horizon: f64,
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

// ---------------------------------------------------------------------------------
// Sweeps.

/// The metrics a sweep chart shows, with their axis titles.
const SWEEP_METRICS: [(&str, &str); 4] = [
    ("blocked", "P(blocked at least once)"),
    ("days_blocked", "days blocked"),
    ("exposure", "views of violating items"),
    ("user_days_lost", "user-days lost"),
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

struct SweepLines<'a> {
    runs: &'a [RunData],
    param: &'a str,
}

impl Draw for SweepLines<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let entries = [
            (Swatch::Line(BLUE), "mean".to_string()),
            (Swatch::Band(BLUE, 0.25), "95% confidence interval".to_string()),
        ];
        let area = with_legend(root, &entries)?;
        let values: Vec<String> =
            self.runs.iter().map(|r| r.labels.get(1).map_or(String::new(), |l| l.1.clone())).collect();
        let (xs, numeric) = positions(&values);
        let (x_lo, x_hi) =
            xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
        let pad = ((x_hi - x_lo) * 0.04).max(0.5);
        let panels = area.split_evenly((2, 2));
        for (panel, (metric, desc)) in panels.iter().zip(SWEEP_METRICS) {
            let stats: Vec<(f64, f64, f64)> = self
                .runs
                .iter()
                .map(|r| {
                    r.metric(metric).map_or((f64::NAN, f64::NAN, f64::NAN), |s| (s.mean, s.ci_low, s.ci_high))
                })
                .collect();
            let y_max = if metric == "blocked" { 1.0 } else { upper(stats.iter().map(|s| s.2.max(s.0))) };
            let mut chart = ChartBuilder::on(panel)
                .margin(12)
                .x_label_area_size(50)
                .y_label_area_size(80)
                .build_cartesian_2d((x_lo - pad)..(x_hi + pad), 0f64..y_max)?;
            let x_fmt = |x: &f64| {
                if numeric {
                    short_number(*x)
                } else {
                    category_label(&values, *x)
                }
            };
            let y_fmt =
                |y: &f64| if metric == "blocked" { format!("{:.0}%", y * 100.0) } else { short_number(*y) };
            mesh_style(&mut chart)
                .x_desc(self.param)
                .y_desc(desc)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .x_labels(6)
                .y_labels(5)
                .draw()?;
            let mut ci: Vec<(f64, f64)> =
                xs.iter().zip(&stats).filter(|(_, s)| s.1.is_finite()).map(|(x, s)| (*x, s.1)).collect();
            ci.extend(xs.iter().zip(&stats).rev().filter(|(_, s)| s.2.is_finite()).map(|(x, s)| (*x, s.2)));
            chart.draw_series(std::iter::once(Polygon::new(ci, BLUE.mix(0.25).filled())))?;
            let line: Vec<(f64, f64)> =
                xs.iter().zip(&stats).filter(|(_, s)| s.0.is_finite()).map(|(x, s)| (*x, s.0)).collect();
            chart.draw_series(LineSeries::new(line.clone(), BLUE.stroke_width(3)))?;
            chart.draw_series(line.into_iter().map(|p| Circle::new(p, 5, BLUE.filled())))?;
        }
        Ok(())
    }
}

struct SweepHeatmap<'a> {
    runs: &'a [RunData],
    params: &'a [String],
}

impl Draw for SweepHeatmap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let mut xv: Vec<String> = Vec::new();
        let mut yv: Vec<String> = Vec::new();
        for r in self.runs {
            let (x, y) = (r.labels[1].1.clone(), r.labels[2].1.clone());
            if !xv.contains(&x) {
                xv.push(x);
            }
            if !yv.contains(&y) {
                yv.push(y);
            }
        }
        let entries = [
            (Swatch::Band(RGBColor(68, 1, 84), 1.0), "0%".to_string()),
            (Swatch::Band(RGBColor(253, 231, 37), 1.0), "100% (viridis scale)".to_string()),
        ];
        let area = with_legend(root, &entries)?;
        let (nx, ny) = (xv.len(), yv.len());
        let mut chart = plane(&area, -0.5f64..(nx as f64 - 0.5), -0.5f64..(ny as f64 - 0.5), 110)?;
        let x_fmt = |x: &f64| category_label(&xv, *x);
        let y_fmt = |y: &f64| category_label(&yv, *y);
        mesh_style(&mut chart)
            .x_desc(self.params[0].as_str())
            .y_desc(self.params[1].as_str())
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
        for r in self.runs {
            let (Some(i), Some(j)) =
                (xv.iter().position(|v| *v == r.labels[1].1), yv.iter().position(|v| *v == r.labels[2].1))
            else {
                continue;
            };
            let p = r.metric("blocked").map_or(f64::NAN, |s| s.mean);
            let (x, y) = (i as f64, j as f64);
            let colour = if p.is_finite() { ViridisRGB::get_color(p.clamp(0.0, 1.0)) } else { SHADE };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                colour.filled(),
            )))?;
            let ink = if p > 0.6 { BLACK } else { WHITE };
            chart.draw_series(std::iter::once(Text::new(
                if p.is_finite() { format!("{:.0}%", p * 100.0) } else { "n/a".into() },
                (x, y),
                (FONT, 20).into_font().color(&ink).pos(centre),
            )))?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------

/// Every chart for the folder, in the order the report shows them.
pub fn all(data: &FolderData) -> Result<Vec<Chart>, ChartError> {
    let axis = TimeAxis { start: data.start() };
    let horizon = data.record.horizon_days.max(1e-9);
    let replications = data.record.replications;
    let mut charts = Vec::new();
    let Some(first) = data.runs.first() else { return Ok(charts) };
    match data.record.command.as_str() {
        "compare" => {
            charts.push(render(
                "compare-durations",
                "Block durations by variant",
                "Each box holds the middle half of the blocks of that variant, the line inside is the median and the whiskers reach the 5th and 95th percentiles. Blocks still in force at the horizon count with their length so far, so a long box at the horizon means blocks that were not lifted. A dot on the axis means the variant was never blocked.".into(),
                &CompareDurations { runs: &data.runs },
            )?);
            charts.push(render(
                "compare-tradeoff",
                "Exposure against user-days lost",
                "Each point is a variant's mean over all replications, with 95% confidence intervals as bars. Down and to the left is better on both counts: fewer views of violating content and fewer users cut off. A variant that moves left but up buys lower exposure with access.".into(),
                &TradeOff { runs: &data.runs },
            )?);
            charts.push(render(
                "compare-blocked",
                "Probability of being blocked over time, by variant",
                "The share of replications in which the platform is blocked at each moment. Where a line rises shows when blocks begin; how fast it falls shows how quickly they are lifted.".into(),
                &CompareBlocked { runs: &data.runs, axis, horizon },
            )?);
        }
        "sweep" if data.sweep_params.len() == 2 => {
            charts.push(render(
                "sweep-heatmap",
                &format!("Probability of a block by {} and {}", data.sweep_params[0], data.sweep_params[1]),
                "Each cell is one point of the sweep, coloured and labelled with the share of replications in which the platform was blocked at least once (viridis scale: dark is low, yellow is high).".into(),
                &SweepHeatmap { runs: &data.runs, params: &data.sweep_params },
            )?);
        }
        "sweep" => {
            let param = data.sweep_params.first().map_or("parameter", String::as_str);
            charts.push(render(
                "sweep",
                &format!("Outcomes as {param} varies"),
                "Each panel shows one outcome's mean across replications at each swept value, with its 95% confidence interval as a band. Look for where the block probability falls and whether exposure and user-days lost fall with it.".into(),
                &SweepLines { runs: &data.runs, param },
            )?);
        }
        _ => {
            charts.push(render(
                "timeline",
                "One replication, day by day",
                "Replication 0 of the run: the violating items users could view (left axis) and the review backlog (right axis), with the blocks shaded. Ticks along the bottom are takedown orders, triangles the regulator's warnings, fines and throttles, dots the platform's completed actions. It is one possible course of events, not an average.".into(),
                &Timeline { run: first, axis, horizon },
            )?);
            charts.push(render(
                "fan",
                "Visible violating content and blocks across replications",
                format!("Upper panel: the median number of violating items users could view, with the bands that hold the middle 50% and 90% of the {replications} replications. Lower panel: the share of replications in which the platform was blocked at each moment."),
                &Fan { run: first, axis, horizon },
            )?);
            charts.push(render(
                "block-durations",
                "How long blocks last",
                "Left: the Kaplan-Meier estimate of the share of blocks still in force after each number of days, with its 95% confidence band; blocks still in force at the horizon are censored (red ticks), not counted as lifted. Right: the histogram of block durations, lifted blocks in green and censored ones in red.".into(),
                &Durations { run: first, replications },
            )?);
        }
    }
    Ok(charts)
}
