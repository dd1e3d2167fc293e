//! Cost guards: limits on numbers, steps and review-queue items, so that a scenario
//! that validates runs in bounded time and memory.

use super::Lowerer;
use crate::scenario::{Effect, QueueModel, Scenario, SECONDS_PER_QUEUE_ITEM};

/// Largest value a number may take, by its key. Beyond these, counts would overflow or
/// a run would take absurdly long; a file with such a value is almost certainly a typo.
pub(super) fn limit(key: &str) -> f64 {
    match key.rsplit('.').next().unwrap_or(key) {
        "daily_active_users" => 1e11,
        "uploads_per_day" => 1e10,
        "catalogue_items" => 1e13,
        "views_per_item_per_day" => 1e8,
        "revenue_per_user_day" => 1e6,
        "crawler_samples_per_day" => 1e8,
        "complaints_per_violating_view" => 1.0,
        "cost_per_moderator_day" => 1e9,
        "handling_factor" => 1e3,
        _ => 1e15,
    }
}

/// Most replications a scenario may ask for.
pub(super) const MAX_REPLICATIONS: u64 = 1_000_000_000;
/// Most steps (tick slots) in one replication.
const MAX_STEPS: f64 = 1e7;
/// Review-queue items per replication above which a scenario is refused, and above
/// which it is warned about: each item costs roughly 50-100 ns, and up to 16 bytes
/// while it waits (a queue nobody serves holds them all).
const MAX_QUEUE_ITEMS: f64 = 1e8;
const WARN_QUEUE_ITEMS: f64 = 2e7;
/// Most items in an initial stock, and most moderators.
pub(super) const MAX_STOCK: u64 = 100_000_000_000;
pub(super) const MAX_MODERATORS: u32 = 10_000_000;

impl Lowerer {
    /// Guards the cost of one replication: the horizon, the number of steps and the
    /// review-queue items. False when the horizon alone is out of bounds, which makes
    /// further checks of the whole scenario moot.
    pub(super) fn bounded_cost(&mut self, s: &Scenario) -> bool {
        let days = s.horizon.as_days_f64();
        if days > 36_500.0 {
            self.error("scenario.horizon", format!("expected at most 100 years, found {days:.0} days"));
            return false;
        }
        let steps = s.horizon.0 as f64 / s.step.0.max(1) as f64;
        if steps > MAX_STEPS {
            self.error_with_help(
                "scenario.step",
                format!("a step of {} over a horizon of {} makes {steps:.0} steps per replication; at most {MAX_STEPS:e}", s.step, s.horizon),
                "a step of an hour or a few hours is plenty: events between steps are still handled at their exact times".into(),
            );
        }
        let items = s.expected_review_items();
        let advice =
            "lower platform.uploads_per_day, the detection recall or false_positive_rate, or the horizon, or set platform.review.queue_model = \"cohorts\"";
        // Cohorts cost per step, not per item: the step guard above covers them.
        if s.queue_model() == QueueModel::Items {
            if items > MAX_QUEUE_ITEMS {
                self.error_with_help(
                    "platform.uploads_per_day",
                    format!("the review queue would handle about {items:.1e} items per replication, each simulated on its own (roughly {:.0} s per replication); at most {MAX_QUEUE_ITEMS:e}", items * SECONDS_PER_QUEUE_ITEM),
                    advice.into(),
                );
            } else if items > WARN_QUEUE_ITEMS {
                self.warning(
                    "platform.uploads_per_day",
                    format!("the review queue will handle about {items:.1e} items per replication (roughly {:.1} s each); {advice} to go faster", items * SECONDS_PER_QUEUE_ITEM),
                );
            }
        }
        // Every hire counts towards the team's limit: a count must never wrap.
        let mut team = u64::from(s.platform.review.moderators);
        for (i, action) in s.playbook.iter().enumerate() {
            if let Effect::HireModerators { moderators } = action.effect {
                team += u64::from(moderators);
                if team > u64::from(MAX_MODERATORS) {
                    self.error(
                        format!("playbook[{i}].moderators"),
                        format!("the team would grow to {team} moderators; at most {MAX_MODERATORS}"),
                    );
                    break;
                }
            }
        }
        true
    }

