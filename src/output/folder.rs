//! Output folders that appear whole or not at all, and that replace only what modsim
//! made.
//!
//! Files are written into a staging folder beside the target and swapped into place at
//! the end, so a failed or interrupted run leaves the previous results intact. Beside a
//! target `NAME` live, for the length of a command at most:
//!
//! - `.NAME.lock`: an advisory lock, held while a process inspects or swaps the target
//!   (not while it simulates), so concurrent runs take turns; removed when released.
//! - `.NAME.partial-PID`: a staging folder, locked by its process for as long as it
//!   lives; one that nobody holds was left by a killed run and is removed.
//! - `.NAME.previous`: the old target during a swap. Found with the target missing, the
//!   swap was interrupted between its two renames and is undone; found beside the
//!   target, the swap finished and the old results are removed.
//!
//! A target is replaced only if it is a folder that modsim made: its run.json is
//! modsim's and lists every file the folder holds. `--force` lifts that check for
//! folders, never for files or devices.
//!
//! This file is long because its tests exercise every state a killed or
//! concurrent run can leave behind, next to the code that handles it.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use crate::output::tables::RunRecord;

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} exists and was not made by modsim (it has no run.json); choose another --out, or add --force to replace it", path.display())]
    ForeignFolder { path: PathBuf },
    /// The target is a file, a device or a link: never replaced, even with `--force`.
    #[error("{} is {found}, not a folder; modsim replaces only folders it made, even with --force; choose another --out", path.display())]
    NotAFolder { path: PathBuf, found: &'static str },
    /// The target's run.json does not read as modsim's.
    #[error("{} has a run.json that modsim did not write ({reason}); choose another --out, or add --force to replace it", path.display())]
    NotARecord { path: PathBuf, reason: String },
    /// The target holds files its run.json does not list.
    #[error("{} holds files modsim did not write ({}); move them away or choose another --out, or add --force to replace the folder with them", path.display(), files.join(", "))]
    UnknownFiles { path: PathBuf, files: Vec<String> },
    /// The old results could not be removed once replaced; found before they were hidden.
    #[error("cannot replace {}: modsim may not remove the files in {}; the previous results are as they were", target.display(), dir.display())]
    Unremovable { target: PathBuf, dir: PathBuf, source: io::Error },
    /// The folder was replaced by another command while this one built its new version.
    #[error("{} changed while modsim was writing it; it is as the other command left it, run this one again", path.display())]
    Changed { path: PathBuf },
    #[error("cannot encode {file}: {source}")]
    Csv { file: &'static str, source: csv::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError {
    let path = path.to_owned();
    move |source| OutputError::Io { path, source }
}

/// A folder being filled; `commit` moves it into place.
pub struct OutputFolder {
    place: Place,
    staging: PathBuf,
    /// Held while the staging folder exists, so other runs see that it is in use.
    _staging_lock: Option<File>,
    /// Replace the target even if modsim did not make it (`--force`).
    force: bool,
    /// For [`OutputFolder::update`]: the folder this is a new version of.
    updating: Option<FileId>,
    committed: bool,
}

impl OutputFolder {
    /// Starts a folder that will replace `target`. A target that modsim did not make is
    /// refused unless `force`; one that is not a folder always.
    pub fn create(target: &Path, force: bool) -> Result<OutputFolder, OutputError> {
        let place = Place::of(target);
        fs::create_dir_all(&place.parent).map_err(io_err(&place.parent))?;
        let _lock = place.lock()?;
        place.tidy()?;
        check_replaceable(target, force)?;
        check_removable(target)?;
        OutputFolder::start(place, force, None)
    }

    /// Starts a new version of the existing folder `target`: it holds everything the
    /// folder holds now (hard links, or copies where links are impossible) except the
    /// top-level entries `replaced`, which the caller writes anew. `commit` swaps it in,
    /// unless another command replaced the folder meanwhile.
    pub fn update(target: &Path, replaced: &[&str]) -> Result<OutputFolder, OutputError> {
        let place = Place::of(target);
        let _lock = place.lock()?;
        place.tidy()?;
        let meta = fs::symlink_metadata(target).map_err(io_err(target))?;
        if !meta.is_dir() {
            return Err(OutputError::NotAFolder {
                path: target.to_owned(),
                found: describe(&meta.file_type()),
            });
        }
        check_removable(target)?;
        // Nothing the user added is lost, so the folder need not be modsim's alone.
        let folder = OutputFolder::start(place, true, Some(FileId::of(&meta)))?;
        let _ = fs::set_permissions(&folder.staging, meta.permissions());
        for entry in fs::read_dir(target).map_err(io_err(target))? {
            let entry = entry.map_err(io_err(target))?;
            let name = entry.file_name();
            if replaced.iter().any(|r| name == **r) {
                continue;
            }
            link_tree(&entry.path(), &folder.staging.join(&name))?;
        }
        Ok(folder)
    }

    /// Makes the staging folder; the caller holds the target's lock, so no other run
    /// can take it for a dead one's before it is locked.
    fn start(place: Place, force: bool, updating: Option<FileId>) -> Result<OutputFolder, OutputError> {
        let staging = place.staging(std::process::id());
        if fs::symlink_metadata(&staging).is_ok() {
            // Left by an earlier process with this id: it cannot be alive.
            fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        fs::create_dir(&staging).map_err(io_err(&staging))?;
        let staging_lock = File::open(&staging).ok().filter(|f| f.try_lock().is_ok());
        Ok(OutputFolder { place, staging, _staging_lock: staging_lock, force, updating, committed: false })
    }

    /// Writes `file` (a path relative to the folder; subfolders are made as needed).
    pub fn write(&self, file: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.staging.join(file);
        let err = |source| OutputError::Io { path: self.place.target.join(file), source };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(err)?;
        }
        fs::write(&path, bytes).map_err(err)
    }

    /// Streams a CSV table into `file`.
    pub fn write_table(
        &self,
        file: &'static str,
        table: impl FnOnce(&mut dyn io::Write) -> csv::Result<()>,
    ) -> Result<(), OutputError> {
        let path = self.staging.join(file);
        let target = self.place.target.join(file);
        let f = fs::File::create(&path).map_err(io_err(&target))?;
        let mut out = io::BufWriter::new(f);
        table(&mut out).map_err(|source| OutputError::Csv { file, source })?;
        io::Write::flush(&mut out).map_err(io_err(&target))
    }

    /// Opens a file written so far, for reading.
    pub fn open(&self, file: &str) -> Option<Box<dyn io::Read>> {
        let f = fs::File::open(self.staging.join(file)).ok()?;
        Some(Box::new(io::BufReader::new(f)))
    }

    /// Removes a file or subfolder written so far, if it is there.
    pub fn remove(&self, file: &str) -> Result<(), OutputError> {
        let path = self.staging.join(file);
        let result = match fs::symlink_metadata(&path) {
            Err(_) => Ok(()),
            Ok(m) if m.is_dir() => fs::remove_dir_all(&path),
            Ok(_) => fs::remove_file(&path),
        };
        result.map_err(io_err(&self.place.target.join(file)))
    }

    /// Replaces the target with the finished folder; returns where it is.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let target = self.place.target.clone();
        let _lock = self.place.lock()?;
        self.place.tidy()?;
        // Checked again: the target may have appeared or changed while we ran.
        let current = fs::symlink_metadata(&target).ok();
        if let Some(id) = self.updating {
            if current.as_ref().map(FileId::of) != Some(id) {
                return Err(OutputError::Changed { path: target });
            }
        }
        if current.is_none() {
            fs::rename(&self.staging, &target).map_err(io_err(&target))?;
        } else {
            check_replaceable(&target, self.force)?;
            check_removable(&target)?;
            // Swap rather than delete first, so the old results exist until the new
            // ones are in place; a run killed in between is undone by the next.
            let previous = self.place.previous();
            fs::rename(&target, &previous).map_err(io_err(&target))?;
            if let Err(source) = fs::rename(&self.staging, &target) {
                let _ = fs::rename(&previous, &target);
                return Err(OutputError::Io { path: target, source });
            }
            // The results are in place; if this fails, the next command removes it.
            let _ = fs::remove_dir_all(&previous);
        }
        self.committed = true;
        Ok(target)
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Finishes or undoes a swap of `target` that a killed command left half done, and
/// removes the staging folders of dead commands. Commands that only read a folder call
/// this first, so they see the results where they belong.
pub fn recover(target: &Path) -> Result<(), OutputError> {
    let place = Place::of(target);
    // Where no lock can be taken (a missing or read-only parent), no modsim command
    // can have left anything to settle either.
    match place.lock() {
        Ok(_lock) => place.tidy(),
        Err(_) => Ok(()),
    }
}

/// A target and the names of its companions beside it.
struct Place {
    target: PathBuf,
    parent: PathBuf,
    name: String,
}

impl Place {
    fn of(target: &Path) -> Place {
        // `.`, `..` or `/` name no entry of a parent; the folder's real path does.
        let real;
        let target = match target.file_name() {
            Some(_) => target,
            None => {
                real = fs::canonicalize(target).unwrap_or_else(|_| target.to_owned());
                &real
            }
        };
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().map_or("output".into(), |n| n.to_string_lossy().into_owned());
        Place { target: target.to_owned(), parent, name }
    }

    fn staging(&self, pid: u32) -> PathBuf {
        self.parent.join(format!(".{}.partial-{pid}", self.name))
    }

    fn previous(&self) -> PathBuf {
        self.parent.join(format!(".{}.previous", self.name))
    }

    fn lock(&self) -> Result<TargetLock, OutputError> {
        TargetLock::acquire(self.parent.join(format!(".{}.lock", self.name)))
    }

    /// Under the lock: settles a half-done swap and removes dead staging folders.
    fn tidy(&self) -> Result<(), OutputError> {
        let previous = self.previous();
        if fs::symlink_metadata(&previous).is_ok() {
            if fs::symlink_metadata(&self.target).is_err() {
                // Killed between its renames: the old results go back.
                fs::rename(&previous, &self.target).map_err(io_err(&self.target))?;
            } else {
                // Killed after the swap: the old results were on their way out.
                fs::remove_dir_all(&previous).map_err(io_err(&previous))?;
            }
        }
        self.remove_dead_staging();
        Ok(())
    }

    /// Removes `.NAME.partial-PID` folders that no live process holds.
    fn remove_dead_staging(&self) {
        let Ok(entries) = fs::read_dir(&self.parent) else { return };
        let prefix = format!(".{}.partial-", self.name);
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.strip_prefix(&prefix) else { continue };
            if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let path = entry.path();
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            // A live owner holds the lock; if nobody does, the owner is gone.
            let unheld = File::open(&path).is_ok_and(|f| f.try_lock().is_ok());
            if unheld {
                let _ = fs::remove_dir_all(&path);
            }
        }
    }
}

/// An exclusive advisory lock on a target, held by one process at a time. The file is
/// removed on release; a process that locked a file removed meanwhile tries again, so
/// removing it never lets two hold the lock.
struct TargetLock {
    path: PathBuf,
    _file: File,
}

impl TargetLock {
    fn acquire(path: PathBuf) -> Result<TargetLock, OutputError> {
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_err(&path))?;
            file.lock().map_err(io_err(&path))?;
            let locked = file.metadata().map_err(io_err(&path))?;
            match fs::symlink_metadata(&path) {
                Ok(now) if FileId::of(&now) == FileId::of(&locked) => {
                    return Ok(TargetLock { path, _file: file })
                }
                _ => continue,
            }
        }
    }
}

