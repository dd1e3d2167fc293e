//! Takedown orders: the regulator turns findings into orders with deadlines; the
//! platform handles them (or not) after a delay; a missed deadline counts towards the
//! escalation ladder.
//!
//! Imports `content.rs` only for the stock a handled order takes down.
//!
//! Common random numbers: the draws of each order come from a stream keyed by the
//! order's sequence number (order i: compliance and handling; the k-th preparation:
//! its duration), not from one stream consumed in sequence. An order's draws then do
//! not depend on how many draws earlier orders took: in a variant where an earlier
//! order is refused instead of handled (it takes no handling draw), or where the
//! handling or preparation distribution differs, order i still sees the same uniform
//! numbers as in the baseline.
//!
//! Why the sequence number: it is known when the draw is made, it depends on nothing
//! but how many orders came before, and two variants share it for as long as they
//! issue the same orders. An extra order in a variant still pairs each later order
//! with the baseline's order of the same number (one further along); the other
//! identities an order has (the findings it lists, its issue instant) change with the
//! policy itself, so keying by them would pair less, not more.

use std::cell::Cell;

use rand::RngExt;

use super::base::{item_count, Core, Event};
use super::content::Content;
use super::delays::RemovalPath;
use super::process;
use crate::engine::{stream_at, SimTime};
use crate::scenario::Scenario;

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
    /// Share of orders the platform acts on at all (a local office may change it).
    pub(super) compliance_probability: f64,
    /// Order preparations started so far: the key of the next one's duration.
    preparations: u64,
    /// The replication's seed and number, which key each order's streams.
    seed: u64,
    replication: u64,
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
            compliance_probability: s.platform.orders.compliance_probability,
            preparations: 0,
            seed,
            replication,
        }
    }
}

impl Orders {
    /// Adds findings; the first findings after an order start the next one's preparation.
    pub(super) fn record_findings(&mut self, now: SimTime, findings: &[u64], s: &Scenario, core: &mut Core) {
        let found: u64 = findings.iter().sum();
        core.m.findings += found;
        self.findings_log.add(now, found);
        for (pending, f) in self.pending_findings.iter_mut().zip(findings) {
            *pending += f;
        }
        if !self.order_in_preparation {
            self.order_in_preparation = true;
            let mut rng =
                stream_at(self.seed, self.replication, process::ORDER_PREPARATION, self.preparations);
            self.preparations += 1;
            let prep = s.regulator.order_preparation.sample(&mut rng);
            core.cal.schedule(now + prep, Event::IssueOrder);
        }
    }

    /// The regulator turns its pending findings into an order, if there are any, and
    /// the platform decides whether it will handle it. Returns whether this was the
    /// first order of the replication (the playbook reacts to it).
    pub(super) fn issue(&mut self, now: SimTime, s: &Scenario, core: &mut Core) -> bool {
        self.order_in_preparation = false;
        let items = std::mem::replace(&mut self.pending_findings, vec![0; s.platform.categories.len()]);
        let total: u64 = items.iter().sum();
        if total == 0 {
            return false;
        }
        let r = &s.regulator;
        let urgent = items.iter().zip(&s.platform.categories).any(|(n, c)| *n > 0 && c.urgent);
        let window = if urgent { r.urgent_order_deadline } else { r.order_deadline };
        let deadline = now + window;
        let id = self.orders.len();
        self.orders.push(Order { items, deadline, handled: false });
        core.m.orders_issued += 1;
        core.cal.schedule(deadline, Event::OrderDeadline(id));
        core.note(
            now,
            "regulator",
            "order",
            format!("regulator sends takedown order #{}: {}, deadline {window}", id + 1, item_count(total)),
        );
        let handling = &s.platform.orders;
        let mut rng = stream_at(self.seed, self.replication, process::ORDER_HANDLING, id as u64);
        if rng.random::<f64>() < self.compliance_probability {
            let delay = handling.handling_time.sample(&mut rng).scale(self.handling_factor);
            core.cal.schedule(now + delay, Event::OrderHandled(id));
        }
        self.orders.len() == 1
    }

