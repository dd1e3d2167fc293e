//! The review queue in aggregate: flagged items as cohorts (a count, a class and an
//! arrival time) instead of one entity each, for platforms whose flagged volume would
//! make item-level simulation too costly.
//!
//! Time advances in sub-steps (the tick slot, split at shift changes and at every
//! model event). In a sub-step, each class's arrivals are a Poisson count (independent
//! counts: that is what splitting one Poisson count among classes gives), and
//! the moderators on shift start `moderators x on-shift time / mean review time`
//! reviews (a fluid capacity, the fraction carried over), first come first served (or
//! urgent first); a shift adds the review each moderator finishes after it ends. A
//! review ends one mean review time after it starts.
//!
//! A fluid queue only waits when arrivals outrun capacity; random coincidences, which
//! make a stable queue wait too, are left out. So each reviewed item is credited the
//! larger of its fluid wait and the stationary wait of the current load, Erlang C with
//! the Allen-Cunneen correction for the review-time variability (the pointwise
//! stationary approximation of Green and Kolesar, 1991). The time-average backlog adds
//! the matching stationary queue length (Little's law). Counts are exact: every item
//! is queued, reviewed, removed or kept, as in item mode. benches/README.md gives the
//! error against item mode on the scenario library.

use std::collections::VecDeque;

use super::config::{AgeLog, AgedEvent, AgedKind, ClassCounts, QueueConfig, QueueStats, Source, StreamKeys};
use crate::engine::counts::{Binomial, Poisson};
use crate::engine::{LazyStream, SimDuration, SimTime};
use crate::scenario::Discipline;

#[derive(Copy, Clone, Debug)]
struct Cohort {
    /// When its items arrived (waiting) or finish review (under review).
    time: SimTime,
    class: u16,
    count: u64,
    /// When its items were uploaded.
    born: SimTime,
    source: Source,
}

/// A review queue of cohorts.
pub struct CohortQueue {
    cfg: QueueConfig,
    arrivals_rng: LazyStream,
    review_rng: LazyStream,
    /// The keys of those streams' processes, for their restarts at every tick slot.
    keys: StreamKeys,
    /// Samplers of each class's arrivals and of the reviews' accuracy.
    arrivals: Vec<Poisson>,
    accuracy: Binomial,
    /// Per class, the reviews that ended in this sub-step, to be judged together.
    ended: Vec<u64>,
    rate_per_ms: f64,
    class_weights: Vec<f64>,
    next_slot: SimTime,
    now: SimTime,
    waiting: VecDeque<Cohort>,
    waiting_urgent: VecDeque<Cohort>,
    waiting_count: u64,
    /// Reviews in progress, by the time they end (increasing: all last the mean).
    in_review: VecDeque<Cohort>,
    mean_review_ms: f64,
    /// Squared coefficient of variation of review times.
    review_cv2: f64,
    /// Capacity not yet used: a fraction of a review.
    carry: f64,
    /// Stationary wait (ms) and queue length of the current load; zero when the load
    /// is at or above capacity (the fluid backlog carries it then).
    stationary_wait_ms: f64,
    stationary_length: f64,
    pub classes: Vec<ClassCounts>,
    pub stats: QueueStats,
    /// What happened to items whose ages are tracked.
    pub ages: AgeLog,
}

impl CohortQueue {
    pub fn new(cfg: QueueConfig) -> Self {
        let n = cfg.urgent.len();
        let mean_review_ms = (cfg.review_time.mean_secs() * 1_000.0).max(1.0);
        let keys = cfg.stream_keys();
        let (arrivals_rng, review_rng) = keys.at(0);
        CohortQueue {
            arrivals_rng,
            review_rng,
            keys,
            arrivals: vec![Poisson::default(); n + 1],
            ended: vec![0; n + 1],
            accuracy: Binomial::default(),
            review_cv2: cfg.review_time.cv2(),
            next_slot: SimTime::ZERO + cfg.slot,
            rate_per_ms: 0.0,
            class_weights: Vec::new(),
            now: SimTime::ZERO,
            waiting: VecDeque::new(),
            waiting_urgent: VecDeque::new(),
            waiting_count: 0,
            in_review: VecDeque::new(),
            mean_review_ms,
            carry: 0.0,
            stationary_wait_ms: 0.0,
            stationary_length: 0.0,
            classes: vec![ClassCounts::default(); n + 1],
            stats: QueueStats::default(),
            ages: AgeLog::default(),
            cfg,
        }
    }

    pub fn waiting_len(&self) -> u64 {
        self.waiting_count
    }

    pub fn moderators(&self) -> u32 {
        self.cfg.moderators
    }

