//! Each published table written out in the snapshot's formats (CSV, its
//! Excel variant, JSON, NDJSON, the XLSX workbooks: the whole and one per plan) and the package's
//! descriptions (`datapackage.json`, the citation).

use std::io::Write;

use serde::Serialize;
use serde_json::{json, Value};

use super::{dictionary, Error, FileEntry, Published, PACKAGE_NAME, TABLES};
use crate::config::Config;
use crate::publication::workbook;
use crate::publication::{Cell, Rows};
use crate::revision::Revision;

/// Deflate level of the ZIP and XLSX containers: Excel's own level, about a
/// third faster than the default 6 for files a few percent larger.
pub(super) const DEFLATE_LEVEL: i64 = 3;

pub(super) fn cell_text(v: &Cell) -> std::borrow::Cow<'_, str> {
    match v {
        Cell::Null => "".into(),
        Cell::String(s) => (**s).into(),
        other => other.to_string().into(),
    }
}

/// A table as CSV: the plain file, or the Excel variant (a byte-order mark
/// and CRLF line ends, so that Excel reads UTF-8 and Spanish text intact).
pub(super) fn write_csv(columns: &[String], rows: &Rows, excel: bool, mut out: impl Write) -> std::io::Result<()> {
    if excel {
        out.write_all(b"\xEF\xBB\xBF")?;
    }
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .terminator(if excel { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .from_writer(out);
    w.write_record(columns)?;
    for row in rows.iter() {
        for v in row.iter() {
            w.write_field(cell_text(v).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()
}

/// One row as a JSON object, keys in column order, without building it.
pub(super) struct JsonRow<'a>(pub(super) &'a [String], pub(super) &'a [Cell]);

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
pub(super) fn write_json(
    columns: &[String],
    rows: &Rows,
    mut json: impl Write,
    mut nd: impl Write,
) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(1024);
    json.write_all(b"[")?;
    for (i, row) in rows.iter().enumerate() {
        line.clear();
        serde_json::to_writer(&mut line, &JsonRow(columns, &row))?;
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

/// A table's primary key: `id`, or the columns that identify a row.
pub(super) fn primary_key<'a>(table: &str, columns: &'a [String]) -> Vec<&'a str> {
    match table {
        _ if columns.iter().any(|c| c == "id") => vec!["id"],
        "institution_plan_rollups" => vec!["institution_id", "plan_id"],
        "retired_ids" => vec!["record_type", "record_id"],
        _ => vec!["institution_id", "alias"],
    }
}

/// A CSV file as a tabular resource: its schema with types, descriptions and keys.
fn csv_resource(table: &str, file: &FileEntry) -> Value {
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
    let names: Vec<String> = columns.iter().map(|c| c.column.clone()).collect();
    let foreign: Vec<Value> = columns
        .iter()
        .filter_map(|c| {
            let (t, col) = c.references.as_ref()?;
            let resource = if t == table { String::new() } else { t.clone() };
            Some(json!({"fields": c.column, "reference": {"resource": resource, "fields": col}}))
        })
        .collect();
    json!({
        "name": table,
        "path": file.name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": file.bytes,
        "hash": format!("sha256:{}", file.sha256),
        "schema": {"fields": fields, "primaryKey": primary_key(table, &names), "foreignKeys": foreign,
            "missingValues": [""]},
    })
}

/// A file that carries its own schema (Parquet, SQLite) as a plain file
/// resource: validators check its size and hash, and do not read it as CSV.
fn file_resource(name: String, file: &FileEntry, description: String) -> Value {
    json!({
        "name": name,
        "path": file.name,
        "type": "file",
        "format": file.format,
        "mediatype": file.media_type,
        "bytes": file.bytes,
        "hash": format!("sha256:{}", file.sha256),
        "description": description,
    })
}

/// The Frictionless descriptor of the given files: each table's CSV as a
/// tabular resource, then each Parquet file, the SQLite database and the
/// diff files as file resources. With CSV files only (the ZIP's copy) it is
/// a tabular data package; with the others a data package, whose CSV
/// resources are validated as tables all the same.
pub(super) fn datapackage(config: &Config, rev: &Revision, files: &[FileEntry]) -> Value {
    let of = |table: &str, format: &str| files.iter().find(|f| f.table.as_deref() == Some(table) && f.format == format);
    let mut resources: Vec<Value> =
        TABLES.iter().filter_map(|table| Some(csv_resource(table, of(table, "csv")?))).collect();
    resources.extend(TABLES.iter().filter_map(|table| {
        let description = format!("{table} as Apache Parquet: the rows and columns of {table}.csv, typed");
        Some(file_resource(format!("{table}-parquet"), of(table, "parquet")?, description))
    }));
    resources.extend(files.iter().filter(|f| f.format == "sqlite").map(|f| {
        let description = "Every table in one SQLite database, with a `dictionary` table of the columns \
            and an `about` table (revision, license, citation)";
        file_resource(format!("{PACKAGE_NAME}-sqlite"), f, description.into())
    }));
    resources.extend(files.iter().filter(|f| f.format.starts_with("diff-")).map(|f| {
        let each = if f.format == "diff-csv" { "one row per field of a change" } else { "one JSON object per change" };
        let description = format!(
            "The changes from revision {} to this one: every record created, updated (old and new values) or \
             deleted, in every table, by its primary key ({each}; see the README)",
            f.from_revision.unwrap_or_default()
        );
        file_resource(format!("{PACKAGE_NAME}-{}", f.format), f, description)
    }));
    let tabular = resources.iter().all(|r| r["type"] != "file");
    json!({
        "profile": if tabular { "tabular-data-package" } else { "data-package" },
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

/// Per-plan workbooks hold these tables' rows of the plan (the readable,
/// flat ones, the plan's findings and its institutions' scorecards).
pub(super) const PLAN_TABLES: &[&str] =
    &["flat_commitments", "flat_milestones", "flat_progress_updates", "quality_findings", "institution_plan_rollups"];

/// What the first sheet of a snapshot workbook says.
pub fn about(config: &Config, rev: &Revision, title: String, url: String) -> workbook::About {
    workbook::About {
        title,
        revision: rev.number,
        created_at: rev.created_at.clone(),
        license: format!("{} ({})", config.license_name, config.license_url),
        citation: citation(config, rev),
        url,
    }
}

/// A published table's columns, described by the data dictionary.
fn columns(t: &Published) -> Vec<workbook::Column> {
    t.columns.iter().map(|c| workbook::Column::of(t.table, c, false)).collect()
}

/// The XLSX workbook of every table: "Acerca de", then one sheet per table.
pub(super) fn workbook(
    config: &Config,
    tables: &[Published],
    rev: &Revision,
) -> Result<rust_xlsxwriter::Workbook, Error> {
    let sheets: Vec<workbook::Sheet> = tables
        .iter()
        .map(|t| workbook::Sheet { name: t.table.to_string(), columns: columns(t), rows: t.rows.clone(), picked: None })
        .collect();
    let title = "Gobierno Abierto Guatemala: todas las tablas".to_string();
    workbook::write(&about(config, rev, title, format!("{}/v1/downloads", config.public_url)), &sheets)
        .map_err(Error::Workbook)
}

/// Each table's rows of a plan (their positions).
type ByPlan = std::collections::HashMap<std::sync::Arc<str>, Vec<usize>>;

/// One workbook per plan, with the plan's rows of [`PLAN_TABLES`]: the
/// plans (id, title) in plan order, and each one's workbook on demand (so
/// that they are written on every core).
pub(super) struct PlanBooks<'a> {
    config: &'a Config,
    rev: &'a Revision,
    pub plans: Vec<(String, String)>,
    by_plan: Vec<(&'a Published<'a>, ByPlan)>,
}

impl<'a> PlanBooks<'a> {
    pub fn new(config: &'a Config, tables: &'a [Published<'a>], rev: &'a Revision) -> PlanBooks<'a> {
        let column = |t: &Published, name: &str| t.columns.iter().position(|c| c == name);
        let plans = tables
            .iter()
            .find(|t| t.table == "plans")
            .map(|t| {
                let (id, title) = (column(t, "id"), column(t, "title"));
                let text = |r: &[Cell], i: Option<usize>| i.and_then(|i| r[i].as_str()).unwrap_or_default().to_string();
                t.rows.iter().map(|r| (text(&r, id), text(&r, title))).collect()
            })
            .unwrap_or_default();
        // Each table's rows by plan, found once.
        let by_plan = PLAN_TABLES
            .iter()
            .filter_map(|name| tables.iter().find(|t| t.table == *name))
            .filter_map(|t| {
                let at = column(t, "plan_id")?;
                let mut rows = ByPlan::default();
                for (i, r) in t.rows.iter().enumerate() {
                    if let Cell::String(plan) = &r[at] {
                        rows.entry(plan.clone()).or_default().push(i);
                    }
                }
                Some((t, rows))
            })
            .collect();
        PlanBooks { config, rev, plans, by_plan }
    }

    /// The workbook of plan `id` (titled `title`).
    pub fn workbook(&self, id: &str, title: &str) -> Result<rust_xlsxwriter::Workbook, Error> {
        let sheets: Vec<workbook::Sheet> = self
            .by_plan
            .iter()
            .map(|(t, rows)| workbook::Sheet {
                name: t.table.to_string(),
                columns: columns(t),
                rows: t.rows.clone(),
                picked: Some(rows.get(id).cloned().unwrap_or_default()),
            })
            .collect();
        workbook::write(
            &about(self.config, self.rev, title.to_string(), format!("{}/v1/downloads", self.config.public_url)),
            &sheets,
        )
        .map_err(Error::Workbook)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revision::Revision;

    #[test]
    fn a_table_longer_than_an_excel_sheet_continues_on_more_sheets() {
        let config =
            Config::new(crate::config::database_url(None, std::path::Path::new("/tmp")), std::path::Path::new("/tmp"));
        let rev = Revision {
            number: 1,
            content_hash: "x".into(),
            created_at: "2026-11-22T00:00:00Z".into(),
            modified: std::time::SystemTime::UNIX_EPOCH,
        };
        let long = Published {
            table: "progress_updates",
            columns: vec!["id".into()],
            rows: vec![vec![Cell::Null]; workbook::MAX_ROWS + 3].into(),
        };
        let short = Published { table: "plans", columns: vec!["id".into()], rows: vec![vec![Cell::from("p")]].into() };
        let bytes = workbook(&config, &[long, short], &rev).unwrap().save_to_buffer().expect("an XLSX");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut workbook = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut workbook).unwrap();
        let names: Vec<&str> = workbook.split("<sheet name=\"").skip(1).filter_map(|s| s.split('"').next()).collect();
        assert_eq!(names, ["Acerca de", "progress_updates", "progress_updates (2)", "plans"]);
    }
}
