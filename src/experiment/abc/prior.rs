//! Priors over plain numbers, parameterised as people elicit them (like scenario
//! durations), with exact densities from statrs and draws from rand_distr.

use rand_distr::Distribution;
use statrs::distribution::{Continuous, ContinuousCDF};

use crate::engine::dist::{gamma_shape_scale, lognormal_mu_sigma};
use crate::engine::random::Stream;

/// Draws tried before giving up: a positive prior's draw that underflows to 0, or a
/// proposal outside the prior's support.
pub(super) const MAX_TRIES: usize = 1000;

/// A prior distribution of one parameter. Positive ones (lognormal, gamma,
/// exponential) are explored on a log scale by the sampler.
#[derive(Clone, Debug, PartialEq)]
pub struct Prior {
    shape: Shape,
}

#[derive(Clone, Debug, PartialEq)]
enum Shape {
    Uniform {
        low: f64,
        high: f64,
        density: statrs::distribution::Uniform,
        draw: rand_distr::Uniform<f64>,
    },
    LogNormal {
        median: f64,
        p90: f64,
        density: statrs::distribution::LogNormal,
        draw: rand_distr::LogNormal<f64>,
    },
    Gamma {
        mean: f64,
        sd: f64,
        density: statrs::distribution::Gamma,
        draw: rand_distr::Gamma<f64>,
    },
    Exponential {
        mean: f64,
        density: statrs::distribution::Exp,
        draw: rand_distr::Exp<f64>,
    },
    Normal {
        mean: f64,
        sd: f64,
        density: statrs::distribution::Normal,
        draw: rand_distr::Normal<f64>,
    },
}

/// Why prior parameters do not describe a distribution.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PriorError {
    #[error("every prior parameter must be a finite number")]
    NotFinite,
    #[error("low must be less than high")]
    LowNotBelowHigh,
    #[error("the median must be greater than zero")]
    NonPositiveMedian,
    #[error("p90 must be greater than the median")]
    P90NotAboveMedian,
    #[error("the mean must be greater than zero")]
    NonPositiveMean,
    #[error("the standard deviation must be greater than zero")]
    NonPositiveSd,
}

fn finite(values: &[f64]) -> Result<(), PriorError> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(PriorError::NotFinite)
    }
}

impl Prior {
    /// Uniform on [low, high].
    pub fn uniform(low: f64, high: f64) -> Result<Prior, PriorError> {
        finite(&[low, high])?;
        if low >= high {
            return Err(PriorError::LowNotBelowHigh);
        }
        let density =
            statrs::distribution::Uniform::new(low, high).map_err(|_| PriorError::LowNotBelowHigh)?;
        let draw = rand_distr::Uniform::new_inclusive(low, high).map_err(|_| PriorError::LowNotBelowHigh)?;
        Ok(Prior { shape: Shape::Uniform { low, high, density, draw } })
    }

    /// Lognormal given its median and 90th percentile: mu = ln(median) and
    /// sigma = (ln(p90) - ln(median)) / z(0.9).
    pub fn lognormal(median: f64, p90: f64) -> Result<Prior, PriorError> {
        finite(&[median, p90])?;
        if median <= 0.0 {
            return Err(PriorError::NonPositiveMedian);
        }
        if p90 <= median {
            return Err(PriorError::P90NotAboveMedian);
        }
        let (mu, sigma) = lognormal_mu_sigma(median, p90);
        let density =
            statrs::distribution::LogNormal::new(mu, sigma).map_err(|_| PriorError::P90NotAboveMedian)?;
        let draw = rand_distr::LogNormal::new(mu, sigma).map_err(|_| PriorError::P90NotAboveMedian)?;
        Ok(Prior { shape: Shape::LogNormal { median, p90, density, draw } })
    }

    /// Gamma given its mean and standard deviation: shape = (mean/sd)^2, rate = mean/sd^2.
    pub fn gamma(mean: f64, sd: f64) -> Result<Prior, PriorError> {
        finite(&[mean, sd])?;
        if mean <= 0.0 {
            return Err(PriorError::NonPositiveMean);
        }
        if sd <= 0.0 {
            return Err(PriorError::NonPositiveSd);
        }
        let (shape, scale) = gamma_shape_scale(mean, sd);
        let density =
            statrs::distribution::Gamma::new(shape, 1.0 / scale).map_err(|_| PriorError::NonPositiveSd)?;
        let draw = rand_distr::Gamma::new(shape, scale).map_err(|_| PriorError::NonPositiveSd)?;
        Ok(Prior { shape: Shape::Gamma { mean, sd, density, draw } })
    }

