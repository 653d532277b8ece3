//! Output directories that never cost the user a file (DESIGN §9).
//!
//! Every directory bgsim writes carries a marker file, [`MARKER`]. A directory is replaced only
//! when it is absent, empty or marked (or the user said `--force`); anything else is refused.
//! The new contents are written to a unique temporary sibling (`.bgsim-tmp-<name>-XXXXXX`, which
//! gets the marker first) and swapped in with one atomic exchange where the OS has one
//! (`renameat2(RENAME_EXCHANGE)` on Linux), so a kill at any instant leaves either the old output
//! or the new one. Leftovers of a killed run are recognised by their prefix *and* marker (or by
//! being empty) and removed by the next run into the same directory; SIGINT/SIGTERM/SIGHUP
//! remove the temporary directory of the write in progress ([`remove_in_progress`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::error::{Context, OutputError, Result};

/// The marker file bgsim writes into every output directory.
pub const MARKER: &str = ".bgsim-output";

/// Temporary directories being filled right now, for the signal handler.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes the temporary directories of writes in progress. Called from the signal thread just
/// before the process exits; holding the lock also waits for a swap that is under way.
pub fn remove_in_progress() {
    let guard = IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
    remove_dirs(&guard);
    // Keep the lock: the process is about to exit and no swap may start now.
    std::mem::forget(guard);
}

/// [`remove_in_progress`] for a panic hook: skipped if the lock is held (a panic during a swap,
/// perhaps on this very thread); the next run into the same directory removes the leftover.
pub fn remove_in_progress_after_panic() {
    if let Ok(guard) = IN_PROGRESS.try_lock() {
        remove_dirs(&guard);
    }
}

fn remove_dirs(dirs: &[PathBuf]) {
    for dir in dirs {
        let _ = fs::remove_dir_all(dir);
    }
}

/// Why `dir` may be replaced, or the refusal.
fn check_replaceable(dir: &Path, force: bool) -> Result<()> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", dir.display())),
    };
    if !meta.is_dir() {
        return Err(OutputError::Refused(format!(
            "{} exists and is not a directory; bgsim writes a directory there. Choose another --out",
            dir.display()
        )));
    }
    if force || dir.join(MARKER).is_file() {
        return Ok(());
    }
    let mut entries =
        fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    if entries.next().is_none() {
        return Ok(());
    }
    Err(OutputError::Refused(format!(
        "{} is not empty and holds no bgsim output (no {MARKER} marker); bgsim will not replace it. \
         Choose another --out, or pass --force to replace it and everything in it",
        dir.display()
    )))
}

/// The working directory and its ancestors can never be replaced (a rename cannot move them and
/// the user would lose the tree they stand in).
fn check_not_cwd(dir: &Path) -> Result<()> {
    let (Ok(cwd), Ok(target)) = (std::env::current_dir(), fs::canonicalize(dir)) else {
        return Ok(());
    };
    if cwd.starts_with(&target) {
        return Err(OutputError::Refused(format!(
            "{} is the working directory or one of its parents; bgsim will not replace it. \
             Choose a new directory for --out",
            dir.display()
        )));
    }
    Ok(())
}

fn tmp_prefix(name: &str) -> String {
    format!(".bgsim-tmp-{name}-")
}

fn old_prefix(name: &str) -> String {
    format!(".bgsim-old-{name}-")
}

/// True if `path` is a directory bgsim wrote: marked, or empty (a temporary directory killed
/// before its marker was written).
fn is_ours(path: &Path) -> bool {
    path.join(MARKER).is_file() || fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

/// Cleans up after a killed run into `parent/name`: a previous output moved aside by the
/// fallback swap is moved back if the output is missing; marked temporaries are removed.
fn recover_leftovers(parent: &Path, name: &str, dir: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let mut leftovers: Vec<(bool, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let file = e.file_name();
            let file = file.to_str()?;
            let old = file.starts_with(&old_prefix(name));
            (old || file.starts_with(&tmp_prefix(name))).then(|| (old, e.path()))
        })
        .filter(|(_, p)| p.is_dir() && is_ours(p))
        .collect();
    leftovers.sort();
    for (old, path) in leftovers {
        if old && !dir.exists() && fs::rename(&path, dir).is_ok() {
            continue;
        }
        let _ = fs::remove_dir_all(&path);
    }
}

/// Checks, before a long simulation, that `write_atomically(dir, force, …)` would not refuse.
pub fn preflight(dir: &Path, force: bool) -> Result<()> {
    out_name(dir)?;
    check_replaceable(dir, force)?;
    check_not_cwd(dir)
}

fn out_name(dir: &Path) -> Result<String> {
    match dir.file_name().and_then(|n| n.to_str()) {
        Some(n) if n != "." && n != ".." => Ok(n.to_string()),
        _ => Err(OutputError::Refused(format!(
            "{} does not name a new directory; give --out a directory name such as results/run1",
            dir.display()
        ))),
    }
}

