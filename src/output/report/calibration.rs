//! The calibration report: what the cases taught about each parameter (prior against
//! posterior, in a chart, a table and a sentence each), the pair plot, each case's
//! posterior predictive duration against what happened, and the sampler's generations
//! with a warning when the posterior rests on few particles; built from posterior.csv,
//! generations.csv, predictive.csv and run.json alone.

use super::calibration_data::CalibrationData;
use super::charts::{self, PAIR_LIMIT};
use super::data::Open;
use super::page::{run_facts, Block, Page};
use super::{ReportError, ReportFile};
use crate::experiment::abc::Prior;
use crate::output::validation::{days, observed};

/// Below this share of the population, the final effective sample size is a warning.
const FEW_PARTICLES: f64 = 0.1;

/// A posterior 90% interval narrower than this share of the prior's (on the axis the
/// sampler uses) counts as narrowed by the cases.
const NARROWED: f64 = 0.5;

/// Builds report.html, report.md and (with charts) the charts of a calibration folder.
pub(super) fn build(open: Open, with_charts: bool) -> Result<Vec<ReportFile>, ReportError> {
    let data = CalibrationData::read(open)?;
    let charts = if with_charts { charts::calibration(&data)? } else { Vec::new() };
    Ok(page(&data, &charts, with_charts).files(&charts))
}

/// A parameter's value for people: three significant figures, no exponent for the
/// values calibrations have ("0.0123", "0.37", "2", "12.3", "1234").
pub(super) fn figure(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let digits = (2 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{x:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// The prior's and posterior's 5%, 50% and 95% points of parameter `k`.
fn points(data: &CalibrationData, k: usize) -> ([f64; 3], [f64; 3]) {
    let prior = &data.priors[k];
    let ps = [0.05, 0.5, 0.95];
    (ps.map(|p| prior.quantile(p)), ps.map(|p| data.posterior.quantile(k, p)))
}

/// What the cases did to a parameter.
#[derive(Debug, PartialEq)]
pub(super) enum Moved {
    /// Its posterior 90% interval is less than half the prior's width.
    Narrowed,
    /// Not narrowed, but its posterior median lies outside the prior's middle half.
    Shifted,
    Neither,
}

/// Whether the cases narrowed or shifted a parameter: `ratio` from [`width_ratio`],
/// `median` the posterior's, `middle` the prior's 25% and 75% points.
pub(super) fn moved(ratio: f64, median: f64, middle: (f64, f64)) -> Moved {
    if ratio < NARROWED {
        Moved::Narrowed
    } else if median < middle.0 || median > middle.1 {
        Moved::Shifted
    } else {
        Moved::Neither
    }
}

/// The posterior's 90% interval as a share of the prior's, on a log scale for a
/// positive prior.
pub(super) fn width_ratio(prior: &Prior, prior_points: [f64; 3], posterior_points: [f64; 3]) -> f64 {
    let at = |x: f64| if prior.log_scale() { x.max(f64::MIN_POSITIVE).ln() } else { x };
    let width = |p: [f64; 3]| at(p[2]) - at(p[0]);
    width(posterior_points) / width(prior_points)
}

/// Whether the data moved parameter `k`, in one sentence.
fn moved_sentence(data: &CalibrationData, k: usize) -> String {
    let p = &data.calibration.parameters[k];
    let (prior, posterior) = points(data, k);
    let ratio = width_ratio(&data.priors[k], prior, posterior);
    let unit = if p.duration_days { " days" } else { "" };
    let scale = if data.priors[k].log_scale() { " on a log scale" } else { "" };
    let medians = format!(
        "posterior median {}{unit} against the prior's {}{unit}",
        figure(posterior[1]),
        figure(prior[1])
    );
    let prior_dist = &data.priors[k];
    let middle = (prior_dist.quantile(0.25), prior_dist.quantile(0.75));
    match moved(ratio, posterior[1], middle) {
        Moved::Narrowed => format!(
            "{}: the cases narrowed it. Its posterior 90% interval is {:.0}% of the prior's width{scale}; {medians}.",
            p.name,
            100.0 * ratio
        ),
        Moved::Shifted => format!(
            "{}: the cases moved it: the posterior median, {}{unit}, lies outside the prior's middle half ({} to {}{unit}), though its 90% interval is still {:.0}% of the prior's width{scale}.",
            p.name,
            figure(posterior[1]),
            figure(middle.0),
            figure(middle.1),
            100.0 * ratio
        ),
        Moved::Neither => format!(
            "{}: the cases did not move it much. Its posterior 90% interval is still {:.0}% of the prior's width{scale} ({medians}), so what the report says about it is mostly the prior.",
            p.name,
            100.0 * ratio
        ),
    }
}

fn parameter_table(data: &CalibrationData) -> Block<'static> {
    let header = [
        "Parameter",
        "Prior",
        "Prior median",
        "Prior 90%",
        "Posterior median",
        "Posterior 90%",
        "Width of 90%: posterior / prior",
    ];
    let rows = (0..data.priors.len())
        .map(|k| {
            let p = &data.calibration.parameters[k];
            let (prior, posterior) = points(data, k);
            let unit = if p.duration_days { " d" } else { "" };
            let range = |q: [f64; 3]| format!("{} to {}{unit}", figure(q[0]), figure(q[2]));
            vec![
                p.name.clone(),
                p.prior.clone(),
                format!("{}{unit}", figure(prior[1])),
                range(prior),
                format!("{}{unit}", figure(posterior[1])),
                range(posterior),
                format!("{:.0}%", 100.0 * width_ratio(&data.priors[k], prior, posterior)),
            ]
        })
        .collect();
    Block::Table(header.map(String::from).to_vec(), rows)
}

fn predictive_table(data: &CalibrationData) -> Block<'static> {
    let header = ["Case", "Observed", "P(block)", "Median", "50% interval", "90% interval"];
    let range = |a: f64, b: f64| format!("{} to {}", days(a), days(b));
    let rows = data
        .predictive
        .iter()
        .map(|r| {
            let f = &r.model;
            vec![
                r.case.clone(),
                observed(r.observed),
                if f.block_probability.is_finite() {
                    format!("{:.0}%", 100.0 * f.block_probability)
                } else {
                    "n/a".into()
                },
                days(f.median),
                range(f.q25, f.q75),
                range(f.q05, f.q95),
            ]
        })
        .collect();
    Block::Table(header.map(String::from).to_vec(), rows)
}

fn generations_table(data: &CalibrationData) -> Block<'static> {
    let header = ["Generation", "Tolerance", "Acceptance rate", "Effective sample size", "Simulations"];
    let rows = data
        .generations
        .iter()
        .map(|g| {
            vec![
                g.index.to_string(),
                figure(g.tolerance),
                format!("{:.1}%", 100.0 * g.acceptance_rate),
                format!("{:.0}", g.ess),
                g.simulations.to_string(),
            ]
        })
        .collect();
    Block::Table(header.map(String::from).to_vec(), rows)
}

