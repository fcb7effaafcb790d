//! Command line: `serve`, `import`, `migrate`, `openapi`.

/// The system allocator, or mimalloc once `import` asks for it (see `gagt::alloc`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: gagt::alloc::Allocator = gagt::alloc::Allocator;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use gagt::config::{self, Config};
use gagt::{db, import};

#[derive(Parser)]
#[command(name = "gobierno-abierto-gt", version, about = "Open-data API for Guatemala's open-government action plans")]
struct Cli {
    /// Database: postgres://... or an SQLite path (sqlite://path). Unset: an SQLite file in --data-dir.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Where the default SQLite database and the snapshots live (created on first start).
    #[arg(long, env = "GAGT_DATA_DIR", default_value = "var", global = true)]
    data_dir: PathBuf,
    /// Where download snapshots are written (default: DATA_DIR/snapshots).
    #[arg(long, env = "GAGT_SNAPSHOT_DIR", global = true)]
    snapshot_dir: Option<PathBuf>,
    /// How many past revisions stay downloadable.
    #[arg(long, env = "GAGT_KEEP_REVISIONS", default_value_t = 5, global = true)]
    keep_revisions: usize,
    /// Data license name and URL, published in /v1, the datapackage and the landing page.
    #[arg(long, env = "GAGT_LICENSE_NAME", default_value = "CC BY 4.0", global = true)]
    license_name: String,
    #[arg(
        long,
        env = "GAGT_LICENSE_URL",
        default_value = "https://creativecommons.org/licenses/by/4.0/",
        global = true
    )]
    license_url: String,
    /// Public base URL of the service (citations, feed ids, JSON-LD).
    #[arg(long, env = "GAGT_PUBLIC_URL", default_value = "http://127.0.0.1:8080", global = true)]
    public_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API; first migrate when the schema is behind and import the bundled data into an
    /// empty database, if this login can write (a login that can only read needs a current schema).
    Serve {
        #[arg(long, env = "HOST", default_value = "127.0.0.1")]
        host: String,
        #[arg(long, env = "PORT", default_value_t = 8080)]
        port: u16,
        /// Database connections in the serving pool.
        #[arg(long, env = "POOL_SIZE", default_value_t = 8)]
        pool_size: u32,
        /// HTTP worker threads (0: one per core).
        #[arg(long, env = "WORKERS", default_value_t = 0)]
        workers: usize,
        /// Canonical dataset imported on first start when the database is empty.
        #[arg(long, env = "GAGT_BUNDLED_DATASET", default_value = "data/canonical")]
        bundled_dataset: PathBuf,
        /// Do not import anything at start.
        #[arg(long)]
        no_bundled_import: bool,
        /// Cache-Control max-age of API responses, in seconds.
        #[arg(long, env = "CACHE_MAX_AGE", default_value_t = 60)]
        cache_max_age: u32,
        /// How often to check the database for a new dataset revision, in milliseconds.
        #[arg(long, env = "REVISION_POLL_MS", default_value_t = 2000)]
        revision_poll_ms: u64,
        /// Memory for hot responses, in MiB (0 disables the cache).
        #[arg(long, env = "RESPONSE_CACHE_MB", default_value_t = 64)]
        response_cache_mb: usize,
        /// Milliseconds a client has to send a request's head before it is cut off.
        #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 5000)]
        request_timeout_ms: u64,
        /// Seconds an idle keep-alive connection stays open.
        #[arg(long, env = "KEEP_ALIVE_S", default_value_t = 15)]
        keep_alive_s: u64,
        /// Requests per minute per client address, bursts of a quarter of it (0: no limit).
        #[arg(long, env = "RATE_LIMIT_PER_MINUTE", default_value_t = 1200)]
        rate_limit_per_minute: u32,
        /// Requests a client may make at once before the rate applies (0: a quarter of the per-minute rate).
        #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 0)]
        rate_limit_burst: u32,
        /// Milliseconds a request waits for a free database connection before a 503.
        #[arg(long, env = "POOL_TIMEOUT_MS", default_value_t = 5000)]
        pool_timeout_ms: u64,
        /// Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed.
        #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Blocking (database) threads per worker (0: twice the pool size plus two).
        #[arg(long, env = "BLOCKING_THREADS", default_value_t = 0)]
        blocking_threads: usize,
        /// Milliseconds a serving query may run before it is cancelled (503); 0: no limit.
        #[arg(long, env = "STATEMENT_TIMEOUT_MS", default_value_t = 10000)]
        statement_timeout_ms: u64,
        /// Open connections one client address may hold (trusted proxies exempt); past it 429.
        #[arg(long, env = "MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
        max_connections_per_address: usize,
        /// Open connections in all (0: nine tenths of the open-file limit); past it 503.
        #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 0)]
        max_connections: usize,
        /// Milliseconds a response waits for a client that reads nothing before the connection closes (0: forever).
        #[arg(long, env = "WRITE_TIMEOUT_MS", default_value_t = 30000)]
        write_timeout_ms: u64,
        /// Whole-list CSV streams at once (0: half the pool); past it 503.
        #[arg(long, env = "MAX_STREAMS", default_value_t = 0)]
        max_streams: usize,
        /// Whole-list CSV streams one client may run at once; past it 429.
        #[arg(long, env = "MAX_STREAMS_PER_CLIENT", default_value_t = 2)]
        max_streams_per_client: usize,
        /// Key that signs pagination cursors (default: a random secret kept in the database, shared by its
        /// replicas; set the same key on replicas that have databases of their own).
        #[arg(long, env = "GAGT_CURSOR_KEY", hide_env_values = true)]
        cursor_key: Option<String>,
    },
    /// Validate and load a canonical dataset directory (all or nothing).
    Import {
        #[arg(default_value = "data/canonical")]
        path: PathBuf,
        /// Validate only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// A tracking-platform report (text export) whose commitments replace those of --plan.
        #[arg(long, requires = "plan")]
        report: Option<PathBuf>,
        /// The plan the report belongs to.
        #[arg(long, requires = "report")]
        plan: Option<String>,
        /// Also rewrite the canonical files in PATH with the merged result.
        #[arg(long, requires = "report")]
        write_canonical: bool,
    },
    /// Write the database's dataset as canonical files into a directory.
    Export { path: PathBuf },
    /// Write a synthetic dataset at scale N (100: about 1,000 plans, 1,000,000 progress updates) in canonical form.
    Generate {
        #[arg(long, default_value_t = 1)]
        scale: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Write the OpenAPI document generated from the code.
    Openapi {
        #[arg(long, default_value = "openapi/openapi.json")]
        output: PathBuf,
        /// Fail if the file differs instead of writing it.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    // GAGT_ALLOCATOR=mimalloc puts `serve` on mimalloc too (for comparisons;
    // BENCHMARKS.md says why the system allocator is the default).
    #[cfg(feature = "mimalloc")]
    if std::env::var("GAGT_ALLOCATOR").is_ok_and(|a| a == "mimalloc") {
        gagt::alloc::use_mimalloc();
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let database = config::database_url(cli.database_url.as_deref(), &cli.data_dir);
    let mut base = Config::new(database.clone(), &cli.data_dir);
    if let Some(dir) = cli.snapshot_dir {
        base.snapshot_dir = dir;
    }
    base.keep_revisions = cli.keep_revisions;
    base.license_name = cli.license_name;
    base.license_url = cli.license_url;
    base.public_url = cli.public_url.trim_end_matches('/').to_string();
    match cli.command {
        Command::Serve {
            host,
            port,
            pool_size,
            workers,
            bundled_dataset,
            no_bundled_import,
            cache_max_age,
            revision_poll_ms,
            response_cache_mb,
            request_timeout_ms,
            keep_alive_s,
            rate_limit_per_minute,
            rate_limit_burst,
            pool_timeout_ms,
            trusted_proxies,
            blocking_threads,
            statement_timeout_ms,
            max_connections_per_address,
            max_connections,
            write_timeout_ms,
            max_streams,
            max_streams_per_client,
            cursor_key,
        } => {
            let config = Config {
                host,
                port,
                pool_size,
                workers,
                bundled_dataset: (!no_bundled_import).then_some(bundled_dataset),
                cache_max_age,
                revision_poll: std::time::Duration::from_millis(revision_poll_ms.max(50)),
                response_cache_bytes: response_cache_mb << 20,
                // actix-http checks deadlines against a clock it refreshes every 500 ms.
                request_timeout: std::time::Duration::from_millis(request_timeout_ms.max(1000)),
                keep_alive: std::time::Duration::from_secs(keep_alive_s),
                rate_limit_per_minute,
                rate_limit_burst,
                trusted_proxies,
                pool_timeout: std::time::Duration::from_millis(pool_timeout_ms.max(1)),
                blocking_threads,
                statement_timeout: std::time::Duration::from_millis(statement_timeout_ms),
                max_connections_per_address: max_connections_per_address.max(1),
                max_connections,
                write_timeout: std::time::Duration::from_millis(write_timeout_ms),
                max_streams,
                max_streams_per_client: max_streams_per_client.max(1),
                cursor_key: cursor_key.filter(|k| !k.is_empty()),
                ..base
            };
            gagt::prepare(&config)?;
            let listener = TcpListener::bind((config.host.as_str(), config.port))
                .map_err(|e| format!("cannot bind {}:{}: {e}", config.host, config.port))?;
            log::info!(
                "serving {} on http://{}",
                config.database.redacted(),
                listener.local_addr().map_err(|e| e.to_string())?
            );
            actix_web::rt::System::new().block_on(gagt::run(config, listener))
        }
        Command::Import { path, dry_run, report, plan, write_canonical } => {
            #[cfg(feature = "mimalloc")]
            gagt::alloc::use_mimalloc();
            let started = std::time::Instant::now();
            let mut conn = db::open_for_writing(&database)?;
            db::migrate(&mut conn).map_err(|e| db::explain(&database, e))?;
            let (ds, source) = match (report, plan) {
                (Some(report), Some(plan)) => {
                    let ds = import::with_report(&path, &report, &plan).map_err(|e| e.to_string())?;
                    if write_canonical && !dry_run {
                        import::export::write_dir(&ds, &path)?;
                    }
                    (ds, report.display().to_string())
                }
                _ => (
                    import::canonical::read_dir(&path).map_err(|e| import::ImportError::Invalid(e).to_string())?,
                    path.display().to_string(),
                ),
            };
            log::info!("read and validated in {:.2} s", started.elapsed().as_secs_f64());
            let (outcome, ds) =
                import::store_published(&base, &mut conn, ds, &source, dry_run).map_err(|e| match e {
                    import::ImportError::Database(_) => db::explain(&database, e.to_string()),
                    _ => e.to_string(),
                })?;
            if !dry_run {
                // An unchanged import still makes sure the current revision's files exist.
                gagt::write_snapshot(&base, &mut conn)?;
                log::info!("import and snapshot done in {:.2} s", started.elapsed().as_secs_f64());
            }
            println!(
                "{}: {} plans, {} commitments, {} milestones, {} progress updates, {} institutions",
                match outcome {
                    import::Outcome::Created(n) => format!("imported as revision {n}"),
                    import::Outcome::Unchanged(n) => format!("unchanged (still revision {n}); nothing written"),
                    import::Outcome::Validated => "valid (dry run); nothing written".to_string(),
                },
                ds.plans.len(),
                ds.commitments.len(),
                ds.milestones.len(),
                ds.progress_updates.len(),
                ds.institutions.len()
            );
            // The process ends here: freeing a million rows one by one would
            // only add seconds to every import.
            std::mem::forget(ds);
            Ok(())
        }
        Command::Export { path } => {
            let (mut conn, _) = db::migrations::open_current(&database)?;
            let ds = import::export::load(&mut conn).map_err(|e| format!("cannot read the dataset: {e}"))?;
            import::export::write_dir(&ds, &path)?;
            println!("wrote {} canonical files to {}", import::canonical::TABLES.len(), path.display());
            Ok(())
        }
        Command::Generate { scale, out } => {
            #[cfg(feature = "mimalloc")]
            gagt::alloc::use_mimalloc();
            let ds = gagt::synthetic::generate(scale);
            import::export::write_dir(&ds, &out)?;
            println!(
                "wrote scale {scale} to {}: {} plans, {} commitments, {} milestones, {} progress updates, {} institutions",
                out.display(),
                ds.plans.len(),
                ds.commitments.len(),
                ds.milestones.len(),
                ds.progress_updates.len(),
                ds.institutions.len()
            );
            Ok(())
        }
        Command::Migrate => {
            let mut conn = db::open_for_writing(&database)?;
            let applied = db::migrate(&mut conn)?;
            println!("{} migration(s) applied", applied.len());
            Ok(())
        }
        Command::Openapi { output, check } => {
            let doc = gagt::api::openapi_json();
            if check {
                let current =
                    std::fs::read_to_string(&output).map_err(|e| format!("cannot read {}: {e}", output.display()))?;
                if current != doc {
                    return Err(format!("{} is out of date; run `gobierno-abierto-gt openapi`", output.display()));
                }
                println!("{} is up to date", output.display());
            } else {
                if let Some(dir) = output.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                }
                std::fs::write(&output, doc).map_err(|e| format!("cannot write {}: {e}", output.display()))?;
                println!("wrote {}", output.display());
            }
            Ok(())
        }
    }
}
