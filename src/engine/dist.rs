//! Distributions of random durations, parameterised the way people elicit them.

use rand::RngExt;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Triangular, Uniform};

use super::random::Stream;
use super::time::SimDuration;

/// The 90th percentile of the standard normal distribution.
const Z90: f64 = 1.281_551_565_544_600_4;

/// The lognormal's (mu, sigma) from its median and 90th percentile, as people elicit
/// it: mu = ln(median), sigma = (ln(p90) - ln(median)) / z(0.9). Shared with the
/// priors of calibration, which use the same parameterisation over plain numbers.
pub fn lognormal_mu_sigma(median: f64, p90: f64) -> (f64, f64) {
    (median.ln(), (p90.ln() - median.ln()) / Z90)
}

/// The gamma's (shape, scale) from its mean and standard deviation: shape =
/// (mean/sd)^2, scale = sd^2/mean.
pub fn gamma_shape_scale(mean: f64, sd: f64) -> (f64, f64) {
    ((mean / sd).powi(2), sd * sd / mean)
}

/// A distribution of durations. Samples are rounded to whole milliseconds and never
/// negative.
#[derive(Clone, Debug, PartialEq)]
pub enum DurationDist {
    Fixed(SimDuration),
    Exponential { mean_secs: f64, exp: Exp<f64> },
    LogNormal { median_secs: f64, p90_secs: f64, lognormal: LogNormal<f64> },
    Gamma { mean_secs: f64, sd_secs: f64, gamma: Gamma<f64> },
    Uniform { min_secs: f64, max_secs: f64, uniform: Uniform<f64> },
    Triangular { min_secs: f64, mode_secs: f64, max_secs: f64, triangular: Triangular<f64> },
}

/// Why a set of distribution parameters does not describe a distribution.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    #[error("the mean must be greater than zero")]
    NonPositiveMean,
    #[error("the median must be greater than zero")]
    NonPositiveMedian,
    #[error("p90 must be greater than the median")]
    P90NotAboveMedian,
    #[error("the standard deviation must be greater than zero")]
    NonPositiveSd,
    #[error("min must be less than max")]
    MinNotBelowMax,
    #[error("mode must lie between min and max")]
    ModeOutsideRange,
}

impl DurationDist {
    pub fn fixed(d: SimDuration) -> Self {
        DurationDist::Fixed(d)
    }

    pub fn exponential(mean: SimDuration) -> Result<Self, DistError> {
        let mean_secs = mean.as_secs_f64();
        if mean_secs <= 0.0 {
            return Err(DistError::NonPositiveMean);
        }
        let exp = Exp::new(1.0 / mean_secs).map_err(|_| DistError::NonPositiveMean)?;
        Ok(DurationDist::Exponential { mean_secs, exp })
    }

    /// Lognormal given its median and 90th percentile: mu = ln(median) and
    /// sigma = (ln(p90) - ln(median)) / z(0.9).
    pub fn lognormal(median: SimDuration, p90: SimDuration) -> Result<Self, DistError> {
        let (median_secs, p90_secs) = (median.as_secs_f64(), p90.as_secs_f64());
        if median_secs <= 0.0 {
            return Err(DistError::NonPositiveMedian);
        }
        if p90_secs <= median_secs {
            return Err(DistError::P90NotAboveMedian);
        }
        let (mu, sigma) = lognormal_mu_sigma(median_secs, p90_secs);
        let lognormal = LogNormal::new(mu, sigma).map_err(|_| DistError::P90NotAboveMedian)?;
        Ok(DurationDist::LogNormal { median_secs, p90_secs, lognormal })
    }

    /// Gamma given its mean and standard deviation: shape = (mean/sd)^2, scale = sd^2/mean.
    pub fn gamma(mean: SimDuration, sd: SimDuration) -> Result<Self, DistError> {
        let (mean_secs, sd_secs) = (mean.as_secs_f64(), sd.as_secs_f64());
        if mean_secs <= 0.0 {
            return Err(DistError::NonPositiveMean);
        }
        if sd_secs <= 0.0 {
            return Err(DistError::NonPositiveSd);
        }
        let (shape, scale) = gamma_shape_scale(mean_secs, sd_secs);
        let gamma = Gamma::new(shape, scale).map_err(|_| DistError::NonPositiveSd)?;
        Ok(DurationDist::Gamma { mean_secs, sd_secs, gamma })
    }

