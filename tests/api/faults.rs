//! Faults: an import killed at any point leaves either the previous or the
//! new revision, whole; the next import succeeds. Download files are written
//! where they can be, and an import whose files cannot be written says so.
//! The database going away, or its network going silent: `database`.

mod database;
mod proxy;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;

use crate::helpers::{fixture, Backend, TestDb};

fn dataset_without_last_updates(to: &Path, drop: usize) {
    crate::helpers::copy_dataset(&fixture(), to);
    let path = to.join("progress_updates.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    // Drop whole records from the end (the links column holds line breaks,
    // so go through the CSV reader).
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    for r in &rows[..rows.len() - drop] {
        w.write_record(r).unwrap();
    }
    std::fs::write(&path, w.into_inner().unwrap()).unwrap();
}

#[derive(QueryableByName, Debug)]
struct State {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    revision: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    counts: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    updates: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    versions: i64,
}

/// The current revision, and whether the tables hold exactly what it says.
fn state(url: &gagt::db::DatabaseUrl) -> (i32, bool) {
    let mut conn = gagt::db::open_for_writing(url).unwrap();
    let s: State = diesel::sql_query(
        "SELECT r.id AS revision, r.counts AS counts, \
         (SELECT COUNT(*) FROM progress_updates) AS updates, \
         (SELECT COUNT(*) FROM record_versions WHERE record_type = 'progress_update') AS versions \
         FROM dataset_revisions r ORDER BY r.id DESC LIMIT 1",
    )
    .get_result(&mut conn)
    .unwrap();
    let counts: serde_json::Value = serde_json::from_str(&s.counts).unwrap();
    let whole = counts["progress_updates"].as_i64() == Some(s.updates) && s.versions == s.updates;
    (s.revision, whole)
}

/// A published snapshot folder is complete: every file in its manifest is there, whole.
fn snapshots_complete(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return true };
    entries.flatten().filter(|e| e.file_name().to_string_lossy().starts_with('r')).all(|e| {
        let manifest: gagt::snapshot::Manifest =
            serde_json::from_slice(&std::fs::read(e.path().join("manifest.json")).unwrap()).unwrap();
        manifest.files.iter().all(|f| std::fs::metadata(e.path().join(&f.name)).is_ok_and(|m| m.len() == f.bytes))
    })
}

/// The binary's `import` of `dataset` with `data` as its data folder (and
/// its SQLite file there unless `url` names a database).
fn import_command(url: Option<&str>, data: &Path, dataset: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gobierno-abierto-gt"));
    if let Some(url) = url {
        cmd.args(["--database-url", url]);
    }
    cmd.arg("--data-dir").arg(data).arg("import").arg(dataset).env("RUST_LOG", "error");
    cmd
}

