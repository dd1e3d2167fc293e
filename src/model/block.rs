//! Blocks and how they end. A block starts when the ladder's block step fires. It is
//! lifted once every action the unblock rule requires is done, a verification period
//! measures prevalence at or below the rule's limit, and the regulator has processed
//! the lifting. A block still in force at the horizon is censored.
//!
//! Each way for a block to end is a method here; a block's pending event (its
//! verification or its lifting) is held by key, so a new way to end a block cancels
//! it instead of leaving a stale event behind.

use super::base::{Core, Event};
use super::metrics::BlockRecord;
use super::process;
use crate::engine::{stream_at, EventKey, SimDuration, SimTime};
use crate::scenario::Scenario;

/// The block in force, if any, and the record of past blocks.
pub(super) struct Blocks {
    active: Option<ActiveBlock>,
    /// When the last block was lifted.
    last_lifted: Option<SimTime>,
    records: Vec<BlockRecord>,
    /// Blocks imposed so far: the sequence number of the next one.
    imposed: u64,
    /// The replication's seed and number, which key each block's unblock processing
    /// time.
    seed: u64,
    replication: u64,
}

struct ActiveBlock {
    /// Sequence number in the replication (0 for the first block): the key of its
    /// unblock processing time, so a block's length does not depend on the draws of
    /// earlier blocks (common random numbers stay aligned between variants).
    index: u64,
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
        Blocks { active: None, last_lifted: None, records: Vec::new(), imposed: 0, seed, replication }
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

impl Blocks {
    /// The ladder's block step fires: the block begins (`World` cuts the platform's
    /// reach).
    pub(super) fn impose(&mut self, now: SimTime, reason: String, core: &mut Core) {
        self.active = Some(ActiveBlock {
            index: self.imposed,
            start: now,
            reason: reason.clone(),
            verification: None,
            pending: None,
            lifting: false,
        });
        self.imposed += 1;
        core.m.blocks += 1;
        if !core.m.blocked {
            core.m.blocked = true;
            core.m.time_to_first_block_days = now.as_days_f64();
        }
        core.note(now, "regulator", "block", format!("regulator blocks platform: {reason}"));
    }

    /// Starts the verification of the block in force, if any, once the actions the
    /// unblock rule requires are done (`required_done`).
    pub(super) fn try_start_verification(
        &mut self,
        now: SimTime,
        required_done: bool,
        s: &Scenario,
        core: &mut Core,
    ) {
        let Some(block) = &mut self.active else { return };
        if !required_done || block.verification.is_some() || block.lifting {
            return;
        }
        block.verification = Some(Verification::default());
        block.pending =
            Some(core.cal.schedule(now + s.regulator.unblock.verification_period, Event::VerificationDone));
    }

    /// The verification period ends: the regulator measures prevalence on its samples
    /// (on `prevalence_now` when it took none) and lifts the block or verifies again.
    pub(super) fn verification_done(
        &mut self,
        now: SimTime,
        prevalence_now: f64,
        s: &Scenario,
        core: &mut Core,
    ) {
        let rule = &s.regulator.unblock;
        let Some(block) = &mut self.active else { return };
        let Some(v) = block.verification.take() else { return };
        let measured = if v.samples > 0 { v.hits as f64 / v.samples as f64 } else { prevalence_now };
        if measured <= rule.max_prevalence {
            block.lifting = true;
            let mut rng = stream_at(self.seed, self.replication, process::BLOCK_UNBLOCK, block.index);
            let delay = rule.processing_time.sample(&mut rng);
            block.pending = Some(core.cal.schedule(now + delay, Event::Unblock));
            let text = format!("regulator verifies compliance: measured prevalence {:.4}%", measured * 100.0);
            core.note(now, "regulator", "verification", text);
        } else {
            block.verification = Some(Verification::default());
            // A zero-length verification that fails is tried again at the next step, not
            // at the same instant (which would never let time move on).
            let again =
                if rule.verification_period == SimDuration::ZERO { s.step } else { rule.verification_period };
            block.pending = Some(core.cal.schedule(now + again, Event::VerificationDone));
            let text = format!(
                "regulator finds prevalence {:.4}% above {:.4}%: verification starts again",
                measured * 100.0,
                rule.max_prevalence * 100.0
            );
            core.note(now, "regulator", "verification", text);
        }
    }

