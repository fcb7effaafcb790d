use std::path::Path;

use gagt::import::{self, Outcome};

use crate::helpers::{copy_dataset, fixture, Backend, TestDb};

fn copy_fixture(to: &Path) {
    copy_dataset(&fixture(), to);
}

fn connect(db: &TestDb) -> gagt::db::DbConnection {
    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut conn).unwrap();
    conn
}

/// The fixture with one plan's title changed (a new revision's worth).
fn fixture_with_a_plan_renamed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let plans = dir.path().join("plans.csv");
    let text =
        std::fs::read_to_string(&plans).unwrap().replace("6º PAN Gobierno Abierto", "6º PAN de Gobierno Abierto");
    std::fs::write(&plans, text).unwrap();
    dir
}

fn reimport_of_unchanged_data_creates_no_revision(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = connect(&db);
    let (first, _) = import::import_dir(&mut conn, &fixture(), false).unwrap();
    assert_eq!(first, Outcome::Created(1));
    let (again, _) = import::import_dir(&mut conn, &fixture(), false).unwrap();
    assert_eq!(again, Outcome::Unchanged(1));
    let dir = fixture_with_a_plan_renamed();
    let (changed, _) = import::import_dir(&mut conn, dir.path(), false).unwrap();
    assert_eq!(changed, Outcome::Created(2));
}

/// Every index the migrations declare on SQLite, by name with its SQL.
fn sqlite_indexes(conn: &mut gagt::db::DbConnection) -> Vec<(String, String)> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        sql: String,
    }
    let gagt::db::DbConnection::Sqlite(c) = conn else { panic!("not SQLite") };
    let found: Vec<Index> =
        diesel::sql_query("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .load(c)
            .unwrap();
    found.into_iter().map(|i| (i.name, i.sql)).collect()
}

/// A first import sets aside the indexes of every table it writes whole
/// (and of the empty change log) and builds them after the rows; a second
/// import writes row by row. Both leave every declared index as declared.
#[test]
fn imports_into_sqlite_leave_every_declared_index_in_place() {
    let db = TestDb::new(Backend::Sqlite);
    let mut conn = connect(&db);
    let declared = sqlite_indexes(&mut conn);
    for name in ["record_changes_record", "record_changes_revision"] {
        assert!(declared.iter().any(|(n, _)| n == name), "{name} is not declared: {declared:?}");
    }
    assert_eq!(import::import_dir(&mut conn, &fixture(), false).unwrap().0, Outcome::Created(1));
    assert_eq!(sqlite_indexes(&mut conn), declared, "after the first import");
    let dir = fixture_with_a_plan_renamed();
    assert_eq!(import::import_dir(&mut conn, dir.path(), false).unwrap().0, Outcome::Created(2));
    assert_eq!(sqlite_indexes(&mut conn), declared, "after a second import");
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
    let err = gagt::db::open_for_writing(&url).err().expect("connection must fail").to_string();
    assert!(err.contains("127.0.0.1") || err.to_lowercase().contains("connect"), "{err}");
}

mod bundled {
    use std::path::{Path, PathBuf};

    use gagt::import::{self, canonical, export, Outcome};

    use crate::dataset::bundled;
    use crate::helpers::{Backend, TestDb};

