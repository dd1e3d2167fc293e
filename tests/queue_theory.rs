//! The review queue against queueing theory: Erlang C for the mean wait of an M/M/c
//! queue, and Little's law between waits and backlog.

use std::path::Path;

use modsim::model::run_replication;
use modsim::scenario::{self, Scenario};

/// Erlang C mean wait in queue for arrival rate `lambda`, service rate `mu` per server
/// and `c` servers (same time unit for both rates).
fn erlang_c_wait(lambda: f64, mu: f64, c: u32) -> f64 {
    let a = lambda / mu;
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    // term is now a^c / c!
    let top = term * f64::from(c) / (f64::from(c) - a);
    let p_wait = top / (sum + top);
    p_wait / (f64::from(c) * mu - lambda)
}

/// Mean over replications of (mean wait in hours, time-average backlog).
fn simulate(s: &Scenario) -> (f64, f64) {
    let n = s.replications();
    let (mut wait, mut backlog) = (0.0, 0.0);
    for rep in 0..n {
        let m = run_replication(s, s.seed(), rep, false).metrics;
        wait += m.mean_review_wait_hours;
        backlog += m.mean_review_backlog;
    }
    (wait / n as f64, backlog / n as f64)
}

#[test]
fn erlang_c_formula_matches_textbook_values() {
    // M/M/1 with rho = 0.5: Wq = rho / (mu - lambda) = 0.5 / 0.5 = 1.
    assert!((erlang_c_wait(0.5, 1.0, 1) - 1.0).abs() < 1e-12);
    // M/M/2, lambda = 1, mu = 1: P(wait) = 1/3, Wq = (1/3) / (2 - 1) = 1/3.
    assert!((erlang_c_wait(1.0, 1.0, 2) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn review_queue_waits_match_erlang_c_and_littles_law() {
    let loaded = scenario::load(Path::new("tests/scenarios/mmc.toml")).unwrap();
    let s = &loaded.scenario;
    let lambda_per_hour = s.platform().uploads_per_day / 24.0;
    let mu_per_hour = 3_600.0 / s.platform().review.review_time.mean_secs();
    let c = s.platform().review.moderators;
    let expected = erlang_c_wait(lambda_per_hour, mu_per_hour, c);

    // 60 replications x 60 days x 1,920 items = 6.9 million items: the estimate's own
    // noise is well under 1%, so a 3% tolerance tests the queue, not luck.
    let (wait, backlog) = simulate(s);
    eprintln!("M/M/10 rho 0.8: simulated Wq {wait:.5} h, Erlang C {expected:.5} h, Lq {backlog:.4}");
    let rel = (wait - expected).abs() / expected;
    assert!(rel < 0.03, "mean wait {wait:.5} h, Erlang C {expected:.5} h ({:.2}% off)", rel * 100.0);

    // Little's law for the waiting line: Lq = lambda x Wq.
    let little = lambda_per_hour * wait;
    let rel = (backlog - little).abs() / little;
    assert!(rel < 0.02, "backlog {backlog:.4}, lambda x Wq {little:.4} ({:.2}% off)", rel * 100.0);
}

#[test]
fn fewer_moderators_wait_longer_as_theory_says() {
    // The same stream with 9 moderators (rho = 0.89): Erlang C's wait more than doubles,
    // and the simulation must follow it, not just move in the right direction.
    let text = std::fs::read_to_string("tests/scenarios/mmc.toml").unwrap();
    let text =
        text.replace("moderators = 10", "moderators = 9").replace("replications = 60", "replications = 80");
    let (s, _) = scenario::parse(&text, "mmc-9.toml").unwrap();
    let expected = erlang_c_wait(80.0, 10.0, 9);
    let (wait, _) = simulate(&s);
    eprintln!("M/M/9 rho 0.89: simulated Wq {wait:.5} h, Erlang C {expected:.5} h");
    let rel = (wait - expected).abs() / expected;
    assert!(rel < 0.03, "mean wait {wait:.5} h, Erlang C {expected:.5} h ({:.2}% off)", rel * 100.0);
}
