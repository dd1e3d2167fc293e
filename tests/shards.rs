//! `--shard K/N` and `modsim merge`: the parts of run, compare, sweep and validate put
//! together give the folder one machine writes, byte for byte (run.json but for where
//! and how fast it ran), for N = 1, 2 and 7; parts that do not belong together, or are missing
//! or given twice, are refused with exit code 2 and nothing written.

mod common;

use std::path::{Path, PathBuf};

use common::{modsim, same_folder, SMALL_CALIBRATE, SMALL_SWEEP, SMALL_VALIDATE};

const FLAGSHIP: &str = "scenarios/tiktok-indonesia-2018.toml";

/// Runs modsim with `args` (and `--out out`), failing the test on an error.
fn ok(args: &[&str], out: &Path) {
    let output = modsim().args(args).arg("--out").arg(out).output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// The command `args` run whole, then in `n` shards merged: the folders agree.
fn check_merge(args: &[&str], n: u64, dir: &Path) {
    let whole = dir.join(format!("whole-{n}"));
    ok(args, &whole);
    let mut parts = Vec::new();
    for k in 1..=n {
        let part = dir.join(format!("part-{n}-{k}"));
        let shard = format!("{k}/{n}");
        let mut with_shard = args.to_vec();
        with_shard.extend(["--shard", &shard]);
        ok(&with_shard, &part);
        parts.push(part);
    }
    parts.reverse(); // any order
    let merged = dir.join(format!("merged-{n}"));
    let output = modsim().arg("merge").args(&parts).arg("--out").arg(&merged).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    same_folder(&whole, &merged);
}

#[test]
fn merged_runs_equal_one_machine_runs() {
    let dir = tempfile::tempdir().unwrap();
    for n in [1, 2, 7] {
        check_merge(&["run", FLAGSHIP, "--replications", "12", "--seed", "5"], n, dir.path());
    }
}

#[test]
fn merged_compares_and_sweeps_equal_one_machine_runs() {
    let dir = tempfile::tempdir().unwrap();
    let compare = ["compare", FLAGSHIP, "--replications", "6", "--seed", "5", "--no-charts"];
    let sweep = SMALL_SWEEP;
    for n in [1, 2, 7] {
        check_merge(&compare, n, &dir.path().join("compare"));
        check_merge(&sweep, n, &dir.path().join("sweep"));
    }
}

#[test]
fn merged_validations_equal_one_machine_validations() {
    let dir = tempfile::tempdir().unwrap();
    let validate = SMALL_VALIDATE;
    // Seven parts of six folds: one part holds none.
    for n in [1, 2, 7] {
        check_merge(&validate, n, dir.path());
    }
}

/// Runs a calibration's batches in `n` shards each, merging each batch, until the merge
/// writes `merged`; returns how many batches it took.
fn calibrate_in_shards(args: &[&str], n: u64, checkpoint: &Path, merged: &Path) -> usize {
    for batch in 1..100 {
        let dir = checkpoint.with_extension(format!("batch-{batch}"));
        let parts: Vec<PathBuf> = (1..=n).map(|k| dir.join(format!("part-{k}"))).collect();
        for (k, part) in (1..=n).zip(&parts) {
            let shard = format!("{k}/{n}");
            let mut with_shard = args.to_vec();
            with_shard.extend(["--checkpoint", checkpoint.to_str().unwrap(), "--shard", &shard]);
            ok(&with_shard, part);
        }
        let output = modsim().arg("merge").args(&parts).arg("--out").arg(merged).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        if merged.join("run.json").exists() {
            return batch;
        }
    }
    panic!("the calibration did not stop within 100 batches")
}

#[test]
fn merged_calibrations_equal_one_machine_calibrations() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let whole = d.join("whole");
    ok(&SMALL_CALIBRATE, &whole);
    for n in [1, 2, 7] {
        let merged = d.join(format!("merged-{n}"));
        let batches =
            calibrate_in_shards(&SMALL_CALIBRATE, n, &d.join(format!("checkpoint-{n}.bin")), &merged);
        assert!(batches > 3, "three generations took {batches} batches");
        same_folder(&whole, &merged);
    }
    // A one-machine run that keeps a checkpoint writes the same folder; run again on the
    // finished checkpoint, it goes straight to the folder.
    let checkpoint = d.join("one-machine.bin").to_str().unwrap().to_owned();
    let with_checkpoint = [&SMALL_CALIBRATE[..], &["--checkpoint", &checkpoint]].concat();
    ok(&with_checkpoint, &d.join("checkpointed"));
    same_folder(&whole, &d.join("checkpointed"));
    ok(&with_checkpoint, &d.join("again"));
    same_folder(&whole, &d.join("again"));
}

