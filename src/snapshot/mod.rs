//! Download snapshots: every published table as CSV (plain and Excel
//! variant), JSON and NDJSON, an XLSX workbook, a ZIP of the data package, a
//! Frictionless `datapackage.json` and `SHA256SUMS` — written once per
//! dataset revision into `SNAPSHOT_DIR/r{N}/`, never per request. The bytes
//! depend only on the revision, so every replica produces the same files.

pub mod dictionary;

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::db::DbConnection;
use crate::import::{export, Dataset};
use crate::revision::Revision;

/// Published tables, in the order files are listed.
pub const TABLES: &[&str] = &[
    "plans",
    "commitments",
    "milestones",
    "progress_updates",
    "institutions",
    "institution_roles",
    "institution_aliases",
    "plan_sections",
    "plan_participants",
    "plan_risks",
    "quality_findings",
    "source_documents",
];

pub const PACKAGE_NAME: &str = "gobierno-abierto-guatemala";

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

/// A cell's JSON value for publication (hundredths become decimals).
fn publish_value(column: &str, v: Value) -> Value {
    match v {
        Value::Number(n) if dictionary::HUNDREDTHS.contains(&column) => {
            n.as_i64().map(|h| Value::Number(crate::percent::to_number(h as i32))).unwrap_or(Value::Null)
        }
        Value::String(s) if s.is_empty() => Value::Null,
        other => other,
    }
}

fn cell_text(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::Null => "".into(),
        Value::String(s) => s.as_str().into(),
        other => other.to_string().into(),
    }
}

/// A table as published: its name, column names and rows of cell values.
pub struct Published {
    pub table: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// Every published table of a dataset, in [`TABLES`] order; rows are
/// converted on all cores.
pub fn publish(ds: &Dataset) -> Vec<Published> {
    TABLES
        .par_iter()
        .map(|table| {
            let (columns, rows) = table_rows(ds, table);
            Published { table, columns, rows }
        })
        .collect()
}

/// Published rows of a table: (column names, rows of JSON values).
pub fn table_rows(ds: &Dataset, table: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    fn values<T: Serialize + Sync>(rows: &[T], columns: &[String]) -> Vec<Vec<Value>> {
        rows.par_iter()
            .with_min_len(1024)
            .map(|r| {
                let mut object = match serde_json::to_value(r) {
                    Ok(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                columns.iter().map(|c| publish_value(c, object.swap_remove(c).unwrap_or(Value::Null))).collect()
            })
            .collect()
    }
    let columns: Vec<String> = dictionary::public(table).iter().map(|c| c.column.clone()).collect();
    let rows = match table {
        "plans" => values(&ds.plans, &columns),
        "commitments" => values(&ds.commitments, &columns),
        "milestones" => values(&ds.milestones, &columns),
        "progress_updates" => values(&ds.progress_updates, &columns),
        "institutions" => values(&ds.institutions, &columns),
        "institution_roles" => values(&ds.roles, &columns),
        "institution_aliases" => values(&ds.aliases, &columns),
        "plan_sections" => values(&ds.sections, &columns),
        "plan_participants" => values(&ds.participants, &columns),
        "plan_risks" => values(&ds.risks, &columns),
        "quality_findings" => values(&ds.findings, &columns),
        "source_documents" => values(&ds.source_documents, &columns),
        _ => vec![],
    };
    (columns, rows)
}

fn csv_bytes(columns: &[String], rows: &[Vec<Value>], excel: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 256);
    if excel {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(if excel { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .from_writer(out);
    w.write_record(columns).expect("in-memory write");
    for row in rows {
        for v in row {
            w.write_field(cell_text(v).as_bytes()).expect("in-memory write");
        }
        w.write_record(None::<&[u8]>).expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
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

/// The table as one JSON array and as NDJSON (one object per line).
fn json_bytes(columns: &[String], rows: &[Vec<Value>]) -> (Vec<u8>, Vec<u8>) {
    let mut nd = Vec::with_capacity(rows.len() * 384);
    let mut starts = Vec::with_capacity(rows.len());
    for row in rows {
        starts.push(nd.len());
        serde_json::to_writer(&mut nd, &JsonRow(columns, row)).expect("in-memory write");
        nd.push(b'\n');
    }
    let mut json = Vec::with_capacity(nd.len() + 2);
    json.push(b'[');
    for (i, start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(nd.len()) - 1;
        if i > 0 {
            json.push(b',');
        }
        json.extend_from_slice(&nd[*start..end]);
    }
    json.push(b']');
    (json, nd)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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
                    if c.kind == "datetime" {
                        f["format"] = json!("%Y-%m-%dT%H:%M:%S");
                    }
                    f
                })
                .collect();
            let names: Vec<&str> = columns.iter().map(|c| c.column.as_str()).collect();
            let primary: Vec<&str> = if names.contains(&"id") { vec!["id"] } else { vec!["institution_id", "alias"] };
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

fn xlsx_bytes(tables: &[Published], rev: &Revision) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let when = ExcelDateTime::parse_from_str(&rev.created_at.replace('T', " ").replace('Z', ""))
        .map_err(|e| format!("revision time: {e}"))?;
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
        let ws = wb.add_worksheet_with_constant_memory().map_err(|e| e.to_string())?;
        ws.set_name(&name).map_err(|e| e.to_string())?;
        for (c, name) in columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, name, &bold).map_err(|e| e.to_string())?;
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
                written.map_err(|e| e.to_string())?;
            }
        }
    }
    wb.save_to_buffer().map_err(|e| e.to_string())
}

fn zip_bytes(files: &[(&str, &[u8])], rev: &Revision) -> Result<Vec<u8>, String> {
    use zip::write::SimpleFileOptions;
    let when = chrono::DateTime::parse_from_rfc3339(&rev.created_at).map_err(|e| e.to_string())?;
    use chrono::{Datelike, Timelike};
    let stamp = zip::DateTime::from_date_and_time(
        when.year() as u16,
        when.month() as u8,
        when.day() as u8,
        when.hour() as u8,
        when.minute() as u8,
        when.second() as u8,
    )
    .map_err(|e| e.to_string())?;
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        w.start_file(format!("{PACKAGE_NAME}-r{}/{name}", rev.number), options).map_err(|e| e.to_string())?;
        w.write_all(bytes).map_err(|e| e.to_string())?;
    }
    Ok(w.finish().map_err(|e| e.to_string())?.into_inner())
}

