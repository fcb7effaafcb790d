//! The dataset as it is published: which tables and columns are public (the
//! data dictionary), their rows as cell values, and what a published cell
//! may hold. The import checks and records changes against these rows; the
//! snapshot writes them as files.

mod cell;
pub mod dictionary;
mod flat;
pub mod labels;
mod limits;
mod rows;
pub mod workbook;

use rayon::prelude::*;
use serde::Serialize;

use crate::import::dataset::Dataset;
pub use cell::Cell;
pub use limits::{cell_chars, unpublishable, MAX_CELL_CHARS};
pub use rows::{cells_of, Rows};

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

/// What publishing does to a column's cells beyond copying them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    Plain,
    /// Hundredths of a percent, published as a decimal.
    Hundredths,
    /// A stored JSON list, published one item per line.
    List,
}

/// Each column's rule, decided once per table.
fn rules(columns: &[String]) -> Vec<Rule> {
    columns
        .iter()
        .map(|c| match c.as_str() {
            c if dictionary::HUNDREDTHS.contains(&c) => Rule::Hundredths,
            "expected_results" => Rule::List,
            _ => Rule::Plain,
        })
        .collect()
}

/// A cell as published (hundredths become decimals, an empty text is
/// null, a stored list one item per line).
fn publish_cell(rule: Rule, cell: Cell) -> Cell {
    match cell {
        Cell::Number(n) if rule == Rule::Hundredths => {
            n.as_i64().map(|h| Cell::Number(crate::percent::to_number(h as i32))).unwrap_or(Cell::Null)
        }
        Cell::String(s) if s.is_empty() => Cell::Null,
        // A list in one cell: one item per line.
        Cell::String(s) if rule == Rule::List => {
            let items = crate::text::json_list(&s);
            if items.is_empty() {
                Cell::Null
            } else {
                Cell::from(crate::text::one_per_line(&items))
            }
        }
        other => other,
    }
}

/// A table as published: its name, column names and rows of cell values
/// (kept, or made from the dataset when read: see [`Rows`]).
pub struct Published<'a> {
    pub table: &'static str,
    pub columns: Vec<String>,
    pub rows: Rows<'a>,
}

/// The tables whose rows are made when read rather than kept: the million
/// progress updates at scale 100, and the tables no other table's rows are
/// made from (the flat tables are always made; their parents are kept).
const MADE: &[&str] = &["progress_updates", "institution_roles", "quality_findings", "institution_plan_rollups"];

/// Every published table of a dataset, in [`TABLES`] order; kept rows are
/// converted on all cores.
pub fn publish(ds: &Dataset) -> Vec<Published<'_>> {
    let mut tables: Vec<Published> = TABLES
        .par_iter()
        .filter(|table| !flat::FLAT_TABLES.contains(table))
        .map(|table| {
            let columns = public_columns(table);
            let rows = match MADE.contains(table) {
                true => made_rows(ds, table, columns.clone()),
                false => kept_rows(ds, table, &columns).into(),
            };
            Published { table, columns, rows }
        })
        .collect();
    let flat = flat::flat(&tables);
    tables.extend(flat);
    tables
}

fn public_columns(table: &str) -> Vec<String> {
    dictionary::public(table).iter().map(|c| c.column.clone()).collect()
}

/// The rows of `table` made from the dataset when read.
fn made_rows<'a>(ds: &'a Dataset, table: &str, columns: Vec<String>) -> Rows<'a> {
    fn made<'a, T: Serialize + Sync>(rows: &'a [T], columns: Vec<String>) -> Rows<'a> {
        let rules = rules(&columns);
        Rows::made(rows.len(), move |i| cells_of(&rows[i], &columns, |c, cell| publish_cell(rules[c], cell)))
    }
    match table {
        "progress_updates" => made(&ds.progress_updates, columns),
        "institution_roles" => made(&ds.roles, columns),
        "quality_findings" => made(&ds.findings, columns),
        "institution_plan_rollups" => made(&ds.plan_rollups, columns),
        _ => kept_rows(ds, table, &columns).into(),
    }
}

