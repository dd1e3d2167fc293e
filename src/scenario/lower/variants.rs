//! Lowering of `[[variants]]`: named sets of overrides, checked for their names and
//! paths here and applied (and so validated in full) only when a variant is loaded.

use super::Lowerer;
use crate::scenario::raw::RawVariant;
use crate::scenario::{Override, VariantSpec};

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
                let overrides = v
                    .set
                    .iter()
                    .filter_map(|(path, value)| {
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
                        Some(Override { path: path.clone(), value: value.to_string() })
                    })
                    .collect();
                VariantSpec { name: v.name.clone(), description: v.description.clone(), overrides }
            })
            .collect()
    }
}