/// Runs `fill` on a fresh, marked temporary directory beside `dir`, then swaps it into place.
/// `dir` must be absent, empty or a previous bgsim output unless `force`.
pub fn write_atomically(
    dir: &Path,
    force: bool,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out_name(dir)?;
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    recover_leftovers(&parent, &name, dir);
    preflight(dir, force)?;
    let tmp = tempfile::Builder::new()
        .prefix(&tmp_prefix(&name))
        .tempdir_in(&parent)
        .with_context(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })?;
    let tmp_path = tmp.path().to_path_buf();
    IN_PROGRESS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(tmp_path.clone());
    let filled = fs::write(tmp_path.join(MARKER), marker_text())
        .with_context(|| format!("cannot write {}", tmp_path.join(MARKER).display()))
        .and_then(|()| fill(&tmp_path));
    let mut guard = IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
    guard.retain(|p| p != &tmp_path);
    filled?; // `tmp` is dropped here: the TempDir removes the half-written directory
    let tmp_path = tmp.keep();
    let swapped = swap_into_place(&tmp_path, dir, &parent, &name);
    drop(guard);
    if swapped.is_err() {
        let _ = fs::remove_dir_all(&tmp_path);
    }
    swapped
}

fn marker_text() -> String {
    format!(
        "This directory was written by bgsim {}. bgsim replaces it on the next run into it.\n",
        crate::VERSION
    )
}

/// Moves the filled `tmp` to `dir`; the previous `dir`, if any, is removed afterwards.
fn swap_into_place(tmp: &Path, dir: &Path, parent: &Path, name: &str) -> Result<()> {
    if !dir.exists() {
        return fs::rename(tmp, dir)
            .with_context(|| format!("cannot move results into {}", dir.display()));
    }
    if exchange(tmp, dir) {
        // `tmp` now holds the previous output.
        remove_previous(tmp);
        return Ok(());
    }
    // Fallback: two renames; a kill between them is repaired by `recover_leftovers`.
    let old = tempfile::Builder::new()
        .prefix(&old_prefix(name))
        .tempdir_in(parent)
        .with_context(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })?
        .keep();
    fs::remove_dir(&old).with_context(|| format!("cannot use {}", old.display()))?;
    fs::rename(dir, &old).with_context(|| format!("cannot replace {}", dir.display()))?;
    if let Err(e) = fs::rename(tmp, dir) {
        let _ = fs::rename(&old, dir);
        return Err(e).with_context(|| format!("cannot move results into {}", dir.display()));
    }
    remove_previous(&old);
    Ok(())
}

/// Removes the previous output once the new one is in place. If that fails (a read-only
/// directory, say) the run still succeeded: say where the previous output now is; the next run
/// into the same directory tries again.
fn remove_previous(path: &Path) {
    if let Err(e) = fs::remove_dir_all(path) {
        eprintln!(
            "warning: the new output is in place, but the previous one could not be removed: {}: {e}",
            path.display()
        );
    }
}

/// Atomically exchanges two directories; false where the OS or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    rc == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_one(dir: &Path, force: bool, text: &str) -> Result<()> {
        write_atomically(dir, force, |tmp| {
            fs::write(tmp.join("summary.json"), text)?;
            Ok(())
        })
    }

    #[test]
    fn refuses_a_directory_with_foreign_files() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("thesis");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("thesis.tex"), "mine").unwrap();
        let err = write_one(&dir, false, "x").unwrap_err();
        assert!(err.is_refused());
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(fs::read_to_string(dir.join("thesis.tex")).unwrap(), "mine");
        // Nothing else left behind in the parent.
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn replaces_its_own_output_and_empty_directories() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        fs::create_dir(&dir).unwrap();
        write_one(&dir, false, "one").unwrap();
        write_one(&dir, false, "two").unwrap();
        assert_eq!(fs::read_to_string(dir.join("summary.json")).unwrap(), "two");
        assert!(dir.join(MARKER).is_file());
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_a_regular_file() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("notes.txt");
        fs::write(&file, "keep").unwrap();
        assert!(write_one(&file, false, "x").is_err());
        assert!(write_one(&file, true, "x").is_err());
        assert_eq!(fs::read_to_string(&file).unwrap(), "keep");
    }

    #[test]
    fn failed_fill_keeps_the_previous_output() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        write_one(&dir, false, "old").unwrap();
        let r = write_atomically(&dir, false, |_| {
            Err(OutputError::Message("disk full".into()))
        });
        assert!(r.is_err());
        assert_eq!(fs::read_to_string(dir.join("summary.json")).unwrap(), "old");
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_of_a_killed_run_are_recovered() {
        // A kill -9 between the fallback's two renames leaves the old output at .bgsim-old-*
        // and the new one at .bgsim-tmp-*: the next run restores the old one, then replaces it.
        let root = tempfile::tempdir().unwrap();
        let old = root.path().join(".bgsim-old-out-abc123");
        fs::create_dir(&old).unwrap();
        fs::write(old.join(MARKER), "m").unwrap();
        fs::write(old.join("summary.json"), "old").unwrap();
        let tmp = root.path().join(".bgsim-tmp-out-def456");
        fs::create_dir(&tmp).unwrap();
        fs::write(tmp.join(MARKER), "m").unwrap();
        // Somebody else's hidden directory with the same prefix but no marker stays.
        let foreign = root.path().join(".bgsim-tmp-out-mine");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("data"), "keep").unwrap();
        let dir = root.path().join("out");
        recover_leftovers(root.path(), "out", &dir);
        assert_eq!(fs::read_to_string(dir.join("summary.json")).unwrap(), "old");
        assert!(!tmp.exists() && !old.exists());
        assert_eq!(fs::read_to_string(foreign.join("data")).unwrap(), "keep");
    }
}
