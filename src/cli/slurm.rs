//! `modsim slurm [OPTIONS] -- COMMAND ARGS...`: a Slurm job array that runs the shards of
//! a command (`--shard K/N`, one array task each) and a merge job that waits for all of
//! them (`--dependency=afterok`, `--kill-on-invalid-dep=yes`, so a failed shard cancels
//! the merge instead of leaving it pending). Writes the two job scripts; with `--submit`
//! submits them (`sbatch --parsable`); with `--wait` follows them by polling `squeue` and
//! `scontrol` (not `sbatch --wait`, which backs off to about ten seconds) and reports a
//! failed shard with the end of its log.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::Duration;

use super::CliError;
use crate::output::checkpoint::CalibrationCheckpoint;

/// The options of `modsim slurm`.
#[derive(Debug, clap::Args)]
pub(super) struct SlurmArgs {
    /// Array tasks: the command runs as shards 1/N to N/N.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub parts: u64,
    /// Folder for the job scripts, the parts and the logs (default: slurm/<command>).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Slurm partition (default: the cluster's).
    #[arg(long)]
    pub partition: Option<String>,
    /// Time limit of each task, as Slurm writes it (e.g. 30, 2:00:00, 1-00:00:00).
    #[arg(long)]
    pub time: Option<String>,
    /// CPUs per array task; the shard runs with as many threads.
    #[arg(long, default_value_t = 1)]
    pub cpus_per_task: u32,
    /// The modsim the jobs run (default: this one).
    #[arg(long)]
    pub modsim: Option<PathBuf>,
    /// Submit both jobs.
    #[arg(long)]
    pub submit: bool,
    /// Submit, then follow the jobs until the merge ends; exit 1 if a shard or the
    /// merge failed.
    #[arg(long)]
    pub wait: bool,
    /// The command and its arguments, after `--`: run, compare, sweep, validate or
    /// calibrate, with its `--out` (the merged folder). A calibration runs one array and
    /// merge per batch of its sampler, with its checkpoint in the jobs' folder.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

/// The two scripts and where things go.
struct Jobs {
    dir: PathBuf,
    shards: String,
    merge: String,
    parts: u64,
    /// A calibration's checkpoint: the jobs run once per batch until it stops.
    checkpoint: Option<PathBuf>,
    /// The merged folder.
    out: PathBuf,
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn absolute(path: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(path).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// The job scripts for `args`.
fn jobs(args: &SlurmArgs) -> Result<Jobs, CliError> {
    let command = args.command[0].as_str();
    if !matches!(command, "run" | "compare" | "sweep" | "validate" | "calibrate") {
        return Err(CliError::Usage(format!(
            "`{command}` does not split into shards: give run, compare, sweep, validate or calibrate after --"
        )));
    }
    // The merged folder is the command's --out; the shards write parts instead.
    let mut rest = Vec::new();
    let mut out = None;
    let mut force = false;
    let mut words = args.command[1..].iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "--out" => out = words.next().cloned(),
            w if w.starts_with("--out=") => out = Some(w["--out=".len()..].to_owned()),
            "--force" => force = true,
            "--shard" => return Err(CliError::Usage("`modsim slurm` sets --shard itself".into())),
            w if w.starts_with("--shard=") => {
                return Err(CliError::Usage("`modsim slurm` sets --shard itself".into()))
            }
            _ => rest.push(word.clone()),
        }
    }
    let out =
        out.ok_or_else(|| CliError::Usage("give the command's --out: the folder the merge writes".into()))?;
    let cwd = std::env::current_dir().map_err(|e| CliError::Usage(format!("the working directory: {e}")))?;
    let dir = absolute(&args.dir.clone().unwrap_or_else(|| Path::new("slurm").join(command)))?;
    // #SBATCH lines are not shell: a path with blanks would be cut at the first one.
    if dir.to_string_lossy().chars().any(char::is_whitespace) {
        return Err(CliError::Usage(format!(
            "--dir {}: the job scripts' log paths cannot hold blanks; choose a folder without them",
            dir.display()
        )));
    }
    // A calibration's shards split each batch of the sampler; the checkpoint between
    // batches lives with the jobs unless the command line names one.
    let mut checkpoint = None;
    if command == "calibrate" {
        let given = rest
            .iter()
            .position(|w| w == "--checkpoint")
            .and_then(|i| rest.get(i + 1))
            .cloned()
            .or_else(|| rest.iter().find_map(|w| w.strip_prefix("--checkpoint=").map(str::to_owned)));
        let path = match given {
            Some(path) => cwd.join(path),
            None => {
                let path = dir.join("checkpoint.bin");
                rest.extend(["--checkpoint".to_owned(), path.display().to_string()]);
                path
            }
        };
        checkpoint = Some(path);
    }
    let modsim = match &args.modsim {
        Some(path) => absolute(path)?,
        None => std::env::current_exe().map_err(|e| CliError::Usage(format!("this modsim's path: {e}")))?,
    };
    let threads = if rest.iter().any(|w| w == "--threads" || w.starts_with("--threads=")) {
        String::new()
    } else {
        " --threads \"$SLURM_CPUS_PER_TASK\"".into()
    };
    let header = |name: &str, log: &str| {
        let mut h = format!(
            "#!/bin/bash\n#SBATCH --job-name={name}\n#SBATCH --output={}\n",
            dir.join("logs").join(log).display()
        );
        if let Some(p) = &args.partition {
            let _ = writeln!(h, "#SBATCH --partition={p}");
        }
        if let Some(t) = &args.time {
            let _ = writeln!(h, "#SBATCH --time={t}");
        }
        h
    };
    let words: Vec<String> = rest.iter().map(|w| quote(w)).collect();
    let mut shards = header("modsim-shards", "shard-%a.out");
    let _ =
        writeln!(shards, "#SBATCH --array=1-{}\n#SBATCH --cpus-per-task={}", args.parts, args.cpus_per_task);
    let _ = write!(
        shards,
        "set -euo pipefail\ncd {}\nexec {} {} {}{threads} --shard \"$SLURM_ARRAY_TASK_ID/{}\" --out {}\"/part-$SLURM_ARRAY_TASK_ID\" --force\n",
        quote(&cwd.display().to_string()),
        quote(&modsim.display().to_string()),
        quote(command),
        words.join(" "),
        args.parts,
        quote(&dir.join("parts").display().to_string()),
    );
    let parts: Vec<String> = (1..=args.parts)
        .map(|k| quote(&dir.join("parts").join(format!("part-{k}")).display().to_string()))
        .collect();
    let mut merge = header("modsim-merge", "merge.out");
    let _ = write!(
        merge,
        "set -euo pipefail\ncd {}\nexec {} merge {} --out {}{}\n",
        quote(&cwd.display().to_string()),
        quote(&modsim.display().to_string()),
        parts.join(" "),
        quote(&out),
        if force { " --force" } else { "" },
    );
    Ok(Jobs { dir, shards, merge, parts: args.parts, checkpoint, out: cwd.join(&out) })
}

/// Runs a Slurm command and returns its standard output.
fn slurm(program: &str, args: &[&str]) -> Result<String, CliError> {
    let output = Process::new(program)
        .args(args)
        .output()
        .map_err(|e| CliError::Usage(format!("cannot run {program} (is this a Slurm login node?): {e}")))?;
    if !output.status.success() {
        return Err(CliError::Slurm(format!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `sbatch --parsable` prints "id" or "id;cluster".
fn job_id(printed: &str) -> String {
    printed.trim().split(';').next().unwrap_or_default().to_owned()
}

/// Writes the scripts; submits and follows them if asked. A calibration's jobs run
/// once per batch of the sampler, each after the last one merged, until it stops.
pub(super) fn slurm_command(args: &SlurmArgs) -> Result<(), CliError> {
    let jobs = jobs(args)?;
    if jobs.checkpoint.is_some() && args.submit && !args.wait {
        return Err(CliError::Usage(
            "a calibration runs batch by batch, each batch an array and a merge: use --wait, and this command submits them in turn".into(),
        ));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |e: std::io::Error| CliError::Usage(format!("cannot write {}: {e}", path.display()))
    };
    for sub in ["logs", "parts"] {
        std::fs::create_dir_all(jobs.dir.join(sub)).map_err(io(&jobs.dir.join(sub)))?;
    }
    if args.submit || args.wait {
        clear_previous(&jobs)?;
        // A new calibration starts from its first batch.
        if let Some(checkpoint) = &jobs.checkpoint {
            remove_if_there(checkpoint)?;
        }
    }
    let (shards, merge) = (jobs.dir.join("shards.sh"), jobs.dir.join("merge.sh"));
    std::fs::write(&shards, &jobs.shards).map_err(io(&shards))?;
    std::fs::write(&merge, &jobs.merge).map_err(io(&merge))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "wrote {} ({} array tasks) and {}", shards.display(), jobs.parts, merge.display())?;
    if !(args.submit || args.wait) {
        let submit = format!(
            "id=$(sbatch --parsable {}) && sbatch --dependency=afterok:$id --kill-on-invalid-dep=yes {}",
            shards.display(),
            merge.display()
        );
        match &jobs.checkpoint {
            None => writeln!(stdout, "submit with: {submit}")?,
            Some(_) => writeln!(
                stdout,
                "a calibration needs one array and merge per batch: run this command with --wait, or submit with: until [ -e {}/run.json ]; do {} --wait || break; done",
                quote(&jobs.out.display().to_string()),
                submit.replace("sbatch --dependency", "sbatch --wait --dependency")
            )?,
        }
        return Ok(());
    }
    drop(stdout);
    for batch in 1.. {
        let shards_job = job_id(&slurm("sbatch", &["--parsable", &shards.display().to_string()])?);
        let merge_job = job_id(&slurm(
            "sbatch",
            &[
                "--parsable",
                &format!("--dependency=afterok:{shards_job}"),
                "--kill-on-invalid-dep=yes",
                &merge.display().to_string(),
            ],
        )?);
        let what = if jobs.checkpoint.is_some() { format!("batch {batch}: ") } else { String::new() };
        writeln!(
            std::io::stdout().lock(),
            "{what}submitted the shards as job {shards_job} and the merge as job {merge_job}; follow with: squeue -j {shards_job},{merge_job}; logs in {}",
            jobs.dir.join("logs").display()
        )?;
        if !args.wait {
            break;
        }
        follow(&jobs, &shards_job, &merge_job)?;
        let Some(checkpoint) = &jobs.checkpoint else { break };
        let finished = CalibrationCheckpoint::read(checkpoint)?.is_some_and(|c| c.finished);
        if finished {
            break;
        }
        clear_previous(&jobs)?;
    }
    Ok(())
}

fn remove_if_there(path: &Path) -> Result<(), CliError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(CliError::Usage(format!("cannot clear {} from an earlier submission: {e}", path.display())))
        }
        _ => Ok(()),
    }
}

/// Removes what an earlier submission from the same folder left (its parts, which modsim
/// made, and its logs), so that a shard that fails now is not hidden by an old part.
fn clear_previous(jobs: &Jobs) -> Result<(), CliError> {
    let remove = |result: std::io::Result<()>, path: &Path| {
        result.or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) }).map_err(
            |e| CliError::Usage(format!("cannot clear {} from an earlier submission: {e}", path.display())),
        )
    };
    for k in 1..=jobs.parts {
        let part = jobs.dir.join("parts").join(format!("part-{k}"));
        if part.join("run.json").is_file() {
            remove(std::fs::remove_dir_all(&part), &part)?;
        }
        let log = jobs.dir.join("logs").join(format!("shard-{k}.out"));
        remove(std::fs::remove_file(&log), &log)?;
    }
    let log = jobs.dir.join("logs").join("merge.out");
    remove(std::fs::remove_file(&log), &log)
}

