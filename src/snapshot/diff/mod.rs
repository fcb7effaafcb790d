//! A revision's changes from the previous one, as files: every record
//! created, updated (the fields that changed, with their old and new values)
//! or deleted, in every published table, by the table's primary key.
//!
//! The old side is the previous revision's snapshot as it was published:
//! its NDJSON files, read a line at a time and checked against the SHA-256
//! its manifest lists, so that applying the diff to those files gives this
//! revision's. The new side is the rows in memory. Without the previous
//! snapshot on disk (the first revision, or one pruned or unreadable) there
//! is no diff. Changes are sorted by table (in the order files are listed),
//! then by key, so the same two revisions always give the same bytes.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::{self, BufRead};
use std::path::Path;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::formats::{primary_key, JsonRow};
use super::{manifest, revision_dir, FileEntry, Published};
use crate::config::Config;
use crate::publication::{Cell, Rows};

mod write;

enum What {
    /// The row's index in the new table.
    Created(usize),
    /// The fields that changed: (column, old value, new value).
    Updated(Vec<(String, Cell, Cell)>),
    /// The old row, whole.
    Deleted(Map<String, Value>),
}

struct Change {
    /// The primary key's values, in the key's column order.
    key: Vec<Cell>,
    what: What,
}

/// The changes of one table.
struct TableDiff<'a> {
    table: String,
    /// Its columns in this revision (none when this revision no longer has it).
    columns: &'a [String],
    rows: Rows<'a>,
    key: Vec<String>,
    changes: Vec<Change>,
    /// Its NDJSON file would be the old one byte for byte: the same rows,
    /// written the same way, in the same order.
    same_bytes: bool,
}

/// What changed from revision `from` to the tables being published.
pub struct Diff<'a> {
    pub from: i32,
    tables: Vec<TableDiff<'a>>,
}

impl Diff<'_> {
    /// The tables whose rows are the previous revision's, byte for byte in
    /// their NDJSON file, in the same order.
    pub fn unchanged_tables(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().filter(|t| t.same_bytes).map(|t| t.table.as_str())
    }
}

/// The changes from the previous revision's snapshot, or `None` when there
/// is none to compare with (the first revision, or its files are not on
/// disk or do not match their checksums: logged).
pub fn from_previous<'a>(config: &Config, revision: i32, tables: &'a [Published<'a>]) -> Option<Diff<'a>> {
    let from = revision - 1;
    if from < 1 {
        return None;
    }
    let Some(previous) = manifest(config, from) else {
        log::info!("revision {revision} has no diff: the files of revision {from} are not on disk");
        return None;
    };
    let dir = revision_dir(config, from);
    let old = |table: &str| previous.files.iter().find(|f| f.format == "ndjson" && f.table.as_deref() == Some(table));
    let mut diff = Diff { from, tables: Vec::with_capacity(tables.len()) };
    let gone = previous.files.iter().filter(|f| f.format == "ndjson").filter_map(|f| {
        let table = f.table.as_deref()?;
        (!tables.iter().any(|t| t.table == table)).then_some((table, f))
    });
    let gone: Vec<(&str, &FileEntry)> = gone.collect();
    let compared = tables
        .iter()
        .map(|t| compare(&dir, t.table, &t.columns, t.rows.clone(), old(t.table)))
        // Tables only the previous revision had: every row deleted.
        .chain(gone.into_iter().map(|(table, f)| compare(&dir, table, &[], Vec::new().into(), Some(f))));
    for table in compared {
        match table {
            Ok(t) => diff.tables.push(t),
            Err(e) => {
                log::warn!("revision {revision} has no diff: cannot read the files of revision {from}: {e}");
                return None;
            }
        }
    }
    Some(diff)
}

/// A table's changes: its old NDJSON file (if the previous revision had
/// the table) read against the new rows, looked up by key.
fn compare<'a>(
    dir: &Path,
    table: &str,
    columns: &'a [String],
    rows: Rows<'a>,
    old: Option<&FileEntry>,
) -> io::Result<TableDiff<'a>> {
    let mut key: Vec<String> = primary_key(table, columns).into_iter().map(String::from).collect();
    let mut at: Vec<usize> = key.iter().filter_map(|k| columns.iter().position(|c| c == k)).collect();
    if at.len() < key.len() {
        // No declared key among the columns: the whole row is its own key.
        (key, at) = (columns.to_vec(), (0..columns.len()).collect());
    }
    let index: HashMap<Vec<Cell>, usize> =
        rows.iter().enumerate().map(|(i, r)| (at.iter().map(|&c| r[c].clone()).collect(), i)).collect();
    let mut seen = vec![false; rows.len()];
    let mut changes = Vec::new();
    let (mut lines, mut in_order) = (0usize, true);
    if let Some(file) = old {
        if columns.is_empty() {
            key = read_key(dir, file)?;
        }
        let mut new = Vec::with_capacity(4096);
        each_line(dir, file, |line| {
            // Only the key is parsed at first: most rows are unchanged, and
            // the same row is written as the same bytes.
            let k = KeyFields(&key).deserialize(&mut serde_json::Deserializer::from_slice(line))?;
            lines += 1;
            match index.get(&k) {
                Some(&i) if !seen[i] => {
                    seen[i] = true;
                    new.clear();
                    let row = rows.get(i);
                    serde_json::to_writer(&mut new, &JsonRow(columns, &row))?;
                    in_order &= i + 1 == lines && new == line;
                    if new != line {
                        let fields = changed(columns, &row, serde_json::from_slice(line)?);
                        if !fields.is_empty() {
                            changes.push(Change { key: k, what: What::Updated(fields) });
                        }
                    }
                }
                _ => {
                    in_order = false;
                    changes.push(Change { key: k, what: What::Deleted(serde_json::from_slice(line)?) })
                }
            }
            Ok(())
        })?;
    }
    let created = seen
        .iter()
        .enumerate()
        .filter(|(_, seen)| !**seen)
        .map(|(i, _)| Change { key: at.iter().map(|&c| rows.get(i)[c].clone()).collect(), what: What::Created(i) });
    changes.extend(created);
    changes.sort_by(|a, b| compare_keys(&a.key, &b.key));
    // An empty table's file still has its columns to tell (CSV headers, Parquet schema).
    let same_bytes = old.is_some() && in_order && lines == rows.len() && !rows.is_empty() && changes.is_empty();
    Ok(TableDiff { table: table.to_string(), columns, rows, key, changes, same_bytes })
}