    pub fn set_upload_flags(&mut self, now: SimTime, per_day: f64, class_weights: &[f64]) {
        self.advance_to(now);
        let total: f64 = class_weights.iter().sum();
        self.rate_per_ms = if total > 0.0 { per_day / SimDuration::DAY.0 as f64 } else { 0.0 };
        self.class_weights = class_weights.iter().map(|w| w / total.max(f64::MIN_POSITIVE)).collect();
        self.update_stationary();
    }

    pub fn add_reported(&mut self, now: SimTime, class: usize, count: u64, born: SimTime) {
        self.advance_to(now);
        self.arrive(Cohort { time: now, class: class as u16, count, born, source: Source::Report });
    }

    pub fn add_moderators(&mut self, now: SimTime, count: u32) {
        self.advance_to(now);
        self.cfg.moderators += count;
        self.update_stationary();
    }

    /// Plays the queue forward to `t` in sub-steps.
    pub fn advance_to(&mut self, t: SimTime) {
        self.skip_idle(t);
        while self.now < t {
            let end = t.min(self.next_slot).min(self.cfg.shift.next_change(self.now));
            self.sub_step(self.now, end);
            self.now = end;
            if end == self.next_slot {
                (self.arrivals_rng, self.review_rng) = self.keys.at(self.cfg.slot_of(end));
                self.next_slot = end + self.cfg.slot_length();
            }
        }
    }

    /// With nothing flagged at upload, nothing waiting or under review and no
    /// capacity carried, a sub-step draws nothing and adds nothing (zero to the
    /// backlog's area): jumps to `t`, with the streams of the last slot that starts
    /// by `t`, as the sub-steps would leave them.
    fn skip_idle(&mut self, t: SimTime) {
        let idle = self.rate_per_ms == 0.0
            && self.stationary_length == 0.0
            && self.waiting_count == 0
            && self.in_review.is_empty()
            && self.carry == 0.0;
        if !idle || self.now >= t {
            return;
        }
        if self.next_slot <= t {
            let last = self.cfg.last_slot_start(self.next_slot, t);
            (self.arrivals_rng, self.review_rng) = self.keys.at(self.cfg.slot_of(last));
            self.next_slot = last + self.cfg.slot_length();
        }
        self.now = t;
    }

    /// Erlang C wait and queue length for the upload-flag rate and the moderators, with
    /// the Allen-Cunneen factor (1 + cv^2) / 2 for the review-time variability.
    fn update_stationary(&mut self) {
        let (wait, length) =
            stationary_wait(self.rate_per_ms, self.mean_review_ms, self.cfg.moderators, self.review_cv2);
        self.stationary_wait_ms = wait;
        self.stationary_length = length;
    }

    fn arrive(&mut self, cohort: Cohort) {
        if cohort.count == 0 {
            return;
        }
        self.stats.arrivals += cohort.count;
        self.classes[cohort.class as usize].queued += cohort.count;
        self.waiting_count += cohort.count;
        let urgent = self.cfg.urgent.get(cohort.class as usize).copied().unwrap_or(false);
        if self.cfg.discipline == Discipline::UrgentFirst && urgent {
            self.waiting_urgent.push_back(cohort);
        } else {
            self.waiting.push_back(cohort);
        }
        self.stats.backlog_max = self.stats.backlog_max.max(self.waiting_count);
    }

