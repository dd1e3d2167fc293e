//! Replications that take their parameters from a calibration posterior (a scenario's
//! `[posterior]`): replication r plays the scenario of one particle, drawn by weight
//! from the stream (seed, r, `POSTERIOR_PARTICLE`).
//!
//! The draw depends on the seed and the replication only: the same particle at any
//! thread count, for every variant of a compare (common random numbers), and for the
//! replications `--precision` adds. Each distinct particle's scenario is built once,
//! before the run.

use super::abc::{cumulative, pick};
use crate::engine::random::stream;
use crate::model::process::POSTERIOR_PARTICLE;
use crate::scenario::{LoadedScenario, ParticleScenarios, Scenario, ScenarioError};

/// What a run plays at each replication.
pub trait Replicate: Sync {
    /// The scenario replication `replication` of a run seeded with `seed` plays.
    fn scenario_at(&self, seed: u64, replication: u64) -> &Scenario;
}

/// A run without a posterior plays its one scenario every time.
impl Replicate for &Scenario {
    fn scenario_at(&self, _seed: u64, _replication: u64) -> &Scenario {
        self
    }
}

/// The scenarios of a posterior's particles and their weights.
#[derive(Clone, Debug)]
pub struct Drawn {
    particles: ParticleScenarios,
    /// Cumulative weights, the last 1 (up to rounding).
    cumulative: Vec<f64>,
}

impl Drawn {
    /// The particles of `loaded`'s posterior, each written into the scenario before its
    /// overrides; `None` without a posterior.
    pub fn new(loaded: &LoadedScenario) -> Result<Option<Drawn>, ScenarioError> {
        let (Some(posterior), Some(particles)) = (&loaded.posterior, loaded.particle_scenarios()?) else {
            return Ok(None);
        };
        Ok(Some(Drawn { particles, cumulative: cumulative(&posterior.weights) }))
    }

    /// The particle (index into the posterior's rows) replication `replication` plays.
    pub fn particle(&self, seed: u64, replication: u64) -> usize {
        draw(&self.cumulative, seed, replication)
    }
}

impl Replicate for Drawn {
    fn scenario_at(&self, seed: u64, replication: u64) -> &Scenario {
        let k = self.particle(seed, replication);
        &self.particles.scenarios[self.particles.of_particle[k]]
    }
}

/// One run of an experiment: a scenario, or a posterior's particles.
#[derive(Clone, Copy, Debug)]
pub enum Plays<'a> {
    Scenario(&'a Scenario),
    Posterior(&'a Drawn),
}

impl Replicate for Plays<'_> {
    fn scenario_at(&self, seed: u64, replication: u64) -> &Scenario {
        match self {
            Plays::Scenario(s) => s,
            Plays::Posterior(d) => d.scenario_at(seed, replication),
        }
    }
}

/// The index drawn with probability proportional to its weight, from the replication's
/// own stream: `cumulative` holds the running sums of the weights.
fn draw(cumulative: &[f64], seed: u64, replication: u64) -> usize {
    pick(cumulative, &mut stream(seed, replication, POSTERIOR_PARTICLE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn particles_are_drawn_in_proportion_to_their_weights() {
        let weights = [0.1, 0.2, 0.3, 0.4];
        let cumulative = [0.1, 0.3, 0.6, 1.0];
        let n = 20_000;
        let mut counts = [0u64; 4];
        for r in 0..n {
            counts[draw(&cumulative, 11, r)] += 1;
        }
        // Pearson's chi-square with 3 degrees of freedom: 16.27 is its 0.999 quantile.
        let chi2: f64 = counts
            .iter()
            .zip(weights)
            .map(|(&c, w)| {
                let expected = w * n as f64;
                (c as f64 - expected).powi(2) / expected
            })
            .sum();
        assert!(chi2 < 16.27, "chi-square {chi2} for counts {counts:?}");
        // A particle of weight 0 is never drawn.
        assert!((0..1_000)
            .all(|r| draw(&[0.0, 0.5, 0.5, 1.0], 3, r) != 0 && draw(&[0.0, 0.5, 0.5, 1.0], 3, r) != 2));
    }

    #[test]
    fn a_replication_s_particle_depends_on_the_seed_and_the_replication_only() {
        let cumulative = [0.25, 1.0];
        let run = |seed| (0..200).map(|r| draw(&cumulative, seed, r)).collect::<Vec<_>>();
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        // In any order, as worker threads would take them.
        let backwards: Vec<usize> = (0..200).rev().map(|r| draw(&cumulative, 7, r)).collect();
        assert_eq!(backwards.into_iter().rev().collect::<Vec<_>>(), run(7));
        // The stream is the posterior's own: not the uploads' (process 1) of the same key.
        let uploads = |r| stream(7, r, 1).random::<f64>() >= 0.25;
        assert_ne!((0..200).map(|r| usize::from(uploads(r))).collect::<Vec<_>>(), run(7));
    }
}