    /// Exponential given its mean.
    pub fn exponential(mean: f64) -> Result<Prior, PriorError> {
        finite(&[mean])?;
        if mean <= 0.0 {
            return Err(PriorError::NonPositiveMean);
        }
        let density = statrs::distribution::Exp::new(1.0 / mean).map_err(|_| PriorError::NonPositiveMean)?;
        let draw = rand_distr::Exp::new(1.0 / mean).map_err(|_| PriorError::NonPositiveMean)?;
        Ok(Prior { shape: Shape::Exponential { mean, density, draw } })
    }

    /// Normal given its mean and standard deviation.
    pub fn normal(mean: f64, sd: f64) -> Result<Prior, PriorError> {
        finite(&[mean, sd])?;
        if sd <= 0.0 {
            return Err(PriorError::NonPositiveSd);
        }
        let density = statrs::distribution::Normal::new(mean, sd).map_err(|_| PriorError::NonPositiveSd)?;
        let draw = rand_distr::Normal::new(mean, sd).map_err(|_| PriorError::NonPositiveSd)?;
        Ok(Prior { shape: Shape::Normal { mean, sd, density, draw } })
    }

    /// One draw.
    pub fn sample(&self, rng: &mut Stream) -> f64 {
        match &self.shape {
            Shape::Uniform { draw, .. } => draw.sample(rng),
            Shape::LogNormal { draw, .. } => draw.sample(rng),
            Shape::Gamma { draw, .. } => draw.sample(rng),
            Shape::Exponential { draw, .. } => draw.sample(rng),
            Shape::Normal { draw, .. } => draw.sample(rng),
        }
    }

    /// The log density at `x`; -inf outside the support.
    pub fn ln_pdf(&self, x: f64) -> f64 {
        let l = match &self.shape {
            Shape::Uniform { density, .. } => density.ln_pdf(x),
            Shape::LogNormal { density, .. } => density.ln_pdf(x),
            Shape::Gamma { density, .. } => density.ln_pdf(x),
            Shape::Exponential { density, .. } => density.ln_pdf(x),
            Shape::Normal { density, .. } => density.ln_pdf(x),
        };
        if l.is_nan() {
            f64::NEG_INFINITY
        } else {
            l
        }
    }

    /// The `p` quantile (for axes and reports).
    pub fn quantile(&self, p: f64) -> f64 {
        match &self.shape {
            Shape::Uniform { density, .. } => density.inverse_cdf(p),
            Shape::LogNormal { density, .. } => density.inverse_cdf(p),
            Shape::Gamma { density, .. } => density.inverse_cdf(p),
            Shape::Exponential { density, .. } => density.inverse_cdf(p),
            Shape::Normal { density, .. } => density.inverse_cdf(p),
        }
    }

    /// A short description for reports ("gamma mean 2 sd 1").
    pub fn describe(&self) -> String {
        match &self.shape {
            Shape::Uniform { low, high, .. } => format!("uniform {low}..{high}"),
            Shape::LogNormal { median, p90, .. } => format!("lognormal median {median} p90 {p90}"),
            Shape::Gamma { mean, sd, .. } => format!("gamma mean {mean} sd {sd}"),
            Shape::Exponential { mean, .. } => format!("exponential mean {mean}"),
            Shape::Normal { mean, sd, .. } => format!("normal mean {mean} sd {sd}"),
        }
    }

    /// Whether the sampler works with ln(x) rather than x.
    pub fn log_scale(&self) -> bool {
        matches!(self.shape, Shape::LogNormal { .. } | Shape::Gamma { .. } | Shape::Exponential { .. })
    }

    /// The value at the sampler's coordinate `u`.
    pub(super) fn to_natural(&self, u: f64) -> f64 {
        if self.log_scale() {
            u.exp()
        } else {
            u
        }
    }

    /// A draw in the sampler's coordinates; `None` if a positive prior's draw
    /// underflowed to 0 every time.
    pub(super) fn sample_internal(&self, rng: &mut Stream) -> Option<f64> {
        for _ in 0..MAX_TRIES {
            let x = self.sample(rng);
            let u = if self.log_scale() { x.ln() } else { x };
            if u.is_finite() {
                return Some(u);
            }
        }
        None
    }

