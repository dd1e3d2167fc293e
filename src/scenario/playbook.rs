//! The platform's playbook as a valid scenario says it: compliance actions, what sets
//! them in motion, their effects, and the outside events they may wait for. Only the
//! lowering builds them.

use crate::engine::{DurationDist, SimDuration};

/// A compliance action in the platform's playbook.
#[derive(Clone, Debug)]
pub struct Action {
    pub name: String,
    pub on: ActionTrigger,
    pub delay: DurationDist,
    /// Chance the platform takes the action when it is set in motion (drawn each time).
    pub probability: f64,
    /// Once done, the action is set in motion again at each later occurrence of its
    /// trigger.
    pub repeat: bool,
    /// One-off cost, counted when the action takes effect.
    pub cost: f64,
    pub effect: Effect,
}

/// The event that sets an action or an outside event in motion (once per replication,
/// unless the action repeats).
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum ActionTrigger {
    Start,
    FirstOrder,
    /// An escalation step fired (ladder index).
    Step(usize),
    /// An action was completed (playbook index).
    Action(usize),
    /// An outside event happened (index into the scenario's events).
    Event(usize),
    /// The block in force has lasted this long.
    BlockedFor(SimDuration),
    /// Revenue lost since the start reaches this amount.
    RevenueLost(f64),
}

/// Something beyond the platform and the regulator (`[[events]]`): a court ruling, an
/// election, a meeting called by a minister. It happens at most once per replication.
#[derive(Clone, Debug)]
pub struct OutsideEvent {
    pub name: String,
    pub on: ActionTrigger,
    pub delay: DurationDist,
    /// Chance it happens at all once set in motion.
    pub probability: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Sweep the violating stock visible when the cleanup starts, at this rate.
    Cleanup {
        items_per_day: f64,
    },
    HireModerators {
        moderators: u32,
    },
    /// Raise detection recall of every category to at least this value.
    ImproveDetection {
        recall: f64,
    },
    /// Multiply views of all items by this factor.
    AgeGate {
        views_factor: f64,
    },
    /// Multiply the platform's order handling time by this factor (1 when not given),
    /// and obey this share of takedown orders from then on, when given.
    LocalOffice {
        handling_factor: f64,
        compliance_probability: Option<f64>,
    },
    Register,
    Commitment,
    /// A meeting with the regulator or the government: no effect of its own; other
    /// actions wait for it.
    Meeting,
}

impl Effect {
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::Cleanup { .. } => "cleanup",
            Effect::HireModerators { .. } => "hire_moderators",
            Effect::ImproveDetection { .. } => "improve_detection",
            Effect::AgeGate { .. } => "age_gate",
            Effect::LocalOffice { .. } => "local_office",
            Effect::Register => "register",
            Effect::Commitment => "commitment",
            Effect::Meeting => "meeting",
        }
    }
}
