//! The case library (scenarios/cases/): every case is a valid scenario with an observed
//! outcome, its calibrated parameters belong to the vocabulary of
//! scenarios/cases/README.md and resolve at the paths that file lists, and each case runs
//! with its observed block inside its horizon.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use modsim::engine::SimDuration;
use modsim::experiment::{self, RunConfig};
use modsim::scenario::{self, ObservedEnd, Override, Sanction, ScenarioError};

const README: &str = "scenarios/cases/README.md";

/// The case files, sorted.
fn cases() -> Vec<PathBuf> {
    common::toml_files("scenarios/cases")
}

/// A case's id as the table and the README write it: `id-07e.toml` is ID-07e.
fn case_id(path: &Path) -> String {
    let stem = path.file_stem().unwrap().to_str().unwrap();
    let (country, number) = stem.split_once('-').unwrap();
    format!("{}-{}", country.to_uppercase(), number)
}

/// The cells of a Markdown table row, trimmed.
fn cells(line: &str) -> Vec<&str> {
    line.trim().trim_matches('|').split('|').map(str::trim).collect()
}

/// The text between backticks, in order.
fn quoted(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// The families of the README's vocabulary table (rows whose first cell is quoted).
fn vocabulary(readme: &str) -> BTreeSet<String> {
    readme.lines().filter(|l| l.starts_with("| `")).map(|l| quoted(cells(l)[0])[0].to_owned()).collect()
}

/// The (family, override path) pairs the README lists for a case.
fn listed(readme: &str, id: &str) -> Vec<(String, String)> {
    let row = readme
        .lines()
        .find(|l| l.starts_with('|') && cells(l)[0] == id)
        .unwrap_or_else(|| panic!("{README} has no row for {id}"));
    let pairs = quoted(cells(row).last().unwrap());
    assert!(pairs.len().is_multiple_of(2), "{id}: the last cell must list `family`: `path` pairs");
    pairs.chunks(2).map(|p| (p[0].to_owned(), p[1].to_owned())).collect()
}

/// The families a file marks with `# calibrate: FAMILY` after a key, one per marked
/// line (comment lines that merely mention the marker are not keys).
fn marked(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once("# calibrate:"))
        .map(|(_, rest)| rest.split_whitespace().next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn every_case_is_valid_and_says_what_happened() {
    let files = cases();
    assert!(files.len() >= 20, "the case library has {} files", files.len());
    for path in &files {
        let loaded = scenario::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let observed =
            loaded.scenario.observed().unwrap_or_else(|| panic!("{}: no [observed]", path.display()));
        assert!(!observed.sources.is_empty(), "{}: [observed] names no source", path.display());
        assert!(
            observed.sources.iter().all(|s| s.starts_with("http")),
            "{}: a source is not an address: {:?}",
            path.display(),
            observed.sources
        );
        assert!(loaded.warnings.is_empty(), "{}: {:?}", path.display(), loaded.warnings);
    }
}

#[test]
fn calibrated_families_are_in_the_vocabulary_and_the_readme_lists_them() {
    let readme = std::fs::read_to_string(README).unwrap();
    let vocabulary = vocabulary(&readme);
    assert!((5..=8).contains(&vocabulary.len()), "{vocabulary:?}");
    let mut used = BTreeSet::new();
    for path in cases() {
        let id = case_id(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let in_file = marked(&text);
        for family in &in_file {
            assert!(vocabulary.contains(family), "{id}: `{family}` is not in the vocabulary of {README}");
        }
        // The README lists exactly the file's marked lines, family by family.
        let mut in_readme: Vec<String> = listed(&readme, &id).into_iter().map(|(f, _)| f).collect();
        let mut in_file = in_file;
        in_readme.sort();
        in_file.sort();
        assert_eq!(
            in_readme, in_file,
            "{id}: the README's families differ from the file's `# calibrate:` lines"
        );
        used.extend(in_file);
    }
    assert_eq!(used, vocabulary, "a family of the vocabulary is used by no case, or the reverse");
}

/// A value that any path of this family accepts.
fn harmless(family: &str) -> &'static str {
    if family.ends_with("probability") {
        "0.5"
    } else {
        "{ dist = \"lognormal\", median = \"3d\", p90 = \"9d\" }"
    }
}

#[test]
fn every_listed_override_path_resolves_in_its_case() {
    let readme = std::fs::read_to_string(README).unwrap();
    let rows = readme.lines().filter(|l| l.starts_with('|') && l.contains(": `")).count();
    assert_eq!(rows, cases().len(), "one README row per case file");
    for path in cases() {
        let id = case_id(&path);
        for (family, at) in listed(&readme, &id) {
            // The key is there: deleting it is not an override error (validation may
            // then miss a required key, which is fine here).
            if let Err(ScenarioError::Override { source, .. }) =
                scenario::load_with(&path, &[Override::unset(at.as_str())])
            {
                panic!("{id}: `{at}` is not in the file: {source:?}");
            }
            let set = Override::set(at.as_str(), harmless(&family));
            scenario::load_with(&path, &[set])
                .unwrap_or_else(|e| panic!("{id}: {at}={}: {e}", harmless(&family)));
        }
    }
}

#[test]
fn every_case_runs_and_its_observed_block_lies_within_the_horizon() {
    let config = RunConfig { replications: 20, seed: 14, threads: 1 };
    for path in cases() {
        let id = case_id(&path);
        let s = scenario::load(&path).unwrap().scenario;
        let results = experiment::run(&s, &config, &()).unwrap();
        assert_eq!(results.outcomes.len(), 20, "{id}");
        let observed = s.observed().unwrap();
        let Some(start) = observed.block_start else {
            // A threat: the block that never came must have been possible.
            let ladder_blocks =
                s.regulator().ladder.iter().any(|step| matches!(step.sanction, Sanction::Block(_)));
            assert!(ladder_blocks, "{id}: a threat with no block step");
            continue;
        };
        let horizon = s.horizon();
        assert!(start.0 < horizon.0, "{id}: observed block start after the horizon");
        let (ObservedEnd::Restored(end) | ObservedEnd::InForceOn(end)) = observed.end.unwrap();
        assert!(end.0 <= horizon.0, "{id}: the observed end lies past the horizon");
        // Every simulated first block starts near the observed one: the block is dated,
        // and only an ISP's lag (hours) moves it; at most two days before (an order
        // dated before the ISPs applied it), never weeks after.
        let day = SimDuration::from_days_f64(1.0).0;
        for o in results.outcomes.iter() {
            if let Some(first) = o.unwrap().blocks.first() {
                assert!(
                    first.start.0 + 2 * day >= start.0,
                    "{id}: a block starts too early: {:?}",
                    first.start
                );
                assert!(
                    first.start.0 <= start.0 + 30 * day,
                    "{id}: a block starts too late: {:?}",
                    first.start
                );
            }
        }
    }
}
