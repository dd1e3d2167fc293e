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

/// Per replication: (mean wait in hours, time-average backlog).
fn simulate(s: &Scenario) -> Vec<(f64, f64)> {
    (0..s.replications())
        .map(|rep| {
            let m = run_replication(s, s.seed(), rep, false).metrics;
            (m.mean_review_wait_hours, m.mean_review_backlog)
        })
        .collect()
}

/// Mean and standard error of the mean.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// How far an estimate may stray from theory: 4 standard errors of the replication
/// means (a chance of about 6 in 100,000 to fail a correct queue), so the tolerance
/// follows the noise of the estimate instead of a guessed percentage.
const STANDARD_ERRORS: f64 = 4.0;

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

    // 60 replications x 60 days x 1,920 items = 6.9 million items.
    let runs = simulate(s);
    let (wait, se) = mean_se(&runs.iter().map(|r| r.0).collect::<Vec<_>>());
    let backlog = mean_se(&runs.iter().map(|r| r.1).collect::<Vec<_>>()).0;
    eprintln!(
        "M/M/10 rho 0.8: simulated Wq {wait:.5} h (SE {se:.5}), Erlang C {expected:.5} h, Lq {backlog:.4}"
    );
    assert!(se < 0.01 * expected, "the test needs a precise estimate: SE {se:.5} h");
    assert!(
        (wait - expected).abs() < STANDARD_ERRORS * se,
        "mean wait {wait:.5} h, Erlang C {expected:.5} h: {:.1} standard errors off",
        (wait - expected).abs() / se
    );

    // Little's law for the waiting line, per replication: Lq = lambda x Wq. Both sides
    // come from the same items, so the difference has its own, smaller noise.
    let gaps: Vec<f64> = runs.iter().map(|(w, b)| b - lambda_per_hour * w).collect();
    let (gap, gap_se) = mean_se(&gaps);
    eprintln!("Little: Lq - lambda x Wq = {gap:.5} (SE {gap_se:.5})");
    assert!(
        gap.abs() < STANDARD_ERRORS * gap_se.max(1e-9),
        "backlog {backlog:.4}, lambda x Wq {:.4}: {:.1} standard errors apart",
        lambda_per_hour * wait,
        gap.abs() / gap_se
    );
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
    let runs = simulate(&s);
    let (wait, se) = mean_se(&runs.iter().map(|r| r.0).collect::<Vec<_>>());
    eprintln!("M/M/9 rho 0.89: simulated Wq {wait:.5} h (SE {se:.5}), Erlang C {expected:.5} h");
    assert!(
        (wait - expected).abs() < STANDARD_ERRORS * se,
        "mean wait {wait:.5} h, Erlang C {expected:.5} h: {:.1} standard errors off",
        (wait - expected).abs() / se
    );
}
