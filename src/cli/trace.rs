//! `modsim trace`: one replication's event log as a timeline.

use std::io::Write;
use std::path::Path;

use super::{load_with, CliError};
use crate::experiment::posterior::{Drawn, Replicate};
use crate::model::run_replication;
use crate::output::text;
use crate::scenario::Override;

/// Plays replication `replication` with tracing on and prints its timeline; with a
/// posterior, the particle that replication plays comes first.
pub(super) fn trace(
    path: &Path,
    replication: u64,
    seed: Option<u64>,
    overrides: &[Override],
) -> Result<(), CliError> {
    let loaded = load_with(path, overrides)?;
    let seed = seed.unwrap_or(loaded.scenario.seed);
    let drawn = Drawn::new(&loaded)?;
    let s = match &drawn {
        Some(d) => d.scenario_at(seed, replication),
        None => &loaded.scenario,
    };
    let outcome = run_replication(s, seed, replication, true);
    let mut stdout = std::io::stdout().lock();
    if let (Some(d), Some(posterior)) = (&drawn, &loaded.posterior) {
        let particle = posterior.describe(d.particle(seed, replication));
        let line = format!("posterior {}: replication {replication} plays {particle}", posterior.file);
        writeln!(stdout, "{}", text::visible(&line))?;
    }
    write!(stdout, "{}", text::timeline(s, replication, &outcome.log, outcome.blocks.len()))?;
    Ok(())
}
