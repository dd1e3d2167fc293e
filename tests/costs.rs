//! Money: the warnings about costs left at zero and a missing currency, and the
//! currency refused when runs mix them. docs/costs.md says what is counted.

use std::path::Path;

mod common;

use common::modsim;
use modsim::model::{run_replication, Metric};
use modsim::scenario;

const HAND: &str = "tests/scenarios/hand-computed.toml";

/// The hand-computed scenario with `extra` lines after `seed = 7` and each
/// (from, to) replacement, written to `dir`.
fn scenario_with(dir: &Path, name: &str, extra: &str, replace: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(HAND).unwrap();
    if !extra.is_empty() {
        text = text.replace("seed = 7", &format!("seed = 7\n{extra}"));
    }
    for (from, to) in replace {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The stderr of `modsim ARGS`, which must succeed.
fn stderr_of(args: &[&str], files: &[&Path]) -> String {
    let out = modsim().args(args).args(files).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

#[test]
fn a_scenario_without_a_moderator_cost_is_warned_about_and_one_with_it_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let unpriced = scenario_with(dir.path(), "unpriced.toml", "", &[]);
    let priced = scenario_with(
        dir.path(),
        "priced.toml",
        "currency = \"USD\"",
        &[
            ("review_time = \"10m\"", "review_time = \"10m\"\ncost_per_moderator_day = 40"),
            ("delay = \"3d\"", "delay = \"3d\"\ncost = 0"),
        ],
    );
    let moderation = "warning: `platform.review.cost_per_moderator_day`: not set, so the cost of moderation counts as zero";
    for command in [&["check"][..], &["run", "--replications", "2", "--no-charts", "--out"]] {
        let mut args = command.to_vec();
        let out = dir.path().join("out");
        let out = out.to_str().unwrap();
        if command.len() > 1 {
            args.push(out);
        }
        let warned = stderr_of(&args, &[&unpriced]);
        assert!(warned.contains(moderation), "{command:?}: {warned}");
        assert!(warned.contains("unpriced.toml:23:1"), "located at [platform.review]: {warned}");
        assert!(warned.contains("`playbook.commitment.cost`: not set, so the one-off cost of action `commitment` counts as zero"), "{warned}");
        assert!(
            warned.contains("`scenario.currency`: not set, so money is shown in \"currency units\""),
            "{warned}"
        );
        let quiet = stderr_of(&args, &[&priced]);
        assert!(!quiet.contains("warning"), "{command:?}: {quiet}");
    }
}

#[test]
fn runs_in_different_currencies_are_not_compared() {
    let dir = tempfile::tempdir().unwrap();
    let usd = scenario_with(dir.path(), "usd.toml", "currency = \"USD\"", &[]);
    let eur = scenario_with(dir.path(), "eur.toml", "currency = \"EUR\"", &[]);
    let out = modsim()
        .args(["compare", "--replications", "2", "--no-charts", "--out"])
        .arg(dir.path().join("c"))
        .args([&usd, &eur])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "the runs are in different currencies (usd: USD, eur: EUR), so their money cannot be compared"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("c").exists());
}

/// The hand-computed scenario priced: 40 a moderator-day, a fine of 3,000 instead of
/// the warning, the commitment at 250, in USD.
fn priced_hand_computed(dir: &Path) -> std::path::PathBuf {
    scenario_with(
        dir,
        "priced.toml",
        "currency = \"USD\"",
        &[
            ("review_time = \"10m\"", "review_time = \"10m\"\ncost_per_moderator_day = 40"),
            ("kind = \"warning\"", "kind = \"fine\"\namount = 3_000"),
            ("delay = \"3d\"", "delay = \"3d\"\ncost = 250"),
        ],
    )
}

#[test]
fn the_costs_of_the_hand_computed_scenario_match_the_arithmetic() {
    let dir = tempfile::tempdir().unwrap();
    let (s, warnings) =
        scenario::parse(&std::fs::read_to_string(priced_hand_computed(dir.path())).unwrap(), "priced")
            .unwrap();
    assert!(warnings.is_empty() && s.money().warnings().is_empty(), "{:?}", s.money().warnings());
    for replication in 0..3 {
        let m = run_replication(&s, s.seed(), replication, false).metrics;
        // One moderator all 30 days at 40 a day.
        assert_eq!(m.moderation_cost, 1_200.0);
        // The cleanup (500) and the commitment (250), each once.
        assert_eq!(m.action_cost, 750.0);
        // The fine on day 5; the ladder restarts after the block, past its `at`.
        assert_eq!((m.fines, m.fines_amount), (1, 3_000.0));
        // 6,000 user-days lost (tests/hand_computed.rs) at 2 each.
        assert_eq!(m.revenue_lost, 12_000.0);
        assert_eq!(m.economic_loss, 15_000.0);
        assert_eq!(Metric::ComplianceCost.of(&m), 1_950.0);
        assert_eq!(Metric::TotalCost.of(&m), 16_950.0);
    }
}

/// The rows of a CSV file as maps from column to cell.
fn rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_owned)).collect())
        .collect()
}

