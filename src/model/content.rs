//! The platform's content: the live stock of violating items per category and of clean
//! items, and the count processes that change it between two events (views, user
//! reports, uploads, complaints, the regulator's crawler samples).
//!
//! These are counts, not entities: each is drawn (Poisson, binomial) over the interval
//! since the last event with the state that held during it. Items users report move
//! to the review queue (`queue/`), which is set up here from the scenario. A category
//! whose attention fades with age keeps its stock by age as well (`attention.rs`).

use super::attention::AgedStock;
use super::delays::RemovalPath;
use super::draws::{split, Proportional};
use super::metrics::{CategoryDelays, ExposureBalance};
use super::process;
use super::queue::{AgedEvent, QueueConfig, ReviewQueue, Shift};
use crate::engine::counts::{Binomial, Poisson};
use crate::engine::{LazyStream, ProcessKey, SimDuration, SimTime};
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
    /// The regulator's findings (complaints and crawler hits) of the last interval
    /// drawn, per category.
    pub(super) findings: Vec<u64>,
    /// End of the interval the count processes last covered.
    last_advance: SimTime,
    streams: CountStreams,
    samplers: Samplers,
    /// The buffers of cleanups' proportional takes.
    proportional: Proportional,
    /// The stock by age of each category whose attention fades (`None`: constant).
    aged: Vec<Option<AgedStock>>,
    /// Views at full reach of each aged category since the last interval was drawn:
    /// (live, queued).
    aged_views: Vec<(f64, f64)>,
}

/// The count processes' streams, restarted at every tick slot (see
/// `engine::random::stream_at`): events that split a slot differently in two variants
/// do not shift the draws of the slots after it.
struct CountStreams {
    /// The processes' keys: uploads, reports, crawler, complaints.
    keys: [ProcessKey; 4],
    /// Tick slot for which the streams were last restarted.
    slot: u64,
    uploads: LazyStream,
    reports: LazyStream,
    crawler: LazyStream,
    complaints: LazyStream,
}

/// The count processes' samplers, one per draw and category: each keeps the setup of
/// its last parameters, which mostly hold from one step to the next.
///
/// Complaints and crawler hits, rare, are drawn in total and split among categories
/// only when there are any: the same multinomial as a count per category, with one
/// draw in most steps instead of one per category.
struct Samplers {
    complaints: Poisson,
    complaints_split: Vec<Binomial>,
    reports: Vec<Binomial>,
    uploads: Vec<Poisson>,
    crawler_samples: Poisson,
    crawler_hits: Binomial,
    crawler_split: Vec<Binomial>,
    /// Per category, the interval's complaint means, then the crawler's weights.
    weights: Vec<f64>,
    /// Per category, the last report rate times interval, and its probability of a
    /// report (mostly the same from one step to the next).
    report_p: Vec<(f64, f64)>,
}

impl Samplers {
    fn new(categories: usize) -> Self {
        Samplers {
            complaints: Poisson::default(),
            complaints_split: vec![Binomial::default(); categories],
            reports: vec![Binomial::default(); categories],
            uploads: vec![Poisson::default(); categories],
            crawler_samples: Poisson::default(),
            crawler_hits: Binomial::default(),
            crawler_split: vec![Binomial::default(); categories],
            weights: vec![0.0; categories],
            report_p: vec![(f64::NAN, 0.0); categories],
        }
    }
}

impl CountStreams {
    fn new(seed: u64, replication: u64) -> Self {
        let key = |process| ProcessKey::new(seed, replication, process);
        let keys = [process::UPLOADS, process::REPORTS, process::CRAWLER, process::COMPLAINTS].map(key);
        let [uploads, reports, crawler, complaints] = keys.map(ProcessKey::stream);
        CountStreams { keys, slot: 0, uploads, reports, crawler, complaints }
    }

