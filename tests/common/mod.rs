//! Helpers shared by the end-to-end tests.

#![allow(dead_code)] // Each test crate uses its own subset.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The real `modsim` binary.
pub fn modsim() -> Command {
    Command::cargo_bin("modsim").unwrap()
}

/// The scenario library, sorted.
pub fn library() -> Vec<PathBuf> {
    toml_files("scenarios")
}

/// The `.toml` files directly in `dir`, sorted.
pub fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Runs `scenario` for `replications` replications without charts into `out`, and
/// panics with modsim's message if that fails: a small real folder for a test.
pub fn small_run(scenario: &str, replications: u32, out: &std::path::Path) {
    let status = modsim()
        .args(["run", scenario, "--replications", &replications.to_string(), "--no-charts", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
}

/// run.json without the fields that say where and how fast a folder was made.
pub fn record(folder: &Path) -> serde_json::Value {
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("run.json")).unwrap()).unwrap();
    for key in ["output", "wall_time_seconds", "replications_per_second", "threads"] {
        value.as_object_mut().unwrap().remove(key);
    }
    if let Some(validation) = value.get_mut("validation") {
        validation.as_object_mut().unwrap().remove("fold_seconds");
    }
    if let Some(calibration) = value.get_mut("calibration") {
        calibration.as_object_mut().unwrap().remove("generation_seconds");
    }
    value
}

/// Every file of `a` is in `b` with the same bytes (run.json compared by `record`).
pub fn same_folder(a: &Path, b: &Path) {
    let mut names: Vec<PathBuf> = std::fs::read_dir(a).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for path in names {
        let name = path.file_name().unwrap();
        if name == "run.json" {
            assert_eq!(record(a), record(b));
        } else if path.is_dir() {
            same_folder(&path, &b.join(name));
        } else {
            assert!(
                std::fs::read(&path).unwrap() == std::fs::read(b.join(name)).unwrap(),
                "{name:?} differs"
            );
        }
    }
}

/// A small two-point sweep of the flagship, for tests that split and merge work.
pub const SMALL_SWEEP: [&str; 9] = [
    "sweep",
    "scenarios/tiktok-indonesia-2018.toml",
    "--vary",
    "platform.review.moderators=20,200",
    "--replications",
    "6",
    "--seed",
    "5",
    "--no-charts",
];

/// A small validation of six synthetic cases, for tests that split and merge work.
pub const SMALL_VALIDATE: [&str; 8] = [
    "validate",
    "tests/validation/groups.toml",
    "--population",
    "40",
    "--generations",
    "2",
    "--draws",
    "100",
];

/// A small calibration of two parameters from two cases, for tests that split and merge
/// work.
pub const SMALL_CALIBRATE: [&str; 8] =
    ["calibrate", "tests/calibration/tiny.toml", "--population", "40", "--generations", "3", "--seed", "3"];
