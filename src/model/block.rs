//! Blocks and how they end. A block starts when the ladder's block step fires. It is
//! lifted once every action the unblock rule requires is done, a verification period
//! measures prevalence at or below the rule's limit, and the regulator has processed
//! the lifting. A block still in force at the horizon is censored.
//!
//! Each way for a block to end is a handler here; a block's pending event (its
//! verification or its lifting) is held by key, so a new way to end a block cancels
//! it instead of leaving a stale event behind.

use super::metrics::BlockRecord;
use super::process;
use super::world::{Event, World};
use crate::engine::{stream, EventKey, SimDuration, SimTime, Stream};

/// The block in force, if any, and the record of past blocks.
pub(super) struct Blocks {
    active: Option<ActiveBlock>,
    /// When the last block was lifted.
    last_lifted: Option<SimTime>,
    records: Vec<BlockRecord>,
    /// Unblock processing times: a stream of their own, so that a policy that changes
    /// the number of orders does not shift the draws of block lengths.
    unblock_rng: Stream,
}

struct ActiveBlock {
    start: SimTime,
    reason: String,
    /// Crawler samples and violating hits since the verification period began.
    verification: Option<Verification>,
    /// The block's pending verification end or lifting.
    pending: Option<EventKey>,
    /// The regulator has verified compliance and is processing the lifting.
    lifting: bool,
}

#[derive(Default)]
struct Verification {
    samples: u64,
    hits: u64,
}

impl Blocks {
    pub(super) fn new(seed: u64, replication: u64) -> Self {
        Blocks {
            active: None,
            last_lifted: None,
            records: Vec::new(),
            unblock_rng: stream(seed, replication, process::UNBLOCK),
        }
    }

    pub(super) fn in_force(&self) -> bool {
        self.active.is_some()
    }

    /// Whether a block was lifted at `now`.
    pub(super) fn lifted_at(&self, now: SimTime) -> bool {
        self.last_lifted == Some(now)
    }

    /// Counts crawler samples towards a running verification.
    pub(super) fn record_samples(&mut self, samples: u64, hits: u64) {
        if let Some(v) = self.active.as_mut().and_then(|b| b.verification.as_mut()) {
            v.samples += samples;
            v.hits += hits;
        }
    }

    /// Ends the block in force at the horizon, censored; returns its record.
    pub(super) fn censor_at(&mut self, horizon: SimTime) -> Option<&BlockRecord> {
        let block = self.active.take()?;
        let duration = horizon.since(block.start).as_days_f64();
        self.records.push(BlockRecord {
            start: block.start,
            end: None,
            duration_days: duration,
            censored: true,
            reason: block.reason,
        });
        self.records.last()
    }

    pub(super) fn into_records(self) -> Vec<BlockRecord> {
        self.records
    }
}

impl World<'_> {
    /// The ladder's block step fires.
    pub(super) fn impose_block(&mut self, now: SimTime, reason: String) {
        self.blocks.active = Some(ActiveBlock {
            start: now,
            reason: reason.clone(),
            verification: None,
            pending: None,
            lifting: false,
        });
        self.m.blocks += 1;
        if !self.m.blocked {
            self.m.blocked = true;
            self.m.time_to_first_block_days = now.as_days_f64();
        }
        self.set_access(now);
        self.note(now, "regulator", "block", format!("regulator blocks platform: {reason}"));
    }

    /// Starts the unblock verification once every required action is done.
    pub(super) fn try_start_verification(&mut self, now: SimTime) {
        let rule = &self.s.regulator.unblock;
        let ready = rule.required_actions.iter().all(|&a| self.playbook.is_done(a));
        let Some(block) = &mut self.blocks.active else { return };
        if !ready || block.verification.is_some() || block.lifting {
            return;
        }
        block.verification = Some(Verification::default());
        block.pending = Some(self.cal.schedule(now + rule.verification_period, Event::VerificationDone));
    }

    pub(super) fn verification_done(&mut self, now: SimTime) {
        let prevalence_now = self.prevalence();
        let rule = &self.s.regulator.unblock;
        let Some(block) = &mut self.blocks.active else { return };
        let Some(v) = block.verification.take() else { return };
        let measured = if v.samples > 0 { v.hits as f64 / v.samples as f64 } else { prevalence_now };
        if measured <= rule.max_prevalence {
            block.lifting = true;
            let delay = rule.processing_time.sample(&mut self.blocks.unblock_rng);
            block.pending = Some(self.cal.schedule(now + delay, Event::Unblock));
            let text = format!("regulator verifies compliance: measured prevalence {:.4}%", measured * 100.0);
            self.note(now, "regulator", "verification", text);
        } else {
            block.verification = Some(Verification::default());
            // A zero-length verification that fails is tried again at the next step, not
            // at the same instant (which would never let time move on).
            let again = if rule.verification_period == SimDuration::ZERO {
                self.s.step
            } else {
                rule.verification_period
            };
            block.pending = Some(self.cal.schedule(now + again, Event::VerificationDone));
            let text = format!(
                "regulator finds prevalence {:.4}% above {:.4}%: verification starts again",
                measured * 100.0,
                rule.max_prevalence * 100.0
            );
            self.note(now, "regulator", "verification", text);
        }
    }

    /// The regulator lifts the block in force.
    pub(super) fn unblock(&mut self, now: SimTime) {
        let Some(block) = self.blocks.active.take() else {
            return;
        };
        if let Some(pending) = block.pending {
            self.cal.cancel(pending);
        }
        let duration = now.since(block.start).as_days_f64();
        self.m.days_blocked += duration;
        self.blocks.records.push(BlockRecord {
            start: block.start,
            end: Some(now),
            duration_days: duration,
            censored: false,
            reason: block.reason,
        });
        let cal = &mut self.cal;
        self.ladder.end_throttle(|end| cal.cancel(end));
        self.set_access(now);
        self.ladder.restart_after_block(now, self.s.regulator.unblock.restart_at);
        self.blocks.last_lifted = Some(now);
        self.note(now, "regulator", "unblock", format!("regulator lifts the block after {duration:.1} days"));
        self.schedule_ladder_check(now);
        self.check_ladder(now);
    }
}
