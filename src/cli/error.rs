//! `CliError`: everything that can stop a command, rendered once with its causes and
//! mapped to an exit code: 2 bad input (scenario, arguments, or a folder that does not
//! read back), 1 anything else.

use crate::experiment::abc::AbcError;
use crate::experiment::replications::ReplicationsError;
use crate::output::report::ReportError;
use crate::output::{OutputError, PublishError};
use crate::scenario::ScenarioError;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub(super) enum CliError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error("cannot write to the terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("{0}")]
    NotReproduced(String),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("calibration: {0}")]
    Calibration(#[from] AbcError),
    /// The replications kept in a temporary file do not read back.
    #[error(transparent)]
    Replications(#[from] ReplicationsError),
    /// A Slurm command failed, or a job did (exit 1: not the input's fault).
    #[error("slurm: {0}")]
    Slurm(String),
}

impl CliError {
    /// 2 for bad input (a scenario, the arguments, an output folder modsim did not make
    /// or one that does not read back), 130 for a run stopped by Ctrl-C, 1 for anything
    /// else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Scenario(_)
            | CliError::Usage(_)
            | CliError::Publish(PublishError::Scenario(_) | PublishError::Merge(_)) => 2,
            CliError::Output(e) | CliError::Publish(PublishError::Output(e)) if refused_target(e) => 2,
            // A folder that does not read back (`modsim report`) is bad input too.
            CliError::Report(ReportError::Invalid { .. } | ReportError::Missing(_)) => 2,
            CliError::Publish(PublishError::Interrupted { .. }) => super::progress::INTERRUPTED_EXIT,
            CliError::Calibration(AbcError::Cancelled { .. }) => super::progress::INTERRUPTED_EXIT,
            CliError::Calibration(AbcError::Settings(_)) => 2,
            _ => 1,
        }
    }

    /// The text for stderr: the error and each of its causes.
    pub fn render(&self) -> String {
        match self {
            // Scenario diagnostics carry their own "error:" labels.
            CliError::Scenario(ScenarioError::Invalid { .. })
            | CliError::Publish(PublishError::Scenario(ScenarioError::Invalid { .. })) => self.to_string(),
            _ => {
                let mut text = format!("error: {self}");
                let mut source = std::error::Error::source(self);
                while let Some(s) = source {
                    // Many messages already end with their cause ("cannot read x:
                    // No such file"): say each cause once.
                    let cause = s.to_string();
                    if !text.contains(&cause) {
                        text.push_str(&format!("\n  caused by: {cause}"));
                    }
                    source = s.source();
                }
                text
            }
        }
    }
}

/// An output target that modsim will not replace: it is not a folder, or not one that
/// modsim made (without `--force`).
fn refused_target(e: &OutputError) -> bool {
    matches!(
        e,
        OutputError::ForeignFolder { .. }
            | OutputError::NotAFolder { .. }
            | OutputError::NotARecord { .. }
            | OutputError::UnknownFiles { .. }
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let missing = std::fs::read("no-such-file.toml").unwrap_err();
        let e = super::CliError::Scenario(crate::scenario::ScenarioError::Read {
            path: "no-such-file.toml".into(),
            source: missing,
        });
        let text = e.render();
        assert_eq!(text.matches("No such file").count(), 1, "{text}");
        assert!(!text.contains("caused by"), "{text}");
    }

    use std::path::PathBuf;

    use super::*;

    fn foreign(path: &str) -> OutputError {
        OutputError::ForeignFolder { path: PathBuf::from(path) }
    }

    #[test]
    fn a_foreign_folder_is_bad_input_however_it_is_reached() {
        assert_eq!(CliError::Output(foreign("out")).exit_code(), 2);
        assert_eq!(CliError::Publish(PublishError::Output(foreign("out"))).exit_code(), 2);
        assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
        let file = OutputError::NotAFolder { path: PathBuf::from("/dev/null"), found: "a device" };
        assert_eq!(CliError::Publish(PublishError::Output(file)).exit_code(), 2);
        let unlisted = OutputError::UnknownFiles { path: PathBuf::from("out"), files: vec!["a.txt".into()] };
        assert_eq!(CliError::Output(unlisted).exit_code(), 2);
    }

    #[test]
    fn a_folder_that_does_not_read_back_is_bad_input_but_a_failed_read_is_not() {
        let invalid = ReportError::Invalid {
            file: "summary.csv".into(),
            line: Some(3),
            column: Some("mean".into()),
            reason: "\"x\" is not a number".into(),
        };
        let e = CliError::Report(invalid);
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.render(), "error: summary.csv, line 3, column mean: \"x\" is not a number");
        assert_eq!(CliError::Report(ReportError::Missing("summary.csv".into())).exit_code(), 2);
        let io = ReportError::Table { file: "summary.csv".into(), reason: "permission denied".into() };
        assert_eq!(CliError::Report(io).exit_code(), 1);
    }

    #[test]
    fn an_interrupted_run_exits_with_130_and_a_failed_one_with_1() {
        let interrupted = PublishError::Interrupted { target: PathBuf::from("out"), done: 3, planned: 10 };
        let e = CliError::Publish(interrupted);
        assert_eq!(e.exit_code(), 130);
        assert_eq!(
            e.render(),
            "error: interrupted after 3 of 10 replications: nothing was written, out is as it was"
        );
        let io = std::io::Error::other("disk full");
        let e = CliError::Publish(PublishError::Output(OutputError::Io {
            path: PathBuf::from("out/run.json"),
            source: io,
        }));
        assert_eq!(e.exit_code(), 1);
        assert_eq!(e.render(), "error: cannot write out/run.json: disk full");
        assert_eq!(CliError::NotReproduced("changed".into()).exit_code(), 1);
    }
}
