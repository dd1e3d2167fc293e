//! `modsim validate`: leave-one-out over a calibration's cases. Each fold calibrates on
//! every case but one (ABC-SMC, as `modsim calibrate`), forecasts the case left out from
//! that posterior, and scores the forecast against what happened, next to a
//! reference-class baseline: the other cases' observed durations taken as the forecast.
//! A model that does not beat that baseline has not earned its complexity.
//!
//! Folds are independent (fold k's seed comes from the run's seed and k alone), so they
//! can run on different machines; within a fold, the sampler and the forecast are the
//! same at any thread count.

pub mod score;

use rand::RngExt;

use super::abc::{AbcError, AbcProgress, Generation, Settings};
use super::calibrate::{Calibration, CaseForecast};
use super::stats::{quantile_sorted, wilson, PairedDifference};
use crate::engine::random::{stream, stream_at};
use score::Outcome;

/// Stream ids: a fold's seed (replication = fold), and the PIT's randomisation.
const FOLD_SEED: u64 = 1;
const PIT_DRAW: u64 = 2;
/// Bins of the PIT histogram.
pub const PIT_BINS: usize = 5;

/// How to run a validation.
#[derive(Clone, Debug)]
pub struct ValidationSettings {
    /// The sampler's settings for every fold (its seed is the run's seed).
    pub abc: Settings,
    /// Forecast draws per case.
    pub draws: u64,
}

/// A forecast summarised against the outcome.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scores {
    /// Quantiles of days: 5%, 25%, 50%, 75%, 95%.
    pub q05: f64,
    pub q25: f64,
    pub median: f64,
    pub q75: f64,
    pub q95: f64,
    /// The share of the forecast with a block.
    pub block_probability: f64,
    pub crps: f64,
    pub pit: f64,
    pub abs_log_error: f64,
    /// Whether the 50% and 90% central intervals hold the outcome (`None`: censored
    /// outcome, not decidable).
    pub covered50: Option<bool>,
    pub covered90: Option<bool>,
}

impl Scores {
    /// The scores of the forecast `sorted` (days, ascending) for `outcome`; `u` places
    /// the PIT within an atom.
    pub fn of(sorted: &[f64], outcome: Outcome, u: f64) -> Scores {
        let q = |p| quantile_sorted(sorted, p);
        let logs: Vec<f64> = sorted.iter().map(|&d| score::log_days(d)).collect();
        Scores {
            q05: q(0.05),
            q25: q(0.25),
            median: q(0.5),
            q75: q(0.75),
            q95: q(0.95),
            block_probability: sorted.iter().filter(|&&d| d > 0.0).count() as f64 / sorted.len() as f64,
            crps: score::crps(&logs, score::log_days(outcome.days), outcome.censored),
            pit: score::pit(sorted, outcome, u),
            abs_log_error: score::abs_log_error(q(0.5), outcome),
            covered50: score::covers(q(0.25), q(0.75), outcome),
            covered90: score::covers(q(0.05), q(0.95), outcome),
        }
    }
}

/// One fold: a case left out, forecast by the others.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Fold {
    /// Index of the case in the calibration.
    pub case: usize,
    pub stem: String,
    pub outcome: Outcome,
    pub forecast: CaseForecast,
    pub model: Scores,
    /// The other cases' outcomes in days, ascending (censored ones at their last known
    /// day, a lower bound).
    pub reference: Vec<f64>,
    pub baseline: Scores,
    /// The fold's calibration.
    pub generations: Vec<Generation>,
    pub simulations: u64,
}

/// How the model's forecasts compare with the baseline's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Lower mean CRPS, and the paired 95% interval of the difference excludes zero.
    Beats,
    /// The interval holds zero: the data cannot tell them apart.
    Indistinguishable,
    /// Higher mean CRPS, and the interval excludes zero.
    Worse,
}

