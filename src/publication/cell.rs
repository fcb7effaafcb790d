//! One cell of a published table.
//!
//! A published cell is null, a boolean, a number or a text, never a list or
//! an object. `serde_json::Value` can be both, and with `preserve_order` it
//! takes 80 bytes; at scale 100 the published tables hold 42 million cells,
//! so a cell of its own (24 bytes) keeps about 2.4 GB out of an import's
//! memory. It serialises exactly as the same `Value` would, so the files and
//! the records' content hashes do not change.
//!
//! A text is shared, not copied, when a cell is cloned: the flat tables
//! repeat every progress update's texts beside its plan's, commitment's and
//! milestone's (1 M rows at scale 100), and a clone costs a reference count.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cell {
    Null,
    Bool(bool),
    Number(Number),
    String(Arc<str>),
}

impl Cell {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Cell::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Cell::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Cell::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }
}

/// As JSON, the way a `Value` displays (text quoted and escaped).
impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| std::fmt::Error)?)
    }
}

impl From<Value> for Cell {
    /// A list or an object (never published) is kept as its JSON text.
    fn from(v: Value) -> Cell {
        match v {
            Value::Null => Cell::Null,
            Value::Bool(b) => Cell::Bool(b),
            Value::Number(n) => Cell::Number(n),
            Value::String(s) => Cell::String(s.into()),
            other => Cell::String(other.to_string().into()),
        }
    }
}

impl From<Cell> for Value {
    fn from(c: Cell) -> Value {
        match c {
            Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Bool(b),
            Cell::Number(n) => Value::Number(n),
            Cell::String(s) => Value::String(s.to_string()),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::String(s.into())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::String(s.into())
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Null => s.serialize_unit(),
            Cell::Bool(b) => s.serialize_bool(*b),
            Cell::Number(n) => n.serialize(s),
            Cell::String(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cell, D::Error> {
        Value::deserialize(d).map(Cell::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_written_as_the_same_json_value_would_be() {
        let values = vec![
            Value::Null,
            Value::Bool(true),
            serde_json::json!(12),
            serde_json::json!(-3),
            serde_json::json!(33.33),
            Value::String("Año fiscal \"2024\"\n— ñandú\u{7}".into()),
        ];
        let cells: Vec<Cell> = values.iter().cloned().map(Cell::from).collect();
        assert_eq!(serde_json::to_vec(&cells).unwrap(), serde_json::to_vec(&values).unwrap());
        let back: Vec<Cell> = serde_json::from_slice(&serde_json::to_vec(&values).unwrap()).unwrap();
        assert_eq!(back, cells);
        assert!(std::mem::size_of::<Cell>() <= 24, "{} bytes", std::mem::size_of::<Cell>());
    }
}
