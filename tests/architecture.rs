//! ARCHITECTURE.md stays true: every path it names exists, each layer imports only
//! the layers below it, no two files import each other (directly or round a cycle),
//! and no source file grows past 500 lines without saying why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first; a file may use its own layer and those before it.
const LAYERS: [&str; 6] = ["engine", "scenario", "model", "experiment", "output", "cli"];

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The module path of a file: src/model/queue/mod.rs -> ["model", "queue"].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix("src").unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The file that defines module `path`, if it is a module of the crate.
fn file_of(path: &[String]) -> Option<PathBuf> {
    if path.is_empty() {
        return Some(PathBuf::from("src/lib.rs"));
    }
    let base: PathBuf = std::iter::once("src".to_owned()).chain(path.iter().cloned()).collect();
    let file = base.with_extension("rs");
    if file.is_file() {
        return Some(file);
    }
    let dir = base.join("mod.rs");
    dir.is_file().then_some(dir)
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its full paths.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap().trim().to_owned()];
    };
    let prefix = &tree[..open];
    let close = tree.rfind('}').unwrap_or(tree.len());
    let inner = &tree[open + 1..close.max(open + 1)];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// Paths into the crate that `text` names, as module paths from the crate root:
/// every `use` tree and every inline `crate::` or `super::` path.
fn crate_paths(file: &Path, text: &str) -> Vec<Vec<String>> {
    let module = module_of(file);
    let mut paths = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim_start();
        let tree = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .find_map(|p| line.strip_prefix(p));
        let Some(first) = tree else { continue };
        // A use statement runs to its semicolon, over several lines if need be.
        let mut statement = first.to_owned();
        for next in &lines[i + 1..] {
            if statement.contains(';') {
                break;
            }
            statement.push_str(next);
        }
        paths.extend(expand(statement.split(';').next().unwrap_or("")));
    }
    for (i, _) in text.match_indices("crate::").chain(text.match_indices("super::")) {
        let preceded_by_word = text[..i].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !preceded_by_word {
            let end = text[i..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(text.len(), |e| i + e);
            paths.push(text[i..end].trim_end_matches(':').to_owned());
        }
    }
    paths
        .into_iter()
        .filter_map(|p| {
            let segments: Vec<&str> = p.split("::").map(str::trim).filter(|s| !s.is_empty()).collect();
            let mut resolved: Vec<String> = match segments.first()? {
                &"crate" => Vec::new(),
                &"super" | &"self" => {
                    // A file's own module for `self`; `super` counts from there.
                    let mut m = module.clone();
                    for s in &segments {
                        match *s {
                            "super" => {
                                m.pop();
                            }
                            "self" => {}
                            _ => break,
                        }
                    }
                    m
                }
                _ => return None,
            };
            for s in segments.iter().skip_while(|s| matches!(**s, "crate" | "super" | "self")) {
                resolved.push((*s).to_owned());
            }
            Some(resolved)
        })
        .collect()
}

/// The files each source file imports: the longest module prefix of each path it
/// names. A parent module's file declaring or re-exporting its children is the
/// module's outline, not an import, so those edges are left out.
fn imports() -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut graph = BTreeMap::new();
    for file in rust_files(Path::new("src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests sit in an inline module at the end, where `super` is the file
        // itself; what they use is not part of the file's design.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        let own = module_of(&file);
        let mut targets = BTreeSet::new();
        for path in crate_paths(&file, text) {
            let target = (0..=path.len()).rev().find_map(|n| file_of(&path[..n]).map(|f| (n, f)));
            let Some((n, target)) = target else { continue };
            let is_child_of_own = n > own.len() && path[..own.len()] == own[..] && file.ends_with("mod.rs");
            let is_own_root = file.ends_with("lib.rs");
            if target != file && !is_child_of_own && !is_own_root {
                targets.insert(target);
            }
        }
        graph.insert(file, targets);
    }
    graph
}

