//! Lowering of what sets actions and outside events in motion (their `on`, `delay` and
//! `probability`), of the `[[events]]` list, and the check that every chain of triggers
//! starts somewhere.

use chrono::NaiveDateTime;

use super::Lowerer;
use crate::engine::{DurationDist, SimDuration};
use crate::scenario::diagnostic::nearest;
use crate::scenario::raw::{RawDist, RawEvent, RawOn};
use crate::scenario::units::{parse_datetime, parse_duration};
use crate::scenario::{Action, ActionTrigger, OutsideEvent};

/// The names an `on` may refer to, besides "start" and "first_order".
pub(super) struct Names<'a> {
    pub(super) steps: &'a [&'a str],
    pub(super) actions: &'a [&'a str],
    pub(super) events: &'a [&'a str],
}

impl Lowerer {
    /// What sets the entry at `key` in motion and after what delay: its `on` and
    /// `delay`. A date is the start with the date's distance as the delay.
    pub(super) fn on_and_delay(
        &mut self,
        key: &str,
        on: &RawOn,
        delay: Option<&RawDist>,
        names: &Names,
        start: Option<NaiveDateTime>,
    ) -> Option<(ActionTrigger, DurationDist)> {
        let date = match (start, on) {
            (Some(start), RawOn::Name(name)) => parse_datetime(name).ok().map(|when| (start, when)),
            _ => None,
        };
        // A calendar date: set in motion then (a fixed delay from the start).
        if let Some((start, when)) = date {
            // A zero delay is allowed, so that a variant can move an entry from a delay
            // to a date (an override cannot remove the file's `delay`).
            let zero =
                |d: &RawDist| matches!(d, RawDist::Fixed(t) if parse_duration(t) == Ok(SimDuration::ZERO));
            if delay.is_some_and(|d| !zero(d)) {
                let what = if key.starts_with("events") { "an event" } else { "an action" };
                self.error(
                    format!("{key}.delay"),
                    format!("{what} on a date takes no `delay` (other than \"0s\")"),
                );
            }
            let ms = (when - start).num_milliseconds();
            if ms < 0 {
                self.error(format!("{key}.on"), format!("{when} is before the scenario start {start}"));
                return None;
            }
            return Some((ActionTrigger::Start, DurationDist::fixed(SimDuration(ms as u64))));
        }
        let delay = match delay {
            Some(d) => self.dist(&format!("{key}.delay"), d),
            None => Some(DurationDist::fixed(SimDuration::ZERO)),
        };
        let trigger = match on {
            RawOn::BlockedFor(text) => {
                self.duration(&format!("{key}.on.blocked_for"), text).map(ActionTrigger::BlockedFor)
            }
            RawOn::RevenueLost(amount) => {
                if !(*amount > 0.0 && amount.is_finite()) {
                    self.error(
                        format!("{key}.on.revenue_lost"),
                        format!("expected an amount above 0, found {amount}"),
                    );
                }
                Some(ActionTrigger::RevenueLost(*amount))
            }
            RawOn::Name(name) => self.named_trigger(key, name, names),
        };
        Some((trigger?, delay?))
    }

    /// The trigger `name` refers to: "start", "first_order", a ladder step, an action
    /// or an outside event.
    fn named_trigger(&mut self, key: &str, name: &str, names: &Names) -> Option<ActionTrigger> {
        let found = match name {
            "start" => Some(ActionTrigger::Start),
            "first_order" => Some(ActionTrigger::FirstOrder),
            _ => None,
        };
        let position = |list: &[&str]| list.iter().position(|n| *n == name);
        let found = found
            .or_else(|| position(names.steps).map(ActionTrigger::Step))
            .or_else(|| position(names.actions).map(ActionTrigger::Action))
            .or_else(|| position(names.events).map(ActionTrigger::Event));
        if found.is_none() {
            let mut options: Vec<&str> = vec!["start", "first_order"];
            options.extend(names.steps.iter().chain(names.actions).chain(names.events));
            let help = match nearest(name, options.iter().copied()) {
                Some(n) => format!("did you mean \"{n}\"?"),
                None => format!(
                    "expected \"start\", \"first_order\", a ladder step ({}), an action, an outside event, a table such as {{ blocked_for = \"30d\" }} or, with `scenario.start`, a date",
                    names.steps.join(", ")
                ),
            };
            self.error_with_help(format!("{key}.on"), format!("no trigger named \"{name}\""), help);
        }
        found
    }

    /// A chance in [0, 1], 1 when not given.
    pub(super) fn probability(&mut self, key: &str, value: Option<f64>) -> f64 {
        match value {
            Some(p) => self.share(&format!("{key}.probability"), p),
            None => 1.0,
        }
    }

    /// One `[[events]]` entry.
    pub(super) fn outside_event(
        &mut self,
        key: &str,
        raw: &RawEvent,
        names: &Names,
        start: Option<NaiveDateTime>,
    ) -> Option<OutsideEvent> {
        let probability = self.probability(key, raw.probability);
        let (on, delay) = self.on_and_delay(key, &raw.on, raw.delay.as_ref(), names, start)?;
        Some(OutsideEvent { name: raw.name.clone(), on, delay, probability })
    }

