//! The report as a brief, end to end on library scenarios: intervals shown from the
//! bound of what they measure, the warning about few replications, the opening
//! sentences, the glossary, where each parameter comes from, and what happened set
//! beside what was simulated.

mod common;

use common::modsim;

/// Runs `args` into a scratch folder without charts; gives the folder and the terminal.
fn run(args: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let out =
        modsim().args(args).arg("--no-charts").arg("--out").arg(dir.path().join("out")).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (dir, String::from_utf8(out.stdout).unwrap())
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join("out").join(name)).unwrap()
}

#[test]
fn at_ten_replications_intervals_start_at_zero_and_the_run_is_warned_about() {
    let (dir, terminal) = run(&["run", "scenarios/registration-block-2022.toml", "--replications", "10"]);
    // summary.csv keeps the Student-t interval as computed: below zero here.
    let summary = read(&dir, "summary.csv");
    let days = summary.lines().find(|l| l.starts_with("days_blocked,")).unwrap();
    let low: f64 = days.split(',').nth(4).unwrap().parse().unwrap();
    assert!(low < 0.0, "{days}");
    // The terminal and the report show it from zero.
    assert!(terminal.contains("user-days lost                 23.3 M   95% CI 0 to 47.2 M"), "{terminal}");
    assert!(terminal.contains("warning: only 10 replications: below 30"), "{terminal}");
    let report = read(&dir, "report.md");
    assert!(report.contains("| Days blocked | 11.1 (0 to 22.5) |"), "{report}");
    assert_eq!(report.matches("nly 10 replications: below 30").count(), 1, "warned once: {report}");
    assert!(report.contains("Warning: Only 10 replications: below 30"), "{report}");
    assert!(!report.contains("(-"), "a negative interval is shown: {report}");
}

#[test]
fn thirty_replications_are_not_warned_about() {
    let (dir, terminal) = run(&["run", "scenarios/registration-block-2022.toml", "--replications", "30"]);
    assert!(!terminal.contains("only 30 replications"), "{terminal}");
    assert!(!read(&dir, "report.md").contains("only 30 replications"));
}

#[test]
fn a_case_s_report_compares_what_happened_with_the_simulation_as_the_terminal_does() {
    let (dir, terminal) = run(&["run", "scenarios/tiktok-indonesia-2018.toml", "--replications", "100"]);
    // The terminal's share of simulated first blocks over by the observed 6.9 days ...
    let line = terminal.lines().find(|l| l.contains("observed first block")).unwrap();
    let share = line.split("compliance; ").nth(1).unwrap().split(' ').next().unwrap();
    // ... is the report's, with the percentile and the middle 90% in words and a table.
    let report = read(&dir, "report.md");
    let section = report.split("## Compared with what happened").nth(1).expect("the section");
    let percentile = share.trim_end_matches('%').parse::<f64>().unwrap().round();
    assert!(
        section.contains(&format!("{share} of the simulated first blocks were over by then, so the observed duration is at the {percentile}")),
        "{section}"
    );
    assert!(section.contains("| Inside the middle 90% | yes |"), "{section}");
    // The parameter table says where the flagship's numbers come from.
    assert!(
        report.contains("| platform.review.moderators | 20 | moderators | in the file | sourced: "),
        "{report}"
    );
    assert!(report.contains("| scenario.warm_up | 0s |  | default | not stated |"), "{report}");
    let json: serde_json::Value = serde_json::from_str(&read(&dir, "run.json")).unwrap();
    assert_eq!(json["observed"]["lifted_by"], "compliance");
}

#[test]
fn a_scenario_without_a_case_has_no_comparison_with_what_happened() {
    let (dir, _) = run(&["run", "scenarios/takedown-delay-study.toml", "--replications", "30"]);
    let report = read(&dir, "report.md");
    assert!(!report.contains("Compared with what happened"));
    assert!(report.contains("The scenario does not say where its numbers come from"), "{report}");
}

#[test]
fn a_compare_opens_with_its_significant_differences_and_ends_with_a_glossary() {
    let (dir, _) = run(&["compare", "scenarios/tiktok-indonesia-2018.toml", "--replications", "30"]);
    let report = read(&dir, "report.md");
    let opening = report.lines().find(|l| l.starts_with("**Against baseline")).expect("an opening");
    assert!(opening.contains("orders-then-fines lowers the block probability by"), "{opening}");
    assert!(opening.contains("only those whose 95% CI excludes zero are named"), "{opening}");
    let glossary = report.split("## Glossary").nth(1).expect("a glossary");
    for term in [
        "Kaplan-Meier",
        "Censored",
        "pp",
        "Block probability",
        "User-days lost",
        "Exposure",
        "Paired difference",
        "95% CI",
    ] {
        assert!(glossary.contains(&format!("- **{term}**: ")), "{term}: {glossary}");
    }
    let html = read(&dir, "report.html");
    assert!(html.contains("<dt id=\"g-kaplan-meier\">") && html.contains("href=\"#g-paired\""), "{html}");
}

#[test]
fn a_sweep_opens_with_the_answer_to_its_target() {
    let (dir, _) = run(&[
        "sweep",
        "scenarios/tiktok-indonesia-2018.toml",
        "--vary",
        "platform.review.moderators=20,200",
        "--target",
        "block_probability<0.5",
        "--replications",
        "20",
    ]);
    let report = read(&dir, "report.md");
    let opening = report
        .lines()
        .find(|l| l.starts_with("**For the target block_probability&lt;0.5: "))
        .expect("an opening");
    assert!(opening.contains("platform.review.moderators=200"), "{opening}");
    assert!(report.contains("Warning: Only 20 replications: below 30"), "{report}");
}
