//! Checks that catch: mistakes that `check` and `sweep` must refuse (or warn about)
//! before anything runs, rather than fail later.

use std::path::{Path, PathBuf};

mod common;

use common::modsim;

const HAND: &str = "tests/scenarios/hand-computed.toml";

/// The hand-computed scenario with `extra` appended, written into `dir`.
fn scenario_with(dir: &Path, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(HAND).unwrap();
    let path = dir.join("s.toml");
    std::fs::write(&path, format!("{text}\n{extra}")).unwrap();
    path
}

/// The 1-based line of the first line of `path` that starts with `prefix`.
fn line_of(path: &Path, prefix: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().position(|l| l.starts_with(prefix)).expect("the line") + 1
}

/// The stderr of `modsim ARGS`, which must exit with code 2 (bad input).
fn refused(args: &[&str]) -> String {
    let out = modsim().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    stderr
}

#[test]
fn check_refuses_every_invalid_variant_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_with(
        dir.path(),
        "[[variants]]\nname = \"fine\"\nset = { \"platform.review.moderators\" = 2 }\n\n\
         [[variants]]\nname = \"typo\"\nset = { \"platform.reveiw.moderators\" = 3 }\n\n\
         [[variants]]\nname = \"leaky\"\nset = { \"platform.vpn_share\" = 7 }\n",
    );
    let out = modsim().arg("check").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "variant `typo`: cannot apply `platform.reveiw.moderators=3`: there is no `platform.reveiw`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `review`?"), "{stderr}");
    assert!(
        stderr
            .contains("`platform.vpn_share`: in variant `leaky`: expected a share between 0 and 1, found 7"),
        "{stderr}"
    );
    // Each at its variant's line of the file.
    let name = path.display();
    let typo = format!("{name}:{}:", line_of(&path, "set = { \"platform.reveiw"));
    let leaky = format!("{name}:{}:", line_of(&path, "set = { \"platform.vpn_share"));
    assert!(stderr.contains(&typo), "{typo} in\n{stderr}");
    assert!(stderr.contains(&leaky), "{leaky} in\n{stderr}");
    assert!(stderr.contains("2 errors in"), "{stderr}");
}

#[test]
fn check_accepts_a_file_whose_variants_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_with(
        dir.path(),
        "[[variants]]\nname = \"fine\"\nset = { \"platform.review.moderators\" = 2 }\n",
    );
    let out = modsim().arg("check").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn sweep_reports_every_invalid_point_before_running_any() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = modsim()
        .args(["sweep", HAND, "--replications", "2", "--vary", "platform.vpn_share=0.5,2,3", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("expected a share between 0 and 1, found 2"), "{stderr}");
    assert!(stderr.contains("expected a share between 0 and 1, found 3"), "{stderr}");
    assert!(
        stderr.contains(
            "2 of 3 grid points are invalid (platform.vpn_share=2, platform.vpn_share=3); nothing was run"
        ),
        "{stderr}"
    );
    assert!(!out_dir.exists(), "a sweep with invalid points left a folder");
}

#[test]
fn sweep_refuses_a_target_that_is_not_finite_and_a_step_too_small() {
    let stderr =
        refused(&["sweep", HAND, "--vary", "platform.vpn_share=0.1,0.2", "--target", "exposure<NaN"]);
    assert!(stderr.contains("`NaN` in `exposure<NaN` is not a finite number"), "{stderr}");
    let stderr = refused(&["sweep", HAND, "--vary", "platform.review.moderators=1..5 step 1e-300"]);
    assert!(stderr.contains("has about 4.0e300 values; at most 1000 per axis"), "{stderr}");
}

#[test]
fn set_makes_a_table_the_file_leaves_out() {
    assert!(!std::fs::read_to_string(HAND).unwrap().contains("[platform.detection]"));
    let out = modsim()
        .args(["trace", HAND, "--set", "platform.detection.false_positive_rate=0.01"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A table the format does not have is still refused, with a suggestion.
    let stderr = refused(&["trace", HAND, "--set", "platform.detecton.false_positive_rate=0.01"]);
    assert!(stderr.contains("unknown field `detecton`"), "{stderr}");
    assert!(stderr.contains("did you mean `detection`?"), "{stderr}");
}

#[test]
fn a_sweep_varies_a_duration_over_a_range() {
    // `--vary "...=1d..30d step 1d"` was refused: ranges took numbers only.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let run = common::modsim()
        .args([
            "sweep",
            "tests/scenarios/hand-computed.toml",
            "--vary",
            "regulator.order_deadline=12h..36h step 12h",
            "--replications",
            "2",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let sweep = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    for value in ["12h", "1d", "36h"] {
        assert!(sweep.lines().any(|l| l.split(',').nth(1) == Some(value)), "{value} missing:\n{sweep}");
    }
}
