//! Moderators' working hours: a daily shift of a start and a length.

use crate::engine::{SimDuration, SimTime};

/// A daily shift; a length of a day or more means round-the-clock work.
#[derive(Copy, Clone, Debug)]
pub struct Shift {
    /// Time of day the shift starts.
    pub start: SimDuration,
    pub length: SimDuration,
}

impl Shift {
    /// Round-the-clock work.
    pub const ALWAYS: Shift = Shift { start: SimDuration::ZERO, length: SimDuration::DAY };

    /// Whether moderators work at `t`.
    pub fn on(&self, t: SimTime) -> bool {
        self.length >= SimDuration::DAY || self.time_into_shift(t) < self.length.0
    }

    /// The next instant after `t` at which a shift starts or ends (far in the future
    /// for round-the-clock work).
    pub fn next_change(&self, t: SimTime) -> SimTime {
        if self.length >= SimDuration::DAY {
            return SimTime(u64::MAX);
        }
        let into_shift = self.time_into_shift(t);
        let until = if into_shift < self.length.0 {
            self.length.0 - into_shift
        } else {
            SimDuration::DAY.0 - into_shift
        };
        SimTime(t.0 + until)
    }

    /// `t` when on shift; otherwise the next shift start.
    pub fn next_start(&self, t: SimTime) -> SimTime {
        if self.on(t) {
            t
        } else {
            self.next_change(t)
        }
    }

    /// Whether a shift starts exactly at `t` (work was off just before).
    pub fn starts_at(&self, t: SimTime) -> bool {
        self.length < SimDuration::DAY && t.0 > 0 && !self.on(SimTime(t.0 - 1))
    }

    /// Milliseconds since the latest shift start, at `t`.
    fn time_into_shift(&self, t: SimTime) -> u64 {
        let day = SimDuration::DAY.0;
        (t.time_of_day().0 + day - self.start.0) % day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(h: u64) -> SimTime {
        SimTime(h * SimDuration::HOUR.0)
    }

    #[test]
    fn shift_changes_are_found_from_any_instant() {
        let shift = Shift {
            start: SimDuration(9 * SimDuration::HOUR.0),
            length: SimDuration(8 * SimDuration::HOUR.0),
        };
        assert_eq!(shift.next_change(hours(0)), hours(9));
        assert_eq!(shift.next_change(hours(9)), hours(17));
        assert_eq!(shift.next_change(hours(12)), hours(17));
        assert_eq!(shift.next_change(hours(17)), hours(33));
        assert!(shift.on(hours(9)) && !shift.on(hours(17)));
        assert_eq!(shift.next_start(hours(12)), hours(12));
        assert_eq!(shift.next_start(hours(18)), hours(33));
        assert!(shift.starts_at(hours(33)) && !shift.starts_at(hours(34)));
    }

    #[test]
    fn round_the_clock_never_changes() {
        assert!(Shift::ALWAYS.on(hours(3)));
        assert_eq!(Shift::ALWAYS.next_change(hours(3)), SimTime(u64::MAX));
        assert!(!Shift::ALWAYS.starts_at(hours(24)));
    }
}
