//! Database access: the two supported backends behind one connection type,
//! the serving pool, migrations, and the few backend-specific helpers.
//!
//! Query code everywhere else is written once against [`DbConnection`]; the
//! only places that look at the concrete backend live in this module.

pub mod backend;
pub mod migrations;
pub mod native;
pub mod pg_network;
mod sqlite_timeout;

pub use sqlite_timeout::INTERRUPTED as SQLITE_INTERRUPTED;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{PgConnection, SqliteConnection};

/// One connection to either backend. The same diesel queries run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// What can keep a database from being opened, migrated or checked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The folder of the SQLite file could not be created.
    #[error("cannot create data directory {}: {source}", dir.display())]
    CreateDir { dir: PathBuf, source: std::io::Error },
    /// A connection could not be opened (`url` is redacted). On SQLite,
    /// `folder` says why the database's folder cannot be written, if it cannot.
    #[error("cannot open {url}: {source}{}", in_parentheses(.folder))]
    Open { url: String, source: ConnectionError, folder: Option<UnwritableFolder> },
    /// The serving pool could not open its first connection.
    #[error("cannot open {url}: {source}")]
    Pool { url: String, source: r2d2::PoolError },
    #[error("migration failed: {0}")]
    Migration(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot read the embedded migrations: {0}")]
    EmbeddedMigrations(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot read the applied migrations: {0}")]
    AppliedMigrations(#[source] diesel::result::Error),
    #[error("cannot read this login's privileges: {0}")]
    Privileges(#[source] diesel::result::Error),
    /// `serve`'s login can only read and the schema lacks these migrations.
    #[error(
        "the database schema is behind this binary ({} migration(s) pending: {}) and this login can only \
         read: run `gobierno-abierto-gt migrate` with a role that can write, then try again",
        pending.len(),
        pending.join(", ")
    )]
    SchemaBehind { pending: Vec<String> },
}

/// Why an SQLite database's folder cannot be written (a full disk, a
/// read-only file system): what SQLite's "disk I/O error" or "database or
/// disk is full" leaves out.
#[derive(Debug, thiserror::Error)]
#[error("the folder {} cannot be written: {source}", dir.display())]
pub struct UnwritableFolder {
    pub dir: PathBuf,
    pub source: std::io::Error,
}

/// An error on a database, followed by why its folder cannot be written
/// when that is so (see [`explain`]).
#[derive(Debug, thiserror::Error)]
#[error("{error}{}", in_parentheses(.folder))]
pub struct Explained<E: std::error::Error + 'static> {
    pub error: E,
    pub folder: Option<UnwritableFolder>,
}

fn in_parentheses(folder: &Option<UnwritableFolder>) -> String {
    folder.as_ref().map(|f| format!(" ({f})")).unwrap_or_default()
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Which engine a database URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    Postgres,
    Sqlite,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::Postgres => "postgres",
            BackendKind::Sqlite => "sqlite",
        })
    }
}

