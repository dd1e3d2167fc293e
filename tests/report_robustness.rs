//! `modsim report` on folders that do not read back, and text that must not reach a
//! person raw: a damaged folder is an error (exit 2) naming the file and the line,
//! never a panic or a report of infinities; names with HTML, Markdown or control
//! characters come out escaped in report.md and on the terminal.
//!
//! The property tests at the end throw random bytes and damaged copies of real tables at
//! the reader and at `modsim report` (`PROPTEST_CASES` sets how many).

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::modsim;
use modsim::output::report::data::FolderData;
use proptest::prelude::*;

const TABLES: [&str; 4] = ["summary.csv", "timeseries.csv", "blocks.csv", "events.csv"];

/// A run's folder without charts (quick to make), in `dir`, to damage.
fn fresh_run(dir: &Path) -> PathBuf {
    let out = dir.join("run");
    common::small_run("scenarios/registration-block-2022.toml", 5, &out);
    out
}

/// `modsim report` on `dir`: exit code, stdout and stderr.
fn report(dir: &Path) -> (Option<i32>, String, String) {
    let out = modsim().arg("report").arg(dir).arg("--no-charts").output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// Asserts that `modsim report` refuses `dir` as bad input, with a message holding each
/// of `needles` (the file, the line, the column).
fn assert_refused(dir: &Path, needles: &[&str]) {
    let (code, _, stderr) = report(dir);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert_eq!(code, Some(2), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
    }
}

fn edit(path: &Path, change: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, change(text)).unwrap();
}

/// Sets the cell of a column on a line (from 1) of a CSV file without quoted cells.
fn set_cell(path: &Path, line: usize, column: &str, value: &str) {
    edit(path, |text| {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let at = lines[0].split(',').position(|h| h == column).unwrap();
        let mut cells: Vec<String> = lines[line - 1].split(',').map(String::from).collect();
        cells[at] = value.to_owned();
        lines[line - 1] = cells.join(",");
        lines.join("\n") + "\n"
    });
}

/// Removes a column from every line of a CSV file without quoted cells.
fn remove_column(path: &Path, column: &str) {
    edit(path, |text| {
        let at = text.lines().next().unwrap().split(',').position(|h| h == column).unwrap();
        let lines = text.lines().map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(at);
            cells.join(",")
        });
        lines.collect::<Vec<_>>().join("\n") + "\n"
    });
}

fn set_record(dir: &Path, change: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("run.json");
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    change(&mut record);
    std::fs::write(&path, serde_json::to_vec_pretty(&record).unwrap()).unwrap();
}

#[test]
fn a_summary_with_a_header_but_no_rows_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let run = fresh_run(dir.path());
    for table in TABLES {
        edit(&run.join(table), |text| text.lines().next().unwrap().to_owned() + "\n");
    }
    assert_refused(&run, &["summary.csv, line 2", "no rows"]);
}

#[test]
fn a_truncated_table_is_an_error_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for table in TABLES {
        let run = fresh_run(&dir.path().join(table));
        // Cut in the middle of the third line: a row with too few cells.
        edit(&run.join(table), |text| {
            let third = text.match_indices('\n').nth(1).unwrap().0 + 1;
            text[..third + 8].to_owned()
        });
        assert_refused(&run, &[&format!("{table}, line 3")]);
    }
}

/// Sets each (table, line, column, value) in a fresh run of its own and asserts that
/// `modsim report` refuses it, naming the place and the value, and writes nothing.
fn refuse_each(dir: &Path, cases: &[(&str, usize, &str, &str)]) {
    for (i, (table, line, column, value)) in cases.iter().enumerate() {
        let run = fresh_run(&dir.join(i.to_string()));
        let before = std::fs::read(run.join("report.md")).unwrap();
        set_cell(&run.join(table), *line, column, value);
        assert_refused(&run, &[&format!("{table}, line {line}, column {column}"), value]);
        assert_eq!(std::fs::read(run.join("report.md")).unwrap(), before);
    }
}

