//! The regulator's escalation ladder: steps fire in order when their conditions hold
//! (findings, missed orders, time after a step, a date), unless the platform has done
//! what would spare it; each step's sanction (warning, fine, throttle, block) takes
//! effect here, except blocks, which `block.rs` imposes and ends.

use super::world::{Event, World};
use crate::engine::{EventKey, SimDuration, SimTime};
use crate::scenario::{ActionTrigger, Condition, Sanction, Scenario};

/// Where the regulator stands on its ladder.
pub(super) struct Ladder {
    /// Index of the last step fired since the ladder (re)started.
    level: Option<usize>,
    /// When the ladder last (re)started: conditions count from here.
    start: SimTime,
    step_fired_at: Vec<Option<SimTime>>,
    throttle: Option<Throttle>,
}

/// A throttle in force.
struct Throttle {
    /// Share of users who still reach the platform.
    access: f64,
    /// Its end, when it has a duration.
    end: Option<EventKey>,
}

impl Ladder {
    pub(super) fn new(s: &Scenario) -> Self {
        Ladder {
            level: None,
            start: SimTime::ZERO,
            step_fired_at: vec![None; s.regulator.ladder.len()],
            throttle: None,
        }
    }

    /// The access a throttle in force leaves, if any.
    pub(super) fn throttle_access(&self) -> Option<f64> {
        self.throttle.as_ref().map(|t| t.access)
    }

    /// Ends the throttle in force, if any, and cancels its scheduled end. Returns
    /// whether there was one.
    pub(super) fn end_throttle(&mut self, cancel: impl FnOnce(EventKey)) -> bool {
        match self.throttle.take() {
            Some(Throttle { end, .. }) => {
                end.map(cancel);
                true
            }
            None => false,
        }
    }

    /// Restarts the ladder at `now` after a block is lifted: the steps below
    /// `restart_at` (1-based) count as fired.
    pub(super) fn restart_after_block(&mut self, now: SimTime, restart_at: usize) {
        self.level = restart_at.checked_sub(1);
        self.start = now;
    }
}

impl World<'_> {
    fn next_step(&self) -> Option<usize> {
        let next = self.ladder.level.map_or(0, |l| l + 1);
        (next < self.s.regulator.ladder.len()).then_some(next)
    }

    /// Schedules a re-check for when the next step's time-based condition comes due.
    pub(super) fn schedule_ladder_check(&mut self, now: SimTime) {
        let Some(j) = self.next_step() else { return };
        let due = match self.s.regulator.ladder[j].trigger.condition {
            Condition::AfterStep { step, wait } => self.ladder.step_fired_at[step].map(|t| t + wait),
            Condition::At(t) => Some(t),
            _ => None,
        };
        if let Some(due) = due {
            self.cal.schedule(due.max(now), Event::LadderCheck);
        }
    }

    /// The condition of step `j`, with a description of what met it, if it holds now.
    fn condition_met(&self, j: usize, now: SimTime) -> Option<String> {
        let ladder_start = self.ladder.start;
        let window_start = |within: SimDuration| (now - within).max(ladder_start);
        match self.s.regulator.ladder[j].trigger.condition {
            Condition::Findings { count, within } => {
                let found = self.orders.findings_log.since(window_start(within));
                (found >= count).then(|| format!("{found} findings in {within}"))
            }
            Condition::MissedOrders { count, within } => {
                let missed = self.orders.missed_log.since(window_start(within));
                (missed >= count).then(|| format!("{missed} missed order deadlines in {within}"))
            }
            Condition::AfterStep { step, wait } => {
                let fired = self.ladder.step_fired_at[step].filter(|t| *t >= ladder_start)?;
                (now >= fired + wait)
                    .then(|| format!("no response {} after the {}", wait, self.s.regulator.ladder[step].name))
            }
            // A moment that passed before the ladder restarted does not fire again.
            Condition::At(t) => (now >= t && t >= ladder_start)
                .then(|| format!("the deadline of day {:.0} passed", t.as_days_f64())),
        }
    }

    /// Fires every step whose condition holds now, in order, until one does not or a
    /// block is in force.
    pub(super) fn check_ladder(&mut self, now: SimTime) {
        // Escalation resumes after the instant a block is lifted: otherwise a block
        // whose lifting takes no time could be lifted and imposed again forever at
        // one instant.
        if self.blocks.lifted_at(now) {
            return;
        }
        while !self.blocks.in_force() {
            let Some(j) = self.next_step() else { return };
            let Some(reason) = self.condition_met(j, now) else {
                return;
            };
            let step = &self.s.regulator.ladder[j];
            let answered = !step.trigger.unless.is_empty()
                && step.trigger.unless.iter().all(|&a| self.playbook.is_done(a));
            if answered {
                // The platform did what would have spared it this step: de-escalate and
                // count afresh from now.
                self.ladder.level = None;
                self.ladder.start = now;
                let text = format!("regulator stands down from {}: the platform responded", step.name);
                self.note(now, "regulator", "stand-down", text);
                return;
            }
            self.fire_step(j, now, reason);
        }
    }

    fn fire_step(&mut self, j: usize, now: SimTime, reason: String) {
        let step = &self.s.regulator.ladder[j];
        self.ladder.level = Some(j);
        self.ladder.step_fired_at[j] = Some(now);
        match &step.sanction {
            Sanction::Warning => {
                self.m.warnings += 1;
                self.note(
                    now,
                    "regulator",
                    "warning",
                    format!("regulator warns platform ({}): {reason}", step.name),
                );
            }
            Sanction::Fine { amount } => {
                self.m.fines += 1;
                self.m.fines_amount += amount;
                self.m.economic_loss += amount;
                self.note(
                    now,
                    "regulator",
                    "fine",
                    format!("regulator fines platform {amount:.0}: {reason}"),
                );
            }
            Sanction::Throttle { access, duration } => {
                self.m.throttles += 1;
                let cal = &mut self.cal;
                self.ladder.end_throttle(|end| cal.cancel(end));
                let end = duration.map(|d| self.cal.schedule(now + d, Event::ThrottleEnds));
                self.ladder.throttle = Some(Throttle { access: *access, end });
                self.set_access(now);
                let share = access * 100.0;
                self.note(
                    now,
                    "regulator",
                    "throttle",
                    format!("regulator throttles platform to {share:.0}% of users: {reason}"),
                );
            }
            Sanction::Block => self.impose_block(now, reason),
        }
        self.trigger_actions(ActionTrigger::Step(j), now);
        self.try_start_verification(now);
        self.schedule_ladder_check(now);
    }

    /// A throttle with a duration runs out.
    pub(super) fn throttle_ends(&mut self, now: SimTime) {
        if self.ladder.throttle.take().is_some() {
            self.set_access(now);
            self.note(now, "regulator", "throttle", "regulator ends the throttle".into());
        }
    }
}