/// A parsed database location. SQLite accepts `sqlite://path`, `sqlite:path`
/// or a bare path; PostgreSQL accepts `postgres://` and `postgresql://` URLs.
#[derive(Clone, Debug)]
pub struct DatabaseUrl {
    pub kind: BackendKind,
    /// What the driver receives: the URL for PostgreSQL, the file path for SQLite.
    pub target: String,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> DatabaseUrl {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return DatabaseUrl { kind: BackendKind::Postgres, target: url.to_string() };
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        DatabaseUrl { kind: BackendKind::Sqlite, target: path.to_string() }
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted(&self) -> String {
        match self.kind {
            BackendKind::Sqlite => format!("sqlite://{}", self.target),
            BackendKind::Postgres => match url::Url::parse(&self.target) {
                Ok(mut u) if u.password().is_some() => {
                    let _ = u.set_password(Some("***"));
                    u.to_string()
                }
                _ => self.target.clone(),
            },
        }
    }
}

/// Opens connections by dispatching on the URL scheme ourselves, so that the
/// driver's own error message (wrong password, missing file...) is kept.
#[derive(Clone, Debug)]
pub struct Manager {
    url: DatabaseUrl,
    read_only: bool,
    statement_timeout: Duration,
}

impl Manager {
    pub fn new(url: DatabaseUrl, read_only: bool) -> Manager {
        Manager { url, read_only, statement_timeout: DEFAULT_STATEMENT_TIMEOUT }
    }
}

/// The longest a serving session may sit in a transaction doing nothing (a
/// whole-list stream waiting for its client, say); past it PostgreSQL ends
/// the session, the stream is cut, and the pool opens a new connection.
pub const IDLE_IN_TRANSACTION_MS: u64 = 60_000;

/// How long a serving statement may run unless configured.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

/// Past the statement deadline, how long a request still waits for its
/// answer: the server's cancellation and its reply need a round trip.
pub const ANSWER_GRACE: Duration = Duration::from_secs(2);

/// The longest a request waits for database work: a connection from the
/// pool (`pool_wait`), then statements cut off by the server at
/// `statement_timeout`, and [`ANSWER_GRACE`]. The server's deadline cannot
/// fire for a query that never reached it (a silent network), so the
/// request stops waiting by itself; `None` when statements are unbounded.
pub fn answer_deadline(pool_wait: Duration, statement_timeout: Duration) -> Option<Duration> {
    (!statement_timeout.is_zero()).then(|| pool_wait + statement_timeout + ANSWER_GRACE)
}

/// Open one connection, with the per-connection settings each backend needs.
/// `statement_timeout` bounds every statement of a serving connection
/// (PostgreSQL's `statement_timeout`; a progress handler on SQLite, see
/// [`sqlite_timeout`]); zero leaves statements unbounded.
pub fn establish(
    url: &DatabaseUrl,
    read_only: bool,
    statement_timeout: Duration,
) -> Result<DbConnection, ConnectionError> {
    match url.kind {
        BackendKind::Postgres => {
            // Bounded waits on the network (connect, keepalives, unacknowledged sends).
            let mut conn = PgConnection::establish(&pg_network::with_network_bounds(&url.target))?;
            // Serving connections: read-only, and no query may run long. The
            // import's bulk COPY and index builds are not bounded.
            if read_only {
                let mut setup = String::new();
                // The read-only role (migration 000005) and read-only transactions.
                setup.push_str(&format!(
                    "SET ROLE gagt_reader; SET statement_timeout = {}; SET default_transaction_read_only = on; \
                     SET default_transaction_isolation = 'repeatable read'; \
                     SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS};",
                    statement_timeout.as_millis()
                ));
                conn.batch_execute(&setup).map_err(ConnectionError::CouldntSetupConfiguration)?;
            } else {
                // The import: one big transaction of COPYs into tables with GIN
                // indexes. A larger pending list and sort memory cut the index
                // maintenance; the commit is all-or-nothing either way.
                conn.batch_execute(
                    "SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'; \
                     SET gin_pending_list_limit = '64MB';",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            }
            Ok(DbConnection::Pg(conn))
        }
        BackendKind::Sqlite => {
            // Serving connections open the file read-only (SQLITE_OPEN_READONLY
            // through a `mode=ro` URI): no statement can write, whatever it says.
            let target = if read_only && !url.target.starts_with("file:") && url.target != ":memory:" {
                let path = url.target.replace('%', "%25").replace('?', "%3f").replace('#', "%23");
                format!("file:{path}?mode=ro")
            } else {
                url.target.clone()
            };
            let limit = if read_only { statement_timeout } else { Duration::ZERO };
            let mut conn = sqlite_timeout::open_with_timeout(limit, || SqliteConnection::establish(&target))?;
            let mut setup = String::from("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
            if read_only {
                setup.push_str("PRAGMA query_only = ON;");
            } else {
                // Writing is the import: a page cache of 32 MB keeps the
                // indexes being filled in memory (256 MB took about 200 MB
                // more of the import's peak at scale 100 for a few seconds
                // less: BENCHMARKS.md, "2026-12-07 (sixth session)"; the
                // database is written beside the snapshot files, which take
                // longer, so a smaller cache costs the import no time).
                setup.push_str(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768; \
                     PRAGMA temp_store = MEMORY;",
                );
            }
            conn.batch_execute(&setup).map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        establish(&self.url, self.read_only, self.statement_timeout).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// The serving pool: read-only connections (writes go through `import`).
/// The read-only pool `serve` uses. A request that finds every connection
/// busy for `wait` gets 503 with `Retry-After` instead of hanging.
pub fn serving_pool(url: &DatabaseUrl, size: u32, wait: Duration, statement_timeout: Duration) -> Result<Pool, Error> {
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(wait)
        .build(Manager { statement_timeout, ..Manager::new(url.clone(), true) })
        .map_err(|source| Error::Pool { url: url.redacted(), source })
}

/// Run `f` in one read transaction: every statement in it sees the same
/// committed state (serving connections on PostgreSQL begin their
/// transactions at REPEATABLE READ; SQLite holds one snapshot per read
/// transaction). A response built inside never mixes two imports.
pub fn read_snapshot<T, E>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(f)
}

/// Open an SQLite file of the server's own (not a dataset database, so no
/// pool) with the settings every connection gets: plans that do not depend
/// on bound values, so a statement kept prepared is not compiled again on
/// each bind; no statement timer.
pub fn open_sqlite_file(uri: &str) -> ConnectionResult<SqliteConnection> {
    sqlite_timeout::open_with_timeout(Duration::ZERO, || SqliteConnection::establish(uri))
}

/// Apply pending migrations; returns the versions applied.
pub fn migrate(conn: &mut DbConnection) -> Result<Vec<String>, Error> {
    migrations::run_migrations(conn)
}

/// Open a writable connection for migrate/import, creating the SQLite file's
/// folder when needed.
pub fn open_for_writing(url: &DatabaseUrl) -> Result<DbConnection, Error> {
    if url.kind == BackendKind::Sqlite {
        if let Some(dir) = std::path::Path::new(&url.target).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir { dir: dir.to_path_buf(), source })?;
            }
        }
    }
    establish(url, false, Duration::ZERO).map_err(|source| Error::Open {
        url: url.redacted(),
        source,
        folder: unwritable_folder(url),
    })
}

/// `error` with, on SQLite, why the database's folder cannot be written
/// when it cannot (see [`unwritable_folder`]).
pub fn explain<E: std::error::Error>(url: &DatabaseUrl, error: E) -> Explained<E> {
    Explained { folder: unwritable_folder(url), error }
}

/// SQLite says "disk I/O error" or "database or disk is full" without the
/// operating system's reason; find it by writing a small file beside the
/// database (a full disk, a read-only file system). Nothing on PostgreSQL.
pub fn unwritable_folder(url: &DatabaseUrl) -> Option<UnwritableFolder> {
    if url.kind != BackendKind::Sqlite {
        return None;
    }
    let path = std::path::Path::new(&url.target);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let probe = dir.join(format!(".gagt-write-probe-{}", std::process::id()));
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        use std::io::Write;
        f.write_all(&[0u8; 64 << 10])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    written.err().map(|source| UnwritableFolder { dir: dir.to_path_buf(), source })
}