/// Published rows of a table: (column names, rows of cells).
pub fn table_rows(ds: &Dataset, table: &str) -> (Vec<String>, Vec<Vec<Cell>>) {
    let columns = public_columns(table);
    let rows = kept_rows(ds, table, &columns);
    (columns, rows)
}

/// The rows of `table`, converted on all cores.
fn kept_rows(ds: &Dataset, table: &str, columns: &[String]) -> Vec<Vec<Cell>> {
    fn values<T: Serialize + Sync>(rows: &[T], columns: &[String]) -> Vec<Vec<Cell>> {
        let rules = rules(columns);
        rows.par_iter()
            .with_min_len(1024)
            .map(|r| cells_of(r, columns, |c, cell| publish_cell(rules[c], cell)))
            .collect()
    }
    match table {
        "plans" => values(&ds.plans, columns),
        "commitments" => values(&ds.commitments, columns),
        "milestones" => values(&ds.milestones, columns),
        "progress_updates" => values(&ds.progress_updates, columns),
        "institutions" => values(&ds.institutions, columns),
        "institution_roles" => values(&ds.roles, columns),
        "institution_aliases" => values(&ds.aliases, columns),
        "plan_sections" => values(&ds.sections, columns),
        "plan_participants" => values(&ds.participants, columns),
        "plan_risks" => values(&ds.risks, columns),
        "quality_findings" => values(&ds.findings, columns),
        "source_documents" => values(&ds.source_documents, columns),
        "source_headings" => values(&ds.headings, columns),
        "institution_plan_rollups" => values(&ds.plan_rollups, columns),
        "retired_ids" => values(&ds.retired, columns),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table's cells, made straight from the rows, are the cells of
    /// the rows' JSON values (as the import published them before); made
    /// tables give the same rows as kept ones.
    #[test]
    fn published_cells_are_the_rows_json_values() {
        // Generated, then read as an import reads it (derived columns, findings).
        let dir = tempfile::tempdir().unwrap();
        crate::import::export::write_dir(&crate::synthetic::generate(1), dir.path()).unwrap();
        let ds = crate::import::canonical::read_dir(dir.path()).unwrap();
        let tables = publish(&ds);
        for table in TABLES.iter().filter(|t| !flat::FLAT_TABLES.contains(t)) {
            let columns = public_columns(table);
            let kept = kept_rows(&ds, table, &columns);
            let published = tables.iter().find(|t| t.table == *table).expect("published");
            assert_eq!(published.rows.len(), kept.len(), "{table}");
            assert!(published.rows.iter().zip(&kept).all(|(a, b)| *a == b[..]), "{table}");
            let values: Vec<serde_json::Value> = match *table {
                "plans" => ds.plans.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                "commitments" => ds.commitments.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                "milestones" => ds.milestones.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                "progress_updates" => ds.progress_updates.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                "institutions" => ds.institutions.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                "institution_roles" => ds.roles.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                "quality_findings" => ds.findings.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                "institution_plan_rollups" => {
                    ds.plan_rollups.iter().map(|r| serde_json::to_value(r).unwrap()).collect()
                }
                _ => continue,
            };
            assert!(!values.is_empty(), "{table}");
            for (row, value) in kept.iter().zip(&values) {
                let expected: Vec<Cell> = columns
                    .iter()
                    .zip(rules(&columns))
                    .map(|(c, rule)| {
                        publish_cell(rule, Cell::from(value.get(c).cloned().unwrap_or(serde_json::Value::Null)))
                    })
                    .collect();
                assert_eq!(row, &expected, "{table}");
            }
        }
        let flat = tables.iter().find(|t| t.table == "flat_progress_updates").expect("flat");
        assert_eq!(flat.rows.len(), ds.progress_updates.len());
        let plan_title = flat.columns.iter().position(|c| c == "plan_title").unwrap();
        assert!(flat.rows.iter().all(|r| r[plan_title].as_str().is_some_and(|t| !t.is_empty())));
    }
}
