//! Every table as Parquet, read back with the `parquet` crate: the same rows
//! and values as the published NDJSON, with types (exact decimals for
//! percentages, dates, times without zone) and text byte for byte.

use parquet::basic::{LogicalType, Type as Physical};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use serde_json::{json, Value};

use super::{api_total, published_rows};
use crate::helpers::TestApp;
use crate::{read_only, read_only_bundled};

/// Days from 0001-01-01 to 1970-01-01 (Parquet dates count from 1970).
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

/// A Parquet cell as the published JSON value it came from.
fn as_published(field: &Field) -> Value {
    match field {
        Field::Null => Value::Null,
        Field::Bool(b) => json!(b),
        Field::Long(n) => json!(n),
        Field::Str(s) => json!(s),
        Field::Decimal(d) => Value::Number(gagt::percent::to_number(hundredths(field).unwrap_or_else(|| {
            panic!("a percentage with {} decimals", d.scale());
        }))),
        Field::Date(days) => {
            json!(chrono::NaiveDate::from_num_days_from_ce_opt(days + UNIX_EPOCH_FROM_CE).unwrap().to_string())
        }
        Field::TimestampMicros(us) => json!(chrono::DateTime::from_timestamp_micros(*us)
            .unwrap()
            .naive_utc()
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()),
        other => panic!("a Parquet value of an unexpected type: {other:?}"),
    }
}

/// A decimal with two places as its unscaled integer: 8.34 is 834.
fn hundredths(field: &Field) -> Option<i32> {
    let Field::Decimal(d) = field else { return None };
    let unscaled = i64::from_be_bytes(d.data().try_into().ok()?);
    (d.scale() == 2).then(|| i32::try_from(unscaled).ok()).flatten()
}

/// A table's Parquet file: (its column names, its rows).
fn read(app: &TestApp, table: &str) -> (Vec<String>, Vec<Vec<Field>>) {
    let res = app.get(&format!("/v1/downloads/latest/{table}.parquet"));
    assert_eq!(res.status(), 200, "{table}.parquet");
    assert_eq!(res.headers()["content-type"], "application/vnd.apache.parquet");
    let reader = SerializedFileReader::new(res.bytes().unwrap()).unwrap();
    let schema = reader.metadata().file_metadata().schema_descr();
    let columns = schema.columns().iter().map(|c| c.name().to_string()).collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|row| row.unwrap().get_column_iter().map(|(_, f)| f.clone()).collect())
        .collect();
    (columns, rows)
}

fn cell<'a>(columns: &[String], rows: &'a [Vec<Field>], id: &str, column: &str) -> &'a Field {
    let at = |name: &str| columns.iter().position(|c| c == name).unwrap();
    let row = rows.iter().find(|r| r[at("id")] == Field::Str(id.into())).unwrap_or_else(|| panic!("no row {id}"));
    &row[at(column)]
}

read_only!(every_table_as_parquet_holds_the_published_rows_typed, |app| {
    let manifest = app.json("/v1/downloads");
    for table in gagt::snapshot::TABLES {
        let (columns, rows) = read(app, table);
        let published = published_rows(app, table);
        let dictionary: Vec<&str> =
            gagt::snapshot::dictionary::public(table).iter().map(|c| c.column.as_str()).collect();
        assert_eq!(columns, dictionary, "{table}: the dictionary's columns, in order");
        assert_eq!(rows.len(), published.len(), "{table}");
        let entry = manifest["files"].as_array().unwrap().iter().find(|f| f["name"] == format!("{table}.parquet"));
        assert_eq!(entry.unwrap()["rows"], rows.len(), "{table}: rows in the manifest");
        if let Some(total) = api_total(app, table) {
            assert_eq!(rows.len() as u64, total, "{table}: rows the API lists");
        }
        for (row, want) in rows.iter().zip(&published) {
            let got: serde_json::Map<String, Value> =
                columns.iter().cloned().zip(row.iter().map(as_published)).collect();
            assert_eq!(&got, want, "{table}");
        }
    }
    let (columns, rows) = read(app, "progress_updates");
    assert_eq!(hundredths(cell(&columns, &rows, "gt-ogp-nap6-c1-m4-u1", "percent")), Some(1250), "12.5 exactly");
    let title = "6º Plan de Acción Nacional de Gobierno Abierto 2023-2025";
    let (columns, rows) = read(app, "plans");
    assert!(rows.iter().any(|r| r[columns.iter().position(|c| c == "title").unwrap()] == Field::Str(title.into())));
});

read_only!(parquet_columns_are_typed_by_the_dictionary, |app| {
    let res = app.get("/v1/downloads/latest/progress_updates.parquet");
    let reader = SerializedFileReader::new(res.bytes().unwrap()).unwrap();
    let meta = reader.metadata().file_metadata();
    assert_eq!(meta.created_by(), Some("gobierno-abierto-guatemala"), "no library version in the bytes");
    let types: Vec<(String, Physical, Option<LogicalType>)> = meta
        .schema_descr()
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.physical_type(), c.logical_type_ref().cloned()))
        .collect();
    let of = |name: &str| types.iter().find(|t| t.0 == name).unwrap().clone();
    assert_eq!(of("id").2, Some(LogicalType::String));
    assert_eq!(of("position").1, Physical::INT64);
    assert_eq!(of("verification_line").1, Physical::BOOLEAN);
    assert_eq!(of("percent").2, Some(LogicalType::decimal(2, 10)));
    assert!(matches!(of("reported_at").2, Some(LogicalType::Timestamp(_))));
    assert!(meta.schema_descr().columns().iter().all(|c| c.self_type().is_optional()));
});

read_only_bundled!(parquet_percentages_read_back_exactly, |app| {
    let (columns, rows) = read(app, "progress_updates");
    assert_eq!(hundredths(cell(&columns, &rows, "gt-ogp-nap6-c4-m1-u1", "percent")), Some(834), "8.34 exactly");
    let (columns, rows) = read(app, "milestones");
    let at = columns.iter().position(|c| c == "end_date").unwrap();
    assert!(rows.iter().any(|r| matches!(r[at], Field::Date(_))), "dates are dates");
});
