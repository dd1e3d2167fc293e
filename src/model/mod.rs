//! The model: one replication of a platform, its regulator and its playbook, played
//! out on the engine.
//!
//! Entities are simulated one by one where they matter (flagged items in the review
//! queue, orders, escalation steps, actions) and as counts elsewhere (clean uploads,
//! undetected violating uploads, the visible stock, views, user reports, crawler
//! samples), so work does not grow with the number of clean uploads.

mod block;
mod content;
mod draws;
mod ladder;
mod metrics;
mod orders;
mod playbook;
pub mod queue;
pub mod series;
mod world;

pub use metrics::{
    BlockRecord, CategoryBalance, LogEntry, Metric, Metrics, ReplicationOutcome, UnknownMetric,
};
pub use series::{grid, GridSample};
pub use world::run_replication;

/// Random-stream ids of the model's processes; with the seed and the replication they
/// name a stream (see `engine::random`). Fixed numbers: changing one changes results.
pub(crate) mod process {
    pub const UPLOADS: u64 = 1;
    pub const REPORTS: u64 = 2;
    pub const CRAWLER: u64 = 3;
    pub const COMPLAINTS: u64 = 4;
    pub const FLAGGED_ARRIVALS: u64 = 5;
    pub const REVIEWS: u64 = 6;
    pub const ORDERS: u64 = 7;
    /// Order preparation times.
    pub const REGULATOR: u64 = 8;
    /// Unblock processing times: a stream of their own, so that a policy that changes
    /// the number of orders does not shift the draws of block lengths.
    pub const UNBLOCK: u64 = 9;
    /// Action i draws its delay from stream ACTIONS + i.
    pub const ACTIONS: u64 = 1_000;
}