    fn restart_at(&mut self, slot: u64) {
        if slot == self.slot {
            return;
        }
        self.slot = slot;
        [self.uploads, self.reports, self.crawler, self.complaints] = self.keys.map(|key| key.at(slot));
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
            findings: vec![0; n],
            last_advance: SimTime::ZERO,
            streams: CountStreams::new(seed, replication),
            samplers: Samplers::new(n),
            proportional: Proportional::default(),
            aged: p
                .categories
                .iter()
                .map(|c| {
                    let rate = c.attention.decay_per_day()?;
                    Some(AgedStock::new(rate, c.views_per_item_per_day, c.initial_stock))
                })
                .collect(),
            aged_views: vec![(0.0, 0.0); n],
        }
    }

    /// Which categories keep their stock by age (the review queue logs what happens
    /// to their items).
    pub(super) fn aged_categories(&self) -> Vec<bool> {
        self.aged.iter().map(Option::is_some).collect()
    }

    /// Brings the aged stocks up to `now` with what the review queue did to their
    /// items (`events`, in time order): the views of the interval are kept for
    /// `advance_counts`.
    pub(super) fn absorb_queue_log(&mut self, now: SimTime, events: &[AgedEvent], queued_visible: bool) {
        for (k, stock) in self.aged.iter_mut().enumerate() {
            let Some(stock) = stock else { continue };
            let mine = events.iter().filter(|e| e.class == k).copied();
            let (live, queued) = stock.play(now, mine, queued_visible);
            self.aged_views[k].0 += live;
            self.aged_views[k].1 += queued;
        }
    }

    /// Takes `count` live violating items of category `k` down by `path` (at most
    /// what is live). Returns how many were taken.
    pub(super) fn take_down(&mut self, k: usize, count: u64, path: RemovalPath) -> u64 {
        let take = count.min(self.visible[k]);
        self.visible[k] -= take;
        self.removed_outside_queue[k] += take;
        if let Some(stock) = &mut self.aged[k] {
            stock.take_down(take, path);
        }
        take
    }

    /// The measured takedown delays and attention balances of the aged categories.
    pub(super) fn delays_and_balances(&self, s: &Scenario) -> (Vec<CategoryDelays>, Vec<ExposureBalance>) {
        self.aged
            .iter()
            .zip(&s.platform.categories)
            .filter_map(|(stock, c)| {
                let stock = stock.as_ref()?;
                let delays = CategoryDelays {
                    category: c.name.clone(),
                    half_life_days: std::f64::consts::LN_2 / c.attention.decay_per_day()?,
                    paths: stock.delays.clone(),
                };
                Some((delays, stock.balance(&c.name)))
            })
            .unzip()
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

    /// Takes `count` live violating items down (cleanups), in proportion to each
    /// category's stock. Returns how many were taken.
    pub(super) fn take_down_proportionally(&mut self, count: u64) -> u64 {
        let takes = self.proportional.takes(&self.visible, count);
        for (k, &take) in takes.iter().enumerate() {
            self.visible[k] -= take;
            self.removed_outside_queue[k] += take;
            if let Some(stock) = &mut self.aged[k] {
                stock.take_down(take, RemovalPath::Cleanup);
            }
        }
        takes.iter().sum()
    }

    /// Violating items of category `k` that can be viewed: live, and queued ones when
    /// the platform leaves flagged items up while they wait.
    pub(super) fn viewable(&self, k: usize, s: &Scenario, queue: &ReviewQueue) -> u64 {
        let queued = if s.platform.flagged_visible_while_queued { queue.classes()[k].queued } else { 0 };
        self.visible[k] + queued
    }

    /// Violating items that can be viewed, over all categories.
    pub(super) fn viewable_total(&self, s: &Scenario, queue: &ReviewQueue) -> u64 {
        (0..self.visible.len()).map(|k| self.viewable(k, s, queue)).sum()
    }

    /// Share of viewable items that violate.
    pub(super) fn prevalence(&self, s: &Scenario, queue: &ReviewQueue) -> f64 {
        let violating: f64 = (0..self.visible.len()).map(|k| self.viewable(k, s, queue) as f64).sum();
        let total = violating + self.clean_visible;
        if total > 0.0 {
            violating / total
        } else {
            0.0
        }
    }

    /// Plays the count processes over the `days` up to `now`, with a share `access` of
    /// users reaching the platform: views (exposure), complaints and user reports
    /// (reported items move to `queue`); uploads; the crawler's samples.
    pub(super) fn advance_counts(
        &mut self,
        now: SimTime,
        days: f64,
        s: &Scenario,
        access: f64,
        queue: &mut ReviewQueue,
    ) -> Counts {
        let p = &s.platform;
        let n = p.categories.len();
        let mut counts = Counts { exposure: 0.0, samples: 0, hits: 0 };
        self.findings.fill(0);

        // Views and reports over the step, with the stock as it stood since the last
        // event; each view complains with the regulator's probability.
        for (k, c) in p.categories.iter().enumerate() {
            let views_per_item = c.views_per_item_per_day * self.views_factor * access;
            let views = if self.aged[k].is_some() {
                let from = self.last_advance_before(days);
                self.aged_counts(k, now, from, views_per_item, s, queue)
            } else {
                let views = self.viewable(k, s, queue) as f64 * views_per_item * days;
                // Each live item is reported at rate views x report probability.
                let (streams, samplers) = (&mut self.streams, &mut self.samplers);
                let exposure = views_per_item * c.report_probability * days;
                let (last, p) = &mut samplers.report_p[k];
                if exposure != *last {
                    (*last, *p) = (exposure, 1.0 - (-exposure).exp());
                }
                let reported = samplers.reports[k].draw(&mut streams.reports, self.visible[k], *p);
                if reported > 0 {
                    self.visible[k] -= reported;
                    queue.add_reported(now, k, reported, now);
                }
                views
            };
            counts.exposure += views;
            self.samplers.weights[k] = views * s.regulator.complaints_per_violating_view;
        }
        let samplers = &mut self.samplers;
        let mean = samplers.weights.iter().sum();
        let complaints = samplers.complaints.draw(&mut self.streams.complaints, mean);
        let stream = &mut self.streams.complaints;
        split(complaints, &samplers.weights, &mut samplers.complaints_split, stream, &mut self.findings);

        // Undetected violating uploads go live; clean uploads grow the catalogue.
        let uploads = uploads_per_day(s, access) * days;
        let mut violating_share = 0.0;
        for (k, c) in p.categories.iter().enumerate() {
            violating_share += c.share;
            let mean = uploads * c.share * (1.0 - self.recall[k]);
            let live = self.samplers.uploads[k].draw(&mut self.streams.uploads, mean);
            self.visible[k] += live;
            self.uploaded_undetected[k] += live;
            if let Some(stock) = &mut self.aged[k] {
                counts.exposure += stock.upload(live, days) * self.views_factor * access;
            }
        }
        self.clean_visible += uploads * (1.0 - violating_share).max(0.0) * (1.0 - p.false_positive_rate);

        // The regulator's crawler samples live content: a multinomial draw over the
        // categories and clean items, done as the violating samples and their split.
        let mean = s.regulator.crawler_samples_per_day * days;
        let samples = self.samplers.crawler_samples.draw(&mut self.streams.crawler, mean);
        if samples > 0 {
            for k in 0..n {
                self.samplers.weights[k] = self.viewable(k, s, queue) as f64;
            }
            let samplers = &mut self.samplers;
            let violating: f64 = samplers.weights.iter().sum();
            let all = violating + self.clean_visible;
            let p = if all > 0.0 { violating / all } else { 0.0 };
            let hits = samplers.crawler_hits.draw(&mut self.streams.crawler, samples, p);
            split(
                hits,
                &samplers.weights,
                &mut samplers.crawler_split,
                &mut self.streams.crawler,
                &mut self.findings,
            );
            counts.samples = samples;
            counts.hits = hits;
        }
        counts
    }

    /// The start of the interval of `days` that ends at the last advance.
    fn last_advance_before(&self, days: f64) -> SimTime {
        let length = SimDuration::from_days_f64(days);
        SimTime(self.last_advance.0.saturating_sub(length.0))
    }

    /// Views, complaints and reports of aged category `k` over the interval from
    /// `from` to `now`, its items seen `views_per_item` times a day at upload: the
    /// views come from the stock's attention (see `absorb_queue_log`), each cohort's
    /// reports from its own attention. Returns the views.
    fn aged_counts(
        &mut self,
        k: usize,
        now: SimTime,
        from: SimTime,
        views_per_item: f64,
        s: &Scenario,
        queue: &mut ReviewQueue,
    ) -> f64 {
        let c = &s.platform.categories[k];
        let reach = views_per_item / c.views_per_item_per_day.max(f64::MIN_POSITIVE);
        let (live, queued) = std::mem::take(&mut self.aged_views[k]);
        let seen = if s.platform.flagged_visible_while_queued { live + queued } else { live };
        let views = seen * reach;
        let (streams, samplers) = (&mut self.streams, &mut self.samplers);
        let Some(stock) = &mut self.aged[k] else { return views };
        let report_rate = views_per_item * c.report_probability;
        if report_rate > 0.0 {
            let (sampler, reports) = (&mut samplers.reports[k], &mut streams.reports);
            let reported = stock
                .draw_reports(from, |n, days| sampler.draw(reports, n, 1.0 - (-report_rate * days).exp()));
            for &(born, n) in reported {
                self.visible[k] -= n;
                queue.add_reported(now, k, n, born);
            }
        }
        views
    }

    /// Raises the detection recall of every category to at least `recall`.
    pub(super) fn improve_recall(&mut self, recall: f64) {
        for r in &mut self.recall {
            *r = r.max(recall);
        }
    }
}

