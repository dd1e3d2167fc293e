//! The review queue item by item: every flagged item an entity with its own arrival
//! time, so waiting times are exact.
//!
//! The loop is an ordinary discrete-event loop over four kinds of instants (arrival,
//! review done, shift start, stream slot); it only avoids the general calendar's cost
//! for the model's busiest process.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::config::{AgeLog, AgedEvent, AgedKind, ClassCounts, QueueConfig, QueueStats, Source, StreamKeys};
use crate::engine::{SimDuration, SimTime, Stream};
use crate::scenario::Discipline;

/// Class of an item: a category index, or `clean` for a false positive.
type Class = u16;

#[derive(Copy, Clone, Debug)]
struct Item {
    arrival: SimTime,
    /// When it was uploaded (its age counts from there).
    born: SimTime,
    class: Class,
    source: Source,
}

/// A review in progress: (done at, sequence, class, slot in `under_review`). The
/// item's upload instant and source wait in the slot, so the heap entries stay small
/// on the queue's busiest path.
type Review = Reverse<(SimTime, u64, Class, u32)>;

/// An item-level multi-server review queue.
pub struct ItemQueue {
    cfg: QueueConfig,
    /// The streams of the current tick slot, seeded when it starts: the loop draws
    /// from them at every item, and checking a lazy stream at every draw made it 15%
    /// slower. An idle queue leaves them to be seeded when it wakes (`stale`).
    arrivals_rng: Stream,
    review_rng: Stream,
    /// The keys of those streams, for their restarts at every tick slot.
    keys: StreamKeys,
    /// The slot whose streams are still to be seeded, when the queue was idle as the
    /// slot started.
    stale: Option<u64>,
    /// Flagged arrivals at upload per millisecond, and the cumulative class weights.
    rate_per_ms: f64,
    class_cdf: Vec<f64>,
    next_arrival: Option<SimTime>,
    /// Where the next stream slot starts.
    next_slot: SimTime,
    now: SimTime,
    waiting: VecDeque<Item>,
    waiting_urgent: VecDeque<Item>,
    /// Reviews in progress, earliest first.
    busy: BinaryHeap<Review>,
    /// The upload instant and source of each item under review, by slot, when ages
    /// are tracked; and the free slots.
    under_review: Vec<(SimTime, Source)>,
    free_slots: Vec<u32>,
    seq: u64,
    idle: u32,
    /// Counts per category; the last entry is the clean class.
    pub classes: Vec<ClassCounts>,
    pub stats: QueueStats,
    /// What happened to items whose ages are tracked.
    pub ages: AgeLog,
}

