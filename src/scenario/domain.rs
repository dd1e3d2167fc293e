//! The domain types a valid scenario is made of: the platform, the regulator and its
//! escalation ladder, the unblock rule and the playbook, in domain units. Only the
//! lowering (`lower/`) builds them; everything below the scenario layer reads them.

use chrono::NaiveDateTime;

use super::lifting::{Backdown, BlockSpec, Court, LiftPath, Mistake, Observed, UnblockRule};
use super::playbook::{Action, Effect, OutsideEvent};
use super::posterior::PosteriorSpec;
use super::Override;
use crate::engine::{DurationDist, SimDuration, SimTime};

/// A validated scenario: everything the model needs, in domain units.
///
/// Valid by construction: only [`parse`](super::parse), [`load`](super::load) and their variants make one, after
/// every check; its fields are private to the crate and read through the methods
/// below, so code outside cannot make it invalid. To change a value, apply an
/// [`Override`] and validate again ([`load_with`](super::load_with), [`parse_with`](super::parse_with)).
#[derive(Clone, Debug)]
pub struct Scenario {
    pub(crate) name: String,
    pub(crate) description: String,
    /// Calendar date and time of simulated time zero, when the file gives one.
    pub(crate) start: Option<NaiveDateTime>,
    pub(crate) horizon: SimDuration,
    /// Interval at which count-based processes (undetected uploads, views, reports,
    /// the crawler, cleanup) are advanced.
    pub(crate) step: SimDuration,
    /// Review-queue statistics (waits, backlog) leave out what happens before this, so
    /// that an empty queue at the start does not bias them.
    pub(crate) warm_up: SimDuration,
    pub(crate) replications: u64,
    pub(crate) seed: u64,
    pub(crate) platform: Platform,
    pub(crate) regulator: Regulator,
    pub(crate) playbook: Vec<Action>,
    /// Outside events (`[[events]]`) actions may wait for.
    pub(crate) events: Vec<OutsideEvent>,
    /// Named policy changes declared in the file (`[[variants]]`).
    pub(crate) variants: Vec<VariantSpec>,
    /// What really happened, for a case written from the public record.
    pub(crate) observed: Option<Observed>,
    /// Where replications draw parameters from (`[posterior]`).
    pub(crate) posterior: Option<PosteriorSpec>,
    /// The currency of its amounts and the costs it leaves at zero.
    pub(crate) money: super::money::Money,
    /// Where numbers come from (`[sources]`): a parameter's or a section's path, and
    /// its source, in key order.
    pub(crate) sources: Vec<(String, super::sources::Source)>,
}

impl Scenario {
    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the scenario is about.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Calendar date and time of simulated time zero, when the file gives one.
    pub fn start(&self) -> Option<NaiveDateTime> {
        self.start
    }

    /// How long a replication runs.
    pub fn horizon(&self) -> SimDuration {
        self.horizon
    }

    /// Interval at which the count-based processes are advanced.
    pub fn step(&self) -> SimDuration {
        self.step
    }

    /// Review-queue statistics leave out what happens before this.
    pub fn warm_up(&self) -> SimDuration {
        self.warm_up
    }

    /// Replications the file asks for.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Seed the file asks for.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The regulated service.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The regulator.
    pub fn regulator(&self) -> &Regulator {
        &self.regulator
    }

    /// The platform's compliance actions.
    pub fn playbook(&self) -> &[Action] {
        &self.playbook
    }

    /// Outside events (`[[events]]`) actions may wait for.
    pub fn events(&self) -> &[OutsideEvent] {
        &self.events
    }

    /// What really happened, when the file is a case with an `[observed]` section.
    pub fn observed(&self) -> Option<&Observed> {
        self.observed.as_ref()
    }

    /// The calibration posterior the scenario draws parameters from, as written.
    pub fn posterior(&self) -> Option<&PosteriorSpec> {
        self.posterior.as_ref()
    }

    /// The currency of the scenario's amounts, and the costs it leaves at zero.
    pub fn money(&self) -> &super::money::Money {
        &self.money
    }

