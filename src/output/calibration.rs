//! What `modsim calibrate` writes: posterior.csv (one row per particle of the last
//! generation), generations.csv (one row per generation), run.json, and the terminal
//! lines of each generation and of the end.

use serde_json::json;
use sha2::Digest;

use crate::experiment::abc::{AbcRun, Generation, Settings};
use crate::experiment::calibrate::{Calibration, CaseForecast};
use crate::experiment::validate::outcome_of;
use crate::output::parts::{PartInfo, PART_FILES};
use crate::output::tables::RunRecord;

/// The files a calibration folder holds.
pub const FILES: [&str; 7] =
    ["posterior.csv", "generations.csv", "predictive.csv", "run.json", "report.html", "report.md", "charts/"];

/// Draws of each case's posterior predictive forecast (predictive.csv).
pub const PREDICTIVE_DRAWS: u64 = 500;

/// One row per case, in the calibration's order: what was observed, and the posterior
/// predictive forecast of the first block (its probability, quantiles in days).
pub fn predictive_csv(calibration: &Calibration, forecasts: &[CaseForecast]) -> String {
    let mut out = String::from(
        "case,observed_days,observed_censored,observed_block,block_probability,q05_days,q25_days,median_days,q75_days,q95_days,forecast_draws,refused_draws\n",
    );
    for (case, f) in forecasts.iter().enumerate() {
        let o = outcome_of(calibration, case);
        let q: Vec<String> =
            [0.05, 0.25, 0.5, 0.75, 0.95].iter().map(|&p| f.quantile(p).to_string()).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            calibration.cases[case].stem,
            o.days,
            o.censored,
            o.days > 0.0,
            f.block_probability(),
            q.join(","),
            f.days.len(),
            f.refused
        ));
    }
    out
}

/// `weight` then each parameter (days for durations), one row per particle.
pub fn posterior_csv(run: &AbcRun) -> String {
    let posterior = run.posterior();
    let mut out = format!("weight,{}\n", posterior.names.join(","));
    for (particle, w) in posterior.particles.iter().zip(&posterior.weights) {
        let values: Vec<String> = particle.iter().map(|x| x.to_string()).collect();
        out.push_str(&format!("{w},{}\n", values.join(",")));
    }
    out
}

/// One row per generation.
pub fn generations_csv(run: &AbcRun) -> String {
    let mut out = String::from("generation,tolerance,acceptance_rate,ess,simulations\n");
    for g in &run.generations {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            g.index, g.tolerance, g.acceptance_rate, g.ess, g.simulations
        ));
    }
    out
}

/// The progress line of a finished generation.
pub fn generation_line(g: &Generation, seconds: f64) -> String {
    format!(
        "generation {}: tolerance {:.4}, acceptance {:.1}%, ess {:.0}, {} simulations, {:.1}s",
        g.index,
        g.tolerance,
        100.0 * g.acceptance_rate,
        g.ess,
        g.simulations,
        seconds
    )
}

/// Each parameter's posterior median and 90% interval against its prior's.
pub fn summary(calibration: &Calibration, run: &AbcRun) -> String {
    let posterior = run.posterior();
    let mut out = format!(
        "{} generations, {} simulations (stopped: {:?})\n",
        run.generations.len(),
        run.simulations,
        run.stop
    );
    for (k, p) in calibration.parameters.iter().enumerate() {
        let unit = if p.duration { " days" } else { "" };
        let q = |x: f64| format!("{x:.3}");
        out.push_str(&format!(
            "{}: posterior median {} [{}, {}]{unit}; prior median {} [{}, {}]\n",
            p.name,
            q(posterior.quantile(k, 0.5)),
            q(posterior.quantile(k, 0.05)),
            q(posterior.quantile(k, 0.95)),
            q(p.prior.quantile(0.5)),
            q(p.prior.quantile(0.05)),
            q(p.prior.quantile(0.95)),
        ));
    }
    out
}

/// The SHA-256 of a file's text, as run.json records it.
pub fn sha256(text: &str) -> String {
    format!("{:x}", sha2::Sha256::digest(text.as_bytes()))
}

