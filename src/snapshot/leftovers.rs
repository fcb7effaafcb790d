//! Staging folders and what killed processes leave of them.
//!
//! A snapshot is written into `.rN.tmp-…` beside the published folders and
//! renamed into place; an old one is renamed to `.rN.old-…` before it is
//! deleted. A process killed meanwhile leaves such a folder behind (139 MB
//! at scale 100). Process ids cannot tell whether its writer still lives
//! (a container's import has the same id every time, and replicas sharing
//! a volume have ids of their own), so a staging folder is locked (`flock`)
//! by its writer for as long as it exists: an unlocked one is a leftover.
//! The kernel drops the lock when the writer dies, even by SIGKILL.

use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// A staging folder, locked by this process; dropping it removes the folder
/// unless it was renamed into place.
#[derive(Debug)]
pub struct Staged {
    dir: PathBuf,
    _lock: std::fs::File,
}

impl Staged {
    /// Create and lock a new staging folder for revision `revision`.
    pub fn create(root: &Path, revision: i32) -> Result<Staged, super::Error> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let mut last = None;
        for attempt in 0..3 {
            let dir = root.join(format!(".r{revision}.tmp-{}-{:x}{attempt}", std::process::id(), nanos));
            std::fs::create_dir(&dir).map_err(|source| super::Error::CreateDir { dir: dir.clone(), source })?;
            let lock =
                std::fs::File::open(&dir).map_err(|source| super::Error::OpenDir { dir: dir.clone(), source })?;
            // Between creating and locking it, a cleaner may have taken the
            // folder for a leftover: then it is gone (or going), and another
            // name is tried.
            let ours = try_lock(&lock)
                && std::fs::metadata(&dir).is_ok_and(|m| lock.metadata().is_ok_and(|l| l.ino() == m.ino()));
            if ours {
                return Ok(Staged { dir, _lock: lock });
            }
            last = Some(dir);
        }
        Err(super::Error::Lock { dir: last.unwrap_or_default() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // After a rename into place nothing is left at this path.
        if self.dir.exists() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// An exclusive lock, if no one else holds one.
fn try_lock(file: &std::fs::File) -> bool {
    // SAFETY: flock on a descriptor this function borrows for the call.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// Remove what killed processes left in the snapshot folder: staging
/// folders no live process holds, and folders renamed away for deletion.
/// Returns the folders removed.
pub fn clean_leftovers(root: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.starts_with(".r") || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        let doomed = if name.contains(".old-") {
            true
        } else if name.contains(".tmp-") {
            // Held while removing it, so that no writer takes it meanwhile.
            std::fs::File::open(&path).is_ok_and(|f| try_lock(&f) && std::fs::remove_dir_all(&path).is_ok())
        } else {
            false
        };
        if doomed && (!path.exists() || std::fs::remove_dir_all(&path).is_ok()) {
            log::info!("removed {}, left by a process that was stopped while writing", path.display());
            removed.push(path);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staging_folder_is_a_leftover_only_once_its_writer_is_gone() {
        let root = tempfile::tempdir().unwrap();
        let live = Staged::create(root.path(), 3).unwrap();
        std::fs::write(live.dir().join("plans.csv"), "id\n").unwrap();
        // Left by killed processes: one with this very process id (ids are
        // reused), one of an older version without a lock, one being deleted.
        let killed = root.path().join(format!(".r2.tmp-{}", std::process::id()));
        let deleting = root.path().join(".r1.old-1");
        for d in [&killed, &deleting] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("plans.csv"), "id\n").unwrap();
        }
        let published = root.path().join("r1");
        std::fs::create_dir(&published).unwrap();
        let mut removed = clean_leftovers(root.path());
        removed.sort();
        assert_eq!(removed, [deleting, killed]);
        assert!(live.dir().join("plans.csv").is_file() && published.is_dir());
        let dir = live.dir().to_path_buf();
        drop(live);
        assert!(!dir.exists(), "a dropped staging folder stays");
    }
}
