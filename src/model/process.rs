//! Random-stream ids of the model's processes; with the seed and the replication they
//! name a stream (see `engine::random`). Fixed numbers: changing one changes results.
//!
//! Ids 7, 8 and 9 named the sequential streams of order handling, order preparation
//! and unblock processing before those draws were keyed by entity; they are retired
//! and must not be given to another process.

pub const UPLOADS: u64 = 1;
pub const REPORTS: u64 = 2;
pub const CRAWLER: u64 = 3;
pub const COMPLAINTS: u64 = 4;
pub const FLAGGED_ARRIVALS: u64 = 5;
pub const REVIEWS: u64 = 6;
/// Order i's compliance and handling draws come from stream `stream_at(.., ORDER_HANDLING, i)`,
/// i being the order's sequence number in the replication (0 for the first order).
pub const ORDER_HANDLING: u64 = 10;
/// The k-th order preparation of a replication draws from `stream_at(.., ORDER_PREPARATION, k)`.
pub const ORDER_PREPARATION: u64 = 11;
/// Block b's unblock processing time draws from `stream_at(.., BLOCK_UNBLOCK, b)`, b
/// being the block's sequence number in the replication.
pub const BLOCK_UNBLOCK: u64 = 12;
/// A random `after_step` wait of step k, drawn when the step it waits for fires for
/// the f-th time, comes from `stream_at(.., STEP_WAIT, (k << 32) | f)`.
pub const STEP_WAIT: u64 = 20;
/// Block b's draws for lifting path p (court, backdown, mistake) come from
/// `stream_at(.., BLOCK_PATHS, b * 4 + p)`, p the path's place in `LiftPath::ALL`.
pub const BLOCK_PATHS: u64 = 21;
/// Block b's apply and lift lags come from `stream_at(.., BLOCK_LAGS, b)`.
pub const BLOCK_LAGS: u64 = 22;
/// Replication r of a scenario with a `[posterior]` plays the particle drawn, by
/// weight, from `stream(seed, r, POSTERIOR_PARTICLE)`: one draw, made by the experiment
/// before the replication runs, so every variant of a compare plays the same particle.
pub const POSTERIOR_PARTICLE: u64 = 23;
/// Action i draws its first delay from stream ACTIONS + i, and the delay of its k-th
/// occurrence (a repeatable action) from `stream_at(.., ACTIONS + i, k)`.
pub const ACTIONS: u64 = 1_000;
/// Action i's k-th decision whether to go ahead (its `probability`, drawn each time it
/// is set in motion) comes from `stream_at(.., ACTION_DECISIONS + i, k)`: keyed by the
/// action and the occurrence, so that a variant that sets it in motion at other
/// instants, or draws other delays, still pairs its decisions with the baseline's.
pub const ACTION_DECISIONS: u64 = 2_000_000;
/// Outside event e draws whether it happens, then its delay, from stream
/// OUTSIDE_EVENTS + e (it is set in motion at most once per replication).
pub const OUTSIDE_EVENTS: u64 = 3_000_000;
