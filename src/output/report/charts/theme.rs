//! The look every chart shares: the embedded font, the Okabe-Ito palette and sizes, the
//! legend strip, the plot-area builder and the axis-label helpers.
//!
//! Chart files use this module; it uses none of them.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::ChartError;
use crate::output::text::thousands;

/// Pixel size of every chart (PNG) and its SVG viewport.
pub const CHART_SIZE: (u32, u32) = (1200, 675);

/// The family name the embedded font is registered under; every text style uses it.
pub(super) const FONT: &str = "sans-serif";
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
// The palette's colours by name, for charts that give each one a fixed meaning.
pub(super) const BLUE: RGBColor = PALETTE[0];
pub(super) const ORANGE: RGBColor = PALETTE[1];
pub(super) const GREEN: RGBColor = PALETTE[2];
pub(super) const VERMILLION: RGBColor = PALETTE[3];
/// Text, axes and outlines: near black, softer than pure black.
pub(super) const INK: RGBColor = RGBColor(40, 40, 40);
/// Blocked periods and missing values.
pub(super) const SHADE: RGBColor = RGBColor(150, 150, 150);

/// Makes the embedded font available to plotters under [`FONT`]; once per process.
pub(super) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a font shipped with modsim; failure would be a build defect.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// A legend entry: what the swatch looks like and what it names.
#[derive(Clone, Copy)]
pub(super) enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    Band(RGBColor, f64),
    Dot(RGBColor),
    Triangle(RGBColor),
    Tick(RGBColor),
    /// A triangle pointing right: "at least this".
    Arrow(RGBColor),
    Square(RGBColor),
}

/// Draws the legend in its own strip along the top of `area` and returns the rest.
pub(super) fn with_legend<DB: DrawingBackend>(
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
            Swatch::Arrow(c) => {
                strip.draw(&(EmptyElement::at((x + 8, y)) + Polygon::new(ARROW.to_vec(), c.filled())))?
            }
            Swatch::Square(c) => {
                strip.draw(&(EmptyElement::at((x + 14, y)) + Rectangle::new(SQUARE, c.filled())))?
            }
        }
        strip.draw(&Text::new(label.clone(), (x + 36, y - 10), font.clone()))?;
    }
    Ok(rest)
}

/// An f64 axis marked (labels and grid lines) only at given points: the days of an
/// axis of days, the 1-2-5 values of a log axis, the rows of a chart of cases.
pub(super) struct Marked {
    range: plotters::coord::types::RangedCoordf64,
    points: Vec<f64>,
}

impl Marked {
    pub(super) fn new(range: std::ops::Range<f64>, points: Vec<f64>) -> Marked {
        Marked { range: range.into(), points }
    }
}

impl plotters::coord::ranged1d::Ranged for Marked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.points.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

/// A triangle pointing right, "at least this", as pixel offsets from its point.
pub(super) const ARROW: [(i32, i32); 3] = [(2, -8), (16, 0), (2, 8)];

/// A square of 12 pixels, as pixel offsets of its corners from its centre.
pub(super) const SQUARE: [(i32, i32); 2] = [(-6, -6), (6, 6)];

/// Where an axis of days puts `days`: ln(1 + days), so that 0 has a place and an
/// hour, a week and three years all show (negative days count as 0).
pub(super) fn log_days(days: f64) -> f64 {
    (1.0 + days.max(0.0)).ln()
}

/// The days an axis of [`log_days`] shows at position `x`.
pub(super) fn days_at(x: f64) -> f64 {
    x.exp_m1()
}

/// The days that axes of days mark.
pub(super) const DAY_TICKS: [f64; 8] = [0.0, 1.0, 2.0, 7.0, 30.0, 90.0, 365.0, 1000.0];

/// The marked days that fit on an axis of days up to `max_days`, as positions.
pub(super) fn day_ticks(max_days: f64) -> Vec<f64> {
    DAY_TICKS.iter().filter(|&&d| d <= max_days).map(|&d| log_days(d)).collect()
}

/// The label of the position `x` of an axis of days: the whole day it stands for.
pub(super) fn day_label(x: f64) -> String {
    short_number(days_at(x).round())
}

