//! modsim: a content-moderation policy simulator.
//!
//! Layers, each using only those listed before it: [`engine`] (time, calendar, random
//! streams; no platforms), [`scenario`] (files to validated domain types), [`model`]
//! (one replication of a platform and its regulator), [`experiment`] (many replications
//! in parallel, statistics), [`output`] (CSV, JSON, terminal tables) and [`cli`].

pub mod cli;
pub mod engine;
pub mod experiment;
pub mod model;
pub mod output;
pub mod scenario;
