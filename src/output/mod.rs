//! Writers: results to CSV, JSON and text. Each writer is a pure function from results
//! to bytes or to one file; none re-runs a simulation or reads command-line arguments.

pub mod folder;
pub mod report;
pub mod tables;
pub mod text;

pub use folder::{OutputError, OutputFolder};
