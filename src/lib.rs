//! Open-data API for Guatemala's open-government action plans.
//!
//! The binary (`main.rs`) only parses the command line; everything it runs
//! lives here so the tests drive the same code: [`api::build_app`] builds the
//! HTTP application, [`serve`] runs it, [`import::import_dir`] loads data.

#[cfg(feature = "mimalloc")]
pub mod alloc;
pub mod api;
pub mod config;
pub mod db;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod import;
pub mod models;
pub mod percent;
pub mod pipeline;
pub mod progress;
pub mod publication;
pub mod revision;
pub mod schema;
pub mod server;
pub mod snapshot;
pub mod synthetic;
pub mod text;
pub mod views;
pub mod vocabulary;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;

use api::AppState;
use config::Config;

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Database(#[from] db::Error),
    #[error("cannot read revisions: {0}")]
    Revisions(#[source] diesel::result::Error),
    /// The bundled dataset could not be imported.
    #[error(transparent)]
    Import(#[from] import::ImportError),
    #[error(transparent)]
    Snapshot(#[from] snapshot::Error),
    /// The HTTP server could not start.
    #[error("cannot listen: {0}")]
    Start(#[source] std::io::Error),
    /// The HTTP server stopped with an error.
    #[error("{0}")]
    Serve(#[source] std::io::Error),
}

/// `serve`'s start, before any serving connection opens: the schema made
/// current (migrated only when behind and the login can write; a login that
/// only reads is refused on a schema behind, with what to do), the bundled
/// dataset imported when the database holds no revision and the login can
/// write, and the current revision's download files written. A revision
/// whose download files cannot be written does not stop the server: the
/// error is logged, the previous files stay served, and the revision poll
/// tries again.
pub fn prepare(config: &Config) -> Result<(), Error> {
    // What imports or servers killed while writing files left behind.
    snapshot::clean_leftovers(&config.snapshot_dir);
    let (mut conn, access) = db::migrations::open_current(&config.database)?;
    if access == db::migrations::Access::Write && config.database.kind == db::BackendKind::Postgres {
        log::warn!(
            "`serve` is logged in with a role that can write: serving connections switch to the reader role, \
             but only a login that can read and nothing more guarantees it (README, \"Least privilege\")"
        );
    }
    if let Some(dir) = &config.bundled_dataset {
        let current = models::revision::current(&mut conn).map_err(Error::Revisions)?;
        match (current, access) {
            (Some(_), _) => {}
            (None, db::migrations::Access::Write) => {
                let (outcome, _) = import::import_dir(&mut conn, dir, false)?;
                log::info!("imported bundled dataset from {}: {outcome:?}", dir.display());
            }
            (None, db::migrations::Access::ReadOnly) => log::warn!(
                "the database holds no dataset yet and this login can only read: serving nothing until \
                 `gobierno-abierto-gt import` runs with a role that can write"
            ),
        }
    }
    if let Err(e) = write_snapshot(config, &mut conn) {
        log::error!("cannot write the current revision's download files (serving the previous ones): {e}");
    }
    Ok(())
}

/// Write the current revision's download files if they are not on disk yet.
pub fn write_snapshot(config: &Config, conn: &mut db::DbConnection) -> Result<(), Error> {
    let Some(row) = models::revision::current(conn).map_err(Error::Revisions)? else {
        return Ok(());
    };
    snapshot::ensure(config, conn, &revision::Revision::from_row(&row))?;
    Ok(())
}

/// Serve on an already-bound listener until the server stops (a signal),
/// then stop the revision poll: the binary's `serve`.
pub async fn run(config: Config, listener: TcpListener) -> Result<(), Error> {
    let (server, watch) = serve_with_watch(config, listener)?;
    let result = server.await.map_err(Error::Serve);
    watch.stop_polling();
    result
}

/// Like [`serve`], also returning the revision watch (for tests and metrics).
pub fn serve_with_watch(config: Config, listener: TcpListener) -> Result<(Server, revision::RevisionWatch), Error> {
    let pool = db::serving_pool(&config.database, config.pool_size, config.pool_timeout, config.statement_timeout)?;
    serve_with_pool(config, listener, pool)
}

/// Like [`serve_with_watch`], on a given serving pool (tests hold its
/// connections to see what an exhausted pool answers).
pub fn serve_with_pool(
    config: Config,
    listener: TcpListener,
    pool: db::Pool,
) -> Result<(Server, revision::RevisionWatch), Error> {
    let state = app_state(config, pool);
    let watch = state.revision.clone();
    // Each process writes the snapshot of a revision it sees for the first
    // time (replicas with their own disks included); the bytes are the same.
    let (snap_pool, snap_config) = (state.pool.clone(), state.config.clone());
    let (prepared, names, jobs) = (state.prepared.clone(), state.names.clone(), watch.clone());
    // Until they are written, the previous revision's files stay served and
    // the poll tries again (false: not done).
    watch.spawn_poller(state.pool.clone(), state.config.revision_poll, move |rev| {
        // Items are prepared on a thread of their own, served from the
        // database until they are.
        let (pool, names) = (snap_pool.clone(), names.clone());
        prepared.ensure(rev, &jobs, move |w| api::app::prepare_items(&pool, &names, w));
        match snap_pool.get() {
            Ok(mut conn) => snapshot::ensure(&snap_config, &mut conn, rev)
                .map_err(|e| log::error!("cannot write the download snapshot of revision {}: {e}", rev.number))
                .is_ok(),
            Err(e) => {
                log::warn!("cannot write the download snapshot now: {e}");
                false
            }
        }
    });
    let server = server::start(state, listener).map_err(Error::Start)?;
    Ok((server, watch))
}

/// The state every worker shares, on a serving pool, with the revision read
/// once (the binary also starts a poller on it).
pub fn app_state(config: Config, pool: db::Pool) -> AppState {
    let watch = revision::RevisionWatch::default();
    if let Err(e) = watch.refresh(&pool) {
        log::warn!("cannot read the dataset revision at start: {e}");
    }
    let cache = Arc::new(api::http::cache::ResponseCache::new(config.response_cache_bytes));
    let files = Arc::new(api::http::files::FileCache::default());
    let rate_limit = api::http::ratelimit::RateLimit::new(
        config.rate_limit_per_minute,
        config.rate_limit_burst,
        &config.trusted_proxies,
    )
    .map(Arc::new);
    // Streams hold a database connection while they read: at most half the
    // pool by default, so that item and page requests always find one.
    let max_streams = match config.max_streams {
        0 => (config.pool_size as usize / 2).max(1),
        n => n,
    };
    let streams = api::http::limits::Limits::new(config.max_streams_per_client, max_streams, &[]);
    let prepared = Arc::new(api::http::prepared::Prepared::new(config.prepared_dir.clone(), &config.public_url));
    AppState {
        pool,
        config: Arc::new(config),
        revision: watch,
        cache,
        files,
        rate_limit,
        names: Default::default(),
        streams,
        prepared,
    }
}
