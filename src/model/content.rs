//! The platform's content: the live stock of violating items per category and of clean
//! items, and the count processes that change it between two events (views, user
//! reports, uploads, complaints, the regulator's crawler samples).
//!
//! These are counts, not entities: each is drawn (Poisson, binomial) over the interval
//! since the last event with the state that held during it.

use super::draws::{binomial, poisson};
use super::process;
use super::world::World;
use crate::engine::{stream, stream_at, SimDuration, SimTime, Stream};
use crate::scenario::Scenario;

/// The stock of content and the streams of its count processes.
pub(super) struct Content {
    /// Violating items live now, per category (not counting those queued for review).
    pub(super) visible: Vec<u64>,
    /// Violating uploads that went live undetected, per category.
    pub(super) uploaded_undetected: Vec<u64>,
    /// Violating items removed by orders and cleanups (not by review), per category.
    pub(super) removed_outside_queue: Vec<u64>,
    /// Clean items live now.
    pub(super) clean_visible: f64,
    /// Share of violating uploads detected at upload, per category.
    pub(super) recall: Vec<f64>,
    /// Factor on views (an age gate lowers it).
    pub(super) views_factor: f64,
    /// End of the interval the count processes last covered.
    last_advance: SimTime,
    streams: CountStreams,
}

/// The count processes' streams, restarted at every tick slot (see
/// `engine::random::stream_at`): events that split a slot differently in two variants
/// do not shift the draws of the slots after it.
struct CountStreams {
    seed: u64,
    replication: u64,
    /// Tick slot for which the streams were last restarted.
    slot: u64,
    uploads: Stream,
    reports: Stream,
    crawler: Stream,
    complaints: Stream,
}

impl CountStreams {
    fn new(seed: u64, replication: u64) -> Self {
        CountStreams {
            seed,
            replication,
            slot: 0,
            uploads: stream(seed, replication, process::UPLOADS),
            reports: stream(seed, replication, process::REPORTS),
            crawler: stream(seed, replication, process::CRAWLER),
            complaints: stream(seed, replication, process::COMPLAINTS),
        }
    }

    fn restart_at(&mut self, slot: u64) {
        if slot == self.slot {
            return;
        }
        let (seed, rep) = (self.seed, self.replication);
        *self = CountStreams {
            seed,
            replication: rep,
            slot,
            uploads: stream_at(seed, rep, process::UPLOADS, slot),
            reports: stream_at(seed, rep, process::REPORTS, slot),
            crawler: stream_at(seed, rep, process::CRAWLER, slot),
            complaints: stream_at(seed, rep, process::COMPLAINTS, slot),
        };
    }
}

impl Content {
    pub(super) fn new(s: &Scenario, seed: u64, replication: u64) -> Self {
        let p = &s.platform;
        let n = p.categories.len();
        Content {
            visible: p.categories.iter().map(|c| c.initial_stock).collect(),
            uploaded_undetected: vec![0; n],
            removed_outside_queue: vec![0; n],
            clean_visible: (p.catalogue_items
                - p.categories.iter().map(|c| c.initial_stock as f64).sum::<f64>())
            .max(0.0),
            recall: p.categories.iter().map(|c| c.recall).collect(),
            views_factor: 1.0,
            last_advance: SimTime::ZERO,
            streams: CountStreams::new(seed, replication),
        }
    }

    /// Starts the interval from the last advance to `now`: restarts the streams when
    /// a new tick slot began, and returns the interval's length in days (`None` when
    /// no time passed).
    pub(super) fn start_interval(&mut self, now: SimTime, step: SimDuration) -> Option<f64> {
        let dt = now.since(self.last_advance);
        if dt == SimDuration::ZERO {
            return None;
        }
        self.streams.restart_at(self.last_advance.0 / step.0.max(1));
        self.last_advance = now;
        Some(dt.as_days_f64())
    }

    /// Takes `count` live violating items down (orders, cleanups), in proportion to each
    /// category's stock. Returns how many were taken.
    pub(super) fn take_down_proportionally(&mut self, count: u64) -> u64 {
        remove_proportionally(&mut self.visible, &mut self.removed_outside_queue, count)
    }
}

