//! One replication: the clock loop over the calendar, the dispatch of its events, and
//! the glue between the actors.
//!
//! The state of a replication is split by actor, one file each; each actor's file
//! holds its state and what it does on its own, takes what it needs explicitly (the
//! scenario, the `Core` of calendar, metrics and trace, other actors' state) and
//! returns what happened when another actor must react:
//!
//! - `content.rs`: the stock of violating and clean items and the count processes
//!   (uploads, views, reports, complaints, crawler samples) between two events;
//! - `orders.rs`: findings, takedown orders and their deadlines;
//! - `ladder.rs`: the escalation ladder, its sanctions and throttles;
//! - `block.rs`: blocks and how they end (verification, lifting);
//! - `playbook.rs`: the platform's compliance actions;
//! - `outside.rs`: outside events, and the watches on a block's length and the
//!   revenue lost that actions may wait for;
//! - `queue/`: the review queue of flagged items.
//!
//! This file is the mediator: it owns the actors, dispatches each event to the one it
//! concerns and applies the consequences to the others (a missed deadline re-checks
//! the ladder, a fired step triggers the playbook, a lifted block restarts the ladder).
//! It also keeps the platform's reach (blocks and throttles cut it) and the time grid.
//! The order of the calls in each handler is the order of the draws, events and trace
//! lines, which results depend on.
//!
//! A new way for something to happen is a new actor with its own state and file, and
//! a handler here that wires it to the others.

use super::base::{Core, Event};
use super::block::{self, Blocks};
use super::content::{self, Content};
use super::ladder::{Decision, Fired, Ladder};
use super::metrics::{CategoryBalance, ReplicationOutcome};
use super::orders::Orders;
use super::outside::Outside;
use super::playbook::Playbook;
use super::queue::{AgedEvent, ReviewQueue};
use super::series::{self, GridSample};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::{ActionTrigger, Effect, LiftPath, Scenario};

/// Plays replication `replication` of `scenario` with streams derived from `seed`.
/// With `trace`, the outcome carries the event log.
pub fn run_replication(scenario: &Scenario, seed: u64, replication: u64, trace: bool) -> ReplicationOutcome {
    let mut world = World::new(scenario, seed, replication, trace);
    world.run();
    world.finish(replication)
}

/// The state of one replication; see the module docs for where each part lives.
struct World<'s> {
    s: &'s Scenario,
    core: Core,
    queue: ReviewQueue,
    content: Content,
    orders: Orders,
    ladder: Ladder,
    blocks: Blocks,
    playbook: Playbook,
    outside: Outside,
    /// Share of users who can reach the platform (1 normally; less when throttled or
    /// blocked).
    access: f64,
    /// Grid instants still to sample, earliest last.
    grid_due: Vec<SimTime>,
    /// What the review queue did to items whose ages are tracked, since the last event.
    age_log: Vec<AgedEvent>,
    series: Vec<GridSample>,
}

