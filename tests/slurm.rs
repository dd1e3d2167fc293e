//! `modsim slurm` on a real one-node cluster (`scripts/slurm-local.sh up`; `.ci/run`
//! brings one up and sets MODSIM_SLURM=1): a sweep and a validation run as job arrays,
//! merged by a dependent job, and a calibration run as one array and merge per batch,
//! equal one-machine runs; a shard that fails cancels the
//! merge, and the user is told which shard and why. Without MODSIM_SLURM=1 the tests say
//! they were skipped.

mod common;

use std::path::Path;

use common::{modsim, same_folder, SMALL_CALIBRATE, SMALL_SWEEP, SMALL_VALIDATE};

/// Whether a cluster is there; prints why not.
fn cluster() -> bool {
    let up = std::env::var("MODSIM_SLURM").is_ok_and(|v| v == "1");
    if !up {
        eprintln!("skipped: no Slurm cluster (set MODSIM_SLURM=1 after scripts/slurm-local.sh up)");
    }
    up
}

fn ok(args: &[&str], out: &Path) {
    let output = modsim().args(args).arg("--out").arg(out).output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// `command` through `modsim slurm --parts parts --wait`, merged into `dir/merged`.
fn through_slurm(command: &[&str], parts: &str, dir: &Path) -> std::process::Output {
    modsim()
        .args(["slurm", "--parts", parts, "--dir"])
        .arg(dir.join("jobs"))
        .args(["--modsim", env!("CARGO_BIN_EXE_modsim"), "--wait", "--"])
        .args(command)
        .arg("--out")
        .arg(dir.join("merged"))
        .output()
        .unwrap()
}

#[test]
fn a_sweep_and_a_validation_through_slurm_equal_one_machine_runs() {
    if !cluster() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sweep = SMALL_SWEEP;
    let validate = SMALL_VALIDATE;
    for (name, command) in [("sweep", &sweep[..]), ("validate", &validate[..])] {
        let d = dir.path().join(name);
        let output = through_slurm(command, "3", &d);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("the merge finished"), "{stdout}");
        ok(command, &d.join("whole"));
        same_folder(&d.join("whole"), &d.join("merged"));
    }
}

#[test]
fn a_calibration_through_slurm_runs_batch_by_batch_and_equals_one_machine() {
    if !cluster() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = through_slurm(&SMALL_CALIBRATE, "2", dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let batches = stdout.matches("the merge finished").count();
    assert!(batches > 3 && stdout.contains(&format!("batch {batches}: submitted")), "{stdout}");
    ok(&SMALL_CALIBRATE, &dir.path().join("whole"));
    same_folder(&dir.path().join("whole"), &dir.path().join("merged"));
}

#[test]
fn a_failed_shard_cancels_the_merge_and_says_why() {
    if !cluster() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Shard 2 cannot write its part: a file stands where its folder would go.
    std::fs::create_dir_all(dir.path().join("jobs/parts")).unwrap();
    std::fs::write(dir.path().join("jobs/parts/part-2"), "in the way").unwrap();
    let command = ["run", "scenarios/tiktok-indonesia-2018.toml", "--replications", "4", "--no-charts"];
    let output = through_slurm(&command, "2", dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("shard 2 of 2 failed"), "{stderr}");
    assert!(stderr.contains("is a file, not a folder"), "{stderr}");
    assert!(stderr.contains("the merge was cancelled"), "{stderr}");
    assert!(!dir.path().join("merged").exists());
    assert!(dir.path().join("jobs/parts/part-1/run.json").is_file(), "the other shard ran");
    // Once the cause is gone, the same submission from the same folder succeeds: the
    // first attempt's part and logs are cleared, not mistaken for this one's.
    std::fs::remove_file(dir.path().join("jobs/parts/part-2")).unwrap();
    let output = through_slurm(&command, "2", dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(dir.path().join("merged/summary.csv").is_file());
    let log = std::fs::read_to_string(dir.path().join("jobs/logs/shard-2.out")).unwrap();
    assert!(!log.contains("is a file, not a folder"), "{log}");
}
