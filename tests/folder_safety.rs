//! The output folder never destroys or hides data: only folders modsim made are
//! replaced, a half-done swap is finished or undone by the next run, staging folders
//! of dead runs are cleaned, and `--reproduce` never checks tables against themselves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::Digest;

mod common;

use common::modsim;

const SCENARIO: &str = "tests/scenarios/hand-computed.toml";

fn run_into(out: &Path, extra: &[&str]) -> Output {
    modsim().args(["run", SCENARIO, "--no-charts"]).args(extra).arg("--out").arg(out).output().unwrap()
}

fn reproduce(record: &Path, out: &Path) -> Output {
    modsim().arg("run").arg("--reproduce").arg(record).arg("--out").arg(out).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file under `dir` with the SHA-256 of its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let digest = sha2::Sha256::digest(std::fs::read(&path).unwrap());
                files.insert(path.strip_prefix(dir).unwrap().to_owned(), format!("{digest:x}"));
            }
        }
    }
    files
}

/// The hidden entries modsim may leave beside a target: staging, swap, lock.
fn hidden(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn a_file_is_never_replaced_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes");
    std::fs::write(&file, "my notes").unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let out = run_into(&file, extra);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("is a file, not a folder"), "{}", stderr(&out));
        assert!(!stderr(&out).contains("add --force"), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "my notes");
        assert_eq!(hidden(dir.path()), Vec::<String>::new());
    }
}

#[test]
fn a_special_file_is_never_replaced_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let out = run_into(&fifo, &["--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a folder"), "{}", stderr(&out));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(hidden(dir.path()), Vec::<String>::new());
}

#[test]
fn a_results_folder_with_a_users_file_is_not_replaced_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    assert!(run_into(&out_dir, &[]).status.success());
    std::fs::write(out_dir.join("important.txt"), "mine").unwrap();
    let out = run_into(&out_dir, &["--seed", "5"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("important.txt"), "{}", stderr(&out));
    assert!(stderr(&out).contains("modsim did not write"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(out_dir.join("important.txt")).unwrap(), "mine");
    assert_eq!(hidden(dir.path()), Vec::<String>::new());
    // With --force the user asked for it.
    assert!(run_into(&out_dir, &["--force"]).status.success());
    assert!(!out_dir.join("important.txt").exists());
}

#[test]
fn a_run_json_that_is_not_modsims_does_not_make_a_folder_modsims() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::write(out_dir.join("run.json"), "{}").unwrap();
    std::fs::write(out_dir.join("important.txt"), "mine").unwrap();
    let out = run_into(&out_dir, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("run.json that modsim did not write"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(out_dir.join("important.txt")).unwrap(), "mine");
}

#[test]
fn reproduce_refuses_to_write_over_the_tables_it_checks() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("x");
    assert!(run_into(&first, &["--seed", "3"]).status.success());
    let mut summary = std::fs::read_to_string(first.join("summary.csv")).unwrap();
    summary.push_str("edited\n");
    std::fs::write(first.join("summary.csv"), &summary).unwrap();
    for out_arg in [first.clone(), dir.path().to_owned()] {
        let out = reproduce(&first.join("run.json"), &out_arg);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("holds the run being reproduced"), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(first.join("summary.csv")).unwrap(), summary);
    }
    // Into a fresh folder, the edit is found.
    let out = reproduce(&first.join("run.json"), &dir.path().join("again"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("summary.csv differs"), "{}", stderr(&out));
}

#[test]
fn reproduce_says_when_there_was_nothing_to_compare() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("x");
    assert!(run_into(&first, &[]).status.success());
    let alone = dir.path().join("alone");
    std::fs::create_dir(&alone).unwrap();
    std::fs::copy(first.join("run.json"), alone.join("run.json")).unwrap();
    let out = reproduce(&alone.join("run.json"), &dir.path().join("again"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout.contains("reproduced:"), "{stdout}");
    assert!(stdout.contains("not compared"), "{stdout}");
}

#[test]
fn reproduce_refuses_edited_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("x");
    assert!(run_into(&first, &[]).status.success());
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("run.json")).unwrap()).unwrap();
    let mut edited = record.clone();
    let value = edited["parameters"][0]["value"].as_str().unwrap().to_owned();
    edited["parameters"][0]["value"] = serde_json::Value::String(format!("{value}9"));
    std::fs::write(first.join("run.json"), serde_json::to_vec_pretty(&edited).unwrap()).unwrap();
    let out = reproduce(&first.join("run.json"), &dir.path().join("again"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("parameters"), "{}", stderr(&out));
}

