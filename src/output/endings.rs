//! How blocks ended, in words for the terminal and the report: the share of blocks
//! each lifting path ended, the warning about bursts of re-blocks, and a case's
//! observed outcome set beside the simulated ones.

use super::numbers::percent;
use crate::experiment::RunResults;
use crate::model::Metric;
use crate::scenario::{LiftPath, Observed};

/// What really happened in a case, and where it falls among the simulated outcomes:
/// the share of simulated first blocks over by the observed duration (for a block
/// still in force, the share still in force then), or the block probability when
/// there was no block.
pub fn observed_against_simulated(observed: &Observed, results: &RunResults) -> (String, String) {
    let blocked = percent(results.summary(Metric::Blocked).mean);
    let Some((days, censored)) = observed.duration_days() else {
        return ("no block".into(), format!("simulated block probability {blocked}"));
    };
    let km = &results.first_block_durations;
    let still = km.survival_at(days);
    if censored {
        let value = format!("> {days:.1} days");
        (value, format!("still in force then; so are {} of simulated first blocks", percent(still)))
    } else {
        let path = observed.lifted_by.map_or(String::new(), |p| format!("{}; ", p.name()));
        let value = format!("{days:.1} days");
        (value, format!("{path}{} of simulated first blocks were over by then", percent(1.0 - still)))
    }
}

/// How blocks ended, as shares of all blocks ("compliance 80%, court 15%, still in
/// force at the horizon 5%"), when any ended otherwise than by compliance.
pub fn lifting_paths(results: &RunResults) -> Option<String> {
    let blocks = &results.block_ends;
    if blocks.iter().all(|b| b.lifted_by.is_none_or(|p| p == LiftPath::Compliance)) {
        return None;
    }
    let share = |n: usize| match 100.0 * n as f64 / blocks.len() as f64 {
        p if p < 0.5 => "<1%".to_owned(),
        p => format!("{p:.0}%"),
    };
    let mut parts: Vec<String> = LiftPath::ALL
        .into_iter()
        .map(|path| (path, blocks.iter().filter(|b| b.lifted_by == Some(path)).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(path, n)| format!("{} {}", path.name(), share(n)))
        .collect();
    let censored = blocks.iter().filter(|b| b.censored).count();
    if censored > 0 {
        parts.push(format!("still in force at the horizon {}", share(censored)));
    }
    Some(parts.join(", "))
}

/// A warning when blocked replications average two or more re-blocks: real regulators
/// rarely block a platform again and again within days, so such bursts usually mean
/// the ladder restarts too eagerly after a lifting.
pub fn relapse_warning(results: &RunResults) -> Option<String> {
    // A blocked replication has one first block; its relapses are its other blocks.
    let blocked = results.block_ends.iter().filter(|b| b.first).count();
    let relapses = results.block_ends.len() - blocked;
    relapse_warning_for(relapses as f64 / blocked.max(1) as f64)
}

/// The warning for blocked replications that average `per_blocked` re-blocks, if that
/// is a burst (two or more).
pub fn relapse_warning_for(per_blocked: f64) -> Option<String> {
    (per_blocked >= 2.0).then(|| {
        format!(
            "blocked replications average {per_blocked:.1} re-blocks; if real blocks do not recur like this, \
             set a `probation` or `restart_ladder_at = \"none\"` in [regulator.unblock]"
        )
    })
}
