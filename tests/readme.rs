//! The README's sample outputs are what the current binary prints. Every fenced block
//! of README.md whose first line is `$ COMMAND` is run, in the README's order, in one
//! scratch folder where `scenarios` is the repository's (so a `head -2 output/...`
//! reads what an earlier `modsim run` wrote there), and its standard output must be
//! the rest of the block. COMMAND is `modsim ARGS`, optionally `| head -N`, or `head
//! -N FILE`; arguments are split as a shell would, quotes included.
//!
//! Every line modsim prints for them fits in 100 columns.
//!
//! Normalised, because they legitimately vary from machine to machine: the thread
//! count and the wall time in the first line `modsim run` prints ("2 threads, 4.56 s"
//! is compared as "N threads, T s"). Nothing else is.
//!
//! `UPDATE_README=1 cargo test --test readme` writes what the binary prints into the
//! README instead (review the diff before committing it).

mod common;

use std::path::Path;

use common::modsim;

/// A command of the README and the output it shows.
struct Sample {
    line: usize,
    command: String,
    output: String,
}

fn samples(readme: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut lines = readme.lines().enumerate();
    while let Some((_, line)) = lines.next() {
        if !line.starts_with("```") {
            continue;
        }
        let block: Vec<(usize, &str)> = lines.by_ref().take_while(|(_, l)| !l.starts_with("```")).collect();
        if let Some((i, first)) = block.first() {
            if let Some(command) = first.strip_prefix("$ ") {
                let output: String = block[1..].iter().map(|(_, l)| format!("{l}\n")).collect();
                samples.push(Sample { line: i + 1, command: command.to_owned(), output });
            }
        }
    }
    samples
}

/// `text` split into words as a shell splits it: at spaces outside quotes, the quotes
/// taken away.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, ' ') => words.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// The first `n` lines of `text`.
fn head(text: &str, n: &str) -> String {
    let n: usize = n.trim_start_matches('-').parse().unwrap();
    text.lines().take(n).map(|l| format!("{l}\n")).collect()
}

/// What `command` prints, run in `dir`.
fn run(dir: &Path, command: &str) -> String {
    let (command, limit) = match command.split_once(" | head ") {
        Some((c, n)) => (c, Some(n)),
        None => (command, None),
    };
    let words = words(command);
    let output = match words[0].as_str() {
        "modsim" => {
            let out = modsim().current_dir(dir).args(&words[1..]).output().unwrap();
            assert!(out.status.success(), "`{command}` failed: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        }
        "head" => head(&std::fs::read_to_string(dir.join(&words[2])).unwrap(), &words[1]),
        other => panic!("the README runs `{other}`; this test knows modsim and head"),
    };
    match limit {
        Some(n) => head(&output, n),
        None => output,
    }
}

/// `text` with the thread count and wall time of a run's first line as N and T.
fn normalised(text: &str) -> String {
    text.lines()
        .map(|line| {
            let Some((before, after)) = line.split_once(" threads, ") else {
                return format!("{line}\n");
            };
            let before = before.trim_end_matches(|c: char| c.is_ascii_digit());
            let after = after.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
            format!("{before}N threads, T{after}\n")
        })
        .collect()
}

#[test]
fn readme_samples_are_what_the_binary_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let samples = samples(&readme);
    assert!(samples.len() >= 5, "{} samples", samples.len());
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("scenarios"), dir.path().join("scenarios")).unwrap();
    let update = std::env::var_os("UPDATE_README").is_some();
    let mut stale = Vec::new();
    let mut fresh: Vec<(usize, String)> = Vec::new();
    for s in &samples {
        let printed = run(dir.path(), &s.command);
        if normalised(&printed) != normalised(&s.output) {
            stale.push(format!("README.md line {}: `$ {}` prints\n{printed}", s.line, s.command));
            fresh.push((s.line, printed.clone()));
        }
        if s.command.starts_with("modsim ") {
            let wide: Vec<&str> = printed.lines().filter(|l| l.chars().count() > 100).collect();
            assert!(wide.is_empty(), "`{}` prints lines over 100 columns: {wide:#?}", s.command);
        }
    }
    if update && !fresh.is_empty() {
        std::fs::write(root.join("README.md"), with_outputs(&readme, &fresh)).unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "samples that differ from the binary (UPDATE_README=1 writes them in):\n\n{}",
        stale.join("\n")
    );
}

/// `readme` with the output of the sample whose command is on (1-based) line `line`
/// replaced, for each of `fresh`.
fn with_outputs(readme: &str, fresh: &[(usize, String)]) -> String {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = String::with_capacity(readme.len());
    let mut i = 0;
    while i < lines.len() {
        out.push_str(lines[i]);
        out.push('\n');
        if let Some((_, printed)) = fresh.iter().find(|(line, _)| *line == i + 1) {
            out.push_str(printed);
            i += 1;
            while i < lines.len() && !lines[i].starts_with("```") {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

#[test]
fn an_update_replaces_only_the_stale_outputs() {
    let readme = "# x\n```\n$ modsim a\nold\nold\n```\n```\n$ modsim b\nkept\n```\n";
    let command_line = samples(readme)[0].line;
    assert_eq!(
        with_outputs(readme, &[(command_line, "new\n".to_owned())]),
        "# x\n```\n$ modsim a\nnew\n```\n```\n$ modsim b\nkept\n```\n"
    );
}

#[test]
fn the_normalisation_touches_only_threads_and_wall_time() {
    assert_eq!(
        normalised(
            "X: 1000 replications of 365d, seed 2018, 2 threads, 4.56 s\n  block probability 100.0%\n"
        ),
        "X: 1000 replications of 365d, seed 2018, N threads, T s\n  block probability 100.0%\n"
    );
    assert_eq!(
        words(r#"modsim sweep a.toml --vary "x=1..2 step 1" --target 'b<0.2'"#),
        ["modsim", "sweep", "a.toml", "--vary", "x=1..2 step 1", "--target", "b<0.2"]
    );
}