impl Drop for TargetLock {
    fn drop(&mut self) {
        // Removed while still held; the file closes (and unlocks) after this.
        let _ = fs::remove_file(&self.path);
    }
}

/// What identifies a file: device and inode where the platform has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId(u64, u64);

impl FileId {
    #[cfg(unix)]
    fn of(meta: &fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId(meta.dev(), meta.ino())
    }

    #[cfg(not(unix))]
    fn of(_meta: &fs::Metadata) -> FileId {
        FileId(0, 0)
    }
}

/// What a non-folder is, for messages.
fn describe(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_fifo() || kind.is_socket() {
            return "a special file";
        }
    }
    if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_file() {
        "a file"
    } else {
        "not a folder"
    }
}

/// The files a listed folder (`charts/`) holds: each chart as SVG and PNG.
const LISTED_FOLDER_FILES: [&str; 2] = ["svg", "png"];

/// Left by [`check_removable`] if it was killed in its instant.
const PROBE: &str = ".modsim-probe-";

/// Whether `target` may be replaced: it does not exist, or it is a folder that modsim
/// made (or any folder, with `force`).
fn check_replaceable(target: &Path, force: bool) -> Result<(), OutputError> {
    let meta = match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(OutputError::Io { path: target.to_owned(), source }),
        Ok(meta) => meta,
    };
    if !meta.is_dir() {
        return Err(OutputError::NotAFolder { path: target.to_owned(), found: describe(&meta.file_type()) });
    }
    if force {
        return Ok(());
    }
    let record_path = target.join("run.json");
    if !record_path.is_file() {
        return Err(OutputError::ForeignFolder { path: target.to_owned() });
    }
    let text = fs::read(&record_path).map_err(io_err(&record_path))?;
    let record: RunRecord = serde_json::from_slice(&text)
        .map_err(|e| OutputError::NotARecord { path: target.to_owned(), reason: e.to_string() })?;
    let files = unlisted(target, &record.files)?;
    if files.is_empty() {
        Ok(())
    } else {
        Err(OutputError::UnknownFiles { path: target.to_owned(), files })
    }
}

