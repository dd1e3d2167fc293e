//! Attention that fades with age: the live stock of a category whose views decay
//! exponentially with the item's age (`Attention::Exponential`), kept as cohorts of
//! items uploaded together, and the measured delay of each removal.
//!
//! An item of age a gets `v0 * e^(-λ a)` views per day at full reach (v0 the
//! category's `views_per_item_per_day`, λ = ln 2 / half-life), `v0 / λ` in its
//! lifetime. The live stock's attention, A = Σ count × e^(-λ age) over cohorts, is an
//! exact aggregate: it decays by e^(-λ dt) over an interval, in which it yields
//! `v0 × A × (1 - e^(-λ dt)) / λ` views, and it changes only when items go live or
//! come down. Removing k items of a cohort of age a takes k × e^(-λ a) with them.
//! Work per interval grows with the cohorts whose items can still be reported, not
//! with uploads: a cohort is one interval's undetected uploads.
//!
//! Every item's lifetime attention ends in exactly one of four parts, so they add up
//! to `items × v0 / λ` (the conservation `ExposureBalance::holds` checks): viewed
//! (at full reach; blocks, throttles and an age gate cut the views users actually
//! saw, `Metrics::exposure`), hidden (while queued and not visible), prevented (after
//! its removal) and still to come at the horizon.

use super::delays::{Delays, RemovalPath};
use super::draws::Proportional;
use super::metrics::ExposureBalance;
use super::queue::{AgedEvent, AgedKind, Source};
use crate::engine::{SimDuration, SimTime};

/// Cohorts older than this many half-lives get no report draws: an item's chance of
/// a report is below 2^-50 of its chance at upload.
const REPORTABLE_HALF_LIVES: f64 = 50.0;

/// Items uploaded at one instant and still live.
#[derive(Copy, Clone, Debug, PartialEq)]
struct Cohort {
    born: SimTime,
    count: u64,
}

/// The live and queued stock of one category with fading attention.
pub(super) struct AgedStock {
    /// λ per millisecond.
    rate_per_ms: f64,
    /// Lifetime views of one item at full reach, `v0 / λ`.
    lifetime_views: f64,
    /// Live items, oldest first.
    cohorts: Vec<Cohort>,
    /// Attention of the live items at `at`.
    live: f64,
    /// Attention of the items waiting for review at `at`.
    queued: f64,
    at: SimTime,
    /// Items that ever went live or into the queue.
    items: u64,
    /// The four parts of their lifetime attention, in views at full reach.
    viewed: f64,
    hidden: f64,
    prevented: f64,
    /// Delays of removals, per path (in the order of `RemovalPath::ALL`).
    pub(super) delays: [Delays; 4],
    /// Buffers of the proportional takes (the cohorts' counts, the split) and of the
    /// reported cohorts.
    counts: Vec<u64>,
    proportional: Proportional,
    reported: Vec<(SimTime, u64)>,
}

impl AgedStock {
    /// A stock with `initial` items uploaded at the start, of attention fading at
    /// `decay_per_day`, seen `views_per_item_per_day` at upload.
    pub(super) fn new(decay_per_day: f64, views_per_item_per_day: f64, initial: u64) -> Self {
        AgedStock {
            rate_per_ms: decay_per_day / SimDuration::DAY.0 as f64,
            lifetime_views: views_per_item_per_day / decay_per_day,
            cohorts: if initial > 0 {
                vec![Cohort { born: SimTime::ZERO, count: initial }]
            } else {
                Vec::new()
            },
            live: initial as f64,
            queued: 0.0,
            at: SimTime::ZERO,
            items: initial,
            viewed: 0.0,
            hidden: 0.0,
            prevented: 0.0,
            delays: Default::default(),
            counts: Vec::new(),
            proportional: Proportional::default(),
            reported: Vec::new(),
        }
    }

    /// The attention e^(-λ age) of one item uploaded at `born`, at `t`.
    fn weight(&self, born: SimTime, t: SimTime) -> f64 {
        (-self.rate_per_ms * t.since(born).0 as f64).exp()
    }

    /// Attention integrated from `at` to `t` (in views at full reach) by the live and
    /// the queued stock; both decay to `t`.
    fn integrate_to(&mut self, t: SimTime) -> (f64, f64) {
        if t <= self.at {
            return (0.0, 0.0);
        }
        let decay = (-self.rate_per_ms * t.since(self.at).0 as f64).exp();
        let per_attention = self.lifetime_views * (1.0 - decay);
        let out = (self.live * per_attention, self.queued * per_attention);
        self.live *= decay;
        self.queued *= decay;
        self.at = t;
        out
    }

