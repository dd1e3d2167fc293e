//! Invariants that hold for every replication of every scenario: conservation of
//! violating items, blocks that do not overlap, finite metrics.

use std::path::PathBuf;

use modsim::engine::SimDuration;
use modsim::model::{run_replication, Metric, ReplicationOutcome};
use modsim::scenario::{self, overrides, Scenario};

/// Every scenario of the library, the case library and the tests, in variations (see
/// below), each cut to `max_days` when given.
fn scenarios(max_days: Option<u64>) -> Vec<(String, Scenario)> {
    let mut paths: Vec<PathBuf> = ["scenarios", "scenarios/cases", "tests/scenarios"]
        .into_iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        // Each scenario as written, and with queued items left visible and imperfect
        // reviews (so items return from the queue to view); each with both review
        // queue models.
        for (label, sets) in [
            ("", vec![]),
            (
                " (visible while queued)",
                vec!["platform.flagged_visible_while_queued=true", "platform.review.accuracy=0.8"],
            ),
        ] {
            for model in ["items", "cohorts"] {
                let mut doc: toml_edit::DocumentMut =
                    std::fs::read_to_string(&path).unwrap().parse().unwrap();
                let model_set = format!("platform.review.queue_model={model}");
                for set in sets.iter().copied().chain([model_set.as_str()]) {
                    overrides::apply(&mut doc, &set.parse().unwrap()).unwrap();
                }
                let name = format!("{file}{label} [{model}]");
                let mut s = scenario::parse(&doc.to_string(), &name).unwrap().0;
                if let Some(days) = max_days.filter(|d| s.horizon() > SimDuration(d * SimDuration::DAY.0)) {
                    let cut = format!("scenario.horizon={days}d").parse().unwrap();
                    s = scenario::parse_with(&doc.to_string(), &name, &[cut]).unwrap().0;
                }
                out.push((name, s));
            }
        }
    }
    out
}

fn check(name: &str, o: &ReplicationOutcome, horizon_days: f64) {
    for b in &o.balances {
        assert!(
            b.holds(),
            "{name} rep {}: {}: initial {} + uploaded {} != visible {} + queued {} + removed {}",
            o.replication,
            b.category,
            b.initial,
            b.uploaded,
            b.visible,
            b.queued,
            b.removed
        );
    }
    for b in &o.exposure_balances {
        assert!(b.holds(), "{name} rep {}: views not conserved: {b:?}", o.replication);
    }
    let mut last_end = 0.0;
    for b in &o.blocks {
        let start = b.start.as_days_f64();
        assert!(start >= last_end, "{name}: blocks overlap");
        assert!(b.duration_days >= 0.0, "{name}: negative duration");
        assert_eq!(b.censored, b.end.is_none(), "{name}");
        last_end = b.end.map_or(horizon_days, |e| e.as_days_f64());
        assert!((last_end - start - b.duration_days).abs() < 1e-9, "{name}: duration is not end - start");
    }
    assert!(
        o.blocks.iter().filter(|b| b.censored).count() <= 1,
        "{name}: two blocks in force at the horizon"
    );
    for (metric, v) in Metric::ALL.into_iter().zip(o.metrics.values()) {
        let allowed_nan = metric == Metric::TimeToFirstBlockDays && !o.metrics.blocked;
        assert!(v.is_finite() || allowed_nan, "{name}: {metric} = {v}");
        assert!(v >= 0.0 || allowed_nan, "{name}: {metric} = {v}");
    }
    let blocked_days: f64 = o.blocks.iter().map(|b| b.duration_days).sum();
    assert!((blocked_days - o.metrics.days_blocked).abs() < 1e-6, "{name}: days_blocked");
    assert!(o.metrics.days_blocked <= horizon_days + 1e-9, "{name}");
}

#[test]
fn conservation_and_consistency_hold_in_every_scenario() {
    // Shorter horizons keep the suite quick; the flagship's full year runs in the CLI
    // tests.
    for (name, s) in scenarios(Some(120)) {
        let horizon_days = s.horizon().as_days_f64();
        for rep in 0..6 {
            let o = run_replication(&s, s.seed(), rep, false);
            check(&name, &o, horizon_days);
        }
    }
}

#[test]
fn tracing_does_not_change_results() {
    for (name, s) in scenarios(None).into_iter().step_by(2) {
        let plain = run_replication(&s, 5, 3, false);
        let traced = run_replication(&s, 5, 3, true);
        // Compared as text: NaN (never blocked) is not equal to itself.
        assert_eq!(format!("{:?}", plain.metrics), format!("{:?}", traced.metrics), "{name}");
        assert_eq!(plain.blocks, traced.blocks, "{name}");
    }
}

#[test]
fn replications_really_differ() {
    let text = std::fs::read_to_string("scenarios/tiktok-indonesia-2018.toml").unwrap();
    let (s, _) = scenario::parse(&text, "flagship").unwrap();
    let a = run_replication(&s, s.seed(), 0, false).metrics;
    let b = run_replication(&s, s.seed(), 1, false).metrics;
    assert_ne!(a.exposure, b.exposure);
    assert_ne!(a.items_reviewed, b.items_reviewed);
}
