//! Overrides on the command line and in `[[variants]]`, end to end: `--unset` and a
//! variant's `unset`, their record in run.json read back by `--reproduce`, sweeps over
//! whole distribution tables, and the warning for a sweep that changes a spread.

use std::path::Path;
use std::process::Output;

mod common;

use common::modsim;

const HAND: &str = "tests/scenarios/hand-computed.toml";
const MMC: &str = "tests/scenarios/mmc.toml";

/// What removes the `commitment` action from the hand-computed scenario: the action,
/// and the two places that name it.
const WITHOUT_COMMITMENT: [&str; 3] =
    ["playbook.commitment", "regulator.unblock.required_actions[1]", "regulator.ladder.block.trigger.unless"];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn succeeded(out: &Output) {
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
}

#[test]
fn unset_deletes_an_entry_and_the_run_reproduces_from_run_json() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let mut command = modsim();
    command.args(["run", HAND, "--replications", "2", "--no-charts", "--out"]).arg(&first);
    for path in WITHOUT_COMMITMENT {
        command.args(["--unset", path]);
    }
    succeeded(&command.output().unwrap());
    let events = read(&first.join("events.csv"));
    assert!(events.contains("completes cleanup"), "{events}");
    assert!(!events.contains("commitment"), "{events}");
    // run.json records each unset as text, in the order applied.
    let record: serde_json::Value = serde_json::from_str(&read(&first.join("run.json"))).unwrap();
    let expected: Vec<String> = WITHOUT_COMMITMENT.iter().map(|p| format!("unset {p}")).collect();
    assert_eq!(record["overrides"], serde_json::json!(expected));
    // --reproduce reads them back and finds the same tables.
    let again = dir.path().join("again");
    let out = modsim()
        .args(["run", "--no-charts", "--reproduce"])
        .arg(first.join("run.json"))
        .arg("--out")
        .arg(&again)
        .output()
        .unwrap();
    succeeded(&out);
    assert_eq!(read(&again.join("events.csv")), events);
    assert!(text(&out.stdout).contains("identical"), "{}", text(&out.stdout));
}

