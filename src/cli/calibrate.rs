//! `modsim calibrate CONFIG`: learn parameters from the cases' observed outcomes and
//! write the posterior into an output folder.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use super::args::CalibrateArgs;
use super::{default_output, progress, CliError};
use crate::experiment::abc::{AbcProgress, Generation, Settings};
use crate::experiment::calibrate;
use crate::output::publish::publish_with_report;
use crate::output::{calibration, OutputError, OutputFolder};

/// Prints each generation as it ends and remembers how long it took.
struct Generations {
    last: Mutex<(Instant, Vec<f64>)>,
}

impl AbcProgress for Generations {
    fn generation(&self, generation: &Generation) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let seconds = last.0.elapsed().as_secs_f64();
        last.0 = Instant::now();
        last.1.push(seconds);
        eprintln!("{}", calibration::generation_line(generation, seconds));
    }

    fn cancelled(&self) -> bool {
        progress::interrupted()
    }
}

/// Reads and checks the file, runs ABC-SMC and writes the folder.
pub(super) fn calibrate(config: &Path, args: &CalibrateArgs) -> Result<(), CliError> {
    let cal = calibrate::load(config)?;
    let settings = Settings {
        population: args.population,
        seed: args.seed,
        threads: args.threads,
        max_generations: args.generations,
        ..Settings::default()
    };
    let target = args.out.clone().unwrap_or_else(|| default_output(config, ""));
    // Refuse a target modsim may not replace before the work, not after.
    let folder = OutputFolder::create(&target, args.force)?;
    progress::start_polling();
    let started = Instant::now();
    let hook = Generations { last: Mutex::new((started, Vec::new())) };
    let run = cal.run(&settings, &hook)?;
    eprintln!("posterior predictive check: {} draws of each case", calibration::PREDICTIVE_DRAWS);
    let predictive =
        cal.predictive(run.posterior(), calibration::PREDICTIVE_DRAWS, settings.seed, settings.threads)?;
    let wall = started.elapsed().as_secs_f64();
    let seconds = hook.last.into_inner().unwrap_or_else(|e| e.into_inner()).1;
    folder.write("posterior.csv", calibration::posterior_csv(&run).as_bytes())?;
    folder.write("generations.csv", calibration::generations_csv(&run).as_bytes())?;
    folder.write("predictive.csv", calibration::predictive_csv(&cal, &predictive).as_bytes())?;
    let record = calibration::record(&cal, &settings, &run, &seconds, &target.display().to_string(), wall)
        .map_err(|e| OutputError::Io { path: target.join("run.json"), source: std::io::Error::other(e) })?;
    folder.write("run.json", &record)?;
    let written = publish_with_report(folder, true)?;
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", calibration::summary(&cal, &run))?;
    writeln!(stdout, "wrote {}: {}", written.display(), calibration::FILES.join(", "))?;
    Ok(())
}
