//! How blocks end: each lifting path, per-block rules, the ladder after a lifting, block
//! scope and third-party lags, on scenarios whose outcome a person computes by hand;
//! and the competing-risks oracle for paths that race each other.
//!
//! The hand-computed scenario (tests/scenarios/hand-computed.toml) blocks on day 7. Its
//! compliance path lifts the block on day 15 (see tests/hand_computed.rs); the tests
//! that study another path delay the commitment past the horizon, so that compliance
//! cannot come first.

mod common;

use std::path::Path;

use modsim::engine::SimTime;
use modsim::model::{run_replication, ReplicationOutcome};
use modsim::scenario::{self, LiftPath, Override, Scenario};

const DAY_MS: u64 = 86_400_000;

fn day(d: f64) -> SimTime {
    SimTime((d * DAY_MS as f64).round() as u64)
}

/// A test scenario with `overrides` applied.
fn scenario(file: &str, overrides: &[&str]) -> Scenario {
    let overrides: Vec<Override> = overrides.iter().map(|o| o.parse().expect("an override")).collect();
    let path = format!("tests/scenarios/{file}");
    scenario::load_with(Path::new(&path), &overrides).unwrap_or_else(|e| panic!("{e}")).scenario
}

fn run(s: &Scenario, replication: u64) -> ReplicationOutcome {
    run_replication(s, s.seed(), replication, true)
}

/// The hand-computed scenario where compliance never comes in time.
const NO_COMPLIANCE: &str = "playbook.commitment.delay=100d";

/// (start day, end day, lifted by) of each block.
fn blocks(o: &ReplicationOutcome) -> Vec<(f64, Option<f64>, Option<LiftPath>)> {
    o.blocks.iter().map(|b| (b.start.as_days_f64(), b.end.map(|e| e.as_days_f64()), b.lifted_by)).collect()
}

#[test]
fn a_court_lifts_a_block_on_appeal() {
    // Blocked day 7, appeal a day later, ruling 3 days after that: lifted on day 11.
    let s = scenario(
        "hand-computed.toml",
        &[NO_COMPLIANCE, "regulator.court.appeal_delay=1d", "regulator.court.ruling_time=3d"],
    );
    let o = run(&s, 0);
    assert_eq!(blocks(&o), [(7.0, Some(11.0), Some(LiftPath::Court))], "{:#?}", o.log);
    assert!(o.log.iter().any(|l| l.time == day(8.0) && l.text == "platform appeals the block in court"));
    assert_eq!(o.metrics.days_blocked, 4.0);
}

#[test]
fn a_court_that_upholds_the_block_leaves_it_in_force() {
    let s = scenario(
        "hand-computed.toml",
        &[NO_COMPLIANCE, "regulator.court.ruling_time=3d", "regulator.court.lift_probability=0"],
    );
    let o = run(&s, 0);
    assert_eq!(blocks(&o), [(7.0, None, None)]);
    assert!(o.blocks[0].censored && o.blocks[0].duration_days == 23.0);
    assert!(o.log.iter().any(|l| l.time == day(10.0) && l.text == "court upholds the block"));
}

#[test]
fn compliance_first_cancels_the_court() {
    // Compliance lifts on day 15 (tests/hand_computed.rs), before a ruling on day 27.
    let s = scenario("hand-computed.toml", &["regulator.court.ruling_time=20d"]);
    let o = run(&s, 0);
    assert_eq!(blocks(&o), [(7.0, Some(15.0), Some(LiftPath::Compliance))]);
    assert!(!o.log.iter().any(|l| l.kind == "ruling" || l.kind == "lifting"), "{:#?}", o.log);
}

#[test]
fn a_backdown_on_a_date_and_a_corrected_mistake_need_no_compliance() {
    let backdown = scenario("hand-computed.toml", &[NO_COMPLIANCE, "regulator.backdown.at=9d"]);
    assert_eq!(blocks(&run(&backdown, 0)), [(7.0, Some(9.0), Some(LiftPath::Backdown))]);
    let mistake = scenario(
        "hand-computed.toml",
        &[NO_COMPLIANCE, "regulator.mistake.probability=1", "regulator.mistake.corrected_after=12h"],
    );
    assert_eq!(blocks(&run(&mistake, 0)), [(7.0, Some(7.5), Some(LiftPath::Mistake))]);
    // A step may leave a configured path out.
    let spared = scenario(
        "hand-computed.toml",
        &[NO_COMPLIANCE, "regulator.backdown.at=9d", "regulator.ladder.block.lifted_by=[\"compliance\"]"],
    );
    assert_eq!(blocks(&run(&spared, 0)), [(7.0, None, None)]);
}

