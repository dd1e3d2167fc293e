//! Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC): learning
//! parameters from observations through a simulator alone.
//!
//! The algorithm is population Monte Carlo ABC (Beaumont, Cornuet, Marin and Robert
//! 2009; Toni et al. 2009), as pyABC runs it. Generation 0 draws from the prior and keeps
//! the best share. Each later generation accepts proposals whose distance is within a
//! tolerance, the weighted quantile of the previous generation's distances; a proposal
//! is a particle of the previous population moved by a multivariate normal kernel whose
//! covariance is the population's weighted covariance scaled by Silverman's rule (see
//! `abc/kernel.rs`), and its weight is
//! prior(θ) / Σ_j w_j K(θ | θ_j). Positive parameters (lognormal, gamma and exponential
//! priors) are moved on a log scale; their prior densities carry the Jacobian there, so
//! the weights stay exact.
//!
//! This file knows nothing of platforms or scenarios: it takes priors and a simulator
//! that returns a distance. Proposal i of generation g draws from
//! `stream_at(seed, g, PROPOSE, i)` and simulates with `stream_at(seed, g, SIMULATE, i)`;
//! proposals run in batches whose sizes depend only on earlier results, and are read
//! in index order, so the posterior is the same bit for bit at any thread count.

mod kernel;
mod posterior;
mod prior;

use rayon::prelude::*;

use crate::engine::random::{stream_at, Stream};
use kernel::{importance_weights, Kernel};
use posterior::weighted_quantile;
pub use posterior::Posterior;
pub(crate) use posterior::{cumulative, pick};
use prior::MAX_TRIES;
pub use prior::{Prior, PriorError};

/// Stream ids within a generation: moving a particle, and simulating it.
const PROPOSE: u64 = 1;
const SIMULATE: u64 = 2;
/// The largest batch, in populations: bounds the memory of one batch of proposals.
const MAX_BATCH: u64 = 16;

/// A parameter to learn: its name and its prior.
#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub prior: Prior,
}

/// How to run the sampler.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Particles accepted per generation.
    pub population: usize,
    pub seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Generation 0 draws `population / initial_share` particles from the prior and
    /// keeps the best `population`; 1 keeps them all.
    pub initial_share: f64,
    /// Each tolerance is this weighted quantile of the previous accepted distances.
    pub quantile: f64,
    /// Stop once the tolerance is at or below this.
    pub min_tolerance: f64,
    /// Stop after this many generations (generation 0 included).
    pub max_generations: usize,
    /// Stop after a generation whose acceptance rate is below this.
    pub min_acceptance_rate: f64,
    /// Stop when this many simulations have run; a generation cut short is dropped.
    pub max_simulations: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            population: 1000,
            seed: 1,
            threads: 0,
            initial_share: 0.5,
            quantile: 0.5,
            min_tolerance: 0.0,
            max_generations: 10,
            min_acceptance_rate: 0.01,
            max_simulations: 1_000_000,
        }
    }
}

/// What one generation did.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Generation {
    /// 0 for the draws from the prior.
    pub index: usize,
    /// The largest distance accepted.
    pub tolerance: f64,
    /// Simulations run in this generation, including the unread rest of the last batch.
    pub simulations: u64,
    /// Accepted particles per simulation read up to the last acceptance.
    pub acceptance_rate: f64,
    /// Effective sample size, 1 / Σ w².
    pub ess: f64,
    pub posterior: Posterior,
    /// The accepted particles' distances, in the order of `posterior.particles`.
    pub distances: Vec<f64>,
}

/// Why the sampler stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    MinTolerance,
    MaxGenerations,
    MinAcceptanceRate,
    SimulationCap,
    /// The next tolerance would not be smaller (distances that take few values).
    ToleranceStalled,
}

/// Every generation of a run and why it stopped.
#[derive(Clone, Debug)]
pub struct AbcRun {
    pub generations: Vec<Generation>,
    pub stop: Stop,
    /// All simulations run, including those of a generation dropped at the cap.
    pub simulations: u64,
    pub threads_used: usize,
}