#[test]
fn a_stale_previous_folder_does_not_block_later_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    assert!(run_into(&out_dir, &[]).status.success());
    // A run killed after the swap, before it removed the old results.
    let previous = dir.path().join(".r.previous");
    std::fs::create_dir(&previous).unwrap();
    std::fs::write(previous.join("run.json"), "{}").unwrap();
    let out = run_into(&out_dir, &["--seed", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(hidden(dir.path()), Vec::<String>::new());
    assert!(out_dir.join("summary.csv").is_file());
}

#[test]
fn a_half_done_swap_is_undone_by_the_next_command() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    assert!(run_into(&out_dir, &[]).status.success());
    let before = snapshot(&out_dir);
    // A run killed between its two renames: the old results are hidden.
    std::fs::rename(&out_dir, dir.path().join(".r.previous")).unwrap();
    std::fs::create_dir(dir.path().join(".r.partial-999999999")).unwrap();
    let out = modsim().arg("report").arg(&out_dir).arg("--no-charts").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(hidden(dir.path()), Vec::<String>::new());
    let after = snapshot(&out_dir);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    assert_eq!(before[Path::new("summary.csv")], after[Path::new("summary.csv")]);
}

#[test]
fn staging_folders_of_dead_runs_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    let stale = dir.path().join(".r.partial-999999999");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("summary.csv"), "half").unwrap();
    let out = run_into(&out_dir, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(hidden(dir.path()), Vec::<String>::new());
}

#[test]
fn concurrent_runs_to_one_folder_all_succeed_and_leave_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    assert!(run_into(&out_dir, &[]).status.success());
    let expected = snapshot(&out_dir).into_keys().collect::<Vec<_>>();
    for _round in 0..3 {
        let children: Vec<_> = (0..4)
            .map(|_| {
                modsim_command()
                    .args(["run", SCENARIO, "--no-charts", "--replications", "20", "--threads", "1", "--out"])
                    .arg(&out_dir)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
        assert_eq!(snapshot(&out_dir).into_keys().collect::<Vec<_>>(), expected);
        assert_eq!(hidden(dir.path()), Vec::<String>::new());
    }
}

fn modsim_command() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("modsim"))
}

/// Whether this process runs as root (permission bits do not bind it).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

#[test]
fn a_results_folder_that_cannot_be_emptied_is_left_in_place() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out_dir = dir.path().join("r");
    assert!(run_into(&out_dir, &[]).status.success());
    let before = snapshot(&out_dir);
    std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Another user, as the issue did it; as root, permission bits would not bind.
    let mut cmd = if is_root() {
        let bin = std::env::temp_dir().join(format!("modsim-folder-safety-{}", std::process::id()));
        std::fs::copy(assert_cmd::cargo::cargo_bin("modsim"), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin);
        c
    } else {
        modsim_command()
    };
    let scenario = dir.path().join("s.toml");
    std::fs::copy(SCENARIO, &scenario).unwrap();
    let out = cmd
        .arg("run")
        .arg(&scenario)
        .args(["--no-charts", "--seed", "9", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("previous results are as they were"), "{}", stderr(&out));
    assert_eq!(snapshot(&out_dir), before);
    assert_eq!(hidden(dir.path()), Vec::<String>::new());
}

#[test]
fn sigterm_removes_the_staging_folder_and_keeps_the_previous_results() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    assert!(run_into(&out_dir, &[]).status.success());
    let before = snapshot(&out_dir);
    let child = modsim_command()
        .args(["run", "scenarios/tiktok-indonesia-2018.toml", "--replications", "100000", "--out"])
        .arg(&out_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while hidden(dir.path()).is_empty() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    assert!(stderr(&out).contains("interrupted after"), "{}", stderr(&out));
    assert_eq!(snapshot(&out_dir), before);
    assert_eq!(hidden(dir.path()), Vec::<String>::new());
}

/// A tmpfs mounted for the life of the value, where the machine allows it.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the file system of `dir` but for about `spare` bytes.
fn fill(dir: &Path, spare: u64) {
    use std::io::Write;
    let filler = dir.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 4096];
    while f.write_all(&block).is_ok() {}
    let len = std::fs::metadata(&filler).unwrap().len();
    f.set_len(len.saturating_sub(spare)).unwrap();
}

#[test]
fn report_on_a_full_disk_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&dir.path().join("disk"), "3m") else {
        eprintln!("skipped: mounting a tmpfs is not permitted here");
        return;
    };
    let out_dir = disk.0.join("r");
    let out = modsim().args(["run", SCENARIO, "--out"]).arg(&out_dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let before = snapshot(&out_dir);
    fill(&disk.0, 24 * 1024);
    let out = modsim().arg("report").arg(&out_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(snapshot(&out_dir), before);
    let left: Vec<String> = hidden(&disk.0);
    assert_eq!(left, Vec::<String>::new());
}

#[test]
fn a_run_whose_report_fails_still_leaves_its_tables() {
    // The report's reader rejects this run's record (an infinite precision); the
    // tables and run.json must be in place whatever the report does.
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    let out = modsim()
        .args([
            "run",
            "scenarios/netzdg-fines-first.toml",
            "--precision",
            "0.05",
            "--replications",
            "10",
            "--max-replications",
            "20",
            "--no-charts",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    for file in [
        "summary.csv",
        "replications.csv",
        "blocks.csv",
        "survival.csv",
        "events.csv",
        "timeseries.csv",
        "run.json",
    ] {
        assert!(out_dir.join(file).is_file(), "{file}: {}", stderr(&out));
    }
    if !out.status.success() {
        assert!(stderr(&out).contains("modsim report"), "{}", stderr(&out));
    }
    assert_eq!(hidden(dir.path()), Vec::<String>::new());
}
