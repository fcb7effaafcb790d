//! Faults: an import killed at any point leaves either the previous or the
//! new revision, whole; the next import succeeds. Download files are written
//! where they can be, and an import whose files cannot be written says so.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;

use crate::helpers::{fixture, Backend, TestDb};

fn dataset_without_last_updates(to: &Path, drop: usize) {
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
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

fn killed_imports(backend: Backend) {
    let bin = env!("CARGO_BIN_EXE_gobierno-abierto-gt");
    let db = TestDb::new(backend);
    let data = tempfile::tempdir().unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    dataset_without_last_updates(a.path(), 1);
    dataset_without_last_updates(b.path(), 3);
    let import = |dir: &Path| {
        Command::new(bin)
            .args(["--database-url", &db.url.target, "--data-dir"])
            .arg(data.path())
            .arg("import")
            .arg(dir)
            .env("RUST_LOG", "error")
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
fn an_import_whose_files_cannot_be_written_says_so_and_keeps_the_data() {
    let db = TestDb::new(Backend::Sqlite);
    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut conn).unwrap();
    // A snapshot folder that cannot exist (under /proc), as on a read-only or full disk.
    let mut config = gagt::config::Config::new(db.url.clone(), Path::new("/proc/gagt-nowhere"));
    config.snapshot_dir = "/proc/gagt-nowhere/snapshots".into();
    let ds = gagt::import::canonical::read_dir(&fixture()).unwrap();
    let err = gagt::import::store_published(&config, &mut conn, ds, "test", false).unwrap_err().to_string();
    assert!(err.contains("imported as revision 1"), "{err}");
    assert!(err.contains("/proc/gagt-nowhere/snapshots"), "{err}");
    assert!(err.contains("download files could not be written"), "{err}");
    // The data is in; `serve` writes the files when it can.
    assert_eq!(state(&db.url), (1, true));
}
