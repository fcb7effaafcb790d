//! Download snapshots: every published table as CSV (plain and Excel
//! variant), JSON and NDJSON, an XLSX workbook, a ZIP of the data package, a
//! Frictionless `datapackage.json` and `SHA256SUMS` — written once per
//! dataset revision into `SNAPSHOT_DIR/r{N}/`, never per request. The bytes
//! depend only on the revision, so every replica produces the same files.

mod leftovers;

pub use crate::publication::{
    cell_chars, dictionary, publish, table_rows, unpublishable, Published, MAX_CELL_CHARS, TABLES,
};
pub use leftovers::{clean_leftovers, Staged};

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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
    /// csv, csv-excel, json, ndjson, xlsx, zip, datapackage, sha256sums.
    pub format: String,
    pub media_type: String,
    /// The table it holds, for per-table files.
    pub table: Option<String>,
    pub rows: Option<usize>,
    pub bytes: u64,
    pub sha256: String,
}

/// What a revision's snapshot holds (`manifest.json` beside the files).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Manifest {
    pub revision: i32,
    pub created_at: String,
    pub files: Vec<FileEntry>,
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

fn cell_text(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::Null => "".into(),
        Value::String(s) => s.as_str().into(),
        other => other.to_string().into(),
    }
}

/// A table as CSV: the plain file, or the Excel variant (a byte-order mark
/// and CRLF line ends, so that Excel reads UTF-8 and Spanish text intact).
fn write_csv(columns: &[String], rows: &[Vec<Value>], excel: bool, mut out: impl Write) -> std::io::Result<()> {
    if excel {
        out.write_all(b"\xEF\xBB\xBF")?;
    }
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .terminator(if excel { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .from_writer(out);
    w.write_record(columns)?;
    for row in rows {
        for v in row {
            w.write_field(cell_text(v).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()
}

/// One row as a JSON object, keys in column order, without building it.
struct JsonRow<'a>(&'a [String], &'a [Value]);

impl Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (c, v) in self.0.iter().zip(self.1) {
            m.serialize_entry(c, v)?;
        }
        m.end()
    }
}

/// The table as one JSON array and as NDJSON (one object per line), in one pass.
fn write_json(
    columns: &[String],
    rows: &[Vec<Value>],
    mut json: impl Write,
    mut nd: impl Write,
) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(1024);
    json.write_all(b"[")?;
    for (i, row) in rows.iter().enumerate() {
        line.clear();
        serde_json::to_writer(&mut line, &JsonRow(columns, row))?;
        if i > 0 {
            json.write_all(b",")?;
        }
        json.write_all(&line)?;
        line.push(b'\n');
        nd.write_all(&line)?;
    }
    json.write_all(b"]")?;
    json.flush()?;
    nd.flush()
}

/// The Frictionless descriptor for the CSV files.
fn datapackage(config: &Config, rev: &Revision, files: &[FileEntry]) -> Value {
    let resources: Vec<Value> = TABLES
        .iter()
        .filter_map(|table| {
            let file = files.iter().find(|f| f.table.as_deref() == Some(table) && f.format == "csv")?;
            let columns = dictionary::public(table);
            let fields: Vec<Value> = columns
                .iter()
                .map(|c| {
                    let mut f = json!({"name": c.column, "type": c.kind, "description": c.description_en,
                        "title": c.description_es});
                    if c.kind == crate::vocabulary::FieldType::Datetime {
                        f["format"] = json!("%Y-%m-%dT%H:%M:%S");
                    }
                    f
                })
                .collect();
            let names: Vec<&str> = columns.iter().map(|c| c.column.as_str()).collect();
            let primary: Vec<&str> = match *table {
                _ if names.contains(&"id") => vec!["id"],
                "institution_plan_rollups" => vec!["institution_id", "plan_id"],
                "retired_ids" => vec!["record_type", "record_id"],
                _ => vec!["institution_id", "alias"],
            };
            let foreign: Vec<Value> = columns
                .iter()
                .filter_map(|c| {
                    let (t, col) = c.references.as_ref()?;
                    let resource = if t == table { String::new() } else { t.clone() };
                    Some(json!({"fields": c.column, "reference": {"resource": resource, "fields": col}}))
                })
                .collect();
            Some(json!({
                "name": table,
                "path": file.name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": file.bytes,
                "hash": format!("sha256:{}", file.sha256),
                "schema": {"fields": fields, "primaryKey": primary, "foreignKeys": foreign, "missingValues": [""]},
            }))
        })
        .collect();
    json!({
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Gobierno Abierto Guatemala — planes de acción, compromisos, hitos y avances",
        "description": "Guatemala's open-government action plans: commitments, milestones, responsible institutions, \
            the full history of reported progress and data-quality findings, curated from four public source documents.",
        "version": format!("r{}", rev.number),
        "created": rev.created_at,
        "homepage": config.public_url,
        "licenses": [{"name": config.license_name, "path": config.license_url, "title": config.license_name}],
        "citation": citation(config, rev),
        "sources": [{"title": "data/sources (4 public documents)", "path": format!("{}/v1", config.public_url)}],
        "keywords": ["gobierno abierto", "open government", "Guatemala", "OGP", "planes de acción"],
        "resources": resources,
    })
}

/// The suggested citation for a revision.
pub fn citation(config: &Config, rev: &Revision) -> String {
    format!(
        "Gobierno Abierto Guatemala — datos abiertos, revisión {} ({}). {}. Licencia {}.",
        rev.number,
        rev.date(),
        config.public_url,
        config.license_name
    )
}

/// Data rows per worksheet (Excel's limit, less the header row).
const XLSX_MAX_ROWS: usize = 1_048_575;

/// The XLSX workbook: one sheet per table (more for a table longer than a sheet).
fn workbook(tables: &[Published], rev: &Revision) -> Result<rust_xlsxwriter::Workbook, Error> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(DEFLATE_LEVEL as u8);
    let when = ExcelDateTime::parse_from_str(&rev.created_at.replace('T', " ").replace('Z', ""))
        .map_err(Error::WorkbookTime)?;
    wb.set_properties(&DocProperties::new().set_title("Gobierno Abierto Guatemala").set_creation_datetime(&when));
    let bold = Format::new().set_bold();
    // A sheet holds at most 1,048,576 rows: a longer table continues on
    // sheets named `table (2)`, `table (3)`, each with the header row.
    let sheets = tables.iter().flat_map(|Published { table, columns, rows }| {
        let parts = rows.len().div_ceil(XLSX_MAX_ROWS).max(1);
        (0..parts).map(move |i| {
            let name = if i == 0 { table.to_string() } else { format!("{table} ({})", i + 1) };
            let end = rows.len().min((i + 1) * XLSX_MAX_ROWS);
            (name, columns, &rows[i * XLSX_MAX_ROWS..end])
        })
    });
    for (name, columns, rows) in sheets {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(&name)?;
        for (c, name) in columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, name, &bold)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                let written = match v {
                    Value::Null => continue,
                    Value::Number(n) => ws.write_number(r, c, n.as_f64().unwrap_or_default()).map(|_| ()),
                    Value::String(s) => ws.write_string(r, c, s).map(|_| ()),
                    other => ws.write_string(r, c, other.to_string()).map(|_| ()),
                };
                written?;
            }
        }
    }
    Ok(wb)
}