    /// Plays the interval up to `now`: the queue's events for this category, in time
    /// order, change the queued and live attention where they happened. Returns the
    /// views at full reach of the live stock and of the queued stock over the interval
    /// (the caller decides whether queued items could be seen; if not, their views
    /// are hidden: pass `queued_visible`).
    pub(super) fn play(
        &mut self,
        now: SimTime,
        events: impl Iterator<Item = AgedEvent>,
        queued_visible: bool,
    ) -> (f64, f64) {
        let (mut live_views, mut queued_views) = (0.0, 0.0);
        for e in events {
            let at = e.at.max(self.at).min(now);
            let (l, q) = self.integrate_to(at);
            live_views += l;
            queued_views += q;
            let attention = self.weight(e.born, at) * e.count as f64;
            match e.kind {
                AgedKind::Arrived => {
                    self.items += e.count;
                    self.queued += attention;
                }
                AgedKind::Removed => {
                    self.queued = (self.queued - attention).max(0.0);
                    let path = match e.source {
                        Source::Detection => RemovalPath::Detection,
                        Source::Report => RemovalPath::UserReport,
                    };
                    self.record_removal(path, e.born, at, e.count);
                }
                AgedKind::Kept => {
                    self.queued = (self.queued - attention).max(0.0);
                    self.live += attention;
                    self.insert(Cohort { born: e.born, count: e.count });
                }
            }
        }
        let (l, q) = self.integrate_to(now);
        live_views += l;
        queued_views += q;
        self.viewed += live_views;
        if queued_visible {
            self.viewed += queued_views;
        } else {
            self.hidden += queued_views;
        }
        (live_views, queued_views)
    }

    /// Views per live item over the interval `from`..`at` for a cohort: the share of
    /// the interval's attention it got, for its report probability.
    fn cohort_attention_days(&self, born: SimTime, from: SimTime) -> f64 {
        let start = born.max(from);
        if self.at <= start {
            return 0.0;
        }
        let rate_per_day = self.rate_per_ms * SimDuration::DAY.0 as f64;
        let w_start = self.weight(born, start);
        let w_end = self.weight(born, self.at);
        (w_start - w_end) / rate_per_day
    }

    /// Draws the reports of the interval since `from`: `report(count, attention_days)`
    /// returns how many of `count` items, each with `attention_days` days of attention
    /// (at the rate at upload) over the interval, were reported. Reported items leave
    /// the live stock for the queue; returns the (upload instant, count) of each
    /// reported cohort, youngest first.
    pub(super) fn draw_reports(
        &mut self,
        from: SimTime,
        mut report: impl FnMut(u64, f64) -> u64,
    ) -> &[(SimTime, u64)] {
        self.reported.clear();
        let oldest_reportable =
            self.at.0 as f64 - REPORTABLE_HALF_LIVES * std::f64::consts::LN_2 / self.rate_per_ms;
        for i in (0..self.cohorts.len()).rev() {
            let Cohort { born, count } = self.cohorts[i];
            if (born.0 as f64) < oldest_reportable {
                break;
            }
            let n = report(count, self.cohort_attention_days(born, from)).min(count);
            if n > 0 {
                self.cohorts[i].count -= n;
                let attention = self.weight(born, self.at) * n as f64;
                self.live = (self.live - attention).max(0.0);
                self.queued += attention;
                self.reported.push((born, n));
            }
        }
        self.cohorts.retain(|c| c.count > 0);
        &self.reported
    }

    /// `count` undetected uploads of the interval that ends at `at`, credited to the
    /// middle of the interval `days` long: the views of their first half interval
    /// (at full reach) are returned and counted as viewed.
    pub(super) fn upload(&mut self, count: u64, days: f64) -> f64 {
        if count == 0 {
            return 0.0;
        }
        let half = SimDuration::from_days_f64(days / 2.0);
        let born = SimTime(self.at.0 - half.0.min(self.at.0));
        let weight = self.weight(born, self.at);
        self.items += count;
        self.live += weight * count as f64;
        self.insert(Cohort { born, count });
        let views = self.lifetime_views * (1.0 - weight) * count as f64;
        self.viewed += views;
        views
    }

