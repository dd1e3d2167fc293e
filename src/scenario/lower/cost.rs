//! Cost guards: limits on numbers, steps and review-queue items, so that a scenario
//! that validates runs in bounded time and memory.

use super::Lowerer;
use crate::scenario::raw::RawAction;
use crate::scenario::{Platform, QueueModel, Scenario};

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
                    format!("the review queue would handle about {items:.1e} items per replication, each simulated on its own (roughly {:.0} s per replication); at most {MAX_QUEUE_ITEMS:e}", items * 75e-9),
                    advice.into(),
                );
            } else if items > WARN_QUEUE_ITEMS {
                self.warning(
                    "platform.uploads_per_day",
                    format!("the review queue will handle about {items:.1e} items per replication (roughly {:.1} s each); {advice} to go faster", items * 75e-9),
                );
            }
        }
        true
    }

    /// Warns when the review queue can never keep up with flags at upload, not even
    /// with every moderator the playbook will hire.
    pub(super) fn queue_warning(&mut self, p: &Platform, playbook: &[RawAction]) {
        let flagged_per_day = p.uploads_per_day
            * (p.categories.iter().map(|c| c.share * c.recall).sum::<f64>()
                + (1.0 - p.categories.iter().map(|c| c.share).sum::<f64>()) * p.false_positive_rate);
        let hired: u32 =
            playbook.iter().filter(|a| a.kind == "hire_moderators").filter_map(|a| a.moderators).sum();
        let moderators = p.review.moderators.saturating_add(hired);
        let capacity_per_day = moderators as f64 * p.review.shift_length.as_secs_f64()
            / p.review.review_time.mean_secs().max(1e-9);
        if flagged_per_day > 0.0 && flagged_per_day >= capacity_per_day {
            self.warning(
                "platform.review.moderators",
                format!(
                    "the review queue is overloaded: about {flagged_per_day:.0} items are flagged per day at upload but {moderators} moderators (with those the playbook hires) review about {capacity_per_day:.0}; the backlog grows without bound"
                ),
            );
        }
    }
}
