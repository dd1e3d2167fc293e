//! Blocks and how they end. A block is decided when the ladder's block step fires and
//! takes effect after its apply lag (ISPs and app stores apply it). From then on the
//! lifting paths compete: compliance (every action the block's rule requires is done, a
//! verification period measures prevalence at or below its limit, and the regulator has
//! processed the lifting), and the paths of `lifting.rs` (court, backdown, mistake). The
//! first to come decides the lifting; access is restored after the lift lag, and the
//! block's duration runs from taking effect to access restored, as blocks are reported.
//! A block still in force at the horizon is censored.
//!
//! Each way for a block to end is a method here; a block's pending events are held by
//! key, so the path that ends a block cancels the others instead of leaving stale
//! events behind.
//!
//! This file is long because the unit tests of each way a block starts and ends live
//! beside the code they pin; the draws of the other paths are in `lifting.rs`.

use super::base::{Core, Event};
use super::lifting::{self, PathPlan};
use super::metrics::BlockRecord;
use super::process;
use crate::engine::{stream_at, EventKey, SimDuration, SimTime};
use crate::scenario::{BlockSpec, LiftPath, Sanction, Scenario, UnblockRule};

/// The block in force, if any, and the record of past blocks.
pub(super) struct Blocks {
    active: Option<ActiveBlock>,
    /// When the last block was lifted.
    last_lifted: Option<SimTime>,
    records: Vec<BlockRecord>,
    /// Blocks decided so far: the sequence number of the next one.
    imposed: u64,
    /// The replication's seed and number, which key each block's draws.
    seed: u64,
    replication: u64,
}

struct ActiveBlock {
    /// Sequence number in the replication (0 for the first block): the key of its
    /// draws, so a block's length does not depend on the draws of earlier blocks
    /// (common random numbers stay aligned between variants).
    index: u64,
    /// The ladder step that imposed it.
    step: usize,
    /// When the regulator decided it (the playbook reacts from then).
    decided_at: SimTime,
    /// When it took effect; `None` while ISPs are still applying it.
    start: Option<SimTime>,
    reason: String,
    /// Crawler samples and violating hits since the verification period began.
    verification: Option<Verification>,
    /// The block's pending compliance event: its verification end or lifting.
    pending: Option<EventKey>,
    /// The regulator has verified compliance and is processing the lifting.
    lifting: bool,
    /// The pending events of the other paths (and of the block taking effect).
    others: Vec<EventKey>,
    /// The court's ruling, once the platform has appealed.
    appeal: Option<lifting::Appeal>,
    /// The lifting is decided, by this path; access comes back after the lift lag.
    decided: Option<LiftPath>,
    /// Its lift lag, drawn with its apply lag when the block was decided.
    lift_lag: SimDuration,
}

#[derive(Default)]
struct Verification {
    samples: u64,
    hits: u64,
}

/// The spec of the block ladder step `step` imposes.
pub(super) fn spec(s: &Scenario, step: usize) -> &BlockSpec {
    match &s.regulator.ladder[step].sanction {
        Sanction::Block(spec) => spec,
        _ => unreachable!("only a block step imposes a block"),
    }
}

impl Blocks {
    pub(super) fn new(seed: u64, replication: u64) -> Self {
        Blocks { active: None, last_lifted: None, records: Vec::new(), imposed: 0, seed, replication }
    }

    /// Whether a block is decided and not yet lifted (the ladder waits meanwhile).
    pub(super) fn in_force(&self) -> bool {
        self.active.is_some()
    }

    /// The share of users the block in force cuts off at `now` (before VPNs), if it has
    /// taken effect: its `cut_off`, or for an app-store block the users who left since
    /// it took effect and were not replaced.
    pub(super) fn cut_off(&self, now: SimTime, s: &Scenario) -> Option<f64> {
        let block = self.active.as_ref()?;
        let start = block.start?;
        let spec = spec(s, block.step);
        Some(if spec.stops_installs {
            let kept = (1.0 - s.platform.user_turnover_per_day).powf(now.since(start).as_days_f64());
            spec.cut_off * (1.0 - kept)
        } else {
            spec.cut_off
        })
    }