    fn report() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sources/002_51e5fa75739f974e.txt")
    }

    /// The curated 002 records are exactly what the parser makes of the source.
    #[test]
    fn the_platform_parser_reproduces_the_curated_data() {
        let curated = canonical::read_dir(&bundled()).unwrap();
        let parsed = import::with_report(&bundled(), &report(), "gt-ogp-nap6").unwrap();
        let (a, b) = (export::serialize(&curated), export::serialize(&parsed));
        for ((file, x), (_, y)) in a.iter().zip(b.iter()) {
            assert!(x == y, "{file} differs from the parser's output");
        }
        // The bundled files are in canonical form already.
        for (file, bytes) in a {
            assert_eq!(std::fs::read(bundled().join(&file)).unwrap(), bytes, "{file} is not in canonical form");
        }
    }

    fn round_trip(backend: Backend) {
        let first = TestDb::new(backend);
        let mut conn = gagt::db::open_for_writing(&first.url).unwrap();
        gagt::db::migrate(&mut conn).unwrap();
        assert_eq!(import::import_dir(&mut conn, &bundled(), false).unwrap().0, Outcome::Created(1));
        let out1 = tempfile::tempdir().unwrap();
        export::write_dir(&export::load(&mut conn).unwrap(), out1.path()).unwrap();
        let second = TestDb::new(backend);
        let mut conn2 = gagt::db::open_for_writing(&second.url).unwrap();
        gagt::db::migrate(&mut conn2).unwrap();
        import::import_dir(&mut conn2, out1.path(), false).unwrap();
        let out2 = tempfile::tempdir().unwrap();
        export::write_dir(&export::load(&mut conn2).unwrap(), out2.path()).unwrap();
        for (file, _, _) in canonical::TABLES {
            let a = std::fs::read(out1.path().join(file)).unwrap();
            let b = std::fs::read(out2.path().join(file)).unwrap();
            assert!(a == b, "{file} changed in the round trip");
            assert_eq!(a, std::fs::read(bundled().join(file)).unwrap(), "{file} differs from the bundled file");
        }
        // The same content again: no new revision, ids unchanged.
        assert_eq!(import::import_dir(&mut conn2, out2.path(), false).unwrap().0, Outcome::Unchanged(1));
    }

    #[test]
    fn export_import_export_is_byte_identical_sqlite() {
        round_trip(Backend::Sqlite);
    }

    #[test]
    fn export_import_export_is_byte_identical_postgres() {
        round_trip(Backend::Postgres);
    }

    /// A change made to one canonical file's text.
    type Edit = Box<dyn Fn(String) -> String>;

    fn state(conn: &mut gagt::db::DbConnection) -> (i32, (i64, i64, i64, i64, i64)) {
        let rev = gagt::models::revision::current(conn).unwrap().unwrap().id;
        (rev, gagt::models::revision::counts(conn).unwrap())
    }

    /// Each kind of broken report or dataset is refused with a located
    /// message, and the database keeps serving the previous revision.
    fn malformed_inputs_are_refused_and_change_nothing(backend: Backend) {
        let db = TestDb::new(backend);
        let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
        gagt::db::migrate(&mut conn).unwrap();
        import::import_dir(&mut conn, &bundled(), false).unwrap();
        let before = state(&mut conn);
        let source = std::fs::read_to_string(report()).unwrap();
        let name = "002_51e5fa75739f974e.txt";
        let lines: Vec<&str> = source.split('\n').collect();
        let cut = lines.iter().position(|l| l.starts_with("Fecha: 2025-02-24")).unwrap() + 1;
        let reports: Vec<(&str, Vec<u8>, String)> = vec![
            ("truncated file", lines[..cut].join("\n").into_bytes(), format!("{name}:{cut}: Descripción: is missing")),
            (
                "unknown section",
                source
                    .replacen("AVANCES\nFecha: 2025-02-24", "AVANCES\nSECCIÓN NUEVA:\nFecha: 2025-02-24", 1)
                    .into_bytes(),
                format!("{name}:102: line: unrecognised line"),
            ),
            (
                "bad percentage",
                source.replacen("Porcentaje avance: 12.5%", "Porcentaje avance: doce%", 1).into_bytes(),
                format!("{name}:104: Porcentaje avance: `doce%`"),
            ),
            (
                "bad date",
                source.replacen("FECHA DE INICIO: 06/02/2025", "FECHA DE INICIO: 31/02/2025", 1).into_bytes(),
                format!("{name}:36: FECHA DE INICIO: `31/02/2025`"),
            ),
            (
                "unknown institution",
                source
                    .replacen(
                        "INSTITUCIÓN RESPONSABLE:\nComisión Nacional contra la Corrupción",
                        "INSTITUCIÓN RESPONSABLE:\nComisión Inexistente",
                        1,
                    )
                    .into_bytes(),
                format!("{name}:91: institution: `Comisión Inexistente` is not a known institution"),
            ),
            (
                "wrong encoding",
                source.chars().map(|c| if (c as u32) < 256 { c as u8 } else { b'?' }).collect(),
                format!("{name}:7: file: is not valid UTF-8"),
            ),
            ("empty file", vec![], format!("{name}: file: is empty")),
            (
                "mixed line endings",
                source.replacen('\n', "\r\n", 10).into_bytes(),
                format!("{name}: file: mixes line endings"),
            ),
        ];
        for (case, bytes, expected) in reports {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let err = import::with_report(&bundled(), &path, "gt-ogp-nap6")
                .and_then(|ds| import::store(&mut conn, ds, "test", false))
                .expect_err(case)
                .to_string();
            assert!(err.contains(&expected), "{case}: expected `{expected}` in:\n{err}");
            assert_eq!(state(&mut conn), before, "{case} changed the database");
        }
        let datasets: Vec<(&str, &str, Edit, &str)> = vec![
            (
                "duplicate id",
                "commitments.csv",
                Box::new(|s: String| {
                    let line = s.lines().nth(1).unwrap().to_string();
                    format!("{s}{line}\n")
                }),
                "commitments.csv:40: id: `gt-nna-migrantes-plan-accion-r1` appears more than once",
            ),
            (
                "broken foreign key",
                "milestones.csv",
                Box::new(|s: String| {
                    s.replacen(",gt-nna-migrantes-plan-accion-r1,", ",gt-nna-migrantes-plan-accion-r9,", 1)
                }),
                "milestones.csv:2: commitment_id: `gt-nna-migrantes-plan-accion-r9` is not a known commitment",
            ),
            (
                "unknown institution in a role",
                "institution_roles.csv",
                Box::new(|s: String| s.replacen("\npgn,", "\nnadie,", 1)),
                "institution_roles.csv",
            ),
            ("empty table file", "plans.csv", Box::new(|_| String::new()), "plans.csv: file: is empty"),
            (
                "unknown column",
                "plans.csv",
                Box::new(|s: String| s.replacen("short_name", "nickname", 1)),
                "plans.csv:1: header: columns must be exactly",
            ),
        ];
        for (case, file, edit, expected) in datasets {
            let dir = tempfile::tempdir().unwrap();
            crate::helpers::copy_dataset(&bundled(), dir.path());
            let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
            std::fs::write(dir.path().join(file), edit(text)).unwrap();
            let err = import::import_dir(&mut conn, dir.path(), false).expect_err(case).to_string();
            assert!(err.contains(expected), "{case}: expected `{expected}` in:\n{err}");
            assert_eq!(state(&mut conn), before, "{case} changed the database");
        }
    }

    #[test]
    fn malformed_inputs_are_refused_and_change_nothing_sqlite() {
        malformed_inputs_are_refused_and_change_nothing(Backend::Sqlite);
    }

    #[test]
    fn malformed_inputs_are_refused_and_change_nothing_postgres() {
        malformed_inputs_are_refused_and_change_nothing(Backend::Postgres);
    }

    /// A report import replaces the plan's records and keeps ids stable.
    #[test]
    fn importing_the_report_again_keeps_ids_and_creates_no_revision() {
        let db = TestDb::new(Backend::Sqlite);
        let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
        gagt::db::migrate(&mut conn).unwrap();
        import::import_dir(&mut conn, &bundled(), false).unwrap();
        let ds = import::with_report(&bundled(), &report(), "gt-ogp-nap6").unwrap();
        assert_eq!(import::store(&mut conn, ds, "report", false).unwrap().0, Outcome::Unchanged(1));
    }
}

