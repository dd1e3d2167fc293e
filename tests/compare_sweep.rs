//! Comparisons and sweeps: paired differences, trends, determinism, overrides.

use modsim::model::Metric;
use std::path::Path;

mod common;

use common::modsim;
use modsim::experiment::stats::{welch_half_width, PairedDifference};
use modsim::experiment::{self, compare, RunConfig};
use modsim::scenario::{self, Override};

const FLAGSHIP: &str = "scenarios/tiktok-indonesia-2018.toml";

#[test]
fn paired_differences_are_at_least_three_times_sharper_than_unpaired() {
    // A small policy change: the cleanup sweeps 10% faster.
    let path = Path::new(FLAGSHIP);
    let base = scenario::load(path).unwrap();
    let faster: Override = "playbook.cleanup.items_per_day=2200".parse().unwrap();
    let changed = scenario::load_with(path, &[faster]).unwrap();
    let config = RunConfig { replications: 120, seed: 7, threads: 0 };
    let results = experiment::run_all(&[&base.scenario, &changed.scenario], &config, None, &()).unwrap();
    let (a, b) = (results[0].column(Metric::Exposure).unwrap(), results[1].column(Metric::Exposure).unwrap());
    let paired = PairedDifference::of(&a, &b);
    let paired_half = (paired.ci_high - paired.ci_low) / 2.0;
    let unpaired_half = welch_half_width(&a, &b);
    let ratio = unpaired_half / paired_half;
    eprintln!("exposure difference {:.0}: paired half-width {paired_half:.0}, unpaired {unpaired_half:.0}, ratio {ratio:.1}", paired.mean);
    assert!(ratio >= 3.0, "paired CI only {ratio:.2}x narrower");
    // Days blocked gain less: a small change can tip a later relapse block into or
    // out of existence in one replication, a difference pairing cannot cancel.
    let (a, b) =
        (results[0].column(Metric::DaysBlocked).unwrap(), results[1].column(Metric::DaysBlocked).unwrap());
    let paired = PairedDifference::of(&a, &b);
    let ratio = welch_half_width(&a, &b) / ((paired.ci_high - paired.ci_low) / 2.0);
    eprintln!("days blocked difference {:.3}: ratio {ratio:.1}", paired.mean);
    assert!(ratio >= 1.5, "paired CI only {ratio:.2}x narrower for days blocked");
    // And a faster cleanup shortens blocks.
    assert!(paired.mean < 0.0 && paired.significant(), "{paired:?}");
}

#[test]
fn block_probability_falls_as_moderators_rise() {
    let path = Path::new(FLAGSHIP);
    let moderators = [20, 30, 40, 80, 200];
    let loaded: Vec<_> = moderators
        .iter()
        .map(|m| {
            scenario::load_with(path, &[format!("platform.review.moderators={m}").parse().unwrap()]).unwrap()
        })
        .collect();
    let scenarios: Vec<_> = loaded.iter().map(|l| &l.scenario).collect();
    let config = RunConfig { replications: 80, seed: 3, threads: 0 };
    let results = experiment::run_all(&scenarios, &config, None, &()).unwrap();
    let p: Vec<f64> = results.iter().map(|r| r.summary(Metric::Blocked).mean).collect();
    eprintln!("block probability by moderators {moderators:?}: {p:?}");
    // A trend with a tolerance: no step may rise by more than sampling noise, and the
    // ends must differ by far more than that.
    for w in p.windows(2) {
        assert!(w[1] <= w[0] + 0.08, "block probability rose from {} to {}", w[0], w[1]);
    }
    assert!(p[0] - p[p.len() - 1] > 0.5, "{p:?}");
}

