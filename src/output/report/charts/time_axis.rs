//! The time axis of the charts over days: where it is marked (first of months, days
//! at midnight or hours, by the horizon) and what the marks read.

use chrono::{Datelike, NaiveDateTime};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{short_number, Marked};
use super::ChartError;

/// How the time axis is labelled: calendar dates when the scenario has a start date.
#[derive(Clone, Copy)]
pub(super) struct TimeAxis {
    /// The calendar instant of day 0, if the scenario has one.
    pub(super) start: Option<NaiveDateTime>,
}

/// Most marks a time axis carries, so that their labels never touch.
const MOST_TIME_TICKS: f64 = 8.0;

/// Where a time axis of `horizon` days is marked, what each mark reads, and the axis
/// title.
pub(super) struct TimeTicks {
    /// The marks, in days since the start.
    pub(super) points: Vec<f64>,
    labels: Vec<String>,
    pub(super) description: String,
}

impl TimeTicks {
    /// The label of the mark at `day`, none between marks.
    pub(super) fn label(&self, day: f64) -> String {
        self.points
            .iter()
            .position(|p| (p - day).abs() < 1e-9)
            .map_or_else(String::new, |i| self.labels[i].clone())
    }

    /// Every mark's label, in order.
    #[cfg(test)]
    pub(super) fn labels(&self) -> &[String] {
        &self.labels
    }
}

/// The first step of `steps` that marks `span` at most [`MOST_TIME_TICKS`] times.
fn step_for(span: f64, steps: &[f64]) -> f64 {
    let last = steps.last().copied().unwrap_or(1.0);
    steps.iter().copied().find(|s| span / s <= MOST_TIME_TICKS).unwrap_or(last.max(span / MOST_TIME_TICKS))
}

impl TimeAxis {
    /// The marks of an axis of `horizon` days: months on their first day for horizons
    /// over three months, days at midnight down to three days, hours below, each
    /// labelled at the scale it marks (with no start date: days or hours since the
    /// start).
    pub(super) fn ticks(&self, horizon: f64) -> TimeTicks {
        self.ticks_between(0.0, horizon)
    }

    /// The instant `day` days since the start, in words: "3 Jul 2018", or "day 12".
    pub(super) fn instant(&self, day: f64) -> String {
        match self.start {
            Some(s) => {
                (s + chrono::Duration::seconds((day * 86_400.0) as i64)).format("%-d %b %Y").to_string()
            }
            None => format!("day {}", short_number(day)),
        }
    }

    /// The marks of the part of the axis from day `from` to day `to`, as [`Self::ticks`]
    /// marks a whole axis of that length.
    pub(super) fn ticks_between(&self, from: f64, to: f64) -> TimeTicks {
        let span = if (to - from).is_finite() && to > from { to - from } else { 1.0 };
        match self.start {
            Some(start) => {
                let shifted = start + chrono::Duration::seconds((from * 86_400.0).round() as i64);
                let mut ticks = TimeAxis { start: Some(shifted) }.dated(span);
                ticks.points.iter_mut().for_each(|p| *p += from);
                ticks
            }
            None => Self::elapsed(from, span),
        }
    }

    /// The marks of an axis of `horizon` days from the start date.
    fn dated(&self, horizon: f64) -> TimeTicks {
        let Some(start) = self.start else { return Self::elapsed(0.0, horizon) };
        let at = |day: f64| start + chrono::Duration::seconds((day * 86_400.0).round() as i64);
        let day_of = |t: NaiveDateTime| (t - start).num_seconds() as f64 / 86_400.0;
        let end = at(horizon);
        let years = if start.year() == end.year() {
            start.year().to_string()
        } else {
            format!("{}–{}", start.year(), end.year())
        };
        let mut points = Vec::new();
        let mut labels = Vec::new();
        if horizon > 90.0 {
            let step = step_for(horizon / 30.44, &[1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 60.0, 120.0]) as i32;
            // Months counted from year 0, so that marks fall on round months (January,
            // April, July...).
            let index = |t: NaiveDateTime| t.year() * 12 + t.month0() as i32;
            let mut m = index(start);
            while m <= index(end) {
                if m.rem_euclid(step) == 0 {
                    let first =
                        chrono::NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1)
                            .and_then(|d| d.and_hms_opt(0, 0, 0));
                    if let Some(t) = first.filter(|t| *t >= start && *t <= end) {
                        points.push(day_of(t));
                        labels.push(t.format("%b %Y").to_string());
                    }
                }
                m += 1;
            }
            return TimeTicks { points, labels, description: "date".into() };
        }
        let (step_hours, format) = if horizon > 3.0 {
            (24.0 * step_for(horizon, &[1.0, 2.0, 7.0, 14.0, 28.0]), "%-d %b")
        } else {
            (step_for(horizon * 24.0, &[1.0, 2.0, 3.0, 6.0, 12.0]), "%-d %b %H:%M")
        };
        // The first mark: the first whole step of the clock at or after the start.
        let midnight = start.date().and_hms_opt(0, 0, 0).unwrap_or(start);
        let since_midnight = (start - midnight).num_seconds() as f64 / 3600.0;
        let mut hour = (since_midnight / step_hours).ceil() * step_hours;
        while hour - since_midnight <= horizon * 24.0 + 1e-9 {
            let instant = midnight + chrono::Duration::seconds((hour * 3600.0).round() as i64);
            points.push(day_of(instant));
            labels.push(instant.format(format).to_string());
            hour += step_hours;
        }
        TimeTicks { points, labels, description: format!("date, {years}") }
    }

    /// The marks of an axis without a start date from day `from` over `span` days: days
    /// since the start, or hours for spans of three days or less.
    fn elapsed(from: f64, span: f64) -> TimeTicks {
        let (step, hours) = if span > 3.0 {
            (step_for(span, &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]), false)
        } else {
            (step_for(span * 24.0, &[1.0, 2.0, 3.0, 6.0, 12.0]) / 24.0, true)
        };
        let (first, last) =
            ((from / step - 1e-9).ceil() as i64, ((from + span) / step + 1e-9).floor() as i64);
        let points: Vec<f64> = (first..=last).map(|k| k as f64 * step).collect();
        let labels = points
            .iter()
            .map(|d| if hours { format!("{} h", short_number((d * 24.0).round())) } else { short_number(*d) })
            .collect();
        let description = if hours { "hours since the start" } else { "days since the start" };
        TimeTicks { points, labels, description: description.into() }
    }
}