/// The key of a table the new revision no longer has, from its first old row.
fn read_key(dir: &Path, file: &FileEntry) -> io::Result<Vec<String>> {
    let mut first = String::new();
    io::BufReader::new(std::fs::File::open(dir.join(&file.name))?).read_line(&mut first)?;
    let names: Vec<String> = match serde_json::from_str::<Map<String, Value>>(first.trim_end()) {
        Ok(row) => row.keys().cloned().collect(),
        Err(_) => Vec::new(),
    };
    let key: Vec<String> = primary_key(file.table.as_deref().unwrap_or_default(), &names)
        .into_iter()
        .map(String::from)
        .filter(|k| names.contains(k))
        .collect();
    Ok(if key.is_empty() { names } else { key })
}

/// Each line of an old NDJSON file, in order; an error when the file is not
/// the one its manifest describes (its SHA-256 differs).
fn each_line(dir: &Path, file: &FileEntry, mut f: impl FnMut(&[u8]) -> io::Result<()>) -> io::Result<()> {
    let mut reader = io::BufReader::with_capacity(1 << 18, std::fs::File::open(dir.join(&file.name))?);
    let (mut sha, mut line) = (Sha256::new(), Vec::with_capacity(4096));
    while reader.read_until(b'\n', &mut line)? > 0 {
        sha.update(&line);
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if !text.is_empty() {
            f(text)?;
        }
        line.clear();
    }
    if hex::encode(sha.finalize()) != file.sha256 {
        return Err(io::Error::other(format!("{} does not match its SHA-256", file.name)));
    }
    Ok(())
}

/// Reads only the named fields of a JSON object (the others are skipped
/// unparsed): their values in that order, null when absent.
struct KeyFields<'k>(&'k [String]);