    /// Whether the reach of the block in force changes with time (an app-store block).
    pub(super) fn reach_changes(&self, s: &Scenario) -> bool {
        self.active.as_ref().is_some_and(|b| b.start.is_some() && spec(s, b.step).stops_installs)
    }

    /// Whether `path` can end the block in force now: its lifting is not yet decided
    /// and its step lets `path` end it (a block ISPs have not yet applied included: it
    /// then never takes effect).
    pub(super) fn liftable_by(&self, path: LiftPath, s: &Scenario) -> bool {
        self.active.as_ref().is_some_and(|b| b.decided.is_none() && spec(s, b.step).lifted_by(path))
    }

    /// When the block in force was decided, if one is: what the platform did since
    /// counts for it.
    pub(super) fn decided_at(&self) -> Option<SimTime> {
        self.active.as_ref().map(|b| b.decided_at)
    }

    /// Whether a block has taken effect and is not yet lifted (ISPs cut access).
    pub(super) fn in_effect(&self) -> bool {
        self.active.as_ref().is_some_and(|b| b.start.is_some())
    }

    /// The compliance rule of the block in force, if compliance can end it and the
    /// block has taken effect.
    pub(super) fn compliance_rule<'s>(&self, s: &'s Scenario) -> Option<&'s UnblockRule> {
        let block = self.active.as_ref().filter(|b| b.start.is_some())?;
        let spec = spec(s, block.step);
        spec.lifted_by(LiftPath::Compliance).then_some(&spec.unblock)
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

    /// Ends the block in force at the horizon, censored; returns its record (none for
    /// a block that had not yet taken effect).
    pub(super) fn censor_at(&mut self, horizon: SimTime) -> Option<&BlockRecord> {
        let block = self.active.take()?;
        let start = block.start?;
        self.records.push(BlockRecord {
            number: block.index + 1,
            start,
            end: None,
            duration_days: horizon.since(start).as_days_f64(),
            censored: true,
            reason: block.reason,
            lifted_by: None,
        });
        self.records.last()
    }

    pub(super) fn into_records(self) -> Vec<BlockRecord> {
        self.records
    }
}

impl Blocks {
    /// Ladder step `step` decides a block for `reason`. Returns whether it takes effect
    /// at once (`World` then cuts the platform's reach); otherwise its taking effect
    /// is on the calendar.
    pub(super) fn impose(
        &mut self,
        now: SimTime,
        step: usize,
        reason: String,
        s: &Scenario,
        core: &mut Core,
    ) -> bool {
        let spec = spec(s, step);
        let mut rng = stream_at(self.seed, self.replication, process::BLOCK_LAGS, self.imposed);
        let apply_lag = spec.apply_lag.sample(&mut rng);
        let lift_lag = spec.lift_lag.sample(&mut rng);
        let who = spec.ordered_by.as_str();
        let reason = if who == "regulator" { reason } else { format!("{reason} (ordered by {who})") };
        let mut block = ActiveBlock {
            index: self.imposed,
            step,
            decided_at: now,
            start: None,
            reason: reason.clone(),
            verification: None,
            pending: None,
            lifting: false,
            others: Vec::new(),
            appeal: None,
            decided: None,
            lift_lag,
        };
        self.imposed += 1;
        if apply_lag == SimDuration::ZERO {
            core.note(now, "regulator", "block", format!("{who} blocks platform: {reason}"));
            self.active = Some(block);
            self.take_effect(now, false, s, core);
            return true;
        }
        let text = format!("{who} orders a block, applied in {}: {reason}", apply_lag.readable());
        core.note(now, "regulator", "block", text);
        block.others.push(core.cal.schedule(now + apply_lag, Event::BlockTakesEffect));
        self.active = Some(block);
        false
    }