    /// The log density of the sampler's coordinate: on a log scale the density of
    /// u = ln x is f(e^u) e^u (the Jacobian), so importance weights stay exact.
    pub(super) fn ln_pdf_internal(&self, u: f64) -> f64 {
        let l = if self.log_scale() { self.ln_pdf(u.exp()) + u } else { self.ln_pdf(u) };
        if l.is_finite() {
            l
        } else {
            f64::NEG_INFINITY
        }
    }
}

#[cfg(test)]
mod tests {
    /// The 90th percentile of the standard normal distribution, as a reference.
    const Z90: f64 = 1.281_551_565_544_600_4;
    use super::*;
    use crate::engine::random::stream;

    #[test]
    fn bad_parameters_are_errors() {
        assert_eq!(Prior::uniform(2.0, 1.0), Err(PriorError::LowNotBelowHigh));
        assert_eq!(Prior::uniform(f64::NAN, 1.0), Err(PriorError::NotFinite));
        assert_eq!(Prior::lognormal(0.0, 1.0), Err(PriorError::NonPositiveMedian));
        assert_eq!(Prior::lognormal(2.0, 2.0), Err(PriorError::P90NotAboveMedian));
        assert_eq!(Prior::gamma(-1.0, 1.0), Err(PriorError::NonPositiveMean));
        assert_eq!(Prior::gamma(1.0, 0.0), Err(PriorError::NonPositiveSd));
        assert_eq!(Prior::exponential(f64::INFINITY), Err(PriorError::NotFinite));
        assert_eq!(Prior::normal(0.0, -1.0), Err(PriorError::NonPositiveSd));
    }

    #[test]
    fn parameters_mean_what_they_say() {
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} vs {b}");
        let lognormal = Prior::lognormal(3.0, 10.0).unwrap();
        close(lognormal.quantile(0.5), 3.0);
        close(lognormal.quantile(0.9), 10.0);
        // Gamma mean 2 sd 1: shape 4, rate 2; density at 1 is 2^4 e^-2 / 3!.
        let gamma = Prior::gamma(2.0, 1.0).unwrap();
        close(gamma.ln_pdf(1.0), (16.0 * (-2.0f64).exp() / 6.0).ln());
        close(Prior::exponential(4.0).unwrap().ln_pdf(0.0), (0.25f64).ln());
        close(Prior::uniform(1.0, 5.0).unwrap().ln_pdf(2.0), (0.25f64).ln());
        assert_eq!(Prior::uniform(1.0, 5.0).unwrap().ln_pdf(6.0), f64::NEG_INFINITY);
        assert_eq!(gamma.ln_pdf(-1.0), f64::NEG_INFINITY);
        close(Prior::normal(1.0, 2.0).unwrap().quantile(0.5), 1.0);
    }

    #[test]
    fn sample_means_match() {
        let cases = [
            (Prior::uniform(1.0, 5.0).unwrap(), 3.0),
            (Prior::gamma(2.0, 1.0).unwrap(), 2.0),
            (Prior::exponential(4.0).unwrap(), 4.0),
            (Prior::normal(-1.0, 2.0).unwrap(), -1.0),
            (Prior::lognormal(3.0, 10.0).unwrap(), 3.0 * (((10f64 / 3.0).ln() / Z90).powi(2) / 2.0).exp()),
        ];
        for (prior, mean) in cases {
            let mut rng = stream(1, 0, 0);
            let n = 200_000;
            let m = (0..n).map(|_| prior.sample(&mut rng)).sum::<f64>() / n as f64;
            assert!((m - mean).abs() < 0.02 * mean.abs().max(1.0), "{}: {m} vs {mean}", prior.describe());
        }
    }

    #[test]
    fn log_scale_density_carries_the_jacobian() {
        // The density of u = ln x for x ~ Exp(mean 1) is e^u e^{-e^u}; it integrates to 1.
        let prior = Prior::exponential(1.0).unwrap();
        let (lo, hi, steps) = (-20.0, 5.0, 100_000);
        let h = (hi - lo) / steps as f64;
        let total: f64 = (0..steps).map(|i| prior.ln_pdf_internal(lo + (i as f64 + 0.5) * h).exp() * h).sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        assert!(prior.log_scale() && !Prior::normal(0.0, 1.0).unwrap().log_scale());
    }
}
