//! What one replication reports.

use super::series::GridSample;
use crate::engine::SimTime;

/// One block of the platform.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockRecord {
    pub start: SimTime,
    /// When the block was lifted; `None` if it was still in force at the horizon.
    pub end: Option<SimTime>,
    /// Days from start to end, or to the horizon when censored.
    pub duration_days: f64,
    pub censored: bool,
    /// Why the regulator blocked ("212 findings in 7d").
    pub reason: String,
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

/// Outcome metrics of one replication. Each is listed, with its unit, in [`METRICS`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    pub blocked: bool,
    pub blocks: u32,
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

/// Name, unit and description of every metric, in output order.
pub const METRICS: &[(&str, &str, &str)] = &[
    ("blocked", "share", "replications with at least one block"),
    ("blocks", "count", "blocks per replication"),
    ("time_to_first_block_days", "days", "start to first block (blocked replications only)"),
    ("days_blocked", "days", "total time blocked"),
    ("exposure", "views", "views of violating items"),
    ("user_days_lost", "user-days", "users cut off times days"),
    ("findings", "count", "violating items the regulator found"),
    ("orders_issued", "count", "takedown orders sent"),
    ("orders_missed", "count", "orders not handled by their deadline"),
    ("warnings", "count", "warnings sent"),
    ("fines", "count", "fines imposed"),
    ("fines_amount", "currency", "sum of fines"),
    ("throttles", "count", "throttling orders"),
    ("items_reviewed", "count", "reviews completed"),
    ("mean_review_wait_hours", "hours", "mean wait in the review queue"),
    ("max_review_wait_hours", "hours", "longest wait in the review queue"),
    ("mean_review_backlog", "items", "time-average number of items waiting"),
    ("max_review_backlog", "items", "largest number of items waiting"),
    ("wrongful_removals", "count", "clean items removed (collateral damage)"),
    ("violating_removed", "count", "violating items removed"),
    ("final_visible_violating", "count", "violating items live at the horizon"),
    ("final_prevalence", "share", "share of live items that violate, at the horizon"),
    ("moderation_cost", "currency", "moderator days times cost per day"),
    ("action_cost", "currency", "one-off costs of compliance actions"),
    ("revenue_lost", "currency", "revenue of user-days lost"),
    ("economic_loss", "currency", "revenue lost plus fines"),
];

impl Metrics {
    /// Values in the order of [`METRICS`].
    pub fn values(&self) -> [f64; METRICS.len()] {
        [
            f64::from(u8::from(self.blocked)),
            f64::from(self.blocks),
            self.time_to_first_block_days,
            self.days_blocked,
            self.exposure,
            self.user_days_lost,
            self.findings as f64,
            self.orders_issued as f64,
            self.orders_missed as f64,
            f64::from(self.warnings),
            f64::from(self.fines),
            self.fines_amount,
            f64::from(self.throttles),
            self.items_reviewed as f64,
            self.mean_review_wait_hours,
            self.max_review_wait_hours,
            self.mean_review_backlog,
            self.max_review_backlog as f64,
            self.wrongful_removals as f64,
            self.violating_removed as f64,
            self.final_visible_violating as f64,
            self.final_prevalence,
            self.moderation_cost,
            self.action_cost,
            self.revenue_lost,
            self.economic_loss,
        ]
    }
}

/// Everything one replication produced.
#[derive(Clone, Debug)]
pub struct ReplicationOutcome {
    pub replication: u64,
    pub metrics: Metrics,
    pub blocks: Vec<BlockRecord>,
    pub balances: Vec<CategoryBalance>,
    /// Event log; empty unless the replication was traced.
    pub log: Vec<LogEntry>,
    /// The state at each instant of `series::grid`.
    pub series: Vec<GridSample>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_a_value() {
        assert_eq!(Metrics::default().values().len(), METRICS.len());
    }
}