/// What a validation found over all folds.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Cases whose 50% and 90% intervals could be judged, and how many held the truth.
    pub judged50: usize,
    pub covered50: usize,
    pub judged90: usize,
    pub covered90: usize,
    pub baseline_covered50: usize,
    pub baseline_covered90: usize,
    /// 95% Wilson intervals of the model's coverages.
    pub coverage50_interval: (f64, f64),
    pub coverage90_interval: (f64, f64),
    pub mean_crps: f64,
    pub baseline_mean_crps: f64,
    pub mean_abs_log_error: f64,
    pub baseline_mean_abs_log_error: f64,
    /// Model CRPS minus baseline CRPS, paired by case.
    pub crps_difference: PairedDifference,
    /// Cases where the model's CRPS is lower than the baseline's.
    pub model_better: usize,
    pub pit_histogram: [usize; PIT_BINS],
    pub baseline_pit_histogram: [usize; PIT_BINS],
    pub verdict: Verdict,
}

/// A finished validation.
#[derive(Clone, Debug)]
pub struct Validation {
    pub folds: Vec<Fold>,
    pub summary: Summary,
    pub threads_used: usize,
}

/// What a caller hears while folds run.
pub trait ValidationProgress: Sync {
    /// Fold `fold` of `of` begins (case `stem`).
    fn fold_started(&self, _fold: usize, _of: usize, _stem: &str) {}
    /// A fold's calibration finished a generation.
    fn generation(&self, _generation: &Generation) {}
    /// A fold is done.
    fn fold_done(&self, _fold: &Fold) {}
    fn cancelled(&self) -> bool {
        false
    }
}

impl ValidationProgress for () {}

/// Passes a fold's sampler events on.
struct FoldProgress<'a>(&'a dyn ValidationProgress);

impl AbcProgress for FoldProgress<'_> {
    fn generation(&self, generation: &Generation) {
        self.0.generation(generation);
    }
    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}

/// Runs every fold, in case order.
pub fn validate(
    calibration: &Calibration,
    settings: &ValidationSettings,
    progress: &dyn ValidationProgress,
) -> Result<Validation, AbcError> {
    let (folds, threads_used) = run_folds(calibration, 0..calibration.cases.len(), settings, progress)?;
    Ok(finish(folds, threads_used))
}

/// The folds of the cases in `cases` (a shard's slice, or all), in case order, and the
/// threads they used.
pub fn run_folds(
    calibration: &Calibration,
    cases: std::ops::Range<usize>,
    settings: &ValidationSettings,
    progress: &dyn ValidationProgress,
) -> Result<(Vec<Fold>, usize), AbcError> {
    let n = calibration.cases.len();
    let mut folds = Vec::with_capacity(cases.len());
    let mut threads_used = 1;
    for case in cases {
        progress.fold_started(case, n, &calibration.cases[case].stem);
        let (fold, threads) = run_fold(calibration, case, settings, progress)?;
        threads_used = threads;
        progress.fold_done(&fold);
        folds.push(fold);
    }
    Ok((folds, threads_used))
}

/// The validation of every fold (from one machine, or merged from parts).
pub fn finish(folds: Vec<Fold>, threads_used: usize) -> Validation {
    let summary = summarise(&folds);
    Validation { folds, summary, threads_used }
}

/// Fold `case`: calibrate on the others, forecast `case`, score both forecasts.
pub fn run_fold(
    calibration: &Calibration,
    case: usize,
    settings: &ValidationSettings,
    progress: &dyn ValidationProgress,
) -> Result<(Fold, usize), AbcError> {
    let seed = stream(settings.abc.seed, case as u64, FOLD_SEED).random::<u64>();
    let others = calibration.without(case);
    let abc = Settings { seed, ..settings.abc.clone() };
    let run = others.run(&abc, &FoldProgress(progress))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.abc.threads)
        .build()
        .map_err(|source| AbcError::ThreadPool { threads: settings.abc.threads, source })?;
    let forecast = pool.install(|| calibration.forecast(case, run.posterior(), settings.draws, seed));
    let outcome = outcome_of(calibration, case);
    let mut reference: Vec<f64> = (0..calibration.cases.len())
        .filter(|&j| j != case)
        .map(|j| outcome_of(calibration, j).days)
        .collect();
    reference.sort_by(f64::total_cmp);
    let u = stream_at(seed, case as u64, PIT_DRAW, 0).random::<f64>();
    let fold = Fold {
        case,
        stem: calibration.cases[case].stem.clone(),
        outcome,
        model: Scores::of(&forecast.days, outcome, u),
        baseline: Scores::of(&reference, outcome, u),
        forecast,
        reference,
        simulations: run.simulations,
        generations: run.generations,
    };
    Ok((fold, run.threads_used))
}