/// The entries of `dir` that `listed` (run.json's `files`) does not account for: a
/// listed file must be a file, a listed folder (`charts/`) a folder of charts.
fn unlisted(dir: &Path, listed: &[String]) -> Result<Vec<String>, OutputError> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().map_err(io_err(&entry.path()))?;
        if name.starts_with(PROBE) {
            continue;
        }
        if kind.is_file() && listed.contains(&name) {
            continue;
        }
        if kind.is_dir() && listed.contains(&format!("{name}/")) {
            for inner in fs::read_dir(entry.path()).map_err(io_err(&entry.path()))? {
                let inner = inner.map_err(io_err(&entry.path()))?;
                let file = inner.file_name().to_string_lossy().into_owned();
                let ext = Path::new(&file).extension().map(|e| e.to_string_lossy().into_owned());
                let chart = inner.file_type().is_ok_and(|t| t.is_file())
                    && ext.is_some_and(|e| LISTED_FOLDER_FILES.contains(&e.as_str()));
                if !chart && !file.starts_with(PROBE) {
                    found.push(format!("{name}/{file}"));
                }
            }
            continue;
        }
        found.push(if kind.is_dir() { format!("{name}/") } else { name });
    }
    found.sort();
    Ok(found)
}

/// Fails unless every folder in `target` lets this process remove its entries, so that
/// a swap never hides old results it then cannot delete (a `chmod 555` folder, or one
/// owned by another user). Tried by making and removing an empty folder in each.
fn check_removable(target: &Path) -> Result<(), OutputError> {
    if !fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()) {
        return Ok(());
    }
    let mut dirs = vec![target.to_owned()];
    while let Some(dir) = dirs.pop() {
        let probe = dir.join(format!("{PROBE}{}", std::process::id()));
        let unremovable =
            |source| OutputError::Unremovable { target: target.to_owned(), dir: dir.clone(), source };
        fs::create_dir(&probe).map_err(unremovable)?;
        fs::remove_dir(&probe).map_err(unremovable)?;
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))?.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                dirs.push(entry.path());
            }
        }
    }
    Ok(())
}

