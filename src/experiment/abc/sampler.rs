//! The sampler as a sequence of batches. A run is a [`Checkpoint`] (where it stands
//! between two batches) and a loop: ask for the next [`Batch`] of proposals, evaluate
//! it, absorb the results. Because a checkpoint can be saved and read back exactly
//! (floats as computed) and any slice of a batch can be evaluated on its own, the
//! batches of a calibration can be split across machines (`calibrate --shard`) and give
//! the same posterior, bit for bit, as one machine.

use std::ops::Range;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::kernel::{importance_weights, Kernel};
use super::posterior::{cumulative, pick, weighted_quantile};
use super::prior::MAX_TRIES;
use super::{
    check, initial_draws, ln_prior, natural, AbcError, AbcProgress, AbcRun, Generation, Parameter, Posterior,
    Settings, Stop,
};
use crate::engine::random::{stream_at, Stream};

/// Stream ids within a generation: moving a particle, and simulating it.
const PROPOSE: u64 = 1;
const SIMULATE: u64 = 2;
/// The largest batch, in populations: bounds the memory of one batch of proposals.
const MAX_BATCH: u64 = 16;

/// Where a run stands between two batches: the generations so far, the last
/// population, and the generation being sampled. Serialisable, so that a run can go on
/// in another process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The settings and parameter names it was made with (threads left out).
    settings: Settings,
    names: Vec<String>,
    generations: Vec<Generation>,
    /// The last generation's particles; `None` before generation 0 ends.
    population: Option<Population>,
    /// All simulations run so far.
    simulations: u64,
    /// The generation being sampled; `None` once the run has stopped.
    underway: Option<Underway>,
    stop: Option<Stop>,
}

/// One generation's particles in the sampler's coordinates (log scale for positive
/// parameters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Population {
    internal: Vec<Vec<f64>>,
    weights: Vec<f64>,
    distances: Vec<f64>,
}

/// A generation being sampled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Underway {
    index: usize,
    /// The largest distance accepted (generation 0 keeps the nearest instead).
    tolerance: f64,
    accepted: Vec<(Vec<f64>, f64)>,
    /// The index of the next proposal.
    next: u64,
    /// Simulated proposals read, and simulations run, in this generation.
    read: u64,
    run_here: u64,
    /// The size of the next batch, before the caps.
    batch: u64,
}

/// What to do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Batch(Batch),
    Done(Stop),
}

/// Proposals `proposals` of generation `generation`: the next work of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub generation: usize,
    pub proposals: Range<u64>,
}

/// A proposal after simulation: `internal` is `None` if no draw fell inside the prior's
/// support (or the run was interrupted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    internal: Option<Vec<f64>>,
    distance: f64,
}

/// The sampler: priors, settings, the simulator and the worker threads.
pub struct Sampler<'a> {
    parameters: &'a [Parameter],
    settings: &'a Settings,
    simulate: &'a (dyn Fn(&[f64], &mut Stream) -> f64 + Sync),
    progress: &'a dyn AbcProgress,
    pool: rayon::ThreadPool,
}

