//! Writers: results to CSV, JSON and text. Each writer is a pure function from results
//! to bytes or to one file; none re-runs a simulation or reads command-line arguments.
//! [`publish`] is the one pipeline above them: it runs an experiment's [`Plan`] and
//! fills its output folder with what the writers make.

pub mod answer;
pub mod calibration;
pub mod checkpoint;
pub mod columns;
pub mod comparison;
pub mod endings;
pub mod folder;
pub mod money;
pub mod numbers;
pub mod observed;
pub mod parts;
pub mod posterior;
pub mod publish;
pub mod record;
pub mod report;
pub mod tables;
pub mod takedown;
pub mod text;
pub mod validation;

pub use folder::{OutputError, OutputFolder};
pub use publish::{Plan, PublishError};