fn entry(name: String, format: &str, media: &str, table: Option<&str>, rows: Option<usize>, bytes: Vec<u8>) -> File {
    (
        FileEntry {
            sha256: sha256_hex(&bytes),
            bytes: bytes.len() as u64,
            name,
            format: format.into(),
            media_type: media.into(),
            table: table.map(str::to_string),
            rows,
        },
        bytes,
    )
}

/// A snapshot file: its manifest entry and its bytes.
pub type File = (FileEntry, Vec<u8>);

/// The four per-table files: CSV, Excel CSV, JSON, NDJSON.
fn table_files(t: &Published) -> [File; 4] {
    let (table, n) = (t.table, Some(t.rows.len()));
    let ((csv, excel), (json, nd)) = rayon::join(
        || rayon::join(|| csv_bytes(&t.columns, &t.rows, false), || csv_bytes(&t.columns, &t.rows, true)),
        || json_bytes(&t.columns, &t.rows),
    );
    let csv_media = "text/csv; charset=utf-8";
    let ((a, b), (c, d)) = rayon::join(
        || {
            rayon::join(
                || entry(format!("{table}.csv"), "csv", csv_media, Some(table), n, csv),
                || entry(format!("{table}-excel.csv"), "csv-excel", csv_media, Some(table), n, excel),
            )
        },
        || {
            rayon::join(
                || entry(format!("{table}.json"), "json", "application/json", Some(table), n, json),
                || entry(format!("{table}.ndjson"), "ndjson", "application/x-ndjson", Some(table), n, nd),
            )
        },
    );
    [a, b, c, d]
}

/// Every file of a revision's snapshot, in memory, built on all cores. The
/// ZIP is the data package: `datapackage.json` and the CSV files.
pub fn build(config: &Config, tables: &[Published], rev: &Revision) -> Result<Vec<File>, String> {
    let started = std::time::Instant::now();
    let (xlsx, per_table) = rayon::join(
        || {
            let x = xlsx_bytes(tables, rev);
            log::debug!("snapshot: XLSX in {:.2} s", started.elapsed().as_secs_f64());
            x
        },
        || {
            let files = tables.par_iter().map(table_files).collect::<Vec<[File; 4]>>();
            log::debug!("snapshot: CSV, JSON, NDJSON in {:.2} s", started.elapsed().as_secs_f64());
            files
        },
    );
    let mut out: Vec<File> = per_table.into_iter().flatten().collect();
    let entries: Vec<FileEntry> = out.iter().map(|(e, _)| e.clone()).collect();
    let package = serde_json::to_vec_pretty(&datapackage(config, rev, &entries)).unwrap_or_default();
    out.push(entry("datapackage.json".into(), "datapackage", "application/json", None, None, package));
    let xlsx_media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    out.push(entry(format!("{PACKAGE_NAME}-r{}.xlsx", rev.number), "xlsx", xlsx_media, None, None, xlsx?));
    let zipped: Vec<(&str, &[u8])> = out
        .iter()
        .filter(|(e, _)| e.format == "csv" || e.format == "datapackage")
        .map(|(e, b)| (e.name.as_str(), b.as_slice()))
        .collect();
    let zip = zip_bytes(&zipped, rev)?;
    log::debug!("snapshot: ZIP done at {:.2} s", started.elapsed().as_secs_f64());
    out.push(entry(format!("{PACKAGE_NAME}-r{}.zip", rev.number), "zip", "application/zip", None, None, zip));
    let mut sums = String::new();
    for (e, _) in &out {
        sums.push_str(&format!("{}  {}\n", e.sha256, e.name));
    }
    out.push(entry("SHA256SUMS".into(), "sha256sums", "text/plain; charset=utf-8", None, None, sums.into_bytes()));
    Ok(out)
}

