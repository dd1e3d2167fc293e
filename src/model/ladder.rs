//! The regulator's escalation ladder: steps fire in order when their conditions hold
//! (findings, missed orders, time after a step, a date), unless the platform has done
//! what would spare it; each step's sanction (warning, fine, throttle) takes effect
//! here, except blocks, which `block.rs` imposes and ends.
//!
//! The ladder decides (`decide`) and `World` acts on the decision: it fires the step
//! here and applies what touches the other actors (the platform's reach, a block, the
//! playbook's reaction). Imports `orders.rs` and `playbook.rs` only to read what the
//! conditions count (findings, missed deadlines, actions done).

use super::base::{Core, Event};
use super::orders::Orders;
use super::playbook::Playbook;
use super::process;
use crate::engine::{stream_at, Calendar, DurationDist, EventKey, SimDuration, SimTime};
use crate::scenario::units::date_after;
use crate::scenario::{Condition, Sanction, Scenario};

/// Where the regulator stands on its ladder.
pub(super) struct Ladder {
    /// Index of the last step fired since the ladder (re)started.
    level: Option<usize>,
    /// When the ladder last (re)started: conditions count from here.
    start: SimTime,
    step_fired_at: Vec<Option<SimTime>>,
    /// Each step's `after_step` wait, drawn when the step it waits for fired.
    waits: Vec<SimDuration>,
    /// How often each step has fired: the key of the waits drawn when it fires.
    firings: Vec<u64>,
    /// After a lifting with `restart_ladder_at = "none"`: no more escalation.
    closed: bool,
    throttle: Option<Throttle>,
    seed: u64,
    replication: u64,
}

/// A throttle in force.
struct Throttle {
    /// Share of users who still reach the platform.
    access: f64,
    /// Its end, when it has a duration.
    end: Option<EventKey>,
}

impl Ladder {
    pub(super) fn new(s: &Scenario, seed: u64, replication: u64) -> Self {
        let n = s.regulator.ladder.len();
        let mut ladder = Ladder {
            level: None,
            start: SimTime::ZERO,
            step_fired_at: vec![None; n],
            waits: vec![SimDuration::ZERO; n],
            firings: vec![0; n],
            closed: false,
            throttle: None,
            seed,
            replication,
        };
        // Fixed waits are known from the start; random ones are drawn when the step
        // they wait for fires.
        for (j, step) in s.regulator.ladder.iter().enumerate() {
            if let Condition::AfterStep { wait: DurationDist::Fixed(w), .. } = step.trigger.condition {
                ladder.waits[j] = w;
            }
        }
        ladder
    }

    /// The access a throttle in force leaves, if any.
    pub(super) fn throttle_access(&self) -> Option<f64> {
        self.throttle.as_ref().map(|t| t.access)
    }

    /// Ends the throttle in force, if any, and cancels its scheduled end. Returns
    /// whether there was one.
    pub(super) fn end_throttle(&mut self, cal: &mut Calendar<Event>) -> bool {
        match self.throttle.take() {
            Some(Throttle { end, .. }) => {
                if let Some(end) = end {
                    cal.cancel(end);
                }
                true
            }
            None => false,
        }
    }

    /// A throttle with a duration runs out. Returns whether one was in force (the
    /// platform's reach changes).
    pub(super) fn throttle_ends(&mut self, now: SimTime, core: &mut Core) -> bool {
        if self.throttle.take().is_none() {
            return false;
        }
        core.note(now, "regulator", "throttle", "regulator ends the throttle".into());
        true
    }

    /// Restarts the ladder after a block is lifted at `now`: from `probation` later,
    /// with the steps below `restart_at` counting as fired; with no `restart_at`,
    /// escalation is over.
    pub(super) fn restart_after_block(
        &mut self,
        now: SimTime,
        restart_at: Option<usize>,
        probation: SimDuration,
    ) {
        match restart_at {
            Some(restart_at) => {
                self.level = restart_at.checked_sub(1);
                self.start = now + probation;
            }
            None => self.closed = true,
        }
    }

    /// When escalation resumes after a lifting (conditions count from then).
    pub(super) fn resumes_at(&self) -> SimTime {
        self.start
    }

