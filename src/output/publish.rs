//! Publishing an experiment: run the labelled scenarios of a [`Plan`] and fill its
//! output folder with the tables, the command's own table, run.json, the report and
//! the charts. The folder appears whole or not at all (see [`OutputFolder`]); a report
//! that cannot be built or written does not take the tables and run.json with it.
//!
//! `run`, `compare` and `sweep` share this pipeline; each adds only its labels, its
//! own table and its terminal summary. Nothing here reads arguments or draws on the
//! terminal: the caller passes a [`Progress`] and prints what it likes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::experiment::posterior::{Drawn, Plays};
use crate::experiment::shard::Shard;
use crate::experiment::sweep::TargetFindings;
use crate::experiment::{self, ExperimentError, Precision, RunConfig, RunResults};
use crate::output::parts::{self, MergedRuns, PartInfo, PartRecord, PART_FILES};
use crate::output::report::{self, ReportError};
use crate::output::tables::{self, Labeled, RunFacts, RunRecord};
use crate::output::takedown;
use crate::output::{OutputError, OutputFolder};
use crate::scenario::{LoadedScenario, ScenarioError};

/// The tables every experiment writes, in this order.
pub const TABLES: [&str; 6] =
    ["summary.csv", "replications.csv", "blocks.csv", "survival.csv", "events.csv", "timeseries.csv"];

/// The table of measured takedown delays, written when a scenario has a category
/// whose attention fades.
pub const TAKEDOWN: &str = "takedown.csv";

/// The report files every experiment writes.
const REPORT: [&str; 2] = ["report.html", "report.md"];

/// Why an experiment could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    /// A particle of a posterior does not fit its scenario; nothing was written.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The progress asked the run to stop; the target folder was not touched.
    #[error("interrupted after {done} of {planned} replications: nothing was written, {} is as it was", target.display())]
    Interrupted { target: PathBuf, done: u64, planned: u64 },
    #[error(transparent)]
    Report(#[from] ReportError),
    /// Parts that cannot make this folder.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// The tables and run.json are in place; the report (or a chart) is not.
    #[error("{} holds the tables and run.json, but not the report: run `modsim report {}` once the cause is fixed", target.display(), target.display())]
    ReportNotWritten {
        target: PathBuf,
        #[source]
        source: Box<PublishError>,
    },
}

/// What a plan reports while it runs: the experiment's progress, and the moment the
/// simulation is over, so a display can be taken down before the files are written.
pub trait Progress: experiment::Progress {
    /// The simulation has ended (finished, failed or cancelled).
    fn finished(&self) {}
}

impl Progress for () {}

/// What one experiment runs: labelled scenarios, how, and where the results go.
pub struct Plan {
    /// "run", "compare" or "sweep", as run.json records it.
    pub command: &'static str,
    /// Each run's label and scenario; the first is the baseline.
    pub runs: Vec<(String, LoadedScenario)>,
    /// The output folder to replace.
    pub target: PathBuf,
    pub config: RunConfig,
    /// Add replications until this precision is reached (`--precision`).
    pub precision: Option<Precision>,
    /// The overrides given on the command line, as run.json records them.
    pub overrides: Vec<String>,
    /// Replace the target even if modsim did not make it.
    pub force: bool,
    /// Draw the charts (the report is written either way).
    pub charts: bool,
    /// Compute only this part of the work into a partial folder.
    pub shard: Option<(Shard, PartInfo)>,
    /// Take the work from merged parts instead of simulating it.
    pub merged: Option<Arc<MergedRuns>>,
}

/// What [`Plan::execute`] did: the whole experiment, or a shard's part of it.
pub enum Executed {
    /// The results and the open folder for the command's own files.
    Whole(Vec<RunResults>, OutputFolder),
    /// A part was written; the message says which and where.
    Part(String),
}