#[test]
fn a_calibration_merge_refuses_parts_of_another_batch_or_calibration() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let checkpoint = d.join("checkpoint.bin");
    let shard = |shard: &str, out: &str, seed: &str| {
        let mut args = SMALL_CALIBRATE[..6].to_vec();
        args.extend(["--seed", seed, "--checkpoint", checkpoint.to_str().unwrap(), "--shard", shard]);
        ok(&args, &d.join(out));
        d.join(out)
    };
    let (first1, first2) = (shard("1/2", "first-1", "3"), shard("2/2", "first-2", "3"));
    refused(std::slice::from_ref(&first1), "parts 2 of 2 are missing", d);
    let other_seed = shard("2/2", "seed-9", "9");
    refused(&[first1.clone(), other_seed], "their command lines differ", d);
    let merge =
        modsim().arg("merge").args([&first1, &first2]).arg("--out").arg(d.join("m")).output().unwrap();
    assert!(merge.status.success(), "{}", String::from_utf8_lossy(&merge.stderr));
    assert!(String::from_utf8_lossy(&merge.stdout).contains("run the shards again"));
    assert!(!d.join("m").exists(), "nothing written before the calibration stops");
    // The first batch's parts again: the checkpoint has moved on.
    refused(&[first1, first2], "was computed from another checkpoint", d);
    // A checkpoint of another calibration is refused by the shards.
    let output = modsim()
        .args(["calibrate", "tests/validation/groups.toml", "--checkpoint"])
        .arg(&checkpoint)
        .args(["--shard", "1/2", "--out"])
        .arg(d.join("wrong"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the checkpoint belongs to another calibration"), "{stderr}");
    assert!(!d.join("wrong").exists());
}

/// `modsim merge` with `parts` fails with exit 2, says `expected`, writes nothing.
fn refused(parts: &[PathBuf], expected: &str, dir: &Path) {
    let out = dir.join("refused");
    let output = modsim().arg("merge").args(parts).arg("--out").arg(&out).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn merge_refuses_parts_that_do_not_make_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let part = |name: &str, shard: &str, seed: &str| {
        let path = d.join(name);
        ok(&["run", FLAGSHIP, "--replications", "6", "--seed", seed, "--no-charts", "--shard", shard], &path);
        path
    };
    let (a1, a2, a3) = (part("a1", "1/3", "5"), part("a2", "2/3", "5"), part("a3", "3/3", "5"));
    let b3 = part("b3", "3/3", "6");
    refused(&[a1.clone(), a2.clone()], "parts 3 of 3 are missing", d);
    refused(&[a1.clone(), a2.clone(), a2.clone(), a3.clone()], "part 2 of 3 is given twice", d);
    refused(&[a1.clone(), a2.clone(), b3], "are parts of different runs: their command lines differ", d);
    let whole = d.join("whole");
    ok(&["run", FLAGSHIP, "--replications", "6", "--seed", "5", "--no-charts"], &whole);
    refused(&[a1, whole], "cannot read it as a part", d);
}

/// Copies `files` from `from` into `to` (created).
fn copy(files: &[&str], from: &str, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for file in files {
        std::fs::copy(Path::new(from).join(file), to.join(file)).unwrap();
    }
}

#[test]
fn merge_refuses_parts_whose_inputs_changed_since_they_ran() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A posterior edited between the parts and the merge.
    let scenario = d.join("posterior");
    copy(&["posterior-lag.toml", "posterior-lag.csv"], "tests/scenarios", &scenario);
    let toml = scenario.join("posterior-lag.toml");
    let run = |shard: &str, threads: &str, out: &str| {
        let args =
            ["run", toml.to_str().unwrap(), "--replications", "8", "--threads", threads, "--shard", shard];
        ok(&args, &d.join(out));
        d.join(out)
    };
    // Parts made with different thread counts still belong together.
    let (p1, p2) = (run("1/2", "1", "p1"), run("2/2", "2", "p2"));
    let csv = scenario.join("posterior-lag.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, text.replace(",30", ",60")).unwrap();
    refused(&[p1.clone(), p2], "posterior files changed since the parts ran", d);
    let p2b = run("2/2", "1", "p2b");
    refused(&[p1, p2b], "their posteriors (SHA-256) differ", d);

    // A calibration file edited between the parts of a validation and the merge.
    let cases = [
        "groups.toml",
        "short-a.toml",
        "short-b.toml",
        "short-c.toml",
        "long-a.toml",
        "long-b.toml",
        "long-c.toml",
    ];
    let validation = d.join("validation");
    copy(&cases, "tests/validation", &validation);
    let groups = validation.join("groups.toml");
    let mut args: Vec<&str> = SMALL_VALIDATE.to_vec();
    args[1] = groups.to_str().unwrap();
    let parts: Vec<PathBuf> = ["1/2", "2/2"]
        .iter()
        .enumerate()
        .map(|(i, shard)| {
            let mut with_shard = args.clone();
            with_shard.extend(["--shard", shard]);
            let out = d.join(format!("v{i}"));
            ok(&with_shard, &out);
            out
        })
        .collect();
    let text = std::fs::read_to_string(&groups).unwrap();
    std::fs::write(&groups, text.replace("replications = 2", "replications = 3")).unwrap();
    refused(&parts, "the calibration file or its cases changed", d);
}
