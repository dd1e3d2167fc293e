//! The model: one replication of a platform, its regulator and its playbook, played
//! out on the engine.
//!
//! Entities are simulated one by one where they matter (flagged items in the review
//! queue, orders, escalation steps, actions) and as counts elsewhere (clean uploads,
//! undetected violating uploads, the visible stock, views, user reports, crawler
//! samples), so work does not grow with the number of clean uploads.

mod attention;
mod base;
mod block;
mod content;
mod delays;
mod draws;
mod ladder;
mod lifting;
mod metrics;
mod orders;
mod outside;
mod playbook;
pub(crate) mod process;
pub mod queue;
pub mod series;
mod world;

pub use delays::{Delays, RemovalPath, DELAY_RELATIVE_ACCURACY};
pub use metrics::{
    BlockRecord, CategoryBalance, CategoryDelays, ExposureBalance, LogEntry, Metric, Metrics,
    ReplicationOutcome, UnknownMetric,
};
pub use series::{grid, GridSample};
pub use world::run_replication;
