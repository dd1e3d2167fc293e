//! What one replication reports.

use super::delays::{Delays, RemovalPath};
use super::series::GridSample;
use crate::engine::SimTime;
use crate::scenario::LiftPath;

/// One block of the platform.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BlockRecord {
    /// 1 for a replication's first block, 2 for the next, ...
    pub number: u64,
    /// When it took effect.
    pub start: SimTime,
    /// When the block was lifted; `None` if it was still in force at the horizon.
    pub end: Option<SimTime>,
    /// Days from start to end, or to the horizon when censored.
    pub duration_days: f64,
    pub censored: bool,
    /// Why the regulator blocked ("212 findings in 7d").
    pub reason: String,
    /// The path that ended it; `None` when censored.
    pub lifted_by: Option<LiftPath>,
}

/// Conservation of violating items of one category at the end of a replication:
/// `initial + uploaded = visible + queued + removed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryBalance {
    pub category: String,
    pub initial: u64,
    pub uploaded: u64,
    pub visible: u64,
    pub queued: u64,
    pub removed: u64,
}

impl CategoryBalance {
    pub fn holds(&self) -> bool {
        self.initial + self.uploaded == self.visible + self.queued + self.removed
    }
}

/// Where the lifetime attention of one category's violating items went, in views at
/// full reach, for a category whose attention fades (`Attention::Exponential`):
/// `lifetime = viewed + hidden + prevented + to_come`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExposureBalance {
    pub category: String,
    /// Lifetime views of every item that went live or into the review queue.
    pub lifetime: f64,
    /// Views while live or visibly queued (before blocks, throttles and an age gate).
    pub viewed: f64,
    /// Views lost while queued out of sight.
    pub hidden: f64,
    /// Views that would have come after the items' removal.
    pub prevented: f64,
    /// Views still to come to the items live or queued at the horizon.
    pub to_come: f64,
}

impl ExposureBalance {
    /// Whether the parts add up to the lifetime views (to a relative 1e-9).
    pub fn holds(&self) -> bool {
        let parts = self.viewed + self.hidden + self.prevented + self.to_come;
        (parts - self.lifetime).abs() <= 1e-9 * self.lifetime.max(1.0)
    }
}

/// The measured takedown delays of one category whose attention fades, per path.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CategoryDelays {
    pub category: String,
    /// The half-life of its attention, in days.
    pub half_life_days: f64,
    /// In the order of `RemovalPath::ALL`.
    pub paths: [Delays; 4],
}

impl CategoryDelays {
    /// Adds one replication's `delays` to those `pooled` so far, per category.
    pub fn pool(pooled: &mut Vec<CategoryDelays>, delays: &[CategoryDelays]) {
        for (i, d) in delays.iter().enumerate() {
            if pooled.len() <= i {
                pooled.push(CategoryDelays { paths: Default::default(), ..d.clone() });
            }
            for (all, one) in pooled[i].paths.iter_mut().zip(&d.paths) {
                all.merge(one);
            }
        }
    }

    /// The delays of every path together.
    pub fn all_paths(&self) -> Delays {
        let mut all = Delays::default();
        for d in &self.paths {
            all.merge(d);
        }
        all
    }

    /// The delays of removals by `path`.
    pub fn path(&self, path: RemovalPath) -> &Delays {
        &self.paths[RemovalPath::ALL.iter().position(|p| *p == path).unwrap_or(0)]
    }
}

/// A line of the event log of a traced replication.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub time: SimTime,
    /// "regulator" or "platform".
    pub actor: &'static str,
    /// Short machine-readable kind ("order", "warning", "fine", "block", "action" (started),
    /// "action_done", ...).
    pub kind: &'static str,
    pub text: String,
}

/// Outcome metrics of one replication. Each is listed, with its unit, in [`Metric`].
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Metrics {
    pub blocked: bool,
    pub blocks: u32,
    /// Blocks after the first.
    pub relapses: u32,
    /// Blocks lifted by each path, in the order of `LiftPath::ALL`.
    pub lifted_by: [u32; 4],
    /// Days from the start to the first block; NaN when never blocked.
    pub time_to_first_block_days: f64,
    pub days_blocked: f64,
    /// Views of violating items.
    pub exposure: f64,
    /// Users cut off, times days (blocks and throttles; VPN users keep access).
    pub user_days_lost: f64,
    pub findings: u64,
    pub orders_issued: u64,
    pub orders_missed: u64,
    pub warnings: u32,
    pub fines: u32,
    pub fines_amount: f64,
    pub throttles: u32,
    pub items_reviewed: u64,
    pub mean_review_wait_hours: f64,
    pub max_review_wait_hours: f64,
    pub mean_review_backlog: f64,
    pub max_review_backlog: u64,
    pub wrongful_removals: u64,
    pub violating_removed: u64,
    pub final_visible_violating: u64,
    pub final_prevalence: f64,
    pub moderation_cost: f64,
    pub action_cost: f64,
    pub revenue_lost: f64,
    /// Revenue lost plus fines.
    pub economic_loss: f64,
}

