//! Charts and reports, end to end: every chart of every library scenario renders, the
//! files are what they claim to be, the report names every chart and parameter, and
//! `modsim report` rebuilds the same report from the CSV files and run.json alone.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{library, modsim};

const RUN_CHARTS: [&str; 3] = ["timeline", "fan", "block-durations"];

fn run_into(dir: &Path, args: &[&str]) {
    let out = modsim().args(args).arg("--out").arg(dir).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Width and height from a PNG's header.
fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let reader = decoder.read_info().unwrap_or_else(|e| panic!("{}: not a PNG: {e}", path.display()));
    let info = reader.info();
    (info.width, info.height)
}

fn check_chart(dir: &Path, name: &str) {
    let svg_path = dir.join("charts").join(format!("{name}.svg"));
    let svg = std::fs::read_to_string(&svg_path).unwrap_or_else(|_| panic!("{} missing", svg_path.display()));
    let doc =
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: not XML: {e}", svg_path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    // Text is drawn: a title and at least a label or a notice.
    let texts = doc.descendants().filter(|n| n.has_tag_name("text")).count();
    assert!(texts >= 2, "{}: only {texts} text elements", svg_path.display());
    assert_eq!(png_size(&dir.join("charts").join(format!("{name}.png"))), (1200, 675), "{name}.png");
}

fn report_names_everything(dir: &Path, charts: &[&str]) {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for name in charts {
        assert!(html.contains(&format!("id=\"{name}\"")), "report.html lacks chart {name}");
        assert!(md.contains(&format!("charts/{name}.png")), "report.md lacks chart {name}");
    }
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    let params = record["parameters"].as_array().unwrap();
    assert!(params.len() > 30, "only {} parameters recorded", params.len());
    for p in params {
        let path = p["path"].as_str().unwrap();
        assert!(html.contains(path), "report.html lacks parameter {path}");
        assert!(md.contains(path), "report.md lacks parameter {path}");
    }
    // Self-contained: no scripts, nothing fetched.
    for needle in ["<script", "src=\"http", "href=\"http", "url(http", "<link", "<img"] {
        assert!(!html.contains(needle), "report.html contains {needle}");
    }
}

#[test]
fn every_chart_renders_for_every_library_scenario() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in library() {
        let stem = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        let out = dir.path().join(&stem);
        run_into(&out, &["run", scenario.to_str().unwrap(), "--replications", "20"]);
        for chart in RUN_CHARTS {
            check_chart(&out, chart);
        }
        report_names_everything(&out, &RUN_CHARTS);
    }
}

#[test]
fn compare_and_sweeps_draw_their_charts() {
    let dir = tempfile::tempdir().unwrap();
    let flagship = "scenarios/tiktok-indonesia-2018.toml";
    let compare = dir.path().join("compare");
    run_into(&compare, &["compare", flagship, "--replications", "20"]);
    let charts = ["compare-durations", "compare-tradeoff", "compare-blocked"];
    for chart in charts {
        check_chart(&compare, chart);
    }
    report_names_everything(&compare, &charts);
    let html = std::fs::read_to_string(compare.join("report.html")).unwrap();
    let durations = std::fs::read_to_string(compare.join("charts/compare-durations.svg")).unwrap();
    for variant in ["orders-then-fines", "moderators-200", "age-gate-day-one"] {
        assert!(html.contains(variant), "compare report lacks {variant}");
        assert!(durations.contains(variant), "the duration chart lacks {variant}");
    }
    // Survival curves from survival.csv, not box plots of censored durations.
    assert!(durations.contains("share of blocks still in force"));
    assert!(!durations.contains("middle half of blocks"));
    let survival = std::fs::read_to_string(compare.join("survival.csv")).unwrap();
    assert!(survival.starts_with("variant,time_days,survival,ci95_low,ci95_high,at_risk,events,censored\n"));

    let sweep = dir.path().join("sweep");
    run_into(
        &sweep,
        &["sweep", flagship, "--vary", "platform.review.moderators=20,60", "--replications", "10"],
    );
    check_chart(&sweep, "sweep");
    report_names_everything(&sweep, &["sweep"]);

    let grid = dir.path().join("grid");
    run_into(
        &grid,
        &[
            "sweep",
            flagship,
            "--vary",
            "platform.review.moderators=20,60",
            "--vary",
            "platform.vpn_share=0.1,0.5",
            "--replications",
            "10",
        ],
    );
    check_chart(&grid, "sweep-heatmap");
    report_names_everything(&grid, &["sweep-heatmap"]);
}

/// Copies only what `modsim report` may use: the CSV files and run.json.
fn copy_tables(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".csv") || name == "run.json" {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

fn files_under(dir: &Path) -> HashMap<PathBuf, Vec<u8>> {
    let mut files = HashMap::new();
    for sub in [dir.to_owned(), dir.join("charts")] {
        for entry in std::fs::read_dir(&sub).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.insert(path.strip_prefix(dir).unwrap().to_owned(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn modsim_report_rebuilds_the_same_report_from_the_tables_alone() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("run", vec!["run", "scenarios/never-complies.toml", "--replications", "15"]),
        ("compare", vec!["compare", "scenarios/tiktok-indonesia-2018.toml", "--replications", "8"]),
    ] {
        let original = dir.path().join(name);
        run_into(&original, &args);
        let rebuilt = dir.path().join(format!("{name}-rebuilt"));
        copy_tables(&original, &rebuilt);
        let out = modsim().arg("report").arg(&rebuilt).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let (a, b) = (files_under(&original), files_under(&rebuilt));
        assert_eq!(a.len(), b.len(), "{name}: same files");
        for (file, bytes) in &a {
            assert!(b.get(file) == Some(bytes), "{name}: {} differs after modsim report", file.display());
        }
    }
}

#[test]
fn no_charts_writes_the_report_without_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch");
    run_into(&out, &["run", "scenarios/registration-block-2022.toml", "--replications", "5", "--no-charts"]);
    assert!(!out.join("charts").exists());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Charts were not drawn"));
    assert!(!html.contains("<svg"));
    // The charts can be drawn later without a rerun.
    let status = modsim().arg("report").arg(&out).output().unwrap();
    assert!(status.status.success());
    check_chart(&out, "timeline");
}

#[test]
fn report_refuses_a_folder_modsim_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let out = modsim().arg("report").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a modsim output folder"), "{stderr}");
    assert!(!dir.path().join("report.html").exists());
}

#[test]
fn a_damaged_table_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_into(&out, &["run", "scenarios/registration-block-2022.toml", "--replications", "5", "--no-charts"]);
    let before = std::fs::read(out.join("report.html")).unwrap();
    std::fs::remove_file(out.join("summary.csv")).unwrap();
    let result = modsim().arg("report").arg(&out).output().unwrap();
    assert!(!result.status.success());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("summary.csv"), "{stderr}");
    assert_eq!(std::fs::read(out.join("report.html")).unwrap(), before);
    assert!(!out.join("charts").exists());
}
