//! The timeline: one replication (the traced one) day by day.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{
    mesh_style, short_number, upper, with_legend, Marked, Swatch, BLUE, FONT, GREEN, INK, ORANGE, SHADE,
    VERMILLION,
};
use super::time_axis::TimeAxis;
use super::{ChartError, Draw};
use crate::output::report::data::{EventRow, RunData};

/// Replication 0 day by day: the violating items users can view, the review backlog,
/// the blocks shaded, and the regulator's and platform's actions as marks.
pub(super) struct Timeline<'a> {
    pub(super) run: &'a RunData,
    pub(super) axis: TimeAxis,
    /// The last day of the time axis.
    pub(super) horizon: f64,
}

/// The name a marker is labelled with: the step in brackets in the event's text
/// ("regulator warns platform (notice): ..."), the action a platform completes, or the
/// kind of event.
fn marker_name(e: &EventRow) -> String {
    if let Some(action) = e.text.strip_prefix("platform completes ") {
        // "hire-moderators (180 more, 200 in all)": the action's name.
        return action.split(" (").next().unwrap_or(action).to_owned();
    }
    let bracketed = e.text.split_once('(').and_then(|(_, rest)| rest.split_once(')')).map(|(name, _)| name);
    bracketed.unwrap_or(&e.kind).to_owned()
}

/// How wide the backlog's averaging bins are, in days: a day on long horizons, an hour
/// on shorter ones, none (every instant drawn) below two days.
fn backlog_bin(horizon: f64) -> Option<f64> {
    if horizon >= 10.0 {
        Some(1.0)
    } else if horizon >= 2.0 {
        Some(1.0 / 24.0)
    } else {
        None
    }
}

/// The mean of `points` over bins of `width` days, each at the middle of its bin: a
/// line that shows the trend without the noise of every instant.
fn binned_means(points: &[(f64, f64)], width: f64) -> Vec<(f64, f64)> {
    let mut means = Vec::new();
    let mut k = 0;
    while k < points.len() {
        let bin = (points[k].0 / width).floor();
        let same = points[k..].iter().take_while(|p| (p.0 / width).floor() == bin).count();
        let mean = points[k..k + same].iter().map(|p| p.1).sum::<f64>() / same as f64;
        means.push(((bin + 0.5) * width, mean));
        k += same;
    }
    means
}

/// Rows of markers at the top of the plot: enough for the warnings and actions of a
/// busy replication to sit side by side, each with its name.
const MARKER_ROWS: usize = 4;

/// The share of the value axis left empty at the top for the markers' rows.
const MARKER_ROOM: f64 = 0.28;

impl Draw for Timeline<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let grid = &self.run.grid;
        let kinds =
            |k: &str| self.run.events.iter().filter(|e| e.kind == k && e.actor == "regulator").count();
        let bin = backlog_bin(self.horizon);
        let mut entries = vec![(Swatch::Line(BLUE), "violating items visible".to_string())];
        match bin {
            Some(b) => {
                let per = if b >= 1.0 { "daily" } else { "hourly" };
                entries.push((Swatch::Line(ORANGE), format!("review backlog, {per} mean (right axis)")));
                entries.push((Swatch::Band(ORANGE, 0.35), "review backlog at each instant".to_string()));
            }
            None => entries.push((Swatch::Line(ORANGE), "review backlog (right axis)".to_string())),
        }
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
        // Counts: at least 0..10, so an empty queue does not get fractional labels; the
        // top of the axis is left to the markers.
        let room = 1.0 / (1.0 - MARKER_ROOM);
        let y_max = upper(grid.iter().map(|g| g.traced_visible)).max(10.0) * room;
        let y2_max = upper(grid.iter().map(|g| g.traced_backlog)).max(10.0) * room;
        let ticks = self.axis.ticks(self.horizon);
        let marks = Marked::new(0f64..self.horizon, ticks.points.clone());
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .right_y_label_area_size(90)
            .build_cartesian_2d(marks, 0f64..y_max)?
            .set_secondary_coord(0f64..self.horizon, 0f64..y2_max);
        let x_fmt = |x: &f64| ticks.label(*x);
        let y_fmt = |y: &f64| short_number(*y);
        mesh_style(&mut chart)
            .x_desc(&ticks.description)
            .y_desc("violating items users can view")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
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
        let backlog: Vec<(f64, f64)> = grid.iter().map(|g| (g.day, g.traced_backlog)).collect();
        match bin {
            Some(b) => {
                chart.draw_secondary_series(LineSeries::new(
                    backlog.clone(),
                    ORANGE.mix(0.35).stroke_width(1),
                ))?;
                chart.draw_secondary_series(LineSeries::new(
                    binned_means(&backlog, b),
                    ORANGE.stroke_width(3),
                ))?;
            }
            None => {
                chart.draw_secondary_series(LineSeries::new(backlog, ORANGE.stroke_width(3)))?;
            }
        }
        chart.draw_series(LineSeries::new(
            grid.iter().map(|g| (g.day, g.traced_visible)),
            BLUE.stroke_width(3),
        ))?;
        for e in self.run.events.iter().filter(|e| e.actor == "regulator" && e.kind == "order") {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(e.day, 0.0), (e.day, y_max * 0.035)],
                INK.stroke_width(1),
            )))?;
        }
        self.draw_markers(&mut chart, y_max)?;
        Ok(())
    }
}