    /// The platform takes down what order `id` demanded and is still live.
    pub(super) fn handled(&mut self, now: SimTime, id: usize, content: &mut Content, core: &mut Core) {
        let order = &mut self.orders[id];
        order.handled = true;
        let late = now > order.deadline;
        let mut removed = 0;
        for (k, want) in order.items.iter().enumerate() {
            removed += content.take_down(k, *want, RemovalPath::TakedownOrder);
        }
        let when = if late { "after the deadline" } else { "in time" };
        core.note(
            now,
            "platform",
            "order",
            format!("platform handles order #{} {when}: {} removed", id + 1, item_count(removed)),
        );
    }

    /// The deadline of order `id` passes. Returns whether it was missed (the ladder
    /// counts missed deadlines).
    pub(super) fn deadline_passed(&mut self, now: SimTime, id: usize, core: &mut Core) -> bool {
        if self.orders[id].handled {
            return false;
        }
        core.m.orders_missed += 1;
        self.missed_log.add(now, 1);
        core.note(now, "platform", "missed", format!("platform misses the deadline of order #{}", id + 1));
        true
    }
}

/// Cumulative counts over time, for "N within a window" conditions.
#[derive(Default)]
pub(super) struct CountLog {
    entries: Vec<(SimTime, u64)>,
    total: u64,
    /// How many entries the last window left out: a window asked at every tick
    /// starts where the last one did or a little later, so the search starts there.
    before_last: Cell<usize>,
}

impl CountLog {
    pub(super) fn add(&mut self, t: SimTime, n: u64) {
        self.total += n;
        self.entries.push((t, self.total));
    }

    /// Count of entries with time in (from, now].
    pub(super) fn since(&self, from: SimTime) -> u64 {
        let entries = &self.entries;
        let hint = self.before_last.get();
        let idx = if hint <= entries.len() && (hint == 0 || entries[hint - 1].0 <= from) {
            hint + entries[hint..].iter().take_while(|(t, _)| *t <= from).count()
        } else {
            entries.partition_point(|(t, _)| *t <= from)
        };
        self.before_last.set(idx);
        let before = if idx == 0 { 0 } else { entries[idx - 1].1 };
        self.total - before
    }
}

#[cfg(test)]
mod tests {
    use super::super::base::{day, test_scenario};
    use super::*;
    use crate::engine::SimDuration;

    /// Records `found` findings at time zero and issues the order they lead to.
    fn order_after(s: &Scenario, found: u64, core: &mut Core) -> (Orders, bool) {
        let mut orders = Orders::new(s, 7, 0);
        orders.record_findings(SimTime::ZERO, &[found], s, core);
        assert_eq!(core.due_by(day(1)), vec![(day(1), Event::IssueOrder)]);
        let first = orders.issue(day(1), s, core);
        (orders, first)
    }

    #[test]
    fn urgent_findings_get_the_urgent_deadline_and_the_first_order_is_first() {
        let s =
            test_scenario(&["platform.categories[0].urgent=true", "regulator.urgent_order_deadline=\"1h\""]);
        let mut core = Core::new(true);
        let (mut orders, first) = order_after(&s, 3, &mut core);
        assert!(first);
        assert_eq!(orders.orders[0].deadline, day(1) + SimDuration::HOUR);
        assert_eq!(core.m.orders_issued, 1);
        assert_eq!(core.log()[0].text, "regulator sends takedown order #1: 3 violating items, deadline 1h");
        // The next findings make a second order, which is not the first.
        orders.record_findings(day(1), &[1], &s, &mut core);
        assert!(!orders.issue(day(2), &s, &mut core));
        assert_eq!(orders.orders.len(), 2);
    }

    #[test]
    fn ordinary_findings_get_the_ordinary_deadline_and_no_findings_no_order() {
        let s = test_scenario(&[]);
        let mut core = Core::new(false);
        let (_, first) = order_after(&s, 0, &mut core);
        assert!(!first, "an order with nothing in it is not sent");
        assert_eq!(core.m.orders_issued, 0);
        let (orders, first) = order_after(&s, 2, &mut core);
        assert!(first);
        assert_eq!(orders.orders[0].deadline, day(2));
    }

