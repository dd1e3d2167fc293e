//! modsim: a content-moderation policy simulator.
//!
//! Layers, each using only those listed before it: [`engine`] (time, calendar, random
//! streams; no platforms), [`scenario`] (files to validated domain types), [`model`]
//! (one replication of a platform and its regulator), [`experiment`] (many replications
//! in parallel, statistics), [`output`] (CSV, JSON, terminal tables, charts, reports) and
//! [`cli`].
//!
//! The library in a few lines: parse a scenario, play one replication, read the blocks.
//!
//! ```
//! let text = include_str!("../tests/scenarios/hand-computed.toml");
//! let (scenario, _warnings) = modsim::scenario::parse(text, "hand-computed.toml").unwrap();
//! let outcome = modsim::model::run_replication(&scenario, scenario.seed(), 0, false);
//! assert_eq!(outcome.blocks.len(), 1);
//! assert_eq!(outcome.blocks[0].duration_days, 8.0);
//! ```

pub mod cli;
pub mod engine;
pub mod experiment;
pub mod model;
pub mod output;
pub mod scenario;