    fn sub_step(&mut self, a: SimTime, b: SimTime) {
        let dt = b.since(a).0 as f64;
        // Arrivals flagged at upload, credited to the middle of the sub-step.
        let mean = self.rate_per_ms * dt;
        let arrivals_at_start = self.stats.arrivals;
        let mid = SimTime(a.0 + (b.0 - a.0) / 2);
        // Item-milliseconds spent waiting in this sub-step (the fluid backlog's area).
        let mut area = 0.0;
        for class in 0..self.class_weights.len() {
            let n = self.arrivals[class].draw(&mut self.arrivals_rng, mean * self.class_weights[class]);
            if n > 0 {
                self.classes[class].flagged_at_upload += n;
                let cohort =
                    Cohort { time: mid, class: class as u16, count: n, born: mid, source: Source::Detection };
                if self.ages.on() {
                    self.ages.record(aged(AgedKind::Arrived, &cohort, n));
                }
                self.arrive(cohort);
            }
        }

        // Reviews started in this sub-step, first come first served.
        if self.cfg.shift.on(a) {
            // A moderator starts reviews up to the last instant of a shift and finishes
            // the one in hand after it: renewal theory gives L / mean + (1 + cv^2) / 2
            // starts in a shift of length L, so each shift adds the second term.
            let shift_starts = self.cfg.shift.starts_at(a);
            if shift_starts && self.waiting_count > 0 {
                self.carry += self.cfg.moderators as f64 * (1.0 + self.review_cv2) / 2.0;
            }
            let capacity = self.cfg.moderators as f64 * dt / self.mean_review_ms + self.carry;
            let started = self.start_reviews(a, dt, capacity, &mut area);
            // Unused capacity is lost when the queue empties, as an idle moderator's is.
            self.carry = if self.waiting_count > 0 { capacity - started } else { 0.0 };
        }

        // Reviews that end by the end of the sub-step: those of a class whose ages are
        // not tracked are judged together (binomials of one probability add up).
        while self.in_review.front().is_some_and(|c| c.time <= b) {
            if let Some(done) = self.in_review.pop_front() {
                if self.ages.tracks(done.class as usize) {
                    let correct = self.judge(done.class as usize, done.count);
                    self.ages.record(aged(AgedKind::Removed, &done, correct));
                    self.ages.record(aged(AgedKind::Kept, &done, done.count - correct));
                } else {
                    self.ended[done.class as usize] += done.count;
                }
            }
        }
        for class in 0..self.ended.len() {
            let n = std::mem::take(&mut self.ended[class]);
            if n > 0 {
                self.judge(class, n);
            }
        }

        // Backlog: items still waiting at the end waited since the start (or since
        // the middle, for this sub-step's arrivals: FIFO leaves the newest waiting);
        // the stationary queue length of the load stands in when it is larger.
        if b > self.cfg.warm_up {
            let arrived = self.stats.arrivals - arrivals_at_start;
            let new = self.waiting_count.min(arrived);
            let old = self.waiting_count - new;
            area += old as f64 * dt + new as f64 * b.since(mid).0 as f64;
            let counted = b.since(a.max(self.cfg.warm_up)).0 as f64 / dt.max(1.0);
            self.stats.backlog_area += area.max(self.stationary_length * dt) * counted;
        }
    }

    /// Starts the reviews of the sub-step from `a`, `dt` long, with `capacity` reviews
    /// to start, first come first served (urgent first): the m reviews of a cohort start
    /// spread over the sub-step in capacity order, on average at the middle of their
    /// share, and end one mean review later. Adds their waiting to `area`; returns how
    /// many started.
    fn start_reviews(&mut self, a: SimTime, dt: f64, capacity: f64, area: &mut f64) -> f64 {
        // Counts in integers, times in floats; the statistics the loop adds to are kept
        // in locals (the sums in their order).
        let whole = capacity.floor() as u64;
        let a_ms = a.0 as f64;
        let per_review = dt / capacity;
        let (mut wait_sum, mut longest_counted) = (self.stats.wait_sum_ms, 0.0f64);
        let (mut started, mut counted) = (0u64, 0u64);
        while started < whole {
            let queue =
                if self.waiting_urgent.is_empty() { &mut self.waiting } else { &mut self.waiting_urgent };
            let Some(front) = queue.front_mut() else { break };
            let n = front.count.min(whole - started);
            let m = n as f64;
            let first = a_ms + started as f64 * per_review;
            let last = a_ms + (started + n - 1) as f64 * per_review;
            let arrival = front.time.0 as f64;
            let mean_start = later((first + last) / 2.0, arrival);
            *area += m * (mean_start - later(arrival, a_ms));
            if front.time >= self.cfg.warm_up {
                counted += n;
                wait_sum += m * later(mean_start - arrival, self.stationary_wait_ms);
                longest_counted = later(longest_counted, later(last, arrival) - arrival);
            }
            let piece =
                Cohort { time: SimTime((mean_start + self.mean_review_ms) as u64), count: n, ..*front };
            front.count -= n;
            if front.count == 0 {
                queue.pop_front();
            }
            self.in_review.push_back(piece);
            started += n;
        }
        self.waiting_count -= started;
        self.stats.reviews_started += started;
        self.stats.waits_counted += counted;
        self.stats.wait_sum_ms = wait_sum;
        self.stats.wait_max = self.stats.wait_max.max(SimDuration(longest_counted as u64));
        started as f64
    }

    /// `n` reviews of items of `class` end: the correct decisions remove violating
    /// items and keep clean ones. Returns how many were correct.
    fn judge(&mut self, class: usize, n: u64) -> u64 {
        self.stats.reviews_done += n;
        let correct = self.accuracy.draw(&mut self.review_rng, n, self.cfg.accuracy);
        let counts = &mut self.classes[class];
        counts.queued -= n;
        if class == self.cfg.clean_class() {
            counts.removed += n - correct;
            self.stats.wrongful_removals += n - correct;
        } else {
            counts.removed += correct;
            counts.kept_pending += n - correct;
        }
        correct
    }
}

/// The larger of two instants or durations in milliseconds (never NaN here, so no NaN
/// handling as `f64::max` has).
fn later(x: f64, y: f64) -> f64 {
    if x > y {
        x
    } else {
        y
    }
}