impl World<'_> {
    /// Violating items of category `k` that can be viewed: live, and queued ones when
    /// the platform leaves flagged items up while they wait.
    pub(super) fn viewable(&self, k: usize) -> u64 {
        let queued =
            if self.s.platform.flagged_visible_while_queued { self.queue.classes()[k].queued } else { 0 };
        self.content.visible[k] + queued
    }

    /// Violating items that can be viewed, over all categories.
    pub(super) fn viewable_total(&self) -> u64 {
        (0..self.content.visible.len()).map(|k| self.viewable(k)).sum()
    }

    /// Share of viewable items that violate.
    pub(super) fn prevalence(&self) -> f64 {
        let violating: f64 = (0..self.content.visible.len()).map(|k| self.viewable(k) as f64).sum();
        let total = violating + self.content.clean_visible;
        if total > 0.0 {
            violating / total
        } else {
            0.0
        }
    }

    /// Plays the count processes over the `days` up to `now`: views (exposure),
    /// complaints and user reports; uploads; the crawler's samples; running cleanups.
    /// Returns the regulator's findings per category.
    pub(super) fn advance_counts(&mut self, now: SimTime, days: f64) -> Vec<u64> {
        let s = self.s;
        let p = &s.platform;
        let n = p.categories.len();
        let mut findings = vec![0u64; n];

        // Views over the step, with the stock as it stood since the last event.
        let mut exposure = 0.0;
        for (k, c) in p.categories.iter().enumerate() {
            let views_per_item = c.views_per_item_per_day * self.content.views_factor * self.access;
            let views = self.viewable(k) as f64 * views_per_item * days;
            exposure += views;
            let streams = &mut self.content.streams;
            findings[k] +=
                poisson(&mut streams.complaints, views * s.regulator.complaints_per_violating_view);
            // Each live item is reported at rate views x report probability.
            let report_p = 1.0 - (-views_per_item * c.report_probability * days).exp();
            let reported = binomial(&mut streams.reports, self.content.visible[k], report_p);
            if reported > 0 {
                self.content.visible[k] -= reported;
                self.queue.add_reported(now, k, reported);
            }
        }
        self.m.exposure += exposure;

        // Undetected violating uploads go live; clean uploads grow the catalogue.
        let uploads = self.uploads_per_day() * days;
        let content = &mut self.content;
        let mut violating_share = 0.0;
        for (k, c) in p.categories.iter().enumerate() {
            violating_share += c.share;
            let live = poisson(&mut content.streams.uploads, uploads * c.share * (1.0 - content.recall[k]));
            content.visible[k] += live;
            content.uploaded_undetected[k] += live;
        }
        content.clean_visible += uploads * (1.0 - violating_share).max(0.0) * (1.0 - p.false_positive_rate);

        // The regulator's crawler samples live content: a multinomial draw over the
        // categories and clean items, done as conditional binomials.
        let samples = poisson(&mut self.content.streams.crawler, s.regulator.crawler_samples_per_day * days);
        if samples > 0 {
            let mut left = samples;
            let mut rest: f64 =
                (0..n).map(|k| self.viewable(k) as f64).sum::<f64>() + self.content.clean_visible;
            for (k, found) in findings.iter_mut().enumerate() {
                let weight = self.viewable(k) as f64;
                let hits = if rest > 0.0 {
                    binomial(&mut self.content.streams.crawler, left, (weight / rest).min(1.0))
                } else {
                    0
                };
                *found += hits;
                left -= hits;
                rest -= weight;
            }
            self.blocks.record_samples(samples, samples - left);
        }

        self.advance_cleanups(now, days);
        findings
    }
}

/// Removes `count` items from the per-category stock in proportion to each category's
/// stock (largest remainders first, ties to the lower index), so no category goes
/// negative and the total removed is exact. Returns how many were removed.
fn remove_proportionally(stock: &mut [u64], removed: &mut [u64], count: u64) -> u64 {
    let total: u64 = stock.iter().sum();
    if count == 0 || total == 0 {
        return 0;
    }
    let count = count.min(total);
    let mut shares: Vec<(u64, u128, usize)> = stock
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let exact = s as u128 * count as u128;
            ((exact / total as u128) as u64, exact % total as u128, k)
        })
        .collect();
    let mut left = count - shares.iter().map(|s| s.0).sum::<u64>();
    shares.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    for share in &mut shares {
        if left == 0 {
            break;
        }
        if share.0 < stock[share.2] {
            share.0 += 1;
            left -= 1;
        }
    }
    for (take, _, k) in shares {
        stock[k] -= take;
        removed[k] += take;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportional_removal_is_exact_and_never_negative() {
        let mut stock = vec![5, 3, 0, 2];
        let mut removed = vec![0; 4];
        remove_proportionally(&mut stock, &mut removed, 7);
        assert_eq!(removed.iter().sum::<u64>(), 7);
        assert_eq!(stock.iter().sum::<u64>(), 3);
        assert_eq!(stock[2], 0);
        remove_proportionally(&mut stock, &mut removed, 100);
        assert_eq!(stock, vec![0, 0, 0, 0]);
    }

    #[test]
    fn streams_restart_only_when_the_slot_changes() {
        use rand::RngExt;
        let mut a = CountStreams::new(7, 0);
        let first: u64 = a.uploads.random();
        a.restart_at(0);
        let second: u64 = a.uploads.random();
        assert_ne!(first, second, "slot 0 again must not restart the stream");
        a.restart_at(3);
        let mut b = CountStreams::new(7, 0);
        b.restart_at(3);
        assert_eq!(a.uploads.random::<u64>(), b.uploads.random::<u64>());
    }
}