/// The cost model (docs/costs.md), defined once: what the platform pays and loses, in
/// the scenario's currency. Users' losses (user-days, exposure, wrongful removals) are
/// not money and are not in it.
impl Metrics {
    /// What the platform spends to comply: moderation plus one-off compliance actions.
    pub fn compliance_cost(&self) -> f64 {
        self.moderation_cost + self.action_cost
    }

    /// The platform's total cost: compliance, then what enforcement costs it (fines and
    /// revenue lost while users are cut off, which `economic_loss` adds up).
    pub fn total_cost(&self) -> f64 {
        self.compliance_cost() + self.fines_amount + self.revenue_lost
    }
}

/// Defines [`Metric`] from one table of each metric's variant, name, unit,
/// description and value, so that none can be added, dropped or reordered in one
/// place and not in the others.
macro_rules! metrics {
    (value of $m:ident; $($variant:ident = $name:literal, $unit:literal, $description:literal, $value:expr;)*) => {
        /// An outcome metric of a replication: one column of replications.csv, one
        /// row of summary.csv.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Metric {
            $(#[doc = $description] $variant,)*
        }

        impl Metric {
            /// Every metric, in output order.
            pub const ALL: [Metric; [$($name),*].len()] = [$(Metric::$variant),*];

            /// Name, unit and description.
            fn info(self) -> (&'static str, &'static str, &'static str) {
                match self {
                    $(Metric::$variant => ($name, $unit, $description),)*
                }
            }

            /// Its value in one replication's metrics.
            pub fn of(self, $m: &Metrics) -> f64 {
                match self {
                    $(Metric::$variant => $value,)*
                }
            }
        }
    };
}

metrics! {
    value of m;
    Blocked = "blocked", "share", "replications with at least one block", f64::from(u8::from(m.blocked));
    Blocks = "blocks", "count", "blocks per replication", f64::from(m.blocks);
    Relapses = "relapses", "count", "blocks after the first", f64::from(m.relapses);
    LiftedByCompliance = "lifted_by_compliance", "count", "blocks lifted on verified compliance", f64::from(m.lifted_by[0]);
    LiftedByCourt = "lifted_by_court", "count", "blocks lifted by a court", f64::from(m.lifted_by[1]);
    LiftedByBackdown = "lifted_by_backdown", "count", "blocks lifted without compliance (backdown)", f64::from(m.lifted_by[2]);
    LiftedByMistake = "lifted_by_mistake", "count", "blocks corrected as mistakes", f64::from(m.lifted_by[3]);
    TimeToFirstBlockDays = "time_to_first_block_days", "days", "start to first block (blocked replications only)", m.time_to_first_block_days;
    DaysBlocked = "days_blocked", "days", "total time blocked", m.days_blocked;
    Exposure = "exposure", "views", "views of violating items", m.exposure;
    UserDaysLost = "user_days_lost", "user-days", "users cut off times days", m.user_days_lost;
    Findings = "findings", "count", "violating items the regulator found", m.findings as f64;
    OrdersIssued = "orders_issued", "count", "takedown orders sent", m.orders_issued as f64;
    OrdersMissed = "orders_missed", "count", "orders not handled by their deadline", m.orders_missed as f64;
    Warnings = "warnings", "count", "warnings sent", f64::from(m.warnings);
    Fines = "fines", "count", "fines imposed", f64::from(m.fines);
    FinesAmount = "fines_amount", "currency", "sum of fines", m.fines_amount;
    Throttles = "throttles", "count", "throttling orders", f64::from(m.throttles);
    ItemsReviewed = "items_reviewed", "count", "reviews completed", m.items_reviewed as f64;
    MeanReviewWaitHours = "mean_review_wait_hours", "hours", "mean wait in the review queue", m.mean_review_wait_hours;
    MaxReviewWaitHours = "max_review_wait_hours", "hours", "longest wait in the review queue", m.max_review_wait_hours;
    MeanReviewBacklog = "mean_review_backlog", "items", "time-average number of items waiting", m.mean_review_backlog;
    MaxReviewBacklog = "max_review_backlog", "items", "largest number of items waiting", m.max_review_backlog as f64;
    WrongfulRemovals = "wrongful_removals", "count", "clean items removed (collateral damage)", m.wrongful_removals as f64;
    ViolatingRemoved = "violating_removed", "count", "violating items removed", m.violating_removed as f64;
    FinalVisibleViolating = "final_visible_violating", "count", "violating items live at the horizon", m.final_visible_violating as f64;
    FinalPrevalence = "final_prevalence", "share", "share of live items that violate, at the horizon", m.final_prevalence;
    ModerationCost = "moderation_cost", "currency", "moderator days times cost per day", m.moderation_cost;
    ActionCost = "action_cost", "currency", "one-off costs of compliance actions", m.action_cost;
    RevenueLost = "revenue_lost", "currency", "revenue of user-days lost", m.revenue_lost;
    EconomicLoss = "economic_loss", "currency", "revenue lost plus fines", m.economic_loss;
    ComplianceCost = "compliance_cost", "currency", "moderation plus one-off compliance actions", m.compliance_cost();
    TotalCost = "total_cost", "currency", "cost to the platform: compliance, fines and revenue lost", m.total_cost();
}

