//! The flagship scenario tells the 2018 story with its documented defaults: a block
//! in the first days of July that lasts about a week.

use std::path::Path;

use modsim::experiment::{self, RunConfig};
use modsim::model::Metric;
use modsim::scenario;

#[test]
fn flagship_blocks_in_early_july_for_about_a_week() {
    let loaded = scenario::load(Path::new("scenarios/tiktok-indonesia-2018.toml")).unwrap();
    let s = &loaded.scenario;
    let config = RunConfig { replications: 200, seed: s.seed(), threads: 0 };
    let results = experiment::run(s, &config, &()).unwrap();

    let blocked = results.summary(Metric::Blocked);
    assert!(blocked.mean > 0.9, "block probability {}", blocked.mean);

    // 2018: blocked 3 July, lifted 10 July. The scenario starts on 27 May (day 0).
    let first = results.summary(Metric::TimeToFirstBlockDays);
    assert!((25.0..40.0).contains(&first.median), "median first block on day {}", first.median);

    let km = &results.block_durations;
    let median = km.median().expect("the median block duration is estimable");
    assert!((5.0..9.0).contains(&median), "median block duration {median} days");
    let (lo, hi) = km.median_ci();
    assert!(lo.unwrap() <= median && median <= hi.unwrap());

    // The observed week sits inside the simulated first blocks, not in a tail.
    let observed = s.observed().expect("the flagship says what happened");
    assert_eq!(observed.duration_days(), Some((6.875, false)));
    let (value, note) = modsim::output::endings::observed_against_simulated(observed, &results);
    assert_eq!(value, "6.9 days");
    let over = 1.0 - results.first_block_durations.survival_at(6.875);
    assert!((0.05..0.95).contains(&over), "{over} of simulated first blocks over by then");
    assert!(
        note.starts_with("compliance; ") && note.ends_with("of simulated first blocks were over by then"),
        "{note}"
    );
}
