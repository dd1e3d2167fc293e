//! Money: the warnings about costs left at zero and a missing currency, and the
//! currency refused when runs mix them. docs/costs.md says what is counted.

use std::path::Path;

mod common;

use common::modsim;

const HAND: &str = "tests/scenarios/hand-computed.toml";

/// The hand-computed scenario with `extra` lines after `seed = 7` and each
/// (from, to) replacement, written to `dir`.
fn scenario_with(dir: &Path, name: &str, extra: &str, replace: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(HAND).unwrap();
    if !extra.is_empty() {
        text = text.replace("seed = 7", &format!("seed = 7\n{extra}"));
    }
    for (from, to) in replace {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The stderr of `modsim ARGS`, which must succeed.
fn stderr_of(args: &[&str], files: &[&Path]) -> String {
    let out = modsim().args(args).args(files).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

#[test]
fn a_scenario_without_a_moderator_cost_is_warned_about_and_one_with_it_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let unpriced = scenario_with(dir.path(), "unpriced.toml", "", &[]);
    let priced = scenario_with(
        dir.path(),
        "priced.toml",
        "currency = \"USD\"",
        &[
            ("review_time = \"10m\"", "review_time = \"10m\"\ncost_per_moderator_day = 40"),
            ("delay = \"3d\"", "delay = \"3d\"\ncost = 0"),
        ],
    );
    let moderation = "warning: `platform.review.cost_per_moderator_day`: not set, so the cost of moderation counts as zero";
    for command in [&["check"][..], &["run", "--replications", "2", "--no-charts", "--out"]] {
        let mut args = command.to_vec();
        let out = dir.path().join("out");
        let out = out.to_str().unwrap();
        if command.len() > 1 {
            args.push(out);
        }
        let warned = stderr_of(&args, &[&unpriced]);
        assert!(warned.contains(moderation), "{command:?}: {warned}");
        assert!(warned.contains("unpriced.toml:23:1"), "located at [platform.review]: {warned}");
        assert!(warned.contains("`playbook.commitment.cost`: not set, so the one-off cost of action `commitment` counts as zero"), "{warned}");
        assert!(
            warned.contains("`scenario.currency`: not set, so money is shown in \"currency units\""),
            "{warned}"
        );
        let quiet = stderr_of(&args, &[&priced]);
        assert!(!quiet.contains("warning"), "{command:?}: {quiet}");
    }
}

#[test]
fn runs_in_different_currencies_are_not_compared() {
    let dir = tempfile::tempdir().unwrap();
    let usd = scenario_with(dir.path(), "usd.toml", "currency = \"USD\"", &[]);
    let eur = scenario_with(dir.path(), "eur.toml", "currency = \"EUR\"", &[]);
    let out = modsim()
        .args(["compare", "--replications", "2", "--no-charts", "--out"])
        .arg(dir.path().join("c"))
        .args([&usd, &eur])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "the runs are in different currencies (usd: USD, eur: EUR), so their money cannot be compared"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("c").exists());
}