    fn next_step(&self, s: &Scenario) -> Option<usize> {
        if self.closed {
            return None;
        }
        let next = self.level.map_or(0, |l| l + 1);
        (next < s.regulator.ladder.len()).then_some(next)
    }

    /// Schedules a re-check for when the next step's time-based condition comes due.
    pub(super) fn schedule_check(&self, now: SimTime, s: &Scenario, core: &mut Core) {
        let Some(j) = self.next_step(s) else { return };
        let due = match s.regulator.ladder[j].trigger.condition {
            Condition::AfterStep { step, .. } => self.step_fired_at[step].map(|t| t + self.waits[j]),
            Condition::At(t) => Some(t),
            _ => None,
        };
        if let Some(due) = due {
            core.cal.schedule(due.max(now), Event::LadderCheck);
        }
    }

    /// The condition of step `j`, with a description of what met it, if it holds now.
    fn condition_met(&self, j: usize, now: SimTime, s: &Scenario, orders: &Orders) -> Option<String> {
        let ladder_start = self.start;
        let window_start = |within: SimDuration| (now - within).max(ladder_start);
        match s.regulator.ladder[j].trigger.condition {
            Condition::Findings { count, within } => {
                let found = orders.findings_log.since(window_start(within));
                (found >= count).then(|| format!("{found} findings in {within}"))
            }
            Condition::MissedOrders { count, within } => {
                let missed = orders.missed_log.since(window_start(within));
                (missed >= count).then(|| format!("{missed} missed order deadlines in {within}"))
            }
            Condition::AfterStep { step, .. } => {
                let wait = self.waits[j];
                let fired = self.step_fired_at[step].filter(|t| *t >= ladder_start)?;
                (now >= fired + wait).then(|| {
                    format!("no response {} after the {}", wait.readable(), s.regulator.ladder[step].name)
                })
            }
            // A moment that passed before the ladder restarted does not fire again.
            Condition::At(t) => (now >= t && t >= ladder_start).then(|| match s.start {
                Some(start) => format!("the date {} passed", date_after(start, SimDuration(t.0))),
                None => format!("the deadline of day {:.0} passed", t.as_days_f64()),
            }),
        }
    }

    /// What the regulator does about the next step now, if its condition holds: fire
    /// it, or stand down when the platform has done every action of its `unless`.
    pub(super) fn decide(
        &self,
        now: SimTime,
        s: &Scenario,
        orders: &Orders,
        playbook: &Playbook,
    ) -> Option<Decision> {
        let j = self.next_step(s)?;
        if now < self.start {
            return None; // On probation after a lifting.
        }
        let reason = self.condition_met(j, now, s, orders)?;
        let unless = &s.regulator.ladder[j].trigger.unless;
        if !unless.is_empty() && playbook.all_done(unless) {
            Some(Decision::StandDown(j))
        } else {
            Some(Decision::Fire(j, reason))
        }
    }

    /// The platform did what would have spared it step `j`: de-escalate and count
    /// afresh from now.
    pub(super) fn stand_down(&mut self, now: SimTime, j: usize, s: &Scenario, core: &mut Core) {
        self.level = None;
        self.start = now;
        let text =
            format!("regulator stands down from {}: the platform responded", s.regulator.ladder[j].name);
        core.note(now, "regulator", "stand-down", text);
    }

    /// Fires step `j`, for `reason`, and imposes its sanction where the ladder can: a
    /// warning, a fine or a throttle. Returns what the others must do about it.
    pub(super) fn fire(
        &mut self,
        j: usize,
        now: SimTime,
        reason: String,
        s: &Scenario,
        core: &mut Core,
    ) -> Fired {
        let step = &s.regulator.ladder[j];
        self.level = Some(j);
        self.step_fired_at[j] = Some(now);
        self.draw_waits_after(j, s);
        match &step.sanction {
            Sanction::Warning => {
                core.m.warnings += 1;
                core.note(
                    now,
                    "regulator",
                    "warning",
                    format!("regulator warns platform ({}): {reason}", step.name),
                );
                Fired::Sanctioned
            }
            Sanction::Fine { amount } => {
                core.m.fines += 1;
                core.m.fines_amount += amount;
                core.m.economic_loss += amount;
                core.note(
                    now,
                    "regulator",
                    "fine",
                    format!("regulator fines platform {amount:.0} {}: {reason}", s.money().unit()),
                );
                Fired::Sanctioned
            }
            Sanction::Throttle { access, duration } => {
                core.m.throttles += 1;
                self.end_throttle(&mut core.cal);
                let end = duration.map(|d| core.cal.schedule(now + d, Event::ThrottleEnds));
                self.throttle = Some(Throttle { access: *access, end });
                let share = access * 100.0;
                core.note(
                    now,
                    "regulator",
                    "throttle",
                    format!("regulator throttles platform to {share:.0}% of users: {reason}"),
                );
                Fired::Throttled
            }
            Sanction::Block(_) => Fired::Block(reason),
        }
    }

