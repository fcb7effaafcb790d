//! The data dictionary (`data/dictionary.csv`), compiled in: every column of
//! every table, whether it is published, its type, references and meaning.

use std::sync::LazyLock;

use crate::vocabulary::FieldType;

#[derive(Debug, Clone)]
pub struct Column {
    pub table: String,
    pub column: String,
    pub public: bool,
    /// Part of the canonical (importable) files.
    pub canonical: bool,
    /// Frictionless type.
    pub kind: FieldType,
    /// `table.column` it refers to, if any.
    pub references: Option<(String, String)>,
    pub description_es: String,
    pub description_en: String,
}

pub const SOURCE: &str = include_str!("../../data/dictionary.csv");

pub static COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(|| {
    let mut rdr = csv::Reader::from_reader(SOURCE.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.expect("data/dictionary.csv is valid CSV");
            Column {
                table: r[0].to_string(),
                column: r[1].to_string(),
                public: &r[2] == "yes",
                canonical: &r[3] == "yes",
                kind: r[4].parse().unwrap_or_else(|e| panic!("data/dictionary.csv: {}.{}: type {e}", &r[0], &r[1])),
                references: r[5].split_once('.').map(|(t, c)| (t.to_string(), c.to_string())),
                description_es: r[6].to_string(),
                description_en: r[7].to_string(),
            }
        })
        .collect()
});

/// Published columns of a table, in dictionary order.
pub fn public(table: &str) -> Vec<&'static Column> {
    COLUMNS.iter().filter(|c| c.table == table && c.public).collect()
}

/// Percentages (and differences in percentage points) with at most two
/// decimals: stored as hundredths in the database tables, published as
/// decimals, and written as exact decimals where a format has them (Parquet).
pub const HUNDREDTHS: &[&str] = &[
    "reported_progress",
    "computed_progress",
    "latest_progress",
    "percent",
    "average_progress",
    "reported_minus_computed",
];
