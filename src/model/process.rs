//! Random-stream ids of the model's processes; with the seed and the replication they
//! name a stream (see `engine::random`). Fixed numbers: changing one changes results.

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