    /// Takes `count` live items down by `path` at `at` (after `play` up to `at`), from
    /// every cohort in proportion to its count (largest remainders first, ties to the
    /// older cohort): removals by orders and cleanups do not pick items by age.
    pub(super) fn take_down(&mut self, count: u64, path: RemovalPath) {
        self.counts.clear();
        self.counts.extend(self.cohorts.iter().map(|c| c.count));
        let mut proportional = std::mem::take(&mut self.proportional);
        let takes = proportional.takes(&self.counts, count);
        for (i, &take) in takes.iter().enumerate() {
            if take == 0 {
                continue;
            }
            let born = self.cohorts[i].born;
            self.cohorts[i].count -= take;
            self.live = (self.live - self.weight(born, self.at) * take as f64).max(0.0);
            self.record_removal(path, born, self.at, take);
        }
        self.proportional = proportional;
        self.cohorts.retain(|c| c.count > 0);
    }

    fn record_removal(&mut self, path: RemovalPath, born: SimTime, at: SimTime, count: u64) {
        let share = self.weight(born, at);
        self.prevented += self.lifetime_views * share * count as f64;
        let slot = RemovalPath::ALL.iter().position(|p| *p == path).unwrap_or(0);
        self.delays[slot].add(at.since(born), count, share);
    }

    /// Keeps the cohorts in upload order (kept items come back with their own age).
    fn insert(&mut self, cohort: Cohort) {
        let at = self.cohorts.partition_point(|c| c.born <= cohort.born);
        if at > 0 && self.cohorts[at - 1].born == cohort.born {
            self.cohorts[at - 1].count += cohort.count;
        } else {
            self.cohorts.insert(at, cohort);
        }
    }

    /// The category's attention balance at the end of the replication.
    pub(super) fn balance(&self, category: &str) -> ExposureBalance {
        ExposureBalance {
            category: category.to_owned(),
            lifetime: self.lifetime_views * self.items as f64,
            viewed: self.viewed,
            hidden: self.hidden,
            prevented: self.prevented,
            to_come: self.lifetime_views * (self.live + self.queued),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(h: u64) -> SimTime {
        SimTime(h * SimDuration::HOUR.0)
    }

    /// Half-life 1 day, 10 views a day at upload: 10 / ln 2 views in a lifetime.
    fn stock(initial: u64) -> AgedStock {
        AgedStock::new(std::f64::consts::LN_2, 10.0, initial)
    }

    #[test]
    fn a_live_stock_yields_its_attention_and_a_removal_prevents_the_rest() {
        let mut s = stock(100);
        // Over one half-life half of the lifetime views come.
        let (live, queued) = s.play(hours(24), [].into_iter(), false);
        let lifetime = 10.0 / std::f64::consts::LN_2;
        assert!((live - 50.0 * lifetime).abs() < 1e-9, "{live}");
        assert_eq!(queued, 0.0);
        s.take_down(40, RemovalPath::TakedownOrder);
        let d = &s.delays[2];
        assert_eq!((d.removed, d.quantile_days(0.5)), (40, 1.0));
        assert!((d.mean_prevented_share() - 0.5).abs() < 1e-12);
        let b = s.balance("c");
        assert!(b.holds(), "{b:?}");
        assert!((b.to_come - 30.0 * lifetime).abs() < 1e-9);
    }

    #[test]
    fn reports_follow_attention_and_queued_items_come_back_with_their_age() {
        let mut s = stock(10);
        s.play(hours(24), [].into_iter(), false);
        // Every item reported: they move to the queue with their attention.
        let reported = s.draw_reports(SimTime::ZERO, |n, days| {
            assert!((days - 0.5 / std::f64::consts::LN_2).abs() < 1e-12, "{days}");
            n
        });
        assert_eq!(reported, vec![(SimTime::ZERO, 10)]);
        let event = |kind, count| AgedEvent {
            kind,
            class: 0,
            born: SimTime::ZERO,
            source: Source::Report,
            at: hours(36),
            count,
        };
        s.play(hours(48), [event(AgedKind::Removed, 6), event(AgedKind::Kept, 4)].into_iter(), false);
        assert_eq!(s.delays[1].removed, 6);
        assert_eq!(s.delays[1].quantile_days(0.5), 1.5);
        assert_eq!(s.cohorts, vec![Cohort { born: SimTime::ZERO, count: 4 }]);
        let b = s.balance("c");
        assert!(b.holds() && b.hidden > 0.0, "{b:?}");
    }

    #[test]
    fn uploads_count_from_the_middle_of_their_interval() {
        let mut s = stock(0);
        s.play(hours(48), [].into_iter(), false);
        let views = s.upload(8, 2.0);
        let lifetime = 10.0 / std::f64::consts::LN_2;
        assert!((views - 8.0 * lifetime * 0.5).abs() < 1e-9, "a day old: half their views are behind them");
        s.take_down(8, RemovalPath::Cleanup);
        assert_eq!(s.delays[3].quantile_days(1.0), 1.0);
        assert!(s.balance("c").holds());
    }
}
