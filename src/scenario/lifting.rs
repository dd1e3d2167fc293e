//! How blocks end and what they cut off, as a valid scenario says: the lifting paths
//! (compliance by an [`UnblockRule`], a [`Court`], a [`Backdown`], a [`Mistake`]) and
//! what a block step imposes ([`BlockSpec`]). Only the lowering builds them.

use crate::engine::{DurationDist, SimDuration, SimTime};

/// A way for a block to end. Paths compete: the first to come ends the block.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum LiftPath {
    /// The regulator's conditions are met and verified (`[regulator.unblock]`).
    Compliance,
    /// A court rules on the platform's appeal and lifts the block.
    Court,
    /// The government or regulator lifts the block without compliance.
    Backdown,
    /// The block turns out to have been a mistake and is corrected.
    Mistake,
}

impl LiftPath {
    /// Every path, in output order.
    pub const ALL: [LiftPath; 4] =
        [LiftPath::Compliance, LiftPath::Court, LiftPath::Backdown, LiftPath::Mistake];

    /// The path's name in files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            LiftPath::Compliance => "compliance",
            LiftPath::Court => "court",
            LiftPath::Backdown => "backdown",
            LiftPath::Mistake => "mistake",
        }
    }
}

/// The court path: the platform appeals a block, a court rules after a while, and the
/// ruling lifts the block or lets it stand.
#[derive(Clone, Debug, PartialEq)]
pub struct Court {
    /// Chance that the platform appeals a block.
    pub appeal_probability: f64,
    /// From the block taking effect to the appeal.
    pub appeal_delay: DurationDist,
    /// From the appeal to the ruling.
    pub ruling_time: DurationDist,
    /// Chance that the ruling lifts the block.
    pub lift_probability: f64,
}

/// The backdown path: the government or regulator lifts a block without compliance,
/// after a random time, under a hazard that grows with the block's cost, or on a date;
/// whichever comes first.
#[derive(Clone, Debug, PartialEq)]
pub struct Backdown {
    /// From the block taking effect to a backdown, independent of its cost.
    pub after: Option<DurationDist>,
    /// Hazard per day per million user-days the block has cost so far.
    pub rate_per_million_user_days: f64,
    /// Any block in force at this moment is lifted.
    pub at: Option<SimTime>,
    /// Any block in force when this outside event (an index into the scenario's
    /// events) happens is lifted: a government that gives in to protests.
    pub on_event: Option<usize>,
}

/// The mistake path: a share of blocks turn out to be mistakes and are corrected.
#[derive(Clone, Debug, PartialEq)]
pub struct Mistake {
    pub probability: f64,
    /// From the block taking effect to its correction.
    pub corrected_after: DurationDist,
}

/// How a block ends by compliance, and what follows its lifting.
#[derive(Clone, Debug, PartialEq)]
pub struct UnblockRule {
    /// Playbook indices that must be complete before verification starts.
    pub required_actions: Vec<usize>,
    /// Measured prevalence over the verification period must not exceed this.
    pub max_prevalence: f64,
    pub verification_period: SimDuration,
    /// The regulator's time from a passed verification to lifting the block.
    pub processing_time: DurationDist,
    /// Ladder index from which escalation starts again after a block is lifted;
    /// `None`: it does not start again.
    pub restart_at: Option<usize>,
    /// After a lifting, escalation resumes only after this.
    pub probation: SimDuration,
}

/// What a block step cuts off and how its block can end.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockSpec {
    /// The paths that can end this block.
    pub lifted_by: Vec<LiftPath>,
    /// This block's compliance rule (the regulator's unless the step names its own).
    pub unblock: UnblockRule,
    /// Who ordered the block ("regulator", "court"), for its reason and the trace.
    pub ordered_by: String,
    /// Share of users the block cuts off; VPN users among them keep access.
    pub cut_off: f64,
    /// An app-store block: users who leave are not replaced, so reach falls by the
    /// platform's turnover while it is in force, instead of at once.
    pub stops_installs: bool,
    /// From the decision to the block taking effect (ISPs and app stores apply it).
    pub apply_lag: DurationDist,
    /// From the lifting decision to access restored.
    pub lift_lag: DurationDist,
}

impl BlockSpec {
    /// Whether `path` can end this block.
    pub fn lifted_by(&self, path: LiftPath) -> bool {
        self.lifted_by.contains(&path)
    }
}

/// What really happened in a case: whether a block began, when it took effect, and
/// when access came back (or the last day it was known to be in force: censored).
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// When the block took effect; `None` when the episode ended without a block.
    pub block_start: Option<SimTime>,
    /// How the observation ends; `None` when there was no block.
    pub end: Option<ObservedEnd>,
    /// The path that ended the block, when the record says.
    pub lifted_by: Option<LiftPath>,
    /// Where the record comes from.
    pub sources: Vec<String>,
}

/// How an observed block ends.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum ObservedEnd {
    /// Access came back at this moment.
    Restored(SimTime),
    /// The block was still in force at this moment, the last the record knows of.
    InForceOn(SimTime),
}

impl Observed {
    /// Whether a block began.
    pub fn blocked(&self) -> bool {
        self.block_start.is_some()
    }

    /// The observed duration in days and whether it is censored (still in force at
    /// its end); `None` without a block.
    pub fn duration_days(&self) -> Option<(f64, bool)> {
        let start = self.block_start?;
        Some(match self.end? {
            ObservedEnd::Restored(t) => (t.since(start).as_days_f64(), false),
            ObservedEnd::InForceOn(t) => (t.since(start).as_days_f64(), true),
        })
    }
}
