//! Scenarios that draw their parameters from a calibration posterior (`[posterior]`),
//! through the real binary: the hand-computed scenario whose decision lag is 1 day
//! (weight 0.25) or 30 days (weight 0.75), so each block lasts 8 or 37 days exactly
//! (7 days of actions and verification, then the lag) and the mixture can be counted.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::Digest;

mod common;

use common::modsim;

const SCENARIO: &str = "tests/scenarios/posterior-lag.toml";
const CSV: &str = "tests/scenarios/posterior-lag.csv";

/// Runs `args` and returns stdout, panicking with stderr on failure.
fn run(args: &[&str], out: &Path) -> String {
    let output = modsim().args(args).arg("--no-charts").arg("--out").arg(out).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Each (variant, replication)'s first block duration in days, from blocks.csv.
fn durations(out: &Path) -> BTreeMap<(String, u64), f64> {
    let text = std::fs::read_to_string(out.join("blocks.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name);
    let (rep, block, days) = (at("replication").unwrap(), at("block").unwrap(), at("duration_days").unwrap());
    let variant = at("variant");
    let mut found = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[block] == "1" {
            let label = variant.map_or(String::new(), |v| cells[v].to_owned());
            found.insert((label, cells[rep].parse().unwrap()), cells[days].parse().unwrap());
        }
    }
    found
}

#[test]
fn replications_mix_the_particles_in_proportion_to_their_weights() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let stdout = run(&["run", SCENARIO, "--replications", "400", "--threads", "2"], &out);
    assert!(
        stdout.contains("parameters drawn from posterior posterior-lag.csv (2 particles, ESS 2): intervals include parameter uncertainty"),
        "{stdout}"
    );
    let durations = durations(&out);
    assert_eq!(durations.len(), 400);
    let short = durations.values().filter(|&&d| d == 8.0).count();
    let long = durations.values().filter(|&&d| d == 37.0).count();
    assert_eq!(short + long, 400, "every block lasts 7 days plus one particle's lag: {durations:?}");
    // Binomial(400, 0.25): mean 100, sd 8.66; 4 sd either side.
    assert!((short as f64 - 100.0).abs() < 4.0 * 8.66, "{short} short blocks of 400");
    // run.json records the posterior as given, its hash, count and ESS.
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let posterior = &record["runs"][0]["posterior"];
    let sha = format!("{:x}", sha2::Sha256::digest(std::fs::read(CSV).unwrap()));
    assert_eq!(posterior["file"], "posterior-lag.csv");
    assert_eq!(posterior["sha256"], sha.as_str());
    assert_eq!(posterior["particles"], 2);
    assert_eq!(posterior["effective_sample_size"], 1.6);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("intervals include parameter uncertainty"), "{report}");
}

#[test]
fn a_run_is_bit_identical_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    run(&["run", SCENARIO, "--replications", "60", "--threads", "1"], &one);
    run(&["run", SCENARIO, "--replications", "60", "--threads", "2"], &two);
    for table in
        ["summary.csv", "replications.csv", "blocks.csv", "survival.csv", "events.csv", "timeseries.csv"]
    {
        let (a, b) = (std::fs::read(one.join(table)).unwrap(), std::fs::read(two.join(table)).unwrap());
        assert!(a == b, "{table} differs between --threads 1 and --threads 2");
    }
}

#[test]
fn every_variant_plays_the_same_particle_and_overrides_come_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("compare");
    let stdout = run(&["compare", SCENARIO, "--replications", "100", "--threads", "2"], &out);
    assert_eq!(stdout.matches("parameters drawn from posterior posterior-lag.csv").count(), 1, "{stdout}");
    let d = durations(&out);
    let mut shorts = 0;
    for r in 0..100 {
        let base = d[&("baseline".to_owned(), r)];
        // Common random numbers: the same particle, a block exactly one day longer.
        assert_eq!(d[&("slower-verification".to_owned(), r)], base + 1.0, "replication {r}");
        // The variant's decision lag replaces the posterior's.
        assert_eq!(d[&("fixed-lag".to_owned(), r)], 9.0, "replication {r}");
        shorts += usize::from(base == 8.0);
    }
    assert!(shorts > 0 && shorts < 100, "{shorts}");
    // The command line comes last of all.
    let set = dir.path().join("set");
    run(&["run", SCENARIO, "--replications", "20", "--set", "regulator.unblock.processing_time=5d"], &set);
    assert!(durations(&set).values().all(|&d| d == 12.0));
}

