//! Command line: `serve`, `import`, `migrate`, `openapi`.

/// The system allocator, or mimalloc once `import` asks for it (see `gagt::alloc`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: gagt::alloc::Allocator = gagt::alloc::Allocator;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use gagt::config::{CommonArgs, Config, ServeArgs};
use gagt::import::write::Origin;
use gagt::import::ImportError;
use gagt::{db, import};

#[derive(Parser)]
#[command(name = "gobierno-abierto-gt", version, about = "Open-data API for Guatemala's open-government action plans")]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API; first migrate when the schema is behind and import the bundled data into an
    /// empty database, if this login can write (a login that can only read needs a current schema).
    Serve(ServeArgs),
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

/// Why a command failed: what `main` prints after `error: `.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Service(#[from] gagt::Error),
    #[error(transparent)]
    Database(#[from] db::Error),
    #[error(transparent)]
    Migration(#[from] Box<db::Explained<db::Error>>),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    ImportDatabase(#[from] Box<db::Explained<ImportError>>),
    #[error(transparent)]
    Canonical(#[from] import::export::WriteError),
    #[error("cannot bind {host}:{port}: {source}")]
    Bind { host: String, port: u16, source: std::io::Error },
    #[error("{0}")]
    Listener(#[source] std::io::Error),
    #[error("cannot read the dataset: {0}")]
    Dataset(#[source] diesel::result::Error),
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    CreateDir(#[source] std::io::Error),
    #[error("{} is out of date; run `gobierno-abierto-gt openapi`", .0.display())]
    Stale(PathBuf),
}

fn main() -> ExitCode {
    // GAGT_ALLOCATOR=mimalloc puts `serve` on mimalloc too (for comparisons;
    // BENCHMARKS.md says why the system allocator is the default).
    #[cfg(feature = "mimalloc")]
    if std::env::var("GAGT_ALLOCATOR").is_ok_and(|a| a == "mimalloc") {
        gagt::alloc::use_mimalloc();
    }
    let cli = Cli::parse();
    // Long work shows its progress: bars on a terminal (then only warnings
    // are logged, so that lines do not tear the bars), log lines otherwise.
    let long = matches!(cli.command, Command::Import { .. } | Command::Generate { .. });
    let bars = long && gagt::progress::enable_for_stderr() == gagt::progress::Mode::Bars;
    let default = if bars { "warn" } else { "info" };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default)).init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let Cli { common, command } = cli;
    // Commands other than `serve` use only the options every command takes
    // (the database, the snapshot folder, the license, the public URL).
    let base = Config::from_args(common.clone(), ServeArgs::defaults());
    let database = base.database.clone();
    match command {
        Command::Serve(serve) => {
            let config = Config::from_args(common, serve);
            gagt::prepare(&config)?;
            let listener = TcpListener::bind((config.host.as_str(), config.port)).map_err(|source| Failure::Bind {
                host: config.host.clone(),
                port: config.port,
                source,
            })?;
            log::info!(
                "serving {} on http://{}",
                config.database.redacted(),
                listener.local_addr().map_err(Failure::Listener)?
            );
            Ok(actix_web::rt::System::new().block_on(gagt::run(config, listener))?)
        }
        Command::Import { path, dry_run, report, plan, write_canonical } => {
            #[cfg(feature = "mimalloc")]
            gagt::alloc::use_mimalloc();
            let started = std::time::Instant::now();
            let mut conn = db::open_for_writing(&database)?;
            db::migrate(&mut conn).map_err(|e| Box::new(db::explain(&database, e)))?;
            // The very inputs the current revision came from, read by the
            // very same build: nothing to do but hash them.
            let digest = if dry_run || write_canonical {
                None
            } else {
                let extra: Vec<&std::path::Path> = report.iter().map(|p| p.as_path()).collect();
                let words: Vec<&str> = plan.iter().map(|p| p.as_str()).collect();
                let digest = import::digest::of_import(&path, &extra, &words)
                    .map_err(|source| Failure::Read { path: path.clone(), source })?;
                if let Some(rev) = gagt::pipeline::imported_from(&mut conn, &digest)? {
                    gagt::write_snapshot(&base, &mut conn)?;
                    let n = |t: &str| rev.recorded_count(t).unwrap_or(0);
                    println!(
                        "unchanged (still revision {}; the same input files as its import, hashed in {:.2} s); \
                         nothing written: {} plans, {} commitments, {} milestones, {} progress updates, {} institutions",
                        rev.id,
                        started.elapsed().as_secs_f64(),
                        n("plans"),
                        n("commitments"),
                        n("milestones"),
                        n("progress_updates"),
                        n("institutions")
                    );
                    return Ok(());
                }
                Some(digest)
            };
            let (ds, source) = match (report, plan) {
                (Some(report), Some(plan)) => {
                    let ds = import::with_report(&path, &report, &plan)?;
                    if write_canonical && !dry_run {
                        import::export::write_dir(&ds, &path)?;
                    }
                    (ds, report.display().to_string())
                }
                _ => (import::canonical::read_dir(&path).map_err(ImportError::Invalid)?, path.display().to_string()),
            };
            log::info!("read and validated in {:.2} s", started.elapsed().as_secs_f64());
            let (outcome, ds) = gagt::pipeline::store_published(
                &base,
                &mut conn,
                ds,
                Origin { source: &source, digest: digest.as_deref() },
                dry_run,
            )
            .map_err(|e| match e {
                ImportError::Database(_) => Failure::from(Box::new(db::explain(&database, e))),
                _ => Failure::from(e),
            })?;
            if !dry_run {
                // An unchanged import still makes sure the current revision's files exist.
                gagt::write_snapshot(&base, &mut conn)?;
                log::info!("import and snapshot done in {:.2} s", started.elapsed().as_secs_f64());
            }
            gagt::progress::finish_all();
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
            let ds = import::export::load(&mut conn).map_err(Failure::Dataset)?;
            import::export::write_dir(&ds, &path)?;
            println!("wrote {} canonical files to {}", import::canonical::TABLES.len(), path.display());
            Ok(())
        }
        Command::Generate { scale, out } => {
            #[cfg(feature = "mimalloc")]
            gagt::alloc::use_mimalloc();
            let ds = gagt::synthetic::generate(scale);
            import::export::write_dir(&ds, &out)?;
            gagt::progress::finish_all();
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
                let current = std::fs::read_to_string(&output)
                    .map_err(|source| Failure::Read { path: output.clone(), source })?;
                if current != doc {
                    return Err(Failure::Stale(output));
                }
                println!("{} is up to date", output.display());
            } else {
                if let Some(dir) = output.parent() {
                    std::fs::create_dir_all(dir).map_err(Failure::CreateDir)?;
                }
                std::fs::write(&output, doc).map_err(|source| Failure::Write { path: output.clone(), source })?;
                println!("wrote {}", output.display());
            }
            Ok(())
        }
    }
}
