//! Interruption, reproduction, and the guards that keep bad input from costing hours
//! or destroying data.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;

use common::{library, modsim};

#[test]
fn an_interrupted_run_leaves_the_previous_results_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let first = modsim()
        .args(["run", "scenarios/tiktok-indonesia-2018.toml", "--replications", "3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(first.status.success());
    let before = std::fs::read(out.join("run.json")).unwrap();
    let replications_before = std::fs::read(out.join("replications.csv")).unwrap();

    // A long run, interrupted with SIGINT (Ctrl-C) once it is under way.
    let bin = assert_cmd::cargo::cargo_bin("modsim");
    let child = std::process::Command::new(bin)
        .args(["run", "scenarios/tiktok-indonesia-2018.toml", "--replications", "100000", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let staging = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().contains(".partial"))
    };
    // Wait until the run has made its staging folder, then interrupt it.
    let started = Instant::now();
    while !staging(dir.path()) && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let killed = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted after"), "{stderr}");
    assert!(stderr.contains("is as it was"), "{stderr}");
    assert_eq!(std::fs::read(out.join("run.json")).unwrap(), before);
    assert_eq!(std::fs::read(out.join("replications.csv")).unwrap(), replications_before);
    assert!(!staging(dir.path()), "the staging folder was left behind");
}

#[test]
fn reproduce_round_trips_on_the_library() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in library() {
        let stem = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        let first = dir.path().join(&stem);
        let out = modsim()
            .args(["run", "--replications", "5", "--seed", "11", "--set", "platform.vpn_share=0.3", "--out"])
            .arg(&first)
            .arg(&scenario)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let again = dir.path().join(format!("{stem}-again"));
        let out = modsim()
            .arg("run")
            .arg("--reproduce")
            .arg(first.join("run.json"))
            .arg("--out")
            .arg(&again)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stem}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("reproduced: 6 tables byte-identical"), "{stdout}");
        // The report is built from the tables, so it reproduces too.
        for table in
            ["summary.csv", "replications.csv", "blocks.csv", "events.csv", "timeseries.csv", "report.md"]
        {
            assert_eq!(
                std::fs::read(first.join(table)).unwrap(),
                std::fs::read(again.join(table)).unwrap(),
                "{stem}: {table}"
            );
        }
    }
}

#[test]
fn reproduce_refuses_a_changed_scenario_and_another_version() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::copy("tests/scenarios/hand-computed.toml", &scenario).unwrap();
    let first = dir.path().join("first");
    assert!(modsim().arg("run").arg(&scenario).arg("--out").arg(&first).output().unwrap().status.success());

    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(&scenario, text.replace("items_per_day = 250", "items_per_day = 300")).unwrap();
    let out = modsim().arg("run").arg("--reproduce").arg(first.join("run.json")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("has changed since the run"), "{stderr}");

    let record = std::fs::read_to_string(first.join("run.json")).unwrap();
    let old = record.replace(
        &format!("\"modsim_version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"modsim_version\": \"0.0.1\"",
    );
    std::fs::write(first.join("run.json"), old).unwrap();
    let out = modsim().arg("run").arg("--reproduce").arg(first.join("run.json")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("was made by modsim 0.0.1"), "{stderr}");
}

#[test]
fn force_replaces_a_folder_modsim_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("mine");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), "x").unwrap();
    let out = modsim()
        .args(["run", "tests/scenarios/hand-computed.toml", "--force", "--out"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(target.join("run.json").exists());
    assert!(!target.join("notes.txt").exists());
}

#[test]
fn absurd_costs_are_refused_with_an_explanation() {
    let dir = tempfile::tempdir().unwrap();
    // A billion replications of the flagship: refused before any work.
    let out = modsim()
        .args(["run", "scenarios/tiktok-indonesia-2018.toml", "--replications", "1000000000", "--out"])
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("hours on 2 cores") && stderr.contains("lower --replications"), "{stderr}");
    assert!(!dir.path().join("x").exists());

    // A file larger than any scenario.
    let big = dir.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(11 * 1024 * 1024))).unwrap();
    let out = modsim().arg("check").arg(&big).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most"));
}