impl Timeline<'_> {
    /// The warnings, fines, throttles and completed actions, each a marker with its name,
    /// in rows at the top of the plot: each takes the highest row where it does not run
    /// into the label before it.
    fn draw_markers<DB: DrawingBackend, Y: plotters::coord::ranged1d::Ranged<ValueType = f64>>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<Marked, Y>>,
        y_max: f64,
    ) -> Result<(), ChartError> {
        let font = (FONT, 14).into_font().color(&INK);
        let mut row_ends = [i32::MIN; MARKER_ROWS];
        for (day, triangle, name) in self.marker_groups(|day| chart.backend_coord(&(day, 0.0)).0) {
            let (x, _) = chart.backend_coord(&(day, 0.0));
            let row = row_ends.iter().position(|end| x - 8 > *end).unwrap_or(MARKER_ROWS - 1);
            // Roughly 8 pixels a character of 14-pixel text, and the marker's width.
            row_ends[row] = x + 14 + 8 * name.chars().count() as i32;
            let y = y_max * (0.96 - 0.065 * row as f64);
            let marker: DynElement<DB, (f64, f64)> = if triangle {
                TriangleMarker::new((day, y), 8, VERMILLION.filled()).into_dyn()
            } else {
                Circle::new((day, y), 6, GREEN.filled()).into_dyn()
            };
            chart.plotting_area().draw(&marker)?;
            chart.draw_series(std::iter::once(
                EmptyElement::at((day, y)) + Text::new(name, (11, -9), font.clone()),
            ))?;
        }
        Ok(())
    }

    /// The markers to draw: (day, whether a triangle, names), events of one kind that
    /// fall within a marker's width of each other (`pixel` places a day) sharing one.
    fn marker_groups(&self, pixel: impl Fn(f64) -> i32) -> Vec<(f64, bool, String)> {
        let mut groups: Vec<(f64, bool, String)> = Vec::new();
        for e in &self.run.events {
            let triangle = matches!(e.kind.as_str(), "warning" | "fine" | "throttle");
            if !triangle && e.kind != "action_done" {
                continue;
            }
            let name = marker_name(e);
            let near =
                groups.iter_mut().rev().find(|g| g.1 == triangle && (pixel(e.day) - pixel(g.0)).abs() < 12);
            match near {
                Some(group) => {
                    group.2.push_str(", ");
                    group.2.push_str(&name);
                }
                None => groups.push((e.day, triangle, name)),
            }
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{assert_has, assert_lacks, run, texts};
    use super::*;
    use crate::output::report::data::EventRow;

    fn timeline_texts(run: &RunData) -> Vec<String> {
        texts(&Timeline { run, axis: TimeAxis { start: None }, horizon: 30.0 })
    }

    #[test]
    fn the_legend_counts_the_regulators_orders_and_names_the_marks_drawn() {
        let mut busy = run("baseline");
        busy.events.push(EventRow {
            day: 3.0,
            actor: "platform".into(),
            kind: "order".into(),
            text: String::new(),
        });
        let t = timeline_texts(&busy);
        for text in [
            "violating items visible",
            "review backlog, daily mean (right axis)",
            "review backlog at each instant",
            "blocked",
            "takedown orders (2)",
            "warning, fine or throttle",
            "action completed",
            "violating items users can view",
            "flagged items waiting for review",
            "days since the start",
        ] {
            assert_has(&t, text);
        }
    }

    #[test]
    fn the_legend_leaves_out_what_did_not_happen() {
        // Only replication 0 is traced: a block of another replication is not shaded.
        let base = run("baseline");
        let quiet = RunData {
            blocks: base.blocks.iter().filter(|b| b.replication != 0).cloned().collect(),
            events: Vec::new(),
            ..base.clone()
        };
        let t = timeline_texts(&quiet);
        assert_has(&t, "takedown orders (0)");
        for text in ["blocked", "warning, fine or throttle", "action completed"] {
            assert_lacks(&t, text);
        }
    }

    #[test]
    fn markers_carry_the_name_of_their_step_or_action() {
        let event = |kind: &str, text: &str| EventRow {
            day: 8.0,
            actor: "regulator".into(),
            kind: kind.into(),
            text: text.into(),
        };
        assert_eq!(
            marker_name(&event("warning", "regulator warns platform (notice): 100 findings in 30d")),
            "notice"
        );
        assert_eq!(marker_name(&event("action_done", "platform completes age-gate")), "age-gate");
        assert_eq!(marker_name(&event("fine", "")), "fine");
        let mut named = run("baseline");
        named.events[2].text =
            "regulator warns platform (second-notice): no response 7d after the notice".into();
        named.events[3].text = "platform completes commitment".into();
        let t = timeline_texts(&named);
        assert_has(&t, "second-notice");
        assert_has(&t, "commitment");
    }

    #[test]
    fn the_backlog_is_averaged_over_days_or_hours() {
        assert_eq!(backlog_bin(365.0), Some(1.0));
        assert_eq!(backlog_bin(5.0), Some(1.0 / 24.0));
        assert_eq!(backlog_bin(0.5), None);
        let points = [(0.0, 2.0), (0.5, 4.0), (1.0, 10.0), (2.5, 1.0)];
        assert_eq!(binned_means(&points, 1.0), [(0.5, 3.0), (1.5, 10.0), (2.5, 1.0)]);
        // A short horizon draws every instant, and no averaging in the legend.
        let t = texts(&Timeline { run: &run("baseline"), axis: TimeAxis { start: None }, horizon: 0.5 });
        assert_has(&t, "review backlog (right axis)");
        assert_lacks(&t, "review backlog at each instant");
    }

    #[test]
    fn a_twelve_hour_horizon_is_marked_in_hours() {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap().and_hms_opt(0, 0, 0);
        let t = texts(&Timeline { run: &run("baseline"), axis: TimeAxis { start }, horizon: 0.5 });
        for text in ["1 Jan 00:00", "1 Jan 06:00", "1 Jan 12:00", "date, 2025"] {
            assert_has(&t, text);
        }
        assert_lacks(&t, "1 Jan 2025");
    }

    #[test]
    fn markers_within_a_marker_of_each_other_share_one() {
        let mut busy = run("baseline");
        let done = |day, text: &str| EventRow {
            day,
            actor: "platform".into(),
            kind: "action_done".into(),
            text: text.into(),
        };
        busy.events = vec![
            done(10.0, "platform completes age-gate"),
            done(10.1, "platform completes cleanup"),
            done(20.0, "platform completes local-office"),
        ];
        let timeline = Timeline { run: &busy, axis: TimeAxis { start: None }, horizon: 30.0 };
        // 10 pixels a day: 10.0 and 10.1 are one pixel apart.
        let groups = timeline.marker_groups(|day| (day * 10.0) as i32);
        assert_eq!(
            groups,
            [(10.0, false, "age-gate, cleanup".to_owned()), (20.0, false, "local-office".to_owned())]
        );
    }
}