    /// Named policy changes declared in the file (`[[variants]]`).
    pub fn variants(&self) -> &[VariantSpec] {
        &self.variants
    }

    /// How the review queue is simulated: as set, or by the automatic rule (cohorts
    /// above [`COHORT_THRESHOLD_ITEMS`] expected items per replication).
    pub fn queue_model(&self) -> QueueModel {
        match self.platform.review.queue_model_setting {
            Some(model) => model,
            None if self.expected_review_items() > COHORT_THRESHOLD_ITEMS => QueueModel::Cohorts,
            None => QueueModel::Items,
        }
    }

    /// Review-queue work of one replication in item equivalents: the items in item
    /// mode; in cohort mode, a few per sub-step (steps, shift changes and events).
    pub fn expected_queue_work(&self) -> f64 {
        match self.queue_model() {
            QueueModel::Items => self.expected_review_items(),
            QueueModel::Cohorts => 10.0 * self.horizon.0 as f64 / self.step.0.max(1) as f64,
        }
    }

    /// Steps of one replication (`horizon / step`): ticks of the count processes.
    pub fn steps(&self) -> f64 {
        self.horizon.0 as f64 / self.step.0.max(1) as f64
    }

    /// Rough time one replication takes on one core: review-queue work plus steps.
    pub fn expected_seconds(&self) -> f64 {
        self.expected_queue_work() * SECONDS_PER_QUEUE_ITEM + self.steps() * SECONDS_PER_STEP
    }

    /// Rough memory one worker thread needs for the review queue: in item mode every
    /// flagged item may wait at once (an upper bound); cohorts need little.
    pub fn expected_queue_bytes(&self) -> f64 {
        match self.queue_model() {
            QueueModel::Items => self.expected_review_items() * 16.0,
            QueueModel::Cohorts => 64.0 * self.steps().min(1e6),
        }
    }

    /// Rough number of items the review queue handles in one replication: flags at
    /// upload at the [`largest_recall`](Self::largest_recall) the playbook can reach,
    /// plus every violating item that could be reported (the initial stock and the
    /// uploads the file's own recall misses). An upper-end estimate, for cost guards and
    /// the automatic queue model.
    pub fn expected_review_items(&self) -> f64 {
        let p = &self.platform;
        let days = self.horizon.as_days_f64();
        let flagged_per_day = self.largest_flags_per_day();
        let undetected_per_day =
            p.uploads_per_day * p.categories.iter().map(|c| c.share * (1.0 - c.recall)).sum::<f64>();
        let reportable = if p.categories.iter().any(|c| c.report_probability > 0.0) {
            p.categories.iter().map(|c| c.initial_stock as f64).sum::<f64>() + undetected_per_day * days
        } else {
            0.0
        };
        flagged_per_day * days + reportable
    }

    /// The largest recall of each category the scenario can reach: its own, or that of
    /// an `improve_detection` action, which raises every category to its recall.
    pub fn largest_recall(&self) -> Vec<f64> {
        let improved = self
            .playbook
            .iter()
            .filter_map(|a| match a.effect {
                Effect::ImproveDetection { recall } => Some(recall),
                _ => None,
            })
            .fold(0.0, f64::max);
        self.platform.categories.iter().map(|c| c.recall.max(improved)).collect()
    }

    /// Items flagged at upload per day at the [`largest_recall`](Self::largest_recall),
    /// false positives included: the most the playbook can make the queue receive.
    pub fn largest_flags_per_day(&self) -> f64 {
        let p = &self.platform;
        p.uploads_per_day * p.flag_weights(&self.largest_recall()).iter().sum::<f64>()
    }
}

/// A named set of overrides declared in a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantSpec {
    pub name: String,
    pub description: String,
    pub overrides: Vec<Override>,
}