    /// The block in force takes effect: it counts from now, and the paths that need no
    /// compliance draw when they would end it.
    pub(super) fn take_effect(&mut self, now: SimTime, after_lag: bool, s: &Scenario, core: &mut Core) {
        let Some(block) = &mut self.active else { return };
        if block.start.is_some() {
            return;
        }
        block.start = Some(now);
        block.others.clear();
        core.m.blocks += 1;
        if !core.m.blocked {
            core.m.blocked = true;
            core.m.time_to_first_block_days = now.as_days_f64();
        }
        if after_lag {
            core.note(now, "regulator", "block", "the block takes effect".into());
        }
        let plan: PathPlan =
            lifting::plan(s, spec(s, block.step), now, self.seed, self.replication, block.index);
        if let Some(appeal) = plan.appeal {
            block.others.push(core.cal.schedule(appeal.filed, Event::Appeal));
            block.appeal = Some(appeal);
        }
        if let Some(t) = plan.backdown {
            block.others.push(core.cal.schedule(t, Event::PathLifts(LiftPath::Backdown)));
        }
        if let Some(t) = plan.mistake {
            block.others.push(core.cal.schedule(t, Event::PathLifts(LiftPath::Mistake)));
        }
    }

    /// The platform appeals the block in force: the court will rule.
    pub(super) fn appeal(&mut self, now: SimTime, core: &mut Core) {
        let Some(block) = &mut self.active else { return };
        let Some(appeal) = &block.appeal else { return };
        let ruling = appeal.ruling;
        block.others.push(core.cal.schedule(ruling, Event::CourtRules));
        core.note(now, "platform", "appeal", "platform appeals the block in court".into());
    }

    /// The court rules on the appeal: whether it lifts the block.
    pub(super) fn court_rules(&mut self, now: SimTime, core: &mut Core) -> bool {
        let Some(block) = &mut self.active else { return false };
        let lifts = block.appeal.take().is_some_and(|a| a.lifts);
        if !lifts {
            core.note(now, "court", "ruling", "court upholds the block".into());
        }
        lifts
    }

    /// Starts the verification of the block in force, if compliance can end it, once
    /// the actions its rule requires are done (`required_done`).
    pub(super) fn try_start_verification(
        &mut self,
        now: SimTime,
        required_done: bool,
        s: &Scenario,
        core: &mut Core,
    ) {
        let Some(rule) = self.compliance_rule(s) else { return };
        let period = rule.verification_period;
        let Some(block) = &mut self.active else { return };
        if !required_done || block.verification.is_some() || block.lifting || block.decided.is_some() {
            return;
        }
        block.verification = Some(Verification::default());
        block.pending = Some(core.cal.schedule(now + period, Event::VerificationDone));
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
        let Some(rule) = self.compliance_rule(s) else { return };
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

    /// `path` decides the lifting of the block in force: every other path's pending
    /// event is cancelled. Returns whether access comes back now (no lift lag; `World`
    /// then calls [`Blocks::lift`]); otherwise its return is on the calendar.
    pub(super) fn decide_lifting(&mut self, now: SimTime, path: LiftPath, core: &mut Core) -> bool {
        let Some(block) = &mut self.active else { return false };
        if block.decided.is_some() {
            return false;
        }
        block.decided = Some(path);
        for key in block.pending.take().into_iter().chain(block.others.drain(..)) {
            core.cal.cancel(key);
        }
        let text = match path {
            LiftPath::Compliance => None,
            LiftPath::Court => Some(("court", "court lifts the block")),
            LiftPath::Backdown => {
                Some(("regulator", "regulator backs down and lifts the block without compliance"))
            }
            LiftPath::Mistake => Some(("regulator", "regulator corrects the block as a mistake")),
        };
        if let Some((actor, text)) = text {
            core.note(now, actor, "lifting", text.into());
        }
        if block.lift_lag == SimDuration::ZERO {
            return true;
        }
        let back = now + block.lift_lag;
        block.others.push(core.cal.schedule(back, Event::AccessRestored));
        core.note(now, "regulator", "lifting", format!("access comes back in {}", block.lift_lag.readable()));
        false
    }

    /// Access comes back: the block in force ends and its pending events are
    /// cancelled. Returns the ladder step that imposed it, if there was one (`World`
    /// then ends the throttle, restores the platform's reach and restarts the ladder).
    pub(super) fn lift(&mut self, now: SimTime, core: &mut Core) -> Option<usize> {
        let mut block = self.active.take()?;
        for key in block.pending.take().into_iter().chain(block.others.drain(..)) {
            core.cal.cancel(key);
        }
        self.last_lifted = Some(now);
        let Some(start) = block.start else {
            // Backed down before ISPs applied it (`on_event`): no one was cut off, and
            // there is no block to record.
            return Some(block.step);
        };
        let duration = now.since(start).as_days_f64();
        core.m.days_blocked += duration;
        let path = block.decided.unwrap_or(LiftPath::Compliance);
        self.records.push(BlockRecord {
            number: block.index + 1,
            start,
            end: Some(now),
            duration_days: duration,
            censored: false,
            reason: block.reason,
            lifted_by: Some(path),
        });
        let text = match path {
            LiftPath::Compliance => format!("regulator lifts the block after {duration:.1} days"),
            other => format!("the block ends after {duration:.1} days ({})", other.name()),
        };
        core.note(now, "regulator", "unblock", text);
        Some(block.step)
    }
}

#[cfg(test)]
mod tests {
    use super::super::base::{day, test_scenario};
    use super::*;