/// A plot area over time: days `from..to` along, marked at `ticks`, and `y` up.
pub(super) fn time_plane<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    ticks: &TimeTicks,
    (from, to): (f64, f64),
    y: std::ops::Range<f64>,
    y_label_width: u32,
) -> Result<ChartContext<'a, DB, Cartesian2d<Marked, plotters::coord::types::RangedCoordf64>>, ChartError> {
    let marks = ticks.points.iter().copied().filter(|d| (from..=to).contains(d)).collect();
    Ok(ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(y_label_width)
        .build_cartesian_2d(Marked::new(from..to, marks), y)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32, h: u32) -> Option<NaiveDateTime> {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, 0, 0)
    }

    #[test]
    fn a_long_horizon_is_marked_on_the_first_of_months() {
        let ticks = TimeAxis { start: date(2018, 5, 27, 0) }.ticks(365.0);
        // A year: every second month, on round months, from the first after the start.
        assert_eq!(ticks.labels(), ["Jul 2018", "Sep 2018", "Nov 2018", "Jan 2019", "Mar 2019", "May 2019"]);
        assert_eq!(ticks.points[0], 35.0); // 1 July is 35 days after 27 May
        assert_eq!(ticks.label(35.0), "Jul 2018");
        assert_eq!(ticks.label(36.0), "");
        assert_eq!(ticks.description, "date");
        // Six months: every month.
        let half = TimeAxis { start: date(2014, 3, 1, 0) }.ticks(180.0);
        assert_eq!(half.labels()[..3], ["Mar 2014", "Apr 2014", "May 2014"]);
    }

    #[test]
    fn a_short_horizon_is_marked_in_days_or_hours() {
        let month = TimeAxis { start: date(2018, 7, 3, 0) }.ticks(30.0);
        assert_eq!(month.labels()[..3], ["3 Jul", "10 Jul", "17 Jul"]);
        assert_eq!(month.description, "date, 2018");
        // Twelve hours from 1 January 2025: every two hours, never the same label twice.
        let half_day = TimeAxis { start: date(2025, 1, 1, 0) }.ticks(0.5);
        assert_eq!(half_day.labels().len(), 7);
        assert_eq!(half_day.labels()[0], "1 Jan 00:00");
        assert_eq!(half_day.labels()[1], "1 Jan 02:00");
        assert_eq!(half_day.labels()[6], "1 Jan 12:00");
        // A start off the hour is marked from the next round hour.
        let late = TimeAxis { start: date(2024, 12, 31, 23) }.ticks(1.0);
        assert_eq!(late.labels()[..2], ["1 Jan 00:00", "1 Jan 03:00"]);
        assert_eq!(late.description, "date, 2024–2025");
        assert!((late.points[0] - 1.0 / 24.0).abs() < 1e-9);
    }

    #[test]
    fn without_a_start_the_axis_counts_days_or_hours() {
        let plain = TimeAxis { start: None };
        let year = plain.ticks(365.0);
        assert_eq!(year.labels(), ["0", "50", "100", "150", "200", "250", "300", "350"]);
        assert_eq!(year.description, "days since the start");
        let half_day = plain.ticks(0.5);
        assert_eq!(half_day.labels(), ["0 h", "2 h", "4 h", "6 h", "8 h", "10 h", "12 h"]);
        assert_eq!(half_day.description, "hours since the start");
    }

    #[test]
    fn part_of_an_axis_is_marked_as_a_whole_axis_of_its_length() {
        let dated = TimeAxis { start: date(2018, 5, 27, 0) }.ticks_between(30.0, 60.0);
        assert_eq!(dated.labels()[..2], ["26 Jun", "3 Jul"]);
        assert_eq!(dated.points[0], 30.0);
        let plain = TimeAxis { start: None }.ticks_between(33.0, 66.0);
        assert_eq!(plain.labels(), ["35", "40", "45", "50", "55", "60", "65"]);
    }
}
