//! Configuration: one typed struct, built once from flags and environment.
//!
//! The options and their defaults are declared once, here, as the command
//! line's arguments ([`CommonArgs`], [`ServeArgs`]): `main` parses them,
//! [`Config::from_args`] turns them into a [`Config`], and [`Config::new`]
//! (tests, fuzzing) starts from the same declared defaults.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, FromArgMatches};

use crate::db::DatabaseUrl;

/// The SQLite file used when no database URL is given.
pub const DEFAULT_SQLITE_FILE: &str = "gagt.sqlite3";

#[derive(Clone, Debug)]
pub struct Config {
    pub database: DatabaseUrl,
    pub host: String,
    pub port: u16,
    pub pool_size: u32,
    pub workers: usize,
    /// The bundled canonical dataset, imported on first start when the database is empty.
    pub bundled_dataset: Option<PathBuf>,
    /// `Cache-Control: max-age` of API responses, in seconds.
    pub cache_max_age: u32,
    /// How often the dataset revision is re-read from the database.
    pub revision_poll: Duration,
    /// Where snapshot files are written and served from.
    pub snapshot_dir: PathBuf,
    /// How many past revisions' snapshots stay downloadable.
    pub keep_revisions: usize,
    /// Data license: name and URL.
    pub license_name: String,
    pub license_url: String,
    /// The public base URL, for citations and feed ids (e.g. https://datos.example.gt).
    pub public_url: String,
    /// Memory for hot responses, in bytes (0 disables the cache).
    pub response_cache_bytes: usize,
    /// Rows read per query when streaming a whole CSV list (no `limit`, or `all=1`).
    pub stream_chunk_rows: i64,
    /// Time a client has to send a request's head (slow clients are cut off).
    pub request_timeout: Duration,
    /// How long an idle keep-alive connection stays open.
    pub keep_alive: Duration,
    /// Requests per minute per client address (0: no limit), with bursts of
    /// up to a quarter of it.
    pub rate_limit_per_minute: u32,
    /// Requests a client may make at once before the rate applies (0: a
    /// quarter of the per-minute rate).
    pub rate_limit_burst: u32,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// How long a request waits for a database connection before a 503.
    pub pool_timeout: Duration,
    /// Blocking (database) threads per worker; 0: twice the pool size plus two.
    pub blocking_threads: usize,
    /// The longest a serving statement may run (cancelled past it: 503); zero: no limit.
    pub statement_timeout: Duration,
    /// Open connections one client address may hold (reverse proxies in
    /// `trusted_proxies` are exempt); past it: 429 and closed.
    pub max_connections_per_address: usize,
    /// Open connections in all; 0: nine tenths of the open-file limit.
    pub max_connections: usize,
    /// How long a response may wait for a client that does not read before
    /// the connection is closed; zero: no limit.
    pub write_timeout: Duration,
    /// Whole-list CSV streams at once (each holds a database connection
    /// while it reads); 0: half the pool, at least one.
    pub max_streams: usize,
    /// Whole-list CSV streams one client may run at once.
    pub max_streams_per_client: usize,
    /// The key cursors are signed with; None: the database's own random
    /// secret (`deployment_secrets`), shared by every replica serving it.
    pub cursor_key: Option<String>,
    /// Where each revision's records are prepared (JSON detail, CSV, list
    /// record, page per language); None: items are always built from the database.
    pub prepared_dir: Option<PathBuf>,
}

/// Options every command takes (before or after the command's name).
#[derive(Args, Clone, Debug)]
pub struct CommonArgs {
    /// Database: postgres://... or an SQLite path (sqlite://path). Unset: an SQLite file in --data-dir.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Where the default SQLite database and the snapshots live (created on first start).
    #[arg(long, env = "GAGT_DATA_DIR", default_value = "var", global = true)]
    pub data_dir: PathBuf,
    /// Where download snapshots are written (default: DATA_DIR/snapshots).
    #[arg(long, env = "GAGT_SNAPSHOT_DIR", global = true)]
    pub snapshot_dir: Option<PathBuf>,
    /// How many past revisions stay downloadable.
    #[arg(long, env = "GAGT_KEEP_REVISIONS", default_value_t = 5, global = true)]
    pub keep_revisions: usize,
    /// Data license name and URL, published in /v1, the datapackage and the landing page.
    #[arg(long, env = "GAGT_LICENSE_NAME", default_value = "CC BY 4.0", global = true)]
    pub license_name: String,
    #[arg(
        long,
        env = "GAGT_LICENSE_URL",
        default_value = "https://creativecommons.org/licenses/by/4.0/",
        global = true
    )]
    pub license_url: String,
    /// Public base URL of the service (citations, feed ids, JSON-LD).
    #[arg(long, env = "GAGT_PUBLIC_URL", default_value = "http://127.0.0.1:8080", global = true)]
    pub public_url: String,
}