#[test]
fn a_government_gives_in_when_an_outside_event_happens() {
    // Protests on day 10 while the block (from day 7) is in force: a backdown.
    let s = scenario(
        "hand-computed.toml",
        &[
            NO_COMPLIANCE,
            "events=[{ name = \"protests\", on = \"start\", delay = \"10d\" }]",
            "regulator.backdown.on_event=protests",
        ],
    );
    let o = run(&s, 0);
    assert_eq!(blocks(&o), [(7.0, Some(10.0), Some(LiftPath::Backdown))], "{:#?}", o.log);
    // Protests before the block change nothing.
    let early = scenario(
        "hand-computed.toml",
        &[
            NO_COMPLIANCE,
            "events=[{ name = \"protests\", on = \"start\", delay = \"3d\" }]",
            "regulator.backdown.on_event=protests",
        ],
    );
    assert_eq!(blocks(&run(&early, 0)), [(7.0, None, None)]);
}

#[test]
fn what_happens_while_isps_apply_a_block_counts_for_it() {
    // Decided day 7, in effect day 11. The commitment (repeatable, so it must be done
    // for this block) is done on day 10, before the block takes effect: it counts, and
    // compliance lifts the block (verification from day 12, the cleanup's end, to 14,
    // processing to 15).
    let s = scenario(
        "hand-computed.toml",
        &["regulator.ladder.block.apply_lag=4d", "playbook.commitment.repeat=true"],
    );
    let o = run(&s, 0);
    assert_eq!(blocks(&o), [(11.0, Some(15.0), Some(LiftPath::Compliance))], "{:#?}", o.log);
    // The time grid shows the platform blocked only once ISPs cut access.
    let grid = modsim::model::grid(&s);
    for (t, sample) in grid.iter().zip(&o.series) {
        let days = t.as_days_f64();
        assert_eq!(sample.blocked, (11.0..15.0).contains(&days), "day {days}");
    }
    // Protests on day 9, while ISPs are still applying it: the government backs down
    // and the block never takes effect.
    let backed_down = scenario(
        "hand-computed.toml",
        &[
            "regulator.ladder.block.apply_lag=4d",
            "events=[{ name = \"protests\", on = \"start\", delay = \"9d\" }]",
            "regulator.backdown.on_event=protests",
        ],
    );
    let o = run(&backed_down, 0);
    assert_eq!(blocks(&o), [], "{:#?}", o.log);
    assert!(!o.metrics.blocked && o.metrics.user_days_lost == 0.0);
}

#[test]
fn lags_of_isps_shift_the_block_and_its_duration_runs_from_effect_to_access() {
    // Decided day 7, applied a day later: the playbook reacts to the decision (cleanup
    // done day 12, commitment day 10), verification days 12-14, processing to day 15;
    // access comes back 2 days later, on day 17.
    let s = scenario(
        "hand-computed.toml",
        &["regulator.ladder.block.apply_lag=1d", "regulator.ladder.block.lift_lag=2d"],
    );
    let o = run(&s, 0);
    assert_eq!(blocks(&o), [(8.0, Some(17.0), Some(LiftPath::Compliance))], "{:#?}", o.log);
    assert_eq!(o.metrics.time_to_first_block_days, 8.0);
    // 750 users cut off (VPNs keep 25%) for 9 days.
    assert_eq!(o.metrics.user_days_lost, 750.0 * 9.0);
}

#[test]
fn a_partial_block_cuts_off_its_share_and_an_app_store_block_grows() {
    // Half the users cut off, a quarter of them keep access by VPN: 375 users for 8 days.
    let partial = scenario("hand-computed.toml", &["regulator.ladder.block.cut_off=0.5"]);
    assert_eq!(run(&partial, 0).metrics.user_days_lost, 375.0 * 8.0);
    // An app-store block: no one is cut off at once; each day 10% of users leave and are
    // not replaced, so on day k of the block 750 x (1 - 0.9^k) are cut off (the reach is
    // updated at every step of one day).
    let installs = scenario(
        "hand-computed.toml",
        &["regulator.ladder.block.stops_installs=true", "platform.user_turnover_per_day=0.1"],
    );
    let expected: f64 = (0..8).map(|k| 750.0 * (1.0 - 0.9f64.powi(k))).sum();
    let lost = run(&installs, 0).metrics.user_days_lost;
    assert!((lost - expected).abs() < 1e-6, "{lost} vs {expected}");
}