#[test]
fn unsets_come_before_sets() {
    // Sets first would delete the new value, and the scenario would lack review_time.
    let out = modsim()
        .args([
            "trace",
            HAND,
            "--set",
            "platform.review.review_time=20m",
            "--unset",
            "platform.review.review_time",
        ])
        .output()
        .unwrap();
    succeeded(&out);
    // Unsets first: accuracy is not in the file, so there is nothing to delete yet.
    let out = modsim()
        .args(["trace", HAND, "--set", "platform.review.accuracy=0.9", "--unset", "platform.review.accuracy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "cannot apply `unset platform.review.accuracy`: there is no `platform.review.accuracy`"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unset_of_what_is_not_there_is_refused_with_a_suggestion() {
    for command in ["run", "trace", "compare"] {
        let out = modsim().args([command, HAND, "--unset", "playbook.clenup"]).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("cannot apply `unset playbook.clenup`: `playbook` has no entry named `clenup` (did you mean `cleanup`?)"),
            "{command}: {stderr}"
        );
    }
    let out = modsim()
        .args(["sweep", MMC, "--vary", "platform.review.moderators=9,10", "--unset", "platform.reveiw"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `review`?"), "{}", text(&out.stderr));
    // An unset takes a path, not PATH=VALUE.
    let out = modsim().args(["run", HAND, "--unset", "platform.review.moderators=3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a path"), "{}", text(&out.stderr));
}

#[test]
fn a_variant_can_do_without_an_action() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lean.toml");
    let unset: Vec<String> = WITHOUT_COMMITMENT.iter().map(|p| format!("{p:?}")).collect();
    std::fs::write(
        &file,
        format!("{}\n[[variants]]\nname = \"lean\"\nunset = [{}]\n", read(Path::new(HAND)), unset.join(", ")),
    )
    .unwrap();
    let check = modsim().arg("check").arg(&file).output().unwrap();
    succeeded(&check);
    let out_dir = dir.path().join("out");
    let out = modsim()
        .args(["compare", "--replications", "2", "--no-charts", "--out"])
        .arg(&out_dir)
        .arg(&file)
        .output()
        .unwrap();
    succeeded(&out);
    let events = read(&out_dir.join("events.csv"));
    let header: Vec<&str> = events.lines().next().unwrap().split(',').collect();
    let variant = header.iter().position(|c| *c == "variant").expect("a variant column");
    let committed: Vec<&str> = events
        .lines()
        .filter(|l| l.contains("completes commitment"))
        .map(|l| l.split(',').nth(variant).unwrap())
        .collect();
    assert!(!committed.is_empty() && committed.iter().all(|v| *v == "baseline"), "{committed:?}");
    assert!(events
        .lines()
        .any(|l| l.split(',').nth(variant) == Some("lean") && l.contains("completes cleanup")));
}

const EXPONENTIAL: &str = r#"{ dist = "exponential", mean = "5m" }"#;
const LOGNORMAL: &str = r#"{ dist = "lognormal", median = "4m", p90 = "9m" }"#;

fn sweep(vary: &[String], extra: &[&str], out: &Path) -> Output {
    let mut command = modsim();
    command.args(["sweep", MMC, "--replications", "3", "--out"]).arg(out).args(extra);
    for axis in vary {
        command.args(["--vary", axis]);
    }
    command.output().unwrap()
}

#[test]
fn a_sweep_over_distribution_tables_writes_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let listed = dir.path().join("listed");
    let out = sweep(&[format!("platform.review.review_time={EXPONENTIAL},{LOGNORMAL}")], &[], &listed);
    succeeded(&out);
    // sweep.csv quotes each table once, with its quotes doubled.
    let csv = read(&listed.join("sweep.csv"));
    for (point, table) in [(0, EXPONENTIAL), (1, LOGNORMAL)] {
        let cell = format!("{point},\"{}\",blocked,", table.replace('"', "\"\""));
        assert!(csv.contains(&cell), "{cell} not in\n{csv}");
    }
    // The terminal table keeps its columns: each outcome ends where its header does.
    let stdout = text(&out.stdout);
    // Headed by its last key, the full path said above the table.
    assert!(stdout.contains("columns: review_time = platform.review.review_time\n"), "{stdout}");
    let header = stdout.lines().find(|l| l.starts_with("review_time")).expect("a table");
    let end = header.find("block probability").expect("a header") + "block probability".len();
    for table in [EXPONENTIAL, LOGNORMAL] {
        let row =
            stdout.lines().find(|l| l.starts_with(table)).unwrap_or_else(|| panic!("{table} in\n{stdout}"));
        assert!(row[table.len()..].starts_with("  "), "{row}\n{header}");
        assert!(row[..end].ends_with("%)"), "{row}\n{header}");
    }
    // The chart names each table in words, the report shows both.
    let svg = read(&listed.join("charts/sweep.svg"));
    assert!(svg.contains("exponential mean 5m") && svg.contains("lognormal median 4m p90 9m"), "{svg}");
    let report = read(&listed.join("report.md"));
    assert!(report.contains(&format!("| {LOGNORMAL} |")), "{report}");
    // The same values as a bracketed TOML array: the same sweep.
    let bracketed = dir.path().join("bracketed");
    let array = format!("platform.review.review_time=[ {EXPONENTIAL}, {LOGNORMAL} ]");
    succeeded(&sweep(&[array], &["--no-charts"], &bracketed));
    assert_eq!(read(&bracketed.join("sweep.csv")), csv);
}

#[test]
fn a_sweep_of_a_median_with_its_p90_fixed_warns_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let lognormal = r#"platform.review.review_time={ dist = "lognormal", median = "4m", p90 = "12m" }"#;
    let median = "platform.review.review_time.median=2m,4m,8m".to_owned();
    let out =
        sweep(std::slice::from_ref(&median), &["--no-charts", "--set", lognormal], &dir.path().join("a"));
    succeeded(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("warning: `platform.review.review_time`: --vary platform.review.review_time.median changes the median of this lognormal while its p90 stays 12m: its p90/median ratio goes from 6 to 1.5 along the axis, so its spread changes too"),
        "{stderr}"
    );
    assert!(stderr.contains(r#"= help: to keep its shape, vary whole tables: --vary 'platform.review.review_time={ dist = "lognormal", median = "2m", p90 = "12m" },{ dist = "lognormal", median = "4m", p90 = "24m" },...'"#), "{stderr}");
    // The warning comes before the run's progress and results.
    assert!(stderr.starts_with("warning:"), "{stderr}");
    // Varying both quantiles is meant: no warning.
    let both = [median, "platform.review.review_time.p90=12m,20m".to_owned()];
    let out = sweep(&both, &["--no-charts", "--set", lognormal], &dir.path().join("b"));
    succeeded(&out);
    assert!(!text(&out.stderr).contains("spread"), "{}", text(&out.stderr));
    // A gamma's mean with its sd fixed changes its coefficient of variation.
    let gamma = r#"platform.review.review_time={ dist = "gamma", mean = "6m", sd = "3m" }"#;
    let out = sweep(
        &["platform.review.review_time.mean=3m,6m".to_owned()],
        &["--no-charts", "--set", gamma],
        &dir.path().join("c"),
    );
    succeeded(&out);
    assert!(
        text(&out.stderr)
            .contains("its coefficient of variation (sd/mean) goes from 1 to 0.5 along the axis"),
        "{}",
        text(&out.stderr)
    );
}