    /// Step `j` fired: the random waits of the steps that wait for it are drawn, each
    /// from a stream keyed by (waiting step, how often `j` fired), so that one firing's
    /// draw does not shift another's.
    fn draw_waits_after(&mut self, j: usize, s: &Scenario) {
        let firing = self.firings[j];
        self.firings[j] += 1;
        for (k, step) in s.regulator.ladder.iter().enumerate() {
            if let Condition::AfterStep { step: after, wait } = &step.trigger.condition {
                if *after == j && !matches!(wait, DurationDist::Fixed(_)) {
                    let key = ((k as u64) << 32) | firing;
                    let mut rng = stream_at(self.seed, self.replication, process::STEP_WAIT, key);
                    self.waits[k] = wait.sample(&mut rng);
                }
            }
        }
    }
}

/// What the regulator does about the next step of its ladder.
#[derive(Debug, PartialEq)]
pub(super) enum Decision {
    /// The platform answered step `j`'s `unless`: stand down.
    StandDown(usize),
    /// Fire step `j`, for the reason given.
    Fire(usize, String),
}

/// What a fired step asks of the others.
#[derive(Debug, PartialEq)]
pub(super) enum Fired {
    /// A warning or a fine: nothing more.
    Sanctioned,
    /// A throttle began: the platform's reach changes.
    Throttled,
    /// The step blocks the platform, for the reason given (`block.rs` imposes it).
    Block(String),
}

#[cfg(test)]
mod tests {
    use super::super::base::{day, test_scenario};
    use super::*;
    use crate::scenario::ActionTrigger;

    /// The hand-computed ladder (a warning on day 5, then a block 2 days later unless
    /// the commitment, action 1, is done), with its warning fired on day 5.
    fn warned(s: &Scenario, core: &mut Core) -> (Ladder, Orders, Playbook) {
        let (mut ladder, orders, playbook) =
            (Ladder::new(s, 7, 0), Orders::new(s, 7, 0), Playbook::new(s, 7, 0));
        assert_eq!(ladder.decide(day(4), s, &orders, &playbook), None, "not yet day 5");
        let decision = ladder.decide(day(5), s, &orders, &playbook);
        assert_eq!(decision, Some(Decision::Fire(0, "the deadline of day 5 passed".into())));
        assert_eq!(ladder.fire(0, day(5), "day 5".into(), s, core), Fired::Sanctioned);
        assert_eq!(core.m.warnings, 1);
        (ladder, orders, playbook)
    }

    #[test]
    fn a_step_fires_when_its_condition_holds_and_schedules_the_next_check() {
        let s = test_scenario(&[]);
        let mut core = Core::new(true);
        let (mut ladder, orders, playbook) = warned(&s, &mut core);
        ladder.schedule_check(day(5), &s, &mut core);
        assert_eq!(core.due_by(day(30)), vec![(day(7), Event::LadderCheck)]);
        assert_eq!(ladder.decide(day(6), &s, &orders, &playbook), None);
        let Some(Decision::Fire(1, reason)) = ladder.decide(day(7), &s, &orders, &playbook) else {
            panic!("the block step fires when the platform has not committed");
        };
        assert_eq!(reason, "no response 2d after the warning");
        assert_eq!(ladder.fire(1, day(7), reason.clone(), &s, &mut core), Fired::Block(reason));
        assert_eq!(ladder.decide(day(8), &s, &orders, &playbook), None, "no step after the last");
    }

