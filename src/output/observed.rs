//! run.json's `observed`: what really happened in the case a scenario is written from
//! (`[observed]`), so that the report can set it beside the simulated outcomes without
//! reading the scenario.

use serde::{Deserialize, Serialize};

use crate::scenario::Observed;

/// The observed episode, in days since the scenario's start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObservedRecord {
    /// Whether a block began.
    pub blocked: bool,
    /// When it took effect, in days since the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_start_day: Option<f64>,
    /// How long it lasted, in days (to the last day known in force, when censored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_days: Option<f64>,
    /// Still in force on the last day the record knows of.
    #[serde(default)]
    pub censored: bool,
    /// The path that ended it, when the record says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifted_by: Option<String>,
    /// Where the record comes from.
    #[serde(default)]
    pub sources: Vec<String>,
}

impl ObservedRecord {
    /// The record of `observed`.
    pub fn of(observed: &Observed) -> ObservedRecord {
        let duration = observed.duration_days();
        ObservedRecord {
            blocked: observed.blocked(),
            block_start_day: observed.block_start.map(|t| t.as_days_f64()),
            duration_days: duration.map(|d| d.0),
            censored: duration.is_some_and(|d| d.1),
            lifted_by: observed.lifted_by.map(|p| p.name().to_owned()),
            sources: observed.sources.clone(),
        }
    }
}