#[test]
fn garbage_in_a_cell_is_an_error_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("summary.csv", 2, "mean", "abc"),
        ("summary.csv", 3, "n", "-1"),
        ("summary.csv", 4, "censored", "2.5"),
        ("timeseries.csv", 5, "time_days", "soon"),
        ("timeseries.csv", 2, "traced_blocked", "yes"),
        ("blocks.csv", 2, "start", ""),
        ("blocks.csv", 2, "censored", "maybe"),
        ("events.csv", 2, "replication", "x"),
    ];
    refuse_each(dir.path(), &cases);
    // A file of binary garbage.
    let run = fresh_run(&dir.path().join("binary"));
    std::fs::write(run.join("summary.csv"), [0u8, 159, 146, 150, 10, 255, 0, 44, 10]).unwrap();
    assert_refused(&run, &["summary.csv"]);
}

#[test]
fn non_finite_and_absurd_numbers_are_errors_not_infinities_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("summary.csv", 2, "mean", "NaN"),
        ("summary.csv", 2, "mean", "inf"),
        ("summary.csv", 2, "ci95_high", "-inf"),
        ("summary.csv", 5, "mean", "1e308"),
        ("summary.csv", 2, "mean", "1.5"),
        ("timeseries.csv", 3, "visible_mean", "1e308"),
        ("timeseries.csv", 3, "blocked_probability", "2"),
        ("timeseries.csv", 3, "time_days", "1e308"),
        ("blocks.csv", 2, "duration_days", "inf"),
        ("events.csv", 2, "time_days", "-3"),
    ];
    refuse_each(dir.path(), &cases);
}

#[test]
fn a_missing_column_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (table, column) in
        [("summary.csv", "mean"), ("timeseries.csv", "time_days"), ("blocks.csv", "duration_days")]
    {
        let run = fresh_run(&dir.path().join(table));
        remove_column(&run.join(table), column);
        assert_refused(&run, &[&format!("{table}, line 1"), &format!("no column {column}")]);
    }
}

#[test]
fn rows_of_a_run_the_summary_lacks_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = fresh_run(dir.path());
    edit(&run.join("blocks.csv"), |text| {
        text.lines()
            .enumerate()
            .map(|(i, l)| if i == 0 { format!("variant,{l}\n") } else { format!("x,{l}\n") })
            .collect()
    });
    assert_refused(&run, &["blocks.csv, line 1", "label columns"]);
}

#[test]
fn a_run_json_that_does_not_parse_is_bad_input_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 4] = [
        ("{\n  \"modsim_version\": \n", &["run.json, line 3"]),
        ("{}", &["run.json, line 1", "missing field"]),
        ("\u{0}\u{1}garbage", &["run.json, line 1"]),
        ("[1, 2]", &["run.json"]),
    ];
    for (i, (text, needles)) in cases.into_iter().enumerate() {
        let run = fresh_run(&dir.path().join(i.to_string()));
        std::fs::write(run.join("run.json"), text).unwrap();
        assert_refused(&run, needles);
    }
    // Parses, but with a horizon no scenario has, or an unknown command.
    let run = fresh_run(&dir.path().join("horizon"));
    set_record(&run, |r| r["horizon_days"] = serde_json::json!(-1.0));
    assert_refused(&run, &["run.json", "horizon_days"]);
    let run = fresh_run(&dir.path().join("command"));
    set_record(&run, |r| r["command"] = serde_json::json!("explode"));
    assert_refused(&run, &["run.json", "command"]);
}

#[test]
fn an_infinite_or_unknown_precision_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    for (i, worst) in
        [serde_json::json!("inf"), serde_json::json!("NaN"), serde_json::Value::Null].into_iter().enumerate()
    {
        let run = fresh_run(&dir.path().join(i.to_string()));
        set_record(&run, |r| {
            r["precision"] = serde_json::json!({
                "target": 0.05, "reached": false, "worst_metric": "blocked",
                "worst_relative_half_width": worst,
            })
        });
        let (code, _, stderr) = report(&run);
        assert_eq!(code, Some(0), "{worst}: {stderr}");
        let md = std::fs::read_to_string(run.join("report.md")).unwrap();
        assert!(md.contains("(worst: blocked not estimable)"), "{md}");
    }
}

/// Every text a person reads that came from a file: a name, a description, a parameter.
const EVIL: &str = "Evil <script>alert(1)</script> <img src=x onerror=alert(1)>\n# heading | pipe `code` \u{1b}[2J\u{7}\u{0} end";