/// Why the sampler could not run.
#[derive(Debug, thiserror::Error)]
pub enum AbcError {
    #[error("invalid settings: {0}")]
    Settings(String),
    #[error("generation {generation} accepted {accepted} of the {wanted} particles it needs after {simulations} simulations")]
    NotEnoughAccepted { generation: usize, accepted: usize, wanted: usize, simulations: u64 },
    #[error("interrupted in generation {generation}")]
    Cancelled { generation: usize },
    #[error("cannot start {threads} worker threads: {source}")]
    ThreadPool { threads: usize, source: rayon::ThreadPoolBuildError },
}

/// Receives each generation as it ends, and can stop the run between batches.
pub trait AbcProgress: Sync {
    fn generation(&self, _generation: &Generation) {}
    fn cancelled(&self) -> bool {
        false
    }
}

impl AbcProgress for () {}

/// Runs ABC-SMC. `simulate` takes parameter values (in the order of `parameters`) and
/// a stream, and returns the distance between simulated and observed outcomes; a
/// distance that is not finite is never accepted.
pub fn run<F>(
    parameters: &[Parameter],
    settings: &Settings,
    simulate: F,
    progress: &dyn AbcProgress,
) -> Result<AbcRun, AbcError>
where
    F: Fn(&[f64], &mut Stream) -> f64 + Sync,
{
    check(parameters, settings)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .map_err(|source| AbcError::ThreadPool { threads: settings.threads, source })?;
    let threads_used = pool.current_num_threads();
    let sampler = Sampler { parameters, settings, simulate: &simulate, progress };
    let mut result = pool.install(|| sampler.run())?;
    result.threads_used = threads_used;
    Ok(result)
}

fn check(parameters: &[Parameter], s: &Settings) -> Result<(), AbcError> {
    let bad = |what: &str| Err(AbcError::Settings(what.to_owned()));
    if parameters.is_empty() {
        return bad("there are no parameters to learn");
    }
    if s.population < 2 {
        return bad("the population needs at least 2 particles");
    }
    if !(s.initial_share > 0.0 && s.initial_share <= 1.0) {
        return bad("initial_share must be in (0, 1]");
    }
    if !(s.quantile > 0.0 && s.quantile < 1.0) {
        return bad("quantile must be in (0, 1)");
    }
    if s.max_generations == 0 {
        return bad("max_generations must be at least 1");
    }
    if s.min_tolerance.is_nan() || s.min_acceptance_rate.is_nan() {
        return bad("min_tolerance and min_acceptance_rate must be numbers");
    }
    if initial_draws(s) > s.max_simulations {
        return bad("max_simulations is smaller than generation 0's draws from the prior");
    }
    Ok(())
}

fn initial_draws(s: &Settings) -> u64 {
    (s.population as f64 / s.initial_share).ceil() as u64
}

/// One generation's particles in the sampler's coordinates (log scale for positive
/// parameters).
struct Population {
    internal: Vec<Vec<f64>>,
    weights: Vec<f64>,
    distances: Vec<f64>,
}

/// A proposal after simulation: `None` if no draw fell inside the prior's support.
struct Proposal {
    internal: Option<Vec<f64>>,
    distance: f64,
}

struct Sampler<'a> {
    parameters: &'a [Parameter],
    settings: &'a Settings,
    simulate: &'a (dyn Fn(&[f64], &mut Stream) -> f64 + Sync),
    progress: &'a dyn AbcProgress,
}

