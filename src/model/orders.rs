//! Takedown orders: the regulator turns findings into orders with deadlines; the
//! platform handles them (or not) after a delay; a missed deadline counts towards the
//! escalation ladder.

use rand::RngExt;

use super::process;
use super::world::{item_count, Event, World};
use crate::engine::{stream, SimTime, Stream};
use crate::scenario::{ActionTrigger, Scenario};

/// One takedown order.
struct Order {
    /// Items demanded, per category.
    items: Vec<u64>,
    deadline: SimTime,
    handled: bool,
}

/// Findings, orders and what the ladder counts of them.
pub(super) struct Orders {
    /// Findings not yet in an order, per category.
    pending_findings: Vec<u64>,
    order_in_preparation: bool,
    orders: Vec<Order>,
    pub(super) findings_log: CountLog,
    pub(super) missed_log: CountLog,
    /// Factor on the platform's handling time (a local office lowers it).
    pub(super) handling_factor: f64,
    /// The platform's compliance and handling times.
    platform_rng: Stream,
    /// Order preparation times.
    regulator_rng: Stream,
}

impl Orders {
    pub(super) fn new(s: &Scenario, seed: u64, replication: u64) -> Self {
        Orders {
            pending_findings: vec![0; s.platform.categories.len()],
            order_in_preparation: false,
            orders: Vec::new(),
            findings_log: CountLog::default(),
            missed_log: CountLog::default(),
            handling_factor: 1.0,
            platform_rng: stream(seed, replication, process::ORDERS),
            regulator_rng: stream(seed, replication, process::REGULATOR),
        }
    }
}

impl World<'_> {
    /// Adds findings; the first findings after an order start the next one's preparation.
    pub(super) fn record_findings(&mut self, now: SimTime, findings: &[u64]) {
        let found: u64 = findings.iter().sum();
        self.m.findings += found;
        let orders = &mut self.orders;
        orders.findings_log.add(now, found);
        for (pending, f) in orders.pending_findings.iter_mut().zip(findings) {
            *pending += f;
        }
        if !orders.order_in_preparation {
            orders.order_in_preparation = true;
            let prep = self.s.regulator.order_preparation.sample(&mut orders.regulator_rng);
            self.cal.schedule(now + prep, Event::IssueOrder);
        }
    }

    pub(super) fn issue_order(&mut self, now: SimTime) {
        let orders = &mut self.orders;
        orders.order_in_preparation = false;
        let items = std::mem::replace(&mut orders.pending_findings, vec![0; self.content.visible.len()]);
        let total: u64 = items.iter().sum();
        if total == 0 {
            return;
        }
        let r = &self.s.regulator;
        let urgent = items.iter().zip(&self.s.platform.categories).any(|(n, c)| *n > 0 && c.urgent);
        let window = if urgent { r.urgent_order_deadline } else { r.order_deadline };
        let deadline = now + window;
        let id = orders.orders.len();
        orders.orders.push(Order { items, deadline, handled: false });
        self.m.orders_issued += 1;
        self.cal.schedule(deadline, Event::OrderDeadline(id));
        self.note(
            now,
            "regulator",
            "order",
            format!("regulator sends takedown order #{}: {}, deadline {window}", id + 1, item_count(total)),
        );
        let handling = &self.s.platform.orders;
        let orders = &mut self.orders;
        if orders.platform_rng.random::<f64>() < handling.compliance_probability {
            let delay = handling.handling_time.sample(&mut orders.platform_rng).scale(orders.handling_factor);
            self.cal.schedule(now + delay, Event::OrderHandled(id));
        }
        if self.orders.orders.len() == 1 {
            self.trigger_actions(ActionTrigger::FirstOrder, now);
        }
    }

    /// The platform takes down what order `id` demanded and is still live.
    pub(super) fn order_handled(&mut self, now: SimTime, id: usize) {
        let order = &mut self.orders.orders[id];
        order.handled = true;
        let late = now > order.deadline;
        let content = &mut self.content;
        let mut removed = 0;
        for (k, want) in order.items.iter().enumerate() {
            let take = (*want).min(content.visible[k]);
            content.visible[k] -= take;
            content.removed_outside_queue[k] += take;
            removed += take;
        }
        let when = if late { "after the deadline" } else { "in time" };
        self.note(
            now,
            "platform",
            "order",
            format!("platform handles order #{} {when}: {} removed", id + 1, item_count(removed)),
        );
    }

    pub(super) fn order_deadline(&mut self, now: SimTime, id: usize) {
        if self.orders.orders[id].handled {
            return;
        }
        self.m.orders_missed += 1;
        self.orders.missed_log.add(now, 1);
        self.note(now, "platform", "missed", format!("platform misses the deadline of order #{}", id + 1));
        self.check_ladder(now);
    }
}

/// Cumulative counts over time, for "N within a window" conditions.
#[derive(Default)]
pub(super) struct CountLog {
    entries: Vec<(SimTime, u64)>,
    total: u64,
}

impl CountLog {
    pub(super) fn add(&mut self, t: SimTime, n: u64) {
        self.total += n;
        self.entries.push((t, self.total));
    }

    /// Count of entries with time in (from, now].
    pub(super) fn since(&self, from: SimTime) -> u64 {
        let idx = self.entries.partition_point(|(t, _)| *t <= from);
        let before = if idx == 0 { 0 } else { self.entries[idx - 1].1 };
        self.total - before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_log_windows() {
        let mut log = CountLog::default();
        log.add(SimTime(10), 2);
        log.add(SimTime(20), 3);
        log.add(SimTime(30), 4);
        assert_eq!(log.since(SimTime(0)), 9);
        assert_eq!(log.since(SimTime(10)), 7);
        assert_eq!(log.since(SimTime(25)), 4);
        assert_eq!(log.since(SimTime(30)), 0);
    }
}
