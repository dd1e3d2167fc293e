//! Where a scenario's numbers come from (`[sources]`): each parameter sourced,
//! calibrated or a guess, with a note and a link, and whether its value was written in
//! the file, given on the command line or left at its default. The report's parameter
//! table reads them from run.json (`Parameter::origin`, `Parameter::source`).
//!
//! A key of `[sources]` is a parameter's path as the report lists it
//! (`platform.review.moderators`) or a section holding parameters (`playbook`,
//! `regulator.ladder.block`); the longest key that holds a parameter gives its source.
//! A parameter a `[posterior]` draws is calibrated, whatever `[sources]` says.

use serde::{Deserialize, Serialize};

use super::overrides::{lookup, path_within, paths_overlap};
use super::{LoadedScenario, Parameter, Scenario};

/// How a number was arrived at.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Taken from a cited record (a law, a statement, a report).
    Sourced,
    /// Fitted so that the model reproduces something observed.
    Calibrated,
    /// The author's judgement.
    Guess,
}

impl SourceKind {
    /// Every kind, in the order the format lists them.
    pub const ALL: [SourceKind; 3] = [SourceKind::Sourced, SourceKind::Calibrated, SourceKind::Guess];

    /// Its name in the file and in run.json.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Sourced => "sourced",
            SourceKind::Calibrated => "calibrated",
            SourceKind::Guess => "guess",
        }
    }
}

/// Where a number comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    /// What the record says, or how the number was reached.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Where a parameter's value was set.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Written in the scenario file.
    File,
    /// Set by an override (`--set`, `--unset`, a variant's `set`).
    Override,
    /// Left out of the file: the format's default.
    Default,
}

/// Whether `key` (a `[sources]` key) holds the parameter at `path`: it is the path or a
/// section above it.
pub(crate) fn holds(key: &str, path: &str) -> bool {
    path_within(path, key)
}

impl Scenario {
    /// The source `[sources]` or `[posterior]` gives the parameter at `path`, if any.
    pub fn source_of(&self, path: &str) -> Option<Source> {
        if let Some(p) = &self.posterior {
            let drawn = p.paths.iter().find(|(_, paths)| paths.iter().any(|q| paths_overlap(q, path)));
            if let Some((column, _)) = drawn {
                return Some(Source {
                    kind: SourceKind::Calibrated,
                    note: format!("drawn from the posterior {} (column {column})", p.file),
                    url: None,
                });
            }
        }
        self.sources
            .iter()
            .filter(|(key, _)| holds(key, path))
            .max_by_key(|(key, _)| key.len())
            .map(|s| s.1.clone())
    }
}

impl LoadedScenario {
    /// Every parameter with where its value was set and where it comes from.
    pub fn described_parameters(&self) -> Vec<Parameter> {
        let file: Option<toml_edit::DocumentMut> = self.text.parse().ok();
        let overridden = |path: &str| self.overrides.iter().any(|o| paths_overlap(&o.path, path));
        self.scenario
            .parameters()
            .into_iter()
            .map(|p| {
                let origin = if overridden(&p.path) {
                    Origin::Override
                } else if file.as_ref().is_some_and(|d| lookup(d, &p.path).is_some()) {
                    Origin::File
                } else {
                    Origin::Default
                };
                let source = self.scenario.source_of(&p.path);
                Parameter { origin: Some(origin), source, ..p }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_s_source_holds_its_parameters_and_the_longest_key_wins() {
        assert!(holds("platform", "platform.review.moderators"));
        assert!(holds("platform.review.moderators", "platform.review.moderators"));
        assert!(!holds("platform.review.mod", "platform.review.moderators"));
        let text = format!(
            "{}\n[sources]\nplatform = {{ kind = \"guess\" }}\n\"platform.review.moderators\" = {{ kind = \"sourced\", note = \"the team in 2018\", url = \"https://example.org\" }}\n",
            include_str!("../../tests/scenarios/hand-computed.toml")
        );
        let s = crate::scenario::parse(&text, "t.toml").expect("parses").0;
        assert_eq!(s.source_of("platform.review.moderators").map(|s| s.kind), Some(SourceKind::Sourced));
        assert_eq!(s.source_of("platform.vpn_share").map(|s| s.kind), Some(SourceKind::Guess));
        assert_eq!(s.source_of("regulator.order_deadline"), None);
    }

    #[test]
    fn the_flagship_says_where_its_values_were_set_and_a_posterior_calibrates() {
        let loaded = crate::scenario::load_with(
            std::path::Path::new("scenarios/tiktok-indonesia-2018.toml"),
            &[crate::scenario::Override::set("platform.vpn_share", "0.1")],
        )
        .expect("flagship loads");
        let params = loaded.described_parameters();
        let get = |path: &str| params.iter().find(|p| p.path == path).expect(path).clone();
        assert_eq!(get("platform.review.moderators").origin, Some(Origin::File));
        assert_eq!(get("scenario.warm_up").origin, Some(Origin::Default));
        assert_eq!(get("platform.vpn_share").origin, Some(Origin::Override));
        assert_eq!(get("platform.review.moderators").source.map(|s| s.kind), Some(SourceKind::Sourced));

        let case = crate::scenario::load(std::path::Path::new("tests/scenarios/posterior-lag.toml"))
            .expect("the posterior case loads");
        let spec = case.scenario.posterior.clone().expect("a posterior");
        let path = &spec.paths[0].1[0];
        let source = case.scenario.source_of(path).expect("calibrated");
        assert_eq!(source.kind, SourceKind::Calibrated);
        assert!(source.note.contains(&spec.file), "{}", source.note);
    }
}
