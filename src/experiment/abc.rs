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
mod sampler;

use crate::engine::random::Stream;
pub use posterior::Posterior;
pub(crate) use posterior::{cumulative, pick};
pub use prior::{Prior, PriorError};
pub use sampler::{Batch, Checkpoint, Proposal, Sampler, Step};

/// A parameter to learn: its name and its prior.
#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub prior: Prior,
}

/// How to run the sampler.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// A checkpoint or a batch of proposals that does not belong to this run.
    #[error("{0}")]
    Checkpoint(String),
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
    let sampler = Sampler::new(parameters, settings, &simulate, progress)?;
    sampler.resume(sampler.start())
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
