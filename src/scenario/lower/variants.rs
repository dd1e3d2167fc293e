//! Lowering of `[[variants]]`: named sets of overrides, checked for their names and
//! paths here and applied (and so validated in full) only when a variant is loaded.

use super::Lowerer;
use crate::scenario::overrides;
use crate::scenario::raw::RawVariant;
use crate::scenario::{Change, Override, VariantSpec};

impl Lowerer {
    /// The `[[variants]]` entries.
    pub(super) fn variants(&mut self, raw: &[RawVariant]) -> Vec<VariantSpec> {
        let names: Vec<&str> = raw.iter().map(|v| v.name.as_str()).collect();
        self.unique_names("variants", &names);
        raw.iter()
            .enumerate()
            .map(|(i, v)| {
                if v.name == "baseline" {
                    self.error(
                        format!("variants[{i}].name"),
                        "\"baseline\" names the file's own settings; choose another name",
                    );
                }
                // Deletions first, so that a variant can replace a table by another.
                let mut overrides: Vec<Override> = v
                    .unset
                    .iter()
                    .enumerate()
                    .filter_map(|(j, path)| match overrides::unset_path(path) {
                        Ok(ov) => Some(ov),
                        Err(message) => {
                            self.error(format!("variants[{i}].unset[{j}]"), message);
                            None
                        }
                    })
                    .collect();
                overrides.extend(v.set.iter().filter_map(|(path, value)| {
                    if !path.contains('.') && value.is_table() {
                        // `set = { platform.review.moderators = 1 }` is a nested
                        // table to TOML; paths must be quoted keys.
                        self.error_with_help(
                            format!("variants[{i}].set"),
                            format!("`{path}` is not a path"),
                            "quote each path: set = { \"platform.review.moderators\" = 200 }".into(),
                        );
                        return None;
                    }
                    Some(Override::set(path.clone(), value.to_string()))
                }));
                if let Some(o) = overrides.iter().find(|o| overrides::path_within(&o.path, "posterior")) {
                    let table = if o.change == Change::Unset { "unset" } else { "set" };
                    self.error(
                        format!("variants[{i}].{table}"),
                        format!("`{}`: a variant cannot change [posterior]; every variant draws from the scenario's posterior", o.path),
                    );
                }
                VariantSpec { name: v.name.clone(), description: v.description.clone(), overrides }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{errors, lowered, VALID};
    use super::*;

    /// The valid scenario with `variants` appended.
    fn with_variants(variants: &str) -> String {
        format!("{VALID}\n{variants}")
    }

    #[test]
    fn variants_keep_their_overrides_as_written() {
        let s = lowered(&with_variants(
            "[[variants]]\nname = \"more\"\ndescription = \"three moderators\"\nset = { \"platform.review.moderators\" = 3 }\n",
        ));
        assert_eq!(
            s.variants,
            [VariantSpec {
                name: "more".into(),
                description: "three moderators".into(),
                overrides: vec![Override::set("platform.review.moderators", "3")],
            }]
        );
    }

    #[test]
    fn bad_names_and_unquoted_paths_are_refused() {
        let text = with_variants(
            "[[variants]]\nname = \"baseline\"\nset = {}\n\n\
             [[variants]]\nname = \"a\"\nset = { platform.review.moderators = 3 }\n\n\
             [[variants]]\nname = \"a\"\nset = {}\n",
        );
        assert_eq!(
            errors(&text),
            [
                "variants[2].name: the name \"a\" is used twice",
                "variants[0].name: \"baseline\" names the file's own settings; choose another name",
                "variants[1].set: `platform` is not a path",
            ]
        );
    }

    #[test]
    fn a_variant_cannot_change_the_posterior() {
        let text = with_variants(
            "[[variants]]\nname = \"other\"\nset = { \"posterior.file\" = \"other.csv\" }\n\n\
             [[variants]]\nname = \"none\"\nunset = [\"posterior\"]\n",
        );
        assert_eq!(
            errors(&text),
            [
                "variants[0].set: `posterior.file`: a variant cannot change [posterior]; every variant draws from the scenario's posterior",
                "variants[1].unset: `posterior`: a variant cannot change [posterior]; every variant draws from the scenario's posterior",
            ]
        );
    }
}
