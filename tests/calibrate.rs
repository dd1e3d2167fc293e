//! `modsim calibrate` end to end: the files it writes, the same posterior at any
//! thread count, a known parameter recovered from a synthetic case, and malformed
//! calibration files refused with located diagnostics before anything is written.

mod common;

use std::path::Path;

use common::modsim;

/// Runs a calibration into `out` and returns its stdout; panics with modsim's message
/// if it fails.
fn calibrate(config: &str, out: &Path, extra: &[&str]) -> String {
    let output = modsim().args(["calibrate", config, "--out"]).arg(out).args(extra).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// posterior.csv's rows: (weight, values).
fn posterior(out: &Path) -> (Vec<String>, Vec<(f64, Vec<f64>)>) {
    let text = std::fs::read_to_string(out.join("posterior.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_owned).collect();
    let rows = lines
        .map(|line| {
            let cells: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
            (cells[0], cells[1..].to_vec())
        })
        .collect();
    (header, rows)
}

/// The smallest value whose weighted cumulative share reaches `p`.
fn weighted_quantile(rows: &[(f64, Vec<f64>)], k: usize, p: f64) -> f64 {
    let mut values: Vec<(f64, f64)> = rows.iter().map(|(w, v)| (v[k], *w)).collect();
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = values.iter().map(|v| v.1).sum();
    let mut sum = 0.0;
    for (x, w) in &values {
        sum += w;
        if sum >= p * total * (1.0 - 1e-12) {
            return *x;
        }
    }
    values.last().unwrap().0
}

#[test]
fn a_small_calibration_writes_its_files_and_does_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let args = ["--population", "50", "--generations", "3", "--seed", "7"];
    let stdout = calibrate("tests/calibration/tiny.toml", &one, &[&args[..], &["--threads", "1"]].concat());
    calibrate("tests/calibration/tiny.toml", &two, &[&args[..], &["--threads", "2"]].concat());

    let (header, rows) = posterior(&one);
    assert_eq!(header, ["weight", "kominfo-decision-lag", "register-probability"]);
    assert_eq!(rows.len(), 50);
    let total: f64 = rows.iter().map(|r| r.0).sum();
    assert!((total - 1.0).abs() < 1e-9, "weights sum to {total}");
    assert!(rows.iter().all(|(_, v)| v[0] > 0.0 && (0.0..=1.0).contains(&v[1])), "values outside the priors");

    let generations = std::fs::read_to_string(one.join("generations.csv")).unwrap();
    let lines: Vec<&str> = generations.lines().collect();
    assert_eq!(lines[0], "generation,tolerance,acceptance_rate,ess,simulations");
    assert_eq!(lines.len(), 4, "{generations}");
    // Generation 0 draws twice the population from the prior and keeps half.
    assert!(lines[1].starts_with("0,") && lines[1].ends_with(",0.5,50,100"), "{}", lines[1]);
    let tolerances: Vec<f64> =
        lines[1..].iter().map(|l| l.split(',').nth(1).unwrap().parse().unwrap()).collect();
    assert!(tolerances.windows(2).all(|w| w[1] < w[0]), "tolerances do not fall: {tolerances:?}");

    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["command"], "calibrate");
    assert_eq!(record["seed"], 7);
    assert_eq!(record["calibration"]["cases"], serde_json::json!(["id-01", "id-07g"]));
    assert_eq!(record["calibration"]["settings"]["population"], 50);
    assert_eq!(record["calibration"]["generation_seconds"].as_array().unwrap().len(), 3);
    assert_eq!(
        record["files"],
        serde_json::json!([
            "posterior.csv",
            "generations.csv",
            "predictive.csv",
            "run.json",
            "report.html",
            "report.md",
            "charts/"
        ])
    );
    assert!(stdout.contains("kominfo-decision-lag: posterior median"), "{stdout}");

    for file in ["posterior.csv", "generations.csv", "predictive.csv", "charts/calibration-predictive.svg"] {
        assert_eq!(std::fs::read(one.join(file)).unwrap(), std::fs::read(two.join(file)).unwrap(), "{file}");
    }
    // A second run replaces the folder it made.
    calibrate("tests/calibration/tiny.toml", &one, &args);
}

#[test]
fn a_known_decision_lag_is_recovered_from_a_synthetic_case() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    calibrate("tests/calibration/synthetic.toml", &out, &["--population", "100", "--generations", "5"]);
    let (_, rows) = posterior(&out);
    let (low, high) = (weighted_quantile(&rows, 0, 0.05), weighted_quantile(&rows, 0, 0.95));
    assert!(low <= 5.0 && 5.0 <= high, "90% interval [{low}, {high}] misses the truth, 5 days");
    // The prior's 90% interval: lognormal median 2, p90 10 days, from 0.25 to 15.8 days.
    let sigma = (10f64 / 2.0).ln() / 1.281_551_565_544_600_4;
    let (prior_low, prior_high) =
        (2.0 * (-1.644_853_626_951_472_2 * sigma).exp(), 2.0 * (1.644_853_626_951_472_2 * sigma).exp());
    assert!(
        high - low < 0.2 * (prior_high - prior_low),
        "posterior [{low}, {high}] not much narrower than the prior's [{prior_low}, {prior_high}]"
    );
}