/// Deflate level of the ZIP and XLSX containers: Excel's own level, about a
/// third faster than the default 6 for files a few percent larger.
const DEFLATE_LEVEL: i64 = 3;

const CSV_MEDIA: &str = "text/csv; charset=utf-8";
const XLSX_MEDIA: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn cannot_write(path: &Path, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::Write { path: path.to_path_buf(), source: e.into() }
}

/// A file being written into the staging folder, hashed and counted on the way.
struct Sink {
    name: String,
    path: PathBuf,
    out: BufWriter<std::fs::File>,
    sha: Sha256,
    bytes: u64,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Writes to two writers: a CSV file and its entry in the ZIP.
struct Tee<'a, A, B>(&'a mut A, &'a mut B);

impl<A: Write, B: Write> Write for Tee<'_, A, B> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(buf)?;
        self.1.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()?;
        self.1.flush()
    }
}

/// The staging folder of one revision's snapshot. Each finished file goes to
/// a thread that syncs it to disk while the next one is written.
struct Staging<'a> {
    dir: &'a Path,
    rev: &'a Revision,
    finished: std::sync::mpsc::Sender<(std::fs::File, PathBuf)>,
}

impl Staging<'_> {
    fn create(&self, name: String) -> Result<(PathBuf, BufWriter<std::fs::File>), Error> {
        let path = self.dir.join(&name);
        let file = std::fs::File::create(&path).map_err(|e| cannot_write(&path, e))?;
        Ok((path, BufWriter::with_capacity(1 << 18, file)))
    }

    fn sink(&self, name: String) -> Result<Sink, Error> {
        let (path, out) = self.create(name.clone())?;
        Ok(Sink { name, path, out, sha: Sha256::new(), bytes: 0 })
    }

    fn finish(&self, out: BufWriter<std::fs::File>, path: &Path) -> Result<(), Error> {
        let file = out.into_inner().map_err(|e| cannot_write(path, e.into_error()))?;
        let _ = self.finished.send((file, path.to_path_buf()));
        Ok(())
    }

    /// A written file's manifest entry; `table` for a per-table file.
    fn close(&self, mut sink: Sink, format: &str, media: &str, table: Option<&Published>) -> Result<FileEntry, Error> {
        sink.flush().map_err(|e| cannot_write(&sink.path, e))?;
        let Sink { name, path, out, sha, bytes } = sink;
        self.finish(out, &path)?;
        Ok(FileEntry {
            name,
            format: format.into(),
            media_type: media.into(),
            table: table.map(|t| t.table.to_string()),
            rows: table.map(|t| t.rows.len()),
            bytes,
            sha256: hex::encode(sha.finalize()),
        })
    }

    fn whole(&self, name: String, format: &str, media: &str, bytes: &[u8]) -> Result<FileEntry, Error> {
        let mut sink = self.sink(name)?;
        sink.write_all(bytes).map_err(|e| cannot_write(&sink.path, e))?;
        self.close(sink, format, media, None)
    }

    /// A file written by a library that seeks (ZIP, XLSX): hashed by reading it back.
    fn read_back(
        &self,
        out: BufWriter<std::fs::File>,
        path: &Path,
        format: &str,
        media: &str,
    ) -> Result<FileEntry, Error> {
        self.finish(out, path)?;
        let mut sha = Sha256::new();
        let bytes = std::fs::File::open(path)
            .and_then(|mut f| std::io::copy(&mut f, &mut sha))
            .map_err(|e| cannot_write(path, e))?;
        Ok(FileEntry {
            name: path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
            format: format.into(),
            media_type: media.into(),
            table: None,
            rows: None,
            bytes,
            sha256: hex::encode(sha.finalize()),
        })
    }

    fn xlsx(&self, tables: &[Published]) -> Result<FileEntry, Error> {
        let (path, mut out) = self.create(format!("{PACKAGE_NAME}-r{}.xlsx", self.rev.number))?;
        workbook(tables, self.rev)?.save_to_writer(&mut out).map_err(|e| cannot_write(&path, e))?;
        self.read_back(out, &path, "xlsx", XLSX_MEDIA)
    }

    /// Every table's CSV file, written into the ZIP (the data package) on
    /// the way, then `datapackage.json`: (the CSVs, datapackage, ZIP).
    fn csv_and_zip(
        &self,
        config: &Config,
        tables: &[Published],
    ) -> Result<(Vec<FileEntry>, FileEntry, FileEntry), Error> {
        use chrono::{Datelike, Timelike};
        use zip::write::SimpleFileOptions;
        let rev = self.rev;
        let (path, out) = self.create(format!("{PACKAGE_NAME}-r{}.zip", rev.number))?;
        let zip_error = |e: zip::result::ZipError| cannot_write(&path, e);
        let when = chrono::DateTime::parse_from_rfc3339(&rev.created_at).map_err(|e| Error::RevisionTime(e.into()))?;
        let stamp = zip::DateTime::from_date_and_time(
            when.year() as u16,
            when.month() as u8,
            when.day() as u8,
            when.hour() as u8,
            when.minute() as u8,
            when.second() as u8,
        )
        .map_err(|e| Error::RevisionTime(e.into()))?;
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(DEFLATE_LEVEL))
            .last_modified_time(stamp)
            .unix_permissions(0o644);
        let inner = |name: &str| format!("{PACKAGE_NAME}-r{}/{name}", rev.number);
        let mut zip = zip::ZipWriter::new(out);
        let mut csvs = Vec::with_capacity(tables.len());
        for t in tables {
            let mut sink = self.sink(format!("{}.csv", t.table))?;
            zip.start_file(inner(&sink.name), options).map_err(zip_error)?;
            write_csv(&t.columns, &t.rows, false, Tee(&mut sink, &mut zip)).map_err(|e| cannot_write(&sink.path, e))?;
            csvs.push(self.close(sink, "csv", CSV_MEDIA, Some(t))?);
        }
        let package = serde_json::to_vec_pretty(&datapackage(config, rev, &csvs)).unwrap_or_default();
        zip.start_file(inner("datapackage.json"), options).map_err(zip_error)?;
        zip.write_all(&package).map_err(|e| cannot_write(&path, e))?;
        let package = self.whole("datapackage.json".into(), "datapackage", "application/json", &package)?;
        let out = zip.finish().map_err(zip_error)?;
        let zip = self.read_back(out, &path, "zip", "application/zip")?;
        Ok((csvs, package, zip))
    }

    /// A table's Excel CSV, JSON and NDJSON files.
    fn other_table_files(&self, t: &Published) -> Result<[FileEntry; 3], Error> {
        let mut excel = self.sink(format!("{}-excel.csv", t.table))?;
        write_csv(&t.columns, &t.rows, true, &mut excel).map_err(|e| cannot_write(&excel.path, e))?;
        let excel = self.close(excel, "csv-excel", CSV_MEDIA, Some(t))?;
        let (mut json, mut nd) = (self.sink(format!("{}.json", t.table))?, self.sink(format!("{}.ndjson", t.table))?);
        write_json(&t.columns, &t.rows, &mut json, &mut nd).map_err(|e| cannot_write(&json.path, e))?;
        let json = self.close(json, "json", "application/json", Some(t))?;
        Ok([excel, json, self.close(nd, "ndjson", "application/x-ndjson", Some(t))?])
    }

    /// Every file, listed in manifest order: per table its CSV, Excel CSV,
    /// JSON and NDJSON, then `datapackage.json`, the XLSX, the ZIP and
    /// `SHA256SUMS`. The XLSX, the CSVs with the ZIP, and the other per-table
    /// files are written at the same time where there are threads for them.
    fn all(&self, config: &Config, tables: &[Published]) -> Result<Vec<FileEntry>, Error> {
        let started = std::time::Instant::now();
        let (xlsx, (zipped, others)) = rayon::join(
            || {
                let x = self.xlsx(tables);
                log::debug!("snapshot: XLSX at {:.2} s", started.elapsed().as_secs_f64());
                x
            },
            || {
                rayon::join(
                    || {
                        let z = self.csv_and_zip(config, tables);
                        log::debug!("snapshot: CSV and ZIP at {:.2} s", started.elapsed().as_secs_f64());
                        z
                    },
                    || {
                        let o = tables.iter().map(|t| self.other_table_files(t)).collect::<Result<Vec<_>, _>>();
                        log::debug!("snapshot: Excel CSV, JSON, NDJSON at {:.2} s", started.elapsed().as_secs_f64());
                        o
                    },
                )
            },
        );
        let (csvs, package, zip) = zipped?;
        let mut out = Vec::with_capacity(tables.len() * 4 + 4);
        for (csv, others) in csvs.into_iter().zip(others?) {
            out.push(csv);
            out.extend(others);
        }
        out.extend([package, xlsx?, zip]);
        let sums: String = out.iter().map(|e| format!("{}  {}\n", e.sha256, e.name)).collect();
        out.push(self.whole("SHA256SUMS".into(), "sha256sums", "text/plain; charset=utf-8", sums.as_bytes())?);
        Ok(out)
    }
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