impl Metric {
    /// The column name in the tables (`days_blocked`).
    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// The unit (`days`, `share`, `count`, ...).
    pub fn unit(self) -> &'static str {
        self.info().1
    }

    /// What it measures, in a few words.
    pub fn description(self) -> &'static str {
        self.info().2
    }

    /// Its position in [`Metric::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether it is an amount of money, in the scenario's currency.
    pub fn is_money(self) -> bool {
        self.unit() == "currency"
    }

    /// The parts of [`Metric::TotalCost`], which adds them up in every replication: the
    /// first two make [`Metric::ComplianceCost`], the last two [`Metric::EconomicLoss`].
    pub const COST_PARTS: [Metric; 4] =
        [Metric::ModerationCost, Metric::ActionCost, Metric::FinesAmount, Metric::RevenueLost];
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a metric's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{0}` is not a metric")]
pub struct UnknownMetric(pub String);

impl std::str::FromStr for Metric {
    type Err = UnknownMetric;
    fn from_str(name: &str) -> Result<Metric, UnknownMetric> {
        Metric::ALL.into_iter().find(|m| m.name() == name).ok_or_else(|| UnknownMetric(name.to_owned()))
    }
}

impl Metrics {
    /// Values in the order of [`Metric::ALL`].
    pub fn values(&self) -> [f64; Metric::ALL.len()] {
        Metric::ALL.map(|metric| metric.of(self))
    }
}

/// Everything one replication produced.
///
/// Serialised whole for a shard's partial folder but for the event log (its `&'static`
/// names cannot be read back; a merge re-traces replication 0) and the balances (for
/// tests of the model, not kept after a run).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ReplicationOutcome {
    pub replication: u64,
    pub metrics: Metrics,
    pub blocks: Vec<BlockRecord>,
    #[serde(skip)]
    pub balances: Vec<CategoryBalance>,
    /// Event log; empty unless the replication was traced.
    #[serde(skip)]
    pub log: Vec<LogEntry>,
    /// The state at each instant of `series::grid`.
    pub series: Vec<GridSample>,
    /// Takedown delays and attention balances of the categories whose attention
    /// fades (none for constant attention).
    pub delays: Vec<CategoryDelays>,
    #[serde(skip)]
    pub exposure_balances: Vec<ExposureBalance>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_in_its_place_and_found_by_name() {
        for (i, metric) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(metric.index(), i);
            assert_eq!(metric.name().parse(), Ok(metric));
            assert!(!metric.unit().is_empty() && !metric.description().is_empty());
        }
        assert_eq!("days_block".parse::<Metric>(), Err(UnknownMetric("days_block".into())));
    }

    #[test]
    fn each_metric_reads_its_own_field() {
        let m = Metrics {
            blocked: true,
            days_blocked: 3.5,
            warnings: 2,
            economic_loss: 9.0,
            ..Metrics::default()
        };
        assert_eq!(Metric::Blocked.of(&m), 1.0);
        assert_eq!(Metric::DaysBlocked.of(&m), 3.5);
        assert_eq!(Metric::Warnings.of(&m), 2.0);
        assert_eq!(Metric::EconomicLoss.of(&m), 9.0);
        assert_eq!(m.values()[Metric::DaysBlocked.index()], 3.5);
    }

    #[test]
    fn the_total_cost_is_the_sum_of_its_parts() {
        let m = Metrics {
            moderation_cost: 1_200.0,
            action_cost: 500.0,
            fines_amount: 3_000.0,
            revenue_lost: 12_000.0,
            economic_loss: 15_000.0,
            ..Metrics::default()
        };
        assert_eq!(Metric::ComplianceCost.of(&m), 1_700.0);
        assert_eq!(Metric::TotalCost.of(&m), 16_700.0);
        let parts: f64 = Metric::COST_PARTS.iter().map(|p| p.of(&m)).sum();
        assert_eq!(parts, Metric::TotalCost.of(&m));
        assert_eq!(Metric::ComplianceCost.of(&m) + Metric::EconomicLoss.of(&m), 16_700.0);
        let money: Vec<&str> = Metric::ALL.iter().filter(|m| m.is_money()).map(|m| m.name()).collect();
        assert_eq!(
            money,
            [
                "fines_amount",
                "moderation_cost",
                "action_cost",
                "revenue_lost",
                "economic_loss",
                "compliance_cost",
                "total_cost"
            ]
        );
    }
}
