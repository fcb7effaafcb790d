//! Start the real application on port 0 with a fresh database of its own:
//! a temporary SQLite file, or a PostgreSQL database created for the test
//! and dropped (with its connections) when the test ends. Tests that only
//! read share one such app per backend and dataset instead (`shared`).

mod macros;
mod shared;

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use gagt::config::Config;
use gagt::db::DatabaseUrl;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server used for tests (trust auth on this machine kind).
pub fn pg_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small")
}

/// A database of one test (or of a shared app), dropped with it.
pub struct TestDb {
    pub url: DatabaseUrl,
    pg_name: Option<String>,
    dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        TestDb::named(backend, &format!("gagt_test_{}", uuid::Uuid::new_v4().simple()))
    }

    /// A PostgreSQL database called `name`, or an SQLite file in a
    /// temporary folder whose name starts with `name`.
    fn named(backend: Backend, name: &str) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::Builder::new().prefix(name).tempdir().expect("temp dir");
                let path = dir.path().join("test.sqlite3");
                TestDb { url: DatabaseUrl::parse(&path.display().to_string()), pg_name: None, dir: Some(dir) }
            }
            Backend::Postgres => {
                let mut admin = PgConnection::establish(&pg_admin_url())
                    .unwrap_or_else(|e| panic!("PostgreSQL must be running for the tests ({}): {e}", pg_admin_url()));
                admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
                let mut url = url::Url::parse(&pg_admin_url()).expect("admin url");
                url.set_path(name);
                TestDb { url: DatabaseUrl::parse(url.as_str()), pg_name: Some(name.to_string()), dir: None }
            }
        }
    }

    /// Drop the PostgreSQL database (with its connections) or remove the SQLite folder.
    fn remove(&self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut admin) = PgConnection::establish(&pg_admin_url()) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir.path());
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.remove();
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub addr: String,
    pub client: reqwest::blocking::Client,
    handle: actix_web::dev::ServerHandle,
    /// The served revision and the count of database round trips.
    pub watch: gagt::revision::RevisionWatch,
    pub db: TestDb,
    /// What the server was started with (its snapshot folder, say).
    pub config: Config,
    /// Its data folder (`snapshots/` inside), removed on drop.
    data: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.client.get(self.url(path)).send().expect("request")
    }

    pub fn get_with(&self, path: &str, header: &str, value: &str) -> reqwest::blocking::Response {
        self.client.get(self.url(path)).header(header, value).send().expect("request")
    }

    /// Import a canonical directory into this app's database (a new revision)
    /// and wait until the server serves it.
    pub fn import(&self, dir: &Path) -> i32 {
        let mut conn = gagt::db::open_for_writing(&self.db.url).unwrap();
        let (outcome, _) = gagt::import::import_dir(&mut conn, dir, false).unwrap();
        self.served(outcome)
    }

    /// Store a dataset read elsewhere (a platform report applied, say) as a
    /// new revision and wait until the server serves it.
    pub fn store(&self, ds: gagt::import::Dataset) -> i32 {
        let mut conn = gagt::db::open_for_writing(&self.db.url).unwrap();
        let (outcome, _) = gagt::import::store(&mut conn, ds, "test", false).unwrap();
        self.served(outcome)
    }

    fn served(&self, outcome: gagt::import::Outcome) -> i32 {
        let gagt::import::Outcome::Created(n) = outcome else { panic!("no new revision: {outcome:?}") };
        // Up to 30 s: with the whole suite running on two cores, a larger
        // dataset's revision took more than the 5 s this waited before.
        for _ in 0..600 {
            let files = || self.get("/v1/downloads").json::<serde_json::Value>().ok().map(|d| d["revision"].clone());
            // Until its files are written, the downloads are the previous revision's.
            if self.watch.get().is_some_and(|r| r.number == n) && files() == Some(n.into()) {
                return n;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the server did not pick up revision {n}");
    }

    pub fn json(&self, path: &str) -> serde_json::Value {
        let res = self.get(path);
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().expect("json body")
    }

    pub fn text(&self, path: &str) -> String {
        let res = self.get(path);
        assert_eq!(res.status(), 200, "GET {path}");
        res.text().expect("text body")
    }

    /// Stop the server and its revision poll.
    fn stop(&self) {
        let handle = self.handle.clone();
        let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false))).join();
        // No thread of this app may outlive it (see `spawn_poller`).
        self.watch.stop_polling();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Start the app with the small fixture imported.
