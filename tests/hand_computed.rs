//! A scenario with every distribution fixed and no random process, whose outcome a
//! person computes from its numbers. If one of these numbers changes, the model's
//! semantics changed: update docs/scenario-format.md with it.

use std::path::Path;

use modsim::engine::SimTime;
use modsim::model::run_replication;
use modsim::scenario;

const DAY_MS: u64 = 86_400_000;

#[test]
fn block_start_end_and_duration_match_the_arithmetic() {
    let loaded = scenario::load(Path::new("tests/scenarios/hand-computed.toml")).unwrap();
    let s = &loaded.scenario;
    // Day 5: the warning fires (`at = "5d"`).
    // Day 7: no commitment 2 days after the warning, so the block fires.
    // Day 8: cleanup starts (delay 1d) on 1,000 live items at 250 a day: done day 12.
    // Day 10: commitment done (delay 3d).
    // Day 12: both required actions done: verification runs 2 days, to day 14; the
    //         crawler is off, so the true prevalence (0 after the cleanup) is measured.
    // Day 15: processing 1 day: the block is lifted. Duration 15 - 7 = 8 days.
    for replication in 0..3 {
        let o = run_replication(s, s.seed(), replication, true);
        assert_eq!(o.blocks.len(), 1, "{:#?}", o.log);
        let b = &o.blocks[0];
        assert_eq!(b.start, SimTime(7 * DAY_MS));
        assert_eq!(b.end, Some(SimTime(15 * DAY_MS)));
        assert_eq!(b.duration_days, 8.0);
        assert!(!b.censored);
        assert_eq!(b.reason, "no response 2d after the warning");

        let m = &o.metrics;
        assert_eq!(m.time_to_first_block_days, 7.0);
        assert_eq!(m.days_blocked, 8.0);
        // After the block the ladder restarts; the `at` moment has passed, so the
        // warning does not fire again.
        assert_eq!(m.warnings, 1);
        // Views: 1,000 items x 10 views a day.
        //   days 0-7, open:                 1000 x 10 x 7          = 70,000
        //   days 7-9, blocked (25% by VPN): 1000 x 10 x 0.25 x 2  =  5,000
        //   day 9-10: 750 left               750 x 2.5             =  1,875
        //   day 10-11: 500 left              500 x 2.5             =  1,250
        //   day 11-12: 250 left              250 x 2.5             =    625
        //   total                                                   = 78,750
        assert_eq!(m.exposure, 78_750.0);
        // 1,000 users x 75% cut off x 8 days = 6,000 user-days; x 2 revenue each.
        assert_eq!(m.user_days_lost, 6_000.0);
        assert_eq!(m.revenue_lost, 12_000.0);
        assert_eq!(m.action_cost, 500.0);
        assert_eq!(m.violating_removed, 1_000);
        assert_eq!(m.final_visible_violating, 0);
        assert_eq!(m.orders_issued, 0);
    }
}

#[test]
fn an_action_on_a_calendar_date_is_the_same_as_its_delay_from_the_start() {
    // The commitment on 11 July 2018 with a start on 1 July is day 10, as above.
    let text = std::fs::read_to_string("tests/scenarios/hand-computed.toml").unwrap();
    let dated = text
        .replace("seed = 7", "seed = 7\nstart = \"2018-07-01\"")
        .replace("on = \"block\"\ndelay = \"3d\"", "on = \"2018-07-11\"");
    assert_ne!(dated, text);
    let (s, _) = scenario::parse(&dated, "dated.toml").unwrap();
    let o = run_replication(&s, s.seed(), 0, false);
    assert_eq!(o.blocks[0].end, Some(SimTime(15 * DAY_MS)));
    // A date before the start is refused.
    let early = dated.replace("on = \"2018-07-11\"", "on = \"2018-06-11\"");
    let err = scenario::parse(&early, "early.toml").unwrap_err().to_string();
    assert!(err.contains("before the scenario start"), "{err}");
}

/// The hand-computed scenario with two throttles before the block: "slow" (half the
/// users, for 3 days) from day 2, "slower" (a fifth of the users) from day 4 for
/// `slower_days`, then the block from day 6.
fn throttled(slower_days: u64) -> scenario::Scenario {
    let text = std::fs::read_to_string("tests/scenarios/hand-computed.toml").unwrap();
    let throttles = format!(
        "name = \"slow\"\nkind = \"throttle\"\naccess = 0.5\nduration = \"3d\"\ntrigger = {{ at = \"2d\" }}\n\n\
         [[regulator.ladder]]\nname = \"slower\"\nkind = \"throttle\"\naccess = 0.2\nduration = \"{slower_days}d\"\n\
         trigger = {{ after_step = \"slow\", wait = \"2d\" }}\n"
    );
    let changed = text
        .replace("name = \"warning\"\nkind = \"warning\"\ntrigger = { at = \"5d\" }\n", &throttles)
        .replace("after_step = \"warning\"", "after_step = \"slower\"");
    assert_ne!(changed, text);
    scenario::parse(&changed, "throttled.toml").unwrap().0
}

#[test]
fn a_throttle_is_replaced_by_the_next_and_ended_by_the_lifting_of_a_block() {
    // Day 2: "slow" (50%, 3 days); day 4: "slower" (20%, 20 days) replaces it, so the
    // end of "slow" at day 5 changes nothing. Day 6: block. The block is lifted 8 days
    // later as in the scenario without throttles (cleanup day 7 to 11, verification
    // to 13, processing to 14), and the lifting ends the throttle too: after day 14
    // everyone has access, although "slower" would have run to day 24.
    let s = throttled(20);
    let o = run_replication(&s, s.seed(), 0, true);
    assert_eq!(o.metrics.throttles, 2);
    assert_eq!(o.blocks.len(), 1);
    assert_eq!(o.blocks[0].start, SimTime(6 * DAY_MS));
    assert_eq!(o.blocks[0].end, Some(SimTime(14 * DAY_MS)));
    // Users cut off: 500 x 2 days + 800 x 2 days + 750 x 8 days (blocked, 25% by VPN).
    assert_eq!(o.metrics.user_days_lost, 1_000.0 + 1_600.0 + 6_000.0);
    assert!(!o.log.iter().any(|e| e.text.contains("ends the throttle")), "{:#?}", o.log);
}

#[test]
fn a_throttle_with_a_duration_ends_on_its_own() {
    // As above, but "slower" lasts 1 day: full access again from day 5 to the block.
    let s = throttled(1);
    let o = run_replication(&s, s.seed(), 0, true);
    assert_eq!(o.metrics.user_days_lost, 1_000.0 + 800.0 + 6_000.0);
    let ends: Vec<_> =
        o.log.iter().filter(|e| e.text.contains("ends the throttle")).map(|e| e.time).collect();
    assert_eq!(ends, vec![SimTime(5 * DAY_MS)]);
}
