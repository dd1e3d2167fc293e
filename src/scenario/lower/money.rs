//! The scenario's money: `scenario.currency`, checked, and the costs the file leaves
//! at their default of zero where they could arise (see `scenario::money`).

use super::Lowerer;
use crate::scenario::money::{Money, Unpriced, MAX_CURRENCY_CHARS};
use crate::scenario::raw::RawScenario;
use crate::scenario::{ActionTrigger, Effect, Sanction, Scenario};

impl Lowerer {
    /// The currency of `raw` and the costs it leaves unset, for the scenario lowered
    /// from it.
    pub(super) fn money(&mut self, raw: &RawScenario, s: &Scenario) -> Money {
        Money {
            currency: self.currency(raw.scenario.currency.as_deref()),
            unpriced: unpriced(raw, s),
            priced: priced(s),
        }
    }

    fn currency(&mut self, written: Option<&str>) -> Option<String> {
        let currency = written?;
        let chars = currency.chars().count();
        if currency.trim().is_empty() || currency.trim() != currency || chars > MAX_CURRENCY_CHARS {
            self.error(
                "scenario.currency",
                format!(
                    "expected a currency such as \"USD\" or \"EUR\" (1 to {MAX_CURRENCY_CHARS} characters, no spaces around it), found {currency:?}"
                ),
            );
            return None;
        }
        if !self.printable("scenario.currency", currency, false) {
            return None;
        }
        Some(currency.to_owned())
    }
}

/// The costs that `raw` leaves out and that `s` could incur: moderation when there are
/// or may be moderators, revenue when a block or throttle can cut users off, and each
/// action's one-off cost. Fines need their amount, so none is ever left out.
fn unpriced(raw: &RawScenario, s: &Scenario) -> Vec<Unpriced> {
    let mut out = Vec::new();
    let mut put = |key: String, counts: String| out.push(Unpriced { key, counts });
    let cuts_users_off = s
        .regulator
        .ladder
        .iter()
        .any(|step| matches!(step.sanction, Sanction::Block(_) | Sanction::Throttle { .. }));
    if raw.platform.revenue_per_user_day.is_none() && cuts_users_off {
        put("platform.revenue_per_user_day".into(), "the revenue lost while users are cut off".into());
    }
    let hires = s.playbook.iter().any(|a| matches!(a.effect, Effect::HireModerators { .. }));
    if raw.platform.review.cost_per_moderator_day.is_none() && (s.platform.review.moderators > 0 || hires) {
        put("platform.review.cost_per_moderator_day".into(), "the cost of moderation".into());
    }
    for action in raw.playbook.iter().filter(|a| a.cost.is_none()) {
        put(
            format!("playbook.{}.cost", action.name),
            format!("the one-off cost of action `{}`", action.name),
        );
    }
    out
}

/// Whether some amount of `s` is above zero: a price, a cost, a fine or a revenue
/// figure an action waits for.
fn priced(s: &Scenario) -> bool {
    let p = &s.platform;
    p.revenue_per_user_day > 0.0
        || p.review.cost_per_moderator_day > 0.0
        || s.regulator.ladder.iter().any(|step| matches!(step.sanction, Sanction::Fine { .. }))
        || s.playbook.iter().any(|a| a.cost > 0.0 || matches!(a.on, ActionTrigger::RevenueLost(_)))
        || s.events.iter().any(|e| matches!(e.on, ActionTrigger::RevenueLost(_)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{edited, errors, lowered};
    use crate::scenario::{money, parse};

    fn unpriced(text: &str) -> Vec<String> {
        lowered(text).money().unpriced().iter().map(|u| u.key.clone()).collect()
    }

    #[test]
    fn costs_left_out_are_listed_and_costs_written_are_not() {
        // The hand-computed scenario sets revenue and the cleanup's cost only.
        assert_eq!(
            unpriced(&edited(&[])),
            ["platform.review.cost_per_moderator_day", "playbook.commitment.cost"]
        );
        let money = lowered(&edited(&[])).money().clone();
        assert!(money.priced && money.warnings()[0].key == "scenario.currency");
        // Written, even as 0, is a statement.
        let priced = edited(&["platform.review.cost_per_moderator_day=0", "playbook.commitment.cost=10"]);
        assert!(unpriced(&priced).is_empty(), "{:?}", unpriced(&priced));
    }

    #[test]
    fn a_cost_that_cannot_arise_is_not_listed() {
        // No moderators and no hiring: moderation costs nothing whatever its price.
        // No block or throttle: nobody is cut off, so no revenue is lost.
        let text = edited(&["platform.review.moderators=0", "playbook.commitment.cost=0"])
            .replace("revenue_per_user_day = 2\n", "")
            .replace("kind = \"block\"", "kind = \"warning\"");
        assert!(unpriced(&text).is_empty(), "{:?}", unpriced(&text));
        // Nothing is priced either (only the cleanup's 500 was), so no currency is asked for.
        let free = lowered(&text.replace("cost = 500", "cost = 0"));
        assert!(free.money().warnings().is_empty(), "{:?}", free.money().warnings());
        // Without the revenue line but with the block, revenue is listed.
        let text = edited(&["platform.review.moderators=0", "playbook.commitment.cost=0"])
            .replace("revenue_per_user_day = 2\n", "");
        assert_eq!(unpriced(&text), ["platform.revenue_per_user_day"]);
    }

    #[test]
    fn the_currency_is_a_short_name() {
        let s = lowered(&edited(&["scenario.currency=\"IDR\""]));
        assert_eq!((s.money().currency(), s.money().unit()), (Some("IDR"), "IDR"));
        assert_eq!(lowered(&edited(&[])).money().unit(), money::CURRENCY_UNITS);
        for bad in ["\"\"", "\" USD\"", "\"Indonesian rupiah (IDR)\""] {
            let e = errors(&edited(&[&format!("scenario.currency={bad}")]));
            assert_eq!(e.len(), 1, "{bad}: {e:?}");
            assert!(e[0].starts_with("scenario.currency: expected a currency such as \"USD\""), "{e:?}");
        }
        let e = errors(&edited(&[]).replace("seed = 7", "seed = 7\ncurrency = \"U\\u0007SD\""));
        assert_eq!(e, ["scenario.currency: contains the control character U+0007; use printable text"]);
        assert!(parse(&edited(&["scenario.currency=\"US$\""]), "t.toml").is_ok());
    }
}
