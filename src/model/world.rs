//! One replication: the clock loop over the calendar and the dispatch of its events.
//!
//! The state of a replication is split by actor and concern, one file each, and each
//! file holds its state and the `World` handlers of its events:
//!
//! - `content.rs`: the stock of violating and clean items and the count processes
//!   (uploads, views, reports, complaints, crawler samples) between two events;
//! - `orders.rs`: findings, takedown orders and their deadlines;
//! - `ladder.rs`: the escalation ladder, its sanctions and throttles;
//! - `block.rs`: blocks and how they end (verification, lifting);
//! - `playbook.rs`: the platform's compliance actions;
//! - this file: the loop, the platform's reach (blocks and throttles cut it), the time
//!   grid, the trace and the final metrics.
//!
//! A new way for something to happen is a new file with its own state, not more
//! fields on one struct.

use super::block::Blocks;
use super::content::Content;
use super::ladder::Ladder;
use super::metrics::{CategoryBalance, LogEntry, Metrics, ReplicationOutcome};
use super::orders::Orders;
use super::playbook::Playbook;
use super::process;
use super::queue::{QueueConfig, ReviewQueue, Shift};
use super::series::{self, GridSample};
use crate::engine::{Calendar, SimDuration, SimTime};
use crate::scenario::{ActionTrigger, Scenario};

/// Plays replication `replication` of `scenario` with streams derived from `seed`.
/// With `trace`, the outcome carries the event log.
pub fn run_replication(scenario: &Scenario, seed: u64, replication: u64, trace: bool) -> ReplicationOutcome {
    let mut world = World::new(scenario, seed, replication, trace);
    world.run();
    world.finish(replication)
}

/// What the calendar holds. Events that may become moot (a block's verification, a
/// throttle's end) are cancelled by their key, never recognised as stale.
#[derive(Copy, Clone, Debug)]
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
    /// The regulator lifts the block in force.
    Unblock,
    /// The throttle in force ends.
    ThrottleEnds,
}

/// The state of one replication; see the module docs for where each part lives.
pub(super) struct World<'s> {
    pub(super) s: &'s Scenario,
    pub(super) cal: Calendar<Event>,
    pub(super) queue: ReviewQueue,
    pub(super) content: Content,
    pub(super) orders: Orders,
    pub(super) ladder: Ladder,
    pub(super) blocks: Blocks,
    pub(super) playbook: Playbook,
    /// Share of users who can reach the platform (1 normally; less when throttled or
    /// blocked).
    pub(super) access: f64,
    pub(super) m: Metrics,
    log: Option<Vec<LogEntry>>,
    /// Grid instants still to sample, earliest last.
    grid_due: Vec<SimTime>,
    series: Vec<GridSample>,
}

impl<'s> World<'s> {
    fn new(s: &'s Scenario, seed: u64, rep: u64, trace: bool) -> Self {
        let p = &s.platform;
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
        World {
            s,
            cal: Calendar::new(),
            queue: ReviewQueue::new(cfg, s.queue_model()),
            content: Content::new(s, seed, rep),
            orders: Orders::new(s, seed, rep),
            ladder: Ladder::new(s),
            blocks: Blocks::new(seed, rep),
            playbook: Playbook::new(s, seed, rep),
            access: 1.0,
            m: Metrics { time_to_first_block_days: f64::NAN, ..Metrics::default() },
            log: trace.then(Vec::new),
            grid_due: series::grid(s).into_iter().rev().collect(),
            series: Vec::new(),
        }
    }

    pub(super) fn horizon(&self) -> SimTime {
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
            Event::VerificationDone => self.verification_done(now),
            Event::Unblock => self.unblock(now),
            Event::ThrottleEnds => self.throttle_ends(now),
        }
    }

    /// Records a line of the event log when tracing.
    pub(super) fn note(&mut self, time: SimTime, actor: &'static str, kind: &'static str, text: String) {
        if let Some(log) = &mut self.log {
            log.push(LogEntry { time, actor, kind, text });
        }
    }

    /// Brings everything up to `now` before an event changes the state: the review
    /// queue item by item, and the count-based processes over the interval since the
    /// last event, with the state that held during that interval.
    fn advance(&mut self, now: SimTime) {
        self.queue.advance_to(now, &mut self.content.visible);
        let Some(days) = self.content.start_interval(now, self.s.step) else {
            return;
        };
        let findings = self.advance_counts(now, days);
        // Running costs and losses.
        let p = &self.s.platform;
        self.m.moderation_cost += self.queue.moderators() as f64 * p.review.cost_per_moderator_day * days;
        let lost = p.daily_active_users * (1.0 - self.access) * days;
        self.m.user_days_lost += lost;
        self.m.revenue_lost += lost * p.revenue_per_user_day;
        if findings.iter().any(|f| *f > 0) {
            self.record_findings(now, &findings);
        }
    }

    /// Uploads reaching the platform per day, given access.
    pub(super) fn uploads_per_day(&self) -> f64 {
        self.s.platform.uploads_per_day * self.access
    }

    /// Tells the review queue how many uploads are flagged per day, and of which classes.
    pub(super) fn update_flag_rate(&mut self, now: SimTime) {
        let weights = self.s.platform.flag_weights(&self.content.recall);
        let per_day = self.uploads_per_day() * weights.iter().sum::<f64>();
        self.queue.set_upload_flags(now, per_day, &weights);
    }

    /// Recomputes the platform's reach after a block or throttle began or ended.
    pub(super) fn set_access(&mut self, now: SimTime) {
        self.access = if self.blocks.in_force() {
            self.s.platform.vpn_share
        } else {
            self.ladder.throttle_access().unwrap_or(1.0)
        };
        self.update_flag_rate(now);
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
                visible_violating: self.viewable_total(),
                review_backlog: self.queue.waiting_len(),
                blocked: self.blocks.in_force(),
            });
        }
    }

    fn finish(mut self, replication: u64) -> ReplicationOutcome {
        let horizon = self.horizon();
        if let Some(censored) = self.blocks.censor_at(horizon) {
            self.m.days_blocked += censored.duration_days;
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
        self.m.final_visible_violating = self.content.visible.iter().sum();
        self.m.economic_loss += self.m.revenue_lost;
        let content = &self.content;
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
                    uploaded: content.uploaded_undetected[k] + counts.flagged_at_upload,
                    visible: content.visible[k],
                    queued: counts.queued,
                    removed: content.removed_outside_queue[k] + counts.removed,
                }
            })
            .collect();
        self.m.violating_removed = balances.iter().map(|b| b.removed).sum();
        ReplicationOutcome {
            replication,
            metrics: self.m,
            blocks: self.blocks.into_records(),
            balances,
            log: self.log.unwrap_or_default(),
            series: self.series,
        }
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