/// Write the current revision's snapshot if it is not on disk yet, then
/// prune old ones. Safe to run from several processes at once.
pub fn ensure(config: &Config, conn: &mut DbConnection, rev: &Revision) -> Result<bool, String> {
    let dir = revision_dir(config, rev.number);
    if dir.join("manifest.json").is_file() {
        return Ok(false);
    }
    let ds = export::load(conn).map_err(|e| format!("cannot read the dataset: {e}"))?;
    let files = build(config, &publish(&ds), rev)?;
    write(config, rev, files)
}

/// Publish a revision's files: written into a temporary folder, synced, then
/// renamed into place, so a reader sees all of them or none.
pub fn write(config: &Config, rev: &Revision, files: Vec<File>) -> Result<bool, String> {
    let staged = stage(config, rev, files)?;
    publish_staged(config, rev, &staged)
}

/// Write a revision's files into a temporary folder beside the published
/// ones (synced; nothing half-written is left behind on failure).
pub fn stage(config: &Config, rev: &Revision, files: Vec<File>) -> Result<PathBuf, String> {
    std::fs::create_dir_all(&config.snapshot_dir)
        .map_err(|e| format!("cannot create {}: {e}", config.snapshot_dir.display()))?;
    let tmp = config.snapshot_dir.join(format!(".r{}.tmp-{}", rev.number, std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    let manifest = Manifest {
        revision: rev.number,
        created_at: rev.created_at.clone(),
        files: files.iter().map(|(e, _)| e.clone()).collect(),
    };
    let written =
        files.into_par_iter().try_for_each(|(entry, bytes)| write_file(&tmp.join(&entry.name), &bytes, rev)).and_then(
            |()| write_file(&tmp.join("manifest.json"), &serde_json::to_vec_pretty(&manifest).unwrap_or_default(), rev),
        );
    if let Err(e) = written {
        // Nothing half-written stays behind (a full disk, say).
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// Remove this process's staged folders (after a rolled-back import).
pub fn remove_staged(config: &Config) {
    let suffix = format!(".tmp-{}", std::process::id());
    for entry in std::fs::read_dir(&config.snapshot_dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(".r") && name.ends_with(&suffix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Rename a staged folder into place (another process may have published
/// the same revision first: then the staged copy is dropped), then prune.
pub fn publish_staged(config: &Config, rev: &Revision, staged: &Path) -> Result<bool, String> {
    let dir = revision_dir(config, rev.number);
    match std::fs::rename(staged, &dir) {
        Ok(()) => {}
        Err(_) if dir.join("manifest.json").is_file() => {
            let _ = std::fs::remove_dir_all(staged);
            return Ok(false);
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(staged);
            return Err(format!("cannot publish snapshot {}: {e}", dir.display()));
        }
    }
    log::info!("wrote download snapshot for revision {} to {}", rev.number, dir.display());
    prune(config);
    Ok(true)
}

fn write_file(path: &Path, bytes: &[u8], rev: &Revision) -> Result<(), String> {
    let mut f = std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.sync_all().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
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
    for entry in std::fs::read_dir(&config.snapshot_dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let owner = name.rsplit_once(".tmp-").or_else(|| name.rsplit_once(".old-")).map(|(_, p)| p.to_string());
        if let (true, Some(owner)) = (name.starts_with(".r"), owner) {
            if owner.parse::<u32>().is_ok_and(|p| p != pid && !Path::new(&format!("/proc/{p}")).exists()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
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
        let bytes = xlsx_bytes(&[long, short], &rev).expect("an XLSX");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut workbook = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut workbook).unwrap();
        let names: Vec<&str> = workbook.split("<sheet name=\"").skip(1).filter_map(|s| s.split('"').next()).collect();
        assert_eq!(names, ["progress_updates", "progress_updates (2)", "plans"]);
    }
}