/// What the count processes produced over one interval (the regulator's findings
/// are in `Content::findings`).
pub(super) struct Counts {
    /// Views of violating items.
    pub(super) exposure: f64,
    /// The crawler's samples, and how many of them were violating.
    pub(super) samples: u64,
    pub(super) hits: u64,
}

/// The review queue flagged content waits in, set up from the scenario's review team.
pub(super) fn review_queue(s: &Scenario, seed: u64, replication: u64) -> ReviewQueue {
    let p = &s.platform;
    let cfg = QueueConfig {
        moderators: p.review.moderators,
        review_time: p.review.review_time.clone(),
        accuracy: p.review.accuracy,
        discipline: p.review.discipline,
        shift: Shift { start: p.review.shift_start, length: p.review.shift_length },
        urgent: p.categories.iter().map(|c| c.urgent).collect(),
        slot: s.step,
        warm_up: SimTime::ZERO + s.warm_up,
        seed,
        replication,
        arrivals_process: process::FLAGGED_ARRIVALS,
        reviews_process: process::REVIEWS,
    };
    ReviewQueue::new(cfg, s.queue_model())
}

/// Uploads reaching the platform per day when a share `access` of users reach it.
pub(super) fn uploads_per_day(s: &Scenario, access: f64) -> f64 {
    s.platform.uploads_per_day * access
}