    pub fn uniform(min: SimDuration, max: SimDuration) -> Result<Self, DistError> {
        let (min_secs, max_secs) = (min.as_secs_f64(), max.as_secs_f64());
        if min_secs >= max_secs {
            return Err(DistError::MinNotBelowMax);
        }
        let uniform = Uniform::new(min_secs, max_secs).map_err(|_| DistError::MinNotBelowMax)?;
        Ok(DurationDist::Uniform { min_secs, max_secs, uniform })
    }

    pub fn triangular(min: SimDuration, mode: SimDuration, max: SimDuration) -> Result<Self, DistError> {
        let (min_secs, mode_secs, max_secs) = (min.as_secs_f64(), mode.as_secs_f64(), max.as_secs_f64());
        if min_secs >= max_secs {
            return Err(DistError::MinNotBelowMax);
        }
        if mode_secs < min_secs || mode_secs > max_secs {
            return Err(DistError::ModeOutsideRange);
        }
        let triangular =
            Triangular::new(min_secs, max_secs, mode_secs).map_err(|_| DistError::ModeOutsideRange)?;
        Ok(DurationDist::Triangular { min_secs, mode_secs, max_secs, triangular })
    }

    /// Draws one duration. A fixed distribution draws nothing from the stream.
    pub fn sample(&self, rng: &mut Stream) -> SimDuration {
        let secs = match self {
            DurationDist::Fixed(d) => return *d,
            DurationDist::Exponential { exp, .. } => exp.sample(rng),
            DurationDist::LogNormal { lognormal, .. } => lognormal.sample(rng),
            DurationDist::Gamma { gamma, .. } => gamma.sample(rng),
            DurationDist::Uniform { uniform, .. } => rng.sample(uniform),
            DurationDist::Triangular { triangular, .. } => triangular.sample(rng),
        };
        SimDuration::from_secs_f64(secs)
    }

    /// The distribution's mean, in seconds.
    pub fn mean_secs(&self) -> f64 {
        match self {
            DurationDist::Fixed(d) => d.as_secs_f64(),
            DurationDist::Exponential { mean_secs, .. } => *mean_secs,
            DurationDist::LogNormal { median_secs, p90_secs, .. } => {
                let sigma = (p90_secs.ln() - median_secs.ln()) / Z90;
                median_secs * (sigma * sigma / 2.0).exp()
            }
            DurationDist::Gamma { mean_secs, .. } => *mean_secs,
            DurationDist::Uniform { min_secs, max_secs, .. } => (min_secs + max_secs) / 2.0,
            DurationDist::Triangular { min_secs, mode_secs, max_secs, .. } => {
                (min_secs + mode_secs + max_secs) / 3.0
            }
        }
    }