/// The age-log entry of `count` items of `cohort`, at the cohort's time.
fn aged(kind: AgedKind, cohort: &Cohort, count: u64) -> AgedEvent {
    let (class, born, source, at) = (cohort.class as usize, cohort.born, cohort.source, cohort.time);
    AgedEvent { kind, class, born, source, at, count }
}

/// Stationary mean wait (ms) and mean queue length of a multi-server queue with
/// Poisson arrivals at `rate_per_ms`, `servers` servers and reviews of mean
/// `mean_ms` and squared coefficient of variation `cv2`: Erlang C, scaled by
/// (1 + cv2) / 2 (Allen-Cunneen). Zero when the load reaches capacity.
pub fn stationary_wait(rate_per_ms: f64, mean_ms: f64, servers: u32, cv2: f64) -> (f64, f64) {
    let offered = rate_per_ms * mean_ms;
    let c = servers as f64;
    if servers == 0 || offered <= 0.0 || offered >= c {
        return (0.0, 0.0);
    }
    // Erlang B by its stable recurrence, then Erlang C.
    let mut b = 1.0;
    for k in 1..=servers {
        b = offered * b / (k as f64 + offered * b);
    }
    let rho = offered / c;
    let erlang_c = b / (1.0 - rho * (1.0 - b));
    let wait = erlang_c * mean_ms / (c - offered) * (1.0 + cv2) / 2.0;
    (wait, rate_per_ms * wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DurationDist;
    use crate::model::queue::shift::Shift;

    fn queue(moderators: u32, review: DurationDist) -> CohortQueue {
        CohortQueue::new(QueueConfig {
            moderators,
            review_time: review,
            accuracy: 1.0,
            discipline: Discipline::Fifo,
            shift: Shift::ALWAYS,
            urgent: vec![false],
            slot: SimDuration::HOUR,
            warm_up: SimTime::ZERO,
            seed: 1,
            replication: 0,
            arrivals_process: 1,
            reviews_process: 2,
        })
    }

    #[test]
    fn erlang_c_matches_a_hand_computation() {
        // M/M/1 at rho 0.5: Wq = rho / (mu - lambda) = 0.5 / (1 - 0.5) = 1 mean service.
        let (w, l) = stationary_wait(0.5, 1.0, 1, 1.0);
        assert!((w - 1.0).abs() < 1e-12 && (l - 0.5).abs() < 1e-12);
        // M/M/10 at rho 0.95, mean 6 minutes: 9.907 minutes (the peer benchmark's value).
        let per_ms = 95.0 / 3_600_000.0;
        let (w, _) = stationary_wait(per_ms, 360_000.0, 10, 1.0);
        assert!((w / 60_000.0 - 9.907).abs() < 0.001, "{}", w / 60_000.0);
        // Deterministic service halves the wait (Allen-Cunneen), overload gives none.
        assert!((stationary_wait(0.5, 1.0, 1, 0.0).0 - 0.5).abs() < 1e-12);
        assert_eq!(stationary_wait(2.0, 1.0, 1, 1.0), (0.0, 0.0));
    }

    #[test]
    fn an_idle_queue_jumps_to_the_streams_of_its_slot() {
        use rand::Rng;
        let hours = |h: u64| SimTime(h * SimDuration::HOUR.0);
        for (t, slot) in [(SimTime(hours(5).0 + 1_000), 5), (hours(7), 7)] {
            let mut q = queue(2, DurationDist::fixed(SimDuration::HOUR));
            q.advance_to(t);
            assert_eq!((q.now, q.next_slot), (t, hours(slot + 1)));
            let (mut arrivals, mut reviews) = q.keys.at(slot);
            assert_eq!(q.arrivals_rng.get().next_u64(), arrivals.get().next_u64());
            assert_eq!(q.review_rng.get().next_u64(), reviews.get().next_u64());
        }
    }

    #[test]
    fn an_overloaded_batch_drains_at_the_fluid_rate() {
        // 100 items at 0h, 10 moderators, 1h each: 10 reviews start per hour, so the
        // batch takes 10 hours and waits 4.95 hours on average (0..9.9 in steps).
        let mut q = queue(10, DurationDist::fixed(SimDuration::HOUR));
        q.add_reported(SimTime::ZERO, 0, 100, SimTime::ZERO);
        q.advance_to(SimTime(10 * SimDuration::HOUR.0));
        assert_eq!(q.stats.reviews_started, 100);
        let mean_wait_h = q.stats.wait_sum_ms / 100.0 / SimDuration::HOUR.0 as f64;
        assert!((mean_wait_h - 4.5).abs() < 0.6, "mean wait {mean_wait_h} h");
        q.advance_to(SimTime(11 * SimDuration::HOUR.0));
        assert_eq!(q.classes[0].removed, 100, "all reviewed one review time later");
        assert_eq!(q.classes[0].queued, 0);
    }
}
