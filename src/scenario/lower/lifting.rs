//! Lowering of how blocks end and what they cut off: the compliance rule
//! (`[regulator.unblock]`, and a block step's own `unblock`), the competing lifting
//! paths (`[regulator.court]`, `[regulator.backdown]`, `[regulator.mistake]`) and the
//! keys of a block step (`lifted_by`, `cut_off`, `stops_installs`, the lags).

use chrono::NaiveDateTime;

use super::Lowerer;
use crate::engine::{DurationDist, SimDuration};
use crate::scenario::diagnostic::nearest;
use crate::scenario::raw::{
    RawBackdown, RawCourt, RawMistake, RawObserved, RawStep, RawStepUnblock, RawUnblock,
};
use crate::scenario::{Backdown, BlockSpec, Court, LiftPath, Mistake, Observed, ObservedEnd, UnblockRule};

/// What `restart_ladder_at` accepts besides a step's name.
const NO_RESTART: &str = "none";

/// A block step's lifting keys, lowered before the regulator's own unblock rule is known
/// and completed by it ([`Lowerer::block_spec`]).
pub(super) struct BlockParts {
    lifted_by: Option<Vec<LiftPath>>,
    unblock: UnblockParts,
    ordered_by: String,
    cut_off: f64,
    stops_installs: bool,
    apply_lag: DurationDist,
    lift_lag: DurationDist,
}

/// The keys of an unblock rule a file gives; the missing ones come from elsewhere.
#[derive(Default)]
struct UnblockParts {
    required_actions: Option<Vec<usize>>,
    max_prevalence: Option<f64>,
    verification_period: Option<SimDuration>,
    processing_time: Option<DurationDist>,
    restart_at: Option<Option<usize>>,
    probation: Option<SimDuration>,
}

impl Lowerer {
    /// `[regulator.unblock]`: the compliance rule of every block that names no other.
    pub(super) fn unblock(
        &mut self,
        raw: &RawUnblock,
        steps: &[&str],
        actions: &[&str],
    ) -> Option<UnblockRule> {
        let as_step = RawStepUnblock {
            required_actions: Some(raw.required_actions.clone()),
            max_prevalence: raw.max_prevalence,
            verification_period: raw.verification_period.clone(),
            processing_time: Some(raw.processing_time.clone()),
            restart_ladder_at: raw.restart_ladder_at.clone(),
            probation: raw.probation.clone(),
        };
        let parts = self.unblock_parts("regulator.unblock", &as_step, steps, actions)?;
        Some(UnblockRule {
            required_actions: parts.required_actions.unwrap_or_default(),
            max_prevalence: parts.max_prevalence.unwrap_or(1.0),
            verification_period: parts.verification_period.unwrap_or(SimDuration::ZERO),
            processing_time: parts.processing_time?,
            restart_at: parts.restart_at.unwrap_or(Some(0)),
            probation: parts.probation.unwrap_or(SimDuration::ZERO),
        })
    }

