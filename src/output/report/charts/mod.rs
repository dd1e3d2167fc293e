//! Charts, drawn with plotters into SVG and PNG from the folder's data alone.
//!
//! Every chart uses the embedded DejaVu Sans (no system fonts needed), the Okabe-Ito
//! palette (safe for the common colour-vision deficiencies) and a legend in a strip of
//! its own above the plot, so it never covers data. Sizes suit a 16:9 slide.
//!
//! This module lists the charts of each kind of folder ([`all`]) and renders them; the
//! shared look lives in `theme`, and each family of charts in a file of its own
//! (`timeline`, `fan`, `blocks`, `compare`, `sweep`, ...) that uses `theme` (and the
//! shared helpers `time_axis`, `labels`, `costs`, `survival`) and nothing else here but
//! [`ChartError`] and the `Draw` trait.

mod blocks;
mod compare;
mod costs;
mod exposure;
mod fan;
mod forecast;
mod labels;
mod pit;
mod posterior;
mod survival;
mod sweep;
mod theme;
mod time_axis;
mod timeline;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::calibration_data::CalibrationData;
use super::data::{FolderData, RunData};
use super::validation_data::ValidationData;
use crate::output::numbers::FEW_REPLICATIONS;
use blocks::Durations;
use compare::{CompareBlocked, CompareDurations, TradeOff};
use costs::{CostBars, MOST_BARS};
use exposure::ExposurePrevented;
use fan::Fan;
use forecast::CaseIntervals;
use pit::PitHistogram;
use posterior::{PairPlot, PriorPosterior};
use sweep::{SweepHeatmap, SweepLines};
use theme::{register_font, FONT, INK};
use time_axis::TimeAxis;
use timeline::Timeline;