impl<'de> DeserializeSeed<'de> for KeyFields<'_> {
    type Value = Vec<Cell>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Cell>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeyFields<'_> {
    type Value = Vec<Cell>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Cell>, A::Error> {
        let mut out = vec![Cell::Null; self.0.len()];
        while let Some(Name(name)) = map.next_key()? {
            match self.0.iter().position(|c| *c == name) {
                Some(i) => out[i] = map.next_value()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// A field name, borrowed from the line when it can be.
struct Name<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The fields whose values differ, in column order; then, by name, those
/// only the old row has (a column no longer published) that held a value.
fn changed(columns: &[String], new: &[Cell], mut old: Map<String, Value>) -> Vec<(String, Cell, Cell)> {
    let mut out = Vec::new();
    for (c, v) in columns.iter().zip(new) {
        let was = Cell::from(old.swap_remove(c).unwrap_or(Value::Null));
        if was != *v {
            out.push((c.clone(), was, v.clone()));
        }
    }
    let mut gone: Vec<_> =
        old.into_iter().filter(|(_, v)| !v.is_null()).map(|(c, v)| (c, Cell::from(v), Cell::Null)).collect();
    gone.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(gone);
    out
}

/// Keys in a total order: text by bytes, numbers by value, column by column.
fn compare_keys(a: &[Cell], b: &[Cell]) -> Ordering {
    let rank = |v: &Cell| match v {
        Cell::Null => 0,
        Cell::Bool(_) => 1,
        Cell::Number(_) => 2,
        Cell::String(_) => 3,
    };
    let value = |a: &Cell, b: &Cell| match (a, b) {
        (Cell::String(x), Cell::String(y)) => x.cmp(y),
        (Cell::Number(x), Cell::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal)
            .then_with(|| x.to_string().cmp(&y.to_string())),
        _ => rank(a).cmp(&rank(b)).then_with(|| a.to_string().cmp(&b.to_string())),
    };
    a.iter().zip(b).map(|(x, y)| value(x, y)).find(|o| o.is_ne()).unwrap_or(a.len().cmp(&b.len()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cells(row: Vec<Value>) -> Vec<Cell> {
        row.into_iter().map(Cell::from).collect()
    }

    /// An old NDJSON file as a snapshot writes it, and its manifest entry.
    fn old_file(dir: &Path, columns: &[&str], rows: &[Vec<Cell>]) -> FileEntry {
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let mut nd = Vec::new();
        crate::snapshot::formats::write_json(&columns, &rows.to_vec().into(), io::sink(), &mut nd).unwrap();
        std::fs::write(dir.join("t.ndjson"), &nd).unwrap();
        FileEntry {
            name: "t.ndjson".into(),
            format: "ndjson".into(),
            media_type: "application/x-ndjson".into(),
            table: Some("t".into()),
            plan: None,
            rows: Some(rows.len()),
            bytes: nd.len() as u64,
            sha256: hex::encode(Sha256::digest(&nd)),
            from_revision: None,
        }
    }

    fn ndjson(tables: Vec<TableDiff>) -> String {
        let mut out = Vec::new();
        Diff { from: 1, tables }.write_ndjson(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numeric_keys_sort_by_value_and_a_column_no_longer_published_becomes_null() {
        let dir = tempfile::tempdir().unwrap();
        let old = [
            cells(vec![json!(10), json!("x"), json!(1)]),
            cells(vec![json!(2), json!("y"), Value::Null]),
            cells(vec![json!(3), json!("w"), Value::Null]),
        ];
        let file = old_file(dir.path(), &["id", "a", "gone"], &old);
        let columns = vec!["id".to_string(), "a".to_string()];
        let rows = vec![
            cells(vec![json!(10), json!("x")]),
            cells(vec![json!(2), json!("z")]),
            cells(vec![json!(1), json!("new")]),
        ];
        let t = compare(dir.path(), "t", &columns, rows.into(), Some(&file)).unwrap();
        assert_eq!(
            ndjson(vec![t]),
            [
                r#"{"table":"t","key":{"id":1},"change":"created","old":null,"new":{"id":1,"a":"new"}}"#,
                r#"{"table":"t","key":{"id":2},"change":"updated","old":{"a":"y"},"new":{"a":"z"}}"#,
                r#"{"table":"t","key":{"id":3},"change":"deleted","old":{"id":3,"a":"w","gone":null},"new":null}"#,
                r#"{"table":"t","key":{"id":10},"change":"updated","old":{"gone":1},"new":{"gone":null}}"#,
                "",
            ]
            .join("\n")
        );
    }

    #[test]
    fn a_table_no_longer_published_has_every_row_deleted_and_a_file_changed_since_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut file =
            old_file(dir.path(), &["id", "a"], &[cells(vec![json!("b"), json!(1)]), cells(vec![json!("a"), json!(2)])]);
        let t = compare(dir.path(), "t", &[], Vec::new().into(), Some(&file)).unwrap();
        assert_eq!(
            ndjson(vec![t]),
            [
                r#"{"table":"t","key":{"id":"a"},"change":"deleted","old":{"id":"a","a":2},"new":null}"#,
                r#"{"table":"t","key":{"id":"b"},"change":"deleted","old":{"id":"b","a":1},"new":null}"#,
                "",
            ]
            .join("\n")
        );
        file.sha256 = "0".repeat(64);
        assert!(compare(dir.path(), "t", &[], Vec::new().into(), Some(&file)).is_err());
    }
}