/// Write every file of a revision's snapshot into a staging folder beside
/// the published ones, straight from the rows (no file is held in memory
/// whole), each synced to disk on a thread of its own once finished;
/// `manifest.json` last. On failure (a full disk, say) nothing half-written
/// is left behind. [`publish_staged`] renames the folder into place.
pub fn build_staged(config: &Config, tables: &[Published], rev: &Revision) -> Result<Staged, Error> {
    std::fs::create_dir_all(&config.snapshot_dir)
        .map_err(|source| Error::CreateDir { dir: config.snapshot_dir.clone(), source })?;
    let staged = Staged::create(&config.snapshot_dir, rev.number)?;
    let tmp = staged.dir();
    let files = std::thread::scope(|scope| {
        let (finished, synced) = std::sync::mpsc::channel::<(std::fs::File, PathBuf)>();
        let syncer = scope.spawn(move || {
            let mut first = Ok(());
            for (file, path) in synced {
                // Same Last-Modified on every replica: the revision's time.
                let _ = file.set_modified(rev.modified);
                if first.is_ok() {
                    first = file.sync_all().map_err(|e| cannot_write(&path, e));
                }
            }
            first
        });
        let files = Staging { dir: tmp, rev, finished }.all(config, tables);
        let synced = syncer.join().unwrap_or(Err(Error::SyncPanicked));
        files.and_then(|files| synced.map(|()| files))
    });
    // On failure, dropping `staged` removes it: nothing half-written stays.
    files.and_then(|files| {
        let manifest = Manifest { revision: rev.number, created_at: rev.created_at.clone(), files };
        write_file(&tmp.join("manifest.json"), &serde_json::to_vec_pretty(&manifest).unwrap_or_default(), rev)
    })?;
    Ok(staged)
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

fn write_file(path: &Path, bytes: &[u8], rev: &Revision) -> Result<(), Error> {
    let mut f = std::fs::File::create(path).map_err(|e| cannot_write(path, e))?;
    f.write_all(bytes).map_err(|e| cannot_write(path, e))?;
    f.sync_all().map_err(|e| cannot_write(path, e))?;
    // Same Last-Modified on every replica: the revision's time.
    let _ = f.set_modified(rev.modified);
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_longer_than_an_excel_sheet_continues_on_more_sheets() {
        let rev = Revision {
            number: 1,
            content_hash: "x".into(),
            created_at: "2026-11-22T00:00:00Z".into(),
            modified: std::time::SystemTime::UNIX_EPOCH,
        };
        let long = Published {
            table: "progress_updates",
            columns: vec!["id".into()],
            rows: vec![vec![Value::Null]; XLSX_MAX_ROWS + 3],
        };
        let short = Published { table: "plans", columns: vec!["id".into()], rows: vec![vec![Value::from("p")]] };
        let bytes = workbook(&[long, short], &rev).unwrap().save_to_buffer().expect("an XLSX");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut workbook = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut workbook).unwrap();
        let names: Vec<&str> = workbook.split("<sheet name=\"").skip(1).filter_map(|s| s.split('"').next()).collect();
        assert_eq!(names, ["progress_updates", "progress_updates (2)", "plans"]);
    }
}
