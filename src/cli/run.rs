//! `modsim run SCENARIO`: one scenario, many replications, one output folder.

use std::path::Path;

use super::args::ExperimentArgs;
use super::progress::Progress;
use super::{default_output, load_with, publish, whole, CliError};
use crate::output::{text, Plan};

/// Runs the scenario at `path` with the command line's options.
pub(super) fn run(path: &Path, args: &ExperimentArgs) -> Result<(), CliError> {
    let loaded = load_with(path, &args.overrides())?;
    let plan = args.plan("run", vec![("baseline".into(), loaded)], default_output(path, ""))?;
    run_plan(&plan)
}

/// Runs a plan of one scenario, writes its folder and prints its summary; `run
/// --reproduce` builds its plan from a run.json and comes here too.
pub(super) fn run_plan(plan: &Plan) -> Result<(), CliError> {
    let Some((results, folder)) = whole(plan.execute(|_| Vec::new(), &Progress::new())?)? else {
        return Ok(());
    };
    let files = plan.record_run(&folder, &results, None, None)?;
    let mut summary = text::run_summary(&plan.runs[0].1.scenario, &results[0]);
    summary.push_str(&text::posterior_notes(&plan.runs));
    if let Some(note) = text::precision_note(&results[0]) {
        summary.push_str(&format!("{note}\n"));
    }
    if let Some(note) = text::few_replications_note(&results[0]) {
        summary.push_str(&format!("{note}\n"));
    }
    drop(results);
    publish(plan, folder, &files, &summary)
}
