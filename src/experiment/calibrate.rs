//! `modsim calibrate`: a calibration file (cases and the parameters to learn from them)
//! read and checked against its cases, and run through ABC-SMC (`abc.rs`).
//!
//! The file names case scenarios (each with an `[observed]` outcome) and parameters,
//! each with a prior and the override paths it sets in each case. Everything is checked
//! before anything runs: every problem is a located diagnostic, as in scenario files.
//! `calibrate/simulate.rs` turns a particle into overrides and a distance.

mod config;
mod forecast;
mod simulate;

use std::path::PathBuf;

use super::abc::{self, AbcError, AbcProgress, AbcRun, Prior, Settings};
use crate::engine::random::Stream;
pub use crate::scenario::Form;
use crate::scenario::{Observed, Template};
pub use config::load;
pub use forecast::CaseForecast;
pub use simulate::{case_distance, PENALTY};

/// A calibration file, read and checked.
#[derive(Clone, Debug)]
pub struct Calibration {
    pub path: PathBuf,
    /// The file's text (for its hash in run.json).
    pub text: String,
    pub cases: Vec<Case>,
    pub parameters: Vec<CalibratedParameter>,
    /// Replications of each case per particle.
    pub replications: u64,
}

/// A case scenario and what was observed in it.
#[derive(Clone, Debug)]
pub struct Case {
    /// The file stem, the case's name in `paths`.
    pub stem: String,
    pub path: PathBuf,
    /// The scenario text, read once (hashed into run.json; a parameter's path is looked
    /// up in it).
    pub text: String,
    /// The text checked once, to write each particle's values into: every particle is
    /// built from the same text.
    pub template: Template,
    pub observed: Observed,
}

/// A parameter to learn and where it goes in each case.
#[derive(Clone, Debug)]
pub struct CalibratedParameter {
    pub name: String,
    pub prior: Prior,
    /// A duration (its values in days) rather than a plain number.
    pub duration: bool,
    pub targets: Vec<Target>,
}

/// One override path of a parameter in one case.
#[derive(Clone, Debug)]
pub struct Target {
    /// Index into [`Calibration::cases`].
    pub case: usize,
    pub path: String,
    pub form: Form,
}

impl Calibration {
    /// The ABC parameters, in the file's order.
    pub fn abc_parameters(&self) -> Vec<abc::Parameter> {
        self.parameters
            .iter()
            .map(|p| abc::Parameter { name: p.name.clone(), prior: p.prior.clone() })
            .collect()
    }

    /// The calibration without case `case`: its targets go, later cases move up one.
    /// A parameter left with no target keeps its prior (nothing is learnt about it).
    pub fn without(&self, case: usize) -> Calibration {
        let mut rest = self.clone();
        rest.cases.remove(case);
        for parameter in &mut rest.parameters {
            parameter.targets.retain(|t| t.case != case);
            for target in &mut parameter.targets {
                if target.case > case {
                    target.case -= 1;
                }
            }
        }
        rest
    }

    /// Runs ABC-SMC over the cases.
    pub fn run(&self, settings: &Settings, progress: &dyn AbcProgress) -> Result<AbcRun, AbcError> {
        let parameters = self.abc_parameters();
        abc::run(&parameters, settings, |theta, rng| self.distance(theta, rng), progress)
    }

    /// The distance between what a particle's parameter values (in the file's order)
    /// simulate and what was observed: the simulator ABC-SMC calls.
    pub fn distance(&self, theta: &[f64], rng: &mut Stream) -> f64 {
        simulate::distance(self, theta, rng)
    }
}