// `serve`'s options. (No doc comment: on a flattened struct it would replace
// the command's own description in `serve --help`.)
#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Database connections in the serving pool.
    #[arg(long, env = "POOL_SIZE", default_value_t = 8)]
    pub pool_size: u32,
    /// HTTP worker threads (0: one per core).
    #[arg(long, env = "WORKERS", default_value_t = 0)]
    pub workers: usize,
    /// Canonical dataset imported on first start when the database is empty.
    #[arg(long, env = "GAGT_BUNDLED_DATASET", default_value = "data/canonical")]
    pub bundled_dataset: PathBuf,
    /// Do not import anything at start.
    #[arg(long)]
    pub no_bundled_import: bool,
    /// Cache-Control max-age of API responses, in seconds.
    #[arg(long, env = "CACHE_MAX_AGE", default_value_t = 60)]
    pub cache_max_age: u32,
    /// How often to check the database for a new dataset revision, in milliseconds.
    #[arg(long, env = "REVISION_POLL_MS", default_value_t = 2000)]
    pub revision_poll_ms: u64,
    /// Memory for hot responses, in MiB (0 disables the cache).
    #[arg(long, env = "RESPONSE_CACHE_MB", default_value_t = 64)]
    pub response_cache_mb: usize,
    /// Milliseconds a client has to send a request's head before it is cut off.
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 5000)]
    pub request_timeout_ms: u64,
    /// Seconds an idle keep-alive connection stays open.
    #[arg(long, env = "KEEP_ALIVE_S", default_value_t = 15)]
    pub keep_alive_s: u64,
    /// Requests per minute per client address, bursts of a quarter of it (0: no limit).
    #[arg(long, env = "RATE_LIMIT_PER_MINUTE", default_value_t = 1200)]
    pub rate_limit_per_minute: u32,
    /// Requests a client may make at once before the rate applies (0: a quarter of the per-minute rate).
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 0)]
    pub rate_limit_burst: u32,
    /// Milliseconds a request waits for a free database connection before a 503.
    #[arg(long, env = "POOL_TIMEOUT_MS", default_value_t = 5000)]
    pub pool_timeout_ms: u64,
    /// Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// Blocking (database) threads per worker (0: twice the pool size plus two).
    #[arg(long, env = "BLOCKING_THREADS", default_value_t = 0)]
    pub blocking_threads: usize,
    /// Milliseconds a serving query may run before it is cancelled (503); 0: no limit.
    #[arg(long, env = "STATEMENT_TIMEOUT_MS", default_value_t = crate::db::DEFAULT_STATEMENT_TIMEOUT.as_millis() as u64)]
    pub statement_timeout_ms: u64,
    /// Open connections one client address may hold (trusted proxies exempt); past it 429.
    #[arg(long, env = "MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub max_connections_per_address: usize,
    /// Open connections in all (0: nine tenths of the open-file limit); past it 503.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: usize,
    /// Milliseconds a response waits for a client that reads nothing before the connection closes (0: forever).
    #[arg(long, env = "WRITE_TIMEOUT_MS", default_value_t = 30000)]
    pub write_timeout_ms: u64,
    /// Whole-list CSV streams at once (0: half the pool); past it 503.
    #[arg(long, env = "MAX_STREAMS", default_value_t = 0)]
    pub max_streams: usize,
    /// Whole-list CSV streams one client may run at once; past it 429.
    #[arg(long, env = "MAX_STREAMS_PER_CLIENT", default_value_t = 2)]
    pub max_streams_per_client: usize,
    /// Key that signs pagination cursors (default: a random secret kept in the database, shared by its
    /// replicas; set the same key on replicas that have databases of their own).
    #[arg(long, env = "GAGT_CURSOR_KEY", hide_env_values = true)]
    pub cursor_key: Option<String>,
    /// Do not prepare each record's JSON detail, CSV, list record and pages per revision (in DATA_DIR/prepared,
    /// written in the background after a revision appears; first-time item reads and pages are then one key
    /// lookup).
    #[arg(long, env = "NO_PREPARED_ITEMS")]
    pub no_prepared_items: bool,
}

