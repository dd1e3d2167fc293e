//! A particle's distance: its values written into each case as overrides, a few
//! replications of each case, and the simulated first block against the observed one on
//! a log scale of days.

use rand::RngExt;

use super::Calibration;
use crate::engine::random::Stream;
use crate::model::{run_replication, BlockRecord};
use crate::scenario::{value_text, Observed, Override};

/// The distance of a block that happened against an observation without one, or the
/// other way round: a log gap of 3 is a factor of about 20 in days.
pub const PENALTY: f64 = 3.0;

/// The overrides that set `theta` in case `case`.
pub(super) fn overrides(calibration: &Calibration, theta: &[f64], case: usize) -> Vec<Override> {
    let mut list = Vec::new();
    for (parameter, &value) in calibration.parameters.iter().zip(theta) {
        for target in parameter.targets.iter().filter(|t| t.case == case) {
            list.push(Override::set(target.path.clone(), value_text(target.form, value)));
        }
    }
    list
}

/// The mean distance over cases and replications; infinite if a case does not accept
/// the values (beyond a limit), so such a particle is never accepted.
pub(super) fn distance(calibration: &Calibration, theta: &[f64], rng: &mut Stream) -> f64 {
    let mut total = 0.0;
    for (i, case) in calibration.cases.iter().enumerate() {
        let list = overrides(calibration, theta, i);
        let Ok(scenario) = case.template.scenario_with(&list) else {
            return f64::INFINITY;
        };
        for replication in 0..calibration.replications {
            let seed = rng.random::<u64>();
            let outcome = run_replication(&scenario, seed, replication, false);
            total += case_distance(&case.observed, outcome.blocks.first());
        }
    }
    total / (calibration.cases.len() as u64 * calibration.replications) as f64
}

/// One replication's distance to the observation, from its first block: the gap of
/// ln(days + 1) between simulated and observed durations; for a censored observation
/// (still in force after d days), none if the simulated block lasted at least d.
/// A simulated block still in force at the horizon counts as its duration so far.
pub fn case_distance(observed: &Observed, first: Option<&BlockRecord>) -> f64 {
    let gap = |a: f64, b: f64| ((a + 1.0).ln() - (b + 1.0).ln()).abs();
    match (observed.duration_days(), first) {
        (None, None) => 0.0,
        (None, Some(_)) | (Some(_), None) => PENALTY,
        (Some((d, false)), Some(block)) => gap(block.duration_days, d),
        (Some((d, true)), Some(block)) if block.duration_days >= d => 0.0,
        (Some((d, true)), Some(block)) => gap(block.duration_days, d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::scenario::ObservedEnd;

    fn observed(days: Option<(f64, bool)>) -> Observed {
        let day = |d: f64| SimTime((d * 86_400_000.0) as u64);
        Observed {
            block_start: days.map(|_| day(1.0)),
            end: days.map(|(d, censored)| {
                if censored {
                    ObservedEnd::InForceOn(day(1.0 + d))
                } else {
                    ObservedEnd::Restored(day(1.0 + d))
                }
            }),
            lifted_by: None,
            sources: vec![],
        }
    }

    fn block(days: f64, censored: bool) -> BlockRecord {
        BlockRecord {
            number: 1,
            start: SimTime(0),
            end: None,
            duration_days: days,
            censored,
            reason: String::new(),
            lifted_by: None,
        }
    }

    #[test]
    fn distances_are_log_gaps_of_days_plus_one() {
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        // 7 days observed, 3 simulated: |ln 4 - ln 8| = ln 2.
        close(case_distance(&observed(Some((7.0, false))), Some(&block(3.0, false))), 2f64.ln());
        close(case_distance(&observed(Some((7.0, false))), Some(&block(15.0, true))), 2f64.ln());
        // Censored at 7 days: a block of 10 fits, one of 3 falls short by ln 2.
        close(case_distance(&observed(Some((7.0, true))), Some(&block(10.0, false))), 0.0);
        close(case_distance(&observed(Some((7.0, true))), Some(&block(3.0, false))), 2f64.ln());
        close(case_distance(&observed(Some((7.0, false))), None), PENALTY);
        close(case_distance(&observed(None), Some(&block(3.0, false))), PENALTY);
        close(case_distance(&observed(None), None), 0.0);
    }
}