impl Plan {
    /// Runs the plan and writes the common tables, with `labels_of(i)` as the label
    /// columns of run `i`. Returns the results (one per run) and the open output
    /// folder for the command's own files.
    pub fn execute(
        &self,
        labels_of: impl Fn(usize) -> Vec<(String, String)>,
        progress: &impl Progress,
    ) -> Result<Executed, PublishError> {
        // A posterior's particles, each checked, before anything is written.
        let drawn: Vec<Option<Drawn>> =
            self.runs.iter().map(|(_, l)| Drawn::new(l)).collect::<Result<_, _>>()?;
        let plays: Vec<Plays> = self
            .runs
            .iter()
            .zip(&drawn)
            .map(|((_, l), d)| d.as_ref().map_or(Plays::Scenario(&l.scenario), Plays::Posterior))
            .collect();
        if let Some((shard, info)) = &self.shard {
            return self.write_part(*shard, info, &plays, progress);
        }
        if let Some(merged) = &self.merged {
            self.check_merged(merged)?;
        }
        // Fail on an unusable target before spending time on the simulation.
        let folder = OutputFolder::create(&self.target, self.force)?;
        let results = match self.merged.as_ref().and_then(|m| m.take().map(|o| (m, o))) {
            Some((merged, outcomes)) => {
                experiment::aggregate(&plays, &self.config, outcomes, merged.threads, merged.wall_time)
            }
            None => experiment::run_all(&plays, &self.config, self.precision.as_ref(), progress),
        };
        progress.finished();
        let results = match results {
            Err(ExperimentError::Cancelled { done, planned }) => {
                return Err(PublishError::Interrupted { target: self.target.clone(), done, planned })
            }
            other => other?,
        };
        let start = self.runs[0].1.scenario.start;
        let labeled: Vec<Labeled> = results
            .iter()
            .enumerate()
            .map(|(i, r)| Labeled { labels: labels_of(i), results: r, differences: None })
            .collect();
        folder.write_table("summary.csv", |w| tables::summary_csv(w, &labeled))?;
        folder.write_table("replications.csv", |w| tables::replications_csv(w, &labeled))?;
        folder.write_table("blocks.csv", |w| tables::blocks_csv(w, &labeled, start))?;
        folder.write_table("survival.csv", |w| tables::survival_csv(w, &labeled))?;
        folder.write_table("events.csv", |w| tables::events_csv(w, &labeled, start))?;
        folder.write_table("timeseries.csv", |w| tables::timeseries_csv(w, &labeled, start))?;
        if takedown::has_takedowns(&results) {
            folder.write_table(TAKEDOWN, |w| takedown::takedown_csv(w, &labeled))?;
        }
        Ok(Executed::Whole(results, folder))
    }

    /// Computes this shard's replications and writes them as a partial folder.
    fn write_part(
        &self,
        shard: Shard,
        info: &PartInfo,
        plays: &[Plays],
        progress: &impl Progress,
    ) -> Result<Executed, PublishError> {
        let folder = OutputFolder::create(&self.target, self.force)?;
        let ranges = shard.replications(plays.len(), self.config.replications);
        let started = Instant::now();
        let outcomes = experiment::run_part(plays, &self.config, &ranges, progress);
        progress.finished();
        let outcomes = match outcomes {
            Err(ExperimentError::Cancelled { done, planned }) => {
                return Err(PublishError::Interrupted { target: self.target.clone(), done, planned })
            }
            other => other?,
        };
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(self.config.threads)
            .build()
            .map_or(1, |p| p.current_num_threads());
        let facts = RunFacts {
            seed: self.config.seed,
            replications: self.config.replications,
            threads,
            precision: None,
            wall_time: started.elapsed(),
        };
        let loaded: Vec<(String, &LoadedScenario)> = self.runs.iter().map(|(l, s)| (l.clone(), s)).collect();
        let record = PartRecord {
            record: RunRecord::of_runs(
                self.command,
                &loaded,
                &self.overrides,
                &facts,
                self.runs.len(),
                &PART_FILES,
                &self.target,
            ),
            part: info.clone(),
        };
        let mut json = serde_json::to_vec_pretty(&record).unwrap_or_default();
        json.push(b'\n');
        let target = parts::write_part(folder, &json, &outcomes)?;
        let computed: u64 = ranges.iter().map(|r| r.end - r.start).sum();
        Ok(Executed::Part(format!(
            "wrote part {shard} ({computed} of {} replications) to {}; `modsim merge` puts the parts together\n",
            self.config.replications * self.runs.len() as u64,
            target.display()
        )))
    }