    /// Warns when the review queue can never keep up with flags at upload, at the most
    /// the playbook's detection can flag, not even with every moderator it will hire.
    pub(super) fn queue_warning(&mut self, s: &Scenario) {
        let p = &s.platform;
        let flagged_per_day = s.largest_flags_per_day();
        let own_recall: Vec<f64> = p.categories.iter().map(|c| c.recall).collect();
        let improved = flagged_per_day > p.uploads_per_day * p.flag_weights(&own_recall).iter().sum::<f64>();
        let when = if improved { " once the playbook improves detection" } else { "" };
        let hired: u64 = s
            .playbook
            .iter()
            .filter_map(|a| match a.effect {
                Effect::HireModerators { moderators } => Some(u64::from(moderators)),
                _ => None,
            })
            .sum();
        let moderators = u64::from(p.review.moderators).saturating_add(hired);
        let capacity_per_day = moderators as f64 * p.review.shift_length.as_secs_f64()
            / p.review.review_time.mean_secs().max(1e-9);
        if flagged_per_day > 0.0 && flagged_per_day >= capacity_per_day {
            self.warning(
                "platform.review.moderators",
                format!(
                    "the review queue is overloaded: about {flagged_per_day:.0} items are flagged per day at upload{when} but {moderators} moderators (with those the playbook hires) review about {capacity_per_day:.0}; the backlog grows without bound"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_errors, edited, lowered, only_warnings, recorded};
    use super::*;
    use crate::engine::{DurationDist, SimDuration};
    use crate::scenario::{Action, ActionTrigger};

    /// The valid scenario with half of its uploads violating and nine in ten of those
    /// flagged, every item simulated on its own: about 13.5 review items per daily
    /// upload over its 30 days.
    fn busy() -> Scenario {
        lowered(&edited(&[
            "platform.uploads_per_day=1000",
            "platform.categories[0].share=0.5",
            "platform.categories[0].recall=0.9",
            "platform.review.queue_model=\"items\"",
        ]))
    }

    #[test]
    fn a_limit_is_chosen_by_the_last_key() {
        assert_eq!(limit("platform.uploads_per_day"), 1e10);
        assert_eq!(limit("regulator.complaints_per_violating_view"), 1.0);
        assert_eq!(limit("playbook[3].handling_factor"), 1e3);
        assert_eq!(limit("platform.vpn_share"), 1e15);
    }

    #[test]
    fn numbers_above_their_limits_are_refused() {
        let typo = "a value this large is almost certainly a typo";
        check_errors(&[
            (&["platform.uploads_per_day=1e10"], &[]),
            (
                &["platform.uploads_per_day=2e10"],
                &[&format!("platform.uploads_per_day: expected at most 1e10, found 2e10; {typo}")],
            ),
            (
                &["regulator.complaints_per_violating_view=1.5"],
                &[&format!("regulator.complaints_per_violating_view: expected at most 1, found 1.5; {typo}")],
            ),
            (
                &["scenario.replications=1000000001"],
                &["scenario.replications: expected at most 1000000000 replications, found 1000000001"],
            ),
            (
                &["platform.review.moderators=10000001"],
                &["platform.review.moderators: expected at most 10000000 moderators, found 10000001"],
            ),
            (
                &["platform.categories[0].initial_stock=100000000001"],
                &["platform.categories[0].initial_stock: expected at most 1e11 items, found 100000000001"],
            ),
        ]);
    }

    #[test]
    fn a_horizon_beyond_a_century_ends_the_checks() {
        let mut s = lowered(&edited(&[]));
        s.horizon = SimDuration::from_days_f64(40_000.0);
        s.step = SimDuration::SECOND;
        let mut lowerer = Lowerer::default();
        assert!(!lowerer.bounded_cost(&s));
        assert_eq!(recorded(&lowerer), ["scenario.horizon: expected at most 100 years, found 40000 days"]);
    }

    #[test]
    fn too_many_steps_are_refused() {
        let mut s = lowered(&edited(&[]));
        let mut lowerer = Lowerer::default();
        s.horizon = SimDuration::from_days_f64(3_650.0);
        s.step = SimDuration::MINUTE;
        assert!(lowerer.bounded_cost(&s));
        assert!(recorded(&lowerer).is_empty());
        s.step = SimDuration::SECOND;
        assert!(lowerer.bounded_cost(&s));
        assert_eq!(
            recorded(&lowerer),
            ["scenario.step: a step of 1s over a horizon of 3650d makes 315360000 steps per replication; at most 1e7"]
        );
    }

    #[test]
    fn review_queue_items_are_warned_about_then_refused() {
        let mut s = busy();
        let found = |s: &Scenario| {
            let mut lowerer = Lowerer::default();
            assert!(lowerer.bounded_cost(s));
            (recorded(&lowerer), only_warnings(&lowerer))
        };
        // About 1.35e7 items: below the warning.
        s.platform.uploads_per_day = 1e6;
        assert_eq!(found(&s), (vec![], true));
        // About 2.7e7 items: a warning.
        s.platform.uploads_per_day = 2e6;
        let (messages, warnings_only) = found(&s);
        assert!(warnings_only);
        assert_eq!(messages.len(), 1);
        assert!(
            messages[0].starts_with(
                "platform.uploads_per_day: the review queue will handle about 2.7e7 items per replication (roughly 2.0 s each)"
            ),
            "{messages:?}"
        );
        // About 1.35e8 items: refused.
        s.platform.uploads_per_day = 1e7;
        let (messages, warnings_only) = found(&s);
        assert!(!warnings_only);
        assert_eq!(messages.len(), 1);
        assert!(
            messages[0]
                .starts_with("platform.uploads_per_day: the review queue would handle about 1.4e8 items"),
            "{messages:?}"
        );
        // Cohorts cost per step, not per item.
        s.platform.review.queue_model_setting = Some(QueueModel::Cohorts);
        assert_eq!(found(&s), (vec![], true));
    }

    /// `s` with one more action, set off at the start, with `effect`.
    fn with_action(s: &Scenario, effect: Effect) -> Scenario {
        let mut s = s.clone();
        s.playbook.push(Action {
            name: "extra".into(),
            on: ActionTrigger::Start,
            delay: DurationDist::fixed(SimDuration::ZERO),
            probability: 1.0,
            repeat: false,
            cost: 0.0,
            effect,
        });
        s
    }

    #[test]
    fn an_overloaded_queue_is_warned_about_unless_the_playbook_hires_enough() {
        // 450 flags a day against 144 reviews per moderator.
        let s = busy();
        let hire = |moderators: u32| with_action(&s, Effect::HireModerators { moderators });
        let mut lowerer = Lowerer::default();
        lowerer.queue_warning(&s);
        lowerer.queue_warning(&hire(1));
        assert_eq!(
            recorded(&lowerer),
            [
                "platform.review.moderators: the review queue is overloaded: about 450 items are flagged per day at upload but 1 moderators (with those the playbook hires) review about 144; the backlog grows without bound",
                "platform.review.moderators: the review queue is overloaded: about 450 items are flagged per day at upload but 2 moderators (with those the playbook hires) review about 288; the backlog grows without bound",
            ]
        );
        assert!(only_warnings(&lowerer));
        let mut lowerer = Lowerer::default();
        lowerer.queue_warning(&hire(3));
        assert!(recorded(&lowerer).is_empty());
    }

    #[test]
    fn the_overload_warning_counts_the_flags_of_improved_detection() {
        // 50 flags a day at recall 0.1: two moderators keep up, until detection
        // reaches 0.9 and flags 450.
        let mut s = busy();
        s.platform.categories[0].recall = 0.1;
        let s = with_action(&s, Effect::HireModerators { moderators: 1 });
        let mut lowerer = Lowerer::default();
        lowerer.queue_warning(&s);
        assert!(recorded(&lowerer).is_empty());
        lowerer.queue_warning(&with_action(&s, Effect::ImproveDetection { recall: 0.9 }));
        assert_eq!(
            recorded(&lowerer),
            ["platform.review.moderators: the review queue is overloaded: about 450 items are flagged per day at upload once the playbook improves detection but 2 moderators (with those the playbook hires) review about 288; the backlog grows without bound"]
        );
    }

    #[test]
    fn the_automatic_queue_model_and_the_cost_guard_count_improved_detection() {
        // No detection at all: only the (absent) reports reach the queue.
        let mut s = busy();
        s.platform.review.queue_model_setting = None;
        s.platform.categories[0].recall = 0.0;
        s.platform.uploads_per_day = 1e4;
        assert_eq!(s.expected_review_items(), 0.0);
        assert_eq!(s.queue_model(), QueueModel::Items);
        // Detection raised to 0.9 flags 4,500 a day, 135,000 over 30 days.
        let improved = with_action(&s, Effect::ImproveDetection { recall: 0.9 });
        assert_eq!(improved.largest_recall(), [0.9]);
        assert!((improved.expected_review_items() - 135_000.0).abs() < 1e-6);
        assert_eq!(improved.queue_model(), QueueModel::Cohorts);
        // A lower recall than the file's changes nothing.
        let lower = with_action(&busy(), Effect::ImproveDetection { recall: 0.5 });
        assert_eq!(lower.largest_recall(), [0.9]);
        // The guard refuses what only improved detection makes too large.
        let mut huge = with_action(&s, Effect::ImproveDetection { recall: 0.9 });
        huge.platform.review.queue_model_setting = Some(QueueModel::Items);
        huge.platform.uploads_per_day = 1e7;
        let mut lowerer = Lowerer::default();
        assert!(lowerer.bounded_cost(&huge));
        assert!(!only_warnings(&lowerer), "{:?}", recorded(&lowerer));
    }
}
