//! ABC-SMC against known answers: a conjugate model whose posterior is exact, the
//! coverage of posterior intervals over truths drawn from the prior, determinism across
//! thread counts, and the ways a run stops or fails.

use std::sync::atomic::{AtomicUsize, Ordering};

use modsim::engine::random::{stream, Stream};
use modsim::experiment::abc::{self, AbcError, AbcProgress, Generation, Parameter, Prior, Settings, Stop};
use rand_distr::{Distribution, Exp, Normal};
use statrs::distribution::{Binomial, Continuous, ContinuousCDF, DiscreteCDF, Gamma};

/// Prior Gamma(shape A, rate B) on the rate λ of exponential durations.
const A: f64 = 3.0;
const B: f64 = 2.0;
/// Observed durations.
const N: usize = 20;

fn observed_durations(rate: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = stream(seed, 0, 0);
    let exp = Exp::new(rate).unwrap();
    (0..n).map(|_| exp.sample(&mut rng)).collect()
}

fn rate_parameter() -> Vec<Parameter> {
    // Gamma(shape 3, rate 2): mean 1.5, sd sqrt(3) / 2.
    let prior = Prior::gamma(A / B, A.sqrt() / B).unwrap();
    vec![Parameter { name: "rate".into(), prior }]
}

/// Simulates `N` durations at the proposed rate; the distance is between the logs of
/// the means, a sufficient statistic, so the ABC posterior tends to the exact one.
fn conjugate_simulator(observed_mean: f64) -> impl Fn(&[f64], &mut Stream) -> f64 + Sync {
    move |theta: &[f64], rng: &mut Stream| {
        let exp = Exp::new(theta[0]).unwrap();
        let mean = (0..N).map(|_| exp.sample(rng)).sum::<f64>() / N as f64;
        (mean.ln() - observed_mean.ln()).abs()
    }
}

fn conjugate_run(settings: &Settings) -> (abc::AbcRun, Gamma) {
    let data = observed_durations(1.2, N, 42);
    let sum: f64 = data.iter().sum();
    let exact = Gamma::new(A + N as f64, B + sum).unwrap();
    let run = abc::run(&rate_parameter(), settings, conjugate_simulator(sum / N as f64), &()).unwrap();
    (run, exact)
}

/// |estimate - exact| for the mean and the 5% and 95% quantiles, with the allowance
/// for each: Monte Carlo error plus the bias a tolerance eps can cause.
fn errors(g: &Generation, exact: &Gamma) -> Vec<(f64, f64)> {
    let p = &g.posterior;
    let (ess, eps) = (g.ess, g.tolerance);
    // Accepting |ln m_sim - ln m_obs| <= eps mixes exact posteriors Gamma(A + N, B + N m)
    // over m within a factor e^eps of the observed mean; each of their quantiles and
    // means scales as 1 / (B + N m), so the bias is at most a factor e^eps - 1.
    let bias = eps.exp() - 1.0;
    let mean = exact.shape() / exact.rate();
    let sd = exact.shape().sqrt() / exact.rate();
    // Four standard errors of a weighted sample of effective size `ess`: sd / sqrt(ess)
    // for the mean, sqrt(p (1 - p) / ess) / density for a quantile.
    let mut out = vec![((p.mean()[0] - mean).abs(), 4.0 * sd / ess.sqrt() + bias * mean)];
    for level in [0.05, 0.95] {
        let q = exact.inverse_cdf(level);
        let se = (level * (1.0 - level) / ess).sqrt() / exact.pdf(q);
        out.push(((p.quantile(0, level) - q).abs(), 4.0 * se + bias * q));
    }
    out
}

#[test]
fn conjugate_posterior_approaches_the_exact_gamma() {
    let settings = Settings {
        population: 1000,
        seed: 7,
        max_generations: 8,
        min_tolerance: 0.01,
        ..Settings::default()
    };
    let (run, exact) = conjugate_run(&settings);
    let first = &run.generations[0];
    let last = run.generations.last().unwrap();
    for g in &run.generations {
        let e = errors(g, &exact);
        eprintln!(
            "generation {} tolerance {:.4} acceptance {:.3} ess {:.0} simulations {} mean {:.4} q05 {:.4} q95 {:.4} errors {:?}",
            g.index,
            g.tolerance,
            g.acceptance_rate,
            g.ess,
            g.simulations,
            g.posterior.mean()[0],
            g.posterior.quantile(0, 0.05),
            g.posterior.quantile(0, 0.95),
            e
        );
    }
    eprintln!(
        "exact mean {:.4} q05 {:.4} q95 {:.4}; stop {:?}",
        exact.shape() / exact.rate(),
        exact.inverse_cdf(0.05),
        exact.inverse_cdf(0.95),
        run.stop
    );
    assert!(run.generations.len() >= 4, "the tolerance should shrink over several generations");
    assert!(last.tolerance < first.tolerance / 8.0);
    for (error, allowance) in errors(last, &exact) {
        assert!(error <= allowance, "final error {error} above its allowance {allowance}");
    }
    let total = |g| errors(g, &exact).iter().map(|e| e.0).sum::<f64>();
    assert!(
        total(last) < total(first),
        "final {} not closer than generation 0 {}",
        total(last),
        total(first)
    );
    // Generation 0's tolerance is wide: its posterior is measurably wider than the exact one.
    let width = |g: &Generation| g.posterior.quantile(0, 0.95) - g.posterior.quantile(0, 0.05);
    assert!(width(first) > 1.1 * (exact.inverse_cdf(0.95) - exact.inverse_cdf(0.05)));
}

