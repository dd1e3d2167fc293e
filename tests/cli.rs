//! End-to-end tests: the real binary on real scenario files.

use std::path::{Path, PathBuf};

mod common;

use common::{library, modsim};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_library_has_the_flagship_and_three_other_kinds() {
    let names: Vec<String> =
        library().iter().map(|p| p.file_stem().unwrap().to_string_lossy().into_owned()).collect();
    assert!(names.contains(&"tiktok-indonesia-2018".to_owned()), "{names:?}");
    assert!(names.len() >= 4, "{names:?}");
}

#[test]
fn check_accepts_every_scenario_in_the_library() {
    let out = modsim().arg("check").args(library()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert_eq!(stdout.matches(": ok").count(), library().len());
    // Library scenarios are clean: no warnings either.
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn run_writes_every_table_for_every_scenario() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in library() {
        let out_dir = dir.path().join(scenario.file_stem().unwrap());
        let out = modsim()
            .args(["run", "--replications", "8", "--out"])
            .arg(&out_dir)
            .arg(&scenario)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", scenario.display(), String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("block probability"), "{stdout}");
        assert!(stdout.contains("median first block"), "{stdout}");
        for (file, header) in [
            ("summary.csv", "metric,unit,n,mean,ci95_low,ci95_high"),
            ("replications.csv", "replication,seed,blocked,blocks"),
            (
                "blocks.csv",
                "replication,block,start,end,duration_days,censored,reason,start_date,end_date,lifted_by",
            ),
            ("events.csv", "replication,time_days,date,actor,kind,text"),
        ] {
            let text = read(&out_dir.join(file));
            assert!(text.starts_with(header), "{file}: {}", text.lines().next().unwrap_or(""));
        }
        // One row per replication, numbered 0..8.
        let reps = read(&out_dir.join("replications.csv"));
        assert_eq!(reps.lines().count(), 9);
        let run: serde_json::Value = serde_json::from_str(&read(&out_dir.join("run.json"))).unwrap();
        assert_eq!(run["replications"], 8);
        assert_eq!(run["scenario_sha256"][0].as_str().unwrap().len(), 64);
        // No staging folders are left beside the results.
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

fn run_tables(scenario: &str, threads: &str, out_dir: &Path) -> Vec<(String, Vec<u8>)> {
    let out = modsim()
        .args(["run", scenario, "--replications", "24", "--seed", "99", "--threads", threads, "--out"])
        .arg(out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    [
        "summary.csv",
        "replications.csv",
        "blocks.csv",
        "survival.csv",
        "events.csv",
        "timeseries.csv",
        "report.md",
        "charts/fan.svg",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(out_dir.join(f)).unwrap()))
    .collect()
}

#[test]
fn same_seed_gives_byte_identical_tables_for_any_thread_count_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = "scenarios/tiktok-indonesia-2018.toml";
    let one = run_tables(scenario, "1", &dir.path().join("one"));
    let two = run_tables(scenario, "2", &dir.path().join("two"));
    let again = run_tables(scenario, "2", &dir.path().join("again"));
    for ((name, a), ((_, b), (_, c))) in one.iter().zip(two.iter().zip(&again)) {
        assert!(a == b, "{name} differs between --threads 1 and --threads 2");
        assert!(b == c, "{name} differs between two runs");
    }
    // And a different seed does change the results.
    let other = modsim()
        .args(["run", scenario, "--replications", "24", "--seed", "100", "--out"])
        .arg(dir.path().join("other"))
        .output()
        .unwrap();
    assert!(other.status.success());
    assert_ne!(std::fs::read(dir.path().join("other/replications.csv")).unwrap(), one[1].1);
}

/// Beyond the replications a run keeps in memory (2,048), the rest are read back from a
/// temporary file: every one reaches the tables, in order, and the summary is that of
/// the rows.
#[test]
fn a_run_of_more_replications_than_memory_keeps_writes_every_one_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("many");
    let n = 2_100;
    let status = modsim()
        .args(["run", "scenarios/registration-block-2022.toml", "--replications", &n.to_string()])
        .args(["--seed", "5", "--no-charts", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let mut rows = csv::Reader::from_path(out.join("replications.csv")).unwrap();
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (replication, exposure, blocks) = (col("replication"), col("exposure"), col("blocks"));
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), n);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[replication].parse::<usize>().unwrap(), i, "replications out of order");
    }
    let mut values: Vec<f64> = rows.iter().map(|r| r[exposure].parse().unwrap()).collect();
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / n as f64;
    let median = (values[n / 2 - 1] + values[n / 2]) / 2.0;
    let mut summary = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let header = summary.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = summary.records().map(Result::unwrap).find(|r| &r[at("metric")] == "exposure").unwrap();
    assert_eq!(row[at("n")].parse::<usize>().unwrap(), n);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(close(row[at("mean")].parse().unwrap(), mean), "mean {} against {mean}", &row[at("mean")]);
    assert!(
        close(row[at("median")].parse().unwrap(), median),
        "median {} against {median}",
        &row[at("median")]
    );
    // Every block of every replication is in blocks.csv, the spilled ones too.
    let blocked: usize = rows.iter().map(|r| r[blocks].parse::<usize>().unwrap()).sum();
    let block_rows = csv::Reader::from_path(out.join("blocks.csv")).unwrap().records().count();
    assert!(blocked > 0);
    assert_eq!(block_rows, blocked);
}

