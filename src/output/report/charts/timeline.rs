//! The timeline: one replication (the traced one) day by day.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{
    mesh_style, short_number, upper, with_legend, Swatch, TimeAxis, BLUE, FONT, GREEN, INK, ORANGE, SHADE,
    VERMILLION,
};
use super::{ChartError, Draw};
use crate::output::report::data::RunData;

/// Replication 0 day by day: the violating items users can view, the review backlog,
/// the blocks shaded, and the regulator's and platform's actions as marks.
pub(super) struct Timeline<'a> {
    pub(super) run: &'a RunData,
    pub(super) axis: TimeAxis,
    /// The last day of the time axis.
    pub(super) horizon: f64,
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
            "review backlog (right axis)",
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
}
