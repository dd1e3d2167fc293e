//! `modsim validate CONFIG`: leave-one-out over a calibration's cases, written into an
//! output folder, with a line per fold as it ends.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use super::args::{part_info, CalibrateArgs};
use super::{default_output, progress, CliError};
use crate::experiment::abc::Settings;
use crate::experiment::calibrate;
use crate::experiment::shard::Shard;
use crate::experiment::validate::{self, Fold, ValidationProgress, ValidationSettings};
use crate::output::parts;
use crate::output::publish::publish_with_report;
use crate::output::{calibration, validation, OutputError, OutputFolder};

/// Prints each fold as it ends and remembers how long it took.
struct Folds {
    last: Mutex<(Instant, Vec<f64>)>,
}

impl ValidationProgress for Folds {
    fn fold_started(&self, fold: usize, of: usize, stem: &str) {
        eprintln!("fold {} of {of}: calibrating without {stem}", fold + 1);
    }

    fn fold_done(&self, fold: &Fold) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let seconds = last.0.elapsed().as_secs_f64();
        last.0 = Instant::now();
        last.1.push(seconds);
        eprintln!("{}", validation::fold_line(fold, seconds));
    }

    fn cancelled(&self) -> bool {
        progress::interrupted()
    }
}

/// Folds merged from the parts of a sharded validation.
pub(super) struct MergedFolds {
    pub folds: Vec<Fold>,
    pub seconds: Vec<f64>,
    pub threads: usize,
    /// The parts' wall times added up.
    pub wall: f64,
    /// The calibration file's and the cases' SHA-256 when the parts ran.
    pub inputs_sha256: Vec<String>,
    pub cases_sha256: Vec<String>,
}

/// Reads and checks the file, runs every fold (or the shard's, or takes the merged
/// parts') and writes the folder.
pub(super) fn validate(
    config: &Path,
    args: &CalibrateArgs,
    draws: u64,
    shard: Option<Shard>,
    merged: Option<MergedFolds>,
) -> Result<(), CliError> {
    let cal = calibrate::load(config)?;
    if cal.cases.len() < 2 {
        return Err(CliError::Usage(format!(
            "{}: validation leaves one case out at a time and needs at least 2 cases, not {}",
            config.display(),
            cal.cases.len()
        )));
    }
    if draws == 0 {
        return Err(CliError::Usage("--draws must be at least 1".into()));
    }
    let settings = ValidationSettings {
        abc: Settings {
            population: args.population,
            seed: args.seed,
            threads: args.threads,
            max_generations: args.generations,
            ..Settings::default()
        },
        draws,
    };
    if let Some(m) = &merged {
        let cases: Vec<String> = cal.cases.iter().map(|c| validation::sha256(&c.text)).collect();
        if m.inputs_sha256 != [validation::sha256(&cal.text)] || m.cases_sha256 != cases {
            return Err(CliError::Usage(
                "cannot merge: the calibration file or its cases changed since the parts ran (their SHA-256 differ); run the shards again".into(),
            ));
        }
    }
    let target = args.out.clone().unwrap_or_else(|| default_output(config, "-validation"));
    let folder = OutputFolder::create(&target, args.force)?;
    progress::start_polling();
    let started = Instant::now();
    let hook = Folds { last: Mutex::new((started, Vec::new())) };
    if let Some(shard) = shard {
        let cases = shard.slice(cal.cases.len() as u64);
        let (folds, threads) =
            validate::run_folds(&cal, cases.start as usize..cases.end as usize, &settings, &hook)?;
        let seconds = hook.last.into_inner().unwrap_or_else(|e| e.into_inner()).1;
        let mut info = part_info(shard)?;
        info.inputs_sha256 = vec![validation::sha256(&cal.text)];
        let wall = started.elapsed().as_secs_f64();
        let simulations = folds.iter().map(|f| f.simulations).sum();
        let record = calibration::part_record(
            &cal,
            "validate",
            &settings.abc,
            threads,
            (&target, wall, simulations),
            info,
        )
        .map_err(|e| OutputError::Io { path: target.join("run.json"), source: std::io::Error::other(e) })?;
        let written = parts::write_part(folder, &record, &(&folds, &seconds))?;
        writeln!(
            std::io::stdout().lock(),
            "wrote part {shard} ({} of {} folds) to {}; `modsim merge` puts the parts together",
            folds.len(),
            cal.cases.len(),
            written.display()
        )?;
        return Ok(());
    }
    let (result, seconds, wall) = match merged {
        Some(m) => (validate::finish(m.folds, m.threads), m.seconds, m.wall),
        None => {
            let result = validate::validate(&cal, &settings, &hook)?;
            let seconds = hook.last.into_inner().unwrap_or_else(|e| e.into_inner()).1;
            (result, seconds, started.elapsed().as_secs_f64())
        }
    };
    folder.write("validation.csv", validation::validation_csv(&result).as_bytes())?;
    folder.write("folds.csv", validation::folds_csv(&result).as_bytes())?;
    let record = validation::record(
        &cal,
        &settings.abc,
        draws,
        &result,
        &seconds,
        &target.display().to_string(),
        wall,
    )
    .map_err(|e| OutputError::Io { path: target.join("run.json"), source: std::io::Error::other(e) })?;
    folder.write("run.json", &record)?;
    let written = publish_with_report(folder, true)?;
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", validation::summary_text(&result))?;
    writeln!(stdout, "wrote {}: {}", written.display(), validation::FILES.join(", "))?;
    Ok(())
}
