//! Overrides on the command line and in `[[variants]]`, end to end: `--unset` and a
//! variant's `unset`, and their record in run.json read back by `--reproduce`.

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
