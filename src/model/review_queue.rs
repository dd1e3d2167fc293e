//! The review queue: flagged items served by moderators, either one entity each
//! ([`ItemQueue`], here) or in aggregate ([`CohortQueue`](super::cohort_queue)); the
//! scenario chooses (see `QueueModel`).
//!
//! The queue advances itself between the model's calendar events instead of putting
//! every arrival and review completion on the calendar. Nothing outside the queue
//! reacts to a single review, so the model only has to bring the queue up to date
//! (`advance_to`) before it changes something the queue depends on (arrival rate,
//! moderators) or reads what the queue produced (removals). Inside, the loop is an
//! ordinary discrete-event loop over three kinds of instants (arrival, review done,
//! shift start), each item an entity with its own arrival time, so waiting times are
//! exact; it only avoids the general calendar's cost for the model's busiest process.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::cohort_queue::CohortQueue;
use crate::engine::{stream_at, DurationDist, SimDuration, SimTime, Stream};
use crate::scenario::{Discipline, QueueModel};

/// Class of an item: a category index, or `clean` for a false positive.
type Class = u16;

#[derive(Copy, Clone, Debug)]
struct Item {
    arrival: SimTime,
    class: Class,
}

/// What the review of one class of items produced so far.
#[derive(Clone, Debug, Default)]
pub struct ClassCounts {
    /// Items flagged at upload (they never went live unless visible while queued).
    pub flagged_at_upload: u64,
    /// Items waiting or under review now.
    pub queued: u64,
    /// Items removed after review.
    pub removed: u64,
    /// Items the review kept although they violate; the model returns them to view.
    pub kept_pending: u64,
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
    pub shift_start: SimDuration,
    pub shift_length: SimDuration,
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

/// The review queue of a replication, item-level or in cohorts.
pub enum ReviewQueue {
    Items(ItemQueue),
    Cohorts(CohortQueue),
}

impl ReviewQueue {
    pub fn new(cfg: QueueConfig, model: QueueModel) -> Self {
        match model {
            QueueModel::Items => ReviewQueue::Items(ItemQueue::new(cfg)),
            QueueModel::Cohorts => ReviewQueue::Cohorts(CohortQueue::new(cfg)),
        }
    }

    pub fn classes(&self) -> &[ClassCounts] {
        match self {
            ReviewQueue::Items(q) => &q.classes,
            ReviewQueue::Cohorts(q) => &q.classes,
        }
    }

