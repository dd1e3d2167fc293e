//! Lowering: raw serde structs to validated domain types.
//!
//! Every check records a diagnostic under the key path it concerns and carries on, so
//! one run reports every independent problem of a file. Paths are located in the text
//! afterwards through a span-keeping parse of the same document.
//!
//! The [`Lowerer`] records problems; each section of the file is lowered by its own
//! file (`platform.rs`, `regulator.rs`, `playbook.rs`, `variants.rs`) with the value
//! checks of `values.rs`. `collect.rs` gathers type errors before lowering and locates
//! key paths; `checks.rs` and `cost.rs` hold checks across sections and cost guards;
//! `money.rs` the currency and the costs a file leaves at zero.

mod checks;
mod collect;
mod cost;
mod events;
mod lifting;
mod money;
mod platform;
mod playbook;
mod posterior;
mod regulator;
mod sources;
#[cfg(test)]
mod testing;
mod values;
mod variants;

pub(super) use self::collect::span_of;
use self::collect::{deserialize_all, TypeErrors};
use self::cost::MAX_REPLICATIONS;
use self::events::Names;
use super::diagnostic::{Diagnostic, Lines, Severity};
use super::overrides::path_within;
use super::raw::RawScenario;
use super::{Action, OutsideEvent, Scenario, ScenarioError};
use crate::engine::SimDuration;

const DEFAULT_REPLICATIONS: u64 = 1_000;
const DEFAULT_SEED: u64 = 1;

/// A problem before it is located in the text.
struct Problem {
    severity: Severity,
    key: String,
    message: String,
    help: Option<String>,
}

/// Lowers one raw scenario, recording every problem it meets instead of stopping at
/// the first. Each section of the file has its own methods, in the files beside this.
#[derive(Default)]
struct Lowerer {
    problems: Vec<Problem>,
}

/// Parses `text`, lowers it into a [`Scenario`] and locates every problem in the text:
/// the scenario and its warnings, or every error found. A file with type errors is
/// lowered without its offending keys, so that its range errors come too (all sorted
/// by place in the file); what lowering says about a key taken out is left out
/// ([`caused_by_removal`]).
pub(super) fn parse_and_lower(
    text: &str,
    origin: &str,
) -> Result<(Scenario, Vec<Diagnostic>), ScenarioError> {
    let (raw, removed, type_errors): (RawScenario, Vec<String>, Vec<Diagnostic>) =
        match deserialize_all(text, origin) {
            Ok(raw) => (raw, Vec::new(), Vec::new()),
            Err(TypeErrors { diagnostics, stripped: Some(stripped) }) => {
                let (raw, removed) = *stripped;
                (raw, removed, diagnostics)
            }
            Err(TypeErrors { diagnostics, stripped: None }) => {
                return Err(ScenarioError::Invalid { diagnostics })
            }
        };
    let mut lowerer = Lowerer::default();
    let scenario = lowerer.scenario(&raw);
    // Parsed only to locate a problem: most scenarios have none, and calibration
    // builds each case thousands of times.
    let doc = std::cell::OnceCell::new();
    let locate = |key: &str| {
        doc.get_or_init(|| text.parse::<toml_edit::Document<String>>().ok())
            .as_ref()
            .and_then(|d| span_of(d, key))
    };
    let lines = Lines::new(text);
    let (mut errors, warnings): (Vec<_>, Vec<_>) = lowerer
        .problems
        .into_iter()
        .filter(|p| !caused_by_removal(&p.key, &removed))
        .map(|p| Diagnostic::new(p.severity, origin, &lines, locate(&p.key), p.key, p.message, p.help))
        .partition(|d| d.severity == Severity::Error);
    if !type_errors.is_empty() {
        errors.extend(type_errors);
        errors.sort_by_key(|d| (d.line, d.column));
    }
    match scenario {
        Some(s) if errors.is_empty() => Ok((s, warnings)),
        _ => Err(ScenarioError::Invalid { diagnostics: errors }),
    }
}

