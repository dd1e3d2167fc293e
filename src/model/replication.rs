//! One replication: the platform, the regulator and the playbook on one calendar.

use rand::RngExt;

use super::draws::{binomial, poisson};
use super::metrics::{BlockRecord, CategoryBalance, LogEntry, Metrics, ReplicationOutcome};
use super::process;
use super::queue::{QueueConfig, ReviewQueue, Shift};
use super::series::{self, GridSample};
use crate::engine::{stream, stream_at, Calendar, SimDuration, SimTime, Stream};
use crate::scenario::{ActionTrigger, Condition, Effect, Sanction, Scenario};

/// Plays replication `replication` of `scenario` with streams derived from `seed`.
/// With `trace`, the outcome carries the event log.
pub fn run_replication(scenario: &Scenario, seed: u64, replication: u64, trace: bool) -> ReplicationOutcome {
    let mut world = World::new(scenario, seed, replication, trace);
    world.run();
    world.finish(replication)
}

#[derive(Copy, Clone, Debug)]
enum Event {
    /// Advance the count-based processes over the last step.
    Tick,
    /// The regulator turns its pending findings into a takedown order.
    IssueOrder,
    OrderHandled(usize),
    OrderDeadline(usize),
    /// Re-evaluate the escalation ladder (for time-based conditions).
    LadderCheck,
    /// A compliance action's delay has passed.
    ActionDue(usize),
    /// A cleanup (playbook index) has swept the stock it set out to sweep.
    CleanupDone(usize),
    /// The verification period of block `generation` ends.
    VerificationDone(u64),
    /// The regulator lifts block `generation`.
    Unblock(u64),
    /// A throttle with a duration ends (generation of the throttle).
    ThrottleEnds(u64),
}

struct Order {
    items: Vec<u64>,
    deadline: SimTime,
    handled: bool,
}

struct ActiveBlock {
    start: SimTime,
    reason: String,
    generation: u64,
    verifying_since: Option<SimTime>,
    samples: u64,
    hits: u64,
    unblock_scheduled: bool,
}

struct Cleanup {
    action: usize,
    /// Items still to sweep.
    remaining: u64,
    /// Fraction of an item swept but not yet removed (rates are not whole per step).
    carry: f64,
}

/// Cumulative counts over time, for "N within a window" conditions.
#[derive(Default)]
struct CountLog {
    entries: Vec<(SimTime, u64)>,
    total: u64,
}

impl CountLog {
    fn add(&mut self, t: SimTime, n: u64) {
        self.total += n;
        self.entries.push((t, self.total));
    }

    /// Count of entries with time in (from, now].
    fn since(&self, from: SimTime) -> u64 {
        let idx = self.entries.partition_point(|(t, _)| *t <= from);
        let before = if idx == 0 { 0 } else { self.entries[idx - 1].1 };
        self.total - before
    }
}

struct World<'s> {
    s: &'s Scenario,
    seed: u64,
    replication: u64,
    /// Tick slot for which the count-process streams were last restarted.
    count_streams_slot: u64,
    cal: Calendar<Event>,
    queue: ReviewQueue,
    uploads_rng: Stream,
    reports_rng: Stream,
    crawler_rng: Stream,
    complaints_rng: Stream,
    orders_rng: Stream,
    regulator_rng: Stream,
    unblock_rng: Stream,
    action_rngs: Vec<Stream>,

    // Content, per category.
    visible: Vec<u64>,
    uploaded_undetected: Vec<u64>,
    removed_outside_queue: Vec<u64>,
    clean_visible: f64,
    recall: Vec<f64>,
    views_factor: f64,
    handling_factor: f64,
    /// Share of users who can reach the platform (1 normally; less when throttled or blocked).
    access: f64,
    last_tick: SimTime,

    // Regulator.
    pending_findings: Vec<u64>,
    order_in_preparation: bool,
    orders: Vec<Order>,
    findings_log: CountLog,
    missed_log: CountLog,
    /// Index of the last step fired since the ladder (re)started.
    level: Option<usize>,
    ladder_start: SimTime,
    step_fired_at: Vec<Option<SimTime>>,
    block: Option<ActiveBlock>,
    block_generation: u64,
    last_unblock: Option<SimTime>,
    throttle_access: Option<f64>,
    throttle_generation: u64,

    // Platform playbook.
    action_triggered: Vec<bool>,
    action_done: Vec<Option<SimTime>>,
    cleanups: Vec<Cleanup>,

    m: Metrics,
    blocks: Vec<BlockRecord>,
    log: Option<Vec<LogEntry>>,
    /// Grid instants still to sample, earliest last.
    grid_due: Vec<SimTime>,
    series: Vec<GridSample>,
}

