//! Outside events (`[[events]]`: a court ruling, a meeting called by a minister), and
//! the watches on a block's length and on the revenue lost that `on = { blocked_for }`
//! and `on = { revenue_lost }` wait for.
//!
//! An outside event is set in motion by its trigger once per replication, happens or
//! not (its probability) and then comes after its delay. The watches schedule their
//! instant in advance: a block's length when it takes effect (cancelled if it is lifted
//! first), the crossing of a revenue figure whenever the rate of loss changes (revenue
//! is lost at a constant rate between changes of access, so the crossing instant is
//! known exactly). `World` sets in motion what waits for each of them.

use rand::RngExt;

use super::base::{Core, Event};
use super::process;
use crate::engine::{stream, EventKey, SimDuration, SimTime, Stream};
use crate::scenario::{ActionTrigger, Scenario};

/// Outside events and the watches on the block in force and on the revenue lost.
pub(super) struct Outside {
    /// Whether each outside event was set in motion (it is at most once).
    set_off: Vec<bool>,
    /// Event e draws whether it happens, then its delay, from its own stream.
    rngs: Vec<Stream>,
    /// The block lengths some trigger waits for, without repeats.
    block_lengths: Vec<SimDuration>,
    /// Their instants scheduled for the block in force.
    block_watches: Vec<EventKey>,
    /// The revenue figures some trigger waits for, without repeats, and whether each
    /// was reached.
    revenue_figures: Vec<(f64, bool)>,
    /// Their crossing instants at the current rate of loss.
    revenue_watches: Vec<EventKey>,
    /// The rate of loss per day the watches were scheduled for (NaN before any).
    per_day: f64,
}

impl Outside {
    pub(super) fn new(s: &Scenario, seed: u64, replication: u64) -> Self {
        let triggers = s.playbook.iter().map(|a| a.on).chain(s.events.iter().map(|e| e.on));
        let mut block_lengths = Vec::new();
        let mut revenue_figures: Vec<(f64, bool)> = Vec::new();
        for on in triggers {
            match on {
                ActionTrigger::BlockedFor(d) if !block_lengths.contains(&d) => block_lengths.push(d),
                ActionTrigger::RevenueLost(x) if !revenue_figures.iter().any(|(y, _)| *y == x) => {
                    revenue_figures.push((x, false))
                }
                _ => {}
            }
        }
        Outside {
            set_off: vec![false; s.events.len()],
            rngs: (0..s.events.len() as u64)
                .map(|e| stream(seed, replication, process::OUTSIDE_EVENTS + e))
                .collect(),
            block_lengths,
            block_watches: Vec::new(),
            revenue_figures,
            revenue_watches: Vec::new(),
            per_day: f64::NAN,
        }
    }

    /// Sets in motion every outside event waiting for `trigger` and not yet set in
    /// motion: it happens (its probability) after its delay.
    pub(super) fn trigger(&mut self, trigger: ActionTrigger, now: SimTime, s: &Scenario, core: &mut Core) {
        for (e, event) in s.events.iter().enumerate() {
            if self.set_off[e] || event.on != trigger {
                continue;
            }
            self.set_off[e] = true;
            let rng = &mut self.rngs[e];
            if rng.random::<f64>() >= event.probability {
                core.note(now, "outside", "event", format!("{} will not happen", event.name));
                continue;
            }
            let delay = event.delay.sample(rng);
            core.cal.schedule(now + delay, Event::Outside(e));
        }
    }

    /// Outside event `e` happens; returns the trigger of what waits for it.
    pub(super) fn happen(&self, now: SimTime, e: usize, s: &Scenario, core: &mut Core) -> ActionTrigger {
        core.note(now, "outside", "event", format!("outside event: {}", s.events[e].name));
        ActionTrigger::Event(e)
    }

    /// A block takes effect at `now`: the lengths waited for are scheduled from it.
    pub(super) fn block_began(&mut self, now: SimTime, core: &mut Core) {
        self.block_watches = self
            .block_lengths
            .iter()
            .enumerate()
            .map(|(k, d)| core.cal.schedule(now + *d, Event::BlockLasted(k)))
            .collect();
    }

    /// The block in force is lifted: the lengths it did not reach will not come.
    pub(super) fn block_lifted(&mut self, core: &mut Core) {
        for key in self.block_watches.drain(..) {
            core.cal.cancel(key);
        }
    }

    /// The block in force has lasted its `k`-th watched length: the trigger of what
    /// waits for it.
    pub(super) fn block_lasted(&self, k: usize) -> ActionTrigger {
        ActionTrigger::BlockedFor(self.block_lengths[k])
    }

