//! The review queue's shared base: its fixed settings, the counts per class and the
//! waiting statistics, used alike by the item and the cohort queue.

use super::shift::Shift;
use crate::engine::{DurationDist, LazyStream, ProcessKey, SimDuration, SimTime, Stream};
use crate::scenario::Discipline;

/// What the review of one class of items produced so far.
#[derive(Clone, Debug, Default)]
pub struct ClassCounts {
    /// Items flagged at upload (they never went live unless visible while queued).
    pub flagged_at_upload: u64,
    /// Items waiting or under review now.
    pub queued: u64,
    /// Items removed after review.
    pub removed: u64,
    /// Items the review kept although they violate, not yet handed back by
    /// `ReviewQueue::advance_to`.
    pub(super) kept_pending: u64,
}

/// Waiting and backlog statistics of one replication's queue.
#[derive(Clone, Debug, Default)]
pub struct QueueStats {
    pub arrivals: u64,
    pub reviews_started: u64,
    pub reviews_done: u64,
    /// Reviews of items that arrived after the warm-up: the waits counted below.
    pub waits_counted: u64,
    /// Sum of counted waits (arrival to review start) in milliseconds.
    pub wait_sum_ms: f64,
    pub wait_max: SimDuration,
    /// Integral of the number of waiting items over time since the warm-up, in
    /// item-milliseconds.
    pub backlog_area: f64,
    pub backlog_max: u64,
    /// Clean items removed by mistake (collateral damage).
    pub wrongful_removals: u64,
}

/// Fixed settings of the queue.
pub struct QueueConfig {
    pub moderators: u32,
    pub review_time: DurationDist,
    pub accuracy: f64,
    pub discipline: Discipline,
    /// When moderators work.
    pub shift: Shift,
    /// Urgency per category.
    pub urgent: Vec<bool>,
    /// Streams restart at every multiple of `slot`, from keys (seed, replication,
    /// process, slot index), to keep common random numbers aligned between variants.
    pub slot: SimDuration,
    /// Waits and backlog before this instant are left out of the statistics.
    pub warm_up: SimTime,
    pub seed: u64,
    pub replication: u64,
    pub arrivals_process: u64,
    pub reviews_process: u64,
}

impl QueueConfig {
    /// The keys of the arrival and review streams, computed once for the restarts at
    /// every tick slot.
    pub fn stream_keys(&self) -> StreamKeys {
        StreamKeys(
            [self.arrivals_process, self.reviews_process]
                .map(|p| ProcessKey::new(self.seed, self.replication, p)),
        )
    }

    /// The length of a tick slot (at least a millisecond).
    pub fn slot_length(&self) -> SimDuration {
        self.slot.max(SimDuration(1))
    }

    /// The index of the tick slot `t` falls in: the key of its streams.
    pub fn slot_of(&self, t: SimTime) -> u64 {
        t.0 / self.slot_length().0
    }

    /// The start of the last slot that starts by `t`, of the slots from `next` on
    /// (`next` a slot start at most `t`): where a queue that skips idle slots restarts
    /// its streams.
    pub fn last_slot_start(&self, next: SimTime, t: SimTime) -> SimTime {
        let length = self.slot_length().0;
        SimTime(next.0 + (t.0 - next.0) / length * length)
    }

    /// Index of the clean class (false positives) in the counts per class: after the
    /// categories.
    pub fn clean_class(&self) -> usize {
        self.urgent.len()
    }
}

/// The keys of a queue's arrival and review streams.
#[derive(Clone, Copy, Debug)]
pub struct StreamKeys([ProcessKey; 2]);

impl StreamKeys {
    /// The arrival and review streams of tick slot `index` (see `engine::stream_at`).
    pub fn at(&self, index: u64) -> (LazyStream, LazyStream) {
        (self.0[0].at(index), self.0[1].at(index))
    }

    /// The same streams, seeded now.
    pub fn seeded_at(&self, index: u64) -> (Stream, Stream) {
        (self.0[0].seeded_at(index), self.0[1].seeded_at(index))
    }
}

/// How a violating item came to the review queue.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// Flagged by automated detection at upload.
    Detection,
    /// Reported by a user while live.
    Report,
}

/// What happened to violating items of a category whose ages are tracked
/// (`ReviewQueue::track_ages`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AgedKind {
    /// Flagged at upload: they joined the queue without going live.
    Arrived,
    /// Removed after review.
    Removed,
    /// Kept by a review although they violate: they go live again.
    Kept,
}

/// `count` items of category `class`, uploaded at `born`, that came to the queue by
/// `source`, had `kind` happen to them at `at`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AgedEvent {
    pub kind: AgedKind,
    pub class: usize,
    pub born: SimTime,
    pub source: Source,
    pub at: SimTime,
    pub count: u64,
}

/// The categories whose items' ages are tracked, and what happened to them since the
/// model last took the log, in time order.
#[derive(Clone, Debug, Default)]
pub struct AgeLog {
    tracked: Vec<bool>,
    pub(super) events: Vec<AgedEvent>,
}

impl AgeLog {
    pub fn new(tracked: Vec<bool>) -> Self {
        AgeLog { tracked, events: Vec::new() }
    }

    /// Whether any category's ages are tracked.
    pub(super) fn on(&self) -> bool {
        !self.tracked.is_empty()
    }

    /// Whether the ages of `class`'s items are tracked.
    pub(super) fn tracks(&self, class: usize) -> bool {
        self.tracked.get(class).copied().unwrap_or(false)
    }

    /// Records `event` if its category's ages are tracked.
    pub(super) fn record(&mut self, event: AgedEvent) {
        if event.count > 0 && self.tracks(event.class) {
            self.events.push(event);
        }
    }
}
