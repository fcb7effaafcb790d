use std::path::Path;

use gagt::import::{self, Outcome};

use crate::helpers::{fixture, Backend, TestDb};

fn copy_fixture(to: &Path) {
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn connect(db: &TestDb) -> gagt::db::DbConnection {
    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut conn).unwrap();
    conn
}

fn reimport_of_unchanged_data_creates_no_revision(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = connect(&db);
    let (first, _) = import::import_dir(&mut conn, &fixture(), false).unwrap();
    assert_eq!(first, Outcome::Created(1));
    let (again, _) = import::import_dir(&mut conn, &fixture(), false).unwrap();
    assert_eq!(again, Outcome::Unchanged(1));
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let plans = dir.path().join("plans.csv");
    let text =
        std::fs::read_to_string(&plans).unwrap().replace("6º PAN Gobierno Abierto", "6º PAN de Gobierno Abierto");
    std::fs::write(&plans, text).unwrap();
    let (changed, _) = import::import_dir(&mut conn, dir.path(), false).unwrap();
    assert_eq!(changed, Outcome::Created(2));
}

#[test]
fn reimport_of_unchanged_data_creates_no_revision_sqlite() {
    reimport_of_unchanged_data_creates_no_revision(Backend::Sqlite);
}

#[test]
fn reimport_of_unchanged_data_creates_no_revision_postgres() {
    reimport_of_unchanged_data_creates_no_revision(Backend::Postgres);
}

fn invalid_dataset_lists_every_problem_and_changes_nothing(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = connect(&db);
    import::import_dir(&mut conn, &fixture(), false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let path = dir.path().join("progress_updates.csv");
    let text = std::fs::read_to_string(&path).unwrap().replacen(",12.5,12.5%,", ",12.5.1,12.5%,", 1).replacen(
        "gt-ogp-nap6-c1-m2-u3,gt-ogp-nap6-c1-m2,",
        "gt-ogp-nap6-c1-m2-u3,gt-ogp-nap6-c1-m99,",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let err = import::import_dir(&mut conn, dir.path(), false).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("progress_updates.csv:10: percent: `12.5.1`"), "{message}");
    assert!(
        message.contains("progress_updates.csv:4: milestone_id: `gt-ogp-nap6-c1-m99` is not a known milestone"),
        "{message}"
    );
    let rev = gagt::models::revision::current(&mut conn).unwrap().unwrap();
    assert_eq!(rev.id, 1);
    assert_eq!(gagt::models::revision::counts(&mut conn).unwrap().3, 10);
}

#[test]
fn invalid_dataset_lists_every_problem_and_changes_nothing_sqlite() {
    invalid_dataset_lists_every_problem_and_changes_nothing(Backend::Sqlite);
}

#[test]
fn invalid_dataset_lists_every_problem_and_changes_nothing_postgres() {
    invalid_dataset_lists_every_problem_and_changes_nothing(Backend::Postgres);
}

#[test]
fn dry_run_validates_and_writes_nothing() {
    let db = TestDb::new(Backend::Sqlite);
    let mut conn = connect(&db);
    let (outcome, ds) = import::import_dir(&mut conn, &fixture(), true).unwrap();
    assert_eq!(outcome, Outcome::Validated);
    assert_eq!(ds.plans.len(), 2);
    assert!(gagt::models::revision::current(&mut conn).unwrap().is_none());
}

#[test]
fn database_errors_keep_the_driver_message() {
    let url = gagt::db::DatabaseUrl::parse("postgres://nobody@127.0.0.1:1/none");
    let err = gagt::db::open_for_writing(&url).err().expect("connection must fail");
    assert!(err.contains("127.0.0.1") || err.to_lowercase().contains("connect"), "{err}");
}