/// Log durations Normal(mu, sigma): priors mu ~ Normal(ln 5, 1), sigma ~ Gamma(mean 1,
/// sd 0.5); the distance compares the mean and sd of the log durations.
fn lognormal_parameters() -> Vec<Parameter> {
    vec![
        Parameter { name: "mu".into(), prior: Prior::normal(5f64.ln(), 1.0).unwrap() },
        Parameter { name: "sigma".into(), prior: Prior::gamma(1.0, 0.5).unwrap() },
    ]
}

fn log_summary(logs: &[f64]) -> (f64, f64) {
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    let var = logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

fn simulate_logs(theta: &[f64], n: usize, rng: &mut Stream) -> Vec<f64> {
    let normal = Normal::new(theta[0], theta[1]).unwrap();
    (0..n).map(|_| normal.sample(rng)).collect()
}

/// How many of `repeats` 90% posterior intervals hold the truth, per parameter.
fn coverage(repeats: u64, population: usize, generations: usize, n: usize) -> [usize; 2] {
    let parameters = lognormal_parameters();
    let mut hits = [0; 2];
    for r in 0..repeats {
        let mut rng = stream(1000 + r, 0, 0);
        let truth: Vec<f64> = parameters.iter().map(|p| p.prior.sample(&mut rng)).collect();
        let observed = log_summary(&simulate_logs(&truth, n, &mut rng));
        let simulate = |theta: &[f64], rng: &mut Stream| {
            let s = log_summary(&simulate_logs(theta, n, rng));
            (s.0 - observed.0).hypot(s.1 - observed.1)
        };
        let settings =
            Settings { population, seed: r, max_generations: generations, threads: 1, ..Settings::default() };
        let run = abc::run(&parameters, &settings, simulate, &()).unwrap();
        let posterior = run.posterior();
        for (k, hit) in hits.iter_mut().enumerate() {
            if (posterior.quantile(k, 0.05)..=posterior.quantile(k, 0.95)).contains(&truth[k]) {
                *hit += 1;
            }
        }
    }
    hits
}

/// The range of hit counts out of `repeats` that a correct 90% interval gives with
/// probability at least 99.8% (0.1% in each tail).
fn binomial_range(repeats: u64) -> (u64, u64) {
    let b = Binomial::new(0.9, repeats).unwrap();
    let low = (0..=repeats).find(|&k| b.cdf(k) > 0.001).unwrap();
    let high = (0..=repeats).find(|&k| b.sf(k) <= 0.001).unwrap_or(repeats);
    (low, high)
}

fn check_coverage(repeats: u64, population: usize, generations: usize) {
    let hits = coverage(repeats, population, generations, 15);
    let (low, high) = binomial_range(repeats);
    eprintln!(
        "coverage of 90% intervals over {repeats} repeats: mu {}, sigma {} (accepted {low}..={high})",
        hits[0], hits[1]
    );
    for (name, h) in ["mu", "sigma"].iter().zip(hits) {
        assert!((low..=high).contains(&(h as u64)), "{name}: {h} of {repeats} intervals hold the truth");
    }
}

#[test]
fn posterior_intervals_cover_truths_drawn_from_the_prior() {
    check_coverage(60, 300, 6);
}

/// The full calibration check (about 3.5 minutes on one core); run with
/// `cargo test --test abc -- --ignored`.
#[test]
#[ignore]
fn posterior_intervals_cover_truths_drawn_from_the_prior_many_times() {
    check_coverage(400, 1000, 8);
}

#[test]
fn same_seed_same_posterior_at_any_thread_count() {
    let run_with = |threads, seed| {
        let settings = Settings { population: 200, seed, threads, max_generations: 5, ..Settings::default() };
        conjugate_run(&settings).0
    };
    let bits = |run: &abc::AbcRun| -> Vec<u64> {
        run.generations
            .iter()
            .flat_map(|g| {
                let p = &g.posterior;
                p.particles.iter().flatten().chain(&p.weights).chain(&g.distances).map(|x| x.to_bits())
            })
            .collect()
    };
    let one = run_with(1, 3);
    let two = run_with(2, 3);
    assert_eq!(one.generations.len(), 5);
    assert_eq!(two.threads_used, 2);
    assert_eq!(bits(&one), bits(&two));
    assert_eq!(one.simulations, two.simulations);
    assert_ne!(bits(&one), bits(&run_with(2, 4)));
}

#[test]
fn weights_are_a_distribution() {
    let settings = Settings { population: 300, seed: 11, max_generations: 5, ..Settings::default() };
    let (run, _) = conjugate_run(&settings);
    for g in &run.generations {
        let w = &g.posterior.weights;
        assert!(w.iter().all(|x| x.is_finite() && *x >= 0.0));
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(w.len(), 300);
        assert!(g.ess > 1.0 && g.ess <= 300.0 + 1e-9);
        assert!(g.distances.iter().all(|d| *d <= g.tolerance));
    }
    // Generation 0 draws from the prior: equal weights.
    assert!(run.generations[0].posterior.weights.iter().all(|w| *w == 1.0 / 300.0));
}

#[test]
fn a_simulator_that_never_gives_a_distance_is_an_error() {
    let settings = Settings { population: 50, ..Settings::default() };
    let result = abc::run(&rate_parameter(), &settings, |_: &[f64], _: &mut Stream| f64::NAN, &());
    match result {
        Err(AbcError::NotEnoughAccepted { generation: 0, accepted: 0, wanted: 50, simulations: 100 }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_settings_are_errors() {
    let ok = |_: &[f64], _: &mut Stream| 0.0;
    let bad = [
        Settings { population: 1, ..Settings::default() },
        Settings { quantile: 1.0, ..Settings::default() },
        Settings { initial_share: 0.0, ..Settings::default() },
        Settings { max_generations: 0, ..Settings::default() },
        Settings { max_simulations: 1999, ..Settings::default() },
    ];
    for settings in bad {
        assert!(matches!(abc::run(&rate_parameter(), &settings, ok, &()), Err(AbcError::Settings(_))));
    }
    assert!(matches!(abc::run(&[], &Settings::default(), ok, &()), Err(AbcError::Settings(_))));
}

#[test]
fn the_simulation_cap_keeps_the_last_whole_generation() {
    let settings = Settings {
        population: 200,
        seed: 5,
        max_simulations: 1500,
        min_acceptance_rate: 0.0,
        ..Settings::default()
    };
    let (run, _) = conjugate_run(&settings);
    assert_eq!(run.stop, Stop::SimulationCap);
    assert!(run.simulations <= 1500, "{}", run.simulations);
    let counted: u64 = run.generations.iter().map(|g| g.simulations).sum();
    assert!(counted <= run.simulations);
    assert_eq!(run.posterior().weights.len(), 200);
}

#[test]
fn a_run_stops_at_the_first_criterion_met() {
    let base = Settings { population: 200, seed: 5, ..Settings::default() };
    let (run, _) = conjugate_run(&Settings { max_generations: 3, ..base.clone() });
    assert_eq!((run.stop, run.generations.len()), (Stop::MaxGenerations, 3));
    let (run, _) = conjugate_run(&Settings { min_tolerance: 0.1, ..base.clone() });
    assert_eq!(run.stop, Stop::MinTolerance);
    assert!(run.generations.last().unwrap().tolerance <= 0.1);
    assert!(run.generations.iter().rev().skip(1).all(|g| g.tolerance > 0.1));
    let (run, _) = conjugate_run(&Settings { min_acceptance_rate: 0.3, ..base.clone() });
    assert_eq!(run.stop, Stop::MinAcceptanceRate);
    assert!(run.generations.last().unwrap().acceptance_rate < 0.3);
    // A distance with only two values: the tolerance cannot shrink below 1.
    let coarse = |theta: &[f64], _: &mut Stream| if theta[0] < 1.0 { 0.0 } else { 1.0 };
    let run = abc::run(&rate_parameter(), &Settings { quantile: 0.9, ..base }, coarse, &()).unwrap();
    assert_eq!(run.stop, Stop::ToleranceStalled);
}

#[test]
fn progress_sees_each_generation_and_can_cancel() {
    struct CancelAfter(AtomicUsize);
    impl AbcProgress for CancelAfter {
        fn generation(&self, _: &Generation) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn cancelled(&self) -> bool {
            self.0.load(Ordering::SeqCst) >= 2
        }
    }
    let progress = CancelAfter(AtomicUsize::new(0));
    let settings = Settings { population: 100, ..Settings::default() };
    let data_mean = 1.0;
    match abc::run(&rate_parameter(), &settings, conjugate_simulator(data_mean), &progress) {
        Err(AbcError::Cancelled { generation: 2 }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(progress.0.load(Ordering::SeqCst), 2);
}

#[test]
fn particles_stay_in_the_prior_support_and_infinite_distances_are_never_accepted() {
    let parameters = vec![Parameter { name: "rate".into(), prior: Prior::uniform(0.5, 3.0).unwrap() }];
    let observed_mean = 1.0;
    let conjugate = conjugate_simulator(observed_mean);
    let simulate =
        |theta: &[f64], rng: &mut Stream| if theta[0] > 2.0 { f64::INFINITY } else { conjugate(theta, rng) };
    let settings = Settings { population: 200, seed: 9, max_generations: 5, ..Settings::default() };
    let run = abc::run(&parameters, &settings, simulate, &()).unwrap();
    assert_eq!(run.generations.len(), 5);
    for g in &run.generations {
        assert!(g.posterior.particles.iter().all(|p| (0.5..=2.0).contains(&p[0])), "generation {}", g.index);
        assert!(g.distances.iter().all(|d| d.is_finite()));
    }
}

/// A run driven batch by batch, each batch evaluated in `slices` slices as separate
/// shards would, with the checkpoint and the proposals encoded and decoded between
/// steps as they are between machines, ends with the same generations, bit for bit.
#[test]
fn a_run_split_into_slices_and_resumed_from_checkpoints_is_the_same_run() {
    use abc::{Checkpoint, Proposal, Sampler, Step};
    let data = observed_durations(1.2, N, 42);
    let simulate = conjugate_simulator(data.iter().sum::<f64>() / N as f64);
    let parameters = rate_parameter();
    let settings =
        Settings { population: 60, max_generations: 4, seed: 9, threads: 2, ..Settings::default() };
    let whole = abc::run(&parameters, &settings, &simulate, &()).unwrap();
    for slices in [1u64, 2, 7] {
        let sampler = Sampler::new(&parameters, &settings, &simulate, &()).unwrap();
        let mut state = sampler.start();
        let mut batches = 0;
        let stop = loop {
            let encoded = postcard::to_stdvec(&state).unwrap();
            state = postcard::from_bytes::<Checkpoint>(&encoded).unwrap();
            let batch = match sampler.step(&state) {
                Step::Done(stop) => break stop,
                Step::Batch(batch) => batch,
            };
            let (start, len) = (batch.proposals.start, batch.proposals.end - batch.proposals.start);
            let mut proposals = Vec::new();
            for k in 0..slices {
                let range = start + k * len / slices..start + (k + 1) * len / slices;
                let part = sampler.evaluate(&state, &batch, range).unwrap();
                proposals.extend(
                    postcard::from_bytes::<Vec<Proposal>>(&postcard::to_stdvec(&part).unwrap()).unwrap(),
                );
            }
            sampler.absorb(&mut state, &batch, proposals).unwrap();
            batches += 1;
        };
        let run = sampler.finish(state, stop);
        assert!(batches > run.generations.len(), "later generations took more than one batch");
        assert_eq!(run.generations, whole.generations, "{slices} slices");
        assert_eq!((run.stop, run.simulations), (whole.stop, whole.simulations));
    }
}

/// A batch that is not the checkpoint's next, or has too few proposals, is refused.
#[test]
fn a_checkpoint_refuses_proposals_that_are_not_its_next_batch() {
    use abc::{Batch, Sampler, Step};
    let simulate = conjugate_simulator(1.0);
    let parameters = rate_parameter();
    let settings = Settings { population: 20, max_generations: 3, threads: 1, ..Settings::default() };
    let sampler = Sampler::new(&parameters, &settings, &simulate, &()).unwrap();
    let mut state = sampler.start();
    let Step::Batch(batch) = sampler.step(&state) else { panic!("a new run has a batch") };
    let proposals = sampler.evaluate(&state, &batch, batch.proposals.clone()).unwrap();
    let short = proposals[1..].to_vec();
    assert!(matches!(sampler.absorb(&mut state, &batch, short), Err(AbcError::Checkpoint(_))));
    let later = Batch { generation: 1, proposals: 0..20 };
    assert!(matches!(sampler.absorb(&mut state, &later, proposals.clone()), Err(AbcError::Checkpoint(_))));
    sampler.absorb(&mut state, &batch, proposals).unwrap();
    assert_eq!(state.generations().len(), 1);
    let other = Settings { seed: 2, ..settings.clone() };
    let sampler = Sampler::new(&parameters, &other, &simulate, &()).unwrap();
    assert!(matches!(sampler.check_checkpoint(&state), Err(AbcError::Checkpoint(_))));
}
