//! Lowering of `[regulator]`: the escalation ladder and its triggers; how blocks end is
//! in `lifting.rs`.

use chrono::NaiveDateTime;

use super::Lowerer;
use crate::engine::{DurationDist, SimDuration};
use crate::scenario::diagnostic::nearest;
use crate::scenario::raw::{RawRegulator, RawStep, RawTrigger};
use crate::scenario::{Condition, EscalationStep, LiftPath, Regulator, Sanction, Trigger, UnblockRule};

/// What every ladder step's lowering needs from the rest of the file.
struct StepContext<'a> {
    steps: &'a [&'a str],
    actions: &'a [&'a str],
    start: Option<NaiveDateTime>,
    /// The regulator's unblock rule, which block steps complete theirs from; `None`
    /// when it has errors of its own.
    unblock: Option<&'a UnblockRule>,
    /// The lifting paths the file configures.
    configured: &'a [LiftPath],
}

impl Lowerer {
    /// The `[regulator]` table; `steps`, `actions` and `events` are the names of the
    /// ladder steps, playbook actions and outside events, which its entries refer to.
    pub(super) fn regulator(
        &mut self,
        raw: &RawRegulator,
        steps: &[&str],
        actions: &[&str],
        events: &[&str],
        start: Option<NaiveDateTime>,
    ) -> Option<Regulator> {
        let order_deadline = self.positive_duration("regulator.order_deadline", &raw.order_deadline);
        let urgent_order_deadline = match &raw.urgent_order_deadline {
            Some(s) => self.positive_duration("regulator.urgent_order_deadline", s),
            None => order_deadline,
        };
        if raw.ladder.is_empty() {
            self.error("regulator.ladder", "expected at least one escalation step");
        }
        let unblock = self.unblock(&raw.unblock, steps, actions);
        let court = raw.court.as_ref().map(|c| self.court(c));
        let backdown = raw.backdown.as_ref().map(|b| self.backdown(b, start, events));
        let mistake = raw.mistake.as_ref().map(|m| self.mistake(m));
        let mut configured = vec![LiftPath::Compliance];
        for (path, given) in [
            (LiftPath::Court, court.is_some()),
            (LiftPath::Backdown, backdown.is_some()),
            (LiftPath::Mistake, mistake.is_some()),
        ] {
            if given {
                configured.push(path);
            }
        }
        let context =
            StepContext { steps, actions, start, unblock: unblock.as_ref(), configured: &configured };
        let ladder: Vec<Option<EscalationStep>> = raw
            .ladder
            .iter()
            .enumerate()
            .map(|(i, s)| self.step(&format!("regulator.ladder[{i}]"), i, s, &context))
            .collect();
        Some(Regulator {
            crawler_samples_per_day: self.non_negative(
                "regulator.crawler_samples_per_day",
                raw.crawler_samples_per_day.unwrap_or(0.0),
            ),
            complaints_per_violating_view: self.non_negative(
                "regulator.complaints_per_violating_view",
                raw.complaints_per_violating_view.unwrap_or(0.0),
            ),
            order_preparation: self.dist("regulator.order_preparation", &raw.order_preparation)?,
            order_deadline: order_deadline?,
            urgent_order_deadline: urgent_order_deadline?,
            ladder: ladder.into_iter().collect::<Option<Vec<_>>>()?,
            unblock: unblock?,
            court: court.map(|c| c.ok_or(())).transpose().ok()?,
            backdown: backdown.map(|b| b.ok_or(())).transpose().ok()?,
            mistake: mistake.map(|m| m.ok_or(())).transpose().ok()?,
        })
    }

