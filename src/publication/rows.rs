//! A published table's rows: kept in memory, or made from the dataset each
//! time they are read. The progress updates and the flat tables (a million
//! rows each at scale 100, about 1.5 GB as cells) are made when read, so
//! that an import holds its rows once (as the dataset), not twice: each
//! file written from them makes a row, writes it and lets it go.
//!
//! A row is made straight from the row type's `Serialize` into cells by
//! [`cells_of`], without a `serde_json::Value` in between (no map, no key
//! strings): about a microsecond for a progress update. Written by hand
//! because no crate serialises into our [`Cell`]; it only needs flat
//! structs of scalars, and anything else falls back to `serde_json`.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use serde::ser::{self, Impossible, Serialize};
use serde_json::{Map, Number, Value};

use super::Cell;

/// How a made table makes row `i`.
type Make<'a> = Arc<dyn Fn(usize) -> Vec<Cell> + Send + Sync + 'a>;

/// A published table's rows.
#[derive(Clone)]
pub struct Rows<'a>(Inner<'a>);

#[derive(Clone)]
enum Inner<'a> {
    Kept(Arc<Vec<Vec<Cell>>>),
    Made { len: usize, make: Make<'a> },
}

impl<'a> Rows<'a> {
    /// Rows made when read: row `i` is `make(i)`.
    pub fn made(len: usize, make: impl Fn(usize) -> Vec<Cell> + Send + Sync + 'a) -> Rows<'a> {
        Rows(Inner::Made { len, make: Arc::new(make) })
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Inner::Kept(rows) => rows.len(),
            Inner::Made { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` (made, for a made table). Panics past the end, as a slice does.
    pub fn get(&self, i: usize) -> Cow<'_, [Cell]> {
        match &self.0 {
            Inner::Kept(rows) => Cow::Borrowed(rows[i].as_slice()),
            Inner::Made { len, make } => {
                assert!(i < *len, "row {i} of {len}");
                Cow::Owned(make(i))
            }
        }
    }

    /// Every row in order, each made as it is reached.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Cow<'_, [Cell]>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The rows of `range`, made once (for a writer that reads a piece of
    /// the table column by column).
    pub fn piece(&self, range: Range<usize>) -> Vec<Cow<'_, [Cell]>> {
        range.map(|i| self.get(i)).collect()
    }

    /// The rows as pieces of at most `n`.
    pub fn pieces(&self, n: usize) -> impl Iterator<Item = Vec<Cow<'_, [Cell]>>> + '_ {
        let len = self.len();
        (0..len.div_ceil(n.max(1))).map(move |k| self.piece(k * n..len.min((k + 1) * n)))
    }
}

impl From<Vec<Vec<Cell>>> for Rows<'_> {
    fn from(rows: Vec<Vec<Cell>>) -> Self {
        Rows(Inner::Kept(Arc::new(rows)))
    }
}

/// `row`'s fields as cells, in the order of `columns` (a column the row
/// does not have is null), each as published by `publish` (the column's
/// place, the cell).
pub fn cells_of<T: Serialize>(row: &T, columns: &[String], publish: impl Fn(usize, Cell) -> Cell) -> Vec<Cell> {
    let mut out = vec![Cell::Null; columns.len()];
    let fast = row.serialize(RowCells { columns, out: &mut out, next: 0 }).is_ok();
    if !fast {
        // Not a flat struct of scalars: through `serde_json`, as before.
        let mut object = match serde_json::to_value(row) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for (cell, c) in out.iter_mut().zip(columns) {
            *cell = Cell::from(object.swap_remove(c).unwrap_or(Value::Null));
        }
    }
    for (i, cell) in out.iter_mut().enumerate() {
        if !cell.is_null() {
            *cell = publish(i, std::mem::replace(cell, Cell::Null));
        }
    }
    out
}

/// Not a flat struct of scalars.
#[derive(Debug)]
struct NotFlat;

impl std::fmt::Display for NotFlat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a flat struct of scalars")
    }
}

impl std::error::Error for NotFlat {}

impl ser::Error for NotFlat {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        NotFlat
    }
}

/// Serialises a struct's fields into the cells of the columns they name.
struct RowCells<'c> {
    columns: &'c [String],
    out: &'c mut Vec<Cell>,
    /// Where the next field is looked for first (fields mostly come in column order).
    next: usize,
}

impl ser::SerializeStruct for RowCells<'_> {
    type Ok = ();
    type Error = NotFlat;

    fn serialize_field<V: ?Sized + Serialize>(&mut self, key: &'static str, value: &V) -> Result<(), NotFlat> {
        let n = self.columns.len();
        let found = (0..n).map(|k| (self.next + k) % n.max(1)).find(|&i| self.columns[i] == key);
        if let Some(i) = found {
            self.out[i] = value.serialize(CellOf)?;
            self.next = i + 1;
        }
        Ok(())
    }

    fn end(self) -> Result<(), NotFlat> {
        Ok(())
    }
}

/// Methods that refuse what they are given (neither serializer takes it).
macro_rules! refuse {
    ($($name:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<$ret, NotFlat> { Err(NotFlat) })*
    };
}

/// Lists, maps, tuples and enum variants with data: neither a row nor a
/// scalar, so both serializers refuse them.
macro_rules! refuse_compounds {
    ($ok:ty) => {
        type SerializeSeq = Impossible<$ok, NotFlat>;
        type SerializeTuple = Impossible<$ok, NotFlat>;
        type SerializeTupleStruct = Impossible<$ok, NotFlat>;
        type SerializeTupleVariant = Impossible<$ok, NotFlat>;
        type SerializeMap = Impossible<$ok, NotFlat>;
        type SerializeStructVariant = Impossible<$ok, NotFlat>;

        refuse! {
            serialize_bytes(&[u8]) -> $ok;
            serialize_seq(Option<usize>) -> Self::SerializeSeq;
            serialize_tuple(usize) -> Self::SerializeTuple;
            serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
            serialize_map(Option<usize>) -> Self::SerializeMap;
            serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
        }

        fn serialize_newtype_variant<V: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &V,
        ) -> Result<$ok, NotFlat> {
            Err(NotFlat)
        }
    };
}

impl<'c> ser::Serializer for RowCells<'c> {
    type Ok = ();
    type Error = NotFlat;
    type SerializeStruct = RowCells<'c>;
    refuse_compounds!(());

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<RowCells<'c>, NotFlat> {
        Ok(self)
    }

    refuse! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> (); serialize_i16(i16) -> (); serialize_i32(i32) -> (); serialize_i64(i64) -> ();
        serialize_u8(u8) -> (); serialize_u16(u16) -> (); serialize_u32(u32) -> (); serialize_u64(u64) -> ();
        serialize_f32(f32) -> (); serialize_f64(f64) -> (); serialize_char(char) -> ();
        serialize_str(&str) -> (); serialize_none() -> (); serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
    }

    fn serialize_some<V: ?Sized + Serialize>(self, _: &V) -> Result<(), NotFlat> {
        Err(NotFlat)
    }

    fn serialize_newtype_struct<V: ?Sized + Serialize>(self, _: &'static str, _: &V) -> Result<(), NotFlat> {
        Err(NotFlat)
    }
}

/// Smaller numbers serialised as the widest of their kind, as `serde_json` does.
macro_rules! widen {
    ($($name:ident($ty:ty) => $wide:ident;)*) => {
        $(fn $name(self, v: $ty) -> Result<Cell, NotFlat> { self.$wide(v.into()) })*
    };
}

/// Serialises one scalar as the cell `serde_json::to_value` would give.
struct CellOf;

impl ser::Serializer for CellOf {
    type Ok = Cell;
    type Error = NotFlat;
    type SerializeStruct = Impossible<Cell, NotFlat>;
    refuse_compounds!(Cell);

    fn serialize_bool(self, v: bool) -> Result<Cell, NotFlat> {
        Ok(Cell::Bool(v))
    }
    widen! {
        serialize_i8(i8) => serialize_i64; serialize_i16(i16) => serialize_i64; serialize_i32(i32) => serialize_i64;
        serialize_u8(u8) => serialize_u64; serialize_u16(u16) => serialize_u64; serialize_u32(u32) => serialize_u64;
        serialize_f32(f32) => serialize_f64;
    }
    fn serialize_i64(self, v: i64) -> Result<Cell, NotFlat> {
        Ok(Cell::Number(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Cell, NotFlat> {
        Ok(Cell::Number(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Cell, NotFlat> {
        Ok(Number::from_f64(v).map_or(Cell::Null, Cell::Number))
    }
    fn serialize_char(self, v: char) -> Result<Cell, NotFlat> {
        Ok(Cell::String(v.to_string().into()))
    }
    fn serialize_str(self, v: &str) -> Result<Cell, NotFlat> {
        Ok(Cell::String(v.into()))
    }
    fn serialize_none(self) -> Result<Cell, NotFlat> {
        Ok(Cell::Null)
    }
    fn serialize_some<V: ?Sized + Serialize>(self, v: &V) -> Result<Cell, NotFlat> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Cell, NotFlat> {
        Ok(Cell::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Cell, NotFlat> {
        Ok(Cell::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Cell, NotFlat> {
        Ok(Cell::String(variant.into()))
    }
    fn serialize_newtype_struct<V: ?Sized + Serialize>(self, _: &'static str, v: &V) -> Result<Cell, NotFlat> {
        v.serialize(self)
    }

    refuse! {
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        OneThing,
    }

    #[derive(serde::Serialize)]
    struct Row {
        id: String,
        n: i32,
        big: u64,
        share: f64,
        nan: f64,
        maybe: Option<String>,
        none: Option<i32>,
        flag: bool,
        kind: Kind,
        #[serde(skip)]
        _hidden: String,
    }

    #[derive(serde::Serialize)]
    struct Nested {
        id: String,
        list: Vec<i32>,
    }

    /// The cells are those `serde_json::to_value` gives, in the columns'
    /// order; a column the row lacks is null; a row that is not flat goes
    /// through `serde_json`.
    #[test]
    fn cells_are_the_json_values_of_the_fields() {
        let row = Row {
            id: "ñandú".into(),
            n: -3,
            big: u64::MAX,
            share: 12.5,
            nan: f64::NAN,
            maybe: Some(String::new()),
            none: None,
            flag: true,
            kind: Kind::OneThing,
            _hidden: "x".into(),
        };
        let columns: Vec<String> =
            ["flag", "id", "absent", "n", "big", "share", "nan", "maybe", "none", "kind", "_hidden"]
                .map(String::from)
                .to_vec();
        let as_is = |_: usize, c: Cell| c;
        let value = serde_json::to_value(&row).unwrap();
        let expected: Vec<Cell> =
            columns.iter().map(|c| Cell::from(value.get(c).cloned().unwrap_or(Value::Null))).collect();
        assert_eq!(cells_of(&row, &columns, as_is), expected);
        assert_eq!(expected[2], Cell::Null);
        assert_eq!(expected[9], Cell::from("one_thing"));

        let nested = Nested { id: "a".into(), list: vec![1, 2] };
        let columns = vec!["list".to_string(), "id".to_string()];
        assert_eq!(cells_of(&nested, &columns, as_is), vec![Cell::from("[1,2]"), Cell::from("a")]);
        // What `publish` makes of a cell is applied to every cell but nulls.
        let upper = |_: usize, c: Cell| Cell::from(c.as_str().unwrap_or("?").to_uppercase());
        assert_eq!(cells_of(&nested, &columns, upper), vec![Cell::from("[1,2]"), Cell::from("A")]);
    }

    #[test]
    fn made_rows_are_made_when_read() {
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let rows = Rows::made(5, |i| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            vec![Cell::from(i.to_string())]
        });
        assert_eq!(rows.len(), 5);
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 0);
        assert_eq!(rows.get(3)[0], Cell::from("3"));
        let pieces: Vec<usize> = rows.pieces(2).map(|p| p.len()).collect();
        assert_eq!(pieces, [2, 2, 1]);
        assert_eq!(rows.iter().count(), 5);
        let kept: Rows = vec![vec![Cell::Null]; 3].into();
        assert!(matches!(kept.get(1), Cow::Borrowed(_)));
        assert_eq!(kept.pieces(10).count(), 1);
    }
}
