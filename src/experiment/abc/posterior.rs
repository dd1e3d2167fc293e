//! The weighted particles a run produces, and the weighted statistics of them.

use rand::RngExt;

use crate::engine::random::Stream;

/// Weighted particles: the posterior after a generation.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Posterior {
    /// One vector of parameter values per particle, in the order of `names`.
    pub particles: Vec<Vec<f64>>,
    /// Normalised importance weights, one per particle.
    pub weights: Vec<f64>,
    pub names: Vec<String>,
}

impl Posterior {
    /// The weighted mean of each parameter.
    pub fn mean(&self) -> Vec<f64> {
        let mut mean = vec![0.0; self.names.len()];
        for (particle, w) in self.particles.iter().zip(&self.weights) {
            for (m, x) in mean.iter_mut().zip(particle) {
                *m += w * x;
            }
        }
        mean
    }

    /// The weighted `p` quantile of parameter `k`: the smallest value whose weighted
    /// cumulative share reaches `p`.
    pub fn quantile(&self, k: usize, p: f64) -> f64 {
        let values: Vec<f64> = self.particles.iter().map(|particle| particle[k]).collect();
        weighted_quantile(&values, &self.weights, p)
    }

    /// Effective sample size, 1 / Σ w².
    pub fn ess(&self) -> f64 {
        1.0 / self.weights.iter().map(|w| w * w).sum::<f64>()
    }

    /// One particle drawn by weight (a replication's parameters).
    pub fn draw(&self, rng: &mut Stream) -> &[f64] {
        &self.particles[pick(&cumulative(&self.weights), rng)]
    }

    /// The position of the parameter called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// The smallest value whose weighted cumulative share reaches `p` (the inverse of the
/// weighted empirical distribution function).
pub(super) fn weighted_quantile(values: &[f64], weights: &[f64], p: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let total: f64 = weights.iter().sum();
    let mut sum = 0.0;
    for &i in &order {
        sum += weights[i];
        // A relative slack so that a share reached exactly is not missed by rounding.
        if sum >= p * total * (1.0 - 1e-12) {
            return values[i];
        }
    }
    order.last().map_or(f64::NAN, |&i| values[i])
}

/// The running sums of `weights`, for [`pick`].
pub(crate) fn cumulative(weights: &[f64]) -> Vec<f64> {
    weights
        .iter()
        .scan(0.0, |sum, w| {
            *sum += w;
            Some(*sum)
        })
        .collect()
}

/// An index drawn with probability proportional to its weight.
pub(crate) fn pick(cumulative: &[f64], rng: &mut Stream) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let u = rng.random::<f64>() * total;
    cumulative.partition_point(|&c| c <= u).min(cumulative.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::random::stream;

    #[test]
    fn weighted_quantiles_invert_the_weighted_distribution() {
        let values = [3.0, 1.0, 2.0, 4.0];
        let weights = [0.1, 0.2, 0.3, 0.4];
        // Sorted: 1 (0.2), 2 (0.5), 3 (0.6), 4 (1.0).
        assert_eq!(weighted_quantile(&values, &weights, 0.2), 1.0);
        assert_eq!(weighted_quantile(&values, &weights, 0.21), 2.0);
        assert_eq!(weighted_quantile(&values, &weights, 0.5), 2.0);
        assert_eq!(weighted_quantile(&values, &weights, 0.55), 3.0);
        assert_eq!(weighted_quantile(&values, &weights, 1.0), 4.0);
    }

    #[test]
    fn posterior_summaries_and_draws() {
        let posterior = Posterior {
            particles: vec![vec![1.0, 10.0], vec![3.0, 30.0]],
            weights: vec![0.25, 0.75],
            names: vec!["a".into(), "b".into()],
        };
        assert_eq!(posterior.mean(), vec![2.5, 25.0]);
        assert_eq!(posterior.quantile(1, 0.2), 10.0);
        assert_eq!(posterior.quantile(1, 0.3), 30.0);
        assert_eq!(posterior.ess(), 1.0 / (0.0625 + 0.5625));
        assert_eq!(posterior.index_of("b"), Some(1));
        let mut rng = stream(5, 0, 0);
        let n = 40_000;
        let firsts = (0..n).filter(|_| posterior.draw(&mut rng)[0] == 1.0).count();
        // Binomial(40000, 0.25): sd 87, so 4 sd is 350.
        assert!((firsts as f64 - 10_000.0).abs() < 350.0, "{firsts}");
    }
}
