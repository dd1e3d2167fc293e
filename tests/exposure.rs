//! Attention that fades with age (`attention = { profile = "exponential", ... }`): the
//! exact oracle, a stochastic one, the conservation of views, and the constant profile
//! as it was.

use std::f64::consts::LN_2;
use std::path::Path;

use modsim::model::{run_replication, RemovalPath, ReplicationOutcome};
use modsim::scenario::{self, Scenario};

fn oracle(overrides: &[&str]) -> Scenario {
    let text = std::fs::read_to_string("tests/scenarios/exposure-oracle.toml").unwrap();
    let overrides: Vec<_> = overrides.iter().map(|o| o.parse().unwrap()).collect();
    scenario::parse_with(&text, "exposure-oracle.toml", &overrides).unwrap().0
}

fn run(s: &Scenario, replication: u64) -> ReplicationOutcome {
    run_replication(s, s.seed(), replication, false)
}

#[test]
fn removal_at_a_fixed_delay_prevents_exactly_the_rest_of_the_profile() {
    // Half-life h = 6h, removal at d = 3h: each removal prevents exp(-ln 2 d / h) =
    // 2^(-1/2) of its item's lifetime views. Lifetime views: 24 a day / (ln 2 / 0.25 d)
    // = 6 / ln 2 = 8.6562; viewed before removal: 1,000 x 8.6562 x (1 - 2^(-1/2)) =
    // 2,535.4 views, prevented 6,120.8.
    let s = oracle(&[]);
    let lifetime = 6.0 / LN_2;
    for replication in 0..2 {
        let o = run(&s, replication);
        let cleanup = o.delays[0].path(RemovalPath::Cleanup);
        assert_eq!(cleanup.removed, 1_000);
        assert!((cleanup.mean_prevented_share() - 0.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(cleanup.mean_days() * 24.0, 3.0);
        assert_eq!((cleanup.quantile_days(0.1) * 24.0, cleanup.quantile_days(0.9) * 24.0), (3.0, 3.0));
        let b = &o.exposure_balances[0];
        assert!(b.holds(), "{b:?}");
        assert!((o.metrics.exposure - 1_000.0 * lifetime * (1.0 - 0.5f64.sqrt())).abs() < 1e-6);
        assert!((b.prevented - 1_000.0 * lifetime * 0.5f64.sqrt()).abs() < 1e-6);
        assert_eq!((b.hidden, b.to_come), (0.0, 0.0));
    }
    // And at d = h, half of it.
    let o = run(&oracle(&["playbook[0].delay=\"6h\""]), 0);
    assert!((o.delays[0].path(RemovalPath::Cleanup).mean_prevented_share() - 0.5).abs() < 1e-12);
}

/// The oracle's items uploaded instead, all flagged at upload and reviewed at once by
/// ample moderators in `mean_review`: each removal delay is exponential.
fn flagged_at_upload(mean_review: &str) -> Scenario {
    oracle(&[
        "platform.categories[0].initial_stock=0",
        "platform.categories[0].share=0.5",
        "platform.categories[0].recall=1",
        "platform.uploads_per_day=400",
        "platform.flagged_visible_while_queued=true",
        "platform.review.moderators=1000",
        "platform.review.queue_model=\"items\"",
        "scenario.horizon=\"20d\"",
        &format!("platform.review.review_time={{ dist = \"exponential\", mean = \"{mean_review}\" }}"),
    ])
}

#[test]
fn exponential_removal_delays_prevent_their_expected_share() {
    // Delays D ~ exponential with mean m, decay rate l = ln 2 / h: the prevented share
    // e^(-l D) has mean 1 / (1 + l m) and variance 1 / (1 + 2 l m) - (1 / (1 + l m))^2.
    // With h = 6h and m = 3h, l m = ln 2 / 2.
    let s = flagged_at_upload("3h");
    let lm = LN_2 / 2.0;
    let (mean, var) = (1.0 / (1.0 + lm), 1.0 / (1.0 + 2.0 * lm) - (1.0 / (1.0 + lm)).powi(2));
    let (mut n, mut sum) = (0u64, 0.0);
    for replication in 0..5 {
        let o = run(&s, replication);
        let d = o.delays[0].path(RemovalPath::Detection);
        n += d.removed;
        sum += d.prevented_share_sum;
        assert!(o.exposure_balances[0].holds(), "{:?}", o.exposure_balances[0]);
    }
    let se = (var / n as f64).sqrt();
    let observed = sum / n as f64;
    assert!(n > 15_000, "{n} removals");
    assert!(
        (observed - mean).abs() < 4.0 * se,
        "prevented share {observed}, expected {mean} +- {}",
        4.0 * se
    );
}

#[test]
fn views_are_conserved_in_both_queue_models_with_reports_and_kept_items() {
    // Reports move items to the queue, mistaken reviews bring them back, orders and
    // cleanups take them down: viewed + hidden + prevented + to come = lifetime.
    for model in ["items", "cohorts"] {
        for visible in ["true", "false"] {
            let s = oracle(&[
                "platform.categories[0].share=0.5",
                "platform.categories[0].recall=0.3",
                "platform.categories[0].report_probability=0.01",
                "platform.uploads_per_day=400",
                &format!("platform.flagged_visible_while_queued={visible}"),
                "platform.review.accuracy=0.7",
                &format!("platform.review.queue_model=\"{model}\""),
                "platform.review.review_time={ dist = \"exponential\", mean = \"2h\" }",
                "scenario.horizon=\"10d\"",
                "playbook[0].delay=\"4d\"",
                "playbook[0].items_per_day=50",
            ]);
            for replication in 0..3 {
                let o = run(&s, replication);
                let b = &o.exposure_balances[0];
                assert!(b.holds(), "{model}, visible {visible}: {b:?}");
                assert!(b.prevented > 0.0 && b.to_come > 0.0, "{b:?}");
                assert_eq!(b.hidden > 0.0, visible == "false", "{b:?}");
                let removed: u64 = o.delays[0].paths.iter().map(|d| d.removed).sum();
                assert_eq!(removed, o.balances[0].removed, "every removal is measured");
                assert!(o.delays[0].path(RemovalPath::UserReport).removed > 0);
                assert!(o.delays[0].path(RemovalPath::Cleanup).removed > 0);
                assert!(o.balances[0].holds());
            }
        }
    }
}

#[test]
fn a_constant_profile_is_the_model_as_it_was() {
    let loaded = scenario::load(Path::new("scenarios/tiktok-indonesia-2018.toml")).unwrap();
    let s = &loaded.scenario;
    let text = std::fs::read_to_string("scenarios/tiktok-indonesia-2018.toml").unwrap();
    let explicit = ["platform.categories[0].attention={ profile = \"constant\" }".parse().unwrap()];
    let (same, _) = scenario::parse_with(&text, "flagship", &explicit).unwrap();
    for replication in 0..2 {
        let (a, b) = (run(s, replication), run(&same, replication));
        assert_eq!(a.metrics, b.metrics);
        assert!(a.delays.is_empty() && a.exposure_balances.is_empty());
    }
    // A fading profile on the same scenario changes its exposure.
    let fading = ["platform.categories[0].attention={ profile = \"exponential\", half_life = \"1d\" }"
        .parse()
        .unwrap()];
    let (fading, _) = scenario::parse_with(&text, "flagship", &fading).unwrap();
    assert_ne!(run(&fading, 0).metrics.exposure, run(s, 0).metrics.exposure);
}
