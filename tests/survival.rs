//! survival.csv is the Kaplan-Meier curve of the blocks in blocks.csv: re-estimated
//! from blocks.csv alone it gives every row back exactly, for each variant of a
//! comparison, and its median is the one the summary reports.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::modsim;
use modsim::experiment::stats::KaplanMeier;

/// The rows of a table, each as a map from column to cell.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| header.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect())
        .collect()
}

/// A cell as the writer writes a number: empty for NaN.
fn cell(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

#[test]
fn survival_csv_is_the_kaplan_meier_curve_of_blocks_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("compare");
    let status = modsim()
        .args(["compare", "scenarios/tiktok-indonesia-2018.toml", "--replications", "30", "--no-charts"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let blocks = rows(&out.join("blocks.csv"));
    let survival = rows(&out.join("survival.csv"));
    let summary = rows(&out.join("compare.csv"));
    let variants: Vec<String> = summary.iter().map(|r| r["variant"].clone()).fold(Vec::new(), |mut v, x| {
        if !v.contains(&x) {
            v.push(x);
        }
        v
    });
    assert!(variants.len() >= 3, "{variants:?}");
    let mut checked = 0;
    for variant in &variants {
        let mine = |r: &&BTreeMap<String, String>| &r["variant"] == variant;
        let (durations, censored): (Vec<f64>, Vec<bool>) = blocks
            .iter()
            .filter(mine)
            .map(|r| (r["duration_days"].parse::<f64>().unwrap(), r["censored"] == "true"))
            .unzip();
        let km = KaplanMeier::new(&durations, &censored);
        let written: Vec<Vec<String>> = survival
            .iter()
            .filter(mine)
            .map(|r| {
                ["time_days", "survival", "ci95_low", "ci95_high", "at_risk", "events", "censored"]
                    .map(|c| r[c].clone())
                    .to_vec()
            })
            .collect();
        let expected: Vec<Vec<String>> = km
            .steps()
            .map(|s| {
                vec![
                    cell(s.time),
                    cell(s.survival),
                    cell(s.ci_low),
                    cell(s.ci_high),
                    s.at_risk.to_string(),
                    s.events.to_string(),
                    s.censored.to_string(),
                ]
            })
            .collect();
        assert_eq!(written, expected, "variant {variant}");
        // A step per distinct duration, and every block counted once.
        let mut distinct = durations.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert_eq!(written.len(), distinct.len(), "variant {variant}");
        let left: usize = km.steps().map(|s| s.events + s.censored).sum();
        assert_eq!(left, durations.len());
        // The summary's median block duration is this curve's.
        let row = summary.iter().find(|r| &r["variant"] == variant && r["metric"] == "block_duration_days");
        assert_eq!(row.unwrap()["median"], km.median().map_or(String::new(), cell), "variant {variant}");
        checked += written.len();
    }
    assert!(checked > 20, "only {checked} steps checked");
}
