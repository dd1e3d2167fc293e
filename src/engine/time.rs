//! Simulated time as an integer count of milliseconds since the scenario start.
//!
//! Integer time never drifts: adding a day a thousand times lands exactly on day 1000,
//! and two events scheduled for the same instant compare equal on every machine.

use std::fmt;
use std::ops::{Add, Sub};

/// A point in simulated time: whole milliseconds since the scenario start.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct SimTime(pub u64);

/// A span of simulated time in whole milliseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub const SECOND: SimDuration = SimDuration(1_000);
    pub const MINUTE: SimDuration = SimDuration(60_000);
    pub const HOUR: SimDuration = SimDuration(3_600_000);
    pub const DAY: SimDuration = SimDuration(86_400_000);

    /// Rounds a number of seconds to the nearest millisecond. Negative and NaN inputs
    /// become zero and huge ones saturate (Rust's float-to-integer casts saturate and
    /// map NaN to zero, which is exactly the rule wanted here).
    pub fn from_secs_f64(secs: f64) -> SimDuration {
        SimDuration((secs * 1_000.0 + 0.5) as u64)
    }

    pub fn from_days_f64(days: f64) -> SimDuration {
        SimDuration::from_secs_f64(days * 86_400.0)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / Self::HOUR.0 as f64
    }

    pub fn as_days_f64(self) -> f64 {
        self.0 as f64 / Self::DAY.0 as f64
    }

    pub fn scale(self, factor: f64) -> SimDuration {
        SimDuration::from_secs_f64(self.as_secs_f64() * factor)
    }
}

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub fn as_days_f64(self) -> f64 {
        self.0 as f64 / SimDuration::DAY.0 as f64
    }

    /// Time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// Milliseconds since the most recent midnight of the scenario clock.
    pub fn time_of_day(self) -> SimDuration {
        SimDuration(self.0 % SimDuration::DAY.0)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl Sub<SimDuration> for SimTime {
    type Output = SimTime;
    fn sub(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl SimDuration {
    /// For people rather than files: exact when it is whole seconds ("12h", "90s"),
    /// otherwise to a tenth of its largest unit ("2.3d", "5.1h"), never "106868880ms".
    pub fn readable(self) -> String {
        if self.0.is_multiple_of(SimDuration::SECOND.0) {
            return self.to_string();
        }
        let days = self.as_days_f64();
        if days >= 1.0 {
            format!("{days:.1}d")
        } else if self.0 >= SimDuration::HOUR.0 {
            format!("{:.1}h", self.as_hours_f64())
        } else {
            format!("{:.1}m", self.0 as f64 / SimDuration::MINUTE.0 as f64)
        }
    }
}

impl fmt::Display for SimDuration {
    /// Shortest exact rendering in the units scenario files use ("7d", "4h", "90s").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [
            (SimDuration::DAY.0, "d"),
            (SimDuration::HOUR.0, "h"),
            (SimDuration::MINUTE.0, "m"),
            (SimDuration::SECOND.0, "s"),
        ];
        if self.0 == 0 {
            return write!(f, "0s");
        }
        for (ms, unit) in units {
            if self.0.is_multiple_of(ms) {
                return write!(f, "{}{unit}", self.0 / ms);
            }
        }
        write!(f, "{}ms", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_durations_are_exact_in_minutes_and_rounded_below() {
        assert_eq!(SimDuration(12 * SimDuration::HOUR.0).readable(), "12h");
        assert_eq!(SimDuration(106_868_880).readable(), "1.2d");
        assert_eq!(SimDuration(SimDuration::HOUR.0 + 1).readable(), "1.0h");
        assert_eq!(SimDuration(61_001).readable(), "1.0m");
        assert_eq!(SimDuration(90_000).readable(), "90s");
    }

    #[test]
    fn integer_days_do_not_drift() {
        let mut t = SimTime::ZERO;
        for _ in 0..1000 {
            t = t + SimDuration::DAY;
        }
        assert_eq!(t.as_days_f64(), 1000.0);
    }

    #[test]
    fn display_uses_the_largest_exact_unit() {
        assert_eq!(SimDuration::DAY.to_string(), "1d");
        assert_eq!(SimDuration(36 * SimDuration::HOUR.0).to_string(), "36h");
        assert_eq!(SimDuration(90_000).to_string(), "90s");
        assert_eq!(SimDuration(1_500).to_string(), "1500ms");
    }

    #[test]
    fn from_secs_rejects_negative_and_nan() {
        assert_eq!(SimDuration::from_secs_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(1.0004), SimDuration(1_000));
        assert_eq!(SimDuration::from_secs_f64(1.0006), SimDuration(1_001));
        assert_eq!(SimDuration::from_secs_f64(f64::INFINITY), SimDuration(u64::MAX));
    }
}