fn killed_imports(backend: Backend) {
    let db = TestDb::new(backend);
    let data = tempfile::tempdir().unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    dataset_without_last_updates(a.path(), 1);
    dataset_without_last_updates(b.path(), 3);
    let import = |dir: &Path| {
        import_command(Some(&db.url.target), data.path(), dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    assert!(import(a.path()).wait().unwrap().success());
    let started = std::time::Instant::now();
    assert!(import(b.path()).wait().unwrap().success());
    let full = started.elapsed().as_millis().max(50) as u64;
    let (mut last, whole) = state(&db.url);
    assert!(whole);
    let mut outcomes = std::collections::BTreeSet::new();
    for i in 0..20u64 {
        let dir = if i % 2 == 0 { a.path() } else { b.path() };
        let mut child = import(dir);
        // Spread the kills over the whole import (and a little past it).
        std::thread::sleep(Duration::from_millis((i * 7919) % (full + full / 5)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let (revision, whole) = state(&db.url);
        assert!(whole, "{backend:?} run {i}: the tables do not match revision {revision}");
        assert!(revision == last || revision == last + 1, "{backend:?} run {i}: revision {last} -> {revision}");
        assert!(snapshots_complete(&data.path().join("snapshots")), "{backend:?} run {i}: a snapshot is partial");
        outcomes.insert(revision > last);
        last = revision;
    }
    assert!(outcomes.contains(&false), "no kill landed before the commit: nothing was tested");
    // The next import succeeds and is whole.
    let dir = if state(&db.url).1 && last % 2 == 0 { a.path() } else { b.path() };
    let status = import(dir).wait().unwrap();
    assert!(status.success());
    assert!(state(&db.url).1);
    // Nothing the killed imports staged is left.
    assert!(no_leftovers(&data.path().join("snapshots")), "{backend:?}: staging folders left");
}

#[test]
fn an_import_killed_at_random_points_leaves_one_whole_revision_sqlite() {
    killed_imports(Backend::Sqlite);
}

#[test]
fn an_import_killed_at_random_points_leaves_one_whole_revision_postgres() {
    killed_imports(Backend::Postgres);
}

#[test]
fn an_import_whose_files_cannot_be_written_says_so_and_imports_nothing() {
    let db = TestDb::new(Backend::Sqlite);
    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut conn).unwrap();
    // A snapshot folder that cannot exist (under /proc), as on a read-only or full disk.
    let mut config = gagt::config::Config::new(db.url.clone(), Path::new("/proc/gagt-nowhere"));
    config.snapshot_dir = "/proc/gagt-nowhere/snapshots".into();
    let ds = gagt::import::canonical::read_dir(&fixture()).unwrap();
    let err = gagt::pipeline::store_published(&config, &mut conn, ds, "test", false).unwrap_err().to_string();
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(err.contains("/proc/gagt-nowhere/snapshots"), "{err}");
    assert!(err.contains("download files could not be written"), "{err}");
    // No revision without its files.
    assert_eq!(gagt::models::revision::current(&mut conn).unwrap(), None);
}

/// A file writer that panics (rust_xlsxwriter does on a full disk in its
/// constant-memory mode) fails the import with what it said, and nothing is
/// imported.
#[test]
fn an_import_whose_file_writer_panics_says_why_and_imports_nothing() {
    let db = TestDb::new(Backend::Sqlite);
    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut conn).unwrap();
    let ds = gagt::import::canonical::read_dir(&fixture()).unwrap();
    let result = gagt::import::write::replace(&mut conn, &ds, "test".into(), |_, _| -> Result<(), std::io::Error> {
        panic!("Couldn't write to xml file: No space left on device")
    });
    let err = result.unwrap_err().to_string();
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(err.contains("a file writer stopped: Couldn't write to xml file: No space left on device"), "{err}");
    assert_eq!(gagt::models::revision::current(&mut conn).unwrap(), None);
}

/// A small tmpfs of the test's own (root mounts it; CI runs as root), unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn new(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount");
        assert!(status.success(), "mounting a tmpfs needs root (CI runs as root)");
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fill what is left of the disk.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path().join("filler")).unwrap();
        let block = vec![7u8; 64 << 10];
        while f.write_all(&block).is_ok() {}
        let small = [7u8; 512];
        while f.write_all(&small).is_ok() {}
        let _ = f.sync_all();
    }

    fn empty(&self) {
        std::fs::remove_file(self.path().join("filler")).unwrap();
    }

    /// Remount read-only or read-write. A remount to read-only fails while
    /// any process holds a file there open for writing, and a child process
    /// that another test forks holds copies of this process's descriptors
    /// until it executes its program: that passes, so try again a while.
    fn remount(&self, mode: &str) {
        let mut tries = 0;
        loop {
            let status = Command::new("mount")
                .args(["-o", &format!("remount,{mode}")])
                .arg(self.path())
                .stderr(std::process::Stdio::null())
                .status()
                .expect("mount");
            tries += 1;
            if status.success() {
                return;
            }
            assert!(tries < 100, "remount {mode} failed {tries} times");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

/// Run `import` into `data` (its SQLite file and snapshots there, unless
/// `url` says otherwise); its exit status and what it printed.
fn import_into(url: Option<&str>, data: &Path, dataset: &Path) -> (bool, String) {
    let out = import_command(url, data, dataset).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
}

/// Nothing half-written: no staging or leftover folders beside the published snapshots.
fn no_leftovers(snapshots: &Path) -> bool {
    std::fs::read_dir(snapshots).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().starts_with('.'))
}

/// The disk fills up, then turns read-only, under the SQLite file and the
/// snapshot folder: the import fails with a message naming the cause, the
/// previous revision stays whole, and the next import on a healthy disk works.
#[test]
fn an_import_on_a_full_or_read_only_disk_fails_cleanly_and_keeps_the_previous_revision() {
    let disk = SmallDisk::new("48m");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    dataset_without_last_updates(a.path(), 1);
    dataset_without_last_updates(b.path(), 3);
    let url = gagt::config::database_url(None, disk.path());
    let (ok, out) = import_into(None, disk.path(), a.path());
    assert!(ok, "{out}");
    assert_eq!(state(&url), (1, true));
    let snapshots = disk.path().join("snapshots");

    disk.fill();
    let (ok, out) = import_into(None, disk.path(), b.path());
    assert!(!ok, "an import onto a full disk reports success: {out}");
    assert!(out.contains("No space left on device"), "the cause is not named: {out}");
    assert!(!out.contains("panicked"), "{out}");
    disk.empty();
    assert_eq!(state(&url), (1, true), "a failed import changed the data");
    assert!(snapshots_complete(&snapshots) && no_leftovers(&snapshots));

    disk.remount("ro");
    let (ok, out) = import_into(None, disk.path(), b.path());
    assert!(!ok, "an import onto a read-only disk reports success: {out}");
    assert!(out.contains("Read-only file system"), "the cause is not named: {out}");
    disk.remount("rw");
    assert_eq!(state(&url), (1, true), "a failed import changed the data");

    let (ok, out) = import_into(None, disk.path(), b.path());
    assert!(ok, "{out}");
    assert_eq!(state(&url), (2, true));
    assert!(snapshots.join("r2/manifest.json").is_file() && snapshots_complete(&snapshots));
}

/// On PostgreSQL the data is elsewhere: a full snapshot disk rolls the
/// import back too, leaving nothing partial. A revision committed without
/// its files (by `import` without a snapshot, as older versions could) does
/// not stop `serve` from starting, and its files are written once there is room.
#[test]
fn an_import_whose_snapshot_disk_is_full_says_so_and_leaves_no_partial_files() {
    let db = TestDb::new(Backend::Postgres);
    let disk = SmallDisk::new("48m");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    dataset_without_last_updates(a.path(), 1);
    dataset_without_last_updates(b.path(), 3);
    let (ok, out) = import_into(Some(&db.url.target), disk.path(), a.path());
    assert!(ok, "{out}");
    disk.fill();
    let (ok, out) = import_into(Some(&db.url.target), disk.path(), b.path());
    assert!(!ok, "{out}");
    assert!(out.contains("nothing was imported"), "{out}");
    assert!(out.contains("No space left on device"), "{out}");
    assert_eq!(state(&db.url), (1, true));
    let snapshots = disk.path().join("snapshots");
    assert!(snapshots_complete(&snapshots) && no_leftovers(&snapshots));

    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    let ds = gagt::import::canonical::read_dir(b.path()).unwrap();
    gagt::import::store(&mut conn, ds, "test", false).unwrap();
    let mut config = gagt::config::Config::new(db.url.clone(), disk.path());
    config.bundled_dataset = None;
    gagt::prepare(&config).expect("serve starts on a full disk");
    assert!(!snapshots.join("r2").exists() && snapshots_complete(&snapshots) && no_leftovers(&snapshots));
    disk.empty();
    gagt::prepare(&config).unwrap();
    assert!(snapshots.join("r2/manifest.json").is_file() && snapshots_complete(&snapshots));
}