    /// The regulator lifts the block in force and cancels its pending event. Returns
    /// whether there was one (`World` then ends the throttle, restores the platform's
    /// reach and restarts the ladder).
    pub(super) fn lift(&mut self, now: SimTime, core: &mut Core) -> bool {
        let Some(block) = self.active.take() else {
            return false;
        };
        if let Some(pending) = block.pending {
            core.cal.cancel(pending);
        }
        let duration = now.since(block.start).as_days_f64();
        core.m.days_blocked += duration;
        self.records.push(BlockRecord {
            start: block.start,
            end: Some(now),
            duration_days: duration,
            censored: false,
            reason: block.reason,
        });
        self.last_lifted = Some(now);
        core.note(now, "regulator", "unblock", format!("regulator lifts the block after {duration:.1} days"));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::base::{day, test_scenario};
    use super::*;

    /// A block imposed on day 7 of the hand-computed scenario.
    fn blocked(core: &mut Core) -> Blocks {
        let mut blocks = Blocks::new(7, 0);
        assert!(!blocks.in_force());
        blocks.impose(day(7), "no response".into(), core);
        assert!(blocks.in_force());
        assert_eq!((core.m.blocks, core.m.blocked, core.m.time_to_first_block_days), (1, true, 7.0));
        blocks
    }

    /// A block imposed on day 7 whose verification started on day 8.
    fn verifying(s: &Scenario, core: &mut Core) -> Blocks {
        let mut blocks = blocked(core);
        blocks.try_start_verification(day(8), true, s, core);
        blocks
    }

    #[test]
    fn verification_waits_for_the_required_actions_and_starts_once() {
        let s = test_scenario(&[]);
        let mut core = Core::new(false);
        let mut blocks = blocked(&mut core);
        blocks.try_start_verification(day(8), false, &s, &mut core);
        assert_eq!(core.due_by(day(30)), vec![]);
        blocks.try_start_verification(day(8), true, &s, &mut core);
        blocks.try_start_verification(day(9), true, &s, &mut core);
        assert_eq!(core.due_by(day(30)), vec![(day(10), Event::VerificationDone)]);
    }

    #[test]
    fn a_failed_verification_restarts_and_a_passed_one_schedules_the_lifting() {
        let s = test_scenario(&[]);
        let mut core = Core::new(true);
        let mut blocks = verifying(&s, &mut core);
        blocks.record_samples(100, 50);
        core.due_by(day(10));
        // Half the samples violate: far above the 0.1% allowed.
        blocks.verification_done(day(10), 0.0, &s, &mut core);
        assert_eq!(
            core.log().last().unwrap().text,
            "regulator finds prevalence 50.0000% above 0.1000%: verification starts again"
        );
        assert_eq!(core.due_by(day(30)), vec![(day(12), Event::VerificationDone)]);
        // No samples this time: the prevalence now decides, and it is low enough.
        blocks.verification_done(day(12), 0.0005, &s, &mut core);
        assert_eq!(
            core.log().last().unwrap().text,
            "regulator verifies compliance: measured prevalence 0.0500%"
        );
        blocks.try_start_verification(day(12), true, &s, &mut core);
        assert_eq!(
            core.due_by(day(30)),
            vec![(day(13), Event::Unblock)],
            "no new verification while lifting"
        );
        assert!(blocks.lift(day(13), &mut core));
        assert!(!blocks.in_force() && blocks.lifted_at(day(13)) && !blocks.lifted_at(day(14)));
        assert_eq!(core.m.days_blocked, 6.0);
        assert!(!blocks.lift(day(14), &mut core), "no block left to lift");
        let records = blocks.into_records();
        assert_eq!((records.len(), records[0].end, records[0].censored), (1, Some(day(13)), false));
    }

    #[test]
    fn a_failed_zero_length_verification_tries_again_at_the_next_step() {
        let s = test_scenario(&["regulator.unblock.verification_period=\"0s\""]);
        let mut core = Core::new(false);
        let mut blocks = verifying(&s, &mut core);
        assert_eq!(core.due_by(day(8)), vec![(day(8), Event::VerificationDone)]);
        blocks.verification_done(day(8), 0.5, &s, &mut core);
        assert_eq!(core.due_by(day(30)), vec![(day(9), Event::VerificationDone)]);
    }

    #[test]
    fn a_lifted_block_cancels_its_pending_event() {
        let s = test_scenario(&[]);
        let mut core = Core::new(false);
        let mut blocks = verifying(&s, &mut core);
        assert!(blocks.lift(day(9), &mut core));
        assert_eq!(core.due_by(day(30)), vec![], "the verification of a lifted block does not end");
    }

    /// Imposes a block at `start` that passes its verification with `s`; returns the
    /// end of the verification and the lifting.
    fn lifting_at(blocks: &mut Blocks, start: SimTime, s: &Scenario) -> (SimTime, SimTime) {
        let mut core = Core::new(false);
        blocks.impose(start, "no response".into(), &mut core);
        blocks.try_start_verification(start, true, s, &mut core);
        let [(verified, Event::VerificationDone)] = core.due_by(SimTime(u64::MAX))[..] else {
            panic!("one verification")
        };
        blocks.verification_done(verified, 0.0, s, &mut core);
        let [(lifted, Event::Unblock)] = core.due_by(SimTime(u64::MAX))[..] else { panic!("one lifting") };
        assert!(blocks.lift(lifted, &mut core));
        (verified, lifted)
    }

    #[test]
    fn a_blocks_processing_time_does_not_depend_on_what_earlier_blocks_drew() {
        let random =
            test_scenario(&[r#"regulator.unblock.processing_time={ dist = "exponential", mean = "1d" }"#]);
        // A first block processed in a fixed time draws nothing; the second block must
        // not notice.
        let fixed = test_scenario(&[]);
        let second_block = |first: &Scenario| {
            let mut blocks = Blocks::new(7, 0);
            lifting_at(&mut blocks, day(1), first);
            lifting_at(&mut blocks, day(100), &random)
        };
        let (verified, lifted) = second_block(&random);
        assert_eq!(second_block(&fixed), (verified, lifted));
        let processing = random.regulator.unblock.processing_time;
        assert_eq!(lifted, verified + processing.sample(&mut stream_at(7, 0, process::BLOCK_UNBLOCK, 1)));
    }

    #[test]
    fn a_block_in_force_at_the_horizon_is_censored() {
        let mut core = Core::new(false);
        let mut blocks = blocked(&mut core);
        let censored = blocks.censor_at(day(30)).cloned().unwrap();
        assert_eq!((censored.duration_days, censored.censored, censored.end), (23.0, true, None));
        assert!(!blocks.in_force());
        assert_eq!(blocks.censor_at(day(30)), None);
    }
}