    pub fn classes_mut(&mut self) -> &mut [ClassCounts] {
        match self {
            ReviewQueue::Items(q) => &mut q.classes,
            ReviewQueue::Cohorts(q) => &mut q.classes,
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

    /// Adds `count` reported items of category `class` arriving at `now`.
    pub fn add_reported(&mut self, now: SimTime, class: usize, count: u64) {
        match self {
            ReviewQueue::Items(q) => q.add_reported(now, class, count),
            ReviewQueue::Cohorts(q) => q.add_reported(now, class, count),
        }
    }

    /// Adds moderators from `now` on.
    pub fn add_moderators(&mut self, now: SimTime, count: u32) {
        match self {
            ReviewQueue::Items(q) => q.add_moderators(now, count),
            ReviewQueue::Cohorts(q) => q.add_moderators(now, count),
        }
    }

    /// Plays the queue forward to `t`.
    pub fn advance_to(&mut self, t: SimTime) {
        match self {
            ReviewQueue::Items(q) => q.advance_to(t),
            ReviewQueue::Cohorts(q) => q.advance_to(t),
        }
    }
}

impl QueueConfig {
    /// The arrival and review streams of tick slot `index` (see `engine::stream_at`).
    pub(super) fn streams_at(&self, index: u64) -> (Stream, Stream) {
        (
            stream_at(self.seed, self.replication, self.arrivals_process, index),
            stream_at(self.seed, self.replication, self.reviews_process, index),
        )
    }

    /// Milliseconds since the latest shift start, at `t`.
    fn time_into_shift(&self, t: SimTime) -> u64 {
        let day = SimDuration::DAY.0;
        (t.time_of_day().0 + day - self.shift_start.0) % day
    }
}

/// Whether moderators of `cfg` work at `t`.
pub(super) fn on_shift(cfg: &QueueConfig, t: SimTime) -> bool {
    cfg.shift_length >= SimDuration::DAY || cfg.time_into_shift(t) < cfg.shift_length.0
}

/// The next instant after `t` at which a shift starts or ends (far in the future for
/// round-the-clock work).
pub(super) fn next_shift_change(cfg: &QueueConfig, t: SimTime) -> SimTime {
    if cfg.shift_length >= SimDuration::DAY {
        return SimTime(u64::MAX);
    }
    let into_shift = cfg.time_into_shift(t);
    let until = if into_shift < cfg.shift_length.0 {
        cfg.shift_length.0 - into_shift
    } else {
        SimDuration::DAY.0 - into_shift
    };
    SimTime(t.0 + until)
}

/// An item-level multi-server review queue.
pub struct ItemQueue {
    cfg: QueueConfig,
    arrivals_rng: Stream,
    review_rng: Stream,
    /// Flagged arrivals at upload per millisecond, and the cumulative class weights.
    rate_per_ms: f64,
    class_cdf: Vec<f64>,
    next_arrival: Option<SimTime>,
    /// Where the next stream slot starts.
    next_slot: SimTime,
    now: SimTime,
    waiting: VecDeque<Item>,
    waiting_urgent: VecDeque<Item>,
    /// Reviews in progress: (done at, sequence, class), earliest first.
    busy: BinaryHeap<Reverse<(SimTime, u64, Class)>>,
    seq: u64,
    idle: u32,
    /// Counts per category; the last entry is the clean class.
    pub classes: Vec<ClassCounts>,
    pub stats: QueueStats,
}

impl ItemQueue {
    pub fn new(cfg: QueueConfig) -> Self {
        let n = cfg.urgent.len();
        let (arrivals_rng, review_rng) = cfg.streams_at(0);
        ItemQueue {
            idle: cfg.moderators,
            arrivals_rng,
            review_rng,
            next_slot: SimTime::ZERO + cfg.slot,
            cfg,
            rate_per_ms: 0.0,
            class_cdf: Vec::new(),
            next_arrival: None,
            now: SimTime::ZERO,
            waiting: VecDeque::new(),
            waiting_urgent: VecDeque::new(),
            busy: BinaryHeap::new(),
            seq: 0,
            classes: vec![ClassCounts::default(); n + 1],
            stats: QueueStats::default(),
        }
    }

    /// Index of the clean class in `classes`.
    pub fn clean_class(&self) -> usize {
        self.cfg.urgent.len()
    }

    /// Waiting items (not those under review).
    pub fn waiting_len(&self) -> u64 {
        (self.waiting.len() + self.waiting_urgent.len()) as u64
    }

    pub fn moderators(&self) -> u32 {
        self.cfg.moderators
    }

    /// Sets the Poisson rate of items flagged at upload (per day) and the weight of each
    /// class (categories, then clean). The next arrival is drawn afresh: exact, since
    /// the exponential distribution has no memory.
    pub fn set_upload_flags(&mut self, now: SimTime, per_day: f64, class_weights: &[f64]) {
        self.advance_to(now);
        let total: f64 = class_weights.iter().sum();
        self.rate_per_ms = if total > 0.0 { per_day / SimDuration::DAY.0 as f64 } else { 0.0 };
        let mut acc = 0.0;
        self.class_cdf = class_weights
            .iter()
            .map(|w| {
                acc += w / total.max(f64::MIN_POSITIVE);
                acc
            })
            .collect();
        self.next_arrival = self.draw_next_arrival(now);
    }

    /// Adds `count` reported items of category `class` arriving at `now`.
    pub fn add_reported(&mut self, now: SimTime, class: usize, count: u64) {
        self.advance_to(now);
        for _ in 0..count {
            self.arrive(Item { arrival: now, class: class as Class });
        }
    }

    /// Adds moderators from `now` on.
    pub fn add_moderators(&mut self, now: SimTime, count: u32) {
        self.advance_to(now);
        self.cfg.moderators += count;
        self.idle += count;
        self.start_waiting(now);
    }

    /// Plays the queue forward to `t`: arrivals, review starts and completions.
    pub fn advance_to(&mut self, t: SimTime) {
        loop {
            // Candidate instants; at a tie a finished review goes first (it frees a
            // moderator), then a shift start, then an arrival.
            // Plain integers with a never-sentinel: this loop runs twice per item.
            const NEVER: u64 = u64::MAX;
            let done = self.busy.peek().map_or(NEVER, |r| (r.0).0 .0);
            let shift = if self.idle > 0 && self.waiting_len() > 0 {
                self.next_shift_start(self.now).0
            } else {
                NEVER
            };
            let arrival = self.next_arrival.map_or(NEVER, |a| a.0);
            let slot = self.next_slot.0;
            let next = done.min(shift).min(arrival).min(slot);
            if next > t.0 {
                self.integrate(t);
                return;
            }
            let time = SimTime(next);
            self.integrate(time);
            if slot == next {
                self.restart_streams(time);
            } else if done == next {
                self.finish_review(time);
            } else if shift == next {
                self.start_waiting(time);
            } else {
                let class = self.draw_class();
                self.classes[class as usize].flagged_at_upload += 1;
                self.arrive(Item { arrival: time, class });
                self.next_arrival = self.draw_next_arrival(time);
            }
        }
    }

    /// Restarts the streams at a slot boundary. The pending arrival is drawn afresh from
    /// the boundary, which is exact for a Poisson process (it has no memory), so that
    /// arrivals in a slot are the same in every variant whose rate is the same there.
    fn restart_streams(&mut self, at: SimTime) {
        (self.arrivals_rng, self.review_rng) = self.cfg.streams_at(at.0 / self.cfg.slot.0.max(1));
        self.next_slot = at + self.cfg.slot.max(SimDuration(1));
        self.next_arrival = self.draw_next_arrival(at);
    }

    fn integrate(&mut self, t: SimTime) {
        if t > self.now {
            let from = self.now.max(self.cfg.warm_up);
            if t > from {
                self.stats.backlog_area += self.waiting_len() as f64 * t.since(from).0 as f64;
            }
            self.now = t;
        }
    }

    fn draw_next_arrival(&mut self, from: SimTime) -> Option<SimTime> {
        if self.rate_per_ms <= 0.0 {
            return None;
        }
        let gap: f64 = Exp1.sample(&mut self.arrivals_rng);
        Some(from + SimDuration::from_secs_f64(gap / self.rate_per_ms / 1_000.0))
    }

    fn draw_class(&mut self) -> Class {
        if self.class_cdf.len() <= 1 {
            return 0;
        }
        let u: f64 = self.arrivals_rng.random();
        self.class_cdf.iter().position(|&c| u < c).unwrap_or(self.class_cdf.len() - 1) as Class
    }

    fn is_urgent(&self, class: Class) -> bool {
        self.cfg.urgent.get(class as usize).copied().unwrap_or(false)
    }

    fn arrive(&mut self, item: Item) {
        self.stats.arrivals += 1;
        self.classes[item.class as usize].queued += 1;
        if self.cfg.discipline == Discipline::UrgentFirst && self.is_urgent(item.class) {
            self.waiting_urgent.push_back(item);
        } else {
            self.waiting.push_back(item);
        }
        self.stats.backlog_max = self.stats.backlog_max.max(self.waiting_len());
        if self.idle > 0 && self.on_shift(item.arrival) {
            self.start_waiting(item.arrival);
        }
    }

    /// Starts reviews while moderators are idle, items wait and the shift is on.
    fn start_waiting(&mut self, now: SimTime) {
        if !self.on_shift(now) {
            return;
        }
        while self.idle > 0 {
            let Some(item) = self.waiting_urgent.pop_front().or_else(|| self.waiting.pop_front()) else {
                break;
            };
            self.idle -= 1;
            self.begin_review(now, item);
        }
    }

    fn begin_review(&mut self, now: SimTime, item: Item) {
        let review = self.start_review(now, item);
        self.busy.push(review);
    }

    /// Counts the wait of `item` and draws its review: the entry for `busy`.
    fn start_review(&mut self, now: SimTime, item: Item) -> Reverse<(SimTime, u64, Class)> {
        let wait = now.since(item.arrival);
        self.stats.reviews_started += 1;
        if item.arrival >= self.cfg.warm_up {
            self.stats.waits_counted += 1;
            self.stats.wait_sum_ms += wait.0 as f64;
            self.stats.wait_max = self.stats.wait_max.max(wait);
        }
        let done = now + self.cfg.review_time.sample(&mut self.review_rng);
        self.seq += 1;
        Reverse((done, self.seq, item.class))
    }

    /// Ends the earliest review. When work is waiting, the moderator's next review
    /// replaces the finished one in place: one sift instead of a pop and a push, on
    /// the path every item of a backlogged queue takes.
    fn finish_review(&mut self, now: SimTime) {
        let Some(&Reverse((_, _, class))) = self.busy.peek() else {
            return;
        };
        self.stats.reviews_done += 1;
        let correct = self.cfg.accuracy >= 1.0 || self.review_rng.random::<f64>() < self.cfg.accuracy;
        let clean = class as usize == self.clean_class();
        let counts = &mut self.classes[class as usize];
        counts.queued -= 1;
        match (clean, correct) {
            (false, true) => counts.removed += 1,
            (false, false) => counts.kept_pending += 1,
            (true, true) => {}
            (true, false) => {
                counts.removed += 1;
                self.stats.wrongful_removals += 1;
            }
        }
        // The moderator takes the next item if the shift is still on; otherwise idles
        // until the next shift start.
        let next = if self.on_shift(now) {
            self.waiting_urgent.pop_front().or_else(|| self.waiting.pop_front())
        } else {
            None
        };
        match next {
            Some(item) => {
                let review = self.start_review(now, item);
                if let Some(mut top) = self.busy.peek_mut() {
                    *top = review;
                }
            }
            None => {
                self.busy.pop();
                self.idle += 1;
            }
        }
    }

    fn on_shift(&self, t: SimTime) -> bool {
        on_shift(&self.cfg, t)
    }

    /// `t` when on shift; otherwise the next shift start (off shift, the next change).
    fn next_shift_start(&self, t: SimTime) -> SimTime {
        if self.on_shift(t) {
            t
        } else {
            next_shift_change(&self.cfg, t)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(moderators: u32, review: SimDuration, shift: (u64, u64)) -> ItemQueue {
        let cfg = QueueConfig {
            moderators,
            review_time: DurationDist::fixed(review),
            accuracy: 1.0,
            discipline: Discipline::Fifo,
            shift_start: SimDuration(shift.0 * SimDuration::HOUR.0),
            shift_length: SimDuration(shift.1 * SimDuration::HOUR.0),
            urgent: vec![false],
            slot: SimDuration::HOUR,
            warm_up: SimTime::ZERO,
            seed: 1,
            replication: 0,
            arrivals_process: 1,
            reviews_process: 2,
        };
        ItemQueue::new(cfg)
    }

    fn hours(h: u64) -> SimTime {
        SimTime(h * SimDuration::HOUR.0)
    }

    #[test]
    fn one_moderator_serves_a_batch_in_order() {
        // Three items at 0h, one moderator, 1h each: waits 0, 1 and 2 hours.
        let mut q = queue(1, SimDuration::HOUR, (0, 24));
        q.add_reported(SimTime::ZERO, 0, 3);
        q.advance_to(hours(10));
        assert_eq!(q.classes[0].removed, 3);
        assert_eq!(q.stats.wait_sum_ms, 3.0 * SimDuration::HOUR.0 as f64);
        assert_eq!(q.stats.wait_max, SimDuration(2 * SimDuration::HOUR.0));
        // Backlog: 2 items for 1h, 1 item for 1h: area 3 item-hours.
        assert_eq!(q.stats.backlog_area, 3.0 * SimDuration::HOUR.0 as f64);
    }

    #[test]
    fn work_waits_for_the_shift() {
        // Shift 09:00-17:00; an item reported at 20:00 is reviewed at 09:00 next day.
        let mut q = queue(1, SimDuration::HOUR, (9, 8));
        q.add_reported(hours(20), 0, 1);
        q.advance_to(hours(32));
        assert_eq!(q.stats.reviews_started, 0);
        q.advance_to(hours(33));
        assert_eq!(q.stats.reviews_started, 1);
        q.advance_to(hours(34));
        assert_eq!(q.stats.reviews_done, 1);
        assert_eq!(q.stats.wait_max, SimDuration(13 * SimDuration::HOUR.0));
    }

    #[test]
    fn shift_changes_are_found_from_any_instant() {
        let cfg = queue(1, SimDuration::HOUR, (9, 8)).cfg;
        assert_eq!(next_shift_change(&cfg, hours(0)), hours(9));
        assert_eq!(next_shift_change(&cfg, hours(9)), hours(17));
        assert_eq!(next_shift_change(&cfg, hours(12)), hours(17));
        assert_eq!(next_shift_change(&cfg, hours(17)), hours(33));
        assert!(on_shift(&cfg, hours(9)) && !on_shift(&cfg, hours(17)));
    }

    #[test]
    fn hiring_starts_waiting_work_at_once() {
        let mut q = queue(0, SimDuration::HOUR, (0, 24));
        q.add_reported(SimTime::ZERO, 0, 2);
        q.add_moderators(hours(5), 2);
        q.advance_to(hours(6));
        assert_eq!(q.classes[0].removed, 2);
        assert_eq!(q.stats.wait_sum_ms, 10.0 * SimDuration::HOUR.0 as f64);
    }
}