/// The scenario of a document already parsed (a template's, with overrides applied),
/// deserialized straight from it: `None` when it has an error of any kind, for the
/// caller to write the document out and [`parse_and_lower`] it, whose diagnostics are
/// located in the text. Warnings are not kept.
pub(super) fn lower_document(doc: toml_edit::DocumentMut) -> Option<Scenario> {
    let raw: RawScenario = toml_edit::de::from_document(doc).ok()?;
    let mut lowerer = Lowerer::default();
    let scenario = lowerer.scenario(&raw)?;
    let fine = lowerer.problems.iter().all(|p| p.severity != Severity::Error);
    fine.then_some(scenario)
}

/// Whether a problem at `key` may come from taking the keys at `removed` out, not from
/// the file: it is at or under a removed key, or at the table that held one (`{ dist =
/// "gamma", mean = 5 }` without its `mean` "needs `mean`", which the file has, mistyped).
fn caused_by_removal(key: &str, removed: &[String]) -> bool {
    removed.iter().any(|r| {
        let parent = r.rfind(['.', '[']).map_or("", |i| &r[..i]);
        path_within(key, r) || key == parent
    })
}

impl Lowerer {
    /// Records an error under a key path.
    fn error(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.record(Severity::Error, key.into(), message.into(), None);
    }

    /// Records an error with a suggestion.
    fn error_with_help(&mut self, key: impl Into<String>, message: impl Into<String>, help: String) {
        self.record(Severity::Error, key.into(), message.into(), Some(help));
    }

    /// Records a warning: the scenario still runs.
    fn warning(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.record(Severity::Warning, key.into(), message.into(), None);
    }

    fn record(&mut self, severity: Severity, key: String, message: String, help: Option<String>) {
        self.problems.push(Problem { severity, key, message, help });
    }