#[test]
fn each_block_has_its_own_demands_and_the_ladder_resumes_as_its_rule_says() {
    // Content block day 5, commitment 3 days later, lifted a day after: day 9. The
    // ladder restarts at the registration block, dated day 20; registering takes 4
    // days and processing 1: lifted on day 25.
    let s = scenario("relapse.toml", &[]);
    let o = run(&s, 0);
    let lifted = Some(LiftPath::Compliance);
    assert_eq!(blocks(&o), [(5.0, Some(9.0), lifted), (20.0, Some(25.0), lifted)], "{:#?}", o.log);
    assert_eq!((o.blocks[0].number, o.blocks[1].number), (1, 2));
    // Probation of 5 days: escalation resumes on day 14, before day 20.
    let short = scenario("relapse.toml", &["regulator.unblock.probation=5d"]);
    assert_eq!(run(&short, 0).blocks.len(), 2);
    // Probation of 15 days: it resumes on day 24, after the dated step, which does not
    // fire once its moment has passed; nor does a ladder that does not restart.
    let long = scenario("relapse.toml", &["regulator.unblock.probation=15d"]);
    assert_eq!(blocks(&run(&long, 0)), [(5.0, Some(9.0), lifted)]);
    let closed = scenario("relapse.toml", &["regulator.unblock.restart_ladder_at=none"]);
    assert_eq!(blocks(&run(&closed, 0)), [(5.0, Some(9.0), lifted)]);
}

#[test]
fn a_court_ordered_block_after_a_random_wait_says_who_ordered_it() {
    let s = scenario(
        "hand-computed.toml",
        &[
            "regulator.ladder.block.ordered_by=court",
            "regulator.ladder.block.trigger.wait={ dist = \"uniform\", min = \"1d\", max = \"3d\" }",
        ],
    );
    let starts: Vec<f64> = (0..20).map(|r| run(&s, r).blocks[0].start.as_days_f64()).collect();
    assert!(starts.iter().all(|d| (6.0..=8.0).contains(d)), "{starts:?}");
    assert!(starts.iter().any(|d| *d != starts[0]), "the wait is drawn per replication");
    let o = run(&s, 0);
    assert_eq!(
        o.blocks[0].reason,
        format!("no response {} after the warning (ordered by court)", wait_of(&o).readable())
    );
    assert!(o.log.iter().any(|l| l.text.starts_with("court blocks platform: ")));
}

/// The wait the block step drew in `o` (the block's start minus the warning's day 5).
fn wait_of(o: &ReplicationOutcome) -> modsim::engine::SimDuration {
    o.blocks[0].start.since(day(5.0))
}

/// Kolmogorov's limiting distribution: P(sqrt(n) D > x).
fn kolmogorov_p(x: f64) -> f64 {
    let sum: f64 = (1..100).map(|k| (-1f64).powi(k - 1) * (-2.0 * f64::from(k * k) * x * x).exp()).sum();
    (2.0 * sum).clamp(0.0, 1.0)
}

/// The p-value of the one-sample Kolmogorov-Smirnov test of `sample` against an
/// exponential distribution of `rate`.
fn ks_exponential_p(sample: &[f64], rate: f64) -> f64 {
    let mut x = sample.to_vec();
    x.sort_by(f64::total_cmp);
    let n = x.len() as f64;
    let d = x
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let f = 1.0 - (-rate * v).exp();
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max);
    kolmogorov_p(n.sqrt() * d)
}

#[test]
fn competing_court_and_backdown_end_blocks_at_the_sum_of_their_rates() {
    // Court rulings at rate a = 1/10 a day (appeal at once, always lifting), backdowns
    // at rate b = 1/20 a day, no compliance: the block lasts Exp(a + b), and the court
    // ends a share a / (a + b) = 2/3 of blocks. A horizon of 400 days leaves a
    // censored block with probability e^(-0.15 x 393): none in practice.
    let (a, b) = (0.1, 0.05);
    let s = scenario(
        "hand-computed.toml",
        &[
            "scenario.horizon=400d",
            "playbook.commitment.delay=1000d",
            "regulator.court.ruling_time={ dist = \"exponential\", mean = \"10d\" }",
            "regulator.backdown.after={ dist = \"exponential\", mean = \"20d\" }",
        ],
    );
    let n = 3_000;
    let outcomes: Vec<ReplicationOutcome> = (0..n).map(|r| run_replication(&s, 11, r, false)).collect();
    let durations: Vec<f64> = outcomes.iter().map(|o| o.blocks[0].duration_days).collect();
    assert!(outcomes.iter().all(|o| o.blocks.len() == 1 && !o.blocks[0].censored));
    let p = ks_exponential_p(&durations, a + b);
    assert!(p > 0.001, "durations are not Exp(a + b): KS p = {p}");
    // The test has power: the rate of either path alone is rejected.
    assert!(ks_exponential_p(&durations, a) < 1e-6 && ks_exponential_p(&durations, b) < 1e-6);
    // Share ended by the court: within a 99.9% binomial interval around 2/3.
    let court = outcomes.iter().filter(|o| o.blocks[0].lifted_by == Some(LiftPath::Court)).count() as f64;
    let share = a / (a + b);
    let half_width = 3.29 * (share * (1.0 - share) / n as f64).sqrt();
    assert!((court / n as f64 - share).abs() < half_width, "court share {} vs {share}", court / n as f64);
}