#[test]
fn names_and_texts_reach_report_md_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let run = fresh_run(dir.path());
    set_record(&run, |r| {
        r["scenario_name"] = serde_json::json!(EVIL);
        r["scenario_description"] = serde_json::json!(format!("# owned\n{EVIL}"));
        r["parameters"][0]["value"] = serde_json::json!(EVIL);
        r["parameters"][1]["path"] = serde_json::json!("- list | item\n## sub");
    });
    let (code, _, stderr) = report(&run);
    assert_eq!(code, Some(0), "{stderr}");
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    for raw in ["<script", "<img", "\u{1b}", "\u{7}", "\u{0}", " `code`"] {
        assert!(!md.contains(raw), "report.md holds {raw:?}");
    }
    assert!(md.contains("&lt;script&gt;") && md.contains("\\x1b[2J\\x07\\x00"), "{md}");
    // One title; no heading, list or rule made by the texts.
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("# ")).collect();
    assert_eq!(headings.len(), 1, "{headings:?}");
    assert!(md.lines().any(|l| l.starts_with("\\# owned")), "{md}");
    assert!(!md.lines().any(|l| l.starts_with("## sub") || l.starts_with("- list")), "{md}");
    // Every row of the parameter table has its five cells.
    let unescaped_pipes = |l: &str| l.match_indices('|').filter(|(i, _)| !l[..*i].ends_with('\\')).count();
    let parameters = md.split("## Parameters and assumptions").nth(1).unwrap();
    for line in parameters.lines().filter(|l| l.starts_with('|')) {
        assert_eq!(unescaped_pipes(line), 6, "{line}");
    }
    // report.html escaped them already, and still does.
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(!html.contains("<script") && !html.contains("<img"));
}

/// A copy of a library scenario named `name` (as TOML writes it).
fn named_scenario(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string("scenarios/registration-block-2022.toml").unwrap();
    let text = text.replace("name = \"Registration block, Indonesia 2022\"", &format!("name = \"{name}\""));
    let path = dir.join("evil.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_scenario_name_with_control_characters_is_refused() {
    // Escape sequences, BEL, NUL and line breaks in a name would reach terminals,
    // reports and SVGs raw (a NUL makes an SVG invalid XML): bad input, located.
    let dir = tempfile::tempdir().unwrap();
    let scenario = named_scenario(dir.path(), "Evil\\u001b[2J\\u0007\\u0000 name\\n# heading");
    let out = modsim().arg("check").arg(&scenario).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`scenario.name`: contains the control character U+001B"), "{stderr}");
}

#[test]
fn names_reach_the_terminal_with_hidden_characters_shown_not_obeyed() {
    // A right-to-left override is printable text to TOML but reorders what a terminal
    // shows; markup and pipes stay as they are on a terminal.
    let dir = tempfile::tempdir().unwrap();
    let scenario = named_scenario(dir.path(), "Evil\\u202e name # heading | <b>");
    let run = modsim()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "3", "--no-charts", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let trace = modsim().arg("trace").arg(&scenario).output().unwrap();
    for (command, out) in [("run", run), ("trace", trace)] {
        assert!(out.status.success(), "{command}: {}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(!stdout.contains('\u{202e}'), "{command}: {stdout:?}");
        let first = stdout.lines().next().unwrap();
        assert!(first.starts_with("Evil\\u{202e} name # heading | <b>:"), "{command}: {first}");
    }
}

// Property tests: no input makes the reader or `modsim report` panic; every error names
// a file of the folder.

/// The files of a real run's folder, made once.
fn real_files() -> &'static Vec<(String, Vec<u8>)> {
    static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let run = fresh_run(dir.path());
        ["run.json"]
            .into_iter()
            .chain(TABLES)
            .map(|f| (f.to_owned(), std::fs::read(run.join(f)).unwrap()))
            .collect()
    })
}

/// Reads a folder held in memory; `None` for a file it lacks.
fn read(files: &[(String, Vec<u8>)]) -> Result<FolderData, String> {
    let open = |name: &str| -> Option<Box<dyn std::io::Read>> {
        let bytes = files.iter().find(|(f, _)| f == name)?.1.clone();
        Some(Box::new(std::io::Cursor::new(bytes)))
    };
    FolderData::read(&open).map_err(|e| e.to_string())
}