impl Sampler<'_> {
    fn run(&self) -> Result<AbcRun, AbcError> {
        let s = self.settings;
        let (mut population, first) = self.generation_zero()?;
        let mut simulations = first.simulations;
        self.progress.generation(&first);
        let mut generations = vec![first];
        loop {
            let last = generations.last().expect("generation 0 is always there");
            if let Some(stop) = self.stop_after(last, simulations) {
                return Ok(AbcRun { generations, stop, simulations, threads_used: 0 });
            }
            let tolerance = weighted_quantile(&population.distances, &population.weights, s.quantile);
            if tolerance >= last.tolerance {
                let stop = Stop::ToleranceStalled;
                return Ok(AbcRun { generations, stop, simulations, threads_used: 0 });
            }
            let index = generations.len();
            let (next, generation) = match self.generation(index, &population, tolerance, &mut simulations)? {
                Some(done) => done,
                None => {
                    let stop = Stop::SimulationCap;
                    return Ok(AbcRun { generations, stop, simulations, threads_used: 0 });
                }
            };
            self.progress.generation(&generation);
            generations.push(generation);
            population = next;
        }
    }

    fn stop_after(&self, last: &Generation, simulations: u64) -> Option<Stop> {
        let s = self.settings;
        if last.tolerance <= s.min_tolerance {
            Some(Stop::MinTolerance)
        } else if last.index + 1 >= s.max_generations {
            Some(Stop::MaxGenerations)
        } else if last.acceptance_rate < s.min_acceptance_rate {
            Some(Stop::MinAcceptanceRate)
        } else if simulations >= s.max_simulations {
            Some(Stop::SimulationCap)
        } else {
            None
        }
    }

    /// Draws from the prior and keeps the `population` nearest, ties going to the
    /// earlier draw.
    fn generation_zero(&self) -> Result<(Population, Generation), AbcError> {
        let n = self.settings.population;
        let draws = initial_draws(self.settings);
        let from_prior = |rng: &mut Stream| {
            self.parameters.iter().map(|p| p.prior.sample_internal(rng)).collect::<Option<Vec<f64>>>()
        };
        let proposals = self.evaluate(0, 0..draws, &from_prior)?;
        let simulated = proposals.iter().filter(|p| p.internal.is_some()).count() as u64;
        let mut order: Vec<usize> =
            (0..proposals.len()).filter(|&i| proposals[i].distance.is_finite()).collect();
        if order.len() < n {
            let accepted = order.len();
            let simulations = simulated;
            return Err(AbcError::NotEnoughAccepted { generation: 0, accepted, wanted: n, simulations });
        }
        order.sort_by(|&a, &b| proposals[a].distance.total_cmp(&proposals[b].distance).then(a.cmp(&b)));
        order.truncate(n);
        order.sort_unstable();
        let (internal, distances): (Vec<Vec<f64>>, Vec<f64>) = order
            .iter()
            .filter_map(|&i| Some((proposals[i].internal.clone()?, proposals[i].distance)))
            .unzip();
        let population = Population { internal, weights: vec![1.0 / n as f64; n], distances };
        let acceptance_rate = n as f64 / simulated as f64;
        let generation = self.describe(0, simulated, acceptance_rate, &population);
        Ok((population, generation))
    }

    /// Generation `index` at `tolerance`, or `None` if the simulation cap came first.
    fn generation(
        &self,
        index: usize,
        previous: &Population,
        tolerance: f64,
        simulations: &mut u64,
    ) -> Result<Option<(Population, Generation)>, AbcError> {
        let s = self.settings;
        let n = s.population as u64;
        let kernel = Kernel::fit(&previous.internal, &previous.weights);
        let cumulative = cumulative(&previous.weights);
        let parameters = self.parameters;
        let propose = |rng: &mut Stream| {
            for _ in 0..MAX_TRIES {
                let ancestor = pick(&cumulative, rng);
                let moved = kernel.sample(&previous.internal[ancestor], rng);
                if ln_prior(parameters, &moved).is_finite() {
                    return Some(moved);
                }
            }
            None
        };
        let mut accepted: Vec<(Vec<f64>, f64)> = Vec::with_capacity(s.population);
        let (mut next, mut read, mut run_here) = (0, 0u64, 0u64);
        let mut batch = n;
        while (accepted.len() as u64) < n {
            let budget = s.max_simulations.saturating_sub(*simulations);
            if budget == 0 {
                return Ok(None);
            }
            batch = batch.clamp(1, (MAX_BATCH * n).min(budget));
            let proposals = self.evaluate(index as u64, next..next + batch, &propose)?;
            let ran = proposals.iter().filter(|p| p.internal.is_some()).count() as u64;
            *simulations += ran;
            run_here += ran;
            next += batch;
            for p in proposals {
                let Some(internal) = p.internal else { continue };
                read += 1;
                if p.distance <= tolerance {
                    accepted.push((internal, p.distance));
                    if accepted.len() as u64 == n {
                        break;
                    }
                }
            }
            // Aim the next batch at what is still missing, at the rate seen so far.
            let rate = (accepted.len() as f64 / read.max(1) as f64).max(1.0 / (MAX_BATCH * n) as f64);
            batch = ((n - accepted.len() as u64) as f64 / rate * 1.1).ceil() as u64;
        }
        let (internal, distances): (Vec<Vec<f64>>, Vec<f64>) = accepted.into_iter().unzip();
        let weights = importance_weights(
            &internal,
            &previous.internal,
            &previous.weights,
            |u| ln_prior(parameters, u),
            |u, from| kernel.ln_density(u, from),
        );
        let population = Population { internal, weights, distances };
        let rate = n as f64 / read as f64;
        let generation = self.describe(index, run_here, rate, &population);
        Ok(Some((population, generation)))
    }

    /// Proposals `range` of `generation`, moved by `propose` and simulated in parallel,
    /// in index order.
    fn evaluate(
        &self,
        generation: u64,
        range: std::ops::Range<u64>,
        propose: &(dyn Fn(&mut Stream) -> Option<Vec<f64>> + Sync),
    ) -> Result<Vec<Proposal>, AbcError> {
        let seed = self.settings.seed;
        let proposals = range
            .into_par_iter()
            .map(|i| {
                if self.progress.cancelled() {
                    return Proposal { internal: None, distance: f64::NAN };
                }
                let Some(internal) = propose(&mut stream_at(seed, generation, PROPOSE, i)) else {
                    return Proposal { internal: None, distance: f64::NAN };
                };
                let theta = natural(self.parameters, &internal);
                let distance = (self.simulate)(&theta, &mut stream_at(seed, generation, SIMULATE, i));
                Proposal { internal: Some(internal), distance }
            })
            .collect();
        if self.progress.cancelled() {
            return Err(AbcError::Cancelled { generation: generation as usize });
        }
        Ok(proposals)
    }

    fn describe(&self, index: usize, simulations: u64, acceptance_rate: f64, p: &Population) -> Generation {
        let posterior = Posterior {
            particles: p.internal.iter().map(|u| natural(self.parameters, u)).collect(),
            weights: p.weights.clone(),
            names: self.parameters.iter().map(|p| p.name.clone()).collect(),
        };
        Generation {
            index,
            tolerance: p.distances.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            simulations,
            acceptance_rate,
            ess: posterior.ess(),
            posterior,
            distances: p.distances.clone(),
        }
    }
}

impl AbcRun {
    /// The last generation's posterior.
    pub fn posterior(&self) -> &Posterior {
        &self.generations.last().expect("a run has generation 0").posterior
    }
}

/// Parameter values from the sampler's coordinates.
fn natural(parameters: &[Parameter], internal: &[f64]) -> Vec<f64> {
    parameters.iter().zip(internal).map(|(p, &u)| p.prior.to_natural(u)).collect()
}

/// The log prior density in the sampler's coordinates; -inf outside the support.
fn ln_prior(parameters: &[Parameter], internal: &[f64]) -> f64 {
    parameters.iter().zip(internal).map(|(p, &u)| p.prior.ln_pdf_internal(u)).sum()
}