impl ItemQueue {
    pub fn new(cfg: QueueConfig) -> Self {
        let n = cfg.urgent.len();
        let keys = cfg.stream_keys();
        let (arrivals_rng, review_rng) = keys.seeded_at(0);
        ItemQueue {
            idle: cfg.moderators,
            arrivals_rng,
            review_rng,
            keys,
            stale: None,
            next_slot: SimTime::ZERO + cfg.slot,
            cfg,
            rate_per_ms: 0.0,
            class_cdf: Vec::new(),
            next_arrival: None,
            now: SimTime::ZERO,
            waiting: VecDeque::new(),
            waiting_urgent: VecDeque::new(),
            busy: BinaryHeap::new(),
            under_review: Vec::new(),
            free_slots: Vec::new(),
            seq: 0,
            classes: vec![ClassCounts::default(); n + 1],
            stats: QueueStats::default(),
            ages: AgeLog::default(),
        }
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
        self.wake();
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

    /// Adds `count` reported items of category `class`, uploaded at `born`, arriving
    /// at `now`.
    pub fn add_reported(&mut self, now: SimTime, class: usize, count: u64, born: SimTime) {
        self.advance_to(now);
        self.wake();
        for _ in 0..count {
            self.arrive(Item { arrival: now, born, class: class as Class, source: Source::Report });
        }
    }

    /// Adds moderators from `now` on.
    pub fn add_moderators(&mut self, now: SimTime, count: u32) {
        self.advance_to(now);
        self.wake();
        self.cfg.moderators += count;
        self.idle += count;
        self.start_waiting(now);
    }

    /// Plays the queue forward to `t`: arrivals, review starts and completions.
    pub fn advance_to(&mut self, t: SimTime) {
        self.skip_idle_slots(t);
        loop {
            // Candidate instants; at a tie a finished review goes first (it frees a
            // moderator), then a shift start, then an arrival.
            // Plain integers with a never-sentinel: this loop runs twice per item.
            const NEVER: u64 = u64::MAX;
            let done = self.busy.peek().map_or(NEVER, |r| (r.0).0 .0);
            let shift = if self.idle > 0 && self.waiting_len() > 0 {
                self.cfg.shift.next_start(self.now).0
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
                let item = Item { arrival: time, born: time, class, source: Source::Detection };
                if self.ages.on() {
                    self.ages.record(aged(AgedKind::Arrived, &item, time));
                }
                self.arrive(item);
                self.next_arrival = self.draw_next_arrival(time);
            }
        }
    }

    /// Restarts the streams at a slot boundary. The pending arrival is drawn afresh from
    /// the boundary, which is exact for a Poisson process (it has no memory), so that
    /// arrivals in a slot are the same in every variant whose rate is the same there.
    #[inline(never)]
    fn restart_streams(&mut self, at: SimTime) {
        let index = self.cfg.slot_of(at);
        if self.idle() {
            self.stale = Some(index);
        } else {
            (self.arrivals_rng, self.review_rng) = self.keys.seeded_at(index);
            self.stale = None;
        }
        self.next_slot = at + self.cfg.slot_length();
        self.next_arrival = self.draw_next_arrival(at);
    }

    /// With nothing flagged at upload, nothing waiting and nothing under review, the
    /// slots up to `t` pass without a draw: restarts only the streams of the last slot
    /// that starts by `t` (what restarting at every slot would leave).
    fn skip_idle_slots(&mut self, t: SimTime) {
        if self.idle() && self.next_slot <= t {
            let last = self.cfg.last_slot_start(self.next_slot, t);
            self.integrate(last);
            self.restart_streams(last);
        }
    }

    /// Nothing flagged at upload, nothing waiting, nothing under review: nothing to
    /// draw until the model adds items, moderators or a rate.
    fn idle(&self) -> bool {
        self.rate_per_ms <= 0.0 && self.busy.is_empty() && self.waiting_len() == 0
    }

    /// Seeds the streams of the current slot if the queue was idle when it started:
    /// before the model adds anything that may draw.
    #[inline(never)]
    fn wake(&mut self) {
        if let Some(index) = self.stale.take() {
            (self.arrivals_rng, self.review_rng) = self.keys.seeded_at(index);
        }
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
        let slot = if self.ages.on() {
            match self.free_slots.pop() {
                Some(slot) => slot,
                None => {
                    self.under_review.push((item.born, item.source));
                    (self.under_review.len() - 1) as u32
                }
            }
        } else {
            0
        };
        let review = self.start_review(now, item, slot);
        self.busy.push(review);
    }

    /// Counts the wait of `item` and draws its review: the entry for `busy`, with
    /// the item's age kept in `slot` when ages are tracked.
    fn start_review(&mut self, now: SimTime, item: Item, slot: u32) -> Review {
        if self.ages.on() {
            self.under_review[slot as usize] = (item.born, item.source);
        }
        let wait = now.since(item.arrival);
        self.stats.reviews_started += 1;
        if item.arrival >= self.cfg.warm_up {
            self.stats.waits_counted += 1;
            self.stats.wait_sum_ms += wait.0 as f64;
            self.stats.wait_max = self.stats.wait_max.max(wait);
        }
        let done = now + self.cfg.review_time.sample(&mut self.review_rng);
        self.seq += 1;
        Reverse((done, self.seq, item.class, slot))
    }

    /// Ends the earliest review. When work is waiting, the moderator's next review
    /// replaces the finished one in place: one sift instead of a pop and a push, on
    /// the path every item of a backlogged queue takes.
    fn finish_review(&mut self, now: SimTime) {
        let Some(&Reverse((_, _, class, slot))) = self.busy.peek() else {
            return;
        };
        self.stats.reviews_done += 1;
        let correct = self.cfg.accuracy >= 1.0 || self.review_rng.random::<f64>() < self.cfg.accuracy;
        let clean = class as usize == self.cfg.clean_class();
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
        if self.ages.on() && !clean {
            let (born, source) = self.under_review[slot as usize];
            let kind = if correct { AgedKind::Removed } else { AgedKind::Kept };
            self.ages.record(aged(kind, &Item { arrival: now, born, class, source }, now));
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
                let review = self.start_review(now, item, slot);
                if let Some(mut top) = self.busy.peek_mut() {
                    *top = review;
                }
            }
            None => {
                self.busy.pop();
                self.idle += 1;
                if self.ages.on() {
                    self.free_slots.push(slot);
                }
            }
        }
    }

