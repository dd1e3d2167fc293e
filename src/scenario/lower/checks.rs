//! Semantic checks across entries or sections: names used twice, and blocks that
//! could never be lifted.

use super::Lowerer;
use crate::scenario::{ActionTrigger, Sanction, Scenario};

impl Lowerer {
    /// Each name of a list (entries under `key`) is used once.
    pub(super) fn unique_names(&mut self, key: &str, names: &[&str]) {
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                self.error(format!("{key}[{i}].name"), format!("the name \"{name}\" is used twice"));
            }
        }
    }

    /// A block pauses the ladder, so an action needed to lift it must be set in motion
    /// by something that can happen while the platform is blocked.
    pub(super) fn blocks_can_end(&mut self, s: &Scenario) {
        let ladder = &s.regulator.ladder;
        let Some(first_block) = ladder.iter().position(|st| st.sanction == Sanction::Block) else {
            return;
        };
        let no_findings =
            s.regulator.crawler_samples_per_day == 0.0 && s.regulator.complaints_per_violating_view == 0.0;
        for (i, &a) in s.regulator.unblock.required_actions.iter().enumerate() {
            let action = &s.playbook[a];
            let reachable = match action.on {
                ActionTrigger::Start => true,
                ActionTrigger::FirstOrder => !no_findings,
                ActionTrigger::Step(j) => j <= first_block,
            };
            if !reachable {
                self.error_with_help(
                    format!("regulator.unblock.required_actions[{i}]"),
                    format!(
                        "the block could never be lifted: \"{}\" can only start after the block ends",
                        action.name
                    ),
                    "set it in motion on the block step, an earlier step, \"start\" or \"first_order\""
                        .into(),
                );
            }
        }
        let restart = s.regulator.unblock.restart_at;
        if restart <= first_block {
            for (j, step) in ladder.iter().enumerate().skip(first_block + 1) {
                self.warning(
                    format!("regulator.ladder[{j}]"),
                    format!(
                        "step \"{}\" comes after the block \"{}\" and the ladder restarts at \"{}\", so it can never fire",
                        step.name, ladder[first_block].name, ladder[restart].name
                    ),
                );
            }
        }
    }
}