/// The benchmark's synthetic dataset is valid canonical data with the
/// promised shape (scale 1: 10 plans, 10,000 progress updates).
#[test]
fn synthetic_dataset_is_valid_and_has_the_promised_shape() {
    let ds = gagt::synthetic::generate(1);
    let dir = tempfile::tempdir().unwrap();
    gagt::import::export::write_dir(&ds, dir.path()).unwrap();
    let read = gagt::import::canonical::read_dir(dir.path()).unwrap();
    assert_eq!(read.plans.len(), 10);
    assert_eq!(read.commitments.len(), 200);
    assert_eq!(read.milestones.len(), 1000);
    assert_eq!(read.progress_updates.len(), 10_000);
    assert_eq!(read.institutions.len(), 50);
    assert!(read.findings.iter().any(|f| f.kind == "numbering_gap"));
    assert!(read.findings.iter().any(|f| f.kind == "progress_decrease"));
    assert_eq!(gagt::import::export::serialize(&gagt::synthetic::generate(1)), gagt::import::export::serialize(&ds));
}

/// `import` of the very input files the current revision came from stops
/// after hashing them; other bytes with the same content still create no
/// revision, and are recognised the next time.
#[test]
fn the_same_input_files_are_recognised_without_reading_a_row() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path());
    let import = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gobierno-abierto-gt"))
            .arg("--data-dir")
            .arg(data.path())
            .arg("import")
            .arg(dir.path())
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(import().starts_with("imported as revision 1:"));
    let again = import();
    assert!(again.starts_with("unchanged (still revision 1; the same input files as its import"), "{again}");
    assert!(again.contains(" plans, "), "the counts come from the revision: {again}");
    // A file the import does not read changes the inputs, not the content.
    std::fs::write(dir.path().join("LEEME.txt"), "notas").unwrap();
    assert!(import().starts_with("unchanged (still revision 1); nothing written"));
    assert!(import().starts_with("unchanged (still revision 1; the same input files"));
    // One changed byte of content is a new revision.
    let plans = dir.path().join("plans.csv");
    let text =
        std::fs::read_to_string(&plans).unwrap().replace("6º PAN Gobierno Abierto", "6º PAN de Gobierno Abierto");
    std::fs::write(&plans, text).unwrap();
    assert!(import().starts_with("imported as revision 2:"));
    assert!(import().starts_with("unchanged (still revision 2; the same input files"));
}

