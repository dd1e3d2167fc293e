//! `cargo bench`: regressions in the event calendar, the count draws, a flagship
//! replication and the review queue show here. Figures are comparable only within one
//! run on one machine; benches/README.md has reference figures and the whole-run
//! benchmark (benches/run.sh).
//!
//! The count draws compare `engine::counts` with rand_distr set up at every draw (as
//! modsim drew before), at means the flagship draws at: complaints (0.05), uploads
//! (3), flagged arrivals (17) and a large stock (500).

use std::path::Path;

use divan::{black_box, Bencher};
use modsim::engine::{counts, stream, Calendar, LazyStream, SimTime};
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
    let s = library("scenarios/tiktok-indonesia-2018.toml");
    let mut rep = 0;
    bencher.bench_local(|| {
        rep += 1;
        black_box(run_replication(&s, s.seed(), rep, false))
    });
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
    let mut rep = 0;
    bencher.counter(divan::counter::ItemsCount::new(114_000usize)).bench_local(|| {
        rep += 1;
        black_box(run_replication(&s, s.seed(), rep, false))
    });
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
