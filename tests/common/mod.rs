//! Helpers shared by the end-to-end tests.

#![allow(dead_code)] // Each test crate uses its own subset.

use std::path::PathBuf;

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