/// run.json: the fields every modsim folder's record has (so the folder can be replaced
/// by a later run), and a `calibration` object with the file, settings, cases and
/// timings.
pub fn record(
    calibration: &Calibration,
    settings: &Settings,
    run: &AbcRun,
    generation_seconds: &[f64],
    output: &str,
    wall_time_seconds: f64,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut value = common_record(
        calibration,
        "calibrate",
        settings.seed,
        run.threads_used,
        (output, wall_time_seconds, run.simulations),
        &FILES,
    )?;
    let mut object = calibration_object(calibration, settings);
    object["stop"] = json!(format!("{:?}", run.stop));
    object["simulations"] = json!(run.simulations);
    object["generation_seconds"] = json!(generation_seconds);
    value["calibration"] = object;
    serde_json::to_vec_pretty(&value)
}

/// run.json of a shard's part of a calibration or validation (`command`): the common
/// fields, the calibration, and the part's facts; `run` is (output folder, wall time in
/// seconds, simulations).
pub fn part_record(
    calibration: &Calibration,
    command: &str,
    settings: &Settings,
    threads: usize,
    run: (&std::path::Path, f64, u64),
    part: PartInfo,
) -> Result<Vec<u8>, serde_json::Error> {
    let (target, wall, simulations) = run;
    let output = target.display().to_string();
    let mut value = common_record(
        calibration,
        command,
        settings.seed,
        threads,
        (&output, wall, simulations),
        &PART_FILES,
    )?;
    value["calibration"] = calibration_object(calibration, settings);
    value["part"] = serde_json::to_value(part)?;
    let mut bytes = serde_json::to_vec_pretty(&value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The fields of run.json every modsim folder has, for a command over `calibration`'s
/// cases; `run` is (output folder, wall time in seconds, simulations).
pub(crate) fn common_record(
    calibration: &Calibration,
    command: &str,
    seed: u64,
    threads: usize,
    run: (&str, f64, u64),
    files: &[&str],
) -> Result<serde_json::Value, serde_json::Error> {
    let (output, wall_time_seconds, simulations) = run;
    let record = RunRecord {
        modsim_version: env!("CARGO_PKG_VERSION").to_owned(),
        command: command.to_owned(),
        scenario_files: calibration.cases.iter().map(|c| c.path.display().to_string()).collect(),
        scenario_name: calibration.path.display().to_string(),
        scenario_description: String::new(),
        start: None,
        parameters: vec![],
        scenario_sha256: calibration.cases.iter().map(|c| sha256(&c.text)).collect(),
        overrides: vec![],
        runs: vec![],
        seed,
        replications: calibration.replications,
        threads,
        horizon_days: 0.0,
        precision: None,
        output: output.to_owned(),
        wall_time_seconds,
        replications_per_second: simulations as f64 / wall_time_seconds.max(1e-9),
        files: files.iter().map(|f| f.to_string()).collect(),
        target: None,
        money: Default::default(),
        observed: None,
    };
    serde_json::to_value(&record)
}

/// The calibration file, its cases, its parameters and the sampler's settings.
pub(crate) fn calibration_object(calibration: &Calibration, settings: &Settings) -> serde_json::Value {
    let parameters: Vec<_> = calibration
        .parameters
        .iter()
        .map(|p| {
            let targets: Vec<_> = p
                .targets
                .iter()
                .map(|t| json!({ "case": calibration.cases[t.case].stem, "path": t.path }))
                .collect();
            json!({ "name": p.name, "prior": p.prior.describe(), "duration_days": p.duration, "paths": targets })
        })
        .collect();
    json!({
        "config": calibration.path.display().to_string(),
        "config_sha256": sha256(&calibration.text),
        "cases": calibration.cases.iter().map(|c| c.stem.clone()).collect::<Vec<_>>(),
        "replications_per_case": calibration.replications,
        "parameters": parameters,
        "settings": {
            "population": settings.population,
            "max_generations": settings.max_generations,
            "initial_share": settings.initial_share,
            "quantile": settings.quantile,
            "max_simulations": settings.max_simulations,
        },
    })
}