    #[test]
    fn a_handled_order_takes_down_what_is_live_and_is_not_missed() {
        let s = test_scenario(&[]);
        let mut core = Core::new(true);
        let (mut orders, _) = order_after(&s, 5, &mut core);
        let mut content = Content::new(&s, 7, 0);
        // Handling takes a day: the platform handles it when its deadline falls.
        assert!(core.due_by(day(2)).contains(&(day(2), Event::OrderHandled(0))));
        orders.handled(day(2), 0, &mut content, &mut core);
        assert_eq!((content.visible[0], content.removed_outside_queue[0]), (995, 5));
        assert!(!orders.deadline_passed(day(2), 0, &mut core));
        assert_eq!(core.m.orders_missed, 0);
    }

    #[test]
    fn an_unhandled_order_misses_its_deadline() {
        let s = test_scenario(&["platform.orders.compliance_probability=0"]);
        let mut core = Core::new(false);
        let (mut orders, _) = order_after(&s, 5, &mut core);
        assert_eq!(core.due_by(day(2)), vec![(day(2), Event::OrderDeadline(0))]);
        assert!(orders.deadline_passed(day(2), 0, &mut core));
        assert_eq!((core.m.orders_missed, orders.missed_log.since(SimTime::ZERO)), (1, 1));
    }

    /// Findings at `found_at` with `s`: the order they lead to is issued, and the
    /// instants of its issue and of its handling (if the platform handles it) returned.
    fn next_order(orders: &mut Orders, found_at: SimTime, s: &Scenario) -> (SimTime, Option<SimTime>) {
        let mut core = Core::new(false);
        orders.record_findings(found_at, &[1], s, &mut core);
        let [(issued, Event::IssueOrder)] =
            core.due_by(found_at + SimDuration(1_000 * SimDuration::DAY.0))[..]
        else {
            panic!("one order in preparation")
        };
        orders.issue(issued, s, &mut core);
        let handled =
            core.due_by(SimTime(u64::MAX)).into_iter().find(|(_, e)| matches!(e, Event::OrderHandled(_)));
        (issued, handled.map(|(t, _)| t))
    }

    #[test]
    fn an_orders_draws_do_not_depend_on_what_earlier_orders_drew() {
        let random = test_scenario(&[
            r#"platform.orders.handling_time={ dist = "exponential", mean = "1d" }"#,
            r#"regulator.order_preparation={ dist = "exponential", mean = "1d" }"#,
        ]);
        // A first order prepared in a fixed time and refused draws less than a random
        // one that is handled; the second order must not notice.
        let refused = test_scenario(&["platform.orders.compliance_probability=0"]);
        let second_order = |first: &Scenario| {
            let mut orders = Orders::new(first, 7, 0);
            let (_, handled) = next_order(&mut orders, SimTime::ZERO, first);
            assert_eq!(handled.is_some(), std::ptr::eq(first, &random));
            // The platform obeys the second order (as a local office would make it).
            orders.compliance_probability = 1.0;
            next_order(&mut orders, day(100), &random)
        };
        let (issued, handled) = second_order(&random);
        assert_eq!(second_order(&refused), (issued, handled));
        // And the draws are those of the order's own keys.
        let prep =
            random.regulator.order_preparation.sample(&mut stream_at(7, 0, process::ORDER_PREPARATION, 1));
        assert_eq!(issued, day(100) + prep);
        let mut rng = stream_at(7, 0, process::ORDER_HANDLING, 1);
        let _compliance: f64 = rng.random();
        assert_eq!(handled, Some(issued + random.platform.orders.handling_time.sample(&mut rng)));
    }

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
        // Windows that move back (a ladder restarted) and jump ahead.
        assert_eq!(log.since(SimTime(5)), 9);
        assert_eq!(log.since(SimTime(20)), 4);
        assert_eq!(log.since(SimTime(19)), 7);
        log.add(SimTime(40), 1);
        assert_eq!(log.since(SimTime(35)), 1);
        assert_eq!(log.since(SimTime(0)), 10);
    }
}