pub use posterior::{PAIR_LIMIT, PANEL_LIMIT};
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
                "How long blocks last, by variant",
                "For each variant, the Kaplan-Meier estimate of the share of blocks still in force after each number of days (survival.csv); the legend gives the blocks each curve stands for (n) and the replications run. Blocks still in force at the horizon are censored, not counted as lifted, and marked by a tick on the curve: a curve that ends above 0 ends where the horizon cut the last blocks short. The median duration is where a curve crosses 50%. A variant never blocked has no curve and says so in the legend.".into(),
                &CompareDurations { runs: &data.runs, replications },
            )?);
            charts.push(render(
                "compare-tradeoff",
                "Exposure against user-days lost",
                format!("Each point is a variant's mean over all replications, with 95% confidence intervals as bars, labelled with its total cost to the platform in {unit} and, in brackets, the paired difference in cost against the baseline. Both axes start at zero. An arrow runs from the baseline to each variant whose paired difference in exposure or user-days lost has a 95% CI that excludes zero, labelled with both differences (* where it excludes zero). Down and to the left is better on both counts: fewer views of violating content and fewer users cut off. A variant that moves left but up buys lower exposure with access; its cost says what it costs the platform.", unit = data.record.money.unit()),
                &TradeOff { runs: &data.runs, unit: data.record.money.unit() },
            )?);
            charts.push(cost_bars("compare-costs", "What each variant costs the platform", data)?);
            charts.push(render(
                "compare-blocked",
                "Share of replications blocked at each moment, by variant",
                blocked_caption(data, axis, horizon),
                &CompareBlocked { runs: &data.runs, axis, horizon },
            )?);
        }
        "sweep" if data.sweep_params.len() == 2 => {
            charts.push(render(
                "sweep-heatmap",
                &heatmap_title(&data.sweep_params[0], &data.sweep_params[1]),
                "Each cell is one point of the sweep, coloured and labelled with its block probability: the share of replications in which the platform was blocked at least once within the horizon (colour bar on the right: dark is low, yellow is high). Below it, the 95% confidence interval of that share; cells whose intervals overlap may not differ.".into(),
                &SweepHeatmap { runs: &data.runs, params: &data.sweep_params },
            )?);
            if data.runs.len() <= MOST_BARS {
                charts.push(cost_bars("sweep-costs", "What each point costs the platform", data)?);
            }
        }
        "sweep" => {
            let param = data.sweep_params.first().map_or("parameter", String::as_str);
            let target = sweep_target(data);
            charts.push(render(
                "sweep",
                &format!("Outcomes as {} varies", labels::parameter_name(param)),
                format!("Each panel shows one outcome's mean across replications at each swept value, with its 95% confidence interval as a band.{} Look for where the block probability falls and whether exposure and user-days lost fall with it.", if target.is_some() { " The dashed line is the target." } else { "" }),
                &SweepLines { runs: &data.runs, param, target, replications },
            )?);
            if data.runs.len() <= MOST_BARS {
                charts.push(cost_bars("sweep-costs", "What each point costs the platform", data)?);
            }
        }
        _ => {
            charts.push(render(
                "timeline",
                "One replication, day by day",
                "Replication 0 of the run: the violating items users could view (left axis) and the review backlog (right axis: on horizons of ten days or more its daily mean, each instant as a lighter line behind it), with the blocks shaded. Ticks along the bottom are takedown orders; triangles are the regulator's warnings, fines and throttles, dots the platform's completed actions, each named after its ladder step or action (events a few hours apart share a marker). It is one possible course of events, not an average.".into(),
                &Timeline { run: first, axis, horizon },
            )?);
            charts.push(render(
                "fan",
                "Visible violating content and blocks across replications",
                format!("Upper panel: the median number of violating items users could view, with the bands that hold the middle 50% and 90% of the {replications} replications. Lower panel: the share of replications in which the platform was blocked at that moment; its peak is below the block probability (blocked at least once within the horizon) when blocks fall at different times."),
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
    if replications < FEW_REPLICATIONS {
        for chart in
            charts.iter_mut().filter(|c| c.caption.contains("confidence") || c.name == "sweep-heatmap")
        {
            chart.caption.push_str(&format!(" Only {replications} replications: below about {} the 95% intervals are rough (their normal approximation can be poor), and are cut at zero where they would fall below it.", FEW_REPLICATIONS));
        }
    }
    if data.runs.iter().any(|r| !r.takedowns.is_empty()) {
        charts.push(render(
            "exposure-prevented",
            "Exposure prevented against takedown delay",
            "For each category whose views fade with age, each run's removed items (all paths, takedown.csv): their mean delay from upload to removal and the share of their lifetime views that removal prevented. The dashed curve is a removal at exactly that delay, 2^(-delay / half-life); delays that vary prevent more than the curve at their mean, since early removals save more than late ones lose. Where the points fall steeply, speed pays; where they lie near zero, removal comes after the views.".into(),
            &ExposurePrevented { runs: &data.runs },
        )?);
    }
    Ok(charts)
}

/// The caption of compare-blocked, saying where the chart is cropped.
fn blocked_caption(data: &FolderData, axis: TimeAxis, horizon: f64) -> String {
    let mut caption = "The share of replications in which the platform is blocked at that moment (not the block probability, which counts a replication blocked at any time within the horizon). Where a line rises shows when blocks begin; how fast it falls shows how quickly they are lifted.".to_owned();
    if let Some((from, to)) = compare::active_period(&data.runs, horizon) {
        caption.push_str(&format!(" The chart is cropped to {} to {}, where the shares change: before it no variant is blocked, and after it every line stays where it ends.", axis.instant(from), axis.instant(to)));
    }
    caption
}

/// Longest title that fits the chart's width in its 30-pixel font, with room at the edges.
const LONGEST_TITLE: usize = 62;

/// The heat map's title, naming both parameters in words when that fits.
fn heatmap_title(x: &str, y: &str) -> String {
    let title =
        format!("Block probability by {} and {}", labels::parameter_name(x), labels::parameter_name(y));
    if title.chars().count() <= LONGEST_TITLE {
        title
    } else {
        "Block probability over the two swept parameters".into()
    }
}

/// The costs chart of a comparison or a sweep: a bar per variant or point.
fn cost_bars(name: &str, title: &str, data: &FolderData) -> Result<Chart, ChartError> {
    let unit = data.record.money.unit();
    let sweep = data.record.command == "sweep";
    let values = |r: &RunData| r.labels.iter().skip(1).map(|l| l.1.as_str()).collect::<Vec<_>>().join(", ");
    let names = data.runs.iter().map(|r| if sweep { values(r) } else { r.label.clone() }).collect();
    let axis = if sweep {
        data.sweep_params.iter().map(|p| labels::parameter_name(p)).collect::<Vec<_>>().join(", ")
    } else {
        "variant".into()
    };
    let mut caption = format!("Each bar is the mean cost to the platform over all replications, in {unit}, made of its parts: moderation, compliance actions, fines and revenue lost while users are cut off (docs/costs.md). The line is the total's 95% confidence interval.");
    if !sweep {
        caption.push_str(" Beside each variant, its total and, in brackets, the paired difference against the baseline; * marks one whose 95% CI excludes zero.");
    }
    render(name, title, caption, &CostBars { runs: &data.runs, names, axis, unit })
}

/// The charts of a validation folder, in the order its report shows them.
pub fn validation(data: &ValidationData) -> Result<Vec<Chart>, ChartError> {
    let rows: Vec<_> = data.rows.iter().map(|r| r.forecast.clone()).collect();
    let s = &data.summary;
    Ok(vec![
        render(
            "validation-forecasts",
            "Each case forecast without it, against what happened",
            "One row per case. Blue: the model's forecast of the first block's duration, calibrated on the other cases (thick bar: the middle 50% of the draws; thin bar: the middle 90%; tick: the median). Orange: the reference-class baseline, the other cases' outcomes. Black: what happened (a dot for a block that ended, an arrow for one still in force when the record ends, at least that long; a square at 0 for no block). The axis is ln(1 + days), so an hour, a week and three years all show.".into(),
            &CaseIntervals { rows: &rows, model: "model" },
        )?,
        render(
            "validation-pit",
            "Where outcomes fell in their forecasts (PIT histogram)",
            "For each case, the share of its forecast below what happened (the PIT), counted in fifths, for model and baseline. Flat (near the dashed line): calibrated. U-shaped: forecasts too narrow (outcomes often beyond them). Humped: too wide. Leaning to one side: forecasts too long or too short. With few cases, expect bumps from chance alone.".into(),
            &PitHistogram { model: &s.pit_histogram, baseline: &s.baseline_pit_histogram },
        )?,
    ])
}

/// What the axis of calibrated parameter `k` is called.
fn calibrated_axis_label(data: &CalibrationData, k: usize) -> String {
    let p = &data.calibration.parameters[k];
    if p.duration_days {
        format!("{} (days)", p.name)
    } else {
        p.name.clone()
    }
}

/// The charts of a calibration folder, in the order its report shows them.
pub fn calibration(data: &CalibrationData) -> Result<Vec<Chart>, ChartError> {
    let labels: Vec<String> = (0..data.priors.len()).map(|k| calibrated_axis_label(data, k)).collect();
    let mut caption = "One panel per parameter: the prior's density (orange line) and the posterior, a histogram of the last generation's particles by weight (blue). Positive parameters, durations among them, are on a log axis, as the sampler explores them, and densities are per unit of that axis. A posterior much narrower than its prior, or far from it, was learnt from the cases; one that follows its prior was not.".to_owned();
    if data.priors.len() > PANEL_LIMIT {
        caption.push_str(&format!(
            " Only the first {PANEL_LIMIT} of {} parameters are shown; the table has them all.",
            data.priors.len()
        ));
    }
    let mut charts = vec![render(
        "calibration-parameters",
        "What the cases taught: prior against posterior",
        caption,
        &PriorPosterior { priors: &data.priors, posterior: &data.posterior, labels: &labels },
    )?];
    if data.priors.len() > 1 {
        let shown = data.priors.len().min(PAIR_LIMIT);
        let mut caption = "Each pair of parameters across the posterior's particles: each dot a particle, darker the more weight it carries; the diagonal shows each parameter's weighted histogram. A slanted cloud means the cases pin down a combination of the two rather than each alone.".to_owned();
        if shown < data.priors.len() {
            caption.push_str(&format!(
                " Only the first {shown} of {} parameters are shown; the others are in posterior.csv.",
                data.priors.len()
            ));
        }
        charts.push(render(
            "calibration-pairs",
            "Pairs of parameters in the posterior",
            caption,
            &PairPlot { priors: &data.priors, posterior: &data.posterior, labels: &labels },
        )?);
    }
    charts.push(render(
        "calibration-predictive",
        "Each case's posterior predictive duration against what happened",
        "One row per case: the first block's duration forecast from the posterior (predictive.csv: thick bar the middle 50% of the draws, thin bar the middle 90%, tick the median) and what happened (a dot for a block that ended, an arrow for one still in force, at least that long; a square at 0 for no block). The cases were used to calibrate, so this checks that the model can reproduce them, not that it predicts new ones (modsim validate does that). Axis: ln(1 + days).".into(),
        &CaseIntervals { rows: &data.predictive, model: "posterior predictive" },
    )?);
    Ok(charts)
}

/// Something that can draw itself on any plotters backend.
trait Draw {
    /// Draws the chart below its title, in `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>;
}

/// Draws `chart` twice under its title, as SVG and as PNG, so both show the same.
/// A sweep's `--target` from run.json: its metric and value.
fn sweep_target(data: &FolderData) -> Option<(crate::model::Metric, f64)> {
    let target = data.record.target.as_ref()?;
    Some((target.metric.parse().ok()?, target.value))
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

#[cfg(test)]
mod fixtures;

#[cfg(test)]
mod tests {
    use super::fixtures::{assert_has, point, run, svg_texts};
    use super::*;
    use crate::output::report::data::RunData;

    fn folder(command: &str, runs: Vec<RunData>, sweep_params: &[&str]) -> FolderData {
        let record = serde_json::from_value(serde_json::json!({
            "modsim_version": "0", "command": command, "scenario_files": [], "scenario_name": "test",
            "start": "2018-07-03T00:00:00", "scenario_sha256": [], "overrides": [], "runs": [],
            "seed": 1, "replications": 4, "threads": 1, "horizon_days": 30.0, "precision": null,
            "output": "", "wall_time_seconds": 0.0, "replications_per_second": 0.0, "files": [],
        }))
        .unwrap();
        FolderData { record, runs, sweep_params: sweep_params.iter().map(|p| p.to_string()).collect() }
    }

    /// Draws every chart of `data` and checks the names, and that each SVG parses and
    /// shows its title and each PNG is a 1200x675 image.
    fn check(data: FolderData, names: &[&str]) {
        let charts = all(&data).unwrap();
        assert_eq!(charts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), names);
        for chart in &charts {
            let texts = svg_texts(&chart.svg);
            assert_eq!(texts.first(), Some(&chart.title), "{}: title first", chart.name);
            assert!(!chart.caption.is_empty(), "{}: no caption", chart.name);
            let reader = png::Decoder::new(chart.png.as_slice()).read_info().unwrap();
            assert_eq!((reader.info().width, reader.info().height), CHART_SIZE, "{}.png", chart.name);
        }
    }

    #[test]
    fn a_run_has_timeline_fan_and_block_durations() {
        check(folder("run", vec![run("baseline")], &[]), &["timeline", "fan", "block-durations"]);
    }

    #[test]
    fn a_comparison_has_its_four_charts() {
        check(
            folder("compare", vec![run("baseline"), run("faster")], &[]),
            &["compare-durations", "compare-tradeoff", "compare-costs", "compare-blocked"],
        );
    }

    #[test]
    fn a_sweep_over_one_parameter_has_panels_over_two_a_heatmap() {
        let one = vec![point(&[("moderators", "20")]), point(&[("moderators", "60")])];
        check(folder("sweep", one, &["moderators"]), &["sweep", "sweep-costs"]);
        let two = vec![
            point(&[("moderators", "20"), ("fpr", "0.1")]),
            point(&[("moderators", "60"), ("fpr", "0.1")]),
        ];
        check(folder("sweep", two, &["moderators", "fpr"]), &["sweep-heatmap", "sweep-costs"]);
    }

    #[test]
    fn sweep_titles_name_the_swept_parameters() {
        let one = folder("sweep", vec![point(&[("moderators", "20")])], &["moderators"]);
        assert_eq!(all(&one).unwrap()[0].title, "Outcomes as moderators varies");
        let two =
            folder("sweep", vec![point(&[("moderators", "20"), ("fpr", "0.1")])], &["moderators", "fpr"]);
        assert_eq!(all(&two).unwrap()[0].title, "Block probability by moderators and fpr");
        // Paths are named in words; a title too long for the chart says less.
        let paths = ["platform.review.moderators", "platform.detection.false_positive_rate"];
        assert_eq!(
            heatmap_title(paths[0], paths[1]),
            "Block probability by moderators and false-positive rate"
        );
        let long = heatmap_title("platform.categories.pornography.share", "regulator.unblock.max_prevalence");
        assert_eq!(long, "Block probability over the two swept parameters");
        let one = folder(
            "sweep",
            vec![point(&[("platform.review.moderators", "20")])],
            &["platform.review.moderators"],
        );
        assert_eq!(all(&one).unwrap()[0].title, "Outcomes as moderators varies");
    }

    #[test]
    fn the_share_blocked_at_a_moment_is_never_called_a_probability() {
        let folders = [
            folder("run", vec![run("baseline")], &[]),
            folder("compare", vec![run("baseline"), run("faster")], &[]),
        ];
        for data in folders {
            for chart in all(&data).unwrap() {
                let words =
                    format!("{} {} {}", chart.title, chart.caption, svg_texts(&chart.svg).join(" | "));
                for wrong in ["probability of being blocked", "P(blocked)", "Probability of being blocked"] {
                    assert!(!words.contains(wrong), "{}: {wrong:?} in {words}", chart.name);
                }
            }
        }
        let compare = all(&folder("compare", vec![run("baseline")], &[])).unwrap();
        let blocked = compare.iter().find(|c| c.name == "compare-blocked").unwrap();
        assert_eq!(blocked.title, "Share of replications blocked at each moment, by variant");
        assert!(blocked.caption.contains("not the block probability"), "{}", blocked.caption);
    }

    #[test]
    fn captions_of_intervals_warn_below_thirty_replications() {
        // The test folder has 4 replications.
        let one = vec![point(&[("moderators", "20")]), point(&[("moderators", "60")])];
        let charts = all(&folder("sweep", one, &["moderators"])).unwrap();
        assert!(charts[0].caption.contains("Only 4 replications"), "{}", charts[0].caption);
        let runs = all(&folder("run", vec![run("baseline")], &[])).unwrap();
        let timeline = runs.iter().find(|c| c.name == "timeline").unwrap();
        assert!(!timeline.caption.contains("Only 4 replications"), "no interval, no warning");
    }

    #[test]
    fn a_folder_without_runs_has_no_charts() {
        check(folder("run", Vec::new(), &[]), &[]);
    }

    #[test]
    fn the_time_axis_shows_dates_when_the_scenario_has_a_start() {
        let charts = all(&folder("run", vec![run("baseline")], &[])).unwrap();
        let texts = svg_texts(&charts[0].svg);
        assert_has(&texts, "date, 2018");
        assert_has(&texts, "3 Jul");
        assert_has(&texts, "10 Jul");
    }

    #[test]
    fn the_svg_is_the_chart_size() {
        let charts = all(&folder("run", vec![run("baseline")], &[])).unwrap();
        let doc = roxmltree::Document::parse(&charts[0].svg).unwrap();
        let size = (doc.root_element().attribute("width"), doc.root_element().attribute("height"));
        assert_eq!(size, (Some("1200"), Some("675")));
    }
}
