//! What `modsim validate` writes: validation.csv (one row per case: the observed
//! outcome, the model's forecast and the baseline's, with their scores), folds.csv (each
//! fold's calibration), run.json, and the terminal's fold lines, table and verdict.

use serde_json::json;

use crate::experiment::abc::Settings;
use crate::experiment::calibrate::Calibration;
use crate::experiment::validate::{score::Outcome, Fold, Scores, Summary, Validation, Verdict, PIT_BINS};
pub use crate::output::calibration::sha256;
use crate::output::calibration::{calibration_object, common_record};

/// The files a validation folder holds.
pub const FILES: [&str; 6] =
    ["validation.csv", "folds.csv", "run.json", "report.html", "report.md", "charts/"];

/// Days for people: "0", "0.4", "12", "1218".
pub fn days(x: f64) -> String {
    if x.is_nan() {
        "n/a".into()
    } else if x == 0.0 {
        "0".into()
    } else if x < 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

/// The observed outcome in words: "7.1 d", "≥ 249 d (in force)", "no block".
pub fn observed(outcome: Outcome) -> String {
    if outcome.days == 0.0 {
        "no block".into()
    } else if outcome.censored {
        format!("≥ {} d (in force)", days(outcome.days))
    } else {
        format!("{} d", days(outcome.days))
    }
}

fn flag(x: Option<bool>) -> &'static str {
    match x {
        Some(true) => "1",
        Some(false) => "0",
        None => "",
    }
}

fn score_cells(s: &Scores) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{},{}",
        s.block_probability,
        s.q05,
        s.q25,
        s.median,
        s.q75,
        s.q95,
        s.crps,
        s.pit,
        s.abs_log_error,
        flag(s.covered50),
        flag(s.covered90)
    )
}

/// One row per case, in the calibration's order. Days throughout; `covered50` and
/// `covered90` are empty where a censored outcome cannot be judged.
pub fn validation_csv(validation: &Validation) -> String {
    let columns = |prefix: &str| {
        [
            "block_probability",
            "q05_days",
            "q25_days",
            "median_days",
            "q75_days",
            "q95_days",
            "crps",
            "pit",
            "abs_log_error",
            "covered50",
            "covered90",
        ]
        .map(|c| format!("{prefix}_{c}"))
        .join(",")
    };
    let mut out = format!(
        "case,observed_days,observed_censored,observed_block,{},{},forecast_draws,refused_draws\n",
        columns("model"),
        columns("baseline")
    );
    for f in &validation.folds {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            f.stem,
            f.outcome.days,
            f.outcome.censored,
            f.outcome.days > 0.0,
            score_cells(&f.model),
            score_cells(&f.baseline),
            f.forecast.days.len(),
            f.forecast.refused
        ));
    }
    out
}

/// One row per fold: how its calibration went.
pub fn folds_csv(validation: &Validation) -> String {
    let mut out =
        String::from("case,generations,simulations,final_tolerance,final_acceptance_rate,final_ess\n");
    for f in &validation.folds {
        let last = f.generations.last();
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            f.stem,
            f.generations.len(),
            f.simulations,
            last.map_or(f64::NAN, |g| g.tolerance),
            last.map_or(f64::NAN, |g| g.acceptance_rate),
            last.map_or(f64::NAN, |g| g.ess)
        ));
    }
    out
}

/// The line printed as a fold ends.
pub fn fold_line(fold: &Fold, seconds: f64) -> String {
    format!(
        "{}: observed {}; forecast median {} d [90%: {} to {}], P(block) {:.0}%; CRPS {:.3} (baseline {:.3}), {:.1}s",
        fold.stem,
        observed(fold.outcome),
        days(fold.model.median),
        days(fold.model.q05),
        days(fold.model.q95),
        100.0 * fold.model.block_probability,
        fold.model.crps,
        fold.baseline.crps,
        seconds
    )
}

/// The verdict in one plain sentence.
pub fn verdict_sentence(s: &Summary) -> String {
    let d = &s.crps_difference;
    let numbers = format!(
        "mean CRPS {:.3} against the baseline's {:.3} (difference {:+.3}, 95% CI {:+.3} to {:+.3}; lower on {} of {} cases)",
        s.mean_crps,
        s.baseline_mean_crps,
        d.mean,
        d.ci_low,
        d.ci_high,
        s.model_better,
        d.n
    );
    match s.verdict {
        Verdict::Beats => format!("The model beats the reference-class baseline: {numbers}."),
        Verdict::Worse => format!(
            "The model does worse than the reference-class baseline: {numbers}. It has not earned its complexity."
        ),
        Verdict::Indistinguishable => format!(
            "The model does not beat the reference-class baseline: {numbers}; the difference is within noise, so on this evidence it has not earned its complexity."
        ),
    }
}

