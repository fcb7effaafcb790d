//! The whole published dataset as one SQLite database, for people who query
//! it with SQL (`sqlite3`, DB Browser, Datasette, Python's `sqlite3`): every
//! published table with its published columns, primary and foreign keys, a
//! `dictionary` table saying what each column holds, and an `about` table
//! (revision, license, citation). Written in one transaction into a new
//! file, so the same rows give the same bytes (the schema, the rows and
//! their order are fixed, and SQLite is bundled): every replica writes the
//! same file. Not vacuumed: a new file written in one go has no free pages,
//! and VACUUM made it 1 % smaller for a second pass over the whole file.

use std::path::Path;

use crate::publication::{Cell, Rows};
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Double, Nullable, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::{Connection, RunQueryDsl};

use super::{dictionary, Published, PACKAGE_NAME, TABLES};
use crate::config::Config;
use crate::revision::Revision;
use crate::vocabulary::FieldType;

type BoxedError = Box<dyn std::error::Error + Send + Sync>;

/// Values bound per `INSERT` (several rows a statement: fewer statements to prepare).
const BINDS_PER_INSERT: usize = 999;

/// A name as an SQL identifier (column names such as `number` or `end` are keywords).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A column's declared type: text for dates (ISO 8601, SQLite's own
/// convention), integers for booleans (0 and 1), and REAL for percentages
/// (at most two decimals, so 8.34 reads back as 8.34).
fn sql_type(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Integer | FieldType::Boolean => "INTEGER",
        FieldType::Number => "REAL",
        FieldType::String | FieldType::Date | FieldType::Datetime => "TEXT",
    }
}

fn create_table(t: &Published) -> String {
    let columns = dictionary::public(t.table);
    let mut parts: Vec<String> = t
        .columns
        .iter()
        .map(|name| {
            let c = columns.iter().find(|c| &c.column == name);
            let mut part = format!("{} {}", quoted(name), sql_type(c.map(|c| c.kind).unwrap_or_default()));
            if let Some((table, column)) = c.and_then(|c| c.references.as_ref()).filter(|(t, _)| TABLES.contains(&&**t))
            {
                part += &format!(" REFERENCES {}({})", quoted(table), quoted(column));
            }
            part
        })
        .collect();
    let key: Vec<String> = super::formats::primary_key(t.table, &t.columns).iter().map(|c| quoted(c)).collect();
    parts.push(format!("PRIMARY KEY ({})", key.join(", ")));
    format!("CREATE TABLE {} (\n  {}\n);\n", quoted(t.table), parts.join(",\n  "))
}

/// Insert rows as they were published: JSON numbers stay numbers, booleans
/// become 0 and 1, null stays NULL.
fn insert(conn: &mut SqliteConnection, table: &str, columns: &[String], rows: &Rows) -> Result<(), BoxedError> {
    let names: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
    let one = format!("({})", vec!["?"; columns.len()].join(", "));
    let per_insert = (BINDS_PER_INSERT / columns.len().max(1)).max(1);
    for chunk in rows.pieces(per_insert) {
        let values = vec![one.as_str(); chunk.len()].join(", ");
        let sql = format!("INSERT INTO {} ({}) VALUES {values}", quoted(table), names.join(", "));
        let mut q = diesel::sql_query(sql).into_boxed::<Sqlite>();
        for v in chunk.iter().flat_map(|row| row.iter()) {
            q = match v {
                Cell::Null => q.bind::<Nullable<Text>, _>(None::<&str>),
                Cell::Bool(b) => q.bind::<BigInt, _>(i64::from(*b)),
                Cell::Number(n) => match n.as_i64() {
                    Some(i) => q.bind::<BigInt, _>(i),
                    None => q.bind::<Double, _>(n.as_f64().unwrap_or(f64::NAN)),
                },
                Cell::String(s) => q.bind::<Text, _>(&**s),
            };
        }
        q.execute(conn)?;
    }
    Ok(())
}

const DICTIONARY: &str = "CREATE TABLE dictionary (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  type TEXT NOT NULL,
  refers_to TEXT,
  description_es TEXT NOT NULL,
  description_en TEXT NOT NULL,
  PRIMARY KEY (table_name, column_name)
);
CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// The `dictionary` table's rows: each published column, its dictionary type
/// (`number` columns are percentages with at most two decimals).
fn dictionary_rows(tables: &[Published]) -> Vec<Vec<Cell>> {
    tables
        .iter()
        .flat_map(|t| dictionary::public(t.table))
        .map(|c| {
            vec![
                Cell::from(c.table.as_str()),
                Cell::from(c.column.as_str()),
                Cell::from(c.kind.as_str()),
                c.references.as_ref().map_or(Cell::Null, |(t, col)| Cell::from(format!("{t}.{col}"))),
                Cell::from(c.description_es.as_str()),
                Cell::from(c.description_en.as_str()),
            ]
        })
        .collect()
}

/// The `about` table's (key, value) rows.
fn about(config: &Config, rev: &Revision) -> Vec<Vec<Cell>> {
    let pairs = [
        ("package", PACKAGE_NAME.to_string()),
        ("revision", rev.number.to_string()),
        ("created_at", rev.created_at.clone()),
        ("license", config.license_name.clone()),
        ("license_url", config.license_url.clone()),
        ("citation", super::citation(config, rev)),
        ("homepage", config.public_url.clone()),
    ];
    pairs.into_iter().map(|(k, v)| vec![Cell::from(k), Cell::from(v)]).collect()
}

/// Write the database of a revision at `path` (a new file); the revision
/// number is also its `PRAGMA user_version`.
pub(super) fn write_sqlite(
    path: &Path,
    tables: &[Published],
    config: &Config,
    rev: &Revision,
) -> Result<(), BoxedError> {
    let url = path.to_str().ok_or("the snapshot folder's path is not UTF-8")?;
    let mut conn = SqliteConnection::establish(url)?;
    // Nothing to recover: a failed file is discarded with its staging folder.
    // Tables go in publication order, not in the order their references
    // need: the keys are checked by the datapackage's validators instead.
    conn.batch_execute(&format!(
        "PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
         PRAGMA foreign_keys = OFF; PRAGMA user_version = {};",
        rev.number
    ))?;
    conn.transaction::<_, BoxedError, _>(|conn| {
        let schema: String = tables.iter().map(create_table).collect();
        conn.batch_execute(&(schema + DICTIONARY))?;
        for t in tables {
            insert(conn, t.table, &t.columns, &t.rows)?;
        }
        let columns = ["table_name", "column_name", "type", "refers_to", "description_es", "description_en"];
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        insert(conn, "dictionary", &columns, &dictionary_rows(tables).into())?;
        insert(conn, "about", &["key".into(), "value".into()], &about(config, rev).into())?;
        Ok(())
    })?;
    Ok(())
}