    #[test]
    fn an_unless_answered_by_done_actions_stands_down_and_counts_afresh() {
        let s = test_scenario(&[]);
        let mut core = Core::new(true);
        let (mut ladder, orders, mut playbook) = warned(&s, &mut core);
        // Triggered is not done: the commitment must be complete.
        playbook.trigger(ActionTrigger::Step(1), day(5), &s, &mut core);
        assert!(matches!(ladder.decide(day(7), &s, &orders, &playbook), Some(Decision::Fire(1, _))));
        playbook.complete(day(6), 1, 1, &s, &mut core);
        assert_eq!(ladder.decide(day(7), &s, &orders, &playbook), Some(Decision::StandDown(1)));
        ladder.stand_down(day(7), 1, &s, &mut core);
        assert_eq!(
            core.log().last().unwrap().text,
            "regulator stands down from block: the platform responded"
        );
        // Back at the first step, whose date passed before the ladder restarted.
        assert_eq!(ladder.decide(day(20), &s, &orders, &playbook), None);
    }

    #[test]
    fn a_dated_step_of_a_scenario_with_a_start_names_its_date() {
        let s = test_scenario(&["scenario.start=\"2019-11-09\""]);
        let (ladder, orders, playbook) =
            (Ladder::new(&s, 7, 0), Orders::new(&s, 7, 0), Playbook::new(&s, 7, 0));
        assert_eq!(
            ladder.decide(day(5), &s, &orders, &playbook),
            Some(Decision::Fire(0, "the date 2019-11-14 passed".into()))
        );
    }

    #[test]
    fn a_dated_step_that_passed_before_a_restart_does_not_fire() {
        let s = test_scenario(&[]);
        let (ladder, orders, playbook) =
            (Ladder::new(&s, 7, 0), Orders::new(&s, 7, 0), Playbook::new(&s, 7, 0));
        let mut restarted = Ladder::new(&s, 7, 0);
        restarted.restart_after_block(day(6), Some(1), SimDuration::ZERO);
        assert!(ladder.decide(day(10), &s, &orders, &playbook).is_some());
        assert_eq!(restarted.decide(day(10), &s, &orders, &playbook), None);
        // Restarting at step 2 counts the warning as fired, but not when: the block
        // step waits for a warning fired since the restart.
        let mut at_block = Ladder::new(&s, 7, 0);
        at_block.restart_after_block(day(6), Some(2), SimDuration::ZERO);
        assert_eq!(at_block.decide(day(10), &s, &orders, &playbook), None);
    }

    #[test]
    fn findings_count_within_their_window_since_the_start() {
        let s = test_scenario(&["regulator.ladder[0].trigger={ findings = 3, within = \"2d\" }"]);
        let (ladder, mut orders, playbook) =
            (Ladder::new(&s, 7, 0), Orders::new(&s, 7, 0), Playbook::new(&s, 7, 0));
        let mut core = Core::new(false);
        orders.record_findings(day(1), &[2], &s, &mut core);
        orders.record_findings(day(2), &[1], &s, &mut core);
        assert_eq!(
            ladder.decide(day(2), &s, &orders, &playbook),
            Some(Decision::Fire(0, "3 findings in 2d".into()))
        );
        assert_eq!(
            ladder.decide(day(3), &s, &orders, &playbook),
            None,
            "the first two fell out of the window"
        );
    }

    #[test]
    fn a_new_throttle_replaces_the_one_in_force_and_ends_once() {
        let s = test_scenario(&[
            "regulator.ladder[0].kind=\"throttle\"",
            "regulator.ladder[0].access=0.5",
            "regulator.ladder[0].duration=\"3d\"",
        ]);
        let mut core = Core::new(true);
        let mut ladder = Ladder::new(&s, 7, 0);
        assert_eq!(ladder.fire(0, day(5), "first".into(), &s, &mut core), Fired::Throttled);
        assert_eq!(ladder.throttle_access(), Some(0.5));
        assert_eq!(ladder.fire(0, day(6), "again".into(), &s, &mut core), Fired::Throttled);
        assert_eq!(core.m.throttles, 2);
        // The first throttle's end was cancelled: only the second one's is due.
        assert_eq!(core.due_by(day(30)), vec![(day(9), Event::ThrottleEnds)]);
        assert!(ladder.throttle_ends(day(9), &mut core));
        assert_eq!(ladder.throttle_access(), None);
        assert!(!ladder.throttle_ends(day(9), &mut core));
        assert!(!ladder.end_throttle(&mut core.cal));
    }
}
