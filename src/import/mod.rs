//! `import`: load a canonical dataset directory into the database.
//!
//! Validation runs first and lists every problem (file, line, field); only a
//! clean dataset is written, in one transaction that replaces the previous
//! content and records a new revision. Importing the same content again is a
//! no-op.

pub mod canonical;
pub mod derive;
pub mod export;
pub mod fields;
pub mod mentions;
pub mod platform;
pub mod quality;
pub mod report;
pub mod write;

use std::fmt;
use std::path::Path;

pub use canonical::Dataset;

/// One validation problem, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line in the file (the header is line 1); 0 when not line-specific.
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}: {}", self.file, self.line, self.field, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.field, self.message)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The dataset is not valid: every problem found, located.
    #[error("{}", problem_list(.0))]
    Invalid(Vec<Problem>),
    /// The database refused the rows: the transaction was rolled back.
    #[error("import failed and was rolled back: {0}")]
    Database(#[source] diesel::result::Error),
    /// The download files could not be written (a full disk, say): the
    /// transaction was rolled back.
    #[error(
        "the download files could not be written, so nothing was imported \
         (the previous revision stays, with its files): {0}"
    )]
    Unwritable(#[source] crate::snapshot::Error),
    /// The revision was committed but its staged download files could not
    /// be renamed into place; `serve` writes them when it sees the revision.
    #[error(
        "imported as revision {revision}, but its download files could not be written: {source} \
         (they are written again when `serve` starts or sees the revision)"
    )]
    Snapshot { revision: i32, source: crate::snapshot::Error },
}

/// The problems of an invalid dataset, one per line.
fn problem_list(problems: &[Problem]) -> String {
    let mut out = format!("the dataset has {} problem(s); nothing was imported:\n", problems.len());
    for p in problems {
        out.push_str(&format!("  {p}\n"));
    }
    out
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new revision with this number was created.
    Created(i32),
    /// The content equals the current revision's; nothing was written.
    Unchanged(i32),
    /// `--dry-run`: the dataset is valid; nothing was written.
    Validated,
}

/// Read, validate and (unless `dry_run`) write a canonical dataset directory.
pub fn import_dir(
    conn: &mut crate::db::DbConnection,
    dir: &Path,
    dry_run: bool,
) -> Result<(Outcome, Dataset), ImportError> {
    let dataset = canonical::read_dir(dir).map_err(ImportError::Invalid)?;
    store(conn, dataset, &dir.display().to_string(), dry_run)
}

/// Write a validated dataset (unless `dry_run`).
pub fn store(
    conn: &mut crate::db::DbConnection,
    dataset: Dataset,
    source: &str,
    dry_run: bool,
) -> Result<(Outcome, Dataset), ImportError> {
    if dry_run {
        return Ok((Outcome::Validated, dataset));
    }
    let (outcome, _) = write::replace(conn, &dataset, source, |_, _| Ok(()))?;
    Ok((outcome, dataset))
}

/// Write a validated dataset (unless `dry_run`) and, for a new revision, its
/// download snapshot, built from memory on other cores while the database is
/// written and published once the transaction has committed.
pub fn store_published(
    config: &crate::config::Config,
    conn: &mut crate::db::DbConnection,
    dataset: Dataset,
    source: &str,
    dry_run: bool,
) -> Result<(Outcome, Dataset), ImportError> {
    if dry_run {
        return Ok((Outcome::Validated, dataset));
    }
    // What imports killed before this one left behind.
    crate::snapshot::clean_leftovers(&config.snapshot_dir);
    let started = std::time::Instant::now();
    let result = write::replace(conn, &dataset, source, |rev, tables| {
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
            Ok(pool) => pool.install(|| crate::snapshot::build_staged(config, tables, rev)),
            Err(_) => crate::snapshot::build_staged(config, tables, rev),
        };
        log::info!("snapshot files built and staged in {:.2} s", started.elapsed().as_secs_f64());
        staged.map(|staged| (rev.clone(), staged))
    });
    // Rolled back, the staged files go too (dropping them removes them).
    let (outcome, staged) = result?;
    log::info!("database written in {:.2} s", started.elapsed().as_secs_f64());
    if let Some((rev, staged)) = staged {
        crate::snapshot::publish_staged(config, &rev, staged)
            .map_err(|source| ImportError::Snapshot { revision: rev.number, source })?;
    }
    Ok((outcome, dataset))
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

/// The canonical directory with one plan's commitments, milestones and
/// updates replaced by those of a tracking-platform report. The report's
/// source document is the one whose `file_name` is the report's file name.
pub fn with_report(dir: &Path, report: &Path, plan: &str) -> Result<Dataset, ImportError> {
    let name = report.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let ds = canonical::read_dir_before_report(dir, &name).map_err(ImportError::Invalid)?;
    let bytes = std::fs::read(report).map_err(|e| {
        ImportError::Invalid(vec![Problem {
            file: name.clone(),
            line: 0,
            field: "file".into(),
            message: format!("cannot read: {e}"),
        }])
    })?;
    apply_report(ds, &name, &bytes, plan)
}

/// `ds` with one plan replaced by the report `bytes`, read from a file called `name`.
pub fn apply_report(mut ds: Dataset, name: &str, bytes: &[u8], plan: &str) -> Result<Dataset, ImportError> {
    let name = name.to_string();
    let problem = |line: usize, field: &str, message: String| {
        ImportError::Invalid(vec![Problem { file: name.clone(), line, field: field.into(), message }])
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        problem(line, "file", "is not valid UTF-8 (reports must be UTF-8 encoded)".into())
    })?;
    let document = ds
        .source_documents
        .iter()
        .find(|d| d.file_name == name)
        .map(|d| d.id.clone())
        .ok_or_else(|| problem(0, "file", format!("`{name}` is not listed in source_documents.csv")))?;
    let parsed = platform::parse(&name, text).map_err(ImportError::Invalid)?;
    report::apply(&mut ds, plan, &document, &name, &parsed).map_err(ImportError::Invalid)?;
    Ok(ds)
}
