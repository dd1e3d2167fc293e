//! Money in a scenario: the currency its amounts are written in, and the costs it
//! leaves at their default of zero. What the platform pays and loses, and how the
//! amounts add up, is the cost model of `model::metrics` (docs/costs.md).
//!
//! A cost left out of the file counts as zero, which is rarely what its author meant:
//! a sweep then finds its "cheapest" point among equally free ones. So every such cost
//! is recorded here, and the commands and the report warn about it. A cost written as
//! 0 is a statement, not an omission, and is not warned about.

use super::diagnostic::{Diagnostic, Lines, Severity};
use super::lower::span_of;
use super::LoadedScenario;

/// What money figures are shown in when the scenario names no currency.
pub const CURRENCY_UNITS: &str = "currency units";

/// The longest currency name `scenario.currency` takes: a code ("USD") or a short name.
pub const MAX_CURRENCY_CHARS: usize = 16;

/// The currency of a scenario's amounts, and the costs it leaves at zero.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Money {
    pub(crate) currency: Option<String>,
    pub(crate) unpriced: Vec<Unpriced>,
    /// Whether some amount of the scenario is above zero, so its money figures need a
    /// currency to be read.
    pub(crate) priced: bool,
}

/// A cost that the scenario leaves at its default of zero although it could arise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unpriced {
    /// Its path in the file, as overrides write it (`platform.review.cost_per_moderator_day`,
    /// `playbook.cleanup.cost`).
    pub key: String,
    /// What therefore counts as zero, in words ("the cost of moderation").
    pub counts: String,
}

/// A warning about a scenario's money, for the terminal and run.json alike.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MoneyWarning {
    /// The key it concerns (`scenario.currency`, `playbook.cleanup.cost`).
    pub key: String,
    /// What follows the key: "not set, so the cost of moderation counts as zero".
    pub message: String,
}

impl MoneyWarning {
    /// The warning in one sentence: "`KEY` is not set, so ...".
    pub fn sentence(&self) -> String {
        format!("`{}` is {}", self.key, self.message)
    }
}

impl Money {
    /// The currency `scenario.currency` names, if any.
    pub fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }

    /// What money figures are shown in: the currency, or "currency units".
    pub fn unit(&self) -> &str {
        unit(self.currency())
    }

    /// The costs left at their default of zero, in file order.
    pub fn unpriced(&self) -> &[Unpriced] {
        &self.unpriced
    }

    /// What to warn about: no currency while some amount is above zero (when every
    /// amount is zero there is nothing to name), then each cost left at zero.
    pub fn warnings(&self) -> Vec<MoneyWarning> {
        let mut out = Vec::new();
        if self.currency.is_none() && self.priced {
            out.push(MoneyWarning {
                key: "scenario.currency".into(),
                message: format!("not set, so money is shown in \"{CURRENCY_UNITS}\""),
            });
        }
        out.extend(self.unpriced.iter().map(|u| MoneyWarning {
            key: u.key.clone(),
            message: format!("not set, so {} counts as zero", u.counts),
        }));
        out
    }
}

/// What money figures are shown in, for a scenario naming `currency`: the currency,
/// or "currency units" when it names none.
pub fn unit(currency: Option<&str>) -> &str {
    currency.unwrap_or(CURRENCY_UNITS)
}

/// [`Money::warnings`] of `loaded` as diagnostics, each located at its key or, for a
/// key the file leaves out, at the table it belongs in.
pub fn money_warnings(loaded: &LoadedScenario) -> Vec<Diagnostic> {
    let money = loaded.scenario.money();
    let warnings = money.warnings();
    if warnings.is_empty() {
        return Vec::new();
    }
    let price = match money.currency() {
        Some(c) => format!("set it in {c}, or to 0 to say that it is nothing"),
        None => "set it, or to 0 to say that it is nothing".to_owned(),
    };
    let doc = loaded.text.parse::<toml_edit::Document<String>>().ok();
    let lines = Lines::new(&loaded.text);
    let origin = loaded.path.display().to_string();
    warnings
        .into_iter()
        .map(|w| {
            let help = if w.key == "scenario.currency" {
                "name the currency of the file's amounts: currency = \"USD\"".to_owned()
            } else {
                price.clone()
            };
            let place = doc.as_ref().and_then(|d| span_of(d, &indexed(d, &w.key)));
            Diagnostic::new(Severity::Warning, &origin, &lines, place, w.key, w.message, Some(help))
        })
        .collect()
}

/// `key` with its playbook entry named by its index in `doc` (`playbook.cleanup.cost`
/// is `playbook[1].cost`), as [`span_of`] searches: overrides name entries by `name`.
fn indexed(doc: &toml_edit::Document<String>, key: &str) -> String {
    let Some((name, tail)) = key.strip_prefix("playbook.").and_then(|rest| rest.rsplit_once('.')) else {
        return key.to_owned();
    };
    let entries = doc.get("playbook").and_then(|p| p.as_array_of_tables());
    match entries.and_then(|e| e.iter().position(|a| a.get("name").and_then(|n| n.as_str()) == Some(name))) {
        Some(i) => format!("playbook[{i}].{tail}"),
        None => "playbook".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_currency_shows_as_currency_units() {
        assert_eq!(unit(None), "currency units");
        assert_eq!(unit(Some("EUR")), "EUR");
        let money = Money {
            currency: None,
            unpriced: vec![Unpriced {
                key: "platform.review.cost_per_moderator_day".into(),
                counts: "the cost of moderation".into(),
            }],
            priced: true,
        };
        let sentences: Vec<String> = money.warnings().iter().map(MoneyWarning::sentence).collect();
        assert_eq!(
            sentences,
            [
                "`scenario.currency` is not set, so money is shown in \"currency units\"",
                "`platform.review.cost_per_moderator_day` is not set, so the cost of moderation counts as zero"
            ]
        );
        // Nothing priced: no currency to name.
        assert_eq!(Money { priced: false, ..money }.warnings().len(), 1);
    }
}
