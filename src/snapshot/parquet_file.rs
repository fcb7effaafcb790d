//! A published table as an Apache Parquet file, for analysts' tools (pyarrow,
//! pandas, DuckDB, R, Spark). Column types come from the data dictionary;
//! percentages are exact decimals (`DECIMAL(10, 2)`: 8.34 reads back as
//! 8.34, never as the float nearest to it); every column may be null.
//! Nothing in the file depends on when or where it is written, so every
//! replica writes the same bytes.

use std::io::Write;
use std::sync::Arc;

use crate::publication::Cell;
use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::column::writer::ColumnWriterImpl;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DataType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::{dictionary, Published};
use crate::vocabulary::FieldType;

/// Rows per row group: a group's rows are made and its column values
/// collected in memory before they are written (131,072 rows of progress
/// updates were a 200 MB spike at the import's peak, 32,768 rows of the
/// flat progress updates about 60 MB), and readers can skip whole groups.
const ROW_GROUP_ROWS: usize = 1 << 14;

/// Digits of a percentage column: hundredths held in an `i32` have at most ten.
const PERCENT_PRECISION: i32 = 10;

/// Days from 0001-01-01 (chrono's day one) to 1970-01-01 (Parquet's).
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

/// How a column is stored, by its dictionary type.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Text,
    Integer,
    Boolean,
    /// A percentage: hundredths, as a decimal with two places.
    Percent,
    Float,
    Date,
    /// A time without zone, as written (`YYYY-MM-DDTHH:MM:SS`).
    Timestamp,
}

fn kind(table: &str, column: &str) -> Kind {
    let entry = dictionary::public(table).into_iter().find(|c| c.column == column);
    match entry.map(|c| c.kind) {
        Some(FieldType::Integer) => Kind::Integer,
        Some(FieldType::Boolean) => Kind::Boolean,
        Some(FieldType::Number) if dictionary::HUNDREDTHS.contains(&column) => Kind::Percent,
        Some(FieldType::Number) => Kind::Float,
        Some(FieldType::Date) => Kind::Date,
        Some(FieldType::Datetime) => Kind::Timestamp,
        Some(FieldType::String) | None => Kind::Text,
    }
}

fn field(name: &str, kind: Kind) -> Result<Arc<Type>, ParquetError> {
    let (physical, logical) = match kind {
        Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
        Kind::Integer => (Physical::INT64, None),
        Kind::Boolean => (Physical::BOOLEAN, None),
        Kind::Percent => (Physical::INT64, Some(LogicalType::decimal(2, PERCENT_PRECISION))),
        Kind::Float => (Physical::DOUBLE, None),
        Kind::Date => (Physical::INT32, Some(LogicalType::Date)),
        Kind::Timestamp => (Physical::INT64, Some(LogicalType::timestamp(false, TimeUnit::MICROS))),
    };
    let mut builder =
        Type::primitive_type_builder(name, physical).with_repetition(Repetition::OPTIONAL).with_logical_type(logical);
    if kind == Kind::Percent {
        builder = builder.with_precision(PERCENT_PRECISION).with_scale(2);
    }
    Ok(Arc::new(builder.build()?))
}

/// A JSON cell as a column's value, or `None` when it does not fit the
/// column's type (the snapshot then fails, naming the cell).
fn percent(v: &Cell) -> Option<i64> {
    let x = v.as_f64()?;
    let hundredths = (x * 100.0).round();
    // Exactly two decimals at most: 8.34 is 834, 8.345 is refused.
    (hundredths.abs() < 1e15 && hundredths / 100.0 == x).then_some(hundredths as i64)
}

fn date(v: &Cell) -> Option<i32> {
    use chrono::Datelike;
    let day = chrono::NaiveDate::parse_from_str(v.as_str()?, "%Y-%m-%d").ok()?;
    Some(day.num_days_from_ce() - UNIX_EPOCH_FROM_CE)
}

fn timestamp(v: &Cell) -> Option<i64> {
    let at = chrono::NaiveDateTime::parse_from_str(v.as_str()?, "%Y-%m-%dT%H:%M:%S").ok()?;
    Some(at.and_utc().timestamp_micros())
}

