//! Lowering of `[platform]`: content categories, the review team and order handling.

use super::cost::{MAX_MODERATORS, MAX_STOCK};
use super::Lowerer;
use crate::engine::{DurationDist, SimDuration};
use crate::scenario::raw::{RawAttention, RawCategory, RawOrders, RawPlatform, RawReview};
use crate::scenario::units::parse_clock_time;
use crate::scenario::{Attention, Category, Discipline, OrderHandling, Platform, QueueModel, ReviewTeam};

impl Lowerer {
    /// The `[platform]` table.
    pub(super) fn platform(&mut self, raw: &RawPlatform) -> Option<Platform> {
        let categories: Vec<Option<Category>> = raw
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| self.category(&format!("platform.categories[{i}]"), c))
            .collect();
        if raw.categories.is_empty() {
            self.error("platform.categories", "expected at least one content category");
        }
        let names: Vec<&str> = raw.categories.iter().map(|c| c.name.as_str()).collect();
        self.unique_names("platform.categories", &names);
        let total_share: f64 = raw.categories.iter().map(|c| c.share).sum();
        if total_share > 1.0 {
            self.error(
                "platform.categories",
                format!("the category shares add up to {total_share}, more than 1"),
            );
        }
        let review = self.review(&raw.review);
        let orders = self.orders(&raw.orders);
        Some(Platform {
            daily_active_users: self.non_negative("platform.daily_active_users", raw.daily_active_users),
            uploads_per_day: self.non_negative("platform.uploads_per_day", raw.uploads_per_day),
            catalogue_items: self.non_negative("platform.catalogue_items", raw.catalogue_items),
            vpn_share: self.share("platform.vpn_share", raw.vpn_share.unwrap_or(0.0)),
            user_turnover_per_day: self
                .share("platform.user_turnover_per_day", raw.user_turnover_per_day.unwrap_or(0.0)),
            revenue_per_user_day: self
                .non_negative("platform.revenue_per_user_day", raw.revenue_per_user_day.unwrap_or(0.0)),
            flagged_visible_while_queued: raw.flagged_visible_while_queued.unwrap_or(false),
            false_positive_rate: self.share(
                "platform.detection.false_positive_rate",
                raw.detection.false_positive_rate.unwrap_or(0.0),
            ),
            categories: categories.into_iter().collect::<Option<Vec<_>>>()?,
            review: review?,
            orders: orders?,
        })
    }

    fn category(&mut self, key: &str, raw: &RawCategory) -> Option<Category> {
        Some(Category {
            name: raw.name.clone(),
            share: self.share(&format!("{key}.share"), raw.share),
            urgent: raw.urgent.unwrap_or(false),
            views_per_item_per_day: self
                .non_negative(&format!("{key}.views_per_item_per_day"), raw.views_per_item_per_day),
            report_probability: self
                .share(&format!("{key}.report_probability"), raw.report_probability.unwrap_or(0.0)),
            recall: self.share(&format!("{key}.recall"), raw.recall.unwrap_or(0.0)),
            initial_stock: {
                let stock = raw.initial_stock.unwrap_or(0);
                if stock > MAX_STOCK {
                    self.error(
                        format!("{key}.initial_stock"),
                        format!("expected at most {MAX_STOCK:e} items, found {stock}"),
                    );
                }
                stock
            },
            attention: raw.attention.as_ref().map_or(Attention::Constant, |a| self.attention(key, a)),
        })
    }

    /// `attention = { profile = ..., half_life = ... }`: a profile and exactly the
    /// settings it takes.
    fn attention(&mut self, key: &str, raw: &RawAttention) -> Attention {
        let key = format!("{key}.attention");
        match (raw.profile.as_str(), &raw.half_life) {
            ("constant", None) => Attention::Constant,
            ("constant", Some(_)) => {
                self.error(format!("{key}.half_life"), "a constant profile takes no half-life");
                Attention::Constant
            }
            ("exponential", Some(text)) => self
                .positive_duration(&format!("{key}.half_life"), text)
                .map_or(Attention::Constant, |half_life| Attention::Exponential { half_life }),
            ("exponential", None) => {
                self.error(key, "an exponential profile needs `half_life` (\"6h\")");
                Attention::Constant
            }
            (other, _) => {
                self.error(
                    format!("{key}.profile"),
                    format!("expected \"constant\" or \"exponential\", found \"{other}\""),
                );
                Attention::Constant
            }
        }
    }

    fn review(&mut self, raw: &RawReview) -> Option<ReviewTeam> {
        let hours = raw.hours_per_day.unwrap_or(24.0);
        if !(hours > 0.0 && hours <= 24.0) {
            self.error(
                "platform.review.hours_per_day",
                format!("expected hours between 0 (exclusive) and 24, found {hours}"),
            );
        }
        let shift_start = match &raw.shift_start {
            Some(s) => parse_clock_time(s)
                .map_err(|m| self.error("platform.review.shift_start", format!("expected a clock time: {m}")))
                .ok(),
            None => Some(SimDuration(9 * SimDuration::HOUR.0)),
        };
        let discipline = match raw.discipline.as_deref().unwrap_or("fifo") {
            "fifo" => Some(Discipline::Fifo),
            "urgent_first" => Some(Discipline::UrgentFirst),
            other => {
                self.error_with_help(
                    "platform.review.discipline",
                    format!("unknown discipline \"{other}\""),
                    "expected \"fifo\" or \"urgent_first\"".into(),
                );
                None
            }
        };
        let queue_model = match raw.queue_model.as_deref().unwrap_or("auto") {
            "auto" => Some(None),
            "items" => Some(Some(QueueModel::Items)),
            "cohorts" => Some(Some(QueueModel::Cohorts)),
            other => {
                self.error_with_help(
                    "platform.review.queue_model",
                    format!("unknown queue model \"{other}\""),
                    "expected \"auto\", \"items\" or \"cohorts\"".into(),
                );
                None
            }
        };
        let review_time = self.dist("platform.review.review_time", &raw.review_time);
        if let Some(DurationDist::Fixed(SimDuration::ZERO)) = review_time {
            self.error("platform.review.review_time", "expected a review time longer than zero");
        }
        Some(ReviewTeam {
            moderators: {
                if raw.moderators > MAX_MODERATORS {
                    self.error(
                        "platform.review.moderators",
                        format!("expected at most {MAX_MODERATORS} moderators, found {}", raw.moderators),
                    );
                }
                raw.moderators
            },
            shift_length: SimDuration::from_secs_f64(hours.clamp(0.0, 24.0) * 3_600.0),
            shift_start: shift_start?,
            review_time: review_time?,
            accuracy: self.share("platform.review.accuracy", raw.accuracy.unwrap_or(1.0)),
            discipline: discipline?,
            cost_per_moderator_day: self.non_negative(
                "platform.review.cost_per_moderator_day",
                raw.cost_per_moderator_day.unwrap_or(0.0),
            ),
            queue_model_setting: queue_model?,
        })
    }

    fn orders(&mut self, raw: &RawOrders) -> Option<OrderHandling> {
        Some(OrderHandling {
            handling_time: self.dist("platform.orders.handling_time", &raw.handling_time)?,
            compliance_probability: self
                .share("platform.orders.compliance_probability", raw.compliance_probability.unwrap_or(1.0)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_errors, edited, errors, lowered};
    use super::*;

    #[test]
    fn unset_keys_take_their_defaults() {
        let p = lowered(&edited(&[])).platform;
        assert_eq!((p.false_positive_rate, p.flagged_visible_while_queued), (0.0, false));
        let c = &p.categories[0];
        assert_eq!((c.recall, c.report_probability, c.urgent, c.initial_stock), (0.0, 0.0, false, 1_000));
        let r = &p.review;
        assert_eq!(r.shift_length, SimDuration(24 * 3_600_000));
        assert_eq!(r.shift_start, SimDuration(9 * 3_600_000));
        assert_eq!((r.accuracy, r.discipline, r.queue_model_setting), (1.0, Discipline::Fifo, None));
        assert_eq!(p.orders.compliance_probability, 1.0);
    }

    #[test]
    fn settings_are_read_as_written() {
        let p = lowered(&edited(&[
            "platform.review.hours_per_day=8",
            "platform.review.shift_start=\"07:30\"",
            "platform.review.discipline=\"urgent_first\"",
            "platform.review.queue_model=\"cohorts\"",
        ]))
        .platform;
        assert_eq!(p.review.shift_length, SimDuration(8 * 3_600_000));
        assert_eq!(p.review.shift_start, SimDuration(7 * 3_600_000 + 30 * 60_000));
        assert_eq!(p.review.discipline, Discipline::UrgentFirst);
        assert_eq!(p.review.queue_model_setting, Some(QueueModel::Cohorts));
    }

    #[test]
    fn bad_values_are_refused_under_their_keys() {
        let cases: &[(&[&str], &[&str])] = &[
            (
                &["platform.categories[0].share=1.2"],
                &[
                    "platform.categories[0].share: expected a share between 0 and 1, found 1.2",
                    "platform.categories: the category shares add up to 1.2, more than 1",
                ],
            ),
            (&["platform.categories=[]"], &["platform.categories: expected at least one content category"]),
            (
                &["platform.review.hours_per_day=25"],
                &["platform.review.hours_per_day: expected hours between 0 (exclusive) and 24, found 25"],
            ),
            (
                &["platform.review.discipline=\"lifo\""],
                &["platform.review.discipline: unknown discipline \"lifo\""],
            ),
            (
                &["platform.review.queue_model=\"rows\""],
                &["platform.review.queue_model: unknown queue model \"rows\""],
            ),
            (
                &["platform.review.review_time=\"0s\""],
                &["platform.review.review_time: expected a review time longer than zero"],
            ),
            (
                &["platform.orders.compliance_probability=2", "platform.vpn_share=-1"],
                // In the order of checking: orders before the platform's own numbers.
                &[
                    "platform.orders.compliance_probability: expected a share between 0 and 1, found 2",
                    "platform.vpn_share: expected a share between 0 and 1, found -1",
                ],
            ),
        ];
        check_errors(cases);
    }

    #[test]
    fn a_shift_start_must_be_a_clock_time() {
        let found = errors(&edited(&["platform.review.shift_start=\"9am\""]));
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("platform.review.shift_start: expected a clock time: "), "{found:?}");
    }
}
