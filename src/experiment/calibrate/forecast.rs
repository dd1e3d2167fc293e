//! A case forecast from a posterior: each draw takes one particle by weight, writes its
//! values into the case and runs one replication; the forecast is the simulated first
//! blocks. The calibration report's posterior predictive checks and `modsim validate`
//! both read cases through this.

use rand::RngExt;
use rayon::prelude::*;

use super::{simulate, Calibration};
use crate::engine::random::{stream, stream_at};
use crate::experiment::abc::{AbcError, Posterior};
use crate::experiment::stats::quantile_sorted;
use crate::model::run_replication;

/// Stream id of forecast draws (replication = case index, index = draw).
const FORECAST: u64 = 3;
/// Stream id of the posterior predictive check's seed (from the run's seed alone).
const PREDICTIVE: u64 = 4;

/// Simulated first blocks of one case.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaseForecast {
    /// Days of the first block of each draw, 0 where none began (a block still in force
    /// at the horizon counts its days so far), sorted ascending.
    pub days: Vec<f64>,
    /// Draws whose case did not accept the particle's values (left out of `days`).
    pub refused: u64,
}

impl CaseForecast {
    /// The share of draws in which a block began.
    pub fn block_probability(&self) -> f64 {
        if self.days.is_empty() {
            return f64::NAN;
        }
        self.days.iter().filter(|&&d| d > 0.0).count() as f64 / self.days.len() as f64
    }

    /// The `p` quantile of days (interpolated, as everywhere in modsim).
    pub fn quantile(&self, p: f64) -> f64 {
        quantile_sorted(&self.days, p)
    }
}

impl Calibration {
    /// `draws` simulated first blocks of case `case` under `posterior` (whose names are
    /// this calibration's parameters, in order). Draw k uses the stream (seed, case, k),
    /// so the forecast is the same at any thread count (run it inside the pool that
    /// should do the work).
    pub fn forecast(&self, case: usize, posterior: &Posterior, draws: u64, seed: u64) -> CaseForecast {
        let template = &self.cases[case].template;
        let outcomes: Vec<Option<f64>> = (0..draws)
            .into_par_iter()
            .map(|k| {
                let mut rng = stream_at(seed, case as u64, FORECAST, k);
                let theta = posterior.draw(&mut rng).to_vec();
                let replication_seed = rng.random::<u64>();
                let list = simulate::overrides(self, &theta, case);
                let scenario = template.scenario_with(&list).ok()?;
                let outcome = run_replication(&scenario, replication_seed, k, false);
                Some(outcome.blocks.first().map_or(0.0, |b| b.duration_days))
            })
            .collect();
        let refused = outcomes.iter().filter(|o| o.is_none()).count() as u64;
        let mut days: Vec<f64> = outcomes.into_iter().flatten().collect();
        days.sort_by(f64::total_cmp);
        CaseForecast { days, refused }
    }

    /// The posterior predictive check: every case forecast from `posterior` with `draws`
    /// draws, in a pool of `threads` threads, from a seed that depends on the run's
    /// `seed` alone (so the check is the same at any thread count).
    pub fn predictive(
        &self,
        posterior: &Posterior,
        draws: u64,
        seed: u64,
        threads: usize,
    ) -> Result<Vec<CaseForecast>, AbcError> {
        let seed = stream(seed, 0, PREDICTIVE).random::<u64>();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|source| AbcError::ThreadPool { threads, source })?;
        Ok(pool.install(|| {
            (0..self.cases.len()).map(|case| self.forecast(case, posterior, draws, seed)).collect()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_probability_counts_draws_with_a_block() {
        let forecast = CaseForecast { days: vec![0.0, 0.0, 1.0, 2.0, 10.0], refused: 0 };
        assert!((forecast.block_probability() - 0.6).abs() < 1e-12);
        assert_eq!(forecast.quantile(0.5), 1.0);
        assert!(CaseForecast { days: vec![], refused: 3 }.block_probability().is_nan());
    }
}
