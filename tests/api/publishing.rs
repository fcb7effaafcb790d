//! Publishing a revision: whatever would keep its download files from being
//! written is refused before the import commits; a revision whose files
//! still cannot be written (one committed by an older version, a disk that
//! fails) leaves the previous files served, never stops a server from
//! starting, and shows in `/readyz`; staging folders of killed processes go.

use std::path::Path;

use diesel::prelude::*;
use gagt::import::{self, ImportError, Outcome};

use crate::both_backends;
use crate::helpers::{copy_dataset, fixture, Server, TestApp};

/// Rewrite one field of a canonical file, through the CSV writer.
fn set_field(path: &Path, row: usize, column: &str, value: &str) {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let at = headers.iter().position(|h| h == column).unwrap();
    let mut rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    rows[row] = rows[row].iter().enumerate().map(|(i, v)| if i == at { value } else { v }).collect();
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(&headers).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

fn import_published(app: &TestApp, dir: &Path) -> Result<Outcome, ImportError> {
    let mut conn = gagt::db::open_for_writing(&app.db.url).unwrap();
    let ds = import::canonical::read_dir(dir).map_err(ImportError::Invalid)?;
    gagt::pipeline::store_published(&app.config, &mut conn, ds, "test", false).map(|(o, _)| o)
}

/// Folders beside the published ones (staging, or being deleted).
fn dot_folders(app: &TestApp) -> Vec<String> {
    let entries = std::fs::read_dir(&app.config.snapshot_dir).unwrap().flatten();
    entries.map(|e| e.file_name().to_string_lossy().to_string()).filter(|n| n.starts_with('.')).collect()
}

both_backends!(fields_the_downloads_or_the_database_cannot_hold_are_refused_with_file_line_and_field, |app| {
    let dir = tempfile::tempdir().unwrap();
    copy_dataset(&fixture(), dir.path());
    // Over a spreadsheet cell's 32,767 characters, as Excel counts them
    // (UTF-16 units: the emoji counts two).
    set_field(&dir.path().join("plans.csv"), 0, "description", &"a".repeat(40_000));
    set_field(&dir.path().join("commitments.csv"), 0, "description", &("a".repeat(32_766) + "😀"));
    set_field(&dir.path().join("milestones.csv"), 0, "description", "NUL\0byte");
    let path = dir.path().join("institutions.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let text =
        text.replacen(",Comisión Nacional contra la Corrupción,", ",Comisión \"Nacional\" contra la Corrupción,", 1);
    std::fs::write(&path, text).unwrap();
    let Err(ImportError::Invalid(problems)) = import_published(&app, dir.path()) else { panic!("imported") };
    let found: Vec<String> = problems.iter().map(|p| format!("{}:{}: {}", p.file, p.line, p.field)).collect();
    for want in [
        "plans.csv:2: description",
        "commitments.csv:2: description",
        "milestones.csv:2: description",
        "institutions.csv:3: name",
    ] {
        assert!(found.iter().any(|f| f == want), "{want} not in {found:?}");
    }
    let message = ImportError::Invalid(problems).to_string();
    assert!(message.contains("is 40000 characters long; a text may hold at most 32767"), "{message}");
    assert!(message.contains("NUL byte"), "{message}");
    // Nothing changed: revision 1 and its files.
    assert_eq!(app.json("/readyz")["status"], "ready");
    assert_eq!(app.json("/v1/downloads")["revision"], 1);

    // At the limit the field is taken, and the XLSX holds it.
    copy_dataset(&fixture(), dir.path());
    set_field(&dir.path().join("plans.csv"), 0, "description", &("a".repeat(32_765) + "😀"));
    assert_eq!(import_published(&app, dir.path()).unwrap(), Outcome::Created(2));
    assert!(app.config.snapshot_dir.join("r2/gobierno-abierto-guatemala-r2.xlsx").is_file());
});

/// A revision committed with a text too long for the XLSX (as an older
/// version did): its files cannot be written.
fn commit_unpublishable_revision(app: &TestApp) {
    use gagt::schema::{dataset_revisions, plans};
    let mut conn = gagt::db::open_for_writing(&app.db.url).unwrap();
    let current = gagt::models::revision::current(&mut conn).unwrap().unwrap();
    diesel::update(plans::table.filter(plans::id.eq("gt-ogp-nap6")))
        .set(plans::description.eq(Some("a".repeat(40_000))))
        .execute(&mut conn)
        .unwrap();
    let poisoned = gagt::models::RevisionRow {
        id: current.id + 1,
        created_at: "2030-01-01T00:00:00.000Z".into(),
        content_hash: "poisoned".into(),
        source: "an older version".into(),
        counts: current.counts,
        input_digest: None,
    };
    diesel::insert_into(dataset_revisions::table).values(&poisoned).execute(&mut conn).unwrap();
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !ok() {
        assert!(started.elapsed().as_secs() < 30, "{what}: not within 30 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

both_backends!(a_revision_whose_files_cannot_be_written_leaves_the_previous_ones_served, |app| {
    commit_unpublishable_revision(&app);
    wait_for("the server sees revision 2", || app.watch.get().is_some_and(|r| r.number == 2));
    // The data API serves revision 2; the downloads stay those of revision 1.
    let check = |get: &dyn Fn(&str) -> reqwest::blocking::Response| {
        let ready: serde_json::Value = get("/readyz").json().unwrap();
        assert_eq!((&ready["status"], &ready["revision"]), (&"degraded".into(), &2.into()), "{ready}");
        let why = ready["degraded"][0].as_str().unwrap();
        assert!(why.contains("revision 2") && why.contains("revision 1"), "{why}");
        let downloads: serde_json::Value = get("/v1/downloads").json().unwrap();
        assert_eq!(downloads["revision"], 1, "{downloads}");
        assert_eq!(get("/v1/downloads/latest/plans.csv").status(), 200);
        assert_eq!(get("/v1/downloads/latest/gobierno-abierto-guatemala.xlsx").status(), 200);
    };
    check(&|p| app.get(p));
    // A server started now starts (and says the same).
    let other = Server::start(app.config.clone());
    check(&|p| other.get(p));
    // Each failed attempt removes what it staged.
    wait_for("no staging folder", || dot_folders(&app).is_empty());
    drop(other);

    // Once the revision can be written, the servers write it by themselves.
    let mut conn = gagt::db::open_for_writing(&app.db.url).unwrap();
    use gagt::schema::plans;
    diesel::update(plans::table.filter(plans::id.eq("gt-ogp-nap6")))
        .set(plans::description.eq(None::<String>))
        .execute(&mut conn)
        .unwrap();
    wait_for("revision 2's files", || app.json("/readyz")["status"] == "ready");
    assert_eq!(app.json("/v1/downloads")["revision"], 2);
});

both_backends!(staging_folders_of_killed_processes_are_removed_by_the_next_import_and_at_start, |app| {
    // As a killed import leaves them: one with this process's own id (a
    // container's import has the same id every time), one of a live id.
    let leave = || {
        for name in [format!(".r7.tmp-{}", std::process::id()), ".r7.tmp-1".into(), ".r1.old-1".into()] {
            let dir = app.config.snapshot_dir.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("progress_updates.csv"), vec![b'x'; 1 << 20]).unwrap();
        }
        assert_eq!(dot_folders(&app).len(), 3);
    };
    leave();
    // Even an import that changes nothing.
    assert_eq!(import_published(&app, &fixture()).unwrap(), Outcome::Unchanged(1));
    assert!(dot_folders(&app).is_empty(), "{:?}", dot_folders(&app));
    leave();
    let _restarted = Server::start(app.config.clone());
    assert!(dot_folders(&app).is_empty(), "{:?}", dot_folders(&app));
});