/// The declared defaults of a set of options, as if none were given: no
/// environment variable is read.
fn declared_defaults<T: Args + FromArgMatches>() -> T {
    let command = T::augment_args(clap::Command::new("defaults")).mut_args(|a| a.env(None::<&'static str>));
    let matches = command.try_get_matches_from(["defaults"]).expect("every option has a default or is optional");
    T::from_arg_matches(&matches).expect("every option has a default or is optional")
}

impl CommonArgs {
    /// The declared defaults (no environment variable is read).
    pub fn defaults() -> CommonArgs {
        declared_defaults()
    }
}

impl ServeArgs {
    /// The declared defaults (no environment variable is read).
    pub fn defaults() -> ServeArgs {
        declared_defaults()
    }
}

/// Rows read per query when streaming a whole CSV list (no `limit`, or `all=1`); not an option.
const STREAM_CHUNK_ROWS: i64 = 5000;

impl Config {
    /// The configuration the options describe.
    pub fn from_args(common: CommonArgs, serve: ServeArgs) -> Config {
        let database = database_url(common.database_url.as_deref(), &common.data_dir);
        Config {
            database,
            host: serve.host,
            port: serve.port,
            pool_size: serve.pool_size,
            workers: serve.workers,
            bundled_dataset: (!serve.no_bundled_import).then_some(serve.bundled_dataset),
            cache_max_age: serve.cache_max_age,
            revision_poll: Duration::from_millis(serve.revision_poll_ms.max(50)),
            snapshot_dir: common.snapshot_dir.unwrap_or_else(|| common.data_dir.join("snapshots")),
            keep_revisions: common.keep_revisions,
            license_name: common.license_name,
            license_url: common.license_url,
            public_url: common.public_url.trim_end_matches('/').to_string(),
            response_cache_bytes: serve.response_cache_mb << 20,
            stream_chunk_rows: STREAM_CHUNK_ROWS,
            // actix-http checks deadlines against a clock it refreshes every 500 ms.
            request_timeout: Duration::from_millis(serve.request_timeout_ms.max(1000)),
            keep_alive: Duration::from_secs(serve.keep_alive_s),
            rate_limit_per_minute: serve.rate_limit_per_minute,
            rate_limit_burst: serve.rate_limit_burst,
            trusted_proxies: serve.trusted_proxies,
            pool_timeout: Duration::from_millis(serve.pool_timeout_ms.max(1)),
            blocking_threads: serve.blocking_threads,
            statement_timeout: Duration::from_millis(serve.statement_timeout_ms),
            max_connections_per_address: serve.max_connections_per_address.max(1),
            max_connections: serve.max_connections,
            write_timeout: Duration::from_millis(serve.write_timeout_ms),
            max_streams: serve.max_streams,
            max_streams_per_client: serve.max_streams_per_client.max(1),
            cursor_key: serve.cursor_key.filter(|k| !k.is_empty()),
            prepared_dir: (!serve.no_prepared_items).then(|| common.data_dir.join("prepared")),
        }
    }

    /// The declared defaults on `database`, with files in `data_dir`, for a
    /// program that builds the app itself (tests, fuzzing): unlike `serve`,
    /// nothing is imported at start, there is no rate limit (one client
    /// address makes every request) and items are not prepared (every
    /// response is built as it is asked for; tests that want them set
    /// `prepared_dir`).
    pub fn new(database: DatabaseUrl, data_dir: &Path) -> Config {
        let common = CommonArgs { data_dir: data_dir.to_path_buf(), ..CommonArgs::defaults() };
        let serve = ServeArgs {
            no_bundled_import: true,
            rate_limit_per_minute: 0,
            no_prepared_items: true,
            ..ServeArgs::defaults()
        };
        Config { database, ..Config::from_args(common, serve) }
    }
}

/// Resolve the database: the URL if given, else an SQLite file in `data_dir`.
pub fn database_url(url: Option<&str>, data_dir: &Path) -> DatabaseUrl {
    match url.filter(|u| !u.is_empty()) {
        Some(u) => DatabaseUrl::parse(u),
        None => DatabaseUrl::parse(&data_dir.join(DEFAULT_SQLITE_FILE).display().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_defaults_are_the_command_lines_without_import_or_rate_limit() {
        let dir = Path::new("/data");
        let c = Config::new(DatabaseUrl::parse("postgres://db/x"), dir);
        assert_eq!(c.database.target, "postgres://db/x");
        assert_eq!((c.host.as_str(), c.port, c.pool_size, c.workers), ("127.0.0.1", 8080, 8, 0));
        assert_eq!((c.bundled_dataset, c.rate_limit_per_minute, c.rate_limit_burst), (None, 0, 0));
        assert_eq!((c.cache_max_age, c.revision_poll, c.response_cache_bytes), (60, Duration::from_secs(2), 64 << 20));
        assert_eq!((c.snapshot_dir, c.keep_revisions), (dir.join("snapshots"), 5));
        assert_eq!((c.license_name.as_str(), c.public_url.as_str()), ("CC BY 4.0", "http://127.0.0.1:8080"));
        assert_eq!(c.license_url, "https://creativecommons.org/licenses/by/4.0/");
        assert_eq!((c.request_timeout, c.keep_alive), (Duration::from_secs(5), Duration::from_secs(15)));
        assert_eq!((c.pool_timeout, c.statement_timeout), (Duration::from_secs(5), Duration::from_secs(10)));
        assert_eq!((c.max_connections_per_address, c.max_connections, c.blocking_threads), (256, 0, 0));
        assert_eq!((c.write_timeout, c.max_streams, c.max_streams_per_client), (Duration::from_secs(30), 0, 2));
        assert_eq!((c.stream_chunk_rows, c.trusted_proxies.len(), c.cursor_key), (5000, 0, None));
        // `serve` imports the bundled dataset and limits the rate unless told not to.
        let serve = Config::from_args(CommonArgs::defaults(), ServeArgs::defaults());
        assert_eq!(serve.bundled_dataset, Some(PathBuf::from("data/canonical")));
        assert_eq!(serve.rate_limit_per_minute, 1200);
        assert_eq!(serve.database.target, "var/gagt.sqlite3");
    }
}
