//! Serde structs that mirror the scenario file one to one.
//!
//! Nothing here is validated beyond types: `lower/` turns these into the domain types
//! of `scenario::Scenario`, checking ranges and references and naming the key path of
//! every problem. Only this file knows the TOML spelling of things.

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

use super::schema_forms::{names, ClockTime, Date, Duration, LiftPathName, Moment};

/// The distributions of a random duration (`dist = ...`) and the parameters each
/// takes, all of them required.
pub const DISTRIBUTIONS: [(&str, &[&str]); 6] = [
    ("fixed", &["value"]),
    ("exponential", &["mean"]),
    ("lognormal", &["median", "p90"]),
    ("gamma", &["mean", "sd"]),
    ("uniform", &["min", "max"]),
    ("triangular", &["min", "mode", "max"]),
];

/// A ladder step's `kind`s.
pub const STEP_KINDS: [&str; 4] = ["warning", "fine", "throttle", "block"];

/// A playbook action's `kind`s.
pub const ACTION_KINDS: [&str; 8] = [
    "cleanup",
    "hire_moderators",
    "improve_detection",
    "age_gate",
    "local_office",
    "register",
    "commitment",
    "meeting",
];

/// The review queue's `discipline`s.
pub const DISCIPLINES: [&str; 2] = ["fifo", "urgent_first"];

/// The review queue's `queue_model`s.
pub const QUEUE_MODELS: [&str; 3] = ["auto", "items", "cohorts"];

/// A category's attention `profile`s.
pub const ATTENTION_PROFILES: [&str; 2] = ["constant", "exponential"];

names!(StepKind, STEP_KINDS, "What the step does: warn, fine, throttle or block the platform.");
names!(ActionKind, ACTION_KINDS, "What the action does (docs/scenario-format.md, [[playbook]]).");
names!(Discipline, DISCIPLINES, "Which waiting item a moderator takes next.");
names!(QueueModel, QUEUE_MODELS, "How the review queue is simulated: each item, in cohorts, or by volume.");
names!(AttentionProfile, ATTENTION_PROFILES, "How an item's views depend on its age.");

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawMeta,
    pub platform: RawPlatform,
    pub regulator: RawRegulator,
    #[serde(default)]
    pub playbook: Vec<RawAction>,
    #[serde(default)]
    pub variants: Vec<RawVariant>,
    #[serde(default)]
    pub events: Vec<RawEvent>,
    pub observed: Option<RawObserved>,
    pub posterior: Option<RawPosterior>,
    /// Where numbers come from: a parameter's path, or a section's, to its source.
    #[serde(default)]
    pub sources: std::collections::BTreeMap<String, RawSource>,
}

/// Where a number comes from (`[sources]`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    #[schemars(with = "SourceKindName")]
    pub kind: String,
    /// What the record says, or how the number was reached.
    pub note: Option<String>,
    /// Where the record is.
    pub url: Option<String>,
}

/// The kinds of `[sources]` entries.
pub const SOURCE_KINDS: [&str; 3] = ["sourced", "calibrated", "guess"];

names!(SourceKindName, SOURCE_KINDS, "How a number was arrived at: from a cited record, fitted to what was observed, or the author's judgement.");

/// Parameters drawn from a calibration posterior (`[posterior]`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPosterior {
    /// The posterior.csv, relative to the scenario file.
    pub file: String,
    /// Posterior column -> the override paths it sets.
    #[serde(default)]
    pub paths: std::collections::BTreeMap<String, Vec<String>>,
}

