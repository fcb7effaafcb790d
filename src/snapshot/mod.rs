//! Download snapshots: every published table as CSV (plain and Excel
//! variant), JSON, NDJSON and Parquet, an XLSX workbook, a SQLite database
//! of every table, a ZIP of the CSV data package, the changes from the
//! previous revision (NDJSON and CSV), a Frictionless `datapackage.json`
//! and `SHA256SUMS` — written once per
//! dataset revision into `SNAPSHOT_DIR/r{N}/`, never per request. The bytes
//! depend only on the revision, so every replica produces the same files.

mod diff;
mod formats;
mod leftovers;
mod parquet_file;
mod sqlite_file;
mod staging;

pub use crate::publication::{
    cell_chars, dictionary, publish, table_rows, unpublishable, Published, MAX_CELL_CHARS, TABLES,
};
pub use formats::{about, citation};
pub use leftovers::{clean_leftovers, Staged};
pub use staging::build_staged;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::DbConnection;
use crate::import::export;
use crate::revision::Revision;

pub const PACKAGE_NAME: &str = "gobierno-abierto-guatemala";

/// Why a snapshot could not be written (nothing half-written is left).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir { dir: PathBuf, source: std::io::Error },
    #[error("cannot open {}: {source}", dir.display())]
    OpenDir { dir: PathBuf, source: std::io::Error },
    /// Another process took the staging folder (three times in a row).
    #[error("cannot lock {}", dir.display())]
    Lock { dir: PathBuf },
    /// A file could not be written (a full disk, say).
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: Box<dyn std::error::Error + Send + Sync> },
    /// The staged folder could not be renamed into place.
    #[error("cannot publish snapshot {}: {source}", dir.display())]
    Publish { dir: PathBuf, source: std::io::Error },
    #[error("cannot read the dataset: {0}")]
    Read(#[source] diesel::result::Error),
    /// The revision's time is not one the files can carry.
    #[error("{0}")]
    RevisionTime(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("revision time: {0}")]
    WorkbookTime(#[source] rust_xlsxwriter::XlsxError),
    #[error("{0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    #[error("the thread syncing the snapshot files panicked")]
    SyncPanicked,
}

/// One downloadable file.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, utoipa::ToSchema)]
pub struct FileEntry {
    pub name: String,
    /// csv, csv-excel, json, ndjson, parquet, xlsx, xlsx-plan, sqlite, zip, datapackage, sha256sums,
    /// diff-ndjson, diff-csv.
    pub format: String,
    pub media_type: String,
    /// The table it holds, for per-table files.
    pub table: Option<String>,
    /// The plan it holds, for per-plan workbooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Data rows (a diff: its changes as NDJSON lines, its CSV rows).
    pub rows: Option<usize>,
    pub bytes: u64,
    pub sha256: String,
    /// For a diff file: the revision it gives the changes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_revision: Option<i32>,
}

/// What a revision's snapshot holds (`manifest.json` beside the files).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Manifest {
    pub revision: i32,
    pub created_at: String,
    pub files: Vec<FileEntry>,
    /// The SHA-256 of the program that wrote the files: a later revision
    /// takes over files of unchanged tables only from the same program
    /// (another build may write a format differently).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer: Option<String>,
}

pub fn revision_dir(config: &Config, revision: i32) -> PathBuf {
    config.snapshot_dir.join(format!("r{revision}"))
}

/// The stable name of a per-revision file (`…-r3.zip` → `….zip`).
pub fn stable_name(name: &str, revision: i32) -> String {
    name.replace(&format!("-r{revision}."), ".")
}

/// A revision's manifest file, if its snapshot is published.
pub fn manifest_path(config: &Config, revision: i32) -> Option<PathBuf> {
    Some(revision_dir(config, revision).join("manifest.json")).filter(|p| p.is_file())
}

/// The SHA-256 of the running program (`Manifest::writer`), read once.
pub fn writer() -> Option<String> {
    use sha2::{Digest, Sha256};
    static WRITER: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let hash = || {
        let mut sha = Sha256::new();
        std::io::copy(&mut std::fs::File::open(std::env::current_exe().ok()?).ok()?, &mut sha).ok()?;
        Some(hex::encode(sha.finalize()))
    };
    WRITER.get_or_init(hash).clone()
}

/// Read a revision's manifest, if its snapshot exists.
pub fn manifest(config: &Config, revision: i32) -> Option<Manifest> {
    let text = std::fs::read_to_string(revision_dir(config, revision).join("manifest.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Revisions with a complete snapshot on disk, newest first.
pub fn available(config: &Config) -> Vec<i32> {
    let mut out: Vec<i32> = std::fs::read_dir(&config.snapshot_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix('r')?.parse().ok())
        .filter(|n| revision_dir(config, *n).join("manifest.json").is_file())
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out
}

/// Write the current revision's snapshot if it is not on disk yet, then
/// prune old ones. Safe to run from several processes at once.
pub fn ensure(config: &Config, conn: &mut DbConnection, rev: &Revision) -> Result<bool, Error> {
    let dir = revision_dir(config, rev.number);
    if dir.join("manifest.json").is_file() {
        return Ok(false);
    }
    let ds = export::load(conn).map_err(Error::Read)?;
    let staged = build_staged(config, &publish(&ds), rev)?;
    publish_staged(config, rev, staged)
}

/// Rename a staged folder into place (another process may have published
/// the same revision first: then the staged copy is dropped), then prune.
pub fn publish_staged(config: &Config, rev: &Revision, staged: Staged) -> Result<bool, Error> {
    let dir = revision_dir(config, rev.number);
    match std::fs::rename(staged.dir(), &dir) {
        Ok(()) => {}
        Err(_) if dir.join("manifest.json").is_file() => return Ok(false),
        Err(source) => return Err(Error::Publish { dir, source }),
    }
    drop(staged);
    log::info!("wrote download snapshot for revision {} to {}", rev.number, dir.display());
    prune(config);
    Ok(true)
}

/// Keep the newest `keep_revisions` snapshots.
/// A published folder is first renamed out of the way, then deleted: a
/// process killed meanwhile never leaves a partial `rN` behind. Folders left
/// by processes that died while staging or deleting are removed too.
pub fn prune(config: &Config) {
    let pid = std::process::id();
    for old in available(config).into_iter().skip(config.keep_revisions.max(1)) {
        let doomed = config.snapshot_dir.join(format!(".r{old}.old-{pid}"));
        if std::fs::rename(revision_dir(config, old), &doomed).is_ok() {
            let _ = std::fs::remove_dir_all(&doomed);
        }
    }
    clean_leftovers(&config.snapshot_dir);
}

impl Manifest {
    /// The diff files (NDJSON, then CSV), when the revision has them.
    pub fn diff_files(&self) -> Vec<&FileEntry> {
        self.files.iter().filter(|f| f.from_revision.is_some()).collect()
    }
}
