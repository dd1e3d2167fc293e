//! The platform's playbook: compliance actions that start on a trigger (the start, the
//! first order, a ladder step, a date), take effect after a delay, and count as done
//! for the ladder's `unless` and the unblock rule. Cleanups take time of their own.

use super::process;
use super::world::{item_count, Event, World};
use crate::engine::{stream, SimDuration, SimTime, Stream};
use crate::scenario::{ActionTrigger, Effect, Scenario};

/// What the platform has triggered and done so far.
pub(super) struct Playbook {
    triggered: Vec<bool>,
    done: Vec<Option<SimTime>>,
    cleanups: Vec<Cleanup>,
    /// Action i draws its delay from its own stream.
    rngs: Vec<Stream>,
}

/// A cleanup under way.
struct Cleanup {
    action: usize,
    /// Items still to sweep.
    remaining: u64,
    /// Fraction of an item swept but not yet removed (rates are not whole per step).
    carry: f64,
}

impl Playbook {
    pub(super) fn new(s: &Scenario, seed: u64, replication: u64) -> Self {
        let n = s.playbook.len();
        Playbook {
            triggered: vec![false; n],
            done: vec![None; n],
            cleanups: Vec::new(),
            rngs: (0..n as u64).map(|i| stream(seed, replication, process::ACTIONS + i)).collect(),
        }
    }

    /// Whether action `i` is done.
    pub(super) fn is_done(&self, i: usize) -> bool {
        self.done[i].is_some()
    }
}

impl World<'_> {
    /// Starts the delay of every action waiting for `trigger`.
    pub(super) fn trigger_actions(&mut self, trigger: ActionTrigger, now: SimTime) {
        for i in 0..self.s.playbook.len() {
            if self.playbook.triggered[i] || self.s.playbook[i].on != trigger {
                continue;
            }
            self.playbook.triggered[i] = true;
            let delay = self.s.playbook[i].delay.sample(&mut self.playbook.rngs[i]);
            self.cal.schedule(now + delay, Event::ActionDue(i));
        }
    }

    pub(super) fn action_due(&mut self, now: SimTime, i: usize) {
        let action = &self.s.playbook[i];
        self.m.action_cost += action.cost;
        match action.effect {
            Effect::Cleanup { items_per_day } => {
                let stock: u64 = self.content.visible.iter().sum();
                self.note(
                    now,
                    "platform",
                    "action",
                    format!("platform starts {}: {} live to sweep", action.name, item_count(stock)),
                );
                if stock == 0 {
                    self.complete_action(now, i);
                } else {
                    self.playbook.cleanups.push(Cleanup { action: i, remaining: stock, carry: 0.0 });
                    let days = stock as f64 / items_per_day;
                    self.cal.schedule(now + SimDuration::from_days_f64(days), Event::CleanupDone(i));
                }
                return;
            }
            Effect::HireModerators { moderators } => self.queue.add_moderators(now, moderators),
            Effect::ImproveDetection { recall } => {
                for r in &mut self.content.recall {
                    *r = r.max(recall);
                }
                self.update_flag_rate(now);
            }
            Effect::AgeGate { views_factor } => self.content.views_factor *= views_factor,
            Effect::LocalOffice { handling_factor } => self.orders.handling_factor *= handling_factor,
            Effect::Register | Effect::Commitment => {}
        }
        self.complete_action(now, i);
    }

    fn complete_action(&mut self, now: SimTime, i: usize) {
        self.playbook.done[i] = Some(now);
        let action = &self.s.playbook[i];
        let detail = match action.effect {
            Effect::HireModerators { moderators } => {
                format!(" ({moderators} more, {} in all)", self.queue.moderators())
            }
            _ => String::new(),
        };
        self.note(now, "platform", "action_done", format!("platform completes {}{detail}", action.name));
        self.try_start_verification(now);
        self.check_ladder(now);
    }

    /// Removes what the running cleanups sweep over `days`. A cleanup's end is an event
    /// of its own (its length is known when it starts); if the stock runs out first,
    /// the cleanup ends at the next event.
    pub(super) fn advance_cleanups(&mut self, now: SimTime, days: f64) {
        for cleanup in &mut self.playbook.cleanups {
            let Effect::Cleanup { items_per_day } = self.s.playbook[cleanup.action].effect else {
                continue;
            };
            let budget = items_per_day * days + cleanup.carry;
            let take = (budget.floor() as u64).min(cleanup.remaining);
            cleanup.carry = budget - budget.floor();
            let taken = self.content.take_down_proportionally(take);
            cleanup.remaining -= taken;
            if self.content.visible.iter().all(|v| *v == 0) {
                cleanup.remaining = 0;
            }
        }
        let finished: Vec<usize> =
            self.playbook.cleanups.iter().filter(|c| c.remaining == 0).map(|c| c.action).collect();
        for action in finished {
            self.cal.schedule(now, Event::CleanupDone(action));
        }
    }

    pub(super) fn cleanup_done(&mut self, now: SimTime, action: usize) {
        let Some(pos) = self.playbook.cleanups.iter().position(|c| c.action == action) else {
            return;
        };
        let cleanup = self.playbook.cleanups.remove(pos);
        self.content.take_down_proportionally(cleanup.remaining);
        self.complete_action(now, action);
    }
}