impl<'s> World<'s> {
    fn new(s: &'s Scenario, seed: u64, rep: u64, trace: bool) -> Self {
        let content = Content::new(s, seed, rep);
        let mut queue = content::review_queue(s, seed, rep);
        if content.aged_categories().contains(&true) {
            queue.track_ages(content.aged_categories());
        }
        World {
            s,
            core: Core::new(trace),
            queue,
            content,
            orders: Orders::new(s, seed, rep),
            ladder: Ladder::new(s, seed, rep),
            blocks: Blocks::new(seed, rep),
            playbook: Playbook::new(s, seed, rep),
            outside: Outside::new(s, seed, rep),
            access: 1.0,
            grid_due: series::grid(s).into_iter().rev().collect(),
            age_log: Vec::new(),
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
        self.core.cal.schedule(now + self.s.step.min(self.s.horizon), Event::Tick);
        let horizon = self.horizon();
        while let Some(t) = self.core.cal.peek_time() {
            if t > horizon {
                break;
            }
            let Some((now, event)) = self.core.cal.pop() else {
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
            Event::OrderHandled(id) => self.orders.handled(now, id, &mut self.content, &mut self.core),
            Event::OrderDeadline(id) => self.order_deadline(now, id),
            Event::LadderCheck => self.check_ladder(now),
            Event::ActionDue(i) => self.action_due(now, i),
            Event::CleanupDone(i) => self.cleanup_done(now, i),
            Event::VerificationDone => self.verification_done(now),
            Event::Unblock => self.lifting_decided(now, LiftPath::Compliance),
            Event::ThrottleEnds => self.throttle_ends(now),
            Event::BlockTakesEffect => self.block_takes_effect(now),
            Event::Appeal => self.blocks.appeal(now, &mut self.core),
            Event::CourtRules => {
                if self.blocks.court_rules(now, &mut self.core) {
                    self.lifting_decided(now, LiftPath::Court);
                }
            }
            Event::PathLifts(path) => self.lifting_decided(now, path),
            Event::AccessRestored => self.access_restored(now),
            Event::Outside(e) => {
                let trigger = self.outside.happen(now, e, self.s, &mut self.core);
                self.trigger_actions(trigger, now);
                let gives_in = self.s.regulator.backdown.as_ref().is_some_and(|b| b.on_event == Some(e));
                if gives_in && self.blocks.liftable_by(LiftPath::Backdown, self.s) {
                    self.lifting_decided(now, LiftPath::Backdown);
                }
            }
            Event::BlockLasted(k) => self.trigger_actions(self.outside.block_lasted(k), now),
            Event::RevenueLostReached(k) => {
                let trigger = self.outside.revenue_reached(now, k, &mut self.core);
                self.trigger_actions(trigger, now);
            }
        }
    }

    /// Brings everything up to `now` before an event changes the state: the review
    /// queue item by item, and the count-based processes over the interval since the
    /// last event, with the state that held during that interval.
    fn advance(&mut self, now: SimTime) {
        self.queue.advance_to(now, &mut self.content.visible);
        self.queue.take_age_log(&mut self.age_log);
        self.content.absorb_queue_log(now, &self.age_log, self.s.platform.flagged_visible_while_queued);
        let Some(days) = self.content.start_interval(now, self.s.step) else {
            return;
        };
        let counts = self.content.advance_counts(now, days, self.s, self.access, &mut self.queue);
        self.core.m.exposure += counts.exposure;
        if counts.samples > 0 {
            self.blocks.record_samples(counts.samples, counts.hits);
        }
        self.playbook.advance_cleanups(now, days, self.s, &mut self.content, &mut self.core);
        // Running costs and losses.
        let p = &self.s.platform;
        let m = &mut self.core.m;
        m.moderation_cost += self.queue.moderators() as f64 * p.review.cost_per_moderator_day * days;
        let lost = p.daily_active_users * (1.0 - self.access) * days;
        m.user_days_lost += lost;
        m.revenue_lost += lost * p.revenue_per_user_day;
        if self.content.findings.iter().any(|f| *f > 0) {
            self.orders.record_findings(now, &self.content.findings, self.s, &mut self.core);
        }
    }

    /// Tells the review queue how many uploads are flagged per day, and of which classes.
    fn update_flag_rate(&mut self, now: SimTime) {
        let weights = self.s.platform.flag_weights(&self.content.recall);
        let per_day = content::uploads_per_day(self.s, self.access) * weights.iter().sum::<f64>();
        self.queue.set_upload_flags(now, per_day, &weights);
    }

    /// Recomputes the platform's reach after a block or throttle began or ended: a
    /// block in effect cuts off its share of users but those with VPNs.
    fn set_access(&mut self, now: SimTime) {
        self.access = match self.blocks.cut_off(now, self.s) {
            Some(cut_off) => 1.0 - cut_off * (1.0 - self.s.platform.vpn_share),
            None => self.ladder.throttle_access().unwrap_or(1.0),
        };
        self.update_flag_rate(now);
        let p = &self.s.platform;
        let per_day = p.daily_active_users * (1.0 - self.access) * p.revenue_per_user_day;
        self.outside.revenue_rate_changed(now, self.core.m.revenue_lost, per_day, &mut self.core);
    }

    /// Marks a step: the count-based processes were advanced before any event, so a
    /// tick only re-evaluates the ladder and schedules the next tick.
    fn tick(&mut self, now: SimTime) {
        if self.blocks.reach_changes(self.s) {
            self.set_access(now);
        }
        self.check_ladder(now);
        self.sample(now);
        let horizon = self.horizon();
        if now < horizon {
            self.core.cal.schedule((now + self.s.step).min(horizon), Event::Tick);
        }
    }

    /// Records the state at the grid instants up to `now` (grid instants fall on ticks).
    fn sample(&mut self, now: SimTime) {
        while self.grid_due.last().is_some_and(|t| *t <= now) {
            self.grid_due.pop();
            self.series.push(GridSample {
                visible_violating: self.content.viewable_total(self.s, &self.queue),
                review_backlog: self.queue.waiting_len(),
                blocked: self.blocks.in_effect(),
            });
        }
    }

    // Orders.

    fn issue_order(&mut self, now: SimTime) {
        if self.orders.issue(now, self.s, &mut self.core) {
            self.trigger_actions(ActionTrigger::FirstOrder, now);
        }
    }

    fn order_deadline(&mut self, now: SimTime, id: usize) {
        if self.orders.deadline_passed(now, id, &mut self.core) {
            self.check_ladder(now);
        }
    }

    // The ladder.

    fn schedule_ladder_check(&mut self, now: SimTime) {
        self.ladder.schedule_check(now, self.s, &mut self.core);
    }

    /// Fires every step whose condition holds now, in order, until one does not, the
    /// regulator stands down or a block is in force.
    fn check_ladder(&mut self, now: SimTime) {
        // Escalation resumes after the instant a block is lifted: otherwise a block
        // whose lifting takes no time could be lifted and imposed again forever at
        // one instant.
        if self.blocks.lifted_at(now) {
            return;
        }
        while !self.blocks.in_force() {
            match self.ladder.decide(now, self.s, &self.orders, &self.playbook) {
                None => return,
                Some(Decision::StandDown(j)) => {
                    self.ladder.stand_down(now, j, self.s, &mut self.core);
                    return;
                }
                Some(Decision::Fire(j, reason)) => self.fire_step(j, now, reason),
            }
        }
    }

    fn fire_step(&mut self, j: usize, now: SimTime, reason: String) {
        match self.ladder.fire(j, now, reason, self.s, &mut self.core) {
            Fired::Sanctioned => {}
            Fired::Throttled => self.set_access(now),
            Fired::Block(reason) => {
                if self.blocks.impose(now, j, reason, self.s, &mut self.core) {
                    self.set_access(now);
                    self.outside.block_began(now, &mut self.core);
                }
            }
        }
        self.trigger_actions(ActionTrigger::Step(j), now);
        self.try_start_verification(now);
        self.schedule_ladder_check(now);
    }

    fn throttle_ends(&mut self, now: SimTime) {
        if self.ladder.throttle_ends(now, &mut self.core) {
            self.set_access(now);
        }
    }

    // Blocks.

    fn try_start_verification(&mut self, now: SimTime) {
        let Some(rule) = self.blocks.compliance_rule(self.s) else { return };
        // A repeatable action counts only if done since the block in force was decided.
        let since = self.blocks.decided_at().unwrap_or(SimTime::ZERO);
        let required_done = self.playbook.all_done_for(&rule.required_actions, since);
        self.blocks.try_start_verification(now, required_done, self.s, &mut self.core);
    }

    /// A block decided earlier takes effect: the platform's reach falls, and the
    /// platform may already have done what lifting it requires.
    fn block_takes_effect(&mut self, now: SimTime) {
        self.blocks.take_effect(now, true, self.s, &mut self.core);
        self.set_access(now);
        self.outside.block_began(now, &mut self.core);
        self.try_start_verification(now);
    }

    fn verification_done(&mut self, now: SimTime) {
        let prevalence_now = self.content.prevalence(self.s, &self.queue);
        self.blocks.verification_done(now, prevalence_now, self.s, &mut self.core);
    }

    /// A lifting path decides to lift the block in force; access comes back at once
    /// or after the block's lift lag.
    fn lifting_decided(&mut self, now: SimTime, path: LiftPath) {
        if self.blocks.decide_lifting(now, path, &mut self.core) {
            self.access_restored(now);
        }
    }

    /// The block in force ends: the throttle ends with it, the platform is reachable
    /// again and the ladder restarts as the block's rule says (after its probation, or
    /// not at all).
    fn access_restored(&mut self, now: SimTime) {
        let Some(step) = self.blocks.lift(now, &mut self.core) else {
            return;
        };
        self.ladder.end_throttle(&mut self.core.cal);
        self.outside.block_lifted(&mut self.core);
        self.set_access(now);
        let rule = &block::spec(self.s, step).unblock;
        self.ladder.restart_after_block(now, rule.restart_at, rule.probation);
        if rule.probation > SimDuration::ZERO && rule.restart_at.is_some() {
            self.core.cal.schedule(self.ladder.resumes_at(), Event::LadderCheck);
        }
        self.schedule_ladder_check(now);
        self.check_ladder(now);
    }

    // The playbook.

    /// Sets in motion the actions, then the outside events, waiting for `trigger`.
    fn trigger_actions(&mut self, trigger: ActionTrigger, now: SimTime) {
        self.playbook.trigger(trigger, now, self.s, &mut self.core);
        self.outside.trigger(trigger, now, self.s, &mut self.core);
    }

    /// Action `i` takes effect: the playbook runs cleanups; the other effects change
    /// other actors.
    fn action_due(&mut self, now: SimTime, i: usize) {
        let action = &self.s.playbook[i];
        self.core.m.action_cost += action.cost;
        match action.effect {
            Effect::Cleanup { items_per_day } => {
                let at_once =
                    self.playbook.start_cleanup(now, i, items_per_day, self.s, &self.content, &mut self.core);
                if at_once {
                    self.complete_action(now, i);
                }
                return;
            }
            Effect::HireModerators { moderators } => self.queue.add_moderators(now, moderators),
            Effect::ImproveDetection { recall } => {
                self.content.improve_recall(recall);
                self.update_flag_rate(now);
            }
            Effect::AgeGate { views_factor } => self.content.views_factor *= views_factor,
            Effect::LocalOffice { handling_factor, compliance_probability } => {
                self.orders.handling_factor *= handling_factor;
                if let Some(p) = compliance_probability {
                    self.orders.compliance_probability = p;
                }
            }
            Effect::Register | Effect::Commitment | Effect::Meeting => {}
        }
        self.complete_action(now, i);
    }

    fn complete_action(&mut self, now: SimTime, i: usize) {
        self.playbook.complete(now, i, self.queue.moderators(), self.s, &mut self.core);
        self.trigger_actions(ActionTrigger::Action(i), now);
        self.try_start_verification(now);
        self.check_ladder(now);
    }

    fn cleanup_done(&mut self, now: SimTime, action: usize) {
        if self.playbook.finish_cleanup(action, &mut self.content) {
            self.complete_action(now, action);
        }
    }

    /// The replication's outcome: the block in force at the horizon is censored, and
    /// the review queue's statistics and the content's balance join the metrics.
    fn finish(mut self, replication: u64) -> ReplicationOutcome {
        let horizon = self.horizon();
        let m = &mut self.core.m;
        if let Some(censored) = self.blocks.censor_at(horizon) {
            m.days_blocked += censored.duration_days;
        }
        let q = &self.queue;
        let stats = q.stats();
        m.items_reviewed = stats.reviews_done;
        m.mean_review_wait_hours = if stats.waits_counted > 0 {
            stats.wait_sum_ms / stats.waits_counted as f64 / SimDuration::HOUR.0 as f64
        } else {
            0.0
        };
        m.max_review_wait_hours = stats.wait_max.as_hours_f64();
        m.mean_review_backlog =
            stats.backlog_area / horizon.since(SimTime::ZERO + self.s.warm_up).0.max(1) as f64;
        m.max_review_backlog = stats.backlog_max;
        m.wrongful_removals = stats.wrongful_removals;
        let content = &self.content;
        m.final_prevalence = content.prevalence(self.s, q);
        m.final_visible_violating = content.visible.iter().sum();
        m.economic_loss += m.revenue_lost;
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
        m.violating_removed = balances.iter().map(|b| b.removed).sum();
        let (delays, exposure_balances) = self.content.delays_and_balances(self.s);
        let (mut metrics, log) = self.core.into_parts();
        let blocks = self.blocks.into_records();
        metrics.relapses = metrics.blocks.saturating_sub(1);
        for b in &blocks {
            if let Some(path) = b.lifted_by {
                metrics.lifted_by[path as usize] += 1;
            }
        }
        ReplicationOutcome {
            replication,
            metrics,
            blocks,
            balances,
            log,
            series: self.series,
            delays,
            exposure_balances,
        }
    }
}
