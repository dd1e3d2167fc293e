//! Charts, drawn with plotters into SVG and PNG from the folder's data alone.
//!
//! Every chart uses the embedded DejaVu Sans (no system fonts needed), the Okabe-Ito
//! palette (safe for the common colour-vision deficiencies) and a legend in a strip of
//! its own above the plot, so it never covers data. Sizes suit a 16:9 slide.
//!
//! This module lists the charts of each kind of folder ([`all`]) and renders them; the
//! shared look lives in `theme`, and each family of charts in a file of its own
//! (`timeline`, `fan`, `blocks`, `compare`, `sweep`) that uses `theme` and nothing else
//! here but [`ChartError`] and the `Draw` trait.

mod blocks;
mod compare;
mod fan;
mod sweep;
mod theme;
mod timeline;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::FolderData;
use blocks::Durations;
use compare::{CompareBlocked, CompareDurations, TradeOff};
use fan::Fan;
use sweep::{SweepHeatmap, SweepLines};
use theme::{register_font, TimeAxis, FONT, INK};
use timeline::Timeline;

pub use theme::{short_number, CHART_SIZE, PALETTE};

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
    /// The file stem under `charts/`, and the figure's id in report.html.
    pub name: String,
    pub title: String,
    /// What the chart shows and how to read it, for the figure's caption.
    pub caption: String,
    pub svg: String,
    pub png: Vec<u8>,
}

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

/// Something that can draw itself on any plotters backend.
trait Draw {
    /// Draws the chart below its title, in `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>;
}

/// Draws `chart` twice under its title, as SVG and as PNG, so both show the same.
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

/// Encodes 8-bit RGB pixels as a PNG (fast compression).
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