/// A number for an axis label: 12k, 3.4M, 0.25 (compact: no space, fewer digits than
/// `numbers::quantity`).
pub fn short_number(x: f64) -> String {
    // Axis marks below 10,000 are written out: a days axis reads 1000, not 1k.
    let (v, suffix) = if x.abs() < 1e4 { (x, "") } else { thousands(x) };
    // Rounded to the one decimal it may show first, so that 9.99k reads 10k, not 10.0k.
    let tenths = (v * 10.0).round() / 10.0;
    let text = if v == v.trunc() || v.abs() >= 10.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 && tenths == tenths.trunc() {
        format!("{tenths:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    format!("{text}{suffix}")
}

/// The top of a value axis: 8% above the largest finite value, or 1 when there is
/// nothing positive to show.
pub(super) fn upper(values: impl Iterator<Item = f64>) -> f64 {
    let m = values.filter(|v| v.is_finite()).fold(0.0, f64::max);
    if m > 0.0 {
        m * 1.08
    } else {
        1.0
    }
}

/// The coordinates of every plot: f64 on both axes.
pub(super) type Plane =
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>;

/// Starts an axis configuration in the charts' style: label fonts, a light grid.
pub(super) fn mesh_style<
    'a,
    'b,
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
>(
    chart: &'a mut ChartContext<'b, DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
) -> plotters::chart::MeshStyle<'b, 'a, X, plotters::coord::types::RangedCoordf64, DB> {
    let mut mesh = chart.configure_mesh();
    mesh.label_style((FONT, 17).into_font().color(&INK))
        .axis_desc_style((FONT, 20).into_font().color(&INK))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(RGBColor(225, 225, 225));
    mesh
}

/// The label of category `labels[i]` at x = i, none between categories.
pub(super) fn category_label(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        labels.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// A plot area with the charts' usual margins: room for the x axis title below and a
/// `y_label_width`-pixel y axis.
pub(super) fn plane<'a, DB: DrawingBackend>(
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

/// Writes `text` in the middle of `area`, for a chart with nothing to draw.
pub(super) fn empty_notice<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let style = (FONT, 26).into_font().color(&INK).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ));
    area.draw(&Text::new(text.to_owned(), (w as i32 / 2, h as i32 / 2), style))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_suit_axis_labels() {
        let check = |x: f64, expected: &str| assert_eq!(short_number(x), expected, "{x}");
        check(0.0, "0");
        check(0.25, "0.25");
        check(1.0 / 3.0, "0.33");
        check(2.34, "2.3");
        check(3.0, "3");
        check(12.34, "12");
        check(9999.0, "9999");
        check(2500.0, "2500");
        check(99_999.0, "100k");
        check(0.04, "0.04");
        check(12_000.0, "12k");
        check(123_456.0, "123k");
        check(3_400_000.0, "3.4M");
        check(1.5e9, "1.5G");
        check(-20_000.0, "-20k");
    }

    #[test]
    fn the_days_axis_is_ln_of_one_plus_days_and_marks_whole_days() {
        assert_eq!(log_days(0.0), 0.0);
        assert_eq!(log_days(-2.0), 0.0);
        assert!((log_days(std::f64::consts::E - 1.0) - 1.0).abs() < 1e-12);
        for d in DAY_TICKS {
            assert!((days_at(log_days(d)) - d).abs() < 1e-9 * (1.0 + d), "{d}");
        }
        let labels: Vec<String> = day_ticks(400.0).into_iter().map(day_label).collect();
        assert_eq!(labels, ["0", "1", "2", "7", "30", "90", "365"]);
        assert_eq!(day_ticks(1000.0).len(), 8);
    }

    #[test]
    fn category_labels_only_at_whole_positions() {
        let labels = vec!["baseline".to_owned(), "faster".to_owned()];
        assert_eq!(category_label(&labels, 0.0), "baseline");
        assert_eq!(category_label(&labels, 1.0 + 1e-9), "faster");
        assert_eq!(category_label(&labels, 0.5), "");
        assert_eq!(category_label(&labels, -1.0), "");
        assert_eq!(category_label(&labels, 2.0), "");
    }

    #[test]
    fn the_axis_top_leaves_room_above_the_largest_finite_value() {
        assert_eq!(upper([5.0, f64::NAN, 2.0, f64::INFINITY].into_iter()), 5.0 * 1.08);
        assert_eq!(upper(std::iter::empty()), 1.0);
        assert_eq!(upper([-3.0, 0.0].into_iter()), 1.0);
    }

    /// The height left below the legend of `entries` in a 1200x600 area, and the texts
    /// the legend drew.
    fn legend(entries: &[(Swatch, String)]) -> (u32, Vec<String>) {
        register_font();
        let mut svg = String::new();
        let height = {
            let area = SVGBackend::with_string(&mut svg, (1200, 600)).into_drawing_area();
            let rest = with_legend(&area, entries).unwrap();
            area.present().unwrap();
            rest.dim_in_pixel().1
        };
        (height, super::super::fixtures::svg_texts(&svg))
    }

    #[test]
    fn the_legend_takes_a_strip_of_one_row_per_line_of_entries() {
        assert_eq!(legend(&[]), (600, Vec::new()));
        let short = [(Swatch::Line(BLUE), "median".to_owned()), (Swatch::Dot(GREEN), "done".to_owned())];
        assert_eq!(legend(&short), (600 - 44, vec!["median".to_owned(), "done".to_owned()]));
        // Three labels of 45 characters do not fit in one row of 1200 pixels.
        let long: Vec<(Swatch, String)> = (0..3)
            .map(|i| (Swatch::Tick(INK), format!("{i} {}", "a rather long legend entry ".repeat(2))))
            .collect();
        let (height, texts) = legend(&long);
        assert_eq!(height, 600 - 74);
        assert_eq!(texts.len(), 3);
    }
}