#[test]
fn a_backdown_hazard_that_grows_with_the_loss_has_the_median_of_its_inversion() {
    // Rate r per day per million user-days lost; 750 users cut off, so after t days the
    // block has cost 750 t user-days, the hazard is r 750 t / 1e6 and the cumulative
    // hazard r 750 t^2 / 2e6: the median duration solves it = ln 2.
    let r = 500.0;
    let s = scenario(
        "hand-computed.toml",
        &[
            NO_COMPLIANCE,
            "scenario.horizon=400d",
            &format!("regulator.backdown.rate_per_million_user_days={r}"),
        ],
    );
    let median = (2.0 * 2f64.ln() / (r * 750.0 / 1e6)).sqrt();
    let n = 2_000;
    let below =
        (0..n).filter(|&rep| run_replication(&s, 5, rep, false).blocks[0].duration_days < median).count();
    let half_width = 3.29 * (0.25 / n as f64).sqrt();
    assert!((below as f64 / n as f64 - 0.5).abs() < half_width, "{below} of {n} below the median {median}");
}

#[test]
fn outputs_name_each_blocks_path_and_put_the_first_block_apart() {
    use modsim::experiment::{self, RunConfig};
    use modsim::output::{endings, text};
    // Registration blocks after content blocks: every replication relapses once, and
    // the court ends the content blocks of this variant.
    let s = scenario(
        "relapse.toml",
        &[
            "regulator.court.ruling_time=2d",
            "regulator.ladder.content-block.lifted_by=[\"court\"]",
            "regulator.ladder.registration-block.lifted_by=[\"compliance\"]",
        ],
    );
    let config = RunConfig { replications: 4, seed: 1, threads: 1 };
    let results = experiment::run(&s, &config, &()).unwrap();
    assert_eq!(results.summary(modsim::model::Metric::Relapses).mean, 1.0);
    assert_eq!(results.summary(modsim::model::Metric::LiftedByCourt).mean, 1.0);
    // The first blocks last 2 days; all blocks, the registration blocks' 5 included,
    // have a median between.
    assert_eq!(results.first_block_durations.median(), Some(2.0));
    let summary = text::run_summary(&s, &results);
    assert!(summary.contains("median first block"), "{summary}");
    let ended = summary.lines().find(|l| l.contains("blocks ended by")).expect("a line on lifting paths");
    assert!(ended.ends_with("compliance 50%, court 50%"), "{summary}");
    assert_eq!(endings::relapse_warning(&results), None, "one re-block is not a burst");
}

/// A block on any finding, lifted a day after a one-off commitment, and a crawler
/// that always finds something: the ladder blocks again as soon as it restarts.
const EAGER: [&str; 5] = [
    "platform.catalogue_items=2000",
    "platform.categories.pornography.initial_stock=1000",
    "regulator.crawler_samples_per_day=100",
    "regulator.ladder.content-block.trigger={ findings = 1, within = \"1d\" }",
    "regulator.unblock.restart_ladder_at=content-block",
];

#[test]
fn bursts_of_short_re_blocks_are_warned_about_and_probation_calms_them() {
    use modsim::experiment::{self, RunConfig};
    use modsim::output::endings;
    let eager = EAGER;
    let config = RunConfig { replications: 4, seed: 1, threads: 1 };
    let bursts = experiment::run(&scenario("relapse.toml", &eager), &config, &()).unwrap();
    let warning = endings::relapse_warning(&bursts).expect("a burst of re-blocks is warned about");
    assert!(warning.contains("probation"), "{warning}");
    let calm: Vec<&str> = eager.iter().copied().chain(["regulator.unblock.probation=90d"]).collect();
    let calmed = experiment::run(&scenario("relapse.toml", &calm), &config, &()).unwrap();
    assert_eq!(endings::relapse_warning(&calmed), None);
    assert!(calmed.summary(modsim::model::Metric::Relapses).mean < 1.0);
}

#[test]
fn the_report_shows_how_blocks_ended_and_warns_about_bursts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bursts");
    let mut cmd = common::modsim();
    cmd.args(["run", "tests/scenarios/relapse.toml", "--replications", "4", "--no-charts", "--out"])
        .arg(&out);
    for set in EAGER {
        cmd.args(["--set", set]);
    }
    let run = cmd.output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stdout).contains("warning: blocked replications average"));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Re-blocks per replication"), "{report}");
    assert!(report.contains("Warning: baseline: blocked replications average"), "{report}");
    assert_eq!(report.matches("blocked replications average").count(), 1, "warned once: {report}");
    assert!(!report.contains("lifted by a court"), "no court, no row about it");
    let blocks = std::fs::read_to_string(out.join("blocks.csv")).unwrap();
    assert!(blocks.lines().skip(1).all(|l| l.ends_with(",compliance") || l.ends_with(',')), "{blocks}");
}
