//! The perturbation kernel: a multivariate normal whose covariance is the weighted
//! covariance of the last population scaled by Silverman's rule of thumb,
//! (4 / (n (d + 2)))^(2 / (d + 4)) for n effective particles in d dimensions, as pyABC's
//! default transition does; and the importance weights of the particles it moved.
//!
//! Beaumont et al. (2009) scale by 2 instead. That is fine for one or two parameters, but
//! a kernel wider than the population makes the proposal density much flatter than the
//! prior in a dozen dimensions, and the weights then collapse onto a handful of
//! particles (an effective sample size of 2 in 200 on the case library's 17 parameters).

use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use crate::engine::random::Stream;

/// A zero-mean multivariate normal, held as the Cholesky factor of its covariance.
#[derive(Clone, Debug)]
pub(super) struct Kernel {
    /// Lower triangle, row by row: `chol[i][j]` for j <= i.
    chol: Vec<Vec<f64>>,
    /// ln of the normalising constant: -(d/2) ln(2π) - ln det L.
    ln_norm: f64,
}

impl Kernel {
    /// The kernel for a population of `particles` with normalised `weights`.
    pub(super) fn fit(particles: &[Vec<f64>], weights: &[f64]) -> Kernel {
        let mut cov = weighted_covariance(particles, weights);
        let total: f64 = weights.iter().sum();
        let effective = total * total / weights.iter().map(|w| w * w).sum::<f64>();
        let scale = silverman_squared(effective, cov.len());
        for c in cov.iter_mut().flatten() {
            *c *= scale;
        }
        Kernel::with_covariance(cov)
    }

    /// The kernel with covariance `cov`. A covariance that is not positive definite
    /// (a population collapsed onto a point or a line) gets a growing ridge on its
    /// diagonal until it is.
    pub(super) fn with_covariance(mut cov: Vec<Vec<f64>>) -> Kernel {
        let d = cov.len();
        let scale = (0..d).map(|i| cov[i][i].abs()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
        let mut ridge = scale * 1e-12;
        loop {
            if let Some(chol) = cholesky(&cov) {
                let ln_det: f64 = (0..d).map(|i| chol[i][i].ln()).sum();
                let ln_norm = -(d as f64) / 2.0 * (2.0 * std::f64::consts::PI).ln() - ln_det;
                return Kernel { chol, ln_norm };
            }
            for (i, row) in cov.iter_mut().enumerate() {
                row[i] += ridge;
            }
            ridge *= 10.0;
        }
    }

    /// `center` moved by one draw of the kernel.
    pub(super) fn sample(&self, center: &[f64], rng: &mut Stream) -> Vec<f64> {
        let z: Vec<f64> = center.iter().map(|_| StandardNormal.sample(rng)).collect();
        center
            .iter()
            .enumerate()
            .map(|(i, c)| c + (0..=i).map(|j| self.chol[i][j] * z[j]).sum::<f64>())
            .collect()
    }

    /// The log density of moving from `from` to `to`.
    pub(super) fn ln_density(&self, to: &[f64], from: &[f64]) -> f64 {
        // Solve L y = (to - from) by forward substitution; the exponent is -|y|²/2.
        let mut y = vec![0.0; to.len()];
        for i in 0..to.len() {
            let partial: f64 = (0..i).map(|j| self.chol[i][j] * y[j]).sum();
            y[i] = (to[i] - from[i] - partial) / self.chol[i][i];
        }
        self.ln_norm - 0.5 * y.iter().map(|v| v * v).sum::<f64>()
    }
}

/// The square of Silverman's bandwidth factor for `n` effective particles in `d`
/// dimensions: the kernel's covariance is the population's times this.
fn silverman_squared(n: f64, d: usize) -> f64 {
    let d = d as f64;
    (4.0 / (n.max(1.0) * (d + 2.0))).powf(2.0 / (d + 4.0))
}

/// Population Monte Carlo weights, normalised: w_i ∝ prior(θ_i) / Σ_j w_j K(θ_i | θ_j),
/// computed in logs so that neither sum underflows.
pub(super) fn importance_weights(
    proposed: &[Vec<f64>],
    previous: &[Vec<f64>],
    previous_weights: &[f64],
    ln_prior: impl Fn(&[f64]) -> f64 + Sync,
    ln_kernel: impl Fn(&[f64], &[f64]) -> f64 + Sync,
) -> Vec<f64> {
    let ln_weights: Vec<f64> = proposed
        .par_iter()
        .map(|theta| {
            let terms: Vec<f64> = previous
                .iter()
                .zip(previous_weights)
                .map(|(from, w)| w.ln() + ln_kernel(theta, from))
                .collect();
            ln_prior(theta) - log_sum_exp(&terms)
        })
        .collect();
    let top = ln_weights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let raw: Vec<f64> = ln_weights.iter().map(|l| (l - top).exp()).collect();
    let total: f64 = raw.iter().sum();
    raw.into_iter().map(|w| w / total).collect()
}

fn log_sum_exp(terms: &[f64]) -> f64 {
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return top;
    }
    top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln()
}

/// The weighted covariance with the correction for reliability weights,
/// Σ w (x - m)(x - m)ᵀ / (1 - Σ w²), as numpy's `cov(aweights=w)` and pyABC use.
fn weighted_covariance(particles: &[Vec<f64>], weights: &[f64]) -> Vec<Vec<f64>> {
    let d = particles.first().map_or(0, Vec::len);
    let total: f64 = weights.iter().sum();
    let mut mean = vec![0.0; d];
    for (x, w) in particles.iter().zip(weights) {
        for k in 0..d {
            mean[k] += w / total * x[k];
        }
    }
    let mut cov = vec![vec![0.0; d]; d];
    for (x, w) in particles.iter().zip(weights) {
        for i in 0..d {
            for j in 0..d {
                cov[i][j] += w / total * (x[i] - mean[i]) * (x[j] - mean[j]);
            }
        }
    }
    let squares: f64 = weights.iter().map(|w| (w / total).powi(2)).sum();
    if squares < 1.0 {
        for c in cov.iter_mut().flatten() {
            *c /= 1.0 - squares;
        }
    }
    cov
}