#[test]
fn trace_prints_a_dated_timeline() {
    let out = modsim().args(["trace", "scenarios/tiktok-indonesia-2018.toml"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    // Lines start with calendar dates because the scenario has a start date.
    assert!(
        text.lines().any(|l| l.starts_with("2018-0") && l.contains("regulator blocks platform")),
        "{text}"
    );
    assert!(text.contains("regulator lifts the block"), "{text}");
}

#[test]
fn trace_without_a_start_date_counts_days() {
    let out = modsim().args(["trace", "tests/scenarios/hand-computed.toml"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("day   7 00:00  regulator blocks platform: no response 2d after the warning"),
        "{text}"
    );
    assert!(text.contains("day  15 00:00  regulator lifts the block after 8.0 days"), "{text}");
}

/// The whole diagnostic of every file in tests/malformed, as `check` prints it, against
/// its snapshot in tests/snapshots/: a changed message is reviewed as a whole, not by
/// one pinned phrase. After an intended change: `INSTA_UPDATE=always cargo test --test
/// cli` and review the diff of tests/snapshots/.
#[test]
fn malformed_scenarios_give_the_diagnostics_of_their_snapshots() {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir("tests/malformed").unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files {
        let out = modsim().arg("check").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let name = format!("malformed__{}", file.file_stem().unwrap().to_string_lossy());
        insta::assert_snapshot!(name, stderr);
    }
}

/// Every file in tests/malformed names, in its second line, a phrase the error must
/// contain. Each must exit with code 2, point at a line, and leave no output folder.
/// A file marked `# refused by: check` is bad only in its `[[variants]]`, which `run`
/// does not read: `check` must refuse it the same way.
#[test]
fn malformed_scenarios_are_refused_with_a_located_message() {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir("tests/malformed").unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() > 30, "the corpus has only {} files", files.len());
    let dir = tempfile::tempdir().unwrap();
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let head = String::from_utf8_lossy(&bytes);
        let expect = head
            .lines()
            .find_map(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} has no `# expect:` line", file.display()))
            .to_owned();
        let out_dir = dir.path().join(file.file_stem().unwrap());
        let check = modsim().arg("check").arg(&file).output().unwrap();
        let out = if head.lines().any(|l| l.starts_with("# refused by: check")) {
            check.clone()
        } else {
            modsim().arg("run").arg(&file).arg("--out").arg(&out_dir).output().unwrap()
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        let name = file.display();
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&expect), "{name}: expected {expect:?} in\n{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(!out_dir.exists(), "{name}: left an output folder");
        if !expect.contains("UTF-8") {
            // file:line:column of the problem.
            let located = format!("{name}:");
            assert!(
                stderr.lines().any(|l| l.contains(&located)
                    && l.split(':').filter(|p| p.parse::<u32>().is_ok()).count() >= 2),
                "{name}: no file:line:column in\n{stderr}"
            );
        }
        // `check` agrees.
        assert_eq!(check.status.code(), Some(2), "{name}");
    }
}

#[test]
fn bad_arguments_exit_with_code_2() {
    for args in [
        vec!["run"],
        vec!["run", "scenarios/tiktok-indonesia-2018.toml", "--replications", "many"],
        vec!["frobnicate"],
        vec!["run", "no-such-file.toml"],
    ] {
        let out = modsim().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let help = modsim().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
}

#[test]
fn a_folder_modsim_did_not_make_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("precious");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("thesis.txt"), "years of work").unwrap();
    let out = modsim()
        .args(["run", "tests/scenarios/hand-computed.toml", "--out"])
        .arg(&precious)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not made by modsim"));
    assert_eq!(std::fs::read_to_string(precious.join("thesis.txt")).unwrap(), "years of work");
}

#[test]
fn a_second_run_replaces_the_first_results() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("r");
    for seed in ["1", "2"] {
        let out = modsim()
            .args(["run", "tests/scenarios/hand-computed.toml", "--seed", seed, "--out"])
            .arg(&out_dir)
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    let run: serde_json::Value = serde_json::from_str(&read(&out_dir.join("run.json"))).unwrap();
    assert_eq!(run["seed"], 2);
}