    /// The rate of loss changes at `now`: `lost` is the revenue lost so far and
    /// `per_day` the rate from now on. The crossings of the figures not yet reached are
    /// scheduled again at the new rate (never, at a rate of zero).
    pub(super) fn revenue_rate_changed(&mut self, now: SimTime, lost: f64, per_day: f64, core: &mut Core) {
        // The same rate keeps the crossings where they are (the loss is linear): an
        // access recomputed without a change (or at every step of an app-store block
        // whose reach no longer moves) reschedules nothing.
        if per_day == self.per_day {
            return;
        }
        self.per_day = per_day;
        for key in self.revenue_watches.drain(..) {
            core.cal.cancel(key);
        }
        if per_day <= 0.0 {
            return;
        }
        for (k, (figure, reached)) in self.revenue_figures.iter().enumerate() {
            if *reached {
                continue;
            }
            // Rounded up to the millisecond: the figure is reached at that instant.
            let ms = ((figure - lost).max(0.0) * SimDuration::DAY.0 as f64 / per_day).ceil();
            let at = now + SimDuration(ms.min(u64::MAX as f64 / 2.0) as u64);
            self.revenue_watches.push(core.cal.schedule(at, Event::RevenueLostReached(k)));
        }
    }

    /// Revenue lost has reached the `k`-th figure: the trigger of what waits for it. A
    /// figure is reached once in a replication.
    pub(super) fn revenue_reached(&mut self, now: SimTime, k: usize, core: &mut Core) -> ActionTrigger {
        let figure = self.revenue_figures[k].0;
        self.revenue_figures[k].1 = true;
        core.note(now, "outside", "revenue", format!("revenue lost reaches {figure}"));
        ActionTrigger::RevenueLost(figure)
    }
}

#[cfg(test)]
mod tests {
    use super::super::base::day;
    use super::*;

    /// The hand-computed scenario with `playbook` appended (TOML).
    fn with(more: &str) -> Scenario {
        let text = include_str!("../../tests/scenarios/hand-computed.toml").to_owned() + more;
        crate::scenario::parse(&text, "t.toml").expect("parses").0
    }

    #[test]
    fn an_event_is_set_in_motion_once_and_may_not_happen() {
        let s = with(
            "\n[[events]]\nname = \"ruling\"\non = \"block\"\ndelay = \"2d\"\n\n[[events]]\nname = \"never\"\non = \"block\"\nprobability = 0\n",
        );
        let mut core = Core::new(true);
        let mut outside = Outside::new(&s, 7, 0);
        outside.trigger(ActionTrigger::Step(1), day(7), &s, &mut core);
        outside.trigger(ActionTrigger::Step(1), day(8), &s, &mut core);
        assert_eq!(core.due_by(day(30)), vec![(day(9), Event::Outside(0))]);
        assert_eq!(core.log()[0].text, "never will not happen");
        assert_eq!(outside.happen(day(9), 0, &s, &mut core), ActionTrigger::Event(0));
        assert_eq!(core.log()[1].text, "outside event: ruling");
    }

    #[test]
    fn block_lengths_are_watched_from_the_block_and_dropped_when_it_is_lifted() {
        let watch = |length: &str| {
            format!("\n[[playbook]]\nname = \"m{length}\"\nkind = \"meeting\"\non = {{ blocked_for = \"{length}\" }}\n")
        };
        // Two actions on 3 days, one on 10: two lengths watched.
        let s = with(&(watch("3d") + &watch("10d") + &watch("3d").replace("m3d", "other")));
        let mut core = Core::new(false);
        let mut outside = Outside::new(&s, 7, 0);
        outside.block_began(day(7), &mut core);
        outside.block_lifted(&mut core);
        outside.block_began(day(12), &mut core);
        let due = core.due_by(day(16));
        assert_eq!(due, vec![(day(15), Event::BlockLasted(0))], "day 10 and 17 of the first block went");
        assert_eq!(outside.block_lasted(0), ActionTrigger::BlockedFor(SimDuration(3 * SimDuration::DAY.0)));
        outside.block_lifted(&mut core);
        assert_eq!(core.due_by(day(100)), vec![]);
    }

    #[test]
    fn a_revenue_figure_is_reached_at_the_exact_instant_and_rescheduled_with_the_rate() {
        let s = with("\n[[playbook]]\nname = \"talks\"\nkind = \"meeting\"\non = { revenue_lost = 3000 }\n");
        let mut core = Core::new(false);
        let mut outside = Outside::new(&s, 7, 0);
        // 1,000 lost by day 2, then 1,500 a day: 2,000 more take 4/3 days.
        outside.revenue_rate_changed(day(2), 1_000.0, 1_500.0, &mut core);
        // At day 3 (2,500 lost) the rate halves: 500 more take 2/3 day.
        outside.revenue_rate_changed(day(3), 2_500.0, 750.0, &mut core);
        let due = core.due_by(day(30));
        assert_eq!(
            due,
            vec![(day(3) + SimDuration(SimDuration::DAY.0 * 2 / 3), Event::RevenueLostReached(0))]
        );
        assert_eq!(outside.revenue_reached(day(4), 0, &mut core), ActionTrigger::RevenueLost(3000.0));
        // Reached once: a later change of rate schedules nothing; nor does a rate of 0.
        outside.revenue_rate_changed(day(5), 4_000.0, 1_500.0, &mut core);
        let mut fresh = Outside::new(&s, 7, 0);
        fresh.revenue_rate_changed(day(5), 0.0, 0.0, &mut core);
        assert_eq!(core.due_by(day(1000)), vec![]);
    }
}
