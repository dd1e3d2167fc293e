//! The state of a replication on a fixed time grid, for time series and charts.
//!
//! The grid is the same for every replication of a scenario and its points fall on
//! ticks, so sampling adds no events and cannot change a replication's course.

use crate::engine::{SimDuration, SimTime};
use crate::scenario::Scenario;

/// Most points of a time series; longer horizons sample every few steps.
pub const MAX_GRID_POINTS: u64 = 400;

/// The state of one replication at one grid instant.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GridSample {
    /// Violating items users can view (visible stock, plus queued items where flagged
    /// items stay up while queued).
    pub visible_violating: u64,
    /// Flagged items waiting for review (not those under review).
    pub review_backlog: u64,
    pub blocked: bool,
}

/// Grid intervals a reader finds natural, shortest first.
const ROUND_INTERVALS_HOURS: [u64; 13] = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336, 720, 1440];

/// The interval between grid instants: the shortest round interval (an hour, a day, a
/// week, ...) that is a whole number of steps and keeps the count within
/// [`MAX_GRID_POINTS`]; failing that, the fewest whole steps that do.
pub fn grid_interval(scenario: &Scenario) -> SimDuration {
    let step = scenario.step.0.max(1);
    let horizon = scenario.horizon.0;
    let fits = |interval: u64| horizon.div_ceil(interval) < MAX_GRID_POINTS;
    let round = ROUND_INTERVALS_HOURS
        .iter()
        .map(|h| h * SimDuration::HOUR.0)
        .find(|&i| i >= step && i % step == 0 && fits(i));
    let steps = horizon.div_ceil(step);
    SimDuration(round.unwrap_or(step * steps.div_ceil(MAX_GRID_POINTS - 1).max(1)))
}

/// The grid instants of `scenario`: zero, every [`grid_interval`] and the horizon.
pub fn grid(scenario: &Scenario) -> Vec<SimTime> {
    let horizon = scenario.horizon.0;
    let interval = grid_interval(scenario);
    let mut times = Vec::new();
    let mut t = SimTime::ZERO;
    while t.0 < horizon {
        times.push(t);
        t = t + interval;
    }
    times.push(SimTime(horizon));
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(step_hours: u64, horizon_days: u64) -> Scenario {
        let sets = [format!("scenario.step={step_hours}h"), format!("scenario.horizon={horizon_days}d")];
        let overrides: Vec<_> = sets.iter().map(|s| s.parse().unwrap()).collect();
        crate::scenario::load_with(std::path::Path::new("tests/scenarios/hand-computed.toml"), &overrides)
            .expect("test scenario loads")
            .scenario
    }

    #[test]
    fn grid_falls_on_steps_and_ends_at_the_horizon() {
        let g = grid(&scenario(1, 365));
        assert!(g.len() as u64 <= MAX_GRID_POINTS, "{} points", g.len());
        assert_eq!(g[0], SimTime::ZERO);
        assert_eq!(*g.last().unwrap(), SimTime::ZERO + SimDuration(SimDuration::DAY.0 * 365));
        let interval = g[1].0 - g[0].0;
        assert_eq!(interval % SimDuration::HOUR.0, 0, "grid points fall on ticks");
        assert!(g.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn intervals_are_round_where_the_step_allows() {
        assert_eq!(grid_interval(&scenario(2, 365)), SimDuration::DAY);
        assert_eq!(grid_interval(&scenario(1, 10)), SimDuration::HOUR);
        assert_eq!(grid_interval(&scenario(6, 3650)), SimDuration(SimDuration::DAY.0 * 14));
        // A step of 5 hours divides no round interval: whole steps instead.
        let odd = grid_interval(&scenario(5, 365));
        assert_eq!(odd.0 % (5 * SimDuration::HOUR.0), 0);
    }

    #[test]
    fn short_horizons_sample_every_step() {
        let g = grid(&scenario(24, 30));
        assert_eq!(g.len(), 31);
        assert_eq!(g[1].0 - g[0].0, SimDuration::DAY.0);
    }
}