fn layer_of(file: &Path) -> Option<usize> {
    let first = file.strip_prefix("src").ok()?.iter().next()?.to_string_lossy().into_owned();
    LAYERS.iter().position(|l| *l == first)
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let mut wrong = Vec::new();
    for (file, targets) in imports() {
        let Some(layer) = layer_of(&file) else { continue };
        for target in targets {
            if layer_of(&target).is_some_and(|t| t > layer) {
                wrong.push(format!("{} imports {}", file.display(), target.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layering:\n{}", wrong.join("\n"));
}

#[test]
fn no_two_files_import_each_other_even_round_a_cycle() {
    // Depth-first search; an edge back to a file on the current path closes a cycle.
    fn visit<'a>(
        file: &'a PathBuf,
        graph: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        done: &mut BTreeSet<&'a PathBuf>,
        path: &mut Vec<&'a PathBuf>,
        cycles: &mut Vec<String>,
    ) {
        path.push(file);
        for next in graph.get(file).into_iter().flatten() {
            if let Some(from) = path.iter().position(|f| *f == next) {
                let cycle: Vec<String> =
                    path[from..].iter().chain([&next]).map(|f| f.display().to_string()).collect();
                cycles.push(cycle.join(" -> "));
            } else if !done.contains(next) {
                visit(next, graph, done, path, cycles);
            }
        }
        path.pop();
        done.insert(file);
    }
    let graph = imports();
    let (mut done, mut cycles) = (BTreeSet::new(), Vec::new());
    for file in graph.keys() {
        if !done.contains(file) {
            visit(file, &graph, &mut done, &mut Vec::new(), &mut cycles);
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_import_check_sees_imports() {
    // The checks above can only fail if imports are found at all.
    let graph = imports();
    let world = graph.get(Path::new("src/model/world.rs")).expect("world.rs is read");
    assert!(world.contains(Path::new("src/engine/mod.rs")), "{world:?}");
    let items = &graph[Path::new("src/model/queue/items.rs")];
    assert!(items.contains(Path::new("src/model/queue/config.rs")), "{items:?}");
    assert!(expand("a::{b, c::{d, e as f}}") == ["a::b", "a::c::d", "a::c::e"]);
}

#[test]
fn stats_imports_nothing_of_the_crate() {
    let graph = imports();
    let stats = &graph[Path::new("src/experiment/stats.rs")];
    assert!(stats.is_empty(), "{stats:?}");
}

#[test]
fn every_path_architecture_md_names_exists() {
    let text = std::fs::read_to_string("ARCHITECTURE.md").unwrap();
    let mut section = PathBuf::new();
    let mut checked = 0;
    let mut missing = Vec::new();
    for line in text.lines() {
        // "### `src/model/`" sets the folder that bare file names are relative to.
        if line.starts_with('#') {
            if let Some(folder) = line.split('`').nth(1).filter(|f| f.ends_with('/')) {
                section = PathBuf::from(folder);
            }
        }
        for (i, token) in line.split('`').enumerate() {
            // Odd pieces are inside backticks; keep only what looks like a path.
            let token = token.split("::").next().unwrap_or("");
            let looks_like_path = token.ends_with('/')
                || [".rs", ".toml", ".md", ".py", ".sh"].iter().any(|e| token.ends_with(e));
            // Files of an output folder are named too; they are not files of the repo.
            let output_file = ["charts/", "report.md", "report.html"].contains(&token);
            if i % 2 == 0 || !looks_like_path || output_file || token.contains(' ') || token.contains('*') {
                continue;
            }
            let rooted = ["src/", "tests/", "benches/", "scripts/", "docs/", "scenarios/", ".ci/"]
                .iter()
                .any(|r| token.starts_with(r))
                || !token.contains('/') && Path::new(token).exists() && section.as_os_str().is_empty();
            let path =
                if rooted || token.ends_with(".md") { PathBuf::from(token) } else { section.join(token) };
            checked += 1;
            if !path.exists() {
                missing.push(format!("`{token}` ({})", path.display()));
            }
        }
    }
    assert!(checked > 50, "only {checked} paths found: is the parsing broken?");
    assert!(missing.is_empty(), "ARCHITECTURE.md names paths that do not exist:\n{}", missing.join("\n"));
}

#[test]
fn no_source_file_is_long_without_saying_why() {
    let mut long = Vec::new();
    for file in rust_files(Path::new("src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines = text.lines().count();
        if lines > 500 && !text.contains("This file is long because") {
            long.push(format!("{} ({lines} lines)", file.display()));
        }
    }
    assert!(long.is_empty(), "files over 500 lines without a reason in their header:\n{}", long.join("\n"));
}
