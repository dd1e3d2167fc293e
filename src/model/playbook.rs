//! The platform's playbook: compliance actions that start on a trigger (the start, the
//! first order, a ladder step, a date, another action, an outside event, a block's
//! length or the revenue lost), are taken or not (their probability), take effect
//! after a delay, and count as done for the ladder's `unless` and the unblock rule.
//! Cleanups take time of their own. A repeatable action is set in motion again at each
//! later occurrence of its trigger once it is done.
//!
//! The effects of other actions (more moderators, better detection, ...) touch other
//! actors, so `World` applies them. Imports `content.rs` only for the stock cleanups
//! sweep.

use rand::RngExt;

use super::base::{item_count, Core, Event};
use super::content::Content;
use super::process;
use crate::engine::{stream, stream_at, SimDuration, SimTime, Stream};
use crate::scenario::{ActionTrigger, Effect, Scenario};

/// What the platform has set in motion and done so far.
pub(super) struct Playbook {
    /// Times each action was set in motion: the key of its next decision.
    occurrences: Vec<u64>,
    /// Set in motion and neither done nor declined yet.
    pending: Vec<bool>,
    /// When each action was last done.
    done: Vec<Option<SimTime>>,
    repeat: Vec<bool>,
    cleanups: Vec<Cleanup>,
    /// The replication's seed and number, which key each decision's and each delay's
    /// stream.
    seed: u64,
    replication: u64,
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
            occurrences: vec![0; n],
            pending: vec![false; n],
            done: vec![None; n],
            repeat: s.playbook.iter().map(|a| a.repeat).collect(),
            cleanups: Vec::new(),
            seed,
            replication,
        }
    }

    /// Whether action `i` is done (at least once).
    pub(super) fn is_done(&self, i: usize) -> bool {
        self.done[i].is_some()
    }

    /// Whether every action of `actions` is done (all of none are).
    pub(super) fn all_done(&self, actions: &[usize]) -> bool {
        actions.iter().all(|&a| self.is_done(a))
    }

    /// Whether action `i` counts as done for something that began at `since` (a
    /// block): a repeatable action only if done at or after `since`, a one-off action
    /// if done at all.
    pub(super) fn done_for(&self, i: usize, since: SimTime) -> bool {
        match self.done[i] {
            Some(at) => !self.repeat[i] || at >= since,
            None => false,
        }
    }

    /// Whether every action of `actions` counts as done for what began at `since`.
    pub(super) fn all_done_for(&self, actions: &[usize], since: SimTime) -> bool {
        actions.iter().all(|&a| self.done_for(a, since))
    }

    /// Sets in motion every action waiting for `trigger`: a one-off action the first
    /// time only, a repeatable one whenever it is not already under way. The platform
    /// then goes ahead with it (its probability) and it takes effect after its delay.
    pub(super) fn trigger(&mut self, trigger: ActionTrigger, now: SimTime, s: &Scenario, core: &mut Core) {
        for (i, action) in s.playbook.iter().enumerate() {
            let ready = if self.repeat[i] { !self.pending[i] } else { self.occurrences[i] == 0 };
            if !ready || action.on != trigger {
                continue;
            }
            let k = self.occurrences[i];
            self.occurrences[i] += 1;
            let mut rng = stream_at(self.seed, self.replication, process::ACTION_DECISIONS + i as u64, k);
            if rng.random::<f64>() >= action.probability {
                let text = format!("platform decides not to go ahead with {}", action.name);
                core.note(now, "platform", "action", text);
                continue;
            }
            self.pending[i] = true;
            let delay = action.delay.sample(&mut self.delay_stream(i, k));
            core.cal.schedule(now + delay, Event::ActionDue(i));
        }
    }

    /// The stream of occurrence `k` of action `i`'s delay: keyed by the occurrence, so a
    /// declined occurrence does not shift later delays (common random numbers stay
    /// aligned between variants that change only a probability). The first occurrence
    /// keeps the action's own stream, as before repeats existed.
    fn delay_stream(&self, i: usize, k: u64) -> Stream {
        let process = process::ACTIONS + i as u64;
        if k == 0 {
            stream(self.seed, self.replication, process)
        } else {
            stream_at(self.seed, self.replication, process, k)
        }
    }

    /// Cleanup `i` starts on the stock live in `content`, swept at `items_per_day`.
    /// Returns whether it is over at once (nothing to sweep).
    pub(super) fn start_cleanup(
        &mut self,
        now: SimTime,
        i: usize,
        items_per_day: f64,
        s: &Scenario,
        content: &Content,
        core: &mut Core,
    ) -> bool {
        let stock: u64 = content.visible.iter().sum();
        core.note(
            now,
            "platform",
            "action",
            format!("platform starts {}: {} live to sweep", s.playbook[i].name, item_count(stock)),
        );
        if stock == 0 {
            return true;
        }
        self.cleanups.push(Cleanup { action: i, remaining: stock, carry: 0.0 });
        let days = stock as f64 / items_per_day;
        core.cal.schedule(now + SimDuration::from_days_f64(days), Event::CleanupDone(i));
        false
    }

    /// Action `i` is done; `moderators` is the review team's size now (for the trace).
    pub(super) fn complete(
        &mut self,
        now: SimTime,
        i: usize,
        moderators: u32,
        s: &Scenario,
        core: &mut Core,
    ) {
        self.done[i] = Some(now);
        self.pending[i] = false;
        let action = &s.playbook[i];
        let detail = match action.effect {
            Effect::HireModerators { moderators: hired } => format!(" ({hired} more, {moderators} in all)"),
            _ => String::new(),
        };
        core.note(now, "platform", "action_done", format!("platform completes {}{detail}", action.name));
    }

    /// Removes from `content` what the running cleanups sweep over `days`. A cleanup's
    /// end is an event of its own (its length is known when it starts); if the stock
    /// runs out first, the cleanup ends at the next event.
    pub(super) fn advance_cleanups(
        &mut self,
        now: SimTime,
        days: f64,
        s: &Scenario,
        content: &mut Content,
        core: &mut Core,
    ) {
        for cleanup in &mut self.cleanups {
            let Effect::Cleanup { items_per_day } = s.playbook[cleanup.action].effect else {
                continue;
            };
            let budget = items_per_day * days + cleanup.carry;
            let take = (budget.floor() as u64).min(cleanup.remaining);
            cleanup.carry = budget - budget.floor();
            let taken = content.take_down_proportionally(take);
            cleanup.remaining -= taken;
            if content.visible.iter().all(|v| *v == 0) {
                cleanup.remaining = 0;
            }
        }
        let finished: Vec<usize> =
            self.cleanups.iter().filter(|c| c.remaining == 0).map(|c| c.action).collect();
        for action in finished {
            core.cal.schedule(now, Event::CleanupDone(action));
        }
    }

    /// Cleanup `action` has swept its stock: what is left of it comes down from
    /// `content`. Returns whether it was still running (it is then complete).
    pub(super) fn finish_cleanup(&mut self, action: usize, content: &mut Content) -> bool {
        let Some(pos) = self.cleanups.iter().position(|c| c.action == action) else {
            return false;
        };
        let cleanup = self.cleanups.remove(pos);
        content.take_down_proportionally(cleanup.remaining);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::base::{day, test_scenario};
    use super::*;

    // The hand-computed playbook: a cleanup (action 0, 250 items a day, a day after the
    // block step) and a commitment (action 1, three days after it).

    /// A cleanup of the hand-computed stock (with `overrides`) started on day 8. Returns
    /// whether it completed at once.
    fn cleaning(overrides: &[&str]) -> (Scenario, Core, Playbook, Content, bool) {
        let s = test_scenario(overrides);
        let mut core = Core::new(true);
        let mut playbook = Playbook::new(&s, 7, 0);
        let content = Content::new(&s, 7, 0);
        let at_once = playbook.start_cleanup(day(8), 0, 250.0, &s, &content, &mut core);
        (s, core, playbook, content, at_once)
    }

    #[test]
    fn actions_start_once_on_their_trigger() {
        let s = test_scenario(&[]);
        let mut core = Core::new(false);
        let mut playbook = Playbook::new(&s, 7, 0);
        playbook.trigger(ActionTrigger::Start, day(0), &s, &mut core);
        playbook.trigger(ActionTrigger::Step(0), day(0), &s, &mut core);
        assert_eq!(core.due_by(day(30)), vec![]);
        playbook.trigger(ActionTrigger::Step(1), day(7), &s, &mut core);
        playbook.trigger(ActionTrigger::Step(1), day(8), &s, &mut core);
        assert_eq!(core.due_by(day(30)), vec![(day(8), Event::ActionDue(0)), (day(10), Event::ActionDue(1))]);
    }

    #[test]
    fn unless_and_required_actions_count_only_done_actions() {
        let s = test_scenario(&[]);
        let mut core = Core::new(true);
        let mut playbook = Playbook::new(&s, 7, 0);
        assert!(playbook.all_done(&[]), "nothing required is all done");
        playbook.trigger(ActionTrigger::Step(1), day(7), &s, &mut core);
        assert!(!playbook.is_done(1) && !playbook.all_done(&[0, 1]), "triggered is not done");
        playbook.complete(day(10), 1, 1, &s, &mut core);
        assert_eq!(core.log().last().unwrap().text, "platform completes commitment");
        assert!(playbook.is_done(1) && playbook.all_done(&[1]));
        assert!(!playbook.all_done(&[0, 1]));
    }

    #[test]
    fn a_refused_action_is_not_set_in_motion_and_a_repeatable_one_comes_again() {
        let s = test_scenario(&["playbook.commitment.probability=0"]);
        let mut core = Core::new(true);
        let mut playbook = Playbook::new(&s, 7, 0);
        playbook.trigger(ActionTrigger::Step(1), day(7), &s, &mut core);
        assert_eq!(core.log()[0].text, "platform decides not to go ahead with commitment");
        assert_eq!(core.due_by(day(30)), vec![(day(8), Event::ActionDue(0))]);
        // A one-off action is set in motion once; a repeatable one again once done.
        let s = test_scenario(&["playbook.commitment.repeat=true"]);
        let mut playbook = Playbook::new(&s, 7, 0);
        playbook.trigger(ActionTrigger::Step(1), day(7), &s, &mut core);
        playbook.trigger(ActionTrigger::Step(1), day(8), &s, &mut core);
        assert_eq!(core.due_by(day(30)), vec![(day(8), Event::ActionDue(0)), (day(10), Event::ActionDue(1))]);
        playbook.complete(day(10), 1, 1, &s, &mut core);
        playbook.trigger(ActionTrigger::Step(1), day(20), &s, &mut core);
        assert_eq!(core.due_by(day(30)), vec![(day(23), Event::ActionDue(1))]);
    }

    #[test]
    fn a_repeatable_action_counts_for_what_began_before_it_was_done() {
        let s = test_scenario(&["playbook.commitment.repeat=true"]);
        let mut core = Core::new(false);
        let mut playbook = Playbook::new(&s, 7, 0);
        assert!(!playbook.done_for(0, day(0)) && !playbook.done_for(1, day(0)));
        playbook.complete(day(10), 0, 1, &s, &mut core);
        playbook.complete(day(10), 1, 1, &s, &mut core);
        assert!(playbook.done_for(1, day(7)) && playbook.done_for(1, day(10)));
        assert!(!playbook.done_for(1, day(11)), "done before a block that began later");
        assert!(playbook.done_for(0, day(11)), "a one-off action counts once done");
        assert!(playbook.all_done_for(&[0, 1], day(9)) && !playbook.all_done_for(&[0, 1], day(11)));
    }

    #[test]
    fn the_decision_is_keyed_by_action_and_occurrence() {
        // Whether the platform goes ahead at a probability depends only on the uniform
        // number of the (action, occurrence) key: at 0.4 and 0.6 alike.
        let u: f64 = stream_at(7, 0, process::ACTION_DECISIONS + 1, 0).random();
        for p in [0.4, 0.6] {
            let s = test_scenario(&[&format!("playbook.commitment.probability={p}")]);
            let mut core = Core::new(false);
            let mut playbook = Playbook::new(&s, 7, 0);
            playbook.trigger(ActionTrigger::Step(1), day(7), &s, &mut core);
            let due = core.due_by(day(30));
            assert_eq!(due.contains(&(day(10), Event::ActionDue(1))), u < p, "{p}");
        }
    }

    #[test]
    fn a_cleanup_of_an_empty_stock_completes_at_once() {
        let (_, mut core, _, _, at_once) = cleaning(&["platform.categories[0].initial_stock=0"]);
        assert!(at_once);
        assert_eq!(core.log()[0].text, "platform starts cleanup: 0 violating items live to sweep");
        assert_eq!(core.due_by(day(30)), vec![]);
    }

    #[test]
    fn a_cleanup_sweeps_at_its_rate_and_ends_when_the_stock_runs_out() {
        let (s, mut core, mut playbook, mut content, at_once) = cleaning(&[]);
        assert!(!at_once);
        assert_eq!(core.cal.peek_time(), Some(day(12)), "1,000 items take 4 days");
        // Half a day sweeps 125 items; the rest of the stock is gone another way.
        playbook.advance_cleanups(day(9), 0.5, &s, &mut content, &mut core);
        assert_eq!((content.visible[0], content.removed_outside_queue[0]), (875, 125));
        content.take_down_proportionally(875);
        playbook.advance_cleanups(day(9), 0.1, &s, &mut content, &mut core);
        let due = core.due_by(day(30));
        assert_eq!(
            due,
            vec![(day(9), Event::CleanupDone(0)), (day(12), Event::CleanupDone(0))],
            "it ends now"
        );
        assert!(playbook.finish_cleanup(0, &mut content));
        assert!(!playbook.finish_cleanup(0, &mut content), "its end as planned finds it finished");
    }

    #[test]
    fn a_finished_cleanup_takes_down_what_it_had_left() {
        let (s, mut core, mut playbook, mut content, _) = cleaning(&[]);
        playbook.advance_cleanups(day(9), 1.0, &s, &mut content, &mut core);
        assert_eq!(content.visible[0], 750);
        assert!(playbook.finish_cleanup(0, &mut content));
        assert_eq!((content.visible[0], content.removed_outside_queue[0]), (0, 1_000));
    }
}