/// The regulated service.
#[derive(Clone, Debug)]
pub struct Platform {
    pub daily_active_users: f64,
    pub uploads_per_day: f64,
    /// Visible items at the start (clean and violating); the denominator of prevalence.
    pub catalogue_items: f64,
    /// Share of users who keep access during a block (VPNs).
    pub vpn_share: f64,
    /// Share of daily users replaced by new installs each day (an app-store block
    /// stops the replacement).
    pub user_turnover_per_day: f64,
    pub revenue_per_user_day: f64,
    /// Whether a flagged item stays live while it waits for review.
    pub flagged_visible_while_queued: bool,
    pub categories: Vec<Category>,
    pub false_positive_rate: f64,
    pub review: ReviewTeam,
    pub orders: OrderHandling,
}

impl Platform {
    /// Share of uploads flagged at upload, per review class: each category's share
    /// times its detection `recall`, then clean uploads times the false-positive rate.
    /// The review queue's arrival rate is uploads per day times their sum.
    pub fn flag_weights(&self, recall: &[f64]) -> Vec<f64> {
        let violating: f64 = self.categories.iter().map(|c| c.share).sum();
        let mut weights: Vec<f64> = self.categories.iter().zip(recall).map(|(c, r)| c.share * r).collect();
        weights.push((1.0 - violating).max(0.0) * self.false_positive_rate);
        weights
    }
}

/// A kind of violating content.
#[derive(Clone, Debug)]
pub struct Category {
    pub name: String,
    /// Share of uploads that violate in this category.
    pub share: f64,
    /// Urgent categories get the regulator's shorter deadline and, with the
    /// `urgent_first` discipline, priority in the review queue.
    pub urgent: bool,
    pub views_per_item_per_day: f64,
    /// Chance that one view of a violating item leads to a user report.
    pub report_probability: f64,
    /// Detection recall at upload.
    pub recall: f64,
    /// Violating items live at the start (the backlog a regulator complains about).
    pub initial_stock: u64,
    /// How an item's views depend on its age.
    pub attention: Attention,
}

/// How the views of one item depend on its age: `views_per_item_per_day` is the rate
/// at upload, and the profile scales it down as the item ages.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub enum Attention {
    /// The same views at every age (the default): an item's lifetime views have no end.
    #[default]
    Constant,
    /// Views halve every `half_life`: an item of age a gets
    /// `views_per_item_per_day * 2^(-a / half_life)`, and its lifetime views are
    /// `views_per_item_per_day * half_life / ln 2`.
    Exponential { half_life: SimDuration },
}

impl Attention {
    /// The decay rate per day (ln 2 / half-life); `None` for constant attention.
    pub fn decay_per_day(self) -> Option<f64> {
        match self {
            Attention::Constant => None,
            Attention::Exponential { half_life } => Some(std::f64::consts::LN_2 / half_life.as_days_f64()),
        }
    }
}

/// The moderators and how they work the review queue.
#[derive(Clone, Debug)]
pub struct ReviewTeam {
    pub moderators: u32,
    /// Length of the daily shift; a full day means around the clock.
    pub shift_length: SimDuration,
    /// Offset of the shift start from midnight.
    pub shift_start: SimDuration,
    pub review_time: DurationDist,
    /// Probability that a review decides correctly.
    pub accuracy: f64,
    pub discipline: Discipline,
    pub cost_per_moderator_day: f64,
    /// How the review queue is simulated, as the file says; `None` is `auto`, which
    /// [`Scenario::queue_model`] resolves.
    pub queue_model_setting: Option<QueueModel>,
}

/// How the review queue is simulated.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum QueueModel {
    /// Every flagged item an entity: exact waits, cost grows with the flagged volume.
    Items,
    /// Items in cohorts per sub-step, with fluid service and stationary waits: cost
    /// grows with the number of steps only (see `model::queue::cohorts`).
    Cohorts,
}

impl QueueModel {
    pub fn name(self) -> &'static str {
        match self {
            QueueModel::Items => "items",
            QueueModel::Cohorts => "cohorts",
        }
    }
}

