//! Lowering of `[posterior]`: the file's name and the override paths of each column,
//! checked for their shape here. The file itself is read, and each path checked against
//! the scenario, when the scenario is loaded from a file (`scenario/posterior.rs`).

use super::Lowerer;
use crate::scenario::overrides::{path_within, unset_path};
use crate::scenario::raw::RawPosterior;
use crate::scenario::PosteriorSpec;

impl Lowerer {
    /// The `[posterior]` table.
    pub(super) fn posterior(&mut self, raw: &RawPosterior) -> Option<PosteriorSpec> {
        if raw.file.trim().is_empty() {
            self.error(
                "posterior.file",
                "expected the path of a posterior.csv written by `modsim calibrate`",
            );
        }
        if raw.paths.is_empty() {
            self.error_with_help(
                "posterior.paths",
                "the posterior sets no path in this scenario",
                "name each column to use and its paths: [posterior.paths] decision-lag = [\"regulator.unblock.processing_time\"]".into(),
            );
        }
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for (name, paths) in &raw.paths {
            let key = format!("posterior.paths.{name}");
            if paths.is_empty() {
                self.error(key.clone(), format!("column `{name}` sets no path"));
            }
            for (j, path) in paths.iter().enumerate() {
                let here = format!("{key}[{j}]");
                if let Err(message) = unset_path(path) {
                    self.error(here, message);
                } else if ["scenario", "posterior", "variants"].iter().any(|own| path_within(path, own)) {
                    self.error(here, format!("`{path}` is not a parameter a posterior can set"));
                } else if let Some((other, _)) = seen.iter().find(|(_, p)| p == path) {
                    self.error(here, format!("`{path}` is set by column `{other}` already"));
                } else {
                    seen.push((name, path));
                }
            }
        }
        let paths = raw.paths.iter().map(|(name, paths)| (name.clone(), paths.clone())).collect();
        Some(PosteriorSpec { file: raw.file.clone(), paths })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{errors, lowered, VALID};
    use crate::scenario::PosteriorSpec;

    fn with_posterior(section: &str) -> String {
        format!("{VALID}\n[posterior]\n{section}")
    }

    #[test]
    fn a_posterior_keeps_its_file_and_paths() {
        let s = lowered(&with_posterior(
            "file = \"p.csv\"\npaths = { lag = [\"regulator.order_deadline\"], m = [\"platform.review.moderators\"] }\n",
        ));
        assert_eq!(
            s.posterior,
            Some(PosteriorSpec {
                file: "p.csv".into(),
                paths: vec![
                    ("lag".into(), vec!["regulator.order_deadline".into()]),
                    ("m".into(), vec!["platform.review.moderators".into()]),
                ],
            })
        );
        assert_eq!(lowered(VALID).posterior, None);
    }

    #[test]
    fn posterior_paths_are_checked_for_their_shape() {
        assert_eq!(
            errors(&with_posterior(
                "file = \" \"\npaths = { a = [], b = [\"posterior.file\", \"x y\"], c = [\"platform.review.moderators\"], d = [\"platform.review.moderators\"] }\n"
            )),
            [
                "posterior.file: expected the path of a posterior.csv written by `modsim calibrate`",
                "posterior.paths.a: column `a` sets no path",
                "posterior.paths.b[0]: `posterior.file` is not a parameter a posterior can set",
                "posterior.paths.b[1]: `x y` is not a path (for example playbook.cleanup or platform.review.accuracy)",
                "posterior.paths.d[0]: `platform.review.moderators` is set by column `c` already",
            ]
        );
        assert_eq!(
            errors(&with_posterior("file = \"p.csv\"\n")),
            ["posterior.paths: the posterior sets no path in this scenario"]
        );
    }
}