/// The warning when the final effective sample size is below a tenth of the population.
pub(super) fn few_particles(ess: f64, population: usize) -> Option<String> {
    (ess < FEW_PARTICLES * population as f64).then(|| {
        format!(
            "the final effective sample size is {ess:.0} of {population} particles: the posterior rests on few particles; run a larger population."
        )
    })
}

const GLOSSARY: [(&str, &str); 5] = [
    ("Prior", "What was assumed about a parameter before looking at the cases (the calibration file's prior)."),
    ("Posterior", "What the parameter is likely to be given the cases: the last generation's particles, each with a weight."),
    ("Tolerance", "How close a particle's simulated first blocks had to come to the observed ones (the mean distance on ln(1 + days)) to be kept; it falls from generation to generation."),
    ("Effective sample size (ESS)", "How many equally weighted particles the weighted ones are worth, 1 / Σ w². Far below the population, a few particles carry the posterior."),
    ("Posterior predictive", "Each case run again with parameters drawn from the posterior: what the calibrated model says the case's first block lasts."),
];

fn page<'a>(data: &CalibrationData, charts: &'a [charts::Chart], with_charts: bool) -> Page<'a> {
    let cal = &data.calibration;
    let simulations: u64 = data.generations.iter().map(|g| g.simulations).sum();
    let stop = cal.stop.as_deref().unwrap_or("unknown");
    let mut blocks = vec![Block::Paragraph(format!(
        "ABC-SMC calibration of {} parameter{} on the observed outcomes of {} cases ({}): {} generations of {} particles, {simulations} simulations, each particle running every case {} times; the sampler stopped: {stop}.",
        cal.parameters.len(),
        if cal.parameters.len() == 1 { "" } else { "s" },
        cal.cases.len(),
        cal.cases.join(", "),
        data.generations.len(),
        cal.settings.population,
        cal.replications_per_case,
    ))];
    if let Some(warning) = data.final_ess().and_then(|ess| few_particles(ess, cal.settings.population)) {
        blocks.push(Block::Warning(warning));
    }
    let chart = |name: &str| charts.iter().find(|c| c.name == name).map(Block::Chart);
    blocks.push(Block::Heading("What the cases taught".into()));
    blocks.extend((0..data.priors.len()).map(|k| Block::Paragraph(moved_sentence(data, k))));
    blocks.push(parameter_table(data));
    blocks.push(Block::Note(format!("90% intervals are central (5% to 95%), the posterior's weighted. The cases narrowed a parameter when its posterior 90% interval is less than {:.0}% of the prior's width (on a log scale for positive priors), and moved it when its posterior median lies outside the prior's middle half (25% to 75%).", 100.0 * NARROWED)));
    if !with_charts {
        blocks.push(Block::NoCharts);
    }
    blocks.extend(chart("calibration-parameters"));
    if data.priors.len() > PAIR_LIMIT {
        blocks.push(Block::Note(format!(
            "The pair plot shows the first {PAIR_LIMIT} of {} parameters.",
            data.priors.len()
        )));
    }
    blocks.extend(chart("calibration-pairs"));
    blocks.push(Block::Heading("Posterior predictive check".into()));
    blocks.extend(chart("calibration-predictive"));
    blocks.push(predictive_table(data));
    blocks.push(Block::Heading("Generations".into()));
    blocks.push(generations_table(data));
    blocks.push(Block::Heading("Glossary".into()));
    blocks.push(Block::Terms(GLOSSARY.to_vec()));
    blocks.push(Block::Heading("What was run".into()));
    blocks.push(run_facts(&data.record, cal, Vec::new()));
    Page { title: format!("Calibration of {}", cal.config), blocks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_keep_three_significant_digits() {
        let check = |x: f64, expected: &str| assert_eq!(figure(x), expected, "{x}");
        check(0.0, "0");
        check(0.012345, "0.0123");
        check(0.37, "0.37");
        check(2.0, "2");
        check(12.34, "12.3");
        check(1234.4, "1234");
        check(-0.5, "-0.5");
        check(f64::NAN, "n/a");
    }

    #[test]
    fn the_width_ratio_is_on_a_log_scale_for_positive_priors() {
        let lognormal = Prior::lognormal(2.0, 10.0).unwrap();
        // A posterior from 1 to 4 against a prior from 0.25 to 16: ln 4 / ln 64 = 1/3.
        let ratio = width_ratio(&lognormal, [0.25, 2.0, 16.0], [1.0, 2.0, 4.0]);
        assert!((ratio - 1.0 / 3.0).abs() < 1e-12, "{ratio}");
        let uniform = Prior::uniform(0.0, 1.0).unwrap();
        assert!((width_ratio(&uniform, [0.05, 0.5, 0.95], [0.5, 0.6, 0.95]) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_parameter_is_narrowed_shifted_or_neither() {
        assert_eq!(moved(0.3, 100.0, (1.0, 2.0)), Moved::Narrowed);
        assert_eq!(moved(0.6, 0.5, (1.0, 2.0)), Moved::Shifted);
        assert_eq!(moved(0.9, 2.5, (1.0, 2.0)), Moved::Shifted);
        assert_eq!(moved(0.5, 1.5, (1.0, 2.0)), Moved::Neither);
    }

    #[test]
    fn few_particles_are_a_warning_below_a_tenth_of_the_population() {
        assert_eq!(few_particles(10.0, 100), None);
        let warning = few_particles(9.4, 100).unwrap();
        assert!(warning.contains("rests on few particles; run a larger population"), "{warning}");
    }
}