/// A strange value for a cell or a JSON number.
fn strange() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "-1",
        "-0",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "1e308",
        "-1e308",
        "1e-320",
        "2",
        "0.5",
        "x",
        "\"",
        "\"\"",
        "1,2",
        "\n",
        "\u{0}",
        "18446744073709551616",
        "true",
        "null",
        "[]",
        "{}",
        "\u{1b}[2J",
    ])
    .prop_map(str::to_owned)
}

/// One way to damage a file's bytes.
#[derive(Clone, Debug)]
enum Damage {
    /// Random bytes instead of the file.
    Replace(Vec<u8>),
    /// The first `n` per mille of the file.
    Truncate(u16),
    /// A strange value spliced in at `at` per mille, replacing `len` bytes.
    Splice { at: u16, len: usize, value: String },
    /// The file is missing.
    Remove,
    /// A line of the file duplicated or deleted.
    Line { index: usize, delete: bool },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Damage::Replace),
        (0u16..1000).prop_map(Damage::Truncate),
        (0u16..1000, 0usize..12, strange()).prop_map(|(at, len, value)| Damage::Splice { at, len, value }),
        Just(Damage::Remove),
        (0usize..20, any::<bool>()).prop_map(|(index, delete)| Damage::Line { index, delete }),
    ]
}

/// The real folder with `damages` applied to files picked by index.
fn damaged(damages: &[(usize, Damage)]) -> Vec<(String, Vec<u8>)> {
    let mut files = real_files().clone();
    for (pick, d) in damages {
        if files.is_empty() {
            break;
        }
        let i = pick % files.len();
        let bytes = &mut files[i].1;
        let len = bytes.len();
        let per_mille = |n: u16| len * usize::from(n) / 1000;
        match d {
            Damage::Replace(b) => *bytes = b.clone(),
            Damage::Truncate(n) => bytes.truncate(per_mille(*n)),
            Damage::Splice { at, len, value } => {
                let at = per_mille(*at);
                let end = (at + len).min(bytes.len());
                bytes.splice(at..end, value.bytes());
            }
            Damage::Remove => {
                files.remove(i);
            }
            Damage::Line { index, delete } => {
                let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let at = index % lines.len();
                if *delete {
                    lines.remove(at);
                } else {
                    lines.insert(at, lines[at].clone());
                }
                *bytes = lines.join(&b'\n');
            }
        }
    }
    files
}

/// Whether an error message names a file of the folder.
fn names_a_file(message: &str) -> bool {
    ["run.json"].into_iter().chain(TABLES).any(|f| message.contains(f))
}

proptest! {
    #[test]
    fn the_reader_never_panics_on_random_bytes(
        files in prop::collection::vec((prop::sample::select(vec!["run.json", "summary.csv", "timeseries.csv", "blocks.csv", "events.csv"]), prop::collection::vec(any::<u8>(), 0..300)), 0..6)
    ) {
        let files: Vec<(String, Vec<u8>)> = files.into_iter().map(|(f, b)| (f.to_owned(), b)).collect();
        if let Err(message) = read(&files) {
            prop_assert!(names_a_file(&message), "{message}");
        }
    }

    #[test]
    fn the_reader_never_panics_on_damaged_real_tables(
        damages in prop::collection::vec((0usize..5, damage()), 1..4)
    ) {
        let files = damaged(&damages);
        match read(&files) {
            Ok(data) => prop_assert!(!data.runs.is_empty()),
            Err(message) => prop_assert!(names_a_file(&message), "{message}"),
        }
    }
}

proptest! {
    // Each case starts the binary and builds a report: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn modsim_report_never_panics_and_answers_ok_or_names_a_file(
        damages in prop::collection::vec((0usize..5, damage()), 1..3)
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in damaged(&damages) {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let out = modsim().arg("report").arg(dir.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        prop_assert!(!stderr.contains("panicked"), "{stderr}");
        match out.status.code() {
            Some(0) => prop_assert!(dir.path().join("report.md").exists()),
            Some(2) => prop_assert!(names_a_file(&stderr), "{stderr}"),
            code => prop_assert!(false, "exit {code:?}: {stderr}"),
        }
    }
}