    /// The whole file: the `[scenario]` table, each section in turn, and the checks
    /// across them. `None` when a part could not be built (its problems are recorded).
    fn scenario(&mut self, raw: &RawScenario) -> Option<Scenario> {
        let meta = &raw.scenario;
        self.printable_texts(raw);
        let start = meta.start.as_ref().and_then(|v| self.datetime("scenario.start", v));
        let horizon = self.positive_duration("scenario.horizon", &meta.horizon);
        let step = match &meta.step {
            Some(s) => self.positive_duration("scenario.step", s),
            None => Some(SimDuration::HOUR),
        };
        let replications = meta.replications.unwrap_or(DEFAULT_REPLICATIONS);
        if replications == 0 {
            self.error("scenario.replications", "expected at least 1 replication, found 0");
        } else if replications > MAX_REPLICATIONS {
            self.error(
                "scenario.replications",
                format!("expected at most {MAX_REPLICATIONS} replications, found {replications}"),
            );
        }
        let platform = self.platform(&raw.platform);
        let actions_names: Vec<&str> = raw.playbook.iter().map(|a| a.name.as_str()).collect();
        let step_names: Vec<&str> = raw.regulator.ladder.iter().map(|s| s.name.as_str()).collect();
        let event_names: Vec<&str> = raw.events.iter().map(|e| e.name.as_str()).collect();
        self.unique_names_across(&[
            ("playbook", &actions_names),
            ("regulator.ladder", &step_names),
            ("events", &event_names),
        ]);
        let regulator = self.regulator(&raw.regulator, &step_names, &actions_names, &event_names, start);
        let names = Names { steps: &step_names, actions: &actions_names, events: &event_names };
        let playbook: Vec<Option<Action>> = raw
            .playbook
            .iter()
            .enumerate()
            .map(|(i, a)| self.action(&format!("playbook[{i}]"), a, &names, start))
            .collect();
        let events: Vec<Option<OutsideEvent>> = raw
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| self.outside_event(&format!("events[{i}]"), e, &names, start))
            .collect();
        if let (Some(h), Some(r)) = (horizon, &regulator) {
            if h < r.order_deadline {
                self.warning(
                    "scenario.horizon",
                    format!("the horizon ({h}) is shorter than the order deadline ({})", r.order_deadline),
                );
            }
        }
        let variants = self.variants(&raw.variants);
        let observed = match &raw.observed {
            Some(o) => Some(self.observed(o, start)?),
            None => None,
        };
        let posterior = raw.posterior.as_ref().and_then(|p| self.posterior(p));
        let scenario = Scenario {
            name: meta.name.clone(),
            description: meta.description.clone(),
            start,
            horizon: horizon?,
            step: step?,
            warm_up: match &meta.warm_up {
                Some(w) => {
                    let w = self.duration("scenario.warm_up", w)?;
                    if horizon.is_some_and(|h| w >= h) {
                        self.error(
                            "scenario.warm_up",
                            format!("the warm-up ({w}) must be shorter than the horizon"),
                        );
                    }
                    w
                }
                None => SimDuration::ZERO,
            },
            replications,
            seed: meta.seed.unwrap_or(DEFAULT_SEED),
            platform: platform?,
            regulator: regulator?,
            playbook: playbook.into_iter().collect::<Option<Vec<_>>>()?,
            events: events.into_iter().collect::<Option<Vec<_>>>()?,
            variants,
            observed,
            posterior,
            money: Default::default(),
            sources: Vec::new(),
        };
        let scenario = Scenario { money: self.money(raw, &scenario), ..scenario };
        let scenario = Scenario { sources: self.sources(&raw.sources, &scenario), ..scenario };
        self.triggers_start_somewhere(&scenario.playbook, &scenario.events);
        // Checks that need the whole scenario (the queue warning first, so that warnings
        // keep their order); a horizon beyond the cost guard makes the rest moot.
        self.queue_warning(&scenario);
        if self.bounded_cost(&scenario) {
            self.blocks_can_end(&scenario);
            self.dated_within_horizon(&scenario);
        }
        Some(scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{edited, errors, lowered, warnings, VALID};
    use super::*;
    use crate::scenario::parse;

    #[test]
    fn the_scenario_table_is_read_with_its_defaults() {
        let s = lowered(&edited(&[]));
        assert_eq!((s.name.as_str(), s.replications, s.seed), ("hand-computed", 3, 7));
        assert_eq!(
            (s.horizon, s.step, s.warm_up),
            (SimDuration(30 * 86_400_000), SimDuration::DAY, SimDuration::ZERO)
        );
        assert_eq!(s.start, None);
        let bare = VALID.replace("step = \"1d\"\nreplications = 3\nseed = 7\n", "");
        let s = lowered(&bare);
        assert_eq!((s.step, s.replications, s.seed), (SimDuration::HOUR, DEFAULT_REPLICATIONS, DEFAULT_SEED));
    }

    #[test]
    fn problems_of_every_section_are_reported_together_in_order_of_checking() {
        assert_eq!(
            errors(&edited(&[
                "scenario.replications=0",
                "platform.vpn_share=2",
                "regulator.ladder[0].kind=\"scold\"",
                "playbook[0].kind=\"sweep\"",
            ])),
            [
                "scenario.replications: expected at least 1 replication, found 0",
                "platform.vpn_share: expected a share between 0 and 1, found 2",
                "regulator.ladder[0].kind: unknown step kind \"scold\"",
                "playbook[0].items_per_day: `items_per_day` applies to cleanup actions, not to sweep",
                "playbook[0].kind: unknown action kind \"sweep\"",
            ]
        );
    }

    #[test]
    fn type_errors_and_range_errors_are_reported_together_in_file_order() {
        let text = edited(&["scenario.replications=0", "platform.vpn_share=7", "playbook[0].cost=\"lots\""]);
        let Err(ScenarioError::Invalid { diagnostics }) = parse(&text, "t.toml") else {
            panic!("expected diagnostics");
        };
        let found: Vec<_> =
            diagnostics.iter().map(|d| (d.line, d.key.as_str(), d.message.as_str())).collect();
        let line = |key: &str| text.lines().position(|l| l.starts_with(key)).expect("the key") + 1;
        assert_eq!(
            found,
            [
                (line("replications"), "scenario.replications", "expected at least 1 replication, found 0"),
                (line("vpn_share"), "platform.vpn_share", "expected a share between 0 and 1, found 7"),
                (line("cost"), "playbook[0].cost", "invalid type: string \"lots\", expected a number"),
            ]
        );
    }

    #[test]
    fn what_the_removal_of_a_mistyped_key_causes_is_not_reported() {
        // Without `mean` the gamma "needs `mean`"; the file has one, mistyped.
        let gamma = "platform.review.review_time={ dist = \"gamma\", mean = 5, sd = \"1m\" }";
        assert_eq!(
            errors(&edited(&[gamma, "platform.vpn_share=7"])),
            [
                "platform.vpn_share: expected a share between 0 and 1, found 7",
                "platform.review.review_time.mean: invalid type: integer `5`, expected text in quotes",
            ]
        );
        assert!(caused_by_removal("a.b[1].c", &["a.b[1]".into()]));
        assert!(caused_by_removal("a.b", &["a.b[1]".into()]));
        assert!(!caused_by_removal("a.bc", &["a.b".into()]));
        assert!(!caused_by_removal("a", &["a.b.c".into()]));
    }

    #[test]
    fn a_file_that_needs_a_stand_in_reports_its_type_errors_only() {
        // A stand-in for the step's name would make `after_step = "warning"` an
        // unknown reference: no lowering, so no such invented error.
        assert_eq!(
            errors(&edited(&["regulator.ladder[0].name=5", "platform.vpn_share=7"])),
            ["regulator.ladder[0].name: invalid type: integer `5`, expected text in quotes"]
        );
    }

    #[test]
    fn each_problem_is_located_at_its_key() {
        let text = edited(&["platform.vpn_share=2"]);
        let Err(ScenarioError::Invalid { diagnostics }) = parse(&text, "t.toml") else {
            panic!("expected diagnostics");
        };
        let line = text.lines().position(|l| l.starts_with("vpn_share")).expect("the key") + 1;
        assert_eq!((diagnostics[0].line, diagnostics[0].column), (line, 13));
        assert_eq!(diagnostics[0].origin, "t.toml");
    }

    #[test]
    fn warnings_come_with_a_valid_scenario_and_give_way_to_errors() {
        let short = "scenario.horizon=\"12h\"";
        assert_eq!(
            warnings(&edited(&[short])),
            [
                "scenario.horizon: the horizon (12h) is shorter than the order deadline (1d)",
                "regulator.ladder[0].trigger.at: step \"warning\" comes on day 5, after the horizon ends on day 0.5: it can never happen within the horizon",
            ]
        );
        assert_eq!(
            errors(&edited(&[short, "scenario.replications=0"])),
            ["scenario.replications: expected at least 1 replication, found 0"]
        );
    }

    #[test]
    fn the_warm_up_must_be_shorter_than_the_horizon() {
        assert_eq!(
            errors(&edited(&["scenario.warm_up=\"30d\""])),
            ["scenario.warm_up: the warm-up (30d) must be shorter than the horizon"]
        );
        assert_eq!(lowered(&edited(&["scenario.warm_up=\"2d\""])).warm_up, SimDuration(2 * 86_400_000));
    }

    #[test]
    fn a_horizon_beyond_the_cost_guard_hides_the_checks_that_follow() {
        let unreachable = include_str!("../../../tests/malformed/unblock-unreachable.toml");
        assert_eq!(
            errors(&unreachable.replace("horizon = \"30d\"", "horizon = \"40000d\"")),
            ["scenario.horizon: expected at most 100 years, found 40000 days"]
        );
    }
}