    /// An action or event whose `on` leads back to itself through other actions and
    /// events can never be set in motion: each waits for the one before.
    pub(super) fn triggers_start_somewhere(&mut self, actions: &[Action], events: &[OutsideEvent]) {
        // Entries 0..actions.len() are actions, the rest events.
        let n = actions.len();
        let next = |k: usize| {
            let on = if k < n { actions[k].on } else { events[k - n].on };
            match on {
                ActionTrigger::Action(a) => Some(a),
                ActionTrigger::Event(e) => Some(n + e),
                _ => None,
            }
        };
        for k in 0..n + events.len() {
            let mut at = next(k);
            let mut steps = 0;
            while let Some(j) = at.filter(|_| steps <= n + events.len()) {
                if j == k {
                    let (key, name) = if k < n {
                        (format!("playbook[{k}].on"), &actions[k].name)
                    } else {
                        (format!("events[{}].on", k - n), &events[k - n].name)
                    };
                    self.error_with_help(
                        key,
                        format!("\"{name}\" can never be set in motion: its trigger leads back to itself"),
                        "set one of the entries in the loop in motion by something else".into(),
                    );
                    break;
                }
                at = next(j);
                steps += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_errors, edited, errors, lowered};
    use super::*;

    /// The valid scenario with the commitment set in motion by `on` (TOML), and `more`
    /// appended.
    fn commitment_on(on: &str, more: &str) -> String {
        edited(&[]).replace("on = \"block\"\ndelay = \"3d\"", &format!("on = {on}")) + more
    }

    #[test]
    fn on_takes_actions_events_and_tables() {
        let s = lowered(&commitment_on("\"cleanup\"", ""));
        assert_eq!(s.playbook[1].on, ActionTrigger::Action(0));
        let s = lowered(&commitment_on("\"ruling\"", "\n[[events]]\nname = \"ruling\"\non = \"warning\"\n"));
        assert_eq!(s.playbook[1].on, ActionTrigger::Event(0));
        assert_eq!((s.events[0].on, s.events[0].probability), (ActionTrigger::Step(0), 1.0));
        assert_eq!(s.events[0].delay.mean_secs(), 0.0);
        let s = lowered(&commitment_on("{ blocked_for = \"30d\" }", ""));
        assert_eq!(s.playbook[1].on, ActionTrigger::BlockedFor(SimDuration(30 * 86_400_000)));
        let s = lowered(&commitment_on("{ revenue_lost = 5e6 }", ""));
        assert_eq!(s.playbook[1].on, ActionTrigger::RevenueLost(5e6));
        assert_eq!((s.playbook[1].probability, s.playbook[1].repeat), (1.0, false));
    }

    #[test]
    fn an_event_on_a_date_comes_then_and_may_not_happen() {
        let text = edited(&["scenario.start=\"2018-07-01\""])
            + "\n[[events]]\nname = \"ruling\"\non = 2018-07-04\nprobability = 0.25\n";
        let s = lowered(&text);
        assert_eq!((s.events[0].on, s.events[0].probability), (ActionTrigger::Start, 0.25));
        assert_eq!(s.events[0].delay.mean_secs(), 3.0 * 86_400.0);
        assert_eq!(
            errors(&text.replace("probability = 0.25", "delay = \"1d\"")),
            ["events[0].delay: an event on a date takes no `delay` (other than \"0s\")"]
        );
    }

    #[test]
    fn bad_triggers_and_probabilities_are_refused_under_their_keys() {
        assert_eq!(
            errors(&commitment_on("{ revenue_lost = 0 }", "")),
            ["playbook[1].on.revenue_lost: expected an amount above 0, found 0"]
        );
        assert_eq!(
            errors(&commitment_on("\"ruling\"", "\n[[events]]\nname = \"ruling\"\non = \"rulling\"\n")),
            ["events[0].on: no trigger named \"rulling\""]
        );
        check_errors(&[
            (
                &["playbook[1].probability=1.5"],
                &["playbook[1].probability: expected a share between 0 and 1, found 1.5"],
            ),
            (
                &["playbook[1].repeat=1"],
                &["playbook[1].repeat: invalid type: integer `1`, expected true or false"],
            ),
        ]);
    }

    #[test]
    fn a_name_is_used_once_across_steps_actions_and_events() {
        assert_eq!(
            errors(&edited(&["playbook[1].name=\"warning\""]))[0],
            "regulator.ladder[0].name: the name \"warning\" is used twice"
        );
        let text = edited(&[]) + "\n[[events]]\nname = \"block\"\non = \"start\"\n";
        assert_eq!(errors(&text), ["events[0].name: the name \"block\" is used twice"]);
    }

    #[test]
    fn a_loop_of_triggers_is_refused_and_a_chain_is_not() {
        let chain = commitment_on(
            "\"b\"",
            "\n[[events]]\nname = \"a\"\non = \"start\"\n\n[[events]]\nname = \"b\"\non = \"a\"\n",
        );
        assert_eq!(lowered(&chain).playbook[1].on, ActionTrigger::Event(1));
        let looped = chain.replace("name = \"a\"\non = \"start\"", "name = \"a\"\non = \"commitment\"");
        assert_eq!(
            errors(&looped),
            [
                "playbook[1].on: \"commitment\" can never be set in motion: its trigger leads back to itself",
                "events[0].on: \"a\" can never be set in motion: its trigger leads back to itself",
                "events[1].on: \"b\" can never be set in motion: its trigger leads back to itself",
                "regulator.unblock.required_actions[1]: the block could never be lifted: \"commitment\" can only start after the block ends",
            ]
        );
        let own = commitment_on("\"commitment\"", "");
        assert_eq!(
            errors(&own)[0],
            "playbook[1].on: \"commitment\" can never be set in motion: its trigger leads back to itself"
        );
    }
}
