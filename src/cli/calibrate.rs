//! `modsim calibrate CONFIG`: learn parameters from the cases' observed outcomes and
//! write the posterior into an output folder.
//!
//! The sampler runs batch by batch. With `--checkpoint FILE` the state after each batch
//! is saved there, and a run started again goes on from it. With `--shard K/N` as well,
//! the command computes only part K of the checkpoint's next batch into a part folder;
//! `modsim merge` of the parts absorbs the batch, saves the checkpoint, and once the
//! sampler stops writes the folder one machine would have written (docs/cluster.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use super::args::{part_info, CalibrateArgs};
use super::{default_output, progress, CliError};
use crate::engine::random::Stream;
use crate::experiment::abc::{AbcError, AbcProgress, AbcRun, Generation, Proposal, Sampler, Settings, Step};
use crate::experiment::calibrate::{self, Calibration};
use crate::experiment::shard::Shard;
use crate::output::calibration::{self as output, sha256};
use crate::output::checkpoint::{CalibrationCheckpoint, CalibrationPart};
use crate::output::parts;
use crate::output::publish::publish_with_report;
use crate::output::{OutputError, OutputFolder};

/// Adds up the seconds of work of the generation underway, and prints each generation
/// as it ends with them.
struct Laps {
    /// Seconds of each finished generation, and of the one underway.
    seconds: Mutex<(Vec<f64>, f64)>,
}

impl Laps {
    fn add(&self, seconds: f64) {
        self.seconds.lock().unwrap_or_else(|e| e.into_inner()).1 += seconds;
    }
}

impl AbcProgress for Laps {
    fn generation(&self, generation: &Generation) {
        let mut laps = self.seconds.lock().unwrap_or_else(|e| e.into_inner());
        let seconds = std::mem::take(&mut laps.1);
        laps.0.push(seconds);
        eprintln!("{}", output::generation_line(generation, seconds));
    }

    fn cancelled(&self) -> bool {
        progress::interrupted()
    }
}

/// The parts of one sharded batch, read by `modsim merge`.
pub(super) struct MergedBatch {
    pub parts: Vec<parts::Part<CalibrationPart>>,
}

/// Reads and checks the file, then runs the calibration (whole, from a checkpoint, as
/// one shard of a batch, or by absorbing a batch's merged parts) and writes the folder
/// once the sampler stops.
pub(super) fn calibrate(
    config: &Path,
    args: &CalibrateArgs,
    shard: Option<Shard>,
    checkpoint: Option<&Path>,
    merged: Option<MergedBatch>,
) -> Result<(), CliError> {
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
    let parameters = cal.abc_parameters();
    let simulate = |theta: &[f64], rng: &mut Stream| cal.distance(theta, rng);
    let laps = Laps { seconds: Mutex::new((Vec::new(), 0.0)) };
    let sampler = Sampler::new(&parameters, &settings, &simulate, &laps)?;
    let mut state = match checkpoint {
        Some(path) => read_checkpoint(path, &cal, &sampler)?,
        None => None,
    }
    .unwrap_or_else(|| CalibrationCheckpoint {
        config_sha256: sha256(&cal.text),
        cases_sha256: cal.cases.iter().map(|c| sha256(&c.text)).collect(),
        sampler: sampler.start(),
        generation_seconds: Vec::new(),
        underway_seconds: 0.0,
        threads: 0,
        finished: false,
    });
    *laps.seconds.lock().unwrap_or_else(|e| e.into_inner()) =
        (state.generation_seconds.clone(), state.underway_seconds);
    if let Some(shard) = shard {
        let path = checkpoint.ok_or_else(|| CliError::Usage("--shard needs --checkpoint FILE".into()))?;
        return shard_part(&cal, &settings, &sampler, (&state, path), shard, (folder, &target, started));
    }
    let merging = merged.is_some();
    let stop = if let Some(merged) = merged {
        absorb_parts(&sampler, &mut state, merged, &laps)?;
        match sampler.step(&state.sampler) {
            Step::Done(stop) => stop,
            Step::Batch(next) => {
                save(&mut state, &laps, &sampler, checkpoint)?;
                writeln!(
                    std::io::stdout().lock(),
                    "merged the batch (generations done: {}); next: proposals {}..{} of generation {}: run the shards again",
                    state.sampler.generations().len(),
                    next.proposals.start,
                    next.proposals.end,
                    next.generation
                )?;
                return Ok(());
            }
        }
    } else {
        loop {
            match sampler.step(&state.sampler) {
                Step::Done(stop) => break stop,
                Step::Batch(batch) => {
                    let lap = Instant::now();
                    let proposals = sampler.evaluate(&state.sampler, &batch, batch.proposals.clone())?;
                    laps.add(lap.elapsed().as_secs_f64());
                    sampler.absorb(&mut state.sampler, &batch, proposals)?;
                    save(&mut state, &laps, &sampler, checkpoint)?;
                }
            }
        }
    };
    record_laps(&mut state, &laps, &sampler);
    let checkpointed = state.clone();
    let threads = state.threads;
    let seconds = checkpointed.generation_seconds.clone();
    let run = AbcRun { threads_used: threads, ..sampler.finish(state.sampler, stop) };
    eprintln!("posterior predictive check: {} draws of each case", output::PREDICTIVE_DRAWS);
    let predictive =
        cal.predictive(run.posterior(), output::PREDICTIVE_DRAWS, settings.seed, settings.threads)?;
    // A merged run's time is its parts' work, not the merge's.
    let wall = if merging { seconds.iter().sum::<f64>() } else { started.elapsed().as_secs_f64() };
    folder.write("posterior.csv", output::posterior_csv(&run).as_bytes())?;
    folder.write("generations.csv", output::generations_csv(&run).as_bytes())?;
    folder.write("predictive.csv", output::predictive_csv(&cal, &predictive).as_bytes())?;
    let record = output::record(&cal, &settings, &run, &seconds, &target.display().to_string(), wall)
        .map_err(|e| OutputError::Io { path: target.join("run.json"), source: std::io::Error::other(e) })?;
    folder.write("run.json", &record)?;
    let written = publish_with_report(folder, true)?;
    // Saved after the folder: a merge that could not write it can be run again.
    if let Some(path) = checkpoint {
        CalibrationCheckpoint { finished: true, ..checkpointed }.write(path)?;
    }
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", output::summary(&cal, &run))?;
    writeln!(stdout, "wrote {}: {}", written.display(), output::FILES.join(", "))?;
    Ok(())
}