#[test]
fn trace_plays_and_names_the_particle_of_its_replication() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run(&["run", SCENARIO, "--replications", "6", "--seed", "5"], &out);
    let d = durations(&out);
    for r in 0..6u64 {
        let output = modsim()
            .args(["trace", SCENARIO, "--seed", "5", "--replication", &r.to_string()])
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        let days = d[&(String::new(), r)];
        let particle =
            if days == 8.0 { "particle 1 of 2 (weight 0.2500)" } else { "particle 2 of 2 (weight 0.7500)" };
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("posterior posterior-lag.csv: replication {r} plays {particle}")),
            "{first}"
        );
        assert!(text.contains(&format!("lifts the block after {days:.1} days")), "{text}");
    }
}

#[test]
fn precision_rounds_draw_the_particles_of_a_run_with_the_final_count() {
    let dir = tempfile::tempdir().unwrap();
    let (rounds, whole) = (dir.path().join("rounds"), dir.path().join("whole"));
    let stdout = run(
        &["run", SCENARIO, "--replications", "10", "--precision", "0.001", "--max-replications", "45"],
        &rounds,
    );
    assert!(stdout.contains("stopped at the cap of 45 replications"), "{stdout}");
    run(&["run", SCENARIO, "--replications", "45"], &whole);
    for table in ["replications.csv", "blocks.csv"] {
        assert_eq!(
            std::fs::read(rounds.join(table)).unwrap(),
            std::fs::read(whole.join(table)).unwrap(),
            "{table}"
        );
    }
}

#[test]
fn reproduce_refuses_a_posterior_that_changed_since_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(SCENARIO, dir.path().join("s.toml")).unwrap();
    std::fs::copy(CSV, dir.path().join("posterior-lag.csv")).unwrap();
    let scenario = dir.path().join("s.toml");
    let out = dir.path().join("run");
    run(&["run", scenario.to_str().unwrap(), "--replications", "12"], &out);
    let reproduce = |into: &str| {
        let record = out.join("run.json");
        modsim()
            .args(["run", "--reproduce"])
            .arg(record)
            .arg("--out")
            .arg(dir.path().join(into))
            .output()
            .unwrap()
    };
    let again = reproduce("again");
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(String::from_utf8_lossy(&again.stdout).contains("reproduced: 6 tables byte-identical"));
    std::fs::write(dir.path().join("posterior-lag.csv"), "weight,regulator-decision-lag\n0.75,1\n0.25,30\n")
        .unwrap();
    let changed = reproduce("changed");
    let stderr = String::from_utf8_lossy(&changed.stderr);
    assert_eq!(changed.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("posterior-lag.csv has changed since the run"), "{stderr}");
    assert!(!dir.path().join("changed").exists());
}

#[test]
fn a_light_particle_the_scenario_refuses_stops_the_run_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    let text = std::fs::read_to_string(SCENARIO).unwrap().replace(
        "regulator-decision-lag = [\"regulator.unblock.processing_time\"]",
        "regulator-decision-lag = [\"regulator.unblock.processing_time\"]\nshare = [\"platform.vpn_share\"]",
    );
    std::fs::write(&scenario, text).unwrap();
    // The heaviest particle fits and loads; the light one has a share of 3.
    let csv = "weight,regulator-decision-lag,share\n0.9,1,0.5\n0.1,30,3\n";
    std::fs::write(dir.path().join("posterior-lag.csv"), csv).unwrap();
    let check = modsim().arg("check").arg(&scenario).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let out = dir.path().join("out");
    let output = modsim().arg("run").arg(&scenario).arg("--out").arg(&out).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`posterior.paths.share[0]`: particle 2 of 2 (weight 0.1000): regulator-decision-lag = 30, share = 3 does not fit the scenario"),
        "{stderr}"
    );
    assert!(stderr.contains("s.toml:"), "located in the scenario: {stderr}");
    assert!(!out.exists());
}