impl<'a> Sampler<'a> {
    /// Checks the settings and starts the worker threads. `simulate` takes parameter
    /// values (in the order of `parameters`) and a stream, and returns the distance
    /// between simulated and observed outcomes; a distance that is not finite is never
    /// accepted.
    pub fn new(
        parameters: &'a [Parameter],
        settings: &'a Settings,
        simulate: &'a (dyn Fn(&[f64], &mut Stream) -> f64 + Sync),
        progress: &'a dyn AbcProgress,
    ) -> Result<Sampler<'a>, AbcError> {
        check(parameters, settings)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(settings.threads)
            .build()
            .map_err(|source| AbcError::ThreadPool { threads: settings.threads, source })?;
        Ok(Sampler { parameters, settings, simulate, progress, pool })
    }

    /// The worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// A run before its first batch.
    pub fn start(&self) -> Checkpoint {
        let s = self.settings;
        Checkpoint {
            settings: Settings { threads: 0, ..s.clone() },
            names: self.parameters.iter().map(|p| p.name.clone()).collect(),
            generations: Vec::new(),
            population: None,
            simulations: 0,
            underway: Some(Underway {
                index: 0,
                tolerance: f64::INFINITY,
                accepted: Vec::new(),
                next: 0,
                read: 0,
                run_here: 0,
                batch: initial_draws(s),
            }),
            stop: None,
        }
    }

    /// Refuses a checkpoint made with other settings or parameters.
    pub fn check_checkpoint(&self, state: &Checkpoint) -> Result<(), AbcError> {
        let names: Vec<&str> = self.parameters.iter().map(|p| p.name.as_str()).collect();
        if state.settings != (Settings { threads: 0, ..self.settings.clone() }) {
            return Err(AbcError::Checkpoint("the checkpoint was made with other settings".into()));
        }
        if state.names != names {
            return Err(AbcError::Checkpoint("the checkpoint was made with other parameters".into()));
        }
        Ok(())
    }

    /// The next batch to evaluate, or why the run stops.
    pub fn step(&self, state: &Checkpoint) -> Step {
        if let Some(stop) = state.stop {
            return Step::Done(stop);
        }
        let Some(u) = &state.underway else { return Step::Done(Stop::SimulationCap) };
        if u.index == 0 {
            return Step::Batch(Batch { generation: 0, proposals: 0..u.batch });
        }
        let budget = self.settings.max_simulations.saturating_sub(state.simulations);
        if budget == 0 {
            return Step::Done(Stop::SimulationCap);
        }
        let n = self.settings.population as u64;
        let size = u.batch.clamp(1, (MAX_BATCH * n).min(budget));
        Step::Batch(Batch { generation: u.index, proposals: u.next..u.next + size })
    }

    /// Runs every batch from `state` on, and the finished run.
    pub fn resume(&self, mut state: Checkpoint) -> Result<AbcRun, AbcError> {
        self.check_checkpoint(&state)?;
        loop {
            match self.step(&state) {
                Step::Done(stop) => return Ok(self.finish(state, stop)),
                Step::Batch(batch) => {
                    let proposals = self.evaluate(&state, &batch, batch.proposals.clone())?;
                    self.absorb(&mut state, &batch, proposals)?;
                }
            }
        }
    }

    /// The run a stopped checkpoint holds; a generation cut short is dropped.
    pub fn finish(&self, state: Checkpoint, stop: Stop) -> AbcRun {
        AbcRun {
            generations: state.generations,
            stop,
            simulations: state.simulations,
            threads_used: self.threads(),
        }
    }

    /// Proposals `range` (a slice of `batch`), moved and simulated in parallel, in
    /// index order.
    pub fn evaluate(
        &self,
        state: &Checkpoint,
        batch: &Batch,
        range: Range<u64>,
    ) -> Result<Vec<Proposal>, AbcError> {
        if batch.generation == 0 {
            let from_prior = |rng: &mut Stream| {
                self.parameters.iter().map(|p| p.prior.sample_internal(rng)).collect::<Option<Vec<f64>>>()
            };
            return self.pool.install(|| self.simulate_proposals(0, range, &from_prior));
        }
        let previous = state.population.as_ref().ok_or_else(|| {
            AbcError::Checkpoint(format!("generation {} has no population before it", batch.generation))
        })?;
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
        self.pool.install(|| self.simulate_proposals(batch.generation as u64, range, &propose))
    }

    fn simulate_proposals(
        &self,
        generation: u64,
        range: Range<u64>,
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

    /// Takes in the evaluated proposals of `batch`, all of them in index order. When
    /// they complete a generation, reports it to the progress hook and decides what
    /// comes next.
    pub fn absorb(
        &self,
        state: &mut Checkpoint,
        batch: &Batch,
        proposals: Vec<Proposal>,
    ) -> Result<(), AbcError> {
        if self.step(state) != Step::Batch(batch.clone()) {
            return Err(AbcError::Checkpoint(format!(
                "proposals {}..{} of generation {} are not the checkpoint's next batch",
                batch.proposals.start, batch.proposals.end, batch.generation
            )));
        }
        if proposals.len() as u64 != batch.proposals.end - batch.proposals.start {
            return Err(AbcError::Checkpoint(format!(
                "{} proposals given for a batch of {}",
                proposals.len(),
                batch.proposals.end - batch.proposals.start
            )));
        }
        let finished = if batch.generation == 0 {
            Some(self.generation_zero(state, proposals)?)
        } else {
            self.more_proposals(state, proposals)
        };
        if let Some(generation) = finished {
            self.progress.generation(&generation);
            state.generations.push(generation);
            self.begin_next(state);
        }
        Ok(())
    }

    /// Keeps the `population` nearest draws from the prior, ties going to the earlier
    /// draw.
    fn generation_zero(
        &self,
        state: &mut Checkpoint,
        proposals: Vec<Proposal>,
    ) -> Result<Generation, AbcError> {
        let n = self.settings.population;
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
        state.simulations += simulated;
        state.population = Some(population);
        Ok(generation)
    }

    /// Reads a batch of a later generation; the generation if it is now complete.
    fn more_proposals(&self, state: &mut Checkpoint, proposals: Vec<Proposal>) -> Option<Generation> {
        let n = self.settings.population as u64;
        let u = state.underway.as_mut().expect("a batch belongs to a generation underway");
        let ran = proposals.iter().filter(|p| p.internal.is_some()).count() as u64;
        state.simulations += ran;
        u.run_here += ran;
        u.next += proposals.len() as u64;
        for p in proposals {
            let Some(internal) = p.internal else { continue };
            u.read += 1;
            if p.distance <= u.tolerance {
                u.accepted.push((internal, p.distance));
                if u.accepted.len() as u64 == n {
                    break;
                }
            }
        }
        if (u.accepted.len() as u64) < n {
            // Aim the next batch at what is still missing, at the rate seen so far.
            let rate = (u.accepted.len() as f64 / u.read.max(1) as f64).max(1.0 / (MAX_BATCH * n) as f64);
            u.batch = ((n - u.accepted.len() as u64) as f64 / rate * 1.1).ceil() as u64;
            return None;
        }
        let previous = state.population.as_ref().expect("a later generation follows generation 0");
        let kernel = Kernel::fit(&previous.internal, &previous.weights);
        let (internal, distances): (Vec<Vec<f64>>, Vec<f64>) =
            std::mem::take(&mut u.accepted).into_iter().unzip();
        let parameters = self.parameters;
        let weights = importance_weights(
            &internal,
            &previous.internal,
            &previous.weights,
            |x| ln_prior(parameters, x),
            |x, from| kernel.ln_density(x, from),
        );
        let population = Population { internal, weights, distances };
        let rate = n as f64 / u.read as f64;
        let generation = self.describe(u.index, u.run_here, rate, &population);
        state.population = Some(population);
        Some(generation)
    }

    /// After a generation: stop, or start the next one at its tolerance.
    fn begin_next(&self, state: &mut Checkpoint) {
        state.underway = None;
        let last = state.generations.last().expect("a generation just ended");
        let population = state.population.as_ref().expect("a generation just ended");
        let s = self.settings;
        let stop = if last.tolerance <= s.min_tolerance {
            Some(Stop::MinTolerance)
        } else if last.index + 1 >= s.max_generations {
            Some(Stop::MaxGenerations)
        } else if last.acceptance_rate < s.min_acceptance_rate {
            Some(Stop::MinAcceptanceRate)
        } else if state.simulations >= s.max_simulations {
            Some(Stop::SimulationCap)
        } else {
            None
        };
        if stop.is_some() {
            state.stop = stop;
            return;
        }
        let tolerance = weighted_quantile(&population.distances, &population.weights, s.quantile);
        if tolerance >= last.tolerance {
            state.stop = Some(Stop::ToleranceStalled);
            return;
        }
        state.underway = Some(Underway {
            index: state.generations.len(),
            tolerance,
            accepted: Vec::with_capacity(s.population),
            next: 0,
            read: 0,
            run_here: 0,
            batch: s.population as u64,
        });
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

impl Checkpoint {
    /// The generations completed so far.
    pub fn generations(&self) -> &[Generation] {
        &self.generations
    }
}