    /// A block imposed on day 7 of the hand-computed scenario.
    fn blocked(s: &Scenario, core: &mut Core) -> Blocks {
        let mut blocks = Blocks::new(7, 0);
        assert!(!blocks.in_force());
        assert!(blocks.impose(day(7), 1, "no response".into(), s, core), "no apply lag");
        assert!(blocks.in_force());
        assert_eq!((core.m.blocks, core.m.blocked, core.m.time_to_first_block_days), (1, true, 7.0));
        blocks
    }

    /// A block imposed on day 7 whose verification started on day 8.
    fn verifying(s: &Scenario, core: &mut Core) -> Blocks {
        let mut blocks = blocked(s, core);
        blocks.try_start_verification(day(8), true, s, core);
        blocks
    }

    #[test]
    fn verification_waits_for_the_required_actions_and_starts_once() {
        let s = test_scenario(&[]);
        let mut core = Core::new(false);
        let mut blocks = blocked(&s, &mut core);
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
        assert_eq!(blocks.lift(day(13), &mut core), Some(1));
        assert!(!blocks.in_force() && blocks.lifted_at(day(13)) && !blocks.lifted_at(day(14)));
        assert_eq!(core.m.days_blocked, 6.0);
        assert_eq!(blocks.lift(day(14), &mut core), None, "no block left to lift");
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
        assert_eq!(blocks.lift(day(9), &mut core), Some(1));
        assert_eq!(core.due_by(day(30)), vec![], "the verification of a lifted block does not end");
    }

    /// Imposes a block at `start` that passes its verification with `s`; returns the
    /// end of the verification and the lifting.
    fn lifting_at(blocks: &mut Blocks, start: SimTime, s: &Scenario) -> (SimTime, SimTime) {
        let mut core = Core::new(false);
        blocks.impose(start, 1, "no response".into(), s, &mut core);
        blocks.try_start_verification(start, true, s, &mut core);
        let [(verified, Event::VerificationDone)] = core.due_by(SimTime(u64::MAX))[..] else {
            panic!("one verification")
        };
        blocks.verification_done(verified, 0.0, s, &mut core);
        let [(lifted, Event::Unblock)] = core.due_by(SimTime(u64::MAX))[..] else { panic!("one lifting") };
        assert!(blocks.decide_lifting(lifted, LiftPath::Compliance, &mut core));
        assert_eq!(blocks.lift(lifted, &mut core), Some(1));
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
        let s = test_scenario(&[]);
        let mut core = Core::new(false);
        let mut blocks = blocked(&s, &mut core);
        let censored = blocks.censor_at(day(30)).cloned().unwrap();
        assert_eq!((censored.duration_days, censored.censored, censored.end), (23.0, true, None));
        assert!(!blocks.in_force());
        assert_eq!(blocks.censor_at(day(30)), None);
    }
}
