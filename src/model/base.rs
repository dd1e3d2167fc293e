//! What every actor of a replication shares: the events the calendar holds, and the
//! `Core` that bundles the calendar, the metrics being accumulated and the trace.
//!
//! Actors take the `Core` explicitly (`&mut Core`) to schedule events, count metrics
//! and write trace lines; nothing here knows any actor.

use super::metrics::{LogEntry, Metrics};
use crate::engine::{Calendar, SimTime};
use crate::scenario::LiftPath;

/// What the calendar holds. Events that may become moot (a block's verification, a
/// throttle's end) are cancelled by their key, never recognised as stale.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Event {
    /// Marks a step: re-evaluate the ladder and sample the grid.
    Tick,
    /// The regulator turns its pending findings into a takedown order.
    IssueOrder,
    /// The platform has handled order `id`.
    OrderHandled(usize),
    /// The deadline of order `id` passes.
    OrderDeadline(usize),
    /// Re-evaluate the escalation ladder (for time-based conditions).
    LadderCheck,
    /// A compliance action's delay has passed.
    ActionDue(usize),
    /// A cleanup (playbook index) has swept the stock it set out to sweep.
    CleanupDone(usize),
    /// The verification period of the block in force ends.
    VerificationDone,
    /// The regulator has processed the lifting of a block whose compliance it verified.
    Unblock,
    /// The block decided last takes effect (ISPs and app stores have applied it).
    BlockTakesEffect,
    /// The platform appeals the block in force.
    Appeal,
    /// The court rules on the platform's appeal.
    CourtRules,
    /// A path that needs no compliance (backdown, mistake) lifts the block in force.
    PathLifts(LiftPath),
    /// Access comes back after a lifting (the lift lag has passed).
    AccessRestored,
    /// The throttle in force ends.
    ThrottleEnds,
    /// Outside event `e` happens.
    Outside(usize),
    /// The block in force has lasted the `k`-th length some `on = { blocked_for }` waits
    /// for.
    BlockLasted(usize),
    /// Revenue lost since the start reaches the `k`-th amount some `on = { revenue_lost }`
    /// waits for.
    RevenueLostReached(usize),
}

/// The calendar, the metrics and the trace of one replication.
pub(super) struct Core {
    pub(super) cal: Calendar<Event>,
    pub(super) m: Metrics,
    /// The event log, when tracing.
    log: Option<Vec<LogEntry>>,
}

impl Core {
    /// An empty calendar and fresh metrics; with `trace`, a log to note events in.
    pub(super) fn new(trace: bool) -> Self {
        Core {
            cal: Calendar::new(),
            m: Metrics { time_to_first_block_days: f64::NAN, ..Metrics::default() },
            log: trace.then(Vec::new),
        }
    }

    /// Records a line of the event log when tracing.
    pub(super) fn note(&mut self, time: SimTime, actor: &'static str, kind: &'static str, text: String) {
        if let Some(log) = &mut self.log {
            log.push(LogEntry { time, actor, kind, text });
        }
    }

    /// The metrics and the event log (empty unless tracing).
    pub(super) fn into_parts(self) -> (Metrics, Vec<LogEntry>) {
        (self.m, self.log.unwrap_or_default())
    }

    /// The lines noted so far.
    #[cfg(test)]
    pub(super) fn log(&self) -> &[LogEntry] {
        self.log.as_deref().unwrap_or_default()
    }

    /// Pops every event due by `until`, in calendar order.
    #[cfg(test)]
    pub(super) fn due_by(&mut self, until: SimTime) -> Vec<(SimTime, Event)> {
        let mut due = Vec::new();
        while self.cal.peek_time().is_some_and(|t| t <= until) {
            due.extend(self.cal.pop());
        }
        due
    }
}

/// "1 violating item", "5 violating items".
pub(super) fn item_count(n: u64) -> String {
    if n == 1 {
        "1 violating item".into()
    } else {
        format!("{n} violating items")
    }
}

/// The hand-computed test scenario with `overrides` (`"scenario.horizon=10d"`) applied.
#[cfg(test)]
pub(super) fn test_scenario(overrides: &[&str]) -> crate::scenario::Scenario {
    let text = include_str!("../../tests/scenarios/hand-computed.toml");
    let overrides: Vec<_> = overrides.iter().map(|o| o.parse().expect("override parses")).collect();
    crate::scenario::parse_with(text, "hand-computed.toml", &overrides).expect("test scenario parses").0
}

/// The instant `n` days after the start.
#[cfg(test)]
pub(super) fn day(n: u64) -> SimTime {
    SimTime(crate::engine::SimDuration::DAY.0 * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_kept_only_when_tracing() {
        let mut quiet = Core::new(false);
        quiet.note(SimTime(1), "regulator", "order", "sent".into());
        assert!(quiet.log().is_empty());
        let mut traced = Core::new(true);
        traced.note(SimTime(1), "regulator", "order", "sent".into());
        let (m, log) = traced.into_parts();
        assert_eq!(log.len(), 1);
        assert_eq!((log[0].actor, log[0].kind, log[0].text.as_str()), ("regulator", "order", "sent"));
        assert!(m.time_to_first_block_days.is_nan(), "never blocked until a block says so");
    }

    #[test]
    fn item_counts_agree_in_number() {
        assert_eq!(item_count(1), "1 violating item");
        assert_eq!(item_count(0), "0 violating items");
        assert_eq!(item_count(5), "5 violating items");
    }
}
