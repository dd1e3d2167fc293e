//! The reports of `modsim validate` and `modsim calibrate`: the folder holds report.html,
//! report.md and the charts; `modsim report` rebuilds them byte for byte from the
//! folder's CSV files and run.json; the HTML says the verdict and draws one row (one
//! outcome mark) per case; the posterior predictive check of the synthetic groups lands
//! near what was observed.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::modsim;

/// Runs `modsim ARGS` and returns its stdout; panics with its stderr if it fails.
fn run(args: &[&str], out: &Path) -> String {
    let output = modsim().args(args).arg("--out").arg(out).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// A CSV file as rows of named cells.
fn rows(file: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_owned).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_owned)).collect()).collect()
}

/// Every file under `dir`, relative to it, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in walk(dir) {
        let name = entry.strip_prefix(dir).unwrap().display().to_string();
        found.push((name, std::fs::read(&entry).unwrap()));
    }
    found.sort();
    found
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Copies `folder`, deletes the copy's report and charts, rebuilds them with `modsim
/// report` and checks that every file is as the command wrote it.
fn rebuilds_byte_identical(folder: &Path, copy: &Path) {
    std::fs::create_dir_all(copy.join("charts")).unwrap();
    for (name, bytes) in files(folder) {
        if !(name.starts_with("report.") || name.starts_with("charts")) {
            std::fs::write(copy.join(&name), bytes).unwrap();
        }
    }
    std::fs::remove_dir(copy.join("charts")).unwrap();
    let output = modsim().arg("report").arg(copy).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (written, rebuilt) = (files(folder), files(copy));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&written), names(&rebuilt));
    for ((name, a), (_, b)) in written.iter().zip(&rebuilt) {
        assert!(a == b, "{name} differs after modsim report");
    }
}

/// The outcome marks of an interval chart, legend swatches included: filled circles
/// (blocks that ended), arrows (blocks still in force) and squares (no block) in the
/// truth's colour.
fn outcome_marks(svg: &str) -> usize {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| ["circle", "polygon", "rect"].contains(&n.tag_name().name()))
        .filter(|n| n.attribute("fill") == Some("#282828"))
        .count()
}

/// How many kinds of outcome (ended, in force, none) the cases of a CSV have: the
/// legend shows one swatch for each.
fn outcome_kinds(rows: &[HashMap<String, String>]) -> usize {
    let kind =
        |r: &HashMap<String, String>| match (r["observed_block"].as_str(), r["observed_censored"].as_str()) {
            ("false", _) => 0,
            (_, "true") => 1,
            _ => 2,
        };
    let mut kinds: Vec<u8> = rows.iter().map(kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds.len()
}

/// The report's HTML with entities undone, for searching its text.
fn html_text(folder: &Path) -> String {
    std::fs::read_to_string(folder.join("report.html"))
        .unwrap()
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn the_validation_report_says_the_verdict_and_draws_a_row_per_case() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v");
    let args = [
        "validate",
        "tests/validation/groups.toml",
        "--population",
        "60",
        "--generations",
        "3",
        "--draws",
        "300",
    ];
    let stdout = run(&args, &out);
    let verdict = stdout.lines().find(|l| l.starts_with("The model")).unwrap();
    for file in ["report.html", "report.md", "charts/validation-forecasts.svg", "charts/validation-pit.png"] {
        assert!(out.join(file).is_file(), "no {file}");
    }
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(
        record["files"],
        serde_json::json!(["validation.csv", "folds.csv", "run.json", "report.html", "report.md", "charts/"])
    );
    let html = html_text(&out);
    assert!(html.contains(verdict), "the report does not say {verdict:?}");
    for words in ["Leave-one-out over the 6 cases", "flat = calibrated", "Reference-class baseline", "CRPS"] {
        assert!(html.contains(words), "the report does not say {words:?}");
    }
    // The summary table counts what the terminal counted: "6 of 6 (100%, 95% CI 61 to 100%)".
    for level in ["50", "90"] {
        let said = stdout.split(&format!("{level}% intervals held ")).nth(1).unwrap();
        let counts = said.split(';').next().unwrap();
        assert!(html.contains(&format!(">{counts})</td>")), "no {counts:?} in the summary table");
    }
    let cases = rows(&out.join("validation.csv"));
    let svg = std::fs::read_to_string(out.join("charts/validation-forecasts.svg")).unwrap();
    assert_eq!(outcome_marks(&svg), cases.len() + outcome_kinds(&cases));
    // The chart in report.html is the chart file.
    assert!(html.contains(svg.get(svg.find("<svg").unwrap()..).unwrap().trim_end()));
    rebuilds_byte_identical(&out, &dir.path().join("rebuilt"));
}

#[test]
fn the_calibration_report_checks_each_case_against_its_posterior_predictive() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let args = ["calibrate", "tests/validation/groups.toml", "--population", "60", "--generations", "3"];
    run(&args, &out);
    for file in [
        "predictive.csv",
        "report.html",
        "report.md",
        "charts/calibration-parameters.svg",
        "charts/calibration-pairs.svg",
        "charts/calibration-predictive.svg",
        "charts/calibration-predictive.png",
    ] {
        assert!(out.join(file).is_file(), "no {file}");
    }
    let cases = rows(&out.join("predictive.csv"));
    assert_eq!(cases.len(), 6);
    for case in &cases {
        let cell = |k: &str| case[k].parse::<f64>().unwrap();
        // The groups' lags are learnt from all six cases: each forecast median lies
        // within a factor of two of the observed duration.
        let ratio = cell("median_days") / cell("observed_days");
        assert!((0.5..=2.0).contains(&ratio), "{case:?}");
        assert_eq!(cell("forecast_draws"), 500.0);
        assert!(cell("q05_days") <= cell("median_days") && cell("median_days") <= cell("q95_days"));
    }
    let html = html_text(&out);
    for words in ["short-lag: the cases", "long-lag: the cases", "Generations", "predictive.csv"] {
        assert!(html.contains(words), "the report does not say {words:?}");
    }
    // Both lags move far from the prior's median of 7 days, to 2 and 40.
    assert!(!html.contains("did not move it"), "a lag is said not to have moved");
    let svg = std::fs::read_to_string(out.join("charts/calibration-predictive.svg")).unwrap();
    assert_eq!(outcome_marks(&svg), cases.len() + outcome_kinds(&cases));
    rebuilds_byte_identical(&out, &dir.path().join("rebuilt"));
}
