//! The command line as a person meets it: `--help` of every command has examples and
//! fits in 100 columns, `--threads` says its default in words, `--target` lists the
//! metrics it takes (from the library's one list), an unquoted range gets a hint,
//! completions and man pages come out for every shell and command, and `modsim init`
//! writes a scenario that runs, refusing to replace a file without `--force`.

mod common;

use common::modsim;

/// Every command (none of the hidden ones).
const COMMANDS: [&str; 15] = [
    "run",
    "compare",
    "sweep",
    "calibrate",
    "validate",
    "merge",
    "slurm",
    "check",
    "report",
    "trace",
    "init",
    "schema",
    "completions",
    "man",
    "help",
];

fn stdout(args: &[&str]) -> String {
    let out = modsim().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn too_wide(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.chars().count() > 100).collect()
}

#[test]
fn every_command_has_examples_in_help_that_fits_in_100_columns() {
    let main = stdout(&["--help"]);
    for command in COMMANDS {
        assert!(main.contains(&format!("  {command} ")), "`{command}` missing from:\n{main}");
    }
    assert!(main.contains("Examples:") && main.contains("130 stopped by Ctrl-C"), "{main}");
    for command in COMMANDS.iter().filter(|c| !["help", "slurm"].contains(c)) {
        for flag in ["-h", "--help"] {
            let help = stdout(&[command, flag]);
            assert!(help.contains("Example"), "`{command} {flag}` has no example:\n{help}");
            assert_eq!(too_wide(&help), Vec::<&str>::new(), "`{command} {flag}`");
        }
    }
}

#[test]
fn threads_default_to_all_cores_and_scenario_arguments_say_what_they_are() {
    for command in ["run", "compare", "sweep", "calibrate", "validate"] {
        let help = stdout(&[command, "--help"]);
        assert!(help.contains("[default: all cores]"), "{command}:\n{help}");
        assert!(!help.contains("[default: 0]"), "{command}:\n{help}");
    }
    for command in ["run", "sweep", "trace", "compare", "check"] {
        let help = stdout(&[command, "--help"]);
        assert!(help.contains("A scenario file") || help.contains("Scenario files"), "{command}:\n{help}");
    }
}

#[test]
fn target_help_lists_every_metric_the_target_takes() {
    let help = stdout(&["sweep", "--help"]);
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    let metrics = modsim::experiment::sweep::target_metrics();
    assert!(metrics.len() > 20);
    for metric in metrics {
        assert!(
            flat.contains(&format!(" {metric},")) || flat.contains(&format!(" {metric} ")),
            "{metric}:\n{help}"
        );
    }
    // The short help points at the long one instead of listing them.
    let short = stdout(&["sweep", "-h"]).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(short.contains("(--help lists the metrics)"), "{short}");
}

#[test]
fn an_unquoted_range_gets_a_hint_to_quote_it() {
    let out = modsim()
        .args([
            "sweep",
            "scenarios/never-complies.toml",
            "--vary",
            "platform.review.moderators=20..200",
            "step",
            "20",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: unexpected argument 'step' found"), "{stderr}");
    assert!(
        stderr.contains("hint: quote the range, which the shell split at its spaces: --vary \"platform.review.moderators=20..200 step 20\""),
        "{stderr}"
    );
    // Quoted but without its step, the value itself says how a range is written.
    let out = modsim()
        .args(["sweep", "scenarios/never-complies.toml", "--vary", "platform.review.moderators=20..200"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is a range without its step"), "{stderr}");
}

#[test]
fn completions_for_every_shell_know_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&["completions", shell]);
        for command in ["run", "sweep", "init", "schema", "report"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
        assert!(script.contains("vary") && script.contains("replications"), "{shell}");
    }
    let out = modsim().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_pages_describe_modsim_and_each_command() {
    let page = stdout(&["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq") || page.contains(".TH modsim"), "{page}");
    assert!(page.contains(".TH modsim 1"), "{page}");
    assert!(page.contains("modsim\\-init(1)") || page.contains("init"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let said = stdout(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert!(said.starts_with("wrote the man pages to "), "{said}");
    for command in ["modsim.1", "modsim-run.1", "modsim-sweep.1", "modsim-init.1", "modsim-schema.1"] {
        let page = std::fs::read_to_string(dir.path().join(command)).unwrap();
        assert!(page.contains(".SH OPTIONS") || command == "modsim-schema.1", "{command}:\n{page}");
    }
    let sweep = std::fs::read_to_string(dir.path().join("modsim-sweep.1")).unwrap();
    assert!(sweep.contains("block_probability"), "{sweep}");
}

#[test]
fn init_writes_a_scenario_that_runs_and_never_replaces_a_file_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let said = String::from_utf8(
        modsim().current_dir(dir.path()).args(["init", "case.toml"]).output().unwrap().stdout,
    )
    .unwrap();
    assert_eq!(
        said,
        "wrote case.toml: a starting scenario, every key explained in its comments\n\
         wrote modsim.schema.json: the JSON Schema editors check the scenario against\n\
         next: modsim check case.toml, then modsim run case.toml\n"
    );
    let written = std::fs::read_to_string(dir.path().join("case.toml")).unwrap();
    // It checks clean: no warning a new user must first learn to ignore.
    let check = modsim().current_dir(dir.path()).args(["check", "case.toml"]).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(
        !String::from_utf8_lossy(&check.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let run = modsim()
        .current_dir(dir.path())
        .args(["compare", "case.toml", "--replications", "20", "--no-charts"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    // The starting scenario blocks in most replications, and a cleanup from the start
    // avoids it: the variants show a difference a new user can read.
    let table = String::from_utf8(run.stdout).unwrap();
    let blocked = table.lines().find(|l| l.starts_with("block probability")).unwrap();
    assert!(blocked.contains("(-") && blocked.contains("pp*)"), "{table}");

    // A second init refuses; the file is as it was.
    std::fs::write(dir.path().join("case.toml"), "mine").unwrap();
    let again = modsim().current_dir(dir.path()).args(["init", "case.toml"]).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force replaces it"));
    assert_eq!(std::fs::read_to_string(dir.path().join("case.toml")).unwrap(), "mine");
    // With --force it is written again, the schema beside it too.
    modsim().current_dir(dir.path()).args(["init", "case.toml", "--force"]).assert().success();
    assert_eq!(std::fs::read_to_string(dir.path().join("case.toml")).unwrap(), written);

    // A folder, or a folder that is not there, is bad input.
    modsim().current_dir(dir.path()).args(["init", "."]).assert().code(2);
    modsim().current_dir(dir.path()).args(["init", "no/such/case.toml"]).assert().code(2);
    // A schema already beside the scenario is kept.
    std::fs::write(dir.path().join("modsim.schema.json"), "{}").unwrap();
    let kept = modsim().current_dir(dir.path()).args(["init", "other.toml"]).output().unwrap();
    assert!(String::from_utf8_lossy(&kept.stdout).contains("kept modsim.schema.json"));
    assert_eq!(std::fs::read_to_string(dir.path().join("modsim.schema.json")).unwrap(), "{}");
}
