//! Scenarios that once made modsim hang, kept as files in tests/scenarios/regression-*.
//! Each must finish (the test harness would hang otherwise) with sane results.

use std::path::Path;

use modsim::model::run_replication;
use modsim::scenario;

#[test]
fn a_block_lifted_in_no_time_does_not_loop_at_one_instant() {
    let s = scenario::load(Path::new("tests/scenarios/regression-instant-reblock.toml")).unwrap().scenario;
    let o = run_replication(&s, 1, 0, true);
    // Blocked at 0 and lifted at once; escalation resumes at the next step, when the
    // `at = 0d` moment has passed for the restarted ladder.
    assert!(!o.blocks.is_empty() && o.blocks.len() <= 2, "{:?}", o.blocks);
    assert!(o.blocks.iter().all(|b| b.duration_days == 0.0));
}

#[test]
fn a_failing_zero_length_verification_is_retried_at_the_next_step() {
    let s = scenario::load(Path::new("tests/scenarios/regression-zero-verification.toml")).unwrap().scenario;
    let o = run_replication(&s, 1, 0, true);
    let b = &o.blocks[0];
    // The commitment is done on day 10 but 1,000 items take the cleanup ten days at
    // 100 a day (from day 8): prevalence is zero on day 18, and the block ends a day
    // later after processing.
    assert_eq!(b.start.as_days_f64(), 7.0);
    assert_eq!(b.end.map(|e| e.as_days_f64()), Some(19.0), "{:#?}", o.log);
}