    /// The keys of an unblock rule at `key`, each checked; `None` if any is bad.
    fn unblock_parts(
        &mut self,
        key: &str,
        raw: &RawStepUnblock,
        steps: &[&str],
        actions: &[&str],
    ) -> Option<UnblockParts> {
        let required: Option<Vec<Option<usize>>> = raw.required_actions.as_ref().map(|names| {
            names
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    self.reference(&format!("{key}.required_actions[{i}]"), a, actions, "playbook action")
                })
                .collect()
        });
        let max_prevalence = raw.max_prevalence.map(|p| self.share(&format!("{key}.max_prevalence"), p));
        let verification_period =
            raw.verification_period.as_ref().map(|p| self.duration(&format!("{key}.verification_period"), p));
        let processing_time =
            raw.processing_time.as_ref().map(|d| self.dist(&format!("{key}.processing_time"), d));
        let restart_at = raw.restart_ladder_at.as_ref().map(|name| match name.as_str() {
            NO_RESTART => Some(None),
            name => {
                self.reference(&format!("{key}.restart_ladder_at"), name, steps, "escalation step").map(Some)
            }
        });
        let probation = raw.probation.as_ref().map(|p| self.duration(&format!("{key}.probation"), p));
        Some(UnblockParts {
            required_actions: match required {
                Some(list) => Some(list.into_iter().collect::<Option<Vec<_>>>()?),
                None => None,
            },
            max_prevalence,
            verification_period: verification_period.map(|v| v.ok_or(())).transpose().ok()?,
            processing_time: processing_time.map(|v| v.ok_or(())).transpose().ok()?,
            restart_at: restart_at.map(|v| v.ok_or(())).transpose().ok()?,
            probation: probation.map(|v| v.ok_or(())).transpose().ok()?,
        })
    }

    /// The lifting keys of ladder step `key`, checked whatever its kind (they apply to
    /// block steps only).
    pub(super) fn block_parts(
        &mut self,
        key: &str,
        raw: &RawStep,
        steps: &[&str],
        actions: &[&str],
    ) -> Option<BlockParts> {
        let is_block = raw.kind == "block";
        let block_keys = [
            ("lifted_by", raw.lifted_by.is_some()),
            ("unblock", raw.unblock.is_some()),
            ("ordered_by", raw.ordered_by.is_some()),
            ("cut_off", raw.cut_off.is_some()),
            ("stops_installs", raw.stops_installs.is_some()),
            ("apply_lag", raw.apply_lag.is_some()),
            ("lift_lag", raw.lift_lag.is_some()),
        ];
        for (name, given) in block_keys {
            if given && !is_block {
                self.error(
                    format!("{key}.{name}"),
                    format!("`{name}` applies to block steps, not to a {}", raw.kind),
                );
            }
        }
        let lifted_by: Option<Vec<Option<LiftPath>>> = raw.lifted_by.as_ref().map(|names| {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| self.lift_path(&format!("{key}.lifted_by[{i}]"), n))
                .collect()
        });
        if raw.lifted_by.as_ref().is_some_and(|l| l.is_empty()) {
            self.error(format!("{key}.lifted_by"), "a block needs at least one way to end");
        }
        let unblock = match &raw.unblock {
            Some(u) => self.unblock_parts(&format!("{key}.unblock"), u, steps, actions),
            None => Some(UnblockParts::default()),
        };
        let lag = |this: &mut Self, name: &str, raw: &Option<_>| match raw {
            Some(d) => this.dist(&format!("{key}.{name}"), d),
            None => Some(DurationDist::fixed(SimDuration::ZERO)),
        };
        let apply_lag = lag(self, "apply_lag", &raw.apply_lag);
        let lift_lag = lag(self, "lift_lag", &raw.lift_lag);
        Some(BlockParts {
            lifted_by: match lifted_by {
                Some(list) => Some(list.into_iter().collect::<Option<Vec<_>>>()?),
                None => None,
            },
            unblock: unblock?,
            ordered_by: raw.ordered_by.clone().unwrap_or_else(|| "regulator".into()),
            cut_off: self.share(&format!("{key}.cut_off"), raw.cut_off.unwrap_or(1.0)),
            stops_installs: raw.stops_installs.unwrap_or(false),
            apply_lag: apply_lag?,
            lift_lag: lift_lag?,
        })
    }

    /// A block step's spec: its parts completed by the regulator's unblock rule; its
    /// lifting paths must be configured by the file.
    pub(super) fn block_spec(
        &mut self,
        key: &str,
        parts: BlockParts,
        default: &UnblockRule,
        configured: &[LiftPath],
    ) -> BlockSpec {
        let u = parts.unblock;
        let unblock = UnblockRule {
            required_actions: u.required_actions.unwrap_or_else(|| default.required_actions.clone()),
            max_prevalence: u.max_prevalence.unwrap_or(default.max_prevalence),
            verification_period: u.verification_period.unwrap_or(default.verification_period),
            processing_time: u.processing_time.unwrap_or_else(|| default.processing_time.clone()),
            restart_at: u.restart_at.unwrap_or(default.restart_at),
            probation: u.probation.unwrap_or(default.probation),
        };
        let lifted_by = match parts.lifted_by {
            Some(paths) => {
                for (i, path) in paths.iter().enumerate() {
                    if !configured.contains(path) {
                        self.error(
                            format!("{key}.lifted_by[{i}]"),
                            format!(
                                "the {} path is not configured: add [regulator.{}]",
                                path.name(),
                                path.name()
                            ),
                        );
                    }
                }
                paths
            }
            None => configured.to_vec(),
        };
        BlockSpec {
            lifted_by,
            unblock,
            ordered_by: parts.ordered_by,
            cut_off: parts.cut_off,
            stops_installs: parts.stops_installs,
            apply_lag: parts.apply_lag,
            lift_lag: parts.lift_lag,
        }
    }

    /// `[observed]`: what really happened in a case. `None` (with the problems recorded)
    /// when it does not describe one outcome.
    pub(super) fn observed(&mut self, raw: &RawObserved, start: Option<NaiveDateTime>) -> Option<Observed> {
        let key = "observed";
        let at = |this: &mut Self, name: &str, v: &Option<toml::Value>| {
            v.as_ref().map(|v| this.instant(&format!("{key}.{name}"), v, start))
        };
        let block_start = at(self, "block_start", &raw.block_start);
        let restored = at(self, "access_restored", &raw.access_restored);
        let in_force = at(self, "in_force_on", &raw.in_force_on);
        let lifted_by = raw.lifted_by.as_ref().map(|p| self.lift_path(&format!("{key}.lifted_by"), p));
        if raw.sources.is_empty() {
            self.warning(format!("{key}.sources"), "an observation without sources: say where it comes from");
        }
        if raw.blocked == Some(false) {
            for (name, given) in [
                ("block_start", raw.block_start.is_some()),
                ("access_restored", raw.access_restored.is_some()),
                ("in_force_on", raw.in_force_on.is_some()),
                ("lifted_by", raw.lifted_by.is_some()),
            ] {
                if given {
                    self.error(
                        format!("{key}.{name}"),
                        format!("`{name}` describes a block, but `blocked = false`"),
                    );
                }
            }
            return Some(Observed {
                block_start: None,
                end: None,
                lifted_by: None,
                sources: raw.sources.clone(),
            });
        }
        let Some(block_start) = block_start else {
            self.error_with_help(
                key,
                "an observed block needs `block_start`",
                "give the date it took effect, or `blocked = false` for an episode without a block".into(),
            );
            return None;
        };
        let end = match (restored, in_force) {
            (Some(t), None) => ObservedEnd::Restored(t?),
            (None, Some(t)) => ObservedEnd::InForceOn(t?),
            _ => {
                self.error_with_help(
                    key,
                    "an observed block needs exactly one end",
                    "give `access_restored` (when access came back) or `in_force_on` (the last day it was known to be in force)".into(),
                );
                return None;
            }
        };
        let block_start = block_start?;
        let (ObservedEnd::Restored(t) | ObservedEnd::InForceOn(t)) = end;
        if t <= block_start {
            let name =
                if matches!(end, ObservedEnd::Restored(_)) { "access_restored" } else { "in_force_on" };
            self.error(format!("{key}.{name}"), format!("`{name}` must come after `block_start`"));
        }
        if raw.lifted_by.is_some() && matches!(end, ObservedEnd::InForceOn(_)) {
            self.error(format!("{key}.lifted_by"), "a block still in force was not lifted: drop `lifted_by`");
        }
        Some(Observed {
            block_start: Some(block_start),
            end: Some(end),
            lifted_by: lifted_by.flatten(),
            sources: raw.sources.clone(),
        })
    }

    fn lift_path(&mut self, key: &str, name: &str) -> Option<LiftPath> {
        if let Some(path) = LiftPath::ALL.into_iter().find(|p| p.name() == name) {
            return Some(path);
        }
        let names = LiftPath::ALL.map(LiftPath::name);
        let help = match nearest(name, names) {
            Some(n) => format!("did you mean \"{n}\"?"),
            None => format!("one of: {}", names.join(", ")),
        };
        self.error_with_help(key, format!("unknown lifting path \"{name}\""), help);
        None
    }

    /// `[regulator.court]`.
    pub(super) fn court(&mut self, raw: &RawCourt) -> Option<Court> {
        let key = "regulator.court";
        let appeal_delay = match &raw.appeal_delay {
            Some(d) => self.dist(&format!("{key}.appeal_delay"), d),
            None => Some(DurationDist::fixed(SimDuration::ZERO)),
        };
        let ruling_time = self.dist(&format!("{key}.ruling_time"), &raw.ruling_time);
        Some(Court {
            appeal_probability: self
                .share(&format!("{key}.appeal_probability"), raw.appeal_probability.unwrap_or(1.0)),
            appeal_delay: appeal_delay?,
            ruling_time: ruling_time?,
            lift_probability: self
                .share(&format!("{key}.lift_probability"), raw.lift_probability.unwrap_or(1.0)),
        })
    }

    /// `[regulator.backdown]`.
    pub(super) fn backdown(
        &mut self,
        raw: &RawBackdown,
        start: Option<NaiveDateTime>,
        events: &[&str],
    ) -> Option<Backdown> {
        let key = "regulator.backdown";
        if raw.after.is_none()
            && raw.rate_per_million_user_days.is_none()
            && raw.at.is_none()
            && raw.on_event.is_none()
        {
            self.error_with_help(
                key,
                "a backdown needs a time",
                "give `after` (a random duration), `rate_per_million_user_days`, `at` (a date) or `on_event`"
                    .into(),
            );
            return None;
        }
        let on_event = match &raw.on_event {
            Some(name) => Some(self.reference(&format!("{key}.on_event"), name, events, "outside event")?),
            None => None,
        };
        let after = match &raw.after {
            Some(d) => Some(self.dist(&format!("{key}.after"), d)?),
            None => None,
        };
        let at = match &raw.at {
            Some(v) => Some(self.instant(&format!("{key}.at"), v, start)?),
            None => None,
        };
        Some(Backdown {
            after,
            rate_per_million_user_days: self.non_negative(
                &format!("{key}.rate_per_million_user_days"),
                raw.rate_per_million_user_days.unwrap_or(0.0),
            ),
            at,
            on_event,
        })
    }

    /// `[regulator.mistake]`.
    pub(super) fn mistake(&mut self, raw: &RawMistake) -> Option<Mistake> {
        let key = "regulator.mistake";
        let probability = self.share(&format!("{key}.probability"), raw.probability);
        Some(Mistake {
            probability,
            corrected_after: self.dist(&format!("{key}.corrected_after"), &raw.corrected_after)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{edited, errors, lowered};
    use super::*;
    use crate::engine::SimTime;

    /// The valid scenario, starting on 1 July 2018, with an `[observed]` table.
    fn observed(table: &str) -> String {
        format!("{}\n[observed]\n{table}\n", edited(&["scenario.start=\"2018-07-01\""]))
    }

    #[test]
    fn an_observed_block_has_a_start_and_one_end() {
        let s = lowered(&observed(
            "block_start = 2018-07-03\naccess_restored = 2018-07-10\nlifted_by = \"compliance\"\nsources = [\"a\"]",
        ));
        let o = s.observed().unwrap();
        assert_eq!(o.block_start, Some(SimTime(2 * 86_400_000)));
        assert_eq!((o.duration_days(), o.lifted_by), (Some((7.0, false)), Some(LiftPath::Compliance)));
        let censored =
            lowered(&observed("block_start = 2018-07-03\nin_force_on = 2018-07-30\nsources = [\"a\"]"));
        assert_eq!(censored.observed().unwrap().duration_days(), Some((27.0, true)));
        let none = lowered(&observed("blocked = false\nsources = [\"a\"]"));
        assert!(!none.observed().unwrap().blocked() && none.observed().unwrap().duration_days().is_none());
    }

    #[test]
    fn an_observation_that_is_not_one_outcome_is_refused() {
        let cases = [
            ("access_restored = 2018-07-10", "observed: an observed block needs `block_start`"),
            ("block_start = 2018-07-03", "observed: an observed block needs exactly one end"),
            (
                "block_start = 2018-07-03\naccess_restored = 2018-07-02",
                "observed.access_restored: `access_restored` must come after `block_start`",
            ),
            (
                "block_start = 2018-07-03\nin_force_on = 2018-07-30\nlifted_by = \"court\"",
                "observed.lifted_by: a block still in force was not lifted: drop `lifted_by`",
            ),
            (
                "blocked = false\nblock_start = 2018-07-03",
                "observed.block_start: `block_start` describes a block, but `blocked = false`",
            ),
        ];
        for (table, expected) in cases {
            assert_eq!(errors(&observed(&format!("{table}\nsources = [\"a\"]"))), [expected], "{table}");
        }
    }
}
