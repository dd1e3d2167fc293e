//! `modsim validate CONFIG`: leave-one-out over a calibration's cases, written into an
//! output folder, with a line per fold as it ends.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use super::args::CalibrateArgs;
use super::{default_output, progress, CliError};
use crate::experiment::abc::Settings;
use crate::experiment::calibrate;
use crate::experiment::validate::{self, Fold, ValidationProgress, ValidationSettings};
use crate::output::publish::publish_with_report;
use crate::output::{validation, OutputError, OutputFolder};

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

/// Reads and checks the file, runs every fold and writes the folder.
pub(super) fn validate(config: &Path, args: &CalibrateArgs, draws: u64) -> Result<(), CliError> {
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
    let target = args.out.clone().unwrap_or_else(|| default_output(config, "-validation"));
    let folder = OutputFolder::create(&target, args.force)?;
    progress::start_polling();
    let started = Instant::now();
    let hook = Folds { last: Mutex::new((started, Vec::new())) };
    let result = validate::validate(&cal, &settings, &hook)?;
    let wall = started.elapsed().as_secs_f64();
    let seconds = hook.last.into_inner().unwrap_or_else(|e| e.into_inner()).1;
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
