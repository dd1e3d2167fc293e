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
    /// When the block in force took effect.
    block_start: Option<SimTime>,
    /// The revenue figures some trigger waits for, without repeats, and whether each
    /// was reached.
    revenue_figures: Vec<(f64, bool)>,
    /// Their crossing instants at the current rate of loss.
    revenue_watches: Vec<EventKey>,
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
            block_start: None,
            revenue_figures,
            revenue_watches: Vec::new(),
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
        self.block_start = Some(now);
        self.block_watches = self
            .block_lengths
            .iter()
            .enumerate()
            .map(|(k, d)| core.cal.schedule(now + *d, Event::BlockLasted(k)))
            .collect();
    }

    /// The block in force is lifted: the lengths it did not reach will not come.
    pub(super) fn block_lifted(&mut self, core: &mut Core) {
        self.block_start = None;
        for key in self.block_watches.drain(..) {
            core.cal.cancel(key);
        }
    }

    /// When the block in force took effect, if one is.
    pub(super) fn block_start(&self) -> Option<SimTime> {
        self.block_start
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
