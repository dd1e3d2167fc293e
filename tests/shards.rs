//! `--shard K/N` and `modsim merge`: the parts of run, compare, sweep and validate put
//! together give the folder one machine writes, byte for byte (run.json but for where
//! and how fast it ran), for N = 1, 2 and 7; parts that do not belong together, or are missing
//! or given twice, are refused with exit code 2 and nothing written.

mod common;

use std::path::{Path, PathBuf};

use common::{modsim, same_folder, SMALL_SWEEP, SMALL_VALIDATE};

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