    /// The squared coefficient of variation, variance / mean^2 (0 for a fixed
    /// duration, 1 for an exponential one).
    pub fn cv2(&self) -> f64 {
        let mean = self.mean_secs();
        let variance = match self {
            DurationDist::Fixed(_) => 0.0,
            DurationDist::Exponential { mean_secs, .. } => mean_secs * mean_secs,
            DurationDist::LogNormal { median_secs, p90_secs, .. } => {
                let sigma = (p90_secs.ln() - median_secs.ln()) / Z90;
                mean * mean * ((sigma * sigma).exp() - 1.0)
            }
            DurationDist::Gamma { sd_secs, .. } => sd_secs * sd_secs,
            DurationDist::Uniform { min_secs, max_secs, .. } => (max_secs - min_secs).powi(2) / 12.0,
            DurationDist::Triangular { min_secs: a, mode_secs: c, max_secs: b, .. } => {
                (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
            }
        };
        if mean > 0.0 {
            variance / (mean * mean)
        } else {
            0.0
        }
    }

    pub fn is_fixed(&self) -> bool {
        matches!(self, DurationDist::Fixed(_))
    }

    /// A short description for traces and reports ("lognormal median 3d p90 10d").
    pub fn describe(&self) -> String {
        let d = |secs: f64| SimDuration::from_secs_f64(secs).to_string();
        match self {
            DurationDist::Fixed(v) => v.to_string(),
            DurationDist::Exponential { mean_secs, .. } => {
                format!("exponential mean {}", d(*mean_secs))
            }
            DurationDist::LogNormal { median_secs, p90_secs, .. } => {
                format!("lognormal median {} p90 {}", d(*median_secs), d(*p90_secs))
            }
            DurationDist::Gamma { mean_secs, sd_secs, .. } => {
                format!("gamma mean {} sd {}", d(*mean_secs), d(*sd_secs))
            }
            DurationDist::Uniform { min_secs, max_secs, .. } => {
                format!("uniform {}..{}", d(*min_secs), d(*max_secs))
            }
            DurationDist::Triangular { min_secs, mode_secs, max_secs, .. } => {
                format!("triangular {} / {} / {}", d(*min_secs), d(*mode_secs), d(*max_secs))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::random::stream;

    fn empirical_mean(dist: &DurationDist, n: usize) -> f64 {
        let mut rng = stream(1, 0, 0);
        (0..n).map(|_| dist.sample(&mut rng).as_secs_f64()).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_analytic_means() {
        let h = SimDuration::HOUR;
        let dists = [
            DurationDist::exponential(h).unwrap(),
            DurationDist::lognormal(h, SimDuration(3 * h.0)).unwrap(),
            DurationDist::gamma(h, SimDuration(h.0 / 2)).unwrap(),
            DurationDist::uniform(h, SimDuration(3 * h.0)).unwrap(),
            DurationDist::triangular(h, SimDuration(2 * h.0), SimDuration(6 * h.0)).unwrap(),
        ];
        for dist in &dists {
            let m = empirical_mean(dist, 200_000);
            let rel = (m - dist.mean_secs()).abs() / dist.mean_secs();
            assert!(rel < 0.01, "{}: sample mean {m}, analytic {}", dist.describe(), dist.mean_secs());
        }
    }

    #[test]
    fn sample_variances_match_cv2() {
        let h = SimDuration::HOUR;
        let dists = [
            DurationDist::fixed(h),
            DurationDist::exponential(h).unwrap(),
            DurationDist::lognormal(h, SimDuration(3 * h.0)).unwrap(),
            DurationDist::gamma(h, SimDuration(h.0 / 2)).unwrap(),
            DurationDist::uniform(h, SimDuration(3 * h.0)).unwrap(),
            DurationDist::triangular(h, SimDuration(2 * h.0), SimDuration(6 * h.0)).unwrap(),
        ];
        let mut rng = stream(3, 0, 0);
        for dist in &dists {
            let n = 400_000;
            let xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng).as_secs_f64()).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let cv2 = var / (mean * mean);
            assert!(
                (cv2 - dist.cv2()).abs() < 0.03 * dist.cv2().max(0.1),
                "{}: {cv2} vs {}",
                dist.describe(),
                dist.cv2()
            );
        }
    }

    #[test]
    fn lognormal_p90_is_where_it_was_put() {
        let dist = DurationDist::lognormal(SimDuration::HOUR, SimDuration(4 * SimDuration::HOUR.0)).unwrap();
        let mut rng = stream(2, 0, 0);
        let n = 100_000;
        let below = (0..n).filter(|_| dist.sample(&mut rng) <= SimDuration(4 * SimDuration::HOUR.0)).count();
        let share = below as f64 / n as f64;
        assert!((share - 0.9).abs() < 0.005, "share below p90 = {share}");
    }

    #[test]
    fn bad_parameters_are_refused() {
        let h = SimDuration::HOUR;
        assert_eq!(DurationDist::lognormal(h, h).unwrap_err(), DistError::P90NotAboveMedian);
        assert_eq!(DurationDist::uniform(h, h).unwrap_err(), DistError::MinNotBelowMax);
        assert_eq!(DurationDist::exponential(SimDuration::ZERO).unwrap_err(), DistError::NonPositiveMean);
        assert_eq!(
            DurationDist::triangular(h, SimDuration(5 * h.0), SimDuration(2 * h.0)).unwrap_err(),
            DistError::ModeOutsideRange
        );
    }
}
