//! A scenario file read and checked once, to build many scenarios that differ from it
//! only by overrides: a calibration's particles, a forecast's draws. [`super::load_text_with`] parses the file three times for each (the file
//! alone, its document, the changed text); a template parses it once, then applies
//! each set of overrides to a copy of its document and deserializes the scenario
//! straight from it.

use std::path::{Path, PathBuf};

use super::lower::lower_document;
use super::{apply_overrides, load_text_with, parse, with_label, Change, Override, Scenario, ScenarioError};

/// A checked scenario file and its document, ready for overrides.
#[derive(Clone, Debug)]
pub struct Template {
    path: PathBuf,
    origin: String,
    /// The file's text, for the scenarios a document cannot stand for (below).
    text: String,
    /// The file's own scenario, as `load_text_with` gives it without overrides.
    base: Scenario,
    /// The file's document without its `[[variants]]`, which overrides change.
    doc: toml_edit::DocumentMut,
}

impl Template {
    /// The template of `text`, the contents of `path`: the file must be valid on its
    /// own, as for [`super::load_text_with`].
    pub fn new(path: &Path, text: &str) -> Result<Template, ScenarioError> {
        let origin = path.display().to_string();
        let (base, _) = parse(text, &origin)?;
        let mut doc: toml_edit::DocumentMut =
            text.parse().map_err(|_| ScenarioError::Invalid { diagnostics: vec![] })?;
        doc.remove("variants");
        Ok(Template { path: path.to_owned(), origin, text: text.to_owned(), base, doc })
    }

    /// The scenario with `overrides` applied: the scenario, or the refusal,
    /// `load_text_with(path, text, overrides)` gives.
    pub fn scenario_with(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        if overrides.is_empty() {
            return Ok(self.base.clone());
        }
        // Loaded as text: a file with a posterior, whose heaviest particle is checked
        // with the overrides, and unsets, which can leave an empty table that the text
        // leaves out but the document keeps.
        let unsets = overrides.iter().any(|o| matches!(o.change, Change::Unset));
        if unsets || self.base.posterior().is_some() {
            return load_text_with(&self.path, self.text.clone(), overrides).map(|l| l.scenario);
        }
        let changed = || -> Result<toml_edit::DocumentMut, ScenarioError> {
            let mut doc = self.doc.clone();
            apply_overrides(&mut doc, overrides, &self.path, &None)?;
            Ok(doc)
        };
        let mut scenario = match lower_document(changed()?) {
            Some(scenario) => scenario,
            // A refusal is told as for the file with the overrides written in.
            None => parse(&changed()?.to_string(), &with_label(&self.origin, overrides))?.0,
        };
        scenario.variants = self.base.variants.clone();
        Ok(scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::super::load_text_with;
    use super::*;

    /// The scenario files of the library and of the case library.
    fn library() -> Vec<PathBuf> {
        let mut files = Vec::new();
        for dir in ["scenarios", "scenarios/cases"] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn a_template_builds_what_loading_the_text_builds() {
        // The domain types hold floats and no equality: their debug text shows every
        // field, floats exactly.
        let same = |path: &Path, text: &str, template: &Template, overrides: &[Override]| {
            let loaded = load_text_with(path, text.to_owned(), overrides).unwrap().scenario;
            let built = template.scenario_with(overrides).unwrap();
            assert_eq!(format!("{built:?}"), format!("{loaded:?}"), "{} with {overrides:?}", path.display());
        };
        let files = library();
        assert!(files.len() > 30, "the library and the cases: {} files", files.len());
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            let template = Template::new(path, &text).unwrap();
            let direct = lower_document(template.doc.clone());
            assert!(direct.is_some(), "{} is lowered from its document, not from text", path.display());
            for overrides in [vec![], vec![Override::set("scenario.seed", "99")]] {
                same(path, &text, &template, &overrides);
            }
        }
        let path = Path::new("scenarios/tiktok-indonesia-2018.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let template = Template::new(path, &text).unwrap();
        let sets = [
            vec![Override::set("platform.review.moderators", "45")],
            vec![
                Override::set("regulator.unblock.processing_time", "\"3d\""),
                Override::set("playbook.cleanup.items_per_day", "750"),
                Override::set("scenario.start", "2018-05-01T06:00"),
            ],
            // The table's only key: the text leaves the table out.
            vec![Override::unset("platform.detection.false_positive_rate")],
            vec![
                Override::unset("playbook.hire-moderators.cost"),
                Override::set("platform.review.moderators", "30"),
            ],
        ];
        for overrides in sets {
            same(path, &text, &template, &overrides);
        }
        assert_eq!(template.scenario_with(&[]).unwrap().variants().len(), 3, "the file's variants are kept");
    }

    #[test]
    fn a_template_refuses_what_loading_refuses() {
        let path = Path::new("scenarios/tiktok-indonesia-2018.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let template = Template::new(path, &text).unwrap();
        let bad = [Override::set("platform.review.moderators", "-3")];
        let from_template = template.scenario_with(&bad).unwrap_err().to_string();
        let from_text = load_text_with(path, text.clone(), &bad).unwrap_err().to_string();
        assert_eq!(from_template, from_text);
        assert!(from_template.contains("platform.review.moderators"), "{from_template}");
        assert!(Template::new(path, "[scenario]\nname = 3\n").is_err(), "an invalid file makes no template");
    }
}