fn text(v: &Cell) -> Option<ByteArray> {
    Some(ByteArray::from(super::formats::cell_text(v).as_bytes().to_vec()))
}

/// One column of one row group: the values present, and a definition level
/// per row (1 present, 0 null).
fn write_values<T: DataType, R: AsRef<[Cell]>>(
    w: &mut ColumnWriterImpl<'_, T>,
    rows: &[R],
    at: usize,
    convert: impl Fn(&Cell) -> Option<T::T>,
    cell: impl Fn(usize) -> String,
) -> Result<(), ParquetError> {
    let mut values = Vec::with_capacity(rows.len());
    let mut levels = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        match row.as_ref().get(at).filter(|v| !v.is_null()) {
            None => levels.push(0),
            Some(v) => {
                let value = convert(v).ok_or_else(|| ParquetError::General(format!("{}: `{v}`", cell(r))))?;
                values.push(value);
                levels.push(1);
            }
        }
    }
    w.write_batch(&values, Some(&levels), None)?;
    Ok(())
}

/// Write a table as Parquet into `out`, and give `out` back.
pub(super) fn write_parquet<W: Write + Send>(t: &Published, out: W) -> Result<W, ParquetError> {
    let kinds: Vec<Kind> = t.columns.iter().map(|c| kind(t.table, c)).collect();
    let fields = t.columns.iter().zip(&kinds).map(|(c, k)| field(c, *k)).collect::<Result<Vec<_>, _>>()?;
    let schema = Arc::new(Type::group_type_builder(t.table).with_fields(fields).build()?);
    let properties = WriterProperties::builder()
        // No library version: the same rows give the same bytes whatever builds them.
        .set_created_by(super::PACKAGE_NAME.to_string())
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = SerializedFileWriter::new(out, schema, Arc::new(properties))?;
    // Each row group's rows made once (made tables), then read column by column.
    for (g, rows) in t.rows.pieces(ROW_GROUP_ROWS).enumerate() {
        let rows = rows.as_slice();
        let mut group = writer.next_row_group()?;
        let mut at = 0;
        while let Some(mut column) = group.next_column()? {
            let name = &t.columns[at];
            let cell = |r: usize| {
                let row = g * ROW_GROUP_ROWS + r + 1;
                format!("{}.{name}, row {row}, is not a {:?}", t.table, kinds[at])
            };
            match kinds[at] {
                Kind::Text => write_values(column.typed::<ByteArrayType>(), rows, at, text, cell)?,
                Kind::Integer => write_values(column.typed::<Int64Type>(), rows, at, Cell::as_i64, cell)?,
                Kind::Boolean => write_values(column.typed::<BoolType>(), rows, at, Cell::as_bool, cell)?,
                Kind::Percent => write_values(column.typed::<Int64Type>(), rows, at, percent, cell)?,
                Kind::Float => write_values(column.typed::<DoubleType>(), rows, at, Cell::as_f64, cell)?,
                Kind::Date => write_values(column.typed::<Int32Type>(), rows, at, date, cell)?,
                Kind::Timestamp => write_values(column.typed::<Int64Type>(), rows, at, timestamp, cell)?,
            }
            column.close()?;
            at += 1;
        }
        group.close()?;
    }
    writer.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn percentages_are_exact_hundredths_and_times_count_from_1970() {
        assert_eq!(percent(&Cell::from(json!(8.34))), Some(834));
        assert_eq!(percent(&Cell::from(json!(12.5))), Some(1250));
        assert_eq!(percent(&Cell::from(json!(100))), Some(10000));
        assert_eq!(percent(&Cell::from(json!(8.345))), None);
        assert_eq!(date(&Cell::from(json!("1970-01-02"))), Some(1));
        assert_eq!(date(&Cell::from(json!("2025-06"))), None);
        assert_eq!(timestamp(&Cell::from(json!("1970-01-01T00:00:01"))), Some(1_000_000));
    }
}
