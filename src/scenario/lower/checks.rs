//! Semantic checks across entries or sections: names used twice, blocks that could
//! never be lifted, and dated steps and required actions beyond the horizon.

use super::Lowerer;
use crate::engine::{DurationDist, SimDuration};
use crate::scenario::raw::RawScenario;
use crate::scenario::units::date_after;
use crate::scenario::{ActionTrigger, Condition, LiftPath, Sanction, Scenario};

impl Lowerer {
    /// Each name of a list (entries under `key`) is used once.
    /// Names and descriptions reach terminals, reports and charts: a control
    /// character (an escape sequence, a NUL that makes an SVG invalid) has no place in
    /// them. Descriptions may span lines; names may not.
    pub(super) fn printable_texts(&mut self, raw: &RawScenario) {
        let mut texts: Vec<(String, &str, bool)> = vec![
            ("scenario.name".into(), &raw.scenario.name, false),
            ("scenario.description".into(), &raw.scenario.description, true),
        ];
        for (i, c) in raw.platform.categories.iter().enumerate() {
            texts.push((format!("platform.categories[{i}].name"), &c.name, false));
        }
        for (i, step) in raw.regulator.ladder.iter().enumerate() {
            texts.push((format!("regulator.ladder[{i}].name"), &step.name, false));
        }
        for (i, action) in raw.playbook.iter().enumerate() {
            texts.push((format!("playbook[{i}].name"), &action.name, false));
        }
        for (i, v) in raw.variants.iter().enumerate() {
            texts.push((format!("variants[{i}].name"), &v.name, false));
            texts.push((format!("variants[{i}].description"), &v.description, true));
        }
        for (key, text, multiline) in texts {
            self.printable(key, text, multiline);
        }
    }

