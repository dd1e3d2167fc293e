//! Every parameter of a scenario with its effective value (defaults filled in), keyed
//! by its path in the file, for reports: a reader sees every assumption a run made.

use super::{ActionTrigger, Condition, Effect, Sanction, Scenario};

/// One parameter: its path in the scenario file and its effective value, as text.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Parameter {
    pub path: String,
    pub value: String,
    /// Where the value was set (`LoadedScenario::described_parameters`); `None` in
    /// folders written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<super::Origin>,
    /// Where the number comes from (`[sources]`, `[posterior]`), if the file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<super::Source>,
}

impl Scenario {
    /// Every parameter, in file order, with defaults filled in.
    pub fn parameters(&self) -> Vec<Parameter> {
        let mut out = Vec::new();
        let mut put =
            |path: String, value: String| out.push(Parameter { path, value, ..Parameter::default() });
        let ladder_name = |i: usize| self.regulator.ladder.get(i).map_or("?".into(), |s| s.name.clone());
        let action_name = |i: usize| self.playbook.get(i).map_or("?".into(), |a| a.name.clone());

        put("scenario.start".into(), self.start.map_or("none (days since start)".into(), |d| d.to_string()));
        put("scenario.horizon".into(), self.horizon.to_string());
        put("scenario.step".into(), self.step.to_string());
        put("scenario.warm_up".into(), self.warm_up.to_string());
        put("scenario.replications".into(), self.replications.to_string());
        put("scenario.seed".into(), self.seed.to_string());

        let p = &self.platform;
        put("platform.daily_active_users".into(), p.daily_active_users.to_string());
        put("platform.uploads_per_day".into(), p.uploads_per_day.to_string());
        put("platform.catalogue_items".into(), p.catalogue_items.to_string());
        put("platform.vpn_share".into(), p.vpn_share.to_string());
        put("platform.revenue_per_user_day".into(), p.revenue_per_user_day.to_string());
        put("platform.flagged_visible_while_queued".into(), p.flagged_visible_while_queued.to_string());
        for c in &p.categories {
            let at = format!("platform.categories.{}", c.name);
            put(format!("{at}.share"), c.share.to_string());
            put(format!("{at}.urgent"), c.urgent.to_string());
            put(format!("{at}.views_per_item_per_day"), c.views_per_item_per_day.to_string());
            put(format!("{at}.report_probability"), c.report_probability.to_string());
            put(format!("{at}.recall"), c.recall.to_string());
            put(format!("{at}.initial_stock"), c.initial_stock.to_string());
            // Listed only when set, so reports of scenarios without it stay as they were.
            if let super::Attention::Exponential { half_life } = c.attention {
                put(format!("{at}.attention"), format!("exponential, half-life {half_life}"));
            }
        }
        put("platform.detection.false_positive_rate".into(), p.false_positive_rate.to_string());
        let r = &p.review;
        put("platform.review.moderators".into(), r.moderators.to_string());
        put("platform.review.hours_per_day".into(), format!("{}", r.shift_length.as_hours_f64()));
        put("platform.review.shift_start".into(), r.shift_start.to_string());
        put("platform.review.review_time".into(), r.review_time.describe());
        put("platform.review.accuracy".into(), r.accuracy.to_string());
        put(
            "platform.review.discipline".into(),
            match r.discipline {
                super::Discipline::Fifo => "fifo".into(),
                super::Discipline::UrgentFirst => "urgent_first".into(),
            },
        );
        put("platform.review.cost_per_moderator_day".into(), r.cost_per_moderator_day.to_string());
        let model = match r.queue_model_setting {
            Some(model) => model.name().to_string(),
            None => format!(
                "{} (auto: about {:.1e} items per replication; cohorts above {:.0e})",
                self.queue_model().name(),
                self.expected_review_items(),
                super::COHORT_THRESHOLD_ITEMS
            ),
        };
        put("platform.review.queue_model".into(), model);
        put("platform.orders.handling_time".into(), p.orders.handling_time.describe());
        put("platform.orders.compliance_probability".into(), p.orders.compliance_probability.to_string());

        let g = &self.regulator;
        put("regulator.crawler_samples_per_day".into(), g.crawler_samples_per_day.to_string());
        put("regulator.complaints_per_violating_view".into(), g.complaints_per_violating_view.to_string());
        put("regulator.order_preparation".into(), g.order_preparation.describe());
        put("regulator.order_deadline".into(), g.order_deadline.to_string());
        put("regulator.urgent_order_deadline".into(), g.urgent_order_deadline.to_string());
        for step in &g.ladder {
            let at = format!("regulator.ladder.{}", step.name);
            let sanction = match &step.sanction {
                Sanction::Warning => "warning".to_string(),
                Sanction::Fine { amount } => format!("fine of {amount}"),
                Sanction::Throttle { access, duration } => format!(
                    "throttle to {:.0}% access{}",
                    access * 100.0,
                    duration.map_or(String::new(), |d| format!(" for {d}"))
                ),
                Sanction::Block(_) => "block".to_string(),
            };
            put(format!("{at}.kind"), sanction);
            let condition = match &step.trigger.condition {
                Condition::Findings { count, within } => format!("{count} findings within {within}"),
                Condition::MissedOrders { count, within } => format!("{count} missed orders within {within}"),
                Condition::AfterStep { step, wait } => {
                    format!("{} after {}", wait.describe(), ladder_name(*step))
                }
                Condition::At(t) => format!("at day {}", t.as_days_f64()),
            };
            put(format!("{at}.trigger"), condition);
            if !step.trigger.unless.is_empty() {
                let names: Vec<String> = step.trigger.unless.iter().map(|&a| action_name(a)).collect();
                put(format!("{at}.trigger.unless"), names.join(", "));
            }
        }
        let u = &g.unblock;
        let required: Vec<String> = u.required_actions.iter().map(|&a| action_name(a)).collect();
        put("regulator.unblock.required_actions".into(), required.join(", "));
        put("regulator.unblock.max_prevalence".into(), u.max_prevalence.to_string());
        put("regulator.unblock.verification_period".into(), u.verification_period.to_string());
        put("regulator.unblock.processing_time".into(), u.processing_time.describe());
        put("regulator.unblock.restart_ladder_at".into(), u.restart_at.map_or("none".into(), ladder_name));

        let event_name = |i: usize| self.events.get(i).map_or("?".into(), |e| e.name.clone());
        let on = |trigger: ActionTrigger| match trigger {
            ActionTrigger::Start => "start".to_string(),
            ActionTrigger::FirstOrder => "first_order".to_string(),
            ActionTrigger::Step(j) => ladder_name(j),
            ActionTrigger::Action(a) => action_name(a),
            ActionTrigger::Event(e) => event_name(e),
            ActionTrigger::BlockedFor(d) => format!("blocked for {d}"),
            ActionTrigger::RevenueLost(amount) => format!("revenue lost reaches {amount}"),
        };
        for a in &self.playbook {
            let at = format!("playbook.{}", a.name);
            put(format!("{at}.kind"), a.effect.kind().into());
            put(format!("{at}.on"), on(a.on));
            put(format!("{at}.delay"), a.delay.describe());
            // Listed only when set, so that files without them list what they did.
            if a.probability != 1.0 {
                put(format!("{at}.probability"), a.probability.to_string());
            }
            if a.repeat {
                put(format!("{at}.repeat"), "true".into());
            }
            put(format!("{at}.cost"), a.cost.to_string());
            match &a.effect {
                Effect::Cleanup { items_per_day } => {
                    put(format!("{at}.items_per_day"), items_per_day.to_string())
                }
                Effect::HireModerators { moderators } => {
                    put(format!("{at}.moderators"), moderators.to_string())
                }
                Effect::ImproveDetection { recall } => put(format!("{at}.recall"), recall.to_string()),
                Effect::AgeGate { views_factor } => {
                    put(format!("{at}.views_factor"), views_factor.to_string())
                }
                Effect::LocalOffice { handling_factor, compliance_probability } => {
                    put(format!("{at}.handling_factor"), handling_factor.to_string());
                    if let Some(p) = compliance_probability {
                        put(format!("{at}.compliance_probability"), p.to_string());
                    }
                }
                Effect::Register | Effect::Commitment | Effect::Meeting => {}
            }
        }
        for e in &self.events {
            let at = format!("events.{}", e.name);
            put(format!("{at}.on"), on(e.on));
            put(format!("{at}.delay"), e.delay.describe());
            put(format!("{at}.probability"), e.probability.to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_section_is_listed_with_defaults_filled_in() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/tiktok-indonesia-2018.toml"))
            .expect("flagship loads")
            .scenario;
        let params = s.parameters();
        let get = |path: &str| params.iter().find(|p| p.path == path).map(|p| p.value.clone());
        assert_eq!(get("platform.review.moderators"), Some(s.platform.review.moderators.to_string()));
        assert_eq!(get("scenario.horizon"), Some("365d".into()));
        assert!(get("regulator.unblock.max_prevalence").is_some());
        for step in &s.regulator.ladder {
            assert!(get(&format!("regulator.ladder.{}.trigger", step.name)).is_some(), "{}", step.name);
        }
        for a in &s.playbook {
            assert!(get(&format!("playbook.{}.delay", a.name)).is_some(), "{}", a.name);
        }
        let paths: std::collections::HashSet<&str> = params.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths.len(), params.len(), "paths are unique");
    }

    #[test]
    fn the_stance_and_outside_events_are_listed_when_set() {
        let text = include_str!("../../tests/scenarios/hand-computed.toml");
        let plain = crate::scenario::parse(text, "t.toml").expect("parses").0.parameters();
        assert!(!plain.iter().any(|p| p.path.ends_with(".probability") || p.path.ends_with(".repeat")));
        let text = text
            .replace("on = \"block\"\ndelay = \"3d\"", "on = \"ruling\"\nprobability = 0.5\nrepeat = true")
            + "\n[[events]]\nname = \"ruling\"\non = { blocked_for = \"3d\" }\n";
        let params = crate::scenario::parse(&text, "t.toml").expect("parses").0.parameters();
        let get = |path: &str| params.iter().find(|p| p.path == path).map(|p| p.value.as_str());
        assert_eq!(get("playbook.commitment.on"), Some("ruling"));
        assert_eq!(get("playbook.commitment.probability"), Some("0.5"));
        assert_eq!(get("playbook.commitment.repeat"), Some("true"));
        assert_eq!(get("events.ruling.on"), Some("blocked for 3d"));
        assert_eq!(get("events.ruling.probability"), Some("1"));
    }
}