/// Case `case`'s observed outcome: days of its block (0 without one).
pub fn outcome_of(calibration: &Calibration, case: usize) -> Outcome {
    match calibration.cases[case].observed.duration_days() {
        Some((days, censored)) => Outcome { days, censored },
        None => Outcome { days: 0.0, censored: false },
    }
}

/// Coverage, scores, the PIT histograms and the verdict over folds.
pub fn summarise(folds: &[Fold]) -> Summary {
    let count = |f: &dyn Fn(&Fold) -> Option<bool>| {
        let judged: Vec<bool> = folds.iter().filter_map(f).collect();
        (judged.len(), judged.iter().filter(|&&c| c).count())
    };
    let (judged50, covered50) = count(&|f| f.model.covered50);
    let (judged90, covered90) = count(&|f| f.model.covered90);
    let (_, baseline_covered50) = count(&|f| f.baseline.covered50);
    let (_, baseline_covered90) = count(&|f| f.baseline.covered90);
    let mean = |f: &dyn Fn(&Fold) -> f64| folds.iter().map(f).sum::<f64>() / folds.len() as f64;
    let model_crps: Vec<f64> = folds.iter().map(|f| f.model.crps).collect();
    let baseline_crps: Vec<f64> = folds.iter().map(|f| f.baseline.crps).collect();
    let crps_difference = PairedDifference::of(&baseline_crps, &model_crps);
    let histogram = |f: &dyn Fn(&Fold) -> f64| {
        let mut bins = [0; PIT_BINS];
        for fold in folds {
            let bin = (f(fold) * PIT_BINS as f64).floor() as usize;
            bins[bin.min(PIT_BINS - 1)] += 1;
        }
        bins
    };
    let verdict = if crps_difference.significant() && crps_difference.mean < 0.0 {
        Verdict::Beats
    } else if crps_difference.significant() {
        Verdict::Worse
    } else {
        Verdict::Indistinguishable
    };
    Summary {
        judged50,
        covered50,
        judged90,
        covered90,
        baseline_covered50,
        baseline_covered90,
        coverage50_interval: wilson(covered50, judged50),
        coverage90_interval: wilson(covered90, judged90),
        mean_crps: mean(&|f| f.model.crps),
        baseline_mean_crps: mean(&|f| f.baseline.crps),
        mean_abs_log_error: mean(&|f| f.model.abs_log_error),
        baseline_mean_abs_log_error: mean(&|f| f.baseline.abs_log_error),
        model_better: folds.iter().filter(|f| f.model.crps < f.baseline.crps).count(),
        crps_difference,
        pit_histogram: histogram(&|f| f.model.pit),
        baseline_pit_histogram: histogram(&|f| f.baseline.pit),
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_of_a_forecast_that_brackets_the_outcome() {
        let draws: Vec<f64> = (0..=100).map(f64::from).collect();
        let scores = Scores::of(&draws, Outcome { days: 50.0, censored: false }, 0.5);
        assert_eq!((scores.q05, scores.median, scores.q95), (5.0, 50.0, 95.0));
        assert_eq!((scores.covered50, scores.covered90), (Some(true), Some(true)));
        assert!((scores.pit - 0.5).abs() < 0.01);
        assert_eq!(scores.abs_log_error, 0.0);
        assert!((scores.block_probability - 100.0 / 101.0).abs() < 1e-12);
        let far = Scores::of(&draws, Outcome { days: 1000.0, censored: false }, 0.5);
        assert_eq!((far.covered50, far.covered90), (Some(false), Some(false)));
        assert!(far.crps > scores.crps);
        assert_eq!(far.pit, 1.0);
    }
}