/// The lower Cholesky factor of `a`, or `None` if `a` is not positive definite.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let d = a.len();
    let mut l = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let v = a[i][i] - s;
                if !(v > 0.0 && v.is_finite()) {
                    return None;
                }
                l[i][i] = v.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::random::stream;

    #[test]
    fn density_matches_the_bivariate_normal_formula() {
        // Covariance [[4, 1.2], [1.2, 1]]: sd 2 and 1, correlation 0.6.
        let kernel = Kernel::with_covariance(vec![vec![4.0, 1.2], vec![1.2, 1.0]]);
        let (x, y, rho): (f64, f64, f64) = (1.0 / 2.0, -0.5 / 1.0, 0.6);
        let q = (x * x - 2.0 * rho * x * y + y * y) / (1.0 - rho * rho);
        let expected = -(2.0 * std::f64::consts::PI * 2.0 * 1.0 * (1.0 - rho * rho).sqrt()).ln() - q / 2.0;
        let got = kernel.ln_density(&[2.0, 0.5], &[1.0, 1.0]);
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    }

    #[test]
    fn draws_have_the_covariance() {
        let kernel = Kernel::with_covariance(vec![vec![4.0, 1.2], vec![1.2, 1.0]]);
        let mut rng = stream(3, 0, 0);
        let n = 100_000;
        let draws: Vec<Vec<f64>> = (0..n).map(|_| kernel.sample(&[0.0, 0.0], &mut rng)).collect();
        let cov = weighted_covariance(&draws, &vec![1.0 / n as f64; n]);
        for (got, want) in cov.iter().flatten().zip([4.0, 1.2, 1.2, 1.0]) {
            assert!((got - want).abs() < 0.05, "{cov:?}");
        }
    }

    #[test]
    fn fit_scales_the_weighted_covariance_by_silverman() {
        // Weights 1/2, 1/4, 1/4 on 0, 2, 4: mean 1.5, Σ w (x - m)² = 2.75,
        // Σ w² = 0.375, so the covariance is 2.75 / 0.625 = 4.4; the effective size is
        // 1 / 0.375 = 8/3, and Silverman's factor in one dimension (4 / (8/3 · 3))^(2/5)
        // = 0.5^0.4.
        let kernel = Kernel::fit(&[vec![0.0], vec![2.0], vec![4.0]], &[0.5, 0.25, 0.25]);
        assert!((kernel.chol[0][0].powi(2) - 4.4 * 0.5f64.powf(0.4)).abs() < 1e-12);
    }

    #[test]
    fn a_collapsed_population_still_gives_a_kernel() {
        let kernel = Kernel::fit(&[vec![1.0, 2.0], vec![1.0, 2.0]], &[0.5, 0.5]);
        assert!(kernel.ln_density(&[1.0, 2.0], &[1.0, 2.0]).is_finite());
        let line = Kernel::fit(&[vec![0.0, 0.0], vec![1.0, 1.0], vec![2.0, 2.0]], &[0.3, 0.3, 0.4]);
        assert!(line.ln_density(&[1.0, 1.0], &[0.0, 0.0]).is_finite());
    }

    #[test]
    fn constant_kernel_and_flat_prior_give_equal_weights() {
        let proposed = vec![vec![0.1], vec![5.0], vec![-3.0]];
        let previous = vec![vec![0.0], vec![1.0]];
        let w = importance_weights(&proposed, &previous, &[0.9, 0.1], |_| 0.0, |_, _| -1.5);
        assert_eq!(w, vec![1.0 / 3.0; 3]);
    }

    #[test]
    fn weights_follow_the_population_monte_carlo_formula() {
        // One dimension, kernel variance 1, previous particles 0 and 2 with weights
        // 3/4 and 1/4, prior uniform. Particle 0: 1 / (3/4 φ(0) + 1/4 φ(2)); particle 1
        // at 2: 1 / (3/4 φ(2) + 1/4 φ(0)).
        let kernel = Kernel::with_covariance(vec![vec![1.0]]);
        let phi = |x: f64| (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let raw = [1.0 / (0.75 * phi(0.0) + 0.25 * phi(2.0)), 1.0 / (0.75 * phi(2.0) + 0.25 * phi(0.0))];
        let expected = [raw[0] / (raw[0] + raw[1]), raw[1] / (raw[0] + raw[1])];
        let w = importance_weights(
            &[vec![0.0], vec![2.0]],
            &[vec![0.0], vec![2.0]],
            &[0.75, 0.25],
            |_| (0.1f64).ln(),
            |u, from| kernel.ln_density(u, from),
        );
        for (got, want) in w.iter().zip(expected) {
            assert!((got - want).abs() < 1e-14, "{w:?} vs {expected:?}");
        }
    }

    #[test]
    fn weights_survive_densities_that_underflow() {
        // Kernel densities of e^-2000 would underflow to 0 outside logs.
        let w =
            importance_weights(&[vec![0.0], vec![1.0]], &[vec![0.0]], &[1.0], |_| 0.0, |u, _| -2000.0 - u[0]);
        let e = std::f64::consts::E;
        assert!((w[0] - 1.0 / (1.0 + e)).abs() < 1e-12 && (w[1] - e / (1.0 + e)).abs() < 1e-12, "{w:?}");
    }
}