/// The coverage line: judged cases and how many each interval held.
pub fn coverage_line(s: &Summary) -> String {
    let part = |level: u32, covered: usize, judged: usize, ci: (f64, f64), baseline: usize| {
        format!(
            "{level}% intervals held {covered} of {judged} ({:.0}%, 95% CI {:.0} to {:.0}%; baseline {baseline})",
            100.0 * covered as f64 / judged.max(1) as f64,
            100.0 * ci.0,
            100.0 * ci.1,
        )
    };
    format!(
        "coverage: {}, {}",
        part(50, s.covered50, s.judged50, s.coverage50_interval, s.baseline_covered50),
        part(90, s.covered90, s.judged90, s.coverage90_interval, s.baseline_covered90)
    )
}

/// The terminal's summary: a table of cases, coverage, scores, PIT and the verdict.
pub fn summary_text(validation: &Validation) -> String {
    let s = &validation.summary;
    let mut out = String::new();
    out.push_str(&format!(
        "{:<8} {:>22} {:>9} {:>20} {:>8} {:>8} {:>8}\n",
        "case", "observed", "median", "90% interval", "P(block)", "CRPS", "baseline"
    ));
    for f in &validation.folds {
        out.push_str(&format!(
            "{:<8} {:>22} {:>9} {:>20} {:>8} {:>8.3} {:>8.3}\n",
            f.stem,
            observed(f.outcome),
            days(f.model.median),
            format!("{} to {}", days(f.model.q05), days(f.model.q95)),
            format!("{:.0}%", 100.0 * f.model.block_probability),
            f.model.crps,
            f.baseline.crps
        ));
    }
    out.push_str(&coverage_line(s));
    out.push('\n');
    out.push_str(&format!(
        "mean absolute log error of the median: {:.3} (baseline {:.3}); a factor of {:.1} against {:.1}\n",
        s.mean_abs_log_error,
        s.baseline_mean_abs_log_error,
        s.mean_abs_log_error.exp(),
        s.baseline_mean_abs_log_error.exp()
    ));
    out.push_str(&format!(
        "PIT histogram ({PIT_BINS} bins, flat when calibrated): model {:?}, baseline {:?}\n",
        s.pit_histogram, s.baseline_pit_histogram
    ));
    out.push_str(&verdict_sentence(s));
    out.push('\n');
    out
}

/// run.json: the common fields, the calibration's file and settings, the forecast
/// draws, each fold's time, and the summary and verdict.
pub fn record(
    calibration: &Calibration,
    settings: &Settings,
    draws: u64,
    validation: &Validation,
    fold_seconds: &[f64],
    output: &str,
    wall_time_seconds: f64,
) -> Result<Vec<u8>, serde_json::Error> {
    let simulations = validation.folds.iter().map(|f| f.simulations).sum();
    let mut value = common_record(
        calibration,
        "validate",
        settings.seed,
        validation.threads_used,
        (output, wall_time_seconds, simulations),
        &FILES,
    )?;
    value["calibration"] = calibration_object(calibration, settings);
    let s = &validation.summary;
    value["validation"] = json!({
        "forecast_draws": draws,
        "simulations": simulations,
        "fold_seconds": fold_seconds,
        "coverage50": { "judged": s.judged50, "covered": s.covered50, "baseline_covered": s.baseline_covered50 },
        "coverage90": { "judged": s.judged90, "covered": s.covered90, "baseline_covered": s.baseline_covered90 },
        "mean_crps": s.mean_crps,
        "baseline_mean_crps": s.baseline_mean_crps,
        "crps_difference": { "mean": s.crps_difference.mean, "ci_low": s.crps_difference.ci_low, "ci_high": s.crps_difference.ci_high },
        "mean_abs_log_error": s.mean_abs_log_error,
        "baseline_mean_abs_log_error": s.baseline_mean_abs_log_error,
        "pit_histogram": s.pit_histogram,
        "baseline_pit_histogram": s.baseline_pit_histogram,
        "verdict": format!("{:?}", s.verdict),
    });
    serde_json::to_vec_pretty(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_as_people_say_them() {
        assert_eq!(observed(Outcome { days: 0.0, censored: false }), "no block");
        assert_eq!(observed(Outcome { days: 7.14, censored: false }), "7.1 d");
        assert_eq!(observed(Outcome { days: 249.2, censored: true }), "≥ 249 d (in force)");
        assert_eq!(days(1218.4), "1218");
    }
}