fn number(cell: &str) -> f64 {
    cell.parse().unwrap_or_else(|_| panic!("`{cell}` is not a number"))
}

/// `total` equals `parts` summed, to a relative 1e-9 (the sums are added in another
/// order).
fn adds_up(total: f64, parts: &[f64], what: &str) {
    let sum: f64 = parts.iter().sum();
    assert!((total - sum).abs() <= 1e-9 * total.abs().max(1.0), "{what}: total {total}, parts {parts:?}");
}

#[test]
fn the_tables_and_run_json_name_the_currency_and_the_total_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let scenario = priced_hand_computed(dir.path());
    let status = modsim()
        .args(["run", "--replications", "3", "--no-charts", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let summary = rows(&out.join("summary.csv"));
    let row =
        |metric: &str| summary.iter().find(|r| r["metric"] == metric).unwrap_or_else(|| panic!("{metric}"));
    for (metric, mean) in [
        ("moderation_cost", 1_200.0),
        ("action_cost", 750.0),
        ("fines_amount", 3_000.0),
        ("revenue_lost", 12_000.0),
        ("economic_loss", 15_000.0),
        ("compliance_cost", 1_950.0),
        ("total_cost", 16_950.0),
    ] {
        assert_eq!((row(metric)["unit"].as_str(), number(&row(metric)["mean"])), ("USD", mean), "{metric}");
    }
    assert_eq!(row("user_days_lost")["unit"], "user-days");
    for r in rows(&out.join("replications.csv")) {
        assert_eq!(number(&r["total_cost"]), 16_950.0);
    }
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["money"], serde_json::json!({ "currency": "USD", "warnings": [] }));
    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    assert!(events.contains("regulator fines platform 3000 USD: the deadline of day 5 passed"), "{events}");
}