    /// Merged parts must come from these very scenario files.
    fn check_merged(&self, merged: &MergedRuns) -> Result<(), PublishError> {
        let loaded: Vec<(String, &LoadedScenario)> = self.runs.iter().map(|(l, s)| (l.clone(), s)).collect();
        let facts =
            RunFacts { seed: 0, replications: 0, threads: 0, precision: None, wall_time: Default::default() };
        let now = RunRecord::of_runs(self.command, &loaded, &[], &facts, 0, &[], &self.target);
        if now.scenario_sha256 != merged.scenario_sha256 || parts::posteriors(&now) != merged.posterior_sha256
        {
            return Err(PublishError::Merge(
                "the scenario or posterior files changed since the parts ran (their SHA-256 differ); run the shards again"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Writes the command's own table (if any, in the summary.csv layout) and run.json
    /// (with a sweep's answer to `--target`, if any). Returns the files the folder will
    /// hold.
    pub fn record_run(
        &self,
        folder: &OutputFolder,
        results: &[RunResults],
        own_table: Option<(&'static str, &[Labeled])>,
        target: Option<&TargetFindings>,
    ) -> Result<Vec<&'static str>, PublishError> {
        let mut files = Vec::new();
        if let Some((file, runs)) = own_table {
            folder.write_table(file, |w| tables::summary_csv(w, runs))?;
            files.push(file);
        }
        files.extend(TABLES);
        if takedown::has_takedowns(results) {
            files.push(TAKEDOWN);
        }
        files.push("run.json");
        files.extend(REPORT);
        if self.charts {
            files.push("charts/");
        }
        folder.write("run.json", &self.record(results, &files, target))?;
        Ok(files)
    }

    /// Builds the report from the files written, exactly as `modsim report` builds it
    /// from a finished folder, and moves the folder into place; returns where it is.
    /// Callers drop their results first: the report needs only the files, and memory
    /// stays flat.
    ///
    /// The tables and run.json are committed whatever happens to the report: if it
    /// cannot be built or written (a reader that rejects a value, a full disk), the
    /// folder goes into place without it and the error says so.
    pub fn publish(&self, folder: OutputFolder) -> Result<PathBuf, PublishError> {
        publish_with_report(folder, self.charts)
    }

    fn record(&self, results: &[RunResults], files: &[&str], target: Option<&TargetFindings>) -> Vec<u8> {
        let loaded: Vec<(String, &LoadedScenario)> = self.runs.iter().map(|(l, s)| (l.clone(), s)).collect();
        let mut record = RunRecord::new(
            self.command,
            &loaded,
            &self.overrides,
            &results[0],
            results.len(),
            files,
            &self.target,
        );
        record.target = target.cloned();
        record.to_json()
    }
}

/// Builds the report of `folder` from the files written, exactly as `modsim report`
/// builds it from a finished folder, and moves the folder into place; returns where
/// it is. The tables and run.json are committed whatever happens to the report: if it
/// cannot be built or written (a reader that rejects a value, a full disk), the folder
/// goes into place without it and the error says so.
pub fn publish_with_report(folder: OutputFolder, charts: bool) -> Result<PathBuf, PublishError> {
    let report = write_report(&folder, charts);
    if report.is_err() {
        // A partial report must not pass for a whole one; if this fails, the folder is
        // still usable and `modsim report` rewrites it.
        for entry in REPORT.iter().chain(&["charts"]) {
            let _ = folder.remove(entry);
        }
    }
    let target = folder.commit()?;
    match report {
        Ok(()) => Ok(target),
        Err(source) => Err(PublishError::ReportNotWritten { target, source: Box::new(source) }),
    }
}

fn write_report(folder: &OutputFolder, charts: bool) -> Result<(), PublishError> {
    for f in report::build(&|file| folder.open(file), charts)? {
        folder.write(&f.path, &f.bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario;

    fn whole(executed: Executed) -> (Vec<RunResults>, OutputFolder) {
        match executed {
            Executed::Whole(results, folder) => (results, folder),
            Executed::Part(_) => panic!("a plan without a shard runs whole"),
        }
    }

    fn plan(target: &Path, charts: bool) -> Plan {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/hand-computed.toml");
        let loaded = scenario::load_with(&path, &[]).unwrap();
        let config = RunConfig { replications: 2, seed: loaded.scenario.seed, threads: 1 };
        Plan {
            command: "run",
            runs: vec![("baseline".into(), loaded)],
            target: target.to_owned(),
            config,
            precision: None,
            overrides: vec!["platform.review.moderators=3".into()],
            force: false,
            charts,
            shard: None,
            merged: None,
        }
    }

    /// The plan's folder with its tables and run.json written, not yet published.
    fn recorded(plan: &Plan) -> OutputFolder {
        let (results, folder) = whole(plan.execute(|_| Vec::new(), &()).unwrap());
        plan.record_run(&folder, &results, None, None).unwrap();
        folder
    }

    #[test]
    fn publishing_writes_the_tables_the_record_and_the_report() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let plan = plan(&target, false);
        let (results, folder) = whole(plan.execute(|_| Vec::new(), &()).unwrap());
        let files = plan.record_run(&folder, &results, None, None).unwrap();
        assert_eq!(files, [&TABLES[..], &["run.json"], &REPORT[..]].concat());
        assert!(!target.exists(), "nothing appears before publish");
        assert_eq!(plan.publish(folder).unwrap(), target);
        for file in &files {
            assert!(target.join(file).is_file(), "{file}");
        }
        assert!(!target.join("charts").exists());
        let record: RunRecord =
            serde_json::from_slice(&std::fs::read(target.join("run.json")).unwrap()).unwrap();
        assert_eq!((record.command.as_str(), record.replications), ("run", 2));
        assert_eq!(record.overrides, ["platform.review.moderators=3"]);
        assert_eq!(record.files, files);
    }

    #[test]
    fn a_command_table_comes_first_and_charts_last() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan(&dir.path().join("out"), true);
        let (results, folder) = whole(plan.execute(|_| vec![("variant".into(), "a".into())], &()).unwrap());
        let labeled: Vec<Labeled> = results
            .iter()
            .map(|r| Labeled { labels: vec![("variant".into(), "a".into())], results: r, differences: None })
            .collect();
        let files = plan.record_run(&folder, &results, Some(("compare.csv", &labeled)), None).unwrap();
        assert_eq!(files.first(), Some(&"compare.csv"));
        assert_eq!(files.last(), Some(&"charts/"));
    }

    #[test]
    fn a_report_that_fails_leaves_the_tables_and_the_record_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let plan = plan(&target, true);
        let folder = recorded(&plan);
        // A report that cannot be built: the reader rejects this run.json.
        folder.write("run.json", b"not json").unwrap();
        folder.write("report.md", b"half").unwrap();
        let Err(e) = plan.publish(folder) else { panic!("the report must fail") };
        assert!(matches!(e, PublishError::ReportNotWritten { .. }), "{e:?}");
        assert!(e.to_string().contains("run `modsim report"), "{e}");
        for table in TABLES {
            assert!(target.join(table).is_file(), "{table}");
        }
        assert!(!target.join("report.md").exists(), "a partial report is not left");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no staging folder is left");
    }

    /// A progress that has already been cancelled, and notes whether it was told the
    /// simulation ended.
    struct Cancelled(std::sync::atomic::AtomicBool);

    impl experiment::Progress for Cancelled {
        fn cancelled(&self) -> bool {
            true
        }
    }

    impl Progress for Cancelled {
        fn finished(&self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn a_cancelled_run_leaves_the_previous_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let first = plan(&target, false);
        first.publish(recorded(&first)).unwrap();
        let previous = std::fs::read(target.join("run.json")).unwrap();
        let progress = Cancelled(Default::default());
        let Err(e) = plan(&target, false).execute(|_| Vec::new(), &progress) else {
            panic!("a cancelled run must fail");
        };
        assert!(matches!(e, PublishError::Interrupted { .. }), "{e:?}");
        let expected = format!(
            "interrupted after 0 of 2 replications: nothing was written, {} is as it was",
            target.display()
        );
        assert_eq!(e.to_string(), expected);
        assert!(progress.0.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(std::fs::read(target.join("run.json")).unwrap(), previous);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no staging folder is left");
    }
}