/// The automatic rule: cohorts when a replication would put more than this many items
/// through the review queue. Above it, item-level work (about
/// [`SECONDS_PER_QUEUE_ITEM`] each, so 7.5 ms and more) outweighs the rest of a replication, and the cohort model's error on the
/// scenario library stays inside the Monte Carlo confidence intervals
/// (benches/cohort_error.py; figures in benches/README.md).
pub const COHORT_THRESHOLD_ITEMS: f64 = 1e5;

/// Time one review-queue item costs in item mode, for the cost guards' estimates: the
/// M/M/10 benchmark measures about 60 ns an item (benches/README.md); the rest of a
/// replication brings it to about 75 ns.
pub const SECONDS_PER_QUEUE_ITEM: f64 = 75e-9;

/// Time one step of the count processes, the ladder and the time grid costs, for the
/// cost guards: measured at about 220 ns on a one-category scenario with a one-minute
/// step; rounded up for scenarios with more categories.
pub const SECONDS_PER_STEP: f64 = 250e-9;

/// Order in which moderators take items from the review queue.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Discipline {
    Fifo,
    UrgentFirst,
}

/// How the platform handles takedown orders.
#[derive(Clone, Debug)]
pub struct OrderHandling {
    pub handling_time: DurationDist,
    /// Share of orders the platform acts on at all.
    pub compliance_probability: f64,
}

/// The regulator: monitoring, orders and the escalation ladder.
#[derive(Clone, Debug)]
pub struct Regulator {
    pub crawler_samples_per_day: f64,
    pub complaints_per_violating_view: f64,
    /// Time from the first pending finding to the order that lists it.
    pub order_preparation: DurationDist,
    pub order_deadline: SimDuration,
    pub urgent_order_deadline: SimDuration,
    pub ladder: Vec<EscalationStep>,
    /// The compliance path's rule, for every block that does not name its own.
    pub unblock: UnblockRule,
    /// The court path, when the file has `[regulator.court]`.
    pub court: Option<Court>,
    /// The backdown path, when the file has `[regulator.backdown]`.
    pub backdown: Option<Backdown>,
    /// The mistake path, when the file has `[regulator.mistake]`.
    pub mistake: Option<Mistake>,
}

impl Regulator {
    /// The lifting paths the file configures (compliance always).
    pub fn lift_paths(&self) -> Vec<LiftPath> {
        let mut paths = vec![LiftPath::Compliance];
        if self.court.is_some() {
            paths.push(LiftPath::Court);
        }
        if self.backdown.is_some() {
            paths.push(LiftPath::Backdown);
        }
        if self.mistake.is_some() {
            paths.push(LiftPath::Mistake);
        }
        paths
    }
}

/// One rung of the escalation ladder.
#[derive(Clone, Debug)]
pub struct EscalationStep {
    pub name: String,
    pub sanction: Sanction,
    pub trigger: Trigger,
}

/// What a step does to the platform.
#[derive(Clone, Debug, PartialEq)]
pub enum Sanction {
    Warning,
    Fine {
        amount: f64,
    },
    /// Share `access` of users keep access, until a block or a ladder restart, or for
    /// `duration` when given.
    Throttle {
        access: f64,
        duration: Option<SimDuration>,
    },
    Block(Box<BlockSpec>),
}

impl Sanction {
    pub fn kind(&self) -> &'static str {
        match self {
            Sanction::Warning => "warning",
            Sanction::Fine { .. } => "fine",
            Sanction::Throttle { .. } => "throttle",
            Sanction::Block(_) => "block",
        }
    }
}

/// When a step fires: its condition holds and not every `unless` action is done.
#[derive(Clone, Debug)]
pub struct Trigger {
    pub condition: Condition,
    /// Indices into the playbook.
    pub unless: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// At least `count` findings within the trailing window.
    Findings { count: u64, within: SimDuration },
    /// At least `count` missed order deadlines within the trailing window.
    MissedOrders { count: u64, within: SimDuration },
    /// `wait` after step `step` (an index into the ladder) fired; a random wait is
    /// drawn each time that step fires.
    AfterStep { step: usize, wait: DurationDist },
    /// At a fixed time since the scenario start.
    At(SimTime),
}
