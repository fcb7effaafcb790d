//! `import`: load a canonical dataset directory into the database.
//!
//! Validation runs first and lists every problem (file, line, field); only a
//! clean dataset is written, in one transaction that replaces the previous
//! content and records a new revision. Importing the same content again is a
//! no-op.

pub mod blocks;
pub mod canonical;
pub mod dataset;
pub mod derive;
pub mod digest;
pub mod export;
pub mod fields;
pub mod findings;
pub mod mentions;
pub mod platform;
pub mod problem;
pub mod quality;
pub mod report;
pub mod sync;
pub mod updates;
pub mod versions;
pub mod write;

use std::path::Path;

pub use dataset::Dataset;
pub use problem::Problem;

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
    Unwritable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The revision was committed but its staged download files could not
    /// be renamed into place; `serve` writes them when it sees the revision.
    #[error(
        "imported as revision {revision}, but its download files could not be written: {source} \
         (they are written again when `serve` starts or sees the revision)"
    )]
    Snapshot { revision: i32, source: Box<dyn std::error::Error + Send + Sync> },
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
    store(conn, dataset, dir.display().to_string().as_str(), dry_run)
}

/// Write a validated dataset (unless `dry_run`).
pub fn store<'a>(
    conn: &mut crate::db::DbConnection,
    dataset: Dataset,
    origin: impl Into<write::Origin<'a>>,
    dry_run: bool,
) -> Result<(Outcome, Dataset), ImportError> {
    if dry_run {
        return Ok((Outcome::Validated, dataset));
    }
    let (outcome, _) = write::replace(conn, &dataset, origin.into(), |_, _| Ok::<(), std::convert::Infallible>(()))?;
    Ok((outcome, dataset))
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
