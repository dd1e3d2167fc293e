//! `modsim sweep`: a grid of values for one or two parameters, and optionally the
//! cheapest point that meets a target.

use std::path::Path;

use super::args::ExperimentArgs;
use super::progress::Progress;
use super::{default_output, print_warnings, publish, whole, CliError};
use crate::experiment::sweep::{self, Axis, Target};
use crate::output::tables::Labeled;
use crate::output::{answer, comparison, text};
use crate::scenario::{self, Override};

/// Most points of a sweep grid: each is a scenario held in memory and run.
const MAX_POINTS: usize = 10_000;

/// Runs every point of the grid of `axes` and writes sweep.csv beside the common
/// tables.
pub(super) fn sweep(
    path: &Path,
    axes: &[Axis],
    target: Option<&Target>,
    args: &ExperimentArgs,
) -> Result<(), CliError> {
    if axes.len() > 2 {
        return Err(CliError::Usage("sweep takes one or two --vary; for more, run several sweeps".into()));
    }
    let size: usize = axes.iter().map(|a| a.values.len()).product();
    if size > MAX_POINTS {
        return Err(CliError::Usage(format!(
            "the grid has {size} points ({}); a sweep takes at most {MAX_POINTS}: use fewer values or a coarser step",
            axes.iter().map(|a| format!("{} values of {}", a.values.len(), a.path)).collect::<Vec<_>>().join(" x ")
        )));
    }
    // Read once: every point comes from the same text, as run.json's one hash says.
    let text = scenario::read_text(path)?;
    // The base with the command line's overrides: its errors and warnings, once.
    print_warnings(&scenario::load_text_with(path, text.clone(), &args.overrides())?);
    let varied: Vec<(&str, &[String])> =
        axes.iter().map(|a| (a.path.as_str(), a.values.as_slice())).collect();
    for w in scenario::spread_warnings(&path.display().to_string(), &text, &args.overrides(), &varied) {
        eprintln!("{}", w.render());
    }
    let points = sweep::grid(axes);
    // Every point is validated before the first replication runs, and every invalid
    // point is reported, not only the first.
    let mut runs = Vec::with_capacity(points.len());
    let mut invalid = Vec::new();
    for point in &points {
        let mut overrides = args.overrides();
        overrides.extend(point.iter().cloned());
        let label = point.iter().map(Override::to_string).collect::<Vec<_>>().join(" ");
        match scenario::load_text_with(path, text.clone(), &overrides) {
            Ok(loaded) => runs.push((label, loaded)),
            Err(e) => {
                eprintln!("{}", CliError::from(e).render());
                invalid.push(label);
            }
        }
    }
    if !invalid.is_empty() {
        // The labels of the first few; each point's own errors are printed above.
        const SHOWN: usize = 10;
        let mut list = invalid.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
        if invalid.len() > SHOWN {
            list.push_str(&format!(" and {} more", invalid.len() - SHOWN));
        }
        return Err(CliError::Usage(format!(
            "{} of {} grid points are invalid ({list}); nothing was run",
            invalid.len(),
            points.len()
        )));
    }
    let params: Vec<String> = axes.iter().map(|a| a.path.clone()).collect();
    let values: Vec<Vec<String>> =
        points.iter().map(|p| p.iter().map(|o| o.value().unwrap_or_default().to_owned()).collect()).collect();
    super::one_currency(&runs)?;
    let plan = args.plan("sweep", runs, default_output(path, "-sweep"))?;
    let labels_of = |i: usize| {
        let mut labels = vec![("point".to_string(), i.to_string())];
        labels.extend(params.iter().cloned().zip(values[i].iter().cloned()));
        labels
    };
    let Some((results, folder)) = whole(plan.execute(labels_of, &Progress::new())?)? else {
        return Ok(());
    };
    let labeled: Vec<Labeled> = results
        .iter()
        .enumerate()
        .map(|(i, r)| Labeled { labels: labels_of(i), results: r, differences: None })
        .collect();
    let findings = target.map(|t| sweep::findings(t, &params, &values, &results)).transpose()?;
    let files = plan.record_run(&folder, &results, Some(("sweep.csv", &labeled)), findings.as_ref())?;
    let c = &results[0].config;
    let header = format!(
        "{}: {} points, {} replications each, seed {} (common random numbers)",
        plan.runs[0].1.scenario.name,
        points.len(),
        c.replications,
        c.seed
    );
    let mut summary = format!("{}\n", text::wrap(&header, 0, 2));
    summary.push_str(&comparison::sweep_table(&params, &values, &results));
    summary.push_str(&text::posterior_notes(&plan.runs[..1]));
    if let Some(findings) = &findings {
        summary.push_str(&answer::terminal(
            findings,
            c.replications,
            crate::scenario::money::unit(results[0].currency.as_deref()),
        ));
    }
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