    fn step(&mut self, key: &str, index: usize, raw: &RawStep, cx: &StepContext) -> Option<EscalationStep> {
        let block = self.block_parts(key, raw, cx.steps, cx.actions);
        let sanction = match raw.kind.as_str() {
            "warning" => Some(Sanction::Warning),
            "fine" => match raw.amount {
                Some(a) => Some(Sanction::Fine { amount: self.non_negative(&format!("{key}.amount"), a) }),
                None => {
                    self.error(key, "a fine step needs `amount`");
                    None
                }
            },
            "throttle" => match raw.access {
                Some(a) => {
                    let duration = match &raw.duration {
                        Some(d) => Some(self.positive_duration(&format!("{key}.duration"), d)?),
                        None => None,
                    };
                    Some(Sanction::Throttle { access: self.share(&format!("{key}.access"), a), duration })
                }
                None => {
                    self.error(key, "a throttle step needs `access` (the share of users who keep access)");
                    None
                }
            },
            "block" => match (block, cx.unblock) {
                (Some(parts), Some(default)) => {
                    Some(Sanction::Block(Box::new(self.block_spec(key, parts, default, cx.configured))))
                }
                _ => None,
            },
            other => {
                let kinds = ["warning", "fine", "throttle", "block"];
                let help = match nearest(other, kinds) {
                    Some(k) => format!("did you mean \"{k}\"?"),
                    None => "expected one of: warning, fine, throttle, block".into(),
                };
                self.error_with_help(format!("{key}.kind"), format!("unknown step kind \"{other}\""), help);
                None
            }
        };
        if raw.amount.is_some() && raw.kind != "fine" {
            self.error(
                format!("{key}.amount"),
                format!("`amount` applies to fine steps, not to a {}", raw.kind),
            );
        }
        if raw.access.is_some() && raw.kind != "throttle" {
            self.error(
                format!("{key}.access"),
                format!("`access` applies to throttle steps, not to a {}", raw.kind),
            );
        }
        let trigger =
            self.trigger(&format!("{key}.trigger"), index, &raw.trigger, cx.steps, cx.actions, cx.start);
        Some(EscalationStep { name: raw.name.clone(), sanction: sanction?, trigger: trigger? })
    }

    fn trigger(
        &mut self,
        key: &str,
        index: usize,
        raw: &RawTrigger,
        steps: &[&str],
        actions: &[&str],
        start: Option<NaiveDateTime>,
    ) -> Option<Trigger> {
        let kinds =
            [raw.findings.is_some(), raw.missed_orders.is_some(), raw.after_step.is_some(), raw.at.is_some()];
        if kinds.iter().filter(|k| **k).count() != 1 {
            self.error_with_help(
                key,
                "expected exactly one condition",
                "use one of `findings` + `within`, `missed_orders` + `within`, `after_step` + `wait`, or `at`".into(),
            );
            return None;
        }
        let within = |this: &mut Self| match &raw.within {
            Some(w) => this.positive_duration(&format!("{key}.within"), w),
            None => {
                this.error(key, "a count condition needs `within` (the trailing window, e.g. \"7d\")");
                None
            }
        };
        let condition = if let Some(count) = raw.findings {
            Condition::Findings { count: count.max(1), within: within(self)? }
        } else if let Some(count) = raw.missed_orders {
            Condition::MissedOrders { count: count.max(1), within: within(self)? }
        } else if let Some(name) = &raw.after_step {
            let step = self.reference(&format!("{key}.after_step"), name, steps, "escalation step")?;
            if step >= index {
                self.error(
                    format!("{key}.after_step"),
                    format!("step \"{name}\" does not come before this one, so this step could never fire"),
                );
                return None;
            }
            let wait = match &raw.wait {
                Some(w) => self.dist(&format!("{key}.wait"), w)?,
                None => DurationDist::fixed(SimDuration::ZERO),
            };
            Condition::AfterStep { step, wait }
        } else {
            let at = raw.at.as_ref()?;
            Condition::At(self.instant(&format!("{key}.at"), at, start)?)
        };
        if raw.within.is_some()
            && !matches!(condition, Condition::Findings { .. } | Condition::MissedOrders { .. })
        {
            self.error(
                format!("{key}.within"),
                "`within` applies to `findings` and `missed_orders` conditions",
            );
        }
        if raw.wait.is_some() && !matches!(condition, Condition::AfterStep { .. }) {
            self.error(format!("{key}.wait"), "`wait` applies to `after_step` conditions");
        }
        let unless: Vec<Option<usize>> = raw
            .unless
            .iter()
            .enumerate()
            .map(|(i, a)| self.reference(&format!("{key}.unless[{i}]"), a, actions, "playbook action"))
            .collect();
        Some(Trigger { condition, unless: unless.into_iter().collect::<Option<Vec<_>>>()? })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_errors, edited, errors, lowered};
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn the_ladder_and_unblock_rule_refer_to_steps_and_actions_by_index() {
        let r = lowered(&edited(&[])).regulator;
        assert_eq!(r.urgent_order_deadline, r.order_deadline);
        assert_eq!((r.crawler_samples_per_day, r.complaints_per_violating_view), (0.0, 0.0));
        assert_eq!(r.ladder[0].sanction, Sanction::Warning);
        assert!(matches!(r.ladder[0].trigger.condition, Condition::At(SimTime(ms)) if ms == 5 * 86_400_000));
        let Sanction::Block(spec) = &r.ladder[1].sanction else { panic!("a block step") };
        assert_eq!(spec.lifted_by, [LiftPath::Compliance], "no other path configured");
        assert_eq!((spec.cut_off, spec.stops_installs, spec.ordered_by.as_str()), (1.0, false, "regulator"));
        assert_eq!(spec.unblock, r.unblock, "the regulator's rule unless the step has its own");
        assert!(matches!(
            r.ladder[1].trigger.condition,
            Condition::AfterStep { step: 0, wait: DurationDist::Fixed(SimDuration(ms)) } if ms == 2 * 86_400_000
        ));
        assert_eq!(r.ladder[1].trigger.unless, [1]);
        assert_eq!(r.unblock.required_actions, [0, 1]);
        assert_eq!((r.unblock.max_prevalence, r.unblock.restart_at), (0.001, Some(0)));
        assert_eq!(r.unblock.verification_period, SimDuration(2 * 86_400_000));
    }

