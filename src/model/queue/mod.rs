//! The review queue: flagged items served by moderators, either one entity each
//! ([`ItemQueue`], `items.rs`) or in aggregate ([`CohortQueue`], `cohorts.rs`); the
//! scenario chooses (see `QueueModel`). Both build on `config.rs` (settings, counts,
//! statistics) and `shift.rs` (working hours); this file only dispatches.
//!
//! The queue advances itself between the model's calendar events instead of putting
//! every arrival and review completion on the calendar. Nothing outside the queue
//! reacts to a single review, so the model only has to bring the queue up to date
//! (`advance_to`) before it changes something the queue depends on (arrival rate,
//! moderators) or reads what the queue produced (removals). Inside, the loop is an
//! ordinary discrete-event loop over three kinds of instants (arrival, review done,
//! shift start), each item an entity with its own arrival time, so waiting times are
//! exact; it only avoids the general calendar's cost for the model's busiest process.

mod cohorts;
mod config;
mod items;
mod shift;

pub use cohorts::CohortQueue;
pub use config::{AgeLog, AgedEvent, AgedKind, ClassCounts, QueueConfig, QueueStats, Source, StreamKeys};
pub use items::ItemQueue;
pub use shift::Shift;

use crate::engine::SimTime;
use crate::scenario::QueueModel;

/// The review queue of a replication, item-level or in cohorts (each boxed: they
/// differ in size by hundreds of bytes).
pub enum ReviewQueue {
    Items(Box<ItemQueue>),
    Cohorts(Box<CohortQueue>),
}

impl ReviewQueue {
    pub fn new(cfg: QueueConfig, model: QueueModel) -> Self {
        match model {
            QueueModel::Items => ReviewQueue::Items(Box::new(ItemQueue::new(cfg))),
            QueueModel::Cohorts => ReviewQueue::Cohorts(Box::new(CohortQueue::new(cfg))),
        }
    }

    pub fn classes(&self) -> &[ClassCounts] {
        match self {
            ReviewQueue::Items(q) => &q.classes,
            ReviewQueue::Cohorts(q) => &q.classes,
        }
    }

    pub fn stats(&self) -> &QueueStats {
        match self {
            ReviewQueue::Items(q) => &q.stats,
            ReviewQueue::Cohorts(q) => &q.stats,
        }
    }

    /// Items waiting (not those under review).
    pub fn waiting_len(&self) -> u64 {
        match self {
            ReviewQueue::Items(q) => q.waiting_len(),
            ReviewQueue::Cohorts(q) => q.waiting_len(),
        }
    }

    pub fn moderators(&self) -> u32 {
        match self {
            ReviewQueue::Items(q) => q.moderators(),
            ReviewQueue::Cohorts(q) => q.moderators(),
        }
    }

    /// Sets the rate of items flagged at upload (per day) and each class's weight
    /// (categories, then clean).
    pub fn set_upload_flags(&mut self, now: SimTime, per_day: f64, class_weights: &[f64]) {
        match self {
            ReviewQueue::Items(q) => q.set_upload_flags(now, per_day, class_weights),
            ReviewQueue::Cohorts(q) => q.set_upload_flags(now, per_day, class_weights),
        }
    }

    /// Adds `count` reported items of category `class`, uploaded at `born`, arriving
    /// at `now`.
    pub fn add_reported(&mut self, now: SimTime, class: usize, count: u64, born: SimTime) {
        match self {
            ReviewQueue::Items(q) => q.add_reported(now, class, count, born),
            ReviewQueue::Cohorts(q) => q.add_reported(now, class, count, born),
        }
    }

    /// Tracks the ages of the items of the categories marked in `tracked`: what
    /// happens to them is logged for `take_age_log`.
    pub fn track_ages(&mut self, tracked: Vec<bool>) {
        let log = match self {
            ReviewQueue::Items(q) => &mut q.ages,
            ReviewQueue::Cohorts(q) => &mut q.ages,
        };
        *log = AgeLog::new(tracked);
    }

    /// What happened to tracked items since the last call, in time order, into
    /// `events` (whose buffer the log goes on with).
    pub fn take_age_log(&mut self, events: &mut Vec<AgedEvent>) {
        let log = match self {
            ReviewQueue::Items(q) => &mut q.ages,
            ReviewQueue::Cohorts(q) => &mut q.ages,
        };
        events.clear();
        std::mem::swap(&mut log.events, events);
        events.sort_by_key(|e| e.at);
    }

    /// Adds moderators from `now` on.
    pub fn add_moderators(&mut self, now: SimTime, count: u32) {
        match self {
            ReviewQueue::Items(q) => q.add_moderators(now, count),
            ReviewQueue::Cohorts(q) => q.add_moderators(now, count),
        }
    }

    /// Plays the queue forward to `t` and hands back, per category, the violating
    /// items its reviews kept since the last call: they return to view, so they are
    /// added to `visible`.
    pub fn advance_to(&mut self, t: SimTime, visible: &mut [u64]) {
        let classes = match self {
            ReviewQueue::Items(q) => {
                q.advance_to(t);
                &mut q.classes
            }
            ReviewQueue::Cohorts(q) => {
                q.advance_to(t);
                &mut q.classes
            }
        };
        for (stock, counts) in visible.iter_mut().zip(classes.iter_mut()) {
            *stock += std::mem::take(&mut counts.kept_pending);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{DurationDist, SimDuration};
    use crate::scenario::Discipline;

    fn queue(model: QueueModel, accuracy: f64) -> ReviewQueue {
        let cfg = QueueConfig {
            moderators: 2,
            review_time: DurationDist::fixed(SimDuration::HOUR),
            accuracy,
            discipline: Discipline::Fifo,
            shift: Shift::ALWAYS,
            urgent: vec![false, false],
            slot: SimDuration::HOUR,
            warm_up: SimTime::ZERO,
            seed: 3,
            replication: 0,
            arrivals_process: 1,
            reviews_process: 2,
        };
        ReviewQueue::new(cfg, model)
    }

    #[test]
    fn kept_items_are_handed_back_once_in_both_models() {
        for model in [QueueModel::Items, QueueModel::Cohorts] {
            // Accuracy 0: every violating item reviewed is wrongly kept.
            let mut q = queue(model, 0.0);
            q.add_reported(SimTime::ZERO, 1, 5, SimTime::ZERO);
            let mut visible = vec![10, 0];
            q.advance_to(SimTime(10 * SimDuration::HOUR.0), &mut visible);
            assert_eq!(visible, vec![10, 5], "{model:?}");
            q.advance_to(SimTime(20 * SimDuration::HOUR.0), &mut visible);
            assert_eq!(visible, vec![10, 5], "{model:?}: handed back twice");
            assert_eq!(q.classes()[1].removed, 0);
            assert_eq!(q.classes()[1].queued, 0);
        }
    }
}