/// Polls until both jobs have left the queue, then says how they ended.
fn follow(jobs: &Jobs, shards_job: &str, merge_job: &str) -> Result<(), CliError> {
    let both = format!("{shards_job},{merge_job}");
    // A busy controller may not answer one poll: give up only after ten seconds of
    // failures in a row (the jobs go on either way).
    let mut failures = 0;
    loop {
        match slurm("squeue", &["-h", "-j", &both, "-o", "%i"]) {
            Ok(queued) if queued.trim().is_empty() => break,
            Ok(_) => failures = 0,
            Err(e) if failures >= 40 => return Err(e),
            Err(_) => failures += 1,
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let merge_state = slurm("scontrol", &["show", "job", merge_job, "-o"]).unwrap_or_default();
    if merge_state.contains("JobState=COMPLETED") {
        writeln!(
            std::io::stdout().lock(),
            "the merge finished: {}",
            jobs.dir.join("logs").join("merge.out").display()
        )?;
        return Ok(());
    }
    // A shard that did not write its part failed; show the end of its log.
    let mut report = String::new();
    for k in 1..=jobs.parts {
        if !jobs.dir.join("parts").join(format!("part-{k}")).join("run.json").is_file() {
            let log = jobs.dir.join("logs").join(format!("shard-{k}.out"));
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect();
            let _ = writeln!(report, "shard {k} of {} failed; the end of {}:", jobs.parts, log.display());
            for line in tail {
                let _ = writeln!(report, "    {line}");
            }
        }
    }
    if report.is_empty() {
        let log = jobs.dir.join("logs").join("merge.out");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = write!(report, "the merge did not finish; {}:\n{}", log.display(), text.trim_end());
    } else {
        report.push_str("the merge was cancelled; fix the cause and submit again");
    }
    Err(CliError::Slurm(report.trim_end().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(command: &[&str]) -> SlurmArgs {
        SlurmArgs {
            parts: 3,
            dir: Some(PathBuf::from("/tmp/jobs")),
            partition: Some("long".into()),
            time: Some("1:00:00".into()),
            cpus_per_task: 2,
            modsim: Some(PathBuf::from("/opt/modsim")),
            submit: false,
            wait: false,
            command: command.iter().map(|w| w.to_string()).collect(),
        }
    }

    #[test]
    fn the_array_runs_each_shard_and_the_merge_puts_them_together() {
        let jobs = jobs(&args(&["sweep", "a b.toml", "--vary", "x=1,2", "--out", "out"])).unwrap();
        assert!(jobs.shards.contains("#SBATCH --array=1-3\n#SBATCH --cpus-per-task=2\n"), "{}", jobs.shards);
        assert!(jobs.shards.contains("#SBATCH --partition=long\n#SBATCH --time=1:00:00\n"));
        assert!(jobs.shards.contains("#SBATCH --output=/tmp/jobs/logs/shard-%a.out"));
        assert!(jobs.shards.contains(
            "exec '/opt/modsim' 'sweep' 'a b.toml' '--vary' 'x=1,2' --threads \"$SLURM_CPUS_PER_TASK\" --shard \"$SLURM_ARRAY_TASK_ID/3\" --out '/tmp/jobs/parts'\"/part-$SLURM_ARRAY_TASK_ID\" --force"
        ), "{}", jobs.shards);
        assert!(jobs.merge.contains(
            "exec '/opt/modsim' merge '/tmp/jobs/parts/part-1' '/tmp/jobs/parts/part-2' '/tmp/jobs/parts/part-3' --out 'out'"
        ), "{}", jobs.merge);
    }

    #[test]
    fn a_force_goes_to_the_merge_and_the_shards_force_their_parts_once() {
        let jobs = jobs(&args(&["run", "a.toml", "--force", "--out", "o"])).unwrap();
        assert_eq!(jobs.shards.matches("--force").count(), 1, "{}", jobs.shards);
        assert!(jobs.merge.contains("--out 'o' --force\n"), "{}", jobs.merge);
        let without = jobs_of(&["run", "a.toml", "--out", "o"]);
        assert!(!without.merge.contains("--force"), "{}", without.merge);
    }

    fn jobs_of(command: &[&str]) -> Jobs {
        jobs(&args(command)).unwrap()
    }

    #[test]
    fn a_calibration_keeps_its_checkpoint_with_the_jobs() {
        let jobs = jobs_of(&["calibrate", "lib.toml", "--out", "o"]);
        assert_eq!(jobs.checkpoint, Some(PathBuf::from("/tmp/jobs/checkpoint.bin")));
        assert!(
            jobs.shards
                .contains("'calibrate' 'lib.toml' '--checkpoint' '/tmp/jobs/checkpoint.bin' --threads"),
            "{}",
            jobs.shards
        );
        let given = jobs_of(&["calibrate", "lib.toml", "--checkpoint=/data/c.bin", "--out", "o"]);
        assert_eq!(given.checkpoint, Some(PathBuf::from("/data/c.bin")));
        assert_eq!(given.shards.matches("--checkpoint").count(), 1, "{}", given.shards);
        assert_eq!(jobs_of(&["sweep", "a.toml", "--out", "o"]).checkpoint, None);
    }

    #[test]
    fn commands_that_do_not_split_are_refused() {
        assert!(jobs(&args(&["check", "a.toml", "--out", "o"])).is_err());
        let mut blank = args(&["run", "a.toml", "--out", "o"]);
        blank.dir = Some(PathBuf::from("/tmp/my jobs"));
        assert!(jobs(&blank).is_err(), "a --dir with blanks");
        assert!(jobs(&args(&["run", "a.toml"])).is_err(), "no --out");
        assert!(jobs(&args(&["run", "a.toml", "--out", "o", "--shard", "1/2"])).is_err());
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(job_id("42;cluster\n"), "42");
    }
}
