//! `modsim compare`: a scenario's variants, or several scenario files, side by side,
//! with paired differences against the first.

use std::path::PathBuf;

use super::args::ExperimentArgs;
use super::progress::Progress;
use super::{default_output, load_with, print_warnings, publish, whole, CliError};
use crate::experiment::compare;
use crate::experiment::stats::PairedDifference;
use crate::output::tables::Labeled;
use crate::output::{comparison, text};
use crate::scenario::{self, LoadedScenario};

/// Runs the variants of one file, or the files in `paths`, and writes compare.csv
/// beside the common tables.
pub(super) fn compare(paths: &[PathBuf], args: &ExperimentArgs) -> Result<(), CliError> {
    let runs: Vec<(String, LoadedScenario)> = if let [path] = paths {
        let all = scenario::load_variants(path, &args.overrides())?;
        print_warnings(&all[0]);
        if all.len() < 2 {
            return Err(CliError::Usage(format!(
                "{} has no [[variants]] to compare; add some, or give several scenario files",
                path.display()
            )));
        }
        all.into_iter().map(|l| (l.label(), l)).collect()
    } else {
        let mut runs = Vec::new();
        for path in paths {
            let stem = path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
            if runs.iter().any(|(l, _)| *l == stem) {
                return Err(CliError::Usage(format!("two scenario files are called `{stem}`; rename one")));
            }
            runs.push((stem, load_with(path, &args.overrides())?));
        }
        runs
    };
    super::one_currency(&runs)?;
    let plan = args.plan("compare", runs, default_output(&paths[0], "-compare"))?;
    let labels: Vec<String> = plan.runs.iter().map(|(l, _)| l.clone()).collect();
    let Some((results, folder)) =
        whole(plan.execute(|i| vec![("variant".into(), labels[i].clone())], &Progress::new())?)?
    else {
        return Ok(());
    };
    let differences: Vec<Vec<PairedDifference>> =
        results.iter().map(|r| compare::paired_differences(&results[0], r)).collect::<Result<_, _>>()?;
    let labeled: Vec<Labeled> = results
        .iter()
        .zip(&differences)
        .enumerate()
        .map(|(i, (r, d))| Labeled {
            labels: vec![("variant".into(), labels[i].clone())],
            results: r,
            differences: (i > 0).then(|| d.clone()),
        })
        .collect();
    let files = plan.record_run(&folder, &results, Some(("compare.csv", &labeled)), None)?;
    let mut summary = comparison::compare_table(&labels, &results, &differences);
    summary.push_str(&text::posterior_notes(&plan.runs));
    if let Some(note) = text::precision_note(&results[0]) {
        summary.push_str(&format!("{note}\n"));
    }
    if let Some(note) = text::few_replications_note(&results[0]) {
        summary.push_str(&format!("{note}\n"));
    }
    drop(labeled);
    drop(results);
    publish(&plan, folder, &files, &summary)
}