impl<'s> World<'s> {
    fn new(s: &'s Scenario, seed: u64, rep: u64, trace: bool) -> Self {
        let p = &s.platform;
        let n = p.categories.len();
        let cfg = QueueConfig {
            moderators: p.review.moderators,
            review_time: p.review.review_time.clone(),
            accuracy: p.review.accuracy,
            discipline: p.review.discipline,
            shift: Shift { start: p.review.shift_start, length: p.review.shift_length },
            urgent: p.categories.iter().map(|c| c.urgent).collect(),
            slot: s.step,
            warm_up: SimTime::ZERO + s.warm_up,
            seed,
            replication: rep,
            arrivals_process: process::FLAGGED_ARRIVALS,
            reviews_process: process::REVIEWS,
        };
        let queue = ReviewQueue::new(cfg, s.queue_model());
        World {
            s,
            seed,
            replication: rep,
            count_streams_slot: 0,
            cal: Calendar::new(),
            queue,
            uploads_rng: stream(seed, rep, process::UPLOADS),
            reports_rng: stream(seed, rep, process::REPORTS),
            crawler_rng: stream(seed, rep, process::CRAWLER),
            complaints_rng: stream(seed, rep, process::COMPLAINTS),
            orders_rng: stream(seed, rep, process::ORDERS),
            regulator_rng: stream(seed, rep, process::REGULATOR),
            unblock_rng: stream(seed, rep, process::UNBLOCK),
            action_rngs: (0..s.playbook.len() as u64)
                .map(|i| stream(seed, rep, process::ACTIONS + i))
                .collect(),
            visible: p.categories.iter().map(|c| c.initial_stock).collect(),
            uploaded_undetected: vec![0; n],
            removed_outside_queue: vec![0; n],
            clean_visible: (p.catalogue_items
                - p.categories.iter().map(|c| c.initial_stock as f64).sum::<f64>())
            .max(0.0),
            recall: p.categories.iter().map(|c| c.recall).collect(),
            views_factor: 1.0,
            handling_factor: 1.0,
            access: 1.0,
            last_tick: SimTime::ZERO,
            pending_findings: vec![0; n],
            order_in_preparation: false,
            orders: Vec::new(),
            findings_log: CountLog::default(),
            missed_log: CountLog::default(),
            level: None,
            ladder_start: SimTime::ZERO,
            step_fired_at: vec![None; s.regulator.ladder.len()],
            block: None,
            block_generation: 0,
            last_unblock: None,
            throttle_access: None,
            throttle_generation: 0,
            action_triggered: vec![false; s.playbook.len()],
            action_done: vec![None; s.playbook.len()],
            cleanups: Vec::new(),
            m: Metrics { time_to_first_block_days: f64::NAN, ..Metrics::default() },
            blocks: Vec::new(),
            log: trace.then(Vec::new),
            grid_due: series::grid(s).into_iter().rev().collect(),
            series: Vec::new(),
        }
    }

    fn horizon(&self) -> SimTime {
        SimTime::ZERO + self.s.horizon
    }