#[cfg(test)]
mod tests {
    use super::super::base::test_scenario;
    use super::*;

    #[test]
    fn proportional_removal_is_exact_and_never_negative() {
        let s = test_scenario(&["platform.categories[0].initial_stock=5"]);
        let mut content = Content::new(&s, 7, 0);
        content.visible = vec![5, 3, 0, 2];
        content.removed_outside_queue = vec![0; 4];
        content.aged = vec![None, None, None, None];
        assert_eq!(content.take_down_proportionally(7), 7);
        assert_eq!(
            content.removed_outside_queue,
            vec![4, 2, 0, 1],
            "5:3:2 of 7, the largest remainder first"
        );
        assert_eq!(content.visible, vec![1, 1, 0, 1]);
        assert_eq!(content.take_down_proportionally(100), 3);
        assert_eq!(content.visible, vec![0, 0, 0, 0]);
    }

    #[test]
    fn views_count_the_live_stock_and_reports_move_items_to_the_queue() {
        let s = test_scenario(&["platform.categories[0].report_probability=1.0"]);
        let mut content = Content::new(&s, 7, 0);
        let mut queue = review_queue(&s, 7, 0);
        let days = content.start_interval(SimTime::ZERO + SimDuration::DAY, s.step).unwrap();
        assert_eq!(days, 1.0);
        // Full access: 1,000 items seen 10 times a day, each view reports for sure.
        let counts = content.advance_counts(SimTime::ZERO + SimDuration::DAY, days, &s, 1.0, &mut queue);
        assert_eq!(counts.exposure, 10_000.0);
        assert_eq!((&content.findings, counts.samples), (&vec![0], 0));
        assert_eq!(content.visible, vec![0]);
        assert_eq!(queue.classes()[0].queued + queue.stats().reviews_done, 1_000);
        assert_eq!(content.viewable_total(&s, &queue), 0);
        assert_eq!(content.prevalence(&s, &queue), 0.0);
        // No time passed: no interval to play.
        assert_eq!(content.start_interval(SimTime::ZERO + SimDuration::DAY, s.step), None);
    }

    #[test]
    fn a_process_whose_rate_is_zero_does_not_even_seed_its_stream() {
        // Nothing is uploaded, complained about or crawled in the hand-computed
        // scenario; only reports (probability 1 here) draw.
        let s = test_scenario(&["platform.categories[0].report_probability=1.0"]);
        let mut content = Content::new(&s, 7, 0);
        let mut queue = review_queue(&s, 7, 0);
        let now = SimTime::ZERO + SimDuration::DAY;
        let days = content.start_interval(now, s.step).unwrap();
        content.advance_counts(now, days, &s, 0.5, &mut queue);
        let streams = &content.streams;
        let seeded = [&streams.uploads, &streams.complaints, &streams.crawler, &streams.reports];
        assert_eq!(seeded.map(|stream| stream.is_seeded()), [false, false, false, true]);
    }

    #[test]
    fn a_cut_off_platform_gets_fewer_views() {
        let s = test_scenario(&[]);
        let mut content = Content::new(&s, 7, 0);
        let mut queue = review_queue(&s, 7, 0);
        let now = SimTime::ZERO + SimDuration::DAY;
        let days = content.start_interval(now, s.step).unwrap();
        let counts = content.advance_counts(now, days, &s, 0.25, &mut queue);
        assert_eq!(counts.exposure, 2_500.0);
        assert_eq!(content.visible, vec![1_000], "nobody reports in the hand-computed scenario");
        assert!((content.prevalence(&s, &queue) - 1_000.0 / 100_000.0).abs() < 1e-12);
    }

    #[test]
    fn streams_restart_only_when_the_slot_changes() {
        use rand::RngExt;
        let mut a = CountStreams::new(7, 0);
        let first: u64 = a.uploads.get().random();
        a.restart_at(0);
        let second: u64 = a.uploads.get().random();
        assert_ne!(first, second, "slot 0 again must not restart the stream");
        a.restart_at(3);
        let mut b = CountStreams::new(7, 0);
        b.restart_at(3);
        assert_eq!(a.uploads.get().random::<u64>(), b.uploads.get().random::<u64>());
    }
}
