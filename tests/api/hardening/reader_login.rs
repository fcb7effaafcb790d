//! Least privilege on PostgreSQL: `serve` logged in with a role that can
//! only read, as the README's scale-out example does. Such a login cannot be
//! talked into writing (`RESET ROLE` goes back to a reader, `SET ROLE` to
//! anyone else is refused), serves a current schema, and refuses a schema
//! that is behind with what to do, writing nothing.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::helpers::{fixture, pg_admin_url, Backend, TestDb};

/// A login role that can only read, made as the README says
/// (`CREATE ROLE reader LOGIN IN ROLE gagt_reader`); dropped on drop.
/// Roles belong to the whole cluster, so each test makes its own.
struct ReaderLogin {
    name: String,
}

impl ReaderLogin {
    /// After the migrations have created `gagt_reader`.
    fn create() -> ReaderLogin {
        let name = format!("gagt_test_login_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&pg_admin_url()).unwrap();
        admin.batch_execute(&format!("CREATE ROLE {name} LOGIN IN ROLE gagt_reader")).unwrap();
        ReaderLogin { name }
    }

    /// `db`'s URL, logged in as this role.
    fn url(&self, db: &TestDb) -> String {
        let mut url = url::Url::parse(&db.url.target).unwrap();
        url.set_username(&self.name).unwrap();
        url.set_password(None).unwrap();
        url.to_string()
    }
}

impl Drop for ReaderLogin {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&pg_admin_url()) {
            let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS {}", self.name));
        }
    }
}

/// A database migrated and loaded with the fixture by its owner.
fn loaded_db() -> TestDb {
    let db = TestDb::new(Backend::Postgres);
    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut conn).unwrap();
    gagt::import::import_dir(&mut conn, &fixture(), false).unwrap();
    db
}

#[test]
fn a_reader_login_cannot_write_even_after_reset_role_or_set_role() {
    let db = loaded_db();
    let login = ReaderLogin::create();
    let url = gagt::db::DatabaseUrl::parse(&login.url(&db));
    let pool = gagt::db::serving_pool(&url, 1, Duration::from_secs(5), Duration::from_secs(10)).unwrap();
    let mut conn = pool.get().unwrap();
    let conn: &mut gagt::db::DbConnection = &mut conn;
    let writes = [
        "DELETE FROM plan_risks",
        "UPDATE plans SET title = 'x'",
        "TRUNCATE progress_updates",
        "CREATE TABLE intruder (x INTEGER)",
    ];
    let none_passes = |conn: &mut gagt::db::DbConnection, after: &str| {
        for sql in writes {
            assert!(diesel::sql_query(sql).execute(conn).is_err(), "`{sql}` passed after {after}");
        }
    };
    none_passes(conn, "connecting");
    // Lift the read-only transactions and leave the reader role: what is
    // left is the login itself, which can only read.
    diesel::sql_query("SET default_transaction_read_only = off").execute(conn).unwrap();
    diesel::sql_query("RESET ROLE").execute(conn).unwrap();
    none_passes(conn, "RESET ROLE");
    // Becoming someone who can write is refused.
    let owner = url::Url::parse(&db.url.target).unwrap().username().to_string();
    for become_owner in [format!("SET ROLE {owner}"), format!("SET SESSION AUTHORIZATION {owner}")] {
        assert!(diesel::sql_query(&become_owner).execute(conn).is_err(), "`{become_owner}` passed");
        none_passes(conn, &become_owner);
    }
    drop(pool);
    let mut owner_conn = gagt::db::open_for_writing(&db.url).unwrap();
    assert_eq!(gagt::models::revision::current(&mut owner_conn).unwrap().map(|r| r.id), Some(1));
}

/// The binary's `serve`, as the README's scale-out example runs it.
fn serve_as(url: &str, data: &std::path::Path, port: u16) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gobierno-abierto-gt"));
    cmd.env("DATABASE_URL", url).env("RUST_LOG", "warn").arg("--data-dir").arg(data).args([
        "serve",
        "--port",
        &port.to_string(),
        "--no-bundled-import",
    ]);
    cmd
}

fn spare_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn serve_runs_as_a_reader_on_a_current_schema_and_refuses_a_schema_behind_with_what_to_do() {
    let db = loaded_db();
    let login = ReaderLogin::create();
    let data = tempfile::tempdir().unwrap();

    let port = spare_port();
    let mut child =
        serve_as(&login.url(&db), data.path(), port).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let get =
        |path: &str| client.get(format!("http://127.0.0.1:{port}{path}")).send().ok().map(|r| r.status().as_u16());
    let ready = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        get("/readyz") == Some(200)
    });
    let served = (get("/v1/plans"), get("/v1/downloads/latest/SHA256SUMS"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "serve did not start as a reader on a current schema");
    assert_eq!(served, (Some(200), Some(200)), "plans, and the download files this replica wrote");

    // The schema falls behind: the database lacks the newest migration.
    let mut owner = PgConnection::establish(&db.url.target).unwrap();
    let forget =
        "DELETE FROM __diesel_schema_migrations WHERE version = (SELECT max(version) FROM __diesel_schema_migrations)";
    owner.batch_execute(forget).unwrap();
    let count = "SELECT count(*) AS n FROM __diesel_schema_migrations";
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let before = diesel::sql_query(count).get_result::<N>(&mut owner).unwrap().n;
    let mut child = serve_as(&login.url(&db), data.path(), spare_port())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("serve started as a reader on a schema behind");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut said = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut said).unwrap();
    assert!(!status.success(), "{said}");
    assert!(said.contains("the database schema is behind this binary"), "{said}");
    assert!(said.contains("run `gobierno-abierto-gt migrate` with a role that can write"), "{said}");
    assert!(!said.contains("permission denied"), "it tried to write: {said}");
    assert_eq!(diesel::sql_query(count).get_result::<N>(&mut owner).unwrap().n, before);
}
