//! What run.json, the terminal and the report say about a run whose parameters were
//! drawn from a calibration posterior (`[posterior]`): the file, its hash, its
//! particle count and effective sample size, and that the intervals include parameter
//! uncertainty.

use serde::{Deserialize, Serialize};

use crate::scenario::Posterior;

/// The posterior a run drew its parameters from, as run.json records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PosteriorRecord {
    /// The file as the scenario names it (relative to the scenario file).
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    pub particles: usize,
    /// 1 / Σ w² of the normalised weights.
    pub effective_sample_size: f64,
}

impl PosteriorRecord {
    /// The record of `posterior`.
    pub fn of(posterior: &Posterior) -> PosteriorRecord {
        PosteriorRecord {
            file: posterior.file.clone(),
            sha256: posterior.sha256.clone(),
            particles: posterior.weights.len(),
            effective_sample_size: posterior.ess(),
        }
    }

    /// One line, the same on the terminal and in the report.
    pub fn describe(&self) -> String {
        format!(
            "parameters drawn from posterior {} ({} particles, ESS {:.0}): intervals include parameter uncertainty",
            self.file, self.particles, self.effective_sample_size
        )
    }
}

/// The distinct posteriors of `runs`, in order of first use (the variants of one file
/// share theirs).
pub fn distinct<'a>(
    records: impl IntoIterator<Item = Option<&'a PosteriorRecord>>,
) -> Vec<&'a PosteriorRecord> {
    let mut seen: Vec<&PosteriorRecord> = Vec::new();
    for r in records.into_iter().flatten() {
        if !seen.contains(&r) {
            seen.push(r);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posterior_is_told_once_per_file() {
        let record = |file: &str| PosteriorRecord {
            file: file.into(),
            sha256: "ab".into(),
            particles: 200,
            effective_sample_size: 142.6,
        };
        assert_eq!(
            record("../calibration/p.csv").describe(),
            "parameters drawn from posterior ../calibration/p.csv (200 particles, ESS 143): intervals include parameter uncertainty"
        );
        let (a, b) = (record("a.csv"), record("b.csv"));
        assert_eq!(distinct([Some(&a), None, Some(&a), Some(&b)]), [&a, &b]);
    }
}