    #[test]
    fn a_dated_trigger_counts_from_the_start() {
        let r = lowered(&edited(&[
            "scenario.start=\"2018-07-01\"",
            "regulator.ladder[0].trigger.at=\"2018-07-04\"",
        ]))
        .regulator;
        assert!(matches!(r.ladder[0].trigger.condition, Condition::At(SimTime(ms)) if ms == 3 * 86_400_000));
    }

    #[test]
    fn bad_steps_and_triggers_are_refused_under_their_keys() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["regulator.ladder[1].kind=\"fine\""], &["regulator.ladder[1]: a fine step needs `amount`"]),
            (
                &["regulator.ladder[0].amount=5"],
                &["regulator.ladder[0].amount: `amount` applies to fine steps, not to a warning"],
            ),
            (&["regulator.ladder[1].kind=\"blok\""], &["regulator.ladder[1].kind: unknown step kind \"blok\""]),
            (
                &["regulator.ladder[1].kind=\"throttle\""],
                &["regulator.ladder[1]: a throttle step needs `access` (the share of users who keep access)"],
            ),
            (&["regulator.ladder[0].trigger.findings=3"], &["regulator.ladder[0].trigger: expected exactly one condition"]),
            (
                &["regulator.ladder[0].trigger={ findings = 2 }"],
                &["regulator.ladder[0].trigger: a count condition needs `within` (the trailing window, e.g. \"7d\")"],
            ),
            (
                &["regulator.ladder[0].trigger={ after_step = \"block\" }"],
                &["regulator.ladder[0].trigger.after_step: step \"block\" does not come before this one, so this step could never fire"],
            ),
            (
                &["regulator.ladder[0].trigger.wait=\"1d\""],
                &["regulator.ladder[0].trigger.wait: `wait` applies to `after_step` conditions"],
            ),
            (
                &["regulator.unblock.restart_ladder_at=\"warn\""],
                &["regulator.unblock.restart_ladder_at: there is no escalation step named \"warn\""],
            ),
        ];
        check_errors(cases);
    }

    #[test]
    fn every_unknown_action_is_reported() {
        let mut found = errors(&edited(&[
            "regulator.ladder[1].trigger.unless=[\"comitment\"]",
            "regulator.unblock.required_actions=[\"cleanup\", \"apology\"]",
        ]));
        found.sort();
        assert_eq!(
            found,
            [
                "regulator.ladder[1].trigger.unless[0]: there is no playbook action named \"comitment\"",
                "regulator.unblock.required_actions[1]: there is no playbook action named \"apology\"",
            ]
        );
    }
}