/// The checkpoint at `path`, checked to belong to this calibration and these settings;
/// `None` if there is none yet.
fn read_checkpoint(
    path: &Path,
    cal: &Calibration,
    sampler: &Sampler,
) -> Result<Option<CalibrationCheckpoint>, CliError> {
    let Some(state) = CalibrationCheckpoint::read(path)? else { return Ok(None) };
    let cases: Vec<String> = cal.cases.iter().map(|c| sha256(&c.text)).collect();
    let other = |why: String| {
        CliError::Usage(format!(
            "{}: {why}; give another --checkpoint, or delete it to start again",
            path.display()
        ))
    };
    if state.config_sha256 != sha256(&cal.text) || state.cases_sha256 != cases {
        return Err(other("the checkpoint belongs to another calibration file or other cases".into()));
    }
    sampler.check_checkpoint(&state.sampler).map_err(|e| other(e.to_string()))?;
    Ok(Some(state))
}

/// Puts the timings so far and the threads used into the checkpoint.
fn record_laps(state: &mut CalibrationCheckpoint, laps: &Laps, sampler: &Sampler) {
    let seconds = laps.seconds.lock().unwrap_or_else(|e| e.into_inner()).clone();
    (state.generation_seconds, state.underway_seconds) = seconds;
    state.threads = state.threads.max(sampler.threads());
}

/// Saves the checkpoint, with the timings so far, if there is a file for it.
fn save(
    state: &mut CalibrationCheckpoint,
    laps: &Laps,
    sampler: &Sampler,
    path: Option<&Path>,
) -> Result<(), CliError> {
    let Some(path) = path else { return Ok(()) };
    record_laps(state, laps, sampler);
    Ok(state.write(path)?)
}

/// Computes this shard's slice of the checkpoint's next batch into a part folder.
fn shard_part(
    cal: &Calibration,
    settings: &Settings,
    sampler: &Sampler,
    checkpoint: (&CalibrationCheckpoint, &Path),
    shard: Shard,
    out: (OutputFolder, &PathBuf, Instant),
) -> Result<(), CliError> {
    let (state, path) = checkpoint;
    let (folder, target, started) = out;
    let batch = match sampler.step(&state.sampler) {
        Step::Batch(batch) => batch,
        Step::Done(_) => {
            return Err(CliError::Usage(format!(
                "{}: the calibration in this checkpoint has stopped; its folder was written by the merge of its last batch",
                path.display()
            )))
        }
    };
    let size = batch.proposals.end - batch.proposals.start;
    let slice = shard.slice(size);
    let range = batch.proposals.start + slice.start..batch.proposals.start + slice.end;
    let proposals: Vec<Proposal> = sampler.evaluate(&state.sampler, &batch, range.clone())?;
    let mut info = part_info(shard)?;
    info.inputs_sha256 = vec![sha256(&cal.text)];
    let wall = started.elapsed().as_secs_f64();
    let record = output::part_record(
        cal,
        "calibrate",
        settings,
        sampler.threads(),
        (target, wall, range.end - range.start),
        info,
    )
    .map_err(|e| OutputError::Io { path: target.join("run.json"), source: std::io::Error::other(e) })?;
    let work = CalibrationPart { checkpoint_sha256: state.sha256()?, batch: batch.clone(), proposals };
    let written = parts::write_part(folder, &record, &work)?;
    writeln!(
        std::io::stdout().lock(),
        "wrote part {shard} (proposals {}..{} of generation {}) to {}; `modsim merge` puts the parts together",
        range.start,
        range.end,
        batch.generation,
        written.display()
    )?;
    Ok(())
}

/// Absorbs the batch the parts hold into the checkpoint, counting the parts' wall
/// times as the batch's work.
fn absorb_parts(
    sampler: &Sampler,
    state: &mut CalibrationCheckpoint,
    merged: MergedBatch,
    laps: &Laps,
) -> Result<(), CliError> {
    let fingerprint = state.sha256()?;
    let mut proposals = Vec::new();
    let mut wall = 0.0;
    let Step::Batch(batch) = sampler.step(&state.sampler) else {
        return Err(CliError::Usage("cannot merge: the checkpoint's calibration has already stopped".into()));
    };
    for part in merged.parts {
        if part.work.checkpoint_sha256 != fingerprint || part.work.batch != batch {
            return Err(CliError::Usage(format!(
                "cannot merge: {} was computed from another checkpoint than the one there is now (an earlier batch, or another calibration); run the shards again",
                part.path.display()
            )));
        }
        let seconds = part.record.record.wall_time_seconds;
        wall += if seconds.is_finite() { seconds.max(0.0) } else { 0.0 };
        state.threads = state.threads.max(part.record.record.threads);
        proposals.extend(part.work.proposals);
    }
    laps.add(wall);
    sampler.absorb(&mut state.sampler, &batch, proposals).map_err(|e| match e {
        AbcError::Checkpoint(why) => CliError::Usage(format!("cannot merge: {why}")),
        other => other.into(),
    })
}