/// What really happened in a case (`[observed]`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawObserved {
    pub blocked: Option<bool>,
    #[schemars(with = "Option<Moment>")]
    pub block_start: Option<toml::Value>,
    #[schemars(with = "Option<Moment>")]
    pub access_restored: Option<toml::Value>,
    #[schemars(with = "Option<Moment>")]
    pub in_force_on: Option<toml::Value>,
    #[schemars(with = "Option<LiftPathName>")]
    pub lifted_by: Option<String>,
    #[serde(default)]
    pub sources: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Override paths (quoted keys) and their values.
    #[serde(default)]
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub set: toml::Table,
    /// Paths to delete, before `set` is applied.
    #[serde(default)]
    pub unset: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// A calendar date or date-time; the scenario clock's zero.
    #[schemars(with = "Option<Date>")]
    pub start: Option<toml::Value>,
    #[schemars(with = "Duration")]
    pub horizon: String,
    #[schemars(with = "Option<Duration>")]
    pub step: Option<String>,
    #[schemars(with = "Option<Duration>")]
    pub warm_up: Option<String>,
    pub replications: Option<u64>,
    pub seed: Option<u64>,
    /// The currency of every amount in the file (`"USD"`).
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPlatform {
    pub daily_active_users: f64,
    pub uploads_per_day: f64,
    pub catalogue_items: f64,
    pub vpn_share: Option<f64>,
    pub user_turnover_per_day: Option<f64>,
    pub revenue_per_user_day: Option<f64>,
    pub flagged_visible_while_queued: Option<bool>,
    pub categories: Vec<RawCategory>,
    #[serde(default)]
    pub detection: RawDetection,
    pub review: RawReview,
    pub orders: RawOrders,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    pub name: String,
    pub share: f64,
    pub urgent: Option<bool>,
    pub views_per_item_per_day: f64,
    pub report_probability: Option<f64>,
    pub recall: Option<f64>,
    pub initial_stock: Option<u64>,
    pub attention: Option<RawAttention>,
}