    /// Whether `text` at `key` is printable (line breaks and tabs allowed when
    /// `multiline`); records an error naming the first control character if not.
    pub(super) fn printable(&mut self, key: impl Into<String>, text: &str, multiline: bool) -> bool {
        let bad = text.chars().find(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t' | '\r')));
        if let Some(c) = bad {
            self.error(key, format!("contains the control character U+{:04X}; use printable text", c as u32));
        }
        bad.is_none()
    }

    pub(super) fn unique_names(&mut self, key: &str, names: &[&str]) {
        self.unique_names_across(&[(key, names)]);
    }

    /// Each name is used once over several lists (entries under each key): actions,
    /// ladder steps and outside events share one space of names, which `on` refers to.
    pub(super) fn unique_names_across(&mut self, lists: &[(&str, &[&str])]) {
        let mut seen: Vec<&str> = Vec::new();
        for (key, names) in lists {
            for (i, name) in names.iter().enumerate() {
                if seen.contains(name) {
                    self.error(format!("{key}[{i}].name"), format!("the name \"{name}\" is used twice"));
                }
                seen.push(name);
            }
        }
    }

    /// A block pauses the ladder, so an action needed to lift it must be set in motion
    /// by something that can happen while the platform is blocked.
    pub(super) fn blocks_can_end(&mut self, s: &Scenario) {
        let ladder = &s.regulator.ladder;
        let Some((first_block, spec)) = ladder.iter().enumerate().find_map(|(j, st)| match &st.sanction {
            Sanction::Block(spec) => Some((j, spec)),
            _ => None,
        }) else {
            return;
        };
        // A step's own rule is told under its own key.
        let rule_key = if spec.unblock == s.regulator.unblock {
            "regulator.unblock".to_string()
        } else {
            format!("regulator.ladder[{first_block}].unblock")
        };
        let no_findings =
            s.regulator.crawler_samples_per_day == 0.0 && s.regulator.complaints_per_violating_view == 0.0;
        // Another lifting path can end a block whose required actions never come.
        let compliance_only = spec.lifted_by == [LiftPath::Compliance];
        for (i, &a) in spec.unblock.required_actions.iter().enumerate().filter(|_| compliance_only) {
            let action = &s.playbook[a];
            if !during_block(s, action.on, first_block, no_findings) {
                self.error_with_help(
                    format!("{rule_key}.required_actions[{i}]"),
                    format!(
                        "the block could never be lifted: \"{}\" can only start after the block ends",
                        action.name
                    ),
                    "set it in motion on the block step, an earlier step, \"start\" or \"first_order\""
                        .into(),
                );
            }
        }
        let restart = match spec.unblock.restart_at {
            Some(restart) if restart <= first_block => {
                format!("the ladder restarts at \"{}\"", ladder[restart].name)
            }
            Some(_) => return,
            None => "the ladder does not restart".into(),
        };
        for (j, step) in ladder.iter().enumerate().skip(first_block + 1) {
            self.warning(
                format!("regulator.ladder[{j}]"),
                format!(
                    "step \"{}\" comes after the block \"{}\" and {restart}, so it can never fire",
                    step.name, ladder[first_block].name
                ),
            );
        }
    }
}

impl Lowerer {
    /// A ladder step dated after the horizon, or a required action that takes effect
    /// at a fixed time after it, can never happen within the run: legal (a longer
    /// `--set scenario.horizon` reaches it) but almost surely a mistake.
    pub(super) fn dated_within_horizon(&mut self, s: &Scenario) {
        let when = |t: SimDuration| match s.start {
            Some(start) => date_after(start, t),
            None => format!("day {}", days(t)),
        };
        let end =
            format!("after the horizon ends on {}: it can never happen within the horizon", when(s.horizon));
        let dated = |i: usize| match s.regulator.ladder[i].trigger.condition {
            Condition::At(t) => Some(SimDuration(t.0)),
            _ => None,
        };
        for (i, step) in s.regulator.ladder.iter().enumerate() {
            if let Some(t) = dated(i).filter(|t| *t > s.horizon) {
                self.warning(
                    format!("regulator.ladder[{i}].trigger.at"),
                    format!("step \"{}\" comes on {}, {end}", step.name, when(t)),
                );
            }
        }
        for (i, &a) in s.regulator.unblock.required_actions.iter().enumerate() {
            let action = &s.playbook[a];
            let DurationDist::Fixed(delay) = action.delay else { continue };
            let set_off = match action.on {
                ActionTrigger::Start => Some(SimDuration::ZERO),
                ActionTrigger::Step(j) => dated(j),
                _ => None,
            };
            if let Some(t) =
                set_off.map(|t| SimDuration(t.0.saturating_add(delay.0))).filter(|t| *t > s.horizon)
            {
                self.warning(
                    format!("regulator.unblock.required_actions[{i}]"),
                    format!("the required action \"{}\" takes effect on {}, {end}", action.name, when(t)),
                );
            }
        }
    }
}

/// Whether `on` can happen while the first block is in force: the start, the first
/// order (if findings can come), a step up to the block, the block's own length or
/// cost, or an action or outside event set in motion by one of these.
fn during_block(s: &Scenario, mut on: ActionTrigger, first_block: usize, no_findings: bool) -> bool {
    // A chain longer than every entry loops (refused elsewhere).
    for _ in 0..=s.playbook.len() + s.events.len() {
        match on {
            ActionTrigger::Start | ActionTrigger::BlockedFor(_) | ActionTrigger::RevenueLost(_) => {
                return true
            }
            ActionTrigger::FirstOrder => return !no_findings,
            ActionTrigger::Step(j) => return j <= first_block,
            ActionTrigger::Action(a) => on = s.playbook[a].on,
            ActionTrigger::Event(e) => on = s.events[e].on,
        }
    }
    false
}

/// Whole days, or days with their fraction when not whole ("day 400", "day 2.5").
fn days(t: SimDuration) -> String {
    let d = t.as_days_f64();
    if d.fract() == 0.0 {
        format!("{d:.0}")
    } else {
        format!("{d:.2}").trim_end_matches('0').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{edited, errors, lowered, only_warnings, recorded, warnings};
    use super::*;

    /// A ladder of a warning, a block and a warning after it; the unblock needs the
    /// two actions of the playbook.
    fn with_step_after_block() -> Scenario {
        let mut s = lowered(&edited(&[]));
        let mut after = s.regulator.ladder[0].clone();
        after.name = "after-block".into();
        s.regulator.ladder.push(after);
        s
    }

    #[test]
    fn names_used_twice_are_refused() {
        let mut lowerer = Lowerer::default();
        lowerer.unique_names("x", &["a", "b", "a", "c", "a"]);
        assert_eq!(
            recorded(&lowerer),
            ["x[2].name: the name \"a\" is used twice", "x[4].name: the name \"a\" is used twice"]
        );
        // The references to the renamed action fail as well, after the duplicate.
        let found = errors(&edited(&["playbook[1].name=\"cleanup\""]));
        assert_eq!(found[0], "playbook[1].name: the name \"cleanup\" is used twice", "{found:?}");
    }

    #[test]
    fn a_block_that_can_end_passes() {
        let mut lowerer = Lowerer::default();
        lowerer.blocks_can_end(&lowered(&edited(&[])));
        assert!(recorded(&lowerer).is_empty());
    }

    #[test]
    fn an_unblock_action_that_starts_after_the_block_is_refused() {
        let mut s = with_step_after_block();
        s.playbook[1].on = ActionTrigger::Step(2);
        let mut lowerer = Lowerer::default();
        lowerer.blocks_can_end(&s);
        assert_eq!(
            recorded(&lowerer),
            [
                "regulator.unblock.required_actions[1]: the block could never be lifted: \"commitment\" can only start after the block ends",
                "regulator.ladder[2]: step \"after-block\" comes after the block \"block\" and the ladder restarts at \"warning\", so it can never fire",
            ]
        );
        assert!(!only_warnings(&lowerer));
    }

    #[test]
    fn the_first_order_needs_findings_to_come() {
        let mut s = lowered(&edited(&[]));
        s.playbook[0].on = ActionTrigger::FirstOrder;
        let mut lowerer = Lowerer::default();
        lowerer.blocks_can_end(&s);
        assert_eq!(
            recorded(&lowerer),
            ["regulator.unblock.required_actions[0]: the block could never be lifted: \"cleanup\" can only start after the block ends"]
        );
        s.regulator.crawler_samples_per_day = 10.0;
        let mut lowerer = Lowerer::default();
        lowerer.blocks_can_end(&s);
        assert!(recorded(&lowerer).is_empty());
    }

    #[test]
    fn steps_after_the_block_fire_when_the_ladder_restarts_past_it() {
        let restarting_at = |restart_at: Option<usize>| {
            let mut s = with_step_after_block();
            for step in &mut s.regulator.ladder {
                if let Sanction::Block(spec) = &mut step.sanction {
                    spec.unblock.restart_at = restart_at;
                }
            }
            let mut lowerer = Lowerer::default();
            lowerer.blocks_can_end(&s);
            recorded(&lowerer)
        };
        assert!(restarting_at(Some(2)).is_empty());
        let never = restarting_at(None);
        assert_eq!(never.len(), 1, "{never:?}");
        assert!(never[0].contains("and the ladder does not restart, so it can never fire"), "{never:?}");
    }

    #[test]
    fn steps_and_required_actions_dated_after_the_horizon_are_warned_about() {
        assert_eq!(
            warnings(&edited(&["regulator.ladder.warning.trigger.at=\"40d\"", "playbook.cleanup.on=\"start\"", "playbook.cleanup.delay=\"31.5d\""])),
            [
                "regulator.ladder[0].trigger.at: step \"warning\" comes on day 40, after the horizon ends on day 30: it can never happen within the horizon",
                "regulator.unblock.required_actions[0]: the required action \"cleanup\" takes effect on day 31.5, after the horizon ends on day 30: it can never happen within the horizon",
            ]
        );
        // With a start date, the dates; an action on a date is set off from the start.
        assert_eq!(
            warnings(&edited(&[
                "scenario.start=\"2018-07-01\"",
                "regulator.ladder.warning.trigger.at=\"2018-07-05\"",
                "playbook.commitment.on=\"2018-08-15\"",
                "playbook.commitment.delay=\"0s\"",
            ]).replace("delay = \"0s\"", "")),
            ["regulator.unblock.required_actions[1]: the required action \"commitment\" takes effect on 2018-08-15, after the horizon ends on 2018-07-31: it can never happen within the horizon"]
        );
        // Within the horizon, or at its very end: nothing to say.
        assert!(warnings(&edited(&["regulator.ladder.warning.trigger.at=\"30d\""])).is_empty());
    }

    #[test]
    fn the_unreachable_unblock_of_the_malformed_corpus_is_refused() {
        let text = include_str!("../../../tests/malformed/unblock-unreachable.toml");
        assert_eq!(
            errors(text),
            ["regulator.unblock.required_actions[1]: the block could never be lifted: \"commitment\" can only start after the block ends"]
        );
    }
}
