//! Configuration: one typed struct, built once from flags and environment.

use std::path::PathBuf;

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
    pub revision_poll: std::time::Duration,
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
    /// Rows read per query when streaming a whole list (`all=1`).
    pub stream_chunk_rows: i64,
    /// Time a client has to send a request's head (slow clients are cut off).
    pub request_timeout: std::time::Duration,
    /// How long an idle keep-alive connection stays open.
    pub keep_alive: std::time::Duration,
    /// Requests per minute per client address (0: no limit), with bursts of
    /// up to a quarter of it.
    pub rate_limit_per_minute: u32,
    /// Requests a client may make at once before the rate applies (0: a
    /// quarter of the per-minute rate).
    pub rate_limit_burst: u32,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a request waits for a database connection before a 503.
    pub pool_timeout: std::time::Duration,
    /// Blocking (database) threads per worker; 0: twice the pool size plus two.
    pub blocking_threads: usize,
    /// The longest a serving statement may run (cancelled past it: 503); zero: no limit.
    pub statement_timeout: std::time::Duration,
    /// Open connections one client address may hold (reverse proxies in
    /// `trusted_proxies` are exempt); past it: 429 and closed.
    pub max_connections_per_address: usize,
    /// Open connections in all; 0: nine tenths of the open-file limit.
    pub max_connections: usize,
    /// How long a response may wait for a client that does not read before
    /// the connection is closed; zero: no limit.
    pub write_timeout: std::time::Duration,
    /// Whole-list CSV streams at once (each holds a database connection
    /// while it reads); 0: half the pool, at least one.
    pub max_streams: usize,
    /// Whole-list CSV streams one client may run at once.
    pub max_streams_per_client: usize,
    /// The key cursors are signed with; None: the database's own random
    /// secret (`deployment_secrets`), shared by every replica serving it.
    pub cursor_key: Option<String>,
}

impl Config {
    /// Defaults for everything but the database; `main` overrides from flags.
    pub fn new(database: DatabaseUrl, data_dir: &std::path::Path) -> Config {
        Config {
            database,
            host: "127.0.0.1".into(),
            port: 8080,
            pool_size: 8,
            workers: 0,
            bundled_dataset: None,
            cache_max_age: 60,
            revision_poll: std::time::Duration::from_secs(2),
            snapshot_dir: data_dir.join("snapshots"),
            keep_revisions: 5,
            license_name: "CC BY 4.0".into(),
            license_url: "https://creativecommons.org/licenses/by/4.0/".into(),
            public_url: "http://127.0.0.1:8080".into(),
            response_cache_bytes: 64 << 20,
            stream_chunk_rows: 5000,
            request_timeout: std::time::Duration::from_secs(5),
            keep_alive: std::time::Duration::from_secs(15),
            rate_limit_per_minute: 0,
            rate_limit_burst: 0,
            trusted_proxies: Vec::new(),
            pool_timeout: std::time::Duration::from_secs(5),
            blocking_threads: 0,
            statement_timeout: crate::db::DEFAULT_STATEMENT_TIMEOUT,
            max_connections_per_address: 256,
            max_connections: 0,
            write_timeout: std::time::Duration::from_secs(30),
            max_streams: 0,
            max_streams_per_client: 2,
            cursor_key: None,
        }
    }
}

/// Resolve the database: the URL if given, else an SQLite file in `data_dir`.
pub fn database_url(url: Option<&str>, data_dir: &std::path::Path) -> DatabaseUrl {
    match url.filter(|u| !u.is_empty()) {
        Some(u) => DatabaseUrl::parse(u),
        None => DatabaseUrl::parse(&data_dir.join(DEFAULT_SQLITE_FILE).display().to_string()),
    }
}