/// Every stored row of the data tables, each table's rows as sorted text.
macro_rules! dump {
    ($conn:expr, $($table:ident: $Row:ty),+ $(,)?) => {{
        use diesel::prelude::*;
        vec![$({
            let rows = gagt::schema::$table::table.select(<$Row>::as_select()).load::<$Row>($conn).unwrap();
            let mut rows: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
            rows.sort();
            (stringify!($table), rows)
        }),+]
    }};
}

fn data_tables(conn: &mut gagt::db::DbConnection) -> Vec<(&'static str, Vec<String>)> {
    use gagt::models::source_document::SourceLineRecordRow;
    use gagt::models::*;
    dump!(conn,
        source_documents: SourceDocumentRow, institutions: InstitutionRow, institution_aliases: InstitutionAliasRow,
        plans: PlanRow, plan_sections: PlanSectionRow, plan_participants: PlanParticipantRow, plan_risks: PlanRiskRow,
        commitments: CommitmentRow, milestones: MilestoneRow, progress_updates: ProgressUpdateRow,
        institution_roles: InstitutionRoleRow, quality_findings: QualityFindingRow,
        institution_plan_rollups: InstitutionPlanRollupRow, source_headings: SourceHeadingRow, retired_ids: RetiredIdRow,
        source_line_records: SourceLineRecordRow,
    )
}

/// SQLite's full-text indexes: every word of every index with the number
/// of rows holding it, and the word list prefixes are expanded from.
fn search_words(conn: &mut gagt::db::DbConnection) -> Vec<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Word {
        #[diesel(sql_type = diesel::sql_types::Text)]
        word: String,
    }
    let gagt::db::DbConnection::Sqlite(c) = conn else { return Vec::new() };
    let mut out = Vec::new();
    for t in gagt::db::backend::SEARCHABLE {
        let q = format!("SELECT '{t} ' || term || ' ' || doc AS word FROM {t}_fts_vocab ORDER BY term");
        out.extend(diesel::sql_query(q).load::<Word>(c).unwrap().into_iter().map(|w| w.word));
    }
    let q = "SELECT word FROM search_fts_words ORDER BY word";
    out.extend(diesel::sql_query(q).load::<Word>(c).unwrap().into_iter().map(|w| format!("word {}", w.word)));
    out
}