    fn run(&mut self) {
        let now = SimTime::ZERO;
        self.update_flag_rate(now);
        self.trigger_actions(ActionTrigger::Start, now);
        self.schedule_ladder_check(now);
        self.sample(now);
        self.cal.schedule(now + self.s.step.min(self.s.horizon), Event::Tick);
        let horizon = self.horizon();
        while let Some(t) = self.cal.peek_time() {
            if t > horizon {
                break;
            }
            let Some((now, event)) = self.cal.pop() else {
                break;
            };
            self.advance(now);
            self.handle(now, event);
        }
        self.advance(horizon);
        self.sample(horizon);
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Tick => self.tick(now),
            Event::IssueOrder => self.issue_order(now),
            Event::OrderHandled(id) => self.order_handled(now, id),
            Event::OrderDeadline(id) => self.order_deadline(now, id),
            Event::LadderCheck => self.check_ladder(now),
            Event::ActionDue(i) => self.action_due(now, i),
            Event::CleanupDone(i) => self.cleanup_done(now, i),
            Event::VerificationDone(generation) => self.verification_done(now, generation),
            Event::Unblock(generation) => self.unblock(now, generation),
            Event::ThrottleEnds(generation) => {
                if generation == self.throttle_generation && self.throttle_access.is_some() {
                    self.throttle_access = None;
                    self.set_access(now);
                    self.note(now, "regulator", "throttle", "regulator ends the throttle".into());
                }
            }
        }
    }

    fn note(&mut self, time: SimTime, actor: &'static str, kind: &'static str, text: String) {
        if let Some(log) = &mut self.log {
            log.push(LogEntry { time, actor, kind, text });
        }
    }

    /// Brings the review queue up to `now` and returns items it kept to view.
    fn sync_queue(&mut self, now: SimTime) {
        self.queue.advance_to(now, &mut self.visible);
    }

    /// Uploads reaching the platform per day, given access.
    fn uploads_per_day(&self) -> f64 {
        self.s.platform.uploads_per_day * self.access
    }

    fn update_flag_rate(&mut self, now: SimTime) {
        let p = &self.s.platform;
        let violating_share: f64 = p.categories.iter().map(|c| c.share).sum();
        let mut weights: Vec<f64> = p.categories.iter().zip(&self.recall).map(|(c, r)| c.share * r).collect();
        weights.push((1.0 - violating_share).max(0.0) * p.false_positive_rate);
        let per_day = self.uploads_per_day() * weights.iter().sum::<f64>();
        self.queue.set_upload_flags(now, per_day, &weights);
    }

    fn set_access(&mut self, now: SimTime) {
        self.access = if self.block.is_some() {
            self.s.platform.vpn_share
        } else {
            self.throttle_access.unwrap_or(1.0)
        };
        self.update_flag_rate(now);
    }

    /// Violating items that can be viewed, per category.
    fn viewable(&self, k: usize) -> u64 {
        let queued =
            if self.s.platform.flagged_visible_while_queued { self.queue.classes()[k].queued } else { 0 };
        self.visible[k] + queued
    }

    fn prevalence(&self) -> f64 {
        let violating: f64 = (0..self.visible.len()).map(|k| self.viewable(k) as f64).sum();
        let total = violating + self.clean_visible;
        if total > 0.0 {
            violating / total
        } else {
            0.0
        }
    }

    /// Marks a step: the count-based processes were advanced before any event, so a
    /// tick only re-evaluates the ladder and schedules the next tick.
    fn tick(&mut self, now: SimTime) {
        self.check_ladder(now);
        self.sample(now);
        let horizon = self.horizon();
        if now < horizon {
            self.cal.schedule((now + self.s.step).min(horizon), Event::Tick);
        }
    }

    /// Records the state at the grid instants up to `now` (grid instants fall on ticks).
    fn sample(&mut self, now: SimTime) {
        while self.grid_due.last().is_some_and(|t| *t <= now) {
            self.grid_due.pop();
            self.series.push(GridSample {
                visible_violating: (0..self.visible.len()).map(|k| self.viewable(k)).sum(),
                review_backlog: self.queue.waiting_len(),
                blocked: self.block.is_some(),
            });
        }
    }

    /// Brings everything up to `now` before an event changes the state: the review
    /// queue item by item, and the count-based processes over the interval since the
    /// last event, with the state that held during that interval.
    fn advance(&mut self, now: SimTime) {
        self.sync_queue(now);
        let dt = now.since(self.last_tick);
        if dt == SimDuration::ZERO {
            return;
        }
        // Count processes restart their streams in every tick slot (see
        // `engine::random::stream_at`): events that split a slot differently in two
        // variants do not shift the draws of the slots after it.
        let slot = self.last_tick.0 / self.s.step.0.max(1);
        if slot != self.count_streams_slot {
            self.count_streams_slot = slot;
            let (seed, rep) = (self.seed, self.replication);
            self.uploads_rng = stream_at(seed, rep, process::UPLOADS, slot);
            self.reports_rng = stream_at(seed, rep, process::REPORTS, slot);
            self.crawler_rng = stream_at(seed, rep, process::CRAWLER, slot);
            self.complaints_rng = stream_at(seed, rep, process::COMPLAINTS, slot);
        }
        self.last_tick = now;
        let days = dt.as_days_f64();
        let s = self.s;
        let p = &s.platform;
        let n = p.categories.len();
        let mut findings = vec![0u64; n];

        // Views over the step, with the stock as it stood since the last tick.
        let mut exposure = 0.0;
        for (k, c) in p.categories.iter().enumerate() {
            let views_per_item = c.views_per_item_per_day * self.views_factor * self.access;
            let views = self.viewable(k) as f64 * views_per_item * days;
            exposure += views;
            findings[k] +=
                poisson(&mut self.complaints_rng, views * s.regulator.complaints_per_violating_view);
            // Each live item is reported at rate views x report probability.
            let report_p = 1.0 - (-views_per_item * c.report_probability * days).exp();
            let reported = binomial(&mut self.reports_rng, self.visible[k], report_p);
            if reported > 0 {
                self.visible[k] -= reported;
                self.queue.add_reported(now, k, reported);
            }
        }
        self.m.exposure += exposure;

        // Undetected violating uploads go live; clean uploads grow the catalogue.
        let uploads = self.uploads_per_day() * days;
        let mut violating_share = 0.0;
        for (k, c) in p.categories.iter().enumerate() {
            violating_share += c.share;
            let live = poisson(&mut self.uploads_rng, uploads * c.share * (1.0 - self.recall[k]));
            self.visible[k] += live;
            self.uploaded_undetected[k] += live;
        }
        self.clean_visible += uploads * (1.0 - violating_share).max(0.0) * (1.0 - p.false_positive_rate);

        // The regulator's crawler samples live content: a multinomial draw over the
        // categories and clean items, done as conditional binomials.
        let samples = poisson(&mut self.crawler_rng, s.regulator.crawler_samples_per_day * days);
        if samples > 0 {
            let mut left = samples;
            let mut rest: f64 = (0..n).map(|k| self.viewable(k) as f64).sum::<f64>() + self.clean_visible;
            for (k, found) in findings.iter_mut().enumerate() {
                let weight = self.viewable(k) as f64;
                let hits = if rest > 0.0 {
                    binomial(&mut self.crawler_rng, left, (weight / rest).min(1.0))
                } else {
                    0
                };
                *found += hits;
                left -= hits;
                rest -= weight;
            }
            if let Some(block) = &mut self.block {
                if block.verifying_since.is_some() {
                    block.samples += samples;
                    block.hits += samples - left;
                }
            }
        }

        self.advance_cleanups(days);

        // Running costs and losses.
        self.m.moderation_cost += self.queue.moderators() as f64 * p.review.cost_per_moderator_day * days;
        let lost = p.daily_active_users * (1.0 - self.access) * days;
        self.m.user_days_lost += lost;
        self.m.revenue_lost += lost * p.revenue_per_user_day;

        if findings.iter().any(|f| *f > 0) {
            self.record_findings(now, &findings);
        }
    }

    /// Removes what the running cleanups sweep over `days`. A cleanup's end is an event
    /// of its own (its length is known when it starts); if the stock runs out first,
    /// the cleanup ends at the next event.
    fn advance_cleanups(&mut self, days: f64) {
        for cleanup in &mut self.cleanups {
            let Effect::Cleanup { items_per_day } = self.s.playbook[cleanup.action].effect else {
                continue;
            };
            let budget = items_per_day * days + cleanup.carry;
            let take = (budget.floor() as u64).min(cleanup.remaining);
            cleanup.carry = budget - budget.floor();
            let taken = remove_proportionally(&mut self.visible, &mut self.removed_outside_queue, take);
            cleanup.remaining -= taken;
            if self.visible.iter().all(|v| *v == 0) {
                cleanup.remaining = 0;
            }
        }
        let finished: Vec<usize> =
            self.cleanups.iter().filter(|c| c.remaining == 0).map(|c| c.action).collect();
        for action in finished {
            self.cal.schedule(self.last_tick, Event::CleanupDone(action));
        }
    }

    fn cleanup_done(&mut self, now: SimTime, action: usize) {
        let Some(pos) = self.cleanups.iter().position(|c| c.action == action) else {
            return;
        };
        let cleanup = self.cleanups.remove(pos);
        remove_proportionally(&mut self.visible, &mut self.removed_outside_queue, cleanup.remaining);
        self.complete_action(now, action);
    }

    fn record_findings(&mut self, now: SimTime, findings: &[u64]) {
        let found: u64 = findings.iter().sum();
        self.m.findings += found;
        self.findings_log.add(now, found);
        for (pending, f) in self.pending_findings.iter_mut().zip(findings) {
            *pending += f;
        }
        if !self.order_in_preparation {
            self.order_in_preparation = true;
            let prep = self.s.regulator.order_preparation.sample(&mut self.regulator_rng);
            self.cal.schedule(now + prep, Event::IssueOrder);
        }
    }

    fn issue_order(&mut self, now: SimTime) {
        self.order_in_preparation = false;
        let items = std::mem::replace(&mut self.pending_findings, vec![0; self.visible.len()]);
        let total: u64 = items.iter().sum();
        if total == 0 {
            return;
        }
        let r = &self.s.regulator;
        let urgent = items.iter().zip(&self.s.platform.categories).any(|(n, c)| *n > 0 && c.urgent);
        let deadline = now + if urgent { r.urgent_order_deadline } else { r.order_deadline };
        let id = self.orders.len();
        self.orders.push(Order { items, deadline, handled: false });
        self.m.orders_issued += 1;
        self.cal.schedule(deadline, Event::OrderDeadline(id));
        let window = if urgent { r.urgent_order_deadline } else { r.order_deadline };
        self.note(
            now,
            "regulator",
            "order",
            format!("regulator sends takedown order #{}: {}, deadline {window}", id + 1, item_count(total)),
        );
        let handling = &self.s.platform.orders;
        if self.orders_rng.random::<f64>() < handling.compliance_probability {
            let delay = handling.handling_time.sample(&mut self.orders_rng).scale(self.handling_factor);
            self.cal.schedule(now + delay, Event::OrderHandled(id));
        }
        if self.orders.len() == 1 {
            self.trigger_actions(ActionTrigger::FirstOrder, now);
        }
    }

    fn order_handled(&mut self, now: SimTime, id: usize) {
        let order = &mut self.orders[id];
        order.handled = true;
        let late = now > order.deadline;
        let mut removed = 0;
        for (k, want) in order.items.iter().enumerate() {
            let take = (*want).min(self.visible[k]);
            self.visible[k] -= take;
            self.removed_outside_queue[k] += take;
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

    fn order_deadline(&mut self, now: SimTime, id: usize) {
        if self.orders[id].handled {
            return;
        }
        self.m.orders_missed += 1;
        self.missed_log.add(now, 1);
        self.note(now, "platform", "missed", format!("platform misses the deadline of order #{}", id + 1));
        self.check_ladder(now);
    }

    fn next_step(&self) -> Option<usize> {
        let next = self.level.map_or(0, |l| l + 1);
        (next < self.s.regulator.ladder.len()).then_some(next)
    }

    /// Schedules a re-check for when the next step's time-based condition comes due.
    fn schedule_ladder_check(&mut self, now: SimTime) {
        let Some(j) = self.next_step() else { return };
        let due = match self.s.regulator.ladder[j].trigger.condition {
            Condition::AfterStep { step, wait } => self.step_fired_at[step].map(|t| t + wait),
            Condition::At(t) => Some(t),
            _ => None,
        };
        if let Some(due) = due {
            self.cal.schedule(due.max(now), Event::LadderCheck);
        }
    }

    /// The condition of step `j`, with a description of what met it, if it holds now.
    fn condition_met(&self, j: usize, now: SimTime) -> Option<String> {
        let window_start = |within: SimDuration| (now - within).max(self.ladder_start);
        match self.s.regulator.ladder[j].trigger.condition {
            Condition::Findings { count, within } => {
                let found = self.findings_log.since(window_start(within));
                (found >= count).then(|| format!("{found} findings in {within}"))
            }
            Condition::MissedOrders { count, within } => {
                let missed = self.missed_log.since(window_start(within));
                (missed >= count).then(|| format!("{missed} missed order deadlines in {within}"))
            }
            Condition::AfterStep { step, wait } => {
                let fired = self.step_fired_at[step].filter(|t| *t >= self.ladder_start)?;
                (now >= fired + wait)
                    .then(|| format!("no response {} after the {}", wait, self.s.regulator.ladder[step].name))
            }
            // A moment that passed before the ladder restarted does not fire again.
            Condition::At(t) => (now >= t && t >= self.ladder_start)
                .then(|| format!("the deadline of day {:.0} passed", t.as_days_f64())),
        }
    }

    fn check_ladder(&mut self, now: SimTime) {
        // Escalation resumes after the instant a block is lifted: otherwise a block
        // whose lifting takes no time could be lifted and imposed again forever at
        // one instant.
        if self.last_unblock == Some(now) {
            return;
        }
        while self.block.is_none() {
            let Some(j) = self.next_step() else { return };
            let Some(reason) = self.condition_met(j, now) else {
                return;
            };
            let step = &self.s.regulator.ladder[j];
            let answered = !step.trigger.unless.is_empty()
                && step.trigger.unless.iter().all(|&a| self.action_done[a].is_some());
            if answered {
                // The platform did what would have spared it this step: de-escalate and
                // count afresh from now.
                self.level = None;
                self.ladder_start = now;
                let text = format!("regulator stands down from {}: the platform responded", step.name);
                self.note(now, "regulator", "stand-down", text);
                return;
            }
            self.fire_step(j, now, reason);
        }
    }

    fn fire_step(&mut self, j: usize, now: SimTime, reason: String) {
        let step = &self.s.regulator.ladder[j];
        self.level = Some(j);
        self.step_fired_at[j] = Some(now);
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
                self.throttle_access = Some(*access);
                self.throttle_generation += 1;
                if let Some(d) = duration {
                    self.cal.schedule(now + *d, Event::ThrottleEnds(self.throttle_generation));
                }
                self.set_access(now);
                let share = access * 100.0;
                self.note(
                    now,
                    "regulator",
                    "throttle",
                    format!("regulator throttles platform to {share:.0}% of users: {reason}"),
                );
            }
            Sanction::Block => {
                self.block_generation += 1;
                self.block = Some(ActiveBlock {
                    start: now,
                    reason: reason.clone(),
                    generation: self.block_generation,
                    verifying_since: None,
                    samples: 0,
                    hits: 0,
                    unblock_scheduled: false,
                });
                self.m.blocks += 1;
                if !self.m.blocked {
                    self.m.blocked = true;
                    self.m.time_to_first_block_days = now.as_days_f64();
                }
                self.set_access(now);
                self.note(now, "regulator", "block", format!("regulator blocks platform: {reason}"));
            }
        }
        self.trigger_actions(ActionTrigger::Step(j), now);
        self.try_start_verification(now);
        self.schedule_ladder_check(now);
    }

    fn trigger_actions(&mut self, trigger: ActionTrigger, now: SimTime) {
        for i in 0..self.s.playbook.len() {
            if self.action_triggered[i] || self.s.playbook[i].on != trigger {
                continue;
            }
            self.action_triggered[i] = true;
            let delay = self.s.playbook[i].delay.sample(&mut self.action_rngs[i]);
            self.cal.schedule(now + delay, Event::ActionDue(i));
        }
    }

    fn action_due(&mut self, now: SimTime, i: usize) {
        let action = &self.s.playbook[i];
        self.m.action_cost += action.cost;
        match action.effect {
            Effect::Cleanup { .. } => {
                let stock: u64 = self.visible.iter().sum();
                self.note(
                    now,
                    "platform",
                    "action",
                    format!("platform starts {}: {} live to sweep", action.name, item_count(stock)),
                );
                if stock == 0 {
                    self.complete_action(now, i);
                } else {
                    self.cleanups.push(Cleanup { action: i, remaining: stock, carry: 0.0 });
                    let Effect::Cleanup { items_per_day } = action.effect else {
                        return;
                    };
                    let days = stock as f64 / items_per_day;
                    self.cal.schedule(now + SimDuration::from_days_f64(days), Event::CleanupDone(i));
                }
                return;
            }
            Effect::HireModerators { moderators } => self.queue.add_moderators(now, moderators),
            Effect::ImproveDetection { recall } => {
                for r in &mut self.recall {
                    *r = r.max(recall);
                }
                self.update_flag_rate(now);
            }
            Effect::AgeGate { views_factor } => self.views_factor *= views_factor,
            Effect::LocalOffice { handling_factor } => self.handling_factor *= handling_factor,
            Effect::Register | Effect::Commitment => {}
        }
        self.complete_action(now, i);
    }

    fn complete_action(&mut self, now: SimTime, i: usize) {
        self.action_done[i] = Some(now);
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

    /// Starts the unblock verification once every required action is done.
    fn try_start_verification(&mut self, now: SimTime) {
        let rule = &self.s.regulator.unblock;
        let ready = rule.required_actions.iter().all(|&a| self.action_done[a].is_some());
        let Some(block) = &mut self.block else { return };
        if !ready || block.verifying_since.is_some() || block.unblock_scheduled {
            return;
        }
        block.verifying_since = Some(now);
        block.samples = 0;
        block.hits = 0;
        let generation = block.generation;
        self.cal.schedule(now + rule.verification_period, Event::VerificationDone(generation));
    }

    fn verification_done(&mut self, now: SimTime, generation: u64) {
        let prevalence_now = self.prevalence();
        let rule = &self.s.regulator.unblock;
        let Some(block) = &mut self.block else { return };
        if block.generation != generation {
            return;
        }
        let measured =
            if block.samples > 0 { block.hits as f64 / block.samples as f64 } else { prevalence_now };
        if measured <= rule.max_prevalence {
            block.unblock_scheduled = true;
            let delay = rule.processing_time.sample(&mut self.unblock_rng);
            self.cal.schedule(now + delay, Event::Unblock(generation));
            let text = format!("regulator verifies compliance: measured prevalence {:.4}%", measured * 100.0);
            self.note(now, "regulator", "verification", text);
        } else {
            block.verifying_since = Some(now);
            block.samples = 0;
            block.hits = 0;
            // A zero-length verification that fails is tried again at the next step, not
            // at the same instant (which would never let time move on).
            let again = if rule.verification_period == SimDuration::ZERO {
                self.s.step
            } else {
                rule.verification_period
            };
            self.cal.schedule(now + again, Event::VerificationDone(generation));
            let text = format!(
                "regulator finds prevalence {:.4}% above {:.4}%: verification starts again",
                measured * 100.0,
                rule.max_prevalence * 100.0
            );
            self.note(now, "regulator", "verification", text);
        }
    }

    fn unblock(&mut self, now: SimTime, generation: u64) {
        match &self.block {
            Some(b) if b.generation == generation => {}
            _ => return,
        }
        let Some(block) = self.block.take() else {
            return;
        };
        let duration = now.since(block.start).as_days_f64();
        self.m.days_blocked += duration;
        self.blocks.push(BlockRecord {
            start: block.start,
            end: Some(now),
            duration_days: duration,
            censored: false,
            reason: block.reason,
        });
        self.throttle_access = None;
        self.set_access(now);
        let restart = self.s.regulator.unblock.restart_at;
        self.level = restart.checked_sub(1);
        self.ladder_start = now;
        self.last_unblock = Some(now);
        self.note(now, "regulator", "unblock", format!("regulator lifts the block after {duration:.1} days"));
        self.schedule_ladder_check(now);
        self.check_ladder(now);
    }

    fn finish(mut self, replication: u64) -> ReplicationOutcome {
        let horizon = self.horizon();
        if let Some(block) = self.block.take() {
            let duration = horizon.since(block.start).as_days_f64();
            self.m.days_blocked += duration;
            self.blocks.push(BlockRecord {
                start: block.start,
                end: None,
                duration_days: duration,
                censored: true,
                reason: block.reason,
            });
        }
        let q = &self.queue;
        let stats = q.stats();
        self.m.items_reviewed = stats.reviews_done;
        self.m.mean_review_wait_hours = if stats.waits_counted > 0 {
            stats.wait_sum_ms / stats.waits_counted as f64 / SimDuration::HOUR.0 as f64
        } else {
            0.0
        };
        self.m.max_review_wait_hours = stats.wait_max.as_hours_f64();
        self.m.mean_review_backlog =
            stats.backlog_area / horizon.since(SimTime::ZERO + self.s.warm_up).0.max(1) as f64;
        self.m.max_review_backlog = stats.backlog_max;
        self.m.wrongful_removals = stats.wrongful_removals;
        self.m.final_prevalence = self.prevalence();
        self.m.final_visible_violating = self.visible.iter().sum();
        self.m.economic_loss += self.m.revenue_lost;
        let balances: Vec<CategoryBalance> = self
            .s
            .platform
            .categories
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let counts = &q.classes()[k];
                CategoryBalance {
                    category: c.name.clone(),
                    initial: c.initial_stock,
                    uploaded: self.uploaded_undetected[k] + counts.flagged_at_upload,
                    visible: self.visible[k],
                    queued: counts.queued,
                    removed: self.removed_outside_queue[k] + counts.removed,
                }
            })
            .collect();
        self.m.violating_removed = balances.iter().map(|b| b.removed).sum();
        ReplicationOutcome {
            replication,
            metrics: self.m,
            blocks: self.blocks,
            balances,
            log: self.log.unwrap_or_default(),
            series: self.series,
        }
    }
}

