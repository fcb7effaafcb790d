//! Importing and publishing together, orchestrated from above both: a
//! dataset is written into the database while its download snapshot is built
//! on other cores; the snapshot is published once the transaction commits,
//! and a snapshot that cannot be built rolls the import back.

use crate::config::Config;
use crate::db::DbConnection;
use crate::import::write::Origin;
use crate::import::{self, Dataset, ImportError, Outcome};
use crate::models::RevisionRow;
use crate::snapshot;

/// Write a validated dataset (unless `dry_run`) and, for a new revision, its
/// download snapshot, built from memory on other cores while the database is
/// written and published once the transaction has committed.
pub fn store_published<'a>(
    config: &Config,
    conn: &mut DbConnection,
    dataset: Dataset,
    origin: impl Into<Origin<'a>>,
    dry_run: bool,
) -> Result<(Outcome, Dataset), ImportError> {
    if dry_run {
        return Ok((Outcome::Validated, dataset));
    }
    // What imports killed before this one left behind.
    snapshot::clean_leftovers(&config.snapshot_dir);
    let started = std::time::Instant::now();
    let result = import::write::replace(conn, &dataset, origin.into(), |rev, tables| {
        // The files are written into a temporary folder while the database
        // is still being written, and renamed into place after the commit.
        // The database writer is the longer branch: the file threads run at
        // a lower priority, so that they take what CPU time it leaves.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
            .thread_name(|i| format!("snapshot-{i}"))
            .start_handler(|_| lower_priority(SNAPSHOT_NICE))
            .build();
        let staged = match pool {
            Ok(pool) => pool.install(|| snapshot::build_staged(config, tables, rev)),
            Err(_) => snapshot::build_staged(config, tables, rev),
        };
        log::info!("snapshot files built and staged in {:.2} s", started.elapsed().as_secs_f64());
        staged.map(|staged| (rev.clone(), staged))
    });
    // Rolled back, the staged files go too (dropping them removes them).
    let (outcome, staged) = result?;
    log::info!("database written in {:.2} s", started.elapsed().as_secs_f64());
    if let Some((rev, staged)) = staged {
        snapshot::publish_staged(config, &rev, staged)
            .map_err(|source| ImportError::Snapshot { revision: rev.number, source: Box::new(source) })?;
    }
    Ok((outcome, dataset))
}

/// The current revision when it was imported from inputs with this digest
/// (`import::digest`): importing them again would change nothing, and the
/// caller can stop before reading a row.
pub fn imported_from(conn: &mut DbConnection, digest: &str) -> Result<Option<RevisionRow>, ImportError> {
    let current = crate::models::revision::current(conn).map_err(ImportError::Database)?;
    Ok(current.filter(|r| r.input_digest.as_deref() == Some(digest)))
}

/// How much lower the snapshot threads' priority is than the database
/// writer's (10 steps: about a tenth of the CPU share where they compete).
const SNAPSHOT_NICE: i32 = 10;

/// Lower the calling thread's scheduling priority by `nice` steps (Linux
/// threads have priorities of their own; elsewhere this does nothing).
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread's own id.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, now + nice);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}
