//! Lowering of `[sources]`: each key must name a parameter of the scenario or a section
//! that holds some (a typo gets the nearest path), each entry a kind of source, and a
//! sourced number a note or a link.

use super::Lowerer;
use crate::scenario::diagnostic::nearest;
use crate::scenario::raw::{RawSource, SOURCE_KINDS};
use crate::scenario::sources::{holds, Source, SourceKind};
use crate::scenario::Scenario;

impl Lowerer {
    /// The `[sources]` table, checked against the parameters of `scenario`.
    pub(super) fn sources(
        &mut self,
        raw: &std::collections::BTreeMap<String, RawSource>,
        scenario: &Scenario,
    ) -> Vec<(String, Source)> {
        let paths: Vec<String> = scenario.parameters().into_iter().map(|p| p.path).collect();
        let mut out = Vec::new();
        for (key, entry) in raw {
            let at = format!("sources.\"{key}\"");
            if !paths.iter().any(|p| holds(key, p)) {
                let help = nearest(key, paths.iter().map(String::as_str))
                    .map(|p| format!("did you mean `{p}`?"))
                    .unwrap_or_else(|| {
                        "a key is a parameter's path as the report lists it (platform.review.moderators) or a section (playbook)".into()
                    });
                self.error_with_help(at.clone(), format!("`{key}` is no parameter of this scenario"), help);
                continue;
            }
            let Some(kind) = SourceKind::ALL.into_iter().find(|k| k.name() == entry.kind) else {
                self.error_with_help(
                    format!("{at}.kind"),
                    format!("unknown kind of source \"{}\"", entry.kind),
                    format!("expected one of {}", SOURCE_KINDS.map(|k| format!("\"{k}\"")).join(", ")),
                );
                continue;
            };
            let note = entry.note.clone().unwrap_or_default();
            for (field, text) in [("note", Some(&note)), ("url", entry.url.as_ref())] {
                if let Some(text) = text {
                    self.printable(format!("{at}.{field}"), text, false);
                }
            }
            if let Some(url) = &entry.url {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    self.error(
                        format!("{at}.url"),
                        format!("expected a web address (https://...), found \"{url}\""),
                    );
                }
            }
            if kind == SourceKind::Sourced && note.trim().is_empty() && entry.url.is_none() {
                self.error_with_help(
                    at.clone(),
                    "a sourced number needs a `note` or a `url` saying where it comes from",
                    "for example { kind = \"sourced\", note = \"ministry statement, 3 July 2018\" }".into(),
                );
            }
            out.push((key.clone(), Source { kind, note, url: entry.url.clone() }));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{errors, lowered, VALID};
    use crate::scenario::SourceKind;

    fn with_sources(section: &str) -> String {
        format!("{VALID}\n[sources]\n{section}")
    }

    #[test]
    fn sources_are_kept_in_key_order() {
        let s = lowered(&with_sources(
            "playbook = { kind = \"guess\" }\n\"platform.review.moderators\" = { kind = \"sourced\", url = \"https://example.org/a\" }\n",
        ));
        let kinds: Vec<(&str, SourceKind)> = s.sources.iter().map(|(k, s)| (k.as_str(), s.kind)).collect();
        assert_eq!(
            kinds,
            [("platform.review.moderators", SourceKind::Sourced), ("playbook", SourceKind::Guess)]
        );
        assert!(lowered(VALID).sources.is_empty());
    }

    #[test]
    fn unknown_paths_kinds_and_unsourced_sources_are_errors() {
        assert_eq!(
            errors(&with_sources(
                "\"platform.review.moderatrs\" = { kind = \"guess\" }\n\"platform.vpn_share\" = { kind = \"hunch\" }\n\"platform.review.accuracy\" = { kind = \"sourced\" }\n\"platform.uploads_per_day\" = { kind = \"sourced\", url = \"example.org\" }\n"
            )),
            [
                "sources.\"platform.review.accuracy\": a sourced number needs a `note` or a `url` saying where it comes from",
                "sources.\"platform.review.moderatrs\": `platform.review.moderatrs` is no parameter of this scenario",
                "sources.\"platform.uploads_per_day\".url: expected a web address (https://...), found \"example.org\"",
                "sources.\"platform.vpn_share\".kind: unknown kind of source \"hunch\"",
            ]
        );
    }
}