    fn on_shift(&self, t: SimTime) -> bool {
        self.cfg.shift.on(t)
    }
}

/// The age-log entry of one item.
fn aged(kind: AgedKind, item: &Item, at: SimTime) -> AgedEvent {
    AgedEvent { kind, class: item.class as usize, born: item.born, source: item.source, at, count: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DurationDist;
    use crate::model::queue::shift::Shift;

    fn queue(moderators: u32, review: SimDuration, shift: (u64, u64)) -> ItemQueue {
        let cfg = QueueConfig {
            moderators,
            review_time: DurationDist::fixed(review),
            accuracy: 1.0,
            discipline: Discipline::Fifo,
            shift: Shift {
                start: SimDuration(shift.0 * SimDuration::HOUR.0),
                length: SimDuration(shift.1 * SimDuration::HOUR.0),
            },
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
    fn an_idle_queue_jumps_to_the_streams_of_its_slot() {
        use rand::Rng;
        for (t, slot) in [(SimTime(hours(5).0 + 1_000), 5), (hours(7), 7)] {
            let mut q = queue(2, SimDuration::HOUR, (0, 24));
            q.advance_to(t);
            assert_eq!((q.now, q.next_slot, q.stale), (t, hours(slot + 1), Some(slot)));
            q.wake();
            let (mut arrivals, mut reviews) = q.keys.at(slot);
            assert_eq!(q.arrivals_rng.next_u64(), arrivals.get().next_u64());
            assert_eq!(q.review_rng.next_u64(), reviews.get().next_u64());
        }
    }

    #[test]
    fn one_moderator_serves_a_batch_in_order() {
        // Three items at 0h, one moderator, 1h each: waits 0, 1 and 2 hours.
        let mut q = queue(1, SimDuration::HOUR, (0, 24));
        q.add_reported(SimTime::ZERO, 0, 3, SimTime::ZERO);
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
        q.add_reported(hours(20), 0, 1, hours(20));
        q.advance_to(hours(32));
        assert_eq!(q.stats.reviews_started, 0);
        q.advance_to(hours(33));
        assert_eq!(q.stats.reviews_started, 1);
        q.advance_to(hours(34));
        assert_eq!(q.stats.reviews_done, 1);
        assert_eq!(q.stats.wait_max, SimDuration(13 * SimDuration::HOUR.0));
    }

    #[test]
    fn hiring_starts_waiting_work_at_once() {
        let mut q = queue(0, SimDuration::HOUR, (0, 24));
        q.add_reported(SimTime::ZERO, 0, 2, SimTime::ZERO);
        q.add_moderators(hours(5), 2);
        q.advance_to(hours(6));
        assert_eq!(q.classes[0].removed, 2);
        assert_eq!(q.stats.wait_sum_ms, 10.0 * SimDuration::HOUR.0 as f64);
    }
}