#[test]
fn malformed_calibration_files_are_refused_with_located_diagnostics() {
    let cases = [
        ("missing-case-file", "`cases[0]`: no case file at", "missing-case-file.toml:1:10"),
        ("number-at-duration", "`playbook.comply.delay` in case `id-01` does not take the prior's median: invalid type: floating point `0.5`, expected a duration", "number-at-duration.toml:6:20"),
        ("p90-below-median", "`parameters[0].prior`: a bad lognormal prior: p90 must be greater than the median", "p90-below-median.toml:5:9"),
        ("path-not-in-case", "`regulator.unblock.decision_time` names nothing in case `id-01`", "path-not-in-case.toml:6:20"),
        ("unknown-case", "`parameters[0].paths.id-99`: `id-99` is not one of the cases (id-01)", "unknown-case.toml:6:66"),
        ("unknown-key", "unknown field `population`, expected one of `cases`, `replications`, `parameters`", "unknown-key.toml:2:1"),
        ("unknown-prior", "unknown prior `beta`: expected uniform, lognormal, gamma, exponential or normal", "unknown-prior.toml:5:18"),
    ];
    let mut files: Vec<String> = std::fs::read_dir("tests/calibration/malformed")
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, cases.iter().map(|c| c.0).collect::<Vec<_>>(), "each file has its expectation");
    let dir = tempfile::tempdir().unwrap();
    for (name, message, place) in cases {
        let out = dir.path().join(name);
        let output = modsim()
            .args(["calibrate", &format!("tests/calibration/malformed/{name}.toml"), "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(stderr.contains(place), "{name}: {stderr}");
        assert_eq!(stderr.matches("error:").count(), 1, "{name}: one problem, said once: {stderr}");
        assert!(!out.exists(), "{name}: wrote {}", out.display());
    }
}

#[test]
fn sampler_settings_that_cannot_run_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = modsim()
        .args(["calibrate", "tests/calibration/tiny.toml", "--population", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the population needs at least 2 particles"), "{stderr}");
    assert!(!out.exists());
}

/// Every calibration file the project ships runs: its cases load, its paths exist and
/// take its priors' values (a tiny population, one generation).
#[test]
fn shipped_calibration_files_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/calibration");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = tempfile::tempdir().unwrap();
            let stdout = calibrate(
                path.to_str().unwrap(),
                &out.path().join("c"),
                &["--population", "10", "--generations", "1"],
            );
            assert!(stdout.contains("1 generations"), "{}: {stdout}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 2, "found {seen} calibration files");
}