/// Each progress update's physical row: SQLite's rowid, PostgreSQL's xmin
/// (the transaction that wrote it): a row written again gets a new one.
fn physical_rows(conn: &mut gagt::db::DbConnection) -> std::collections::HashMap<String, String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Physical {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        at: String,
    }
    let rows: Vec<Physical> = match conn {
        gagt::db::DbConnection::Sqlite(c) => {
            diesel::sql_query("SELECT id, CAST(rowid AS TEXT) AS at FROM progress_updates").load(c).unwrap()
        }
        gagt::db::DbConnection::Pg(c) => {
            diesel::sql_query("SELECT id, xmin::text AS at FROM progress_updates").load(c).unwrap()
        }
    };
    rows.into_iter().map(|p| (p.id, p.at)).collect()
}

/// An import that edits one progress update and drops another rewrites
/// those rows only, records exactly those changes, and leaves the database
/// (rows, full-text indexes) as a fresh import of the same data would.
fn an_import_writes_only_the_rows_that_changed(backend: Backend) {
    use gagt::models::change::RecordVersionRow;
    let mut ds = gagt::synthetic::generate(1);
    let before = tempfile::tempdir().unwrap();
    import::export::write_dir(&ds, before.path()).unwrap();
    let (edited, dropped) = ds.progress_updates.modify(|rows| {
        rows[5].description = "Avance corregido: señalización bilingüe instalada".into();
        (rows[5].id.clone(), rows.pop().unwrap().id)
    });
    let after = tempfile::tempdir().unwrap();
    import::export::write_dir(&ds, after.path()).unwrap();

    let db = TestDb::new(backend);
    let mut conn = connect(&db);
    assert_eq!(import::import_dir(&mut conn, before.path(), false).unwrap().0, Outcome::Created(1));
    let first = physical_rows(&mut conn);
    assert_eq!(import::import_dir(&mut conn, after.path(), false).unwrap().0, Outcome::Created(2));
    let second = physical_rows(&mut conn);
    assert_eq!(second.len(), first.len() - 1);
    assert!(!second.contains_key(&dropped));
    let rewritten: Vec<&String> =
        second.iter().filter(|(id, at)| first.get(*id) != Some(at)).map(|(id, _)| id).collect();
    assert_eq!(rewritten, vec![&edited], "only the edited row is written again");

    let since_first = gagt::models::change::ChangeFilter { since: 1, ..Default::default() };
    let (changes, _) = gagt::models::change::list(&mut conn, &since_first, None, 1000).unwrap();
    let progress: Vec<(String, String)> = changes
        .iter()
        .filter(|c| c.record_type == "progress_update")
        .map(|c| (c.record_id.clone(), c.change.clone()))
        .collect();
    assert!(progress.contains(&(edited.clone(), "updated".into())), "{progress:?}");
    assert!(progress.contains(&(dropped.clone(), "deleted".into())), "{progress:?}");
    let versions = gagt::models::change::versions(&mut conn).unwrap();
    let version = |id: &str| versions.iter().find(|v| v.record_id == id).cloned();
    assert_eq!(version(&edited).map(|v: RecordVersionRow| (v.created_revision, v.updated_revision)), Some((1, 2)));
    assert!(version(&dropped).is_none());

    let fresh_db = TestDb::new(backend);
    let mut fresh = connect(&fresh_db);
    import::import_dir(&mut fresh, after.path(), false).unwrap();
    let (synced, written) = (data_tables(&mut conn), data_tables(&mut fresh));
    for ((table, a), (_, b)) in synced.iter().zip(&written) {
        assert_eq!(a.len(), b.len(), "{table}: as many rows as a fresh import");
        assert!(a == b, "{table}: the same rows as a fresh import");
    }
    assert_eq!(versions.len(), gagt::models::change::versions(&mut fresh).unwrap().len());
    let words = search_words(&mut conn);
    assert_eq!(words, search_words(&mut fresh), "the same full-text indexes as a fresh import");
    if backend == Backend::Sqlite {
        assert!(words.iter().any(|w| w.starts_with("progress_updates senalizacion 1")), "the new text is indexed");
    }
}

#[test]
fn an_import_writes_only_the_rows_that_changed_sqlite() {
    an_import_writes_only_the_rows_that_changed(Backend::Sqlite);
}

#[test]
fn an_import_writes_only_the_rows_that_changed_postgres() {
    an_import_writes_only_the_rows_that_changed(Backend::Postgres);
}
