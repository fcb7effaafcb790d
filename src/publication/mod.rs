//! The dataset as it is published: which tables and columns are public (the
//! data dictionary), their rows as cell values, and what a published cell
//! may hold. The import checks and records changes against these rows; the
//! snapshot writes them as files.

mod cell;
pub mod dictionary;
mod flat;
pub mod labels;
mod limits;
pub mod workbook;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::import::dataset::Dataset;
pub use cell::Cell;
pub use limits::{cell_chars, unpublishable, MAX_CELL_CHARS};

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
    "source_headings",
    "institution_plan_rollups",
    "retired_ids",
    "flat_commitments",
    "flat_milestones",
    "flat_progress_updates",
];

/// A cell's JSON value for publication (hundredths become decimals).
fn publish_value(column: &str, v: Value) -> Cell {
    let published = match v {
        Value::Number(n) if dictionary::HUNDREDTHS.contains(&column) => {
            n.as_i64().map(|h| Value::Number(crate::percent::to_number(h as i32))).unwrap_or(Value::Null)
        }
        Value::String(s) if s.is_empty() => Value::Null,
        // A list in one cell: one item per line.
        Value::String(s) if column == "expected_results" => {
            let items = crate::text::json_list(&s);
            if items.is_empty() {
                Value::Null
            } else {
                Value::String(crate::text::one_per_line(&items))
            }
        }
        other => other,
    };
    published.into()
}

/// A table as published: its name, column names and rows of cell values.
pub struct Published {
    pub table: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Every published table of a dataset, in [`TABLES`] order; rows are
/// converted on all cores.
pub fn publish(ds: &Dataset) -> Vec<Published> {
    let mut tables: Vec<Published> = TABLES
        .par_iter()
        .filter(|table| !flat::FLAT_TABLES.contains(table))
        .map(|table| {
            let (columns, rows) = table_rows(ds, table);
            Published { table, columns, rows }
        })
        .collect();
    let flat = flat::flat(&tables);
    tables.extend(flat);
    tables
}

/// Published rows of a table: (column names, rows of JSON values).
pub fn table_rows(ds: &Dataset, table: &str) -> (Vec<String>, Vec<Vec<Cell>>) {
    fn values<T: Serialize + Sync>(rows: &[T], columns: &[String]) -> Vec<Vec<Cell>> {
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
        "source_headings" => values(&ds.headings, &columns),
        "institution_plan_rollups" => values(&ds.plan_rollups, &columns),
        "retired_ids" => values(&ds.retired, &columns),
        _ => vec![],
    };
    (columns, rows)
}
