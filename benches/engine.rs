//! `cargo bench`: regressions in the event calendar, the count draws, a flagship
//! replication, the SimPy peer's reduced flagship, a calibration's particle and the
//! review queue show here. Figures are comparable only within one
//! run on one machine; benches/README.md has reference figures and the whole-run
//! benchmark (benches/run.sh).
//!
//! The count draws compare `engine::counts` with rand_distr set up at every draw (as
//! modsim drew before), at means the flagship draws at: complaints (0.05), uploads
//! (3), flagged arrivals (17) and a large stock (500).

use std::path::Path;

use divan::{black_box, Bencher};
use modsim::engine::{counts, stream, Calendar, LazyStream, ProcessKey, SimTime};
use modsim::model::run_replication;
use modsim::scenario::{self, Scenario};
use rand_distr::Distribution;

fn main() {
    divan::main();
}

/// The hold model: a calendar of `size` pending events; each step pops the earliest
/// and schedules one a pseudo-random time later, as a simulation does.
#[divan::bench(args = [16, 1_024, 65_536])]
fn calendar_hold(bencher: Bencher, size: u64) {
    let mut calendar = Calendar::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift: cheap, deterministic gaps of up to about 16 minutes.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % 1_000_000
    };
    for i in 0..size {
        calendar.schedule(SimTime(next()), i);
    }
    bencher.counter(divan::counter::ItemsCount::new(1usize)).bench_local(|| {
        let (t, e) = calendar.pop().expect("the calendar is never empty");
        calendar.schedule(SimTime(t.0 + next()), e);
    });
}

fn library(name: &str) -> Scenario {
    scenario::load(Path::new(name)).expect("library scenario loads").scenario
}

/// One replication of the flagship (365 days, about 200,000 review-queue items).
#[divan::bench(sample_count = 20, sample_size = 1)]
fn flagship_replication(bencher: Bencher) {
    replications(bencher, &library("scenarios/tiktok-indonesia-2018.toml"));
}

/// Plays replication after replication of `s`, one per iteration.
fn replications(bencher: Bencher, s: &Scenario) {
    let mut rep = 0;
    bencher.bench_local(|| {
        rep += 1;
        black_box(run_replication(s, s.seed(), rep, false))
    });
}

/// One replication of the SimPy peer's reduced flagship (`benches/peers/`): 8,760
/// hourly steps of a few count draws, no review queue at work.
#[divan::bench(sample_count = 40, sample_size = 4)]
fn reduced_flagship_replication(bencher: Bencher) {
    replications(bencher, &library("benches/peers/reduced-flagship.toml"));
}

/// The draws of a reduced flagship replication and nothing else: each hour, its
/// streams restarted, the complaints on the live stock, the uploads that go live, the
/// crawler's samples and their hits, with the samplers the model uses. No calendar,
/// ladder, orders or bookkeeping: the least a replication drawing exactly by the hour
/// can cost, against `reduced_flagship_replication`.
#[divan::bench(sample_count = 40, sample_size = 4)]
fn reduced_flagship_draws_alone(bencher: Bencher) {
    let s = library("benches/peers/reduced-flagship.toml");
    let (p, r) = (s.platform(), s.regulator());
    let c = &p.categories[0];
    let days = s.step().as_days_f64();
    let uploads = p.uploads_per_day * c.share * (1.0 - c.recall) * days;
    let samples = r.crawler_samples_per_day * days;
    let steps = s.horizon().0 / s.step().0;
    let mut rep = 0;
    bencher.bench_local(|| {
        rep += 1;
        let keys = [1, 2, 3].map(|process| ProcessKey::new(s.seed(), rep, process));
        let (mut complaints, mut live, mut crawled) = Default::default();
        let mut hits = counts::Binomial::default();
        let (mut visible, mut findings) = (c.initial_stock, 0);
        for step in 0..steps {
            let [mut upload_rng, mut complaint_rng, mut crawler_rng] = keys.map(|key| key.at(step));
            let views = visible as f64 * c.views_per_item_per_day * days;
            findings += counts::Poisson::draw(
                &mut complaints,
                &mut complaint_rng,
                views * r.complaints_per_violating_view,
            );
            visible += counts::Poisson::draw(&mut live, &mut upload_rng, uploads);
            let n = counts::Poisson::draw(&mut crawled, &mut crawler_rng, samples);
            findings += hits.draw(&mut crawler_rng, n, visible as f64 / p.catalogue_items);
        }
        black_box((visible, findings))
    });
}

/// One particle of the Indonesian calibration (`scenarios/calibration/indonesia.toml`):
/// its values written into each of the five cases, and three replications of each, as
/// the sampler does thousands of times.
#[divan::bench(sample_count = 40, sample_size = 4)]
fn calibration_particle(bencher: Bencher) {
    let calibration = modsim::experiment::calibrate::load(Path::new("scenarios/calibration/indonesia.toml"))
        .expect("loads");
    let theta: Vec<f64> = calibration.parameters.iter().map(|p| p.prior.quantile(0.5)).collect();
    let mut rng = stream(1, 0, 0);
    bencher.bench_local(|| black_box(calibration.distance(&theta, &mut rng)));
}

/// The peer benchmark's M/M/10 queue at utilisation 0.95, cut to 50 days (about
/// 114,000 items) so one sample takes milliseconds.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn review_queue_mm10(bencher: Bencher) {
    let s = scenario::load_with(
        Path::new("benches/review-queue.toml"),
        &["scenario.horizon=50d".parse().unwrap(), "scenario.warm_up=0s".parse().unwrap()],
    )
    .expect("benchmark scenario loads")
    .scenario;
    replications(bencher.counter(divan::counter::ItemsCount::new(114_000usize)), &s);
}

const MEANS: [f64; 4] = [0.05, 3.0, 17.0, 500.0];

/// A Poisson count with `engine::counts` (setup kept between draws).
#[divan::bench(args = MEANS)]
fn poisson_counts(bencher: Bencher, mean: f64) {
    let (mut rng, mut sampler) = (LazyStream::new(1, 0, 0), counts::Poisson::default());
    bencher.bench_local(|| sampler.draw(&mut rng, black_box(mean)));
}

/// A Poisson count with rand_distr, set up for every draw.
#[divan::bench(args = MEANS)]
fn poisson_rand_distr(bencher: Bencher, mean: f64) {
    let mut rng = stream(1, 0, 0);
    bencher.bench_local(|| rand_distr::Poisson::new(black_box(mean)).unwrap().sample(&mut rng) as u64);
}

/// A binomial count of 1,000 trials with mean `mean`, with `engine::counts`.
#[divan::bench(args = MEANS)]
fn binomial_counts(bencher: Bencher, mean: f64) {
    let (mut rng, mut sampler) = (LazyStream::new(1, 0, 0), counts::Binomial::default());
    bencher.bench_local(|| sampler.draw(&mut rng, 1_000, black_box(mean / 1_000.0)));
}

/// The same with rand_distr, set up for every draw.
#[divan::bench(args = MEANS)]
fn binomial_rand_distr(bencher: Bencher, mean: f64) {
    let mut rng = stream(1, 0, 0);
    bencher.bench_local(|| {
        rand_distr::Binomial::new(1_000, black_box(mean / 1_000.0)).unwrap().sample(&mut rng)
    });
}