/// Removes `count` items from the per-category stock in proportion to each category's
/// stock (largest remainders first, ties to the lower index), so no category goes
/// negative and the total removed is exact. Returns how many were removed.
fn remove_proportionally(stock: &mut [u64], removed: &mut [u64], count: u64) -> u64 {
    let total: u64 = stock.iter().sum();
    if count == 0 || total == 0 {
        return 0;
    }
    let count = count.min(total);
    let mut shares: Vec<(u64, u128, usize)> = stock
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let exact = s as u128 * count as u128;
            ((exact / total as u128) as u64, exact % total as u128, k)
        })
        .collect();
    let mut left = count - shares.iter().map(|s| s.0).sum::<u64>();
    shares.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    for share in &mut shares {
        if left == 0 {
            break;
        }
        if share.0 < stock[share.2] {
            share.0 += 1;
            left -= 1;
        }
    }
    for (take, _, k) in shares {
        stock[k] -= take;
        removed[k] += take;
    }
    count
}

/// "1 item", "5 items".
fn item_count(n: u64) -> String {
    if n == 1 {
        "1 violating item".into()
    } else {
        format!("{n} violating items")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportional_removal_is_exact_and_never_negative() {
        let mut stock = vec![5, 3, 0, 2];
        let mut removed = vec![0; 4];
        remove_proportionally(&mut stock, &mut removed, 7);
        assert_eq!(removed.iter().sum::<u64>(), 7);
        assert_eq!(stock.iter().sum::<u64>(), 3);
        assert_eq!(stock[2], 0);
        remove_proportionally(&mut stock, &mut removed, 100);
        assert_eq!(stock, vec![0, 0, 0, 0]);
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
    }
}