/// `attention = { profile = "exponential", half_life = "6h" }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAttention {
    #[schemars(with = "AttentionProfile")]
    pub profile: String,
    #[schemars(with = "Option<Duration>")]
    pub half_life: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDetection {
    pub false_positive_rate: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReview {
    pub moderators: u32,
    pub hours_per_day: Option<f64>,
    #[schemars(with = "Option<ClockTime>")]
    pub shift_start: Option<String>,
    pub review_time: RawDist,
    pub accuracy: Option<f64>,
    #[schemars(with = "Option<Discipline>")]
    pub discipline: Option<String>,
    pub cost_per_moderator_day: Option<f64>,
    #[schemars(with = "Option<QueueModel>")]
    pub queue_model: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOrders {
    pub handling_time: RawDist,
    pub compliance_probability: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRegulator {
    pub crawler_samples_per_day: Option<f64>,
    pub complaints_per_violating_view: Option<f64>,
    pub order_preparation: RawDist,
    #[schemars(with = "Duration")]
    pub order_deadline: String,
    #[schemars(with = "Option<Duration>")]
    pub urgent_order_deadline: Option<String>,
    pub ladder: Vec<RawStep>,
    pub unblock: RawUnblock,
    pub court: Option<RawCourt>,
    pub backdown: Option<RawBackdown>,
    pub mistake: Option<RawMistake>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCourt {
    pub appeal_probability: Option<f64>,
    pub appeal_delay: Option<RawDist>,
    pub ruling_time: RawDist,
    pub lift_probability: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBackdown {
    pub after: Option<RawDist>,
    pub rate_per_million_user_days: Option<f64>,
    #[schemars(with = "Option<Moment>")]
    pub at: Option<toml::Value>,
    pub on_event: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMistake {
    pub probability: f64,
    pub corrected_after: RawDist,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: String,
    #[schemars(with = "StepKind")]
    pub kind: String,
    pub trigger: RawTrigger,
    pub amount: Option<f64>,
    pub access: Option<f64>,
    #[schemars(with = "Option<Duration>")]
    pub duration: Option<String>,
    #[schemars(with = "Option<Vec<LiftPathName>>")]
    pub lifted_by: Option<Vec<String>>,
    pub unblock: Option<RawStepUnblock>,
    pub ordered_by: Option<String>,
    pub cut_off: Option<f64>,
    pub stops_installs: Option<bool>,
    pub apply_lag: Option<RawDist>,
    pub lift_lag: Option<RawDist>,
}

/// A block step's own unblock rule: any key of `[regulator.unblock]`, the others taken
/// from there.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStepUnblock {
    pub required_actions: Option<Vec<String>>,
    pub max_prevalence: Option<f64>,
    #[schemars(with = "Option<Duration>")]
    pub verification_period: Option<String>,
    pub processing_time: Option<RawDist>,
    pub restart_ladder_at: Option<String>,
    #[schemars(with = "Option<Duration>")]
    pub probation: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTrigger {
    pub findings: Option<u64>,
    pub missed_orders: Option<u64>,
    #[schemars(with = "Option<Duration>")]
    pub within: Option<String>,
    pub after_step: Option<String>,
    pub wait: Option<RawDist>,
    #[schemars(with = "Option<Moment>")]
    pub at: Option<toml::Value>,
    #[serde(default)]
    pub unless: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUnblock {
    #[serde(default)]
    pub required_actions: Vec<String>,
    pub max_prevalence: Option<f64>,
    #[schemars(with = "Option<Duration>")]
    pub verification_period: Option<String>,
    pub processing_time: RawDist,
    pub restart_ladder_at: Option<String>,
    #[schemars(with = "Option<Duration>")]
    pub probation: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    pub name: String,
    #[schemars(with = "ActionKind")]
    pub kind: String,
    pub on: RawOn,
    pub delay: Option<RawDist>,
    pub probability: Option<f64>,
    pub repeat: Option<bool>,
    pub cost: Option<f64>,
    pub items_per_day: Option<f64>,
    pub moderators: Option<u32>,
    pub recall: Option<f64>,
    pub views_factor: Option<f64>,
    pub handling_factor: Option<f64>,
    pub compliance_probability: Option<f64>,
}

/// An outside event (`[[events]]`): something beyond the platform and the regulator
/// that actions can wait for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub name: String,
    pub on: RawOn,
    pub delay: Option<RawDist>,
    pub probability: Option<f64>,
}

/// What sets an action or an outside event in motion, as written. (Its schema is in
/// `schema.rs`.)
#[derive(Debug, Clone, PartialEq)]
pub enum RawOn {
    /// A trigger's name, or a date in quotes or bare (`on = 2018-07-03`), as text.
    Name(String),
    /// The block in force has lasted this long (`{ blocked_for = "30d" }`).
    BlockedFor(String),
    /// Revenue lost since the start reaches this (`{ revenue_lost = 5e6 }`).
    RevenueLost(f64),
}

/// A random duration as written: either a plain duration string (fixed) or a table
/// naming the distribution and its parameters. (Its schema is in `schema.rs`.)
#[derive(Debug, Clone)]
pub enum RawDist {
    Fixed(String),
    Table(RawDistTable),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistTable {
    pub dist: String,
    pub value: Option<String>,
    pub mean: Option<String>,
    pub median: Option<String>,
    pub p90: Option<String>,
    pub sd: Option<String>,
    pub min: Option<String>,
    pub mode: Option<String>,
    pub max: Option<String>,
}

// Hand-written so that a typo inside a distribution table gets the table's own error
// ("unknown field `meen`, expected one of ...") instead of serde's untagged "did not
// match any variant".
impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DistVisitor;
        impl<'de> Visitor<'de> for DistVisitor {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration such as \"4h\" or a table such as { dist = \"exponential\", mean = \"4h\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDist, A::Error> {
                RawDistTable::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawDist::Table)
            }
        }
        deserializer.deserialize_any(DistVisitor)
    }
}

/// The keys of an `on` table.
const ON_KEYS: &[&str] = &["blocked_for", "revenue_lost"];

// Hand-written: `on` is text, a bare date (which toml hands to serde as a one-key table,
// so that `on = 2018-07-03` means `on = "2018-07-03"`) or a table of one condition, whose
// unknown keys are named as in any other table.
impl<'de> Deserialize<'de> for RawOn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OnVisitor;
        impl<'de> Visitor<'de> for OnVisitor {
            type Value = RawOn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a date or a table such as { blocked_for = \"30d\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawOn, E> {
                Ok(RawOn::Name(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawOn, A::Error> {
                let mut found: Option<RawOn> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let on = match key.as_str() {
                        "$__toml_private_datetime" => {
                            let text: String = map.next_value()?;
                            let date: toml::value::Datetime = text.parse().map_err(de::Error::custom)?;
                            return Ok(RawOn::Name(date.to_string()));
                        }
                        "blocked_for" => RawOn::BlockedFor(map.next_value()?),
                        "revenue_lost" => RawOn::RevenueLost(map.next_value()?),
                        other => return Err(de::Error::unknown_field(other, ON_KEYS)),
                    };
                    if found.is_some() {
                        return Err(de::Error::custom(
                            "expected one condition: `blocked_for` or `revenue_lost`, not both",
                        ));
                    }
                    found = Some(on);
                }
                // Worded as serde words a missing key, which the search for further
                // errors recognises (it empties this table when its value is wrong).
                found.ok_or_else(|| {
                    de::Error::custom(
                        "missing field `blocked_for` or `revenue_lost`: the table holds one condition",
                    )
                })
            }
        }
        deserializer.deserialize_any(OnVisitor)
    }
}
