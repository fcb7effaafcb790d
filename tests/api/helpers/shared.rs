//! One app per backend and dataset for the whole test binary, shared by the
//! tests that only read (`read_only!`): started by the first of them, on a
//! database of its own like any test app, and stopped when the test binary
//! exits, its database dropped and its files removed. A test binary killed
//! before that leaves them behind: the next one to start removes those of
//! processes that are gone.
//!
//! Sharing saves each such test a database, an import, the download files
//! and a server. What it must not share: anything a test changes or counts
//! (data, files, configuration, the round-trip counter, limits). Those tests
//! start an app of their own.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once, OnceLock, PoisonError};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use super::{bundled, fixture, pg_admin_url, spawn_on, Backend, TestApp, TestDb};

/// Databases and temporary folders of shared apps: `gagt_shared_<pid>_...`.
const PREFIX: &str = "gagt_shared_";

#[derive(Clone, Copy, Debug)]
pub enum Dataset {
    /// `tests/fixtures/small`.
    Fixture,
    /// `data/canonical`.
    Bundled,
}

static APPS: [OnceLock<TestApp>; 4] = [const { OnceLock::new() }; 4];

/// The binary's app on `dataset` and `backend`, started by the first test
/// that asks for it (others asking meanwhile wait for it).
pub fn app(backend: Backend, dataset: Dataset) -> &'static TestApp {
    APPS[backend as usize * 2 + dataset as usize].get_or_init(|| {
        remove_stale();
        let name = format!("{PREFIX}{}_{dataset:?}_{backend:?}", std::process::id()).to_lowercase();
        let data = tempfile::Builder::new().prefix(&name).tempdir().expect("snapshot dir");
        let path = match dataset {
            Dataset::Fixture => fixture(),
            Dataset::Bundled => bundled(),
        };
        let app = spawn_on(TestDb::named(backend, &name), data, Some(&path), |c| {
            // Nothing changes its data: polling for a new revision is only a load.
            c.revision_poll = std::time::Duration::from_secs(1);
            // Whole-list streams for every test that may run at once, each its own.
            c.pool_size = 8;
            c.max_streams = 8;
            c.max_streams_per_client = 8;
        });
        // After this app's first database connection: see `stop_at_exit`.
        stop_at_exit();
        app
    })
}

/// Stop every shared app, drop its database and remove its files.
fn stop_all() {
    for app in APPS.iter().filter_map(OnceLock::get) {
        app.stop();
        app.db.remove();
        let _ = std::fs::remove_dir_all(app.data.path());
    }
}

/// The thread that stops the shared apps when the process exits.
static JANITOR: Mutex<Option<std::thread::JoinHandle<()>>> = Mutex::new(None);
static EXITING: AtomicBool = AtomicBool::new(false);

/// Have the shared apps stopped at exit, after the last test: a server
/// still polling its database while the process tears down its TLS state
/// crashes it (see `RevisionWatch::spawn_poller`).
///
/// `exit` calls the handler on the main thread, whose thread-locals are
/// destroyed by then (stopping a server needs a runtime, which needs its
/// own), so the work is done by a thread started now, which the handler
/// wakes and waits for.
/// `exit` runs the handler registered last first: registered after each
/// shared app's first connection, it runs before the TLS library's own exit
/// handler (registered at the first PostgreSQL connection), which dropping
/// a database needs. Later calls find nothing left to do.
fn stop_at_exit() {
    extern "C" fn at_exit() {
        EXITING.store(true, Ordering::SeqCst);
        let janitor = JANITOR.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(janitor) = janitor {
            janitor.thread().unpark();
            let _ = janitor.join();
        }
    }
    let mut janitor = JANITOR.lock().unwrap_or_else(PoisonError::into_inner);
    if janitor.is_none() {
        *janitor = Some(
            std::thread::Builder::new()
                .name("shared-apps-at-exit".into())
                .spawn(|| {
                    while !EXITING.load(Ordering::SeqCst) {
                        std::thread::park();
                    }
                    stop_all();
                })
                .expect("spawn the thread stopping shared apps"),
        );
    }
    // SAFETY: registers a function that takes nothing and returns nothing.
    unsafe { libc::atexit(at_exit) };
}

/// Remove what shared apps of test binaries that were killed left (their
/// process is gone), once per process.
fn remove_stale() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let gone = |name: &str| {
            let pid = name.strip_prefix(PREFIX).and_then(|rest| rest.split('_').next());
            pid.and_then(|p| p.parse::<u32>().ok()).is_some_and(|p| !Path::new(&format!("/proc/{p}")).exists())
        };
        for entry in std::fs::read_dir(std::env::temp_dir()).into_iter().flatten().flatten() {
            if gone(&entry.file_name().to_string_lossy()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        #[derive(diesel::QueryableByName)]
        struct Database {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let Ok(mut admin) = PgConnection::establish(&pg_admin_url()) else { return };
        let query = format!("SELECT datname FROM pg_database WHERE datname LIKE '{}%'", PREFIX.replace('_', "\\_"));
        for Database { datname } in diesel::sql_query(query).load(&mut admin).unwrap_or_default() {
            if gone(&datname) {
                // Not WITH (FORCE): a database someone is connected to is not stale.
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {datname}"));
            }
        }
    });
}