#[test]
fn the_total_is_the_sum_of_its_parts_in_every_table_of_a_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let status = modsim()
        .args([
            "compare",
            "scenarios/tiktok-indonesia-2018.toml",
            "--replications",
            "20",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    const PARTS: [&str; 4] = ["moderation_cost", "action_cost", "fines_amount", "revenue_lost"];
    for r in rows(&out.join("replications.csv")) {
        let parts: Vec<f64> = PARTS.iter().map(|p| number(&r[*p])).collect();
        adds_up(number(&r["total_cost"]), &parts, "replication");
        adds_up(number(&r["compliance_cost"]), &parts[..2], "compliance");
        adds_up(number(&r["economic_loss"]), &parts[2..], "economic loss");
    }
    let compare = rows(&out.join("compare.csv"));
    let mut variants: Vec<&str> = compare.iter().map(|r| r["variant"].as_str()).collect();
    variants.dedup();
    assert_eq!(variants.len(), 4);
    for variant in variants {
        let cell = |metric: &str, column: &str| {
            let r = compare.iter().find(|r| r["variant"] == variant && r["metric"] == metric).unwrap();
            assert_eq!(r["unit"], "USD", "{metric}");
            r[column].parse::<f64>().ok()
        };
        for column in ["mean", "diff_mean"] {
            let Some(total) = cell("total_cost", column) else { continue };
            let parts: Vec<f64> = PARTS.iter().map(|p| cell(p, column).unwrap()).collect();
            adds_up(total, &parts, &format!("{variant} {column}"));
        }
    }
}

#[test]
fn the_terminal_names_the_currency_with_the_total_and_its_parts() {
    let dir = tempfile::tempdir().unwrap();
    let priced = priced_hand_computed(dir.path());
    let unpriced = scenario_with(dir.path(), "unpriced.toml", "", &[]);
    let stdout = |args: &[&str], file: &Path| {
        let out = modsim().args(args).arg(dir.path().join("out")).arg("--force").arg(file).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let run = ["run", "--replications", "2", "--no-charts", "--out"];
    let text = stdout(&run, &priced);
    assert!(text.contains("  cost to the platform       16.9 k USD   95% CI 16.9 k to 16.9 k\n"), "{text}");
    assert!(
        text.contains(
            "    of which moderation 1.20 k, compliance actions 750, fines 3.00 k, revenue lost 12.0 k\n"
        ),
        "{text}"
    );
    let text = stdout(&run, &unpriced);
    assert!(text.contains("12.5 k currency units"), "{text}");
    let sweep = [
        "sweep",
        "--vary",
        "platform.review.cost_per_moderator_day=40,80",
        "--replications",
        "2",
        "--no-charts",
        "--out",
    ];
    let text = stdout(&sweep, &priced);
    assert!(text.contains("costs in USD, means: compliance cost is"), "{text}");
    // At 80 a day: 2,400 + 750 and 2,400 + 750 + 3,000 + 12,000.
    let at_80 = text.lines().find(|l| l.starts_with("80 ")).unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        at_80.split_whitespace().rev().take(4).collect::<Vec<_>>(),
        ["k", "18.1", "k", "3.15"],
        "{at_80}"
    );
}

#[test]
fn compare_shows_the_total_and_its_parts_with_paired_differences() {
    let dir = tempfile::tempdir().unwrap();
    let cheap = priced_hand_computed(dir.path());
    let dear = dir.path().join("dear.toml");
    std::fs::write(&dear, std::fs::read_to_string(&cheap).unwrap().replace("= 40", "= 80")).unwrap();
    let out = modsim()
        .args(["compare", "--replications", "3", "--no-charts", "--out"])
        .arg(dir.path().join("c"))
        .args([&cheap, &dear])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("economic loss"), "{text}");
    assert!(text.contains("\ncost to the platform, USD\n"), "{text}");
    // 30 more moderator-days at 40 more each: +1200 in moderation and in the total.
    let line = |label: &str| {
        text.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label}: {text}"))
    };
    assert!(line("  total ").ends_with("(+1.20 k*)"), "{text}");
    assert!(line("  moderation ").ends_with("2.40 k (+1.20 k*)"), "{text}");
    assert!(line("  fines ").ends_with("3.00 k (+0)"), "{text}");
}

#[test]
fn the_report_has_the_costs_in_their_currency_and_the_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let priced = priced_hand_computed(dir.path());
    let unpriced = scenario_with(dir.path(), "unpriced.toml", "", &[]);
    let report = |file: &Path, name: &str| {
        let out = dir.path().join(name);
        let status = modsim()
            .args(["run", "--replications", "2", "--no-charts", "--out"])
            .arg(&out)
            .arg(file)
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        (md, html)
    };
    let (md, html) = report(&priced, "priced");
    assert!(md.contains("## Costs to the platform, USD\n"), "{md}");
    assert!(
        md.contains("| Total cost to the platform, USD | 16.9 k (16.9 k to 16.9 k) | 16.9 k to 16.9 k |"),
        "{md}"
    );
    assert!(md.contains("| Fines, USD | 3.00 k (3.00 k to 3.00 k) | 3.00 k to 3.00 k |"), "{md}");
    assert!(!md.contains("Economic loss"), "{md}");
    // No cost is left at zero (the report warns only that 2 replications are few).
    assert!(!md.contains("count as zero") && !md.contains("counts as zero"), "{md}");
    assert!(html.contains("<h2>Costs to the platform, USD</h2>"), "{html}");
    let (md, html) = report(&unpriced, "unpriced");
    assert!(md.contains("## Costs to the platform, currency units\n"), "{md}");
    assert!(
        md.contains("Warning: \\`platform.review.cost_per_moderator_day\\` is not set, so the cost of moderation counts as zero."),
        "{md}"
    );
    assert!(
        html.contains("Warning: <code>platform.review.cost_per_moderator_day</code> is not set, so the cost of moderation counts as zero."),
        "{html}"
    );
    assert!(
        html.contains(
            "<code>scenario.currency</code> is not set, so money is shown in &quot;currency units&quot;."
        ),
        "{html}"
    );
}