/// Recreates `from` at `to`: folders anew, files as hard links (copies where the file
/// system refuses links), symbolic links as links.
fn link_tree(from: &Path, to: &Path) -> Result<(), OutputError> {
    let meta = fs::symlink_metadata(from).map_err(io_err(from))?;
    if meta.is_dir() {
        fs::create_dir(to).map_err(io_err(to))?;
        for entry in fs::read_dir(from).map_err(io_err(from))? {
            let entry = entry.map_err(io_err(from))?;
            link_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        let _ = fs::set_permissions(to, meta.permissions());
        return Ok(());
    }
    #[cfg(unix)]
    if meta.file_type().is_symlink() {
        let link = fs::read_link(from).map_err(io_err(from))?;
        return std::os::unix::fs::symlink(link, to).map_err(io_err(to));
    }
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to).map_err(io_err(to))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A folder as modsim leaves it, with the record listing `files`.
    fn made_by_modsim(target: &Path, files: &[&str]) {
        let folder = OutputFolder::create(target, false).unwrap();
        let record = serde_json::json!({
            "modsim_version": "0", "command": "run", "scenario_files": [], "scenario_name": "s",
            "scenario_sha256": [], "overrides": [], "runs": [], "seed": 1, "replications": 1,
            "threads": 1, "horizon_days": 1.0, "precision": null, "output": "x",
            "wall_time_seconds": 0.0, "replications_per_second": 0.0, "files": files,
        });
        folder.write("run.json", &serde_json::to_vec(&record).unwrap()).unwrap();
        folder.write("summary.csv", b"old").unwrap();
        folder.write("charts/a.svg", b"<svg/>").unwrap();
        folder.commit().unwrap();
    }

    const FILES: [&str; 3] = ["run.json", "summary.csv", "charts/"];

    #[test]
    fn a_new_folder_appears_only_on_commit_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let folder = OutputFolder::create(&target, false).unwrap();
        folder.write("a/b.txt", b"x").unwrap();
        assert!(!target.exists());
        assert_eq!(folder.commit().unwrap(), target);
        assert_eq!(fs::read(target.join("a/b.txt")).unwrap(), b"x");
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn a_dropped_folder_removes_its_staging() {
        let dir = tempfile::tempdir().unwrap();
        let folder = OutputFolder::create(&dir.path().join("out"), false).unwrap();
        folder.write("x", b"x").unwrap();
        drop(folder);
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_modsim_folder_is_replaced_and_the_old_one_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        made_by_modsim(&target, &FILES);
        let folder = OutputFolder::create(&target, false).unwrap();
        folder.write("new", b"n").unwrap();
        folder.commit().unwrap();
        assert_eq!(names(&target), ["new"]);
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn files_the_record_does_not_list_are_named_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        made_by_modsim(&target, &FILES);
        fs::write(target.join("important.txt"), "mine").unwrap();
        fs::write(target.join("charts/notes.txt"), "mine").unwrap();
        fs::create_dir(target.join("data")).unwrap();
        let Err(e) = OutputFolder::create(&target, false) else { panic!("must refuse") };
        let OutputError::UnknownFiles { files, .. } = &e else { panic!("{e:?}") };
        assert_eq!(files, &["charts/notes.txt", "data/", "important.txt"]);
        assert!(e.to_string().contains("add --force"), "{e}");
        assert_eq!(names(dir.path()), ["out"]);
        // A file listed as a folder, or a folder listed as a file, is not modsim's either.
        let target = dir.path().join("other");
        made_by_modsim(&target, &["run.json", "summary.csv/", "charts"]);
        let Err(OutputError::UnknownFiles { files, .. }) = OutputFolder::create(&target, false) else {
            panic!("must refuse")
        };
        assert_eq!(files, ["charts/", "summary.csv"]);
    }

    #[test]
    fn a_record_that_is_not_modsims_is_refused_and_force_overrides_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("run.json"), "{}").unwrap();
        let Err(e) = OutputFolder::create(&target, false) else { panic!("must refuse") };
        assert!(matches!(e, OutputError::NotARecord { .. }), "{e:?}");
        assert!(e.to_string().contains("missing field"), "{e}");
        OutputFolder::create(&target, true).unwrap().commit().unwrap();
        assert_eq!(names(&target), Vec::<String>::new());
    }

    #[test]
    fn a_file_or_a_link_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        fs::write(&file, "mine").unwrap();
        let Err(e) = OutputFolder::create(&file, true) else { panic!("must refuse") };
        assert_eq!(e.to_string(), format!("{} is a file, not a folder; modsim replaces only folders it made, even with --force; choose another --out", file.display()));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        let Err(e) = OutputFolder::create(&link, true) else { panic!("must refuse") };
        assert!(matches!(e, OutputError::NotAFolder { found: "a symbolic link", .. }), "{e:?}");
        // A file that appears while the run is under way is refused at commit.
        let late = dir.path().join("late");
        let folder = OutputFolder::create(&late, true).unwrap();
        fs::write(&late, "mine").unwrap();
        assert!(matches!(folder.commit(), Err(OutputError::NotAFolder { .. })));
        assert_eq!(fs::read_to_string(&late).unwrap(), "mine");
        assert_eq!(names(dir.path()), ["file", "late", "link"]);
    }

    #[test]
    fn a_half_done_swap_is_undone_and_a_finished_one_tidied() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        made_by_modsim(&target, &FILES);
        // Killed between the renames: the old results are back before anything else.
        fs::rename(&target, dir.path().join(".out.previous")).unwrap();
        recover(&target).unwrap();
        assert_eq!(names(dir.path()), ["out"]);
        assert_eq!(fs::read(target.join("summary.csv")).unwrap(), b"old");
        // Killed after the swap: the leftover goes, and does not block the next run.
        fs::create_dir(dir.path().join(".out.previous")).unwrap();
        fs::write(dir.path().join(".out.previous/x"), "x").unwrap();
        let folder = OutputFolder::create(&target, false).unwrap();
        assert_eq!(names(dir.path()), [format!(".out.partial-{}", std::process::id()), "out".into()]);
        folder.commit().unwrap();
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn only_staging_folders_nobody_holds_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let dead = dir.path().join(".out.partial-4000000000");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join("summary.csv"), "half").unwrap();
        let alive = dir.path().join(".out.partial-4000000001");
        fs::create_dir(&alive).unwrap();
        let holder = File::open(&alive).unwrap();
        holder.try_lock().unwrap();
        let unrelated = dir.path().join(".out.partial-notes");
        fs::create_dir(&unrelated).unwrap();
        OutputFolder::create(&target, false).unwrap().commit().unwrap();
        assert_eq!(names(dir.path()), [".out.partial-4000000001", ".out.partial-notes", "out"]);
    }

    #[test]
    fn the_lock_is_exclusive_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let place = Place::of(&dir.path().join("out"));
        let lock = place.lock().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let parent = dir.path().to_owned();
            std::thread::spawn(move || {
                let _second = Place::of(&parent.join("out")).lock().unwrap();
                tx.send(()).unwrap();
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(rx.try_recv().is_err(), "a second holder while the first holds it");
        drop(lock);
        rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        waiter.join().unwrap();
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn an_update_keeps_every_other_file_and_replaces_the_named_ones() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        made_by_modsim(&target, &FILES);
        fs::write(target.join("important.txt"), "mine").unwrap();
        let folder = OutputFolder::update(&target, &["charts"]).unwrap();
        folder.write("charts/b.svg", b"new").unwrap();
        folder.commit().unwrap();
        assert_eq!(names(&target), ["charts", "important.txt", "run.json", "summary.csv"]);
        assert_eq!(names(&target.join("charts")), ["b.svg"]);
        assert_eq!(fs::read(target.join("summary.csv")).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["out"]);
        // Replaced by another command meanwhile: refused, the other's folder stays.
        fs::remove_file(target.join("important.txt")).unwrap();
        let folder = OutputFolder::update(&target, &[]).unwrap();
        made_by_modsim(&target, &FILES);
        assert!(matches!(folder.commit(), Err(OutputError::Changed { .. })));
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn a_staging_folder_can_shed_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let folder = OutputFolder::create(&dir.path().join("out"), false).unwrap();
        folder.write("charts/a.svg", b"x").unwrap();
        folder.write("report.md", b"x").unwrap();
        folder.write("run.json", b"x").unwrap();
        folder.remove("charts").unwrap();
        folder.remove("report.md").unwrap();
        folder.remove("absent").unwrap();
        assert_eq!(names(&folder.commit().unwrap()), ["run.json"]);
    }
}
