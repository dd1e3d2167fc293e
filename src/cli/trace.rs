//! `modsim trace`: one replication's event log as a timeline.

use std::io::Write;
use std::path::Path;

use super::{load_with, CliError};
use crate::model::run_replication;
use crate::output::text;
use crate::scenario::Override;

/// Plays replication `replication` with tracing on and prints its timeline.
pub(super) fn trace(
    path: &Path,
    replication: u64,
    seed: Option<u64>,
    overrides: &[Override],
) -> Result<(), CliError> {
    let loaded = load_with(path, overrides)?;
    let s = &loaded.scenario;
    let outcome = run_replication(s, seed.unwrap_or(s.seed), replication, true);
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", text::timeline(s, replication, &outcome.log, outcome.blocks.len()))?;
    Ok(())
}