pub fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Some(&fixture()))
}

/// Start the app, importing `dataset` first when given.
pub fn spawn_app_with(backend: Backend, dataset: Option<&Path>) -> TestApp {
    spawn_app_tuned(backend, dataset, |_| {})
}

/// Start the app on the fixture with some configuration changed.
pub fn spawn_app_tuned(backend: Backend, dataset: Option<&Path>, tune: impl FnOnce(&mut Config)) -> TestApp {
    spawn_on(TestDb::new(backend), tempfile::tempdir().expect("snapshot dir"), dataset, tune)
}

/// Start the app on `db`, with `snapshots` as its data folder.
fn spawn_on(
    db: TestDb,
    snapshots: tempfile::TempDir,
    dataset: Option<&Path>,
    tune: impl FnOnce(&mut Config),
) -> TestApp {
    let mut config = Config::new(db.url.clone(), snapshots.path());
    config.port = 0;
    config.pool_size = 4;
    config.workers = 1;
    config.bundled_dataset = dataset.map(Path::to_path_buf);
    config.revision_poll = std::time::Duration::from_millis(100);
    // Small chunks, so that streamed lists cross chunk boundaries.
    config.stream_chunk_rows = 7;
    tune(&mut config);
    let (addr, handle, watch) = launch(config.clone());
    // A connection idle for a while is not reused: the server closes idle
    // connections after its keep-alive (15 s), and a request sent just as it
    // does fails (a race every HTTP/1.1 client has, seen on a loaded machine).
    let client = reqwest::blocking::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(5))
        .build()
        .expect("HTTP client");
    TestApp { addr, client, handle, watch, db, config, data: snapshots }
}

/// A server started as `serve` starts (`prepare` first), stopped on drop.
pub struct Server {
    pub addr: String,
    handle: actix_web::dev::ServerHandle,
    pub watch: gagt::revision::RevisionWatch,
}

impl Server {
    pub fn start(config: Config) -> Server {
        let (addr, handle, watch) = launch(config);
        Server { addr, handle, watch }
    }

    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        reqwest::blocking::get(format!("{}{path}", self.addr)).expect("request")
    }
}

/// Start a server as `serve` does (`prepare` first) on a port of its own.
fn launch(config: Config) -> (String, actix_web::dev::ServerHandle, gagt::revision::RevisionWatch) {
    gagt::prepare(&config).expect("migrate and import");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let (server, watch) = gagt::serve_with_watch(config, listener).expect("server starts");
            tx.send((server.handle(), watch)).unwrap();
            server.await
        })
    });
    let (handle, watch) = rx.recv().expect("server handle");
    (addr, handle, watch)
}

impl Drop for Server {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false))).join();
        self.watch.stop_polling();
    }
}

/// The test binary's app on the small fixture, shared by tests that only read.
pub fn shared_app(backend: Backend) -> &'static TestApp {
    shared::app(backend, shared::Dataset::Fixture)
}

/// The test binary's app on the bundled dataset, shared by tests that only read.
pub fn shared_bundled(backend: Backend) -> &'static TestApp {
    shared::app(backend, shared::Dataset::Bundled)
}

/// Assert a problem+json response with the given status; returns the body.
pub fn assert_problem(res: reqwest::blocking::Response, status: u16) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status);
    let ct = res.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert_eq!(ct, "application/problem+json");
    let body: serde_json::Value = res.json().unwrap();
    assert_eq!(body["status"], status);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

/// Copy a canonical dataset folder: its CSV files, and the source documents
/// it lists into `to/sources/` (where the importer looks for them).
pub fn copy_dataset(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "csv") {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    std::fs::create_dir_all(to.join("sources")).unwrap();
    let mut rdr = csv::Reader::from_path(from.join("source_documents.csv")).unwrap();
    for rec in rdr.records() {
        let name = rec.unwrap()[1].to_string();
        std::fs::copy(gagt::import::canonical::source_path(from, &name), to.join("sources").join(&name)).unwrap();
    }
}

/// The bundled dataset (`data/canonical`, with `data/sources`).
pub fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/canonical")
}

/// Start the app with the bundled dataset imported.
pub fn spawn_bundled(backend: Backend) -> TestApp {
    spawn_app_with(backend, Some(&bundled()))
}
