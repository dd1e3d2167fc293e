//! Lowering of `[[playbook]]`: the platform's actions and their effects (what sets
//! each in motion is lowered in `events.rs`).

use chrono::NaiveDateTime;

use super::events::Names;
use super::Lowerer;
use crate::scenario::diagnostic::nearest;
use crate::scenario::raw::{RawAction, ACTION_KINDS};
use crate::scenario::{Action, Effect};

impl Lowerer {
    /// One `[[playbook]]` entry; `names` are what its `on` may refer to.
    pub(super) fn action(
        &mut self,
        key: &str,
        raw: &RawAction,
        names: &Names,
        start: Option<NaiveDateTime>,
    ) -> Option<Action> {
        let on = self.on_and_delay(key, &raw.on, raw.delay.as_ref(), names, start);
        let probability = self.probability(key, raw.probability);
        let params: [(&str, bool, &str); 6] = [
            ("items_per_day", raw.items_per_day.is_some(), "cleanup"),
            ("moderators", raw.moderators.is_some(), "hire_moderators"),
            ("recall", raw.recall.is_some(), "improve_detection"),
            ("views_factor", raw.views_factor.is_some(), "age_gate"),
            ("handling_factor", raw.handling_factor.is_some(), "local_office"),
            ("compliance_probability", raw.compliance_probability.is_some(), "local_office"),
        ];
        for (name, given, kind) in params {
            if given && raw.kind != kind {
                self.error(
                    format!("{key}.{name}"),
                    format!("`{name}` applies to {kind} actions, not to {}", raw.kind),
                );
            }
        }
        let need = |this: &mut Self, name: &str, v: Option<f64>| -> Option<f64> {
            if v.is_none() {
                this.error(key, format!("a {} action needs `{name}`", raw.kind));
            }
            v
        };
        let effect = match raw.kind.as_str() {
            "cleanup" => {
                let rate = need(self, "items_per_day", raw.items_per_day)?;
                if !(rate > 0.0 && rate.is_finite()) {
                    self.error(
                        format!("{key}.items_per_day"),
                        format!("expected a rate above 0, found {rate}"),
                    );
                }
                Some(Effect::Cleanup { items_per_day: rate })
            }
            "hire_moderators" => Some(Effect::HireModerators {
                moderators: need(self, "moderators", raw.moderators.map(f64::from))? as u32,
            }),
            "improve_detection" => {
                let r = need(self, "recall", raw.recall)?;
                Some(Effect::ImproveDetection { recall: self.share(&format!("{key}.recall"), r) })
            }
            "age_gate" => {
                let f = need(self, "views_factor", raw.views_factor)?;
                Some(Effect::AgeGate { views_factor: self.share(&format!("{key}.views_factor"), f) })
            }
            "local_office" => {
                if raw.handling_factor.is_none() && raw.compliance_probability.is_none() {
                    self.error(
                        key,
                        "a local_office action needs `handling_factor`, `compliance_probability` or both",
                    );
                    return None;
                }
                let f = raw.handling_factor.unwrap_or(1.0);
                Some(Effect::LocalOffice {
                    handling_factor: self.non_negative(&format!("{key}.handling_factor"), f),
                    compliance_probability: raw
                        .compliance_probability
                        .map(|p| self.share(&format!("{key}.compliance_probability"), p)),
                })
            }
            "register" => Some(Effect::Register),
            "commitment" => Some(Effect::Commitment),
            "meeting" => Some(Effect::Meeting),
            other => {
                let help = match nearest(other, ACTION_KINDS) {
                    Some(k) => format!("did you mean \"{k}\"?"),
                    None => format!("expected one of: {}", ACTION_KINDS.join(", ")),
                };
                self.error_with_help(format!("{key}.kind"), format!("unknown action kind \"{other}\""), help);
                None
            }
        };
        let (on, delay) = on?;
        Some(Action {
            name: raw.name.clone(),
            on,
            delay,
            probability,
            repeat: raw.repeat.unwrap_or(false),
            cost: self.non_negative(&format!("{key}.cost"), raw.cost.unwrap_or(0.0)),
            effect: effect?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_errors, edited, errors, lowered};
    use super::*;
    use crate::scenario::ActionTrigger;

    /// The valid scenario starting on 1 July 2018, its commitment on `date`.
    fn commitment_on(date: &str) -> String {
        edited(&["scenario.start=\"2018-07-01\""])
            .replace("on = \"block\"\ndelay = \"3d\"", &format!("on = \"{date}\""))
    }

    #[test]
    fn actions_start_on_a_step_with_their_effect() {
        let playbook = lowered(&edited(&[])).playbook;
        let cleanup = &playbook[0];
        assert_eq!((cleanup.on, cleanup.cost), (ActionTrigger::Step(1), 500.0));
        assert_eq!(cleanup.effect, Effect::Cleanup { items_per_day: 250.0 });
        assert_eq!(cleanup.delay.mean_secs(), 86_400.0);
        assert_eq!((&playbook[1].effect, playbook[1].cost), (&Effect::Commitment, 0.0));
    }

    #[test]
    fn an_action_on_a_date_starts_then() {
        let playbook = lowered(&commitment_on("2018-07-04")).playbook;
        assert_eq!(playbook[1].on, ActionTrigger::Start);
        assert_eq!(playbook[1].delay.mean_secs(), 3.0 * 86_400.0);
        assert_eq!(
            errors(&commitment_on("2018-06-30")),
            ["playbook[1].on: 2018-06-30 00:00:00 is before the scenario start 2018-07-01 00:00:00"]
        );
        assert_eq!(
            errors(&edited(&["scenario.start=\"2018-07-01\"", "playbook[1].on=\"2018-07-04\""])),
            ["playbook[1].delay: an action on a date takes no `delay` (other than \"0s\")"]
        );
        // A variant moves an action from a delay to a date by zeroing the delay.
        let moved = lowered(&edited(&[
            "scenario.start=\"2018-07-01\"",
            "playbook[1].on=\"2018-07-04\"",
            "playbook[1].delay=\"0s\"",
        ]));
        assert_eq!(moved.playbook[1].delay.mean_secs(), 3.0 * 86_400.0);
    }

    #[test]
    fn an_action_on_a_bare_date_or_date_time_starts_then() {
        for (bare, days) in [("2018-07-04", 3.0), ("2018-07-04T12:00:00", 3.5)] {
            let text = commitment_on(bare).replace(&format!("on = \"{bare}\""), &format!("on = {bare}"));
            assert!(text.contains(&format!("on = {bare}\n")), "{text}");
            let playbook = lowered(&text).playbook;
            assert_eq!(playbook[1].on, ActionTrigger::Start);
            assert_eq!(playbook[1].delay.mean_secs(), days * 86_400.0, "{bare}");
        }
        // Other types still name what `on` takes.
        let text = edited(&[]).replace("on = \"block\"\ndelay = \"3d\"", "on = 5");
        assert_eq!(
            errors(&text),
            ["playbook[1].on: invalid type: integer `5`, expected text in quotes, a date or a table such as { blocked_for = \"30d\" }"]
        );
    }

    #[test]
    fn bad_actions_are_refused_under_their_keys() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["playbook[1].on=\"blok\""], &["playbook[1].on: no trigger named \"blok\""]),
            (&["playbook[1].kind=\"comitment\""], &["playbook[1].kind: unknown action kind \"comitment\""]),
            (
                &["playbook[1].recall=0.5"],
                &["playbook[1].recall: `recall` applies to improve_detection actions, not to commitment"],
            ),
            (
                &["playbook[1].kind=\"hire_moderators\""],
                &["playbook[1]: a hire_moderators action needs `moderators`"],
            ),
            (
                &["playbook[0].items_per_day=0"],
                &["playbook[0].items_per_day: expected a rate above 0, found 0"],
            ),
        ];
        check_errors(cases);
    }

    #[test]
    fn a_local_office_changes_handling_compliance_or_both() {
        let office = |keys: &str| {
            edited(&[]).replace("kind = \"commitment\"", &format!("kind = \"local_office\"\n{keys}"))
        };
        let effect = |keys: &str| lowered(&office(keys)).playbook[1].effect.clone();
        assert_eq!(
            effect("compliance_probability = 0.9"),
            Effect::LocalOffice { handling_factor: 1.0, compliance_probability: Some(0.9) }
        );
        assert_eq!(
            effect("handling_factor = 0.5"),
            Effect::LocalOffice { handling_factor: 0.5, compliance_probability: None }
        );
        assert_eq!(
            errors(&office("")),
            ["playbook[1]: a local_office action needs `handling_factor`, `compliance_probability` or both"]
        );
        assert_eq!(
            errors(&office("compliance_probability = 2")),
            ["playbook[1].compliance_probability: expected a share between 0 and 1, found 2"]
        );
        check_errors(&[(
            &["playbook[0].compliance_probability=1"],
            &["playbook[0].compliance_probability: `compliance_probability` applies to local_office actions, not to cleanup"],
        )]);
        let meeting = lowered(&edited(&["playbook[1].kind=\"meeting\""]));
        assert_eq!(meeting.playbook[1].effect, Effect::Meeting);
    }
}
