//! Helpers for the unit tests beside each part of lowering: a valid document, edited
//! copies of it, and the problems found, each as "key: message".

use toml_edit::DocumentMut;

use super::Lowerer;
use crate::scenario::{parse, Override, Scenario, ScenarioError, Severity};

/// A valid scenario: every distribution fixed, a warning then a block, and two
/// actions that lift the block.
pub(super) const VALID: &str = include_str!("../../../tests/scenarios/hand-computed.toml");

/// [`VALID`] with each `PATH=VALUE` override applied, as text.
pub(super) fn edited(changes: &[&str]) -> String {
    let mut doc: DocumentMut = VALID.parse().expect("the valid scenario parses");
    for change in changes {
        let ov: Override = change.parse().expect("an override");
        crate::scenario::overrides::apply(&mut doc, &ov).expect("the override applies");
    }
    doc.to_string()
}

/// The scenario `text` lowers to; panics with the errors if it does not.
pub(super) fn lowered(text: &str) -> Scenario {
    match parse(text, "test.toml") {
        Ok((scenario, _)) => scenario,
        Err(e) => panic!("expected a valid scenario, found:\n{e}"),
    }
}

/// The errors of `text` as "key: message"; empty when it lowers.
pub(super) fn errors(text: &str) -> Vec<String> {
    match parse(text, "test.toml") {
        Ok(_) => Vec::new(),
        Err(ScenarioError::Invalid { diagnostics }) => {
            diagnostics.iter().map(|d| format!("{}: {}", d.key, d.message)).collect()
        }
        Err(e) => panic!("expected diagnostics, found {e}"),
    }
}

/// Checks, for each set of `PATH=VALUE` changes to [`VALID`], the errors found, in
/// order.
pub(super) fn check_errors(cases: &[(&[&str], &[&str])]) {
    for (changes, expected) in cases {
        assert_eq!(errors(&edited(changes)), *expected, "{changes:?}");
    }
}

/// The warnings of `text` as "key: message"; panics with the errors if it does not lower.
pub(super) fn warnings(text: &str) -> Vec<String> {
    match parse(text, "test.toml") {
        Ok((_, warnings)) => warnings.iter().map(|d| format!("{}: {}", d.key, d.message)).collect(),
        Err(e) => panic!("expected a valid scenario, found:\n{e}"),
    }
}

/// What a [`Lowerer`] recorded, as "key: message", errors and warnings alike.
pub(super) fn recorded(lowerer: &Lowerer) -> Vec<String> {
    lowerer.problems.iter().map(|p| format!("{}: {}", p.key, p.message)).collect()
}

/// Whether a [`Lowerer`] recorded only warnings.
pub(super) fn only_warnings(lowerer: &Lowerer) -> bool {
    lowerer.problems.iter().all(|p| p.severity == Severity::Warning)
}
