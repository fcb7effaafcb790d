//! A diff written out: NDJSON, one JSON object per changed record, and CSV,
//! one row per changed field.

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::{Diff, What};
use crate::publication::Cell;
use crate::snapshot::formats::{cell_text, JsonRow};
use crate::vocabulary::ChangeKind;

/// The columns of the CSV diff: one row per field of a change.
pub const CSV_HEADERS: [&str; 6] = ["table", "key", "change", "field", "old_value", "new_value"];

/// How the CSV diff writes a key of several columns: their values, joined.
pub const KEY_SEPARATOR: &str = "|";

/// One side (`old` or `new`) of an NDJSON change.
enum Side<'a> {
    Null,
    Row(JsonRow<'a>),
    Fields(&'a [(String, Cell, Cell)], bool),
    Map(&'a Map<String, Value>),
}

impl Serialize for Side<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Side::Null => s.serialize_none(),
            Side::Row(row) => row.serialize(s),
            Side::Map(map) => map.serialize(s),
            Side::Fields(fields, old) => {
                let mut m = s.serialize_map(Some(fields.len()))?;
                for (c, was, is) in *fields {
                    m.serialize_entry(c, if *old { was } else { is })?;
                }
                m.end()
            }
        }
    }
}

impl Diff<'_> {
    /// Records changed, over every table.
    pub fn changes(&self) -> usize {
        self.tables.iter().map(|t| t.changes.len()).sum()
    }

    /// One JSON object per change: `table`, `key` (the primary key's columns
    /// and values), `change` (created, updated, deleted), `old` and `new`
    /// (the whole row, the changed fields only, or null).
    pub fn write_ndjson(&self, mut out: impl Write) -> io::Result<usize> {
        let mut line = Vec::with_capacity(1024);
        for t in &self.tables {
            for c in &t.changes {
                let created = match &c.what {
                    What::Created(i) => Some(t.rows.get(*i)),
                    _ => None,
                };
                let (kind, old, new) = match (&c.what, &created) {
                    (_, Some(row)) => (ChangeKind::Created, Side::Null, Side::Row(JsonRow(t.columns, row))),
                    (What::Updated(f), _) => (ChangeKind::Updated, Side::Fields(f, true), Side::Fields(f, false)),
                    (What::Deleted(row), _) => (ChangeKind::Deleted, Side::Map(row), Side::Null),
                    (What::Created(_), None) => unreachable!("a created row is made above"),
                };
                line.clear();
                let mut m = serde_json::Serializer::new(&mut line);
                let mut m = m.serialize_map(Some(5))?;
                m.serialize_entry("table", &t.table)?;
                m.serialize_entry("key", &JsonRow(&t.key, &c.key))?;
                m.serialize_entry("change", kind.as_str())?;
                m.serialize_entry("old", &old)?;
                m.serialize_entry("new", &new)?;
                SerializeMap::end(m)?;
                line.push(b'\n');
                out.write_all(&line)?;
            }
        }
        out.flush()?;
        Ok(self.changes())
    }

    /// One row per field of a change ([`CSV_HEADERS`]): every field of a
    /// created or deleted record, the changed fields of an updated one; cells
    /// as in the tables' CSV files (null is empty). Returns the rows written.
    pub fn write_csv(&self, out: impl Write) -> io::Result<usize> {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
        w.write_record(CSV_HEADERS)?;
        let mut rows = 0;
        for t in &self.tables {
            for c in &t.changes {
                let key: Vec<_> = c.key.iter().map(cell_text).collect();
                let key = key.join(KEY_SEPARATOR);
                let mut field = |kind: ChangeKind, field: &str, old: &Cell, new: &Cell| {
                    rows += 1;
                    let (old, new) = (cell_text(old), cell_text(new));
                    w.write_record([t.table.as_str(), key.as_str(), kind.as_str(), field, old.as_ref(), new.as_ref()])
                };
                match &c.what {
                    What::Created(i) => {
                        for (col, v) in t.columns.iter().zip(t.rows.get(*i).iter()) {
                            field(ChangeKind::Created, col, &Cell::Null, v)?;
                        }
                    }
                    What::Updated(fields) => {
                        for (col, old, new) in fields {
                            field(ChangeKind::Updated, col, old, new)?;
                        }
                    }
                    What::Deleted(row) => {
                        for (col, v) in row {
                            field(ChangeKind::Deleted, col, &Cell::from(v.clone()), &Cell::Null)?;
                        }
                    }
                }
            }
        }
        w.flush()?;
        Ok(rows)
    }
}