#[test]
fn compare_writes_paired_differences_for_every_variant() {
    let dir = tempfile::tempdir().unwrap();
    let out = modsim()
        .args(["compare", FLAGSHIP, "--replications", "12", "--out"])
        .arg(dir.path().join("c"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for variant in ["baseline", "orders-then-fines", "moderators-200", "age-gate-day-one"] {
        assert!(stdout.contains(variant), "{stdout}");
    }
    assert!(stdout.contains("trade-off"), "{stdout}");
    let csv = std::fs::read_to_string(dir.path().join("c/compare.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("variant,metric,unit,n,mean,ci95_low,ci95_high"), "{header}");
    assert!(header.ends_with("diff_mean,diff_ci95_low,diff_ci95_high,diff_significant"), "{header}");
    // Baseline rows carry no difference; variant rows do.
    let blocked: Vec<&str> = csv.lines().filter(|l| l.contains(",blocked,")).collect();
    assert_eq!(blocked.len(), 4);
    assert!(blocked[0].ends_with(",,,,"), "{}", blocked[0]);
    assert!(blocked[1].ends_with(",true") || blocked[1].ends_with(",false"), "{}", blocked[1]);
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("c/run.json")).unwrap()).unwrap();
    assert_eq!(run["command"], "compare");
    assert_eq!(run["runs"][2]["label"], "moderators-200");
    assert_eq!(run["runs"][2]["overrides"][0], "platform.review.moderators=200");
}

#[test]
fn compare_and_sweep_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    for (args, file) in [
        (vec!["compare", FLAGSHIP], "compare.csv"),
        (vec!["sweep", FLAGSHIP, "--vary", "platform.review.moderators=20,60"], "sweep.csv"),
    ] {
        let mut tables = Vec::new();
        for threads in ["1", "2"] {
            let out_dir = dir.path().join(format!("{}-{threads}", args[0]));
            let out = modsim()
                .args(&args)
                .args(["--replications", "6", "--seed", "5", "--threads", threads, "--out"])
                .arg(&out_dir)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            tables.push((
                std::fs::read(out_dir.join(file)).unwrap(),
                std::fs::read(out_dir.join("replications.csv")).unwrap(),
            ));
        }
        assert!(tables[0] == tables[1], "{} differs between thread counts", args[0]);
    }
}

#[test]
fn sweep_writes_a_tidy_table_and_answers_a_target() {
    let dir = tempfile::tempdir().unwrap();
    let out = modsim()
        .args([
            "sweep",
            FLAGSHIP,
            "--vary",
            "platform.review.moderators=20..60 step 20",
            "--vary",
            "playbook.cleanup.items_per_day=2000,4000",
            "--target",
            "block_probability<0.5",
            "--replications",
            "10",
            "--out",
        ])
        .arg(dir.path().join("s"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("6 points"), "{stdout}");
    assert!(stdout.contains("target block_probability<0.5"), "{stdout}");
    let csv = std::fs::read_to_string(dir.path().join("s/sweep.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with(
            "point,platform.review.moderators,playbook.cleanup.items_per_day,metric,unit,n,mean"
        ),
        "{header}"
    );
    // 6 points x (every metric + the durations of all blocks and of first blocks).
    let rows_per_point = modsim::model::Metric::ALL.len() + 2;
    assert_eq!(csv.lines().count(), 1 + 6 * rows_per_point);
    assert!(csv.contains("\n5,60,4000,blocked,"), "the last point is moderators=60, cleanup=4000");
    // The answer reaches run.json and the report: its section, and its row marked.
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s/run.json")).unwrap()).unwrap();
    let cheapest = &run["target"]["cheapest"];
    assert_eq!(run["target"]["target"], "block_probability<0.5");
    assert!(stdout.contains(&format!(
        "cheapest point meeting it on average: platform.review.moderators={}",
        cheapest["values"][0].as_str().unwrap()
    )));
    let html = std::fs::read_to_string(dir.path().join("s/report.html")).unwrap();
    assert!(html.contains("<h2>The answer: block_probability&lt;0.5</h2>"), "{html}");
    assert_eq!(html.matches("<tr class=\"answer\">").count(), 1, "one answer row");
    let md = std::fs::read_to_string(dir.path().join("s/report.md")).unwrap();
    assert!(md.contains("- cheapest point meeting it on average: "), "{md}");
}

#[test]
fn a_sweep_says_when_the_metric_stops_responding_instead_of_asking_for_a_wider_one() {
    // Beyond about 50 moderators the flagship's block probability stays near 20%: the
    // answer says it is flat rather than advising a wider sweep.
    let dir = tempfile::tempdir().unwrap();
    let out = modsim()
        .args(["sweep", FLAGSHIP, "--vary", "platform.review.moderators=50..200 step 50"])
        .args(["--target", "block_probability<0.1", "--replications", "30", "--no-charts", "--out"])
        .arg(dir.path().join("s"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("flat: block probability stays"), "{stdout}");
    assert!(stdout.contains("from platform.review.moderators=50 to 200"), "{stdout}");
    assert!(stdout.contains("a wider sweep will not help"), "{stdout}");
    assert!(!stdout.contains("or a wider sweep)"), "{stdout}");
    assert!(stdout.lines().all(|l| l.chars().count() <= 100 || !l.starts_with("  ")), "{stdout}");
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s/run.json")).unwrap()).unwrap();
    assert_eq!(run["target"]["flat"][0]["reaches_end"], true);
}

#[test]
fn overrides_take_effect_and_bad_paths_are_refused() {
    // --set changes the result and is recorded.
    let dir = tempfile::tempdir().unwrap();
    let out = modsim()
        .args(["run", FLAGSHIP, "--replications", "4", "--set", "platform.review.moderators=200", "--out"])
        .arg(dir.path().join("r"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r/run.json")).unwrap()).unwrap();
    assert_eq!(run["overrides"][0], "platform.review.moderators=200");

    for (set, expect) in [
        ("platform.reveiw.moderators=200", "did you mean `review`?"),
        ("playbook.clean-up.cost=1", "did you mean `cleanup`?"),
        ("regulator.ladder.blok.trigger.wait=1d", "did you mean `block`?"),
        ("platform.review.moderators=-5", "expected a whole number of at least 0"),
        ("platform.review.moderatrs=5", "did you mean `moderators`?"),
        ("moderators", "is not PATH=VALUE"),
    ] {
        let out = modsim()
            .args(["run", FLAGSHIP, "--replications", "2", "--set", set, "--out"])
            .arg(dir.path().join("bad"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {stderr}");
        assert!(stderr.contains(expect), "{set}: expected {expect:?} in {stderr}");
        assert!(!dir.path().join("bad").exists());
    }
}

#[test]
fn precision_adds_replications_until_the_intervals_are_narrow() {
    let path = Path::new(FLAGSHIP);
    let base = scenario::load(path).unwrap();
    let config = RunConfig { replications: 10, seed: 1, threads: 0 };
    let precision = experiment::Precision { relative: 0.05, max_replications: 2_000 };
    let results = experiment::run_all(&[&base.scenario], &config, Some(&precision), &()).unwrap();
    let r = &results[0];
    let p = r.precision.as_ref().unwrap();
    assert!(p.reached, "{p:?}");
    assert!(r.config.replications > 10);
    for name in experiment::HEADLINE_METRICS {
        let s = r.summary(name);
        let half = (s.ci_high - s.ci_low) / 2.0;
        assert!(half <= 0.05 * s.mean.abs() + 1e-12, "{name}: half-width {half} for mean {}", s.mean);
    }
    // Adding replications never changes the earlier ones: same as asking for n at once.
    let direct =
        experiment::run(&base.scenario, &RunConfig { replications: r.config.replications, ..config }, &())
            .unwrap();
    assert_eq!(format!("{:?}", direct.summaries), format!("{:?}", r.summaries));
    // A cap that is too low stops the run and says so.
    let tight = experiment::Precision { relative: 0.0001, max_replications: 20 };
    let capped = experiment::run_all(&[&base.scenario], &config, Some(&tight), &()).unwrap();
    let p = capped[0].precision.as_ref().unwrap();
    assert!(!p.reached && p.replications == 20, "{p:?}");
}

#[test]
fn paired_differences_of_identical_runs_are_exactly_zero() {
    let base = scenario::load(Path::new(FLAGSHIP)).unwrap();
    let config = RunConfig { replications: 8, seed: 2, threads: 0 };
    let results = experiment::run_all(&[&base.scenario, &base.scenario], &config, None, &()).unwrap();
    for d in compare::paired_differences(&results[0], &results[1]).unwrap() {
        assert!(d.mean == 0.0 || d.mean.is_nan(), "{d:?}");
        assert!(!d.significant());
    }
}
