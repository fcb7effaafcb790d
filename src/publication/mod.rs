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

/// Every published table of a dataset, in [`TABLES`] order, its rows made
/// from the dataset when read (never kept: the dataset holds them once; the
/// flat tables hold only the few cells of the parents they show).
pub fn publish(ds: &Dataset) -> Vec<Published<'_>> {
    let mut tables: Vec<Published> = TABLES
        .iter()
        .filter(|table| !flat::FLAT_TABLES.contains(table))
        .map(|table| {
            let columns = public_columns(table);
            let rows = made_rows(ds, table, columns.clone());
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

/// `$then` with `$rows` bound to the dataset's rows of `$table` (a slice of
/// its row type), or `$none` for a table the dataset has no rows of (the
/// flat ones): the one place a table's name meets its rows (the progress
/// updates and the findings, held compactly, are made row by row: see
/// [`made_rows`]).
macro_rules! with_rows {
    ($ds:expr, $table:expr, |$rows:ident| $then:expr, $none:expr) => {
        with_rows!(@arms $ds, $table, $rows, $then, $none;
            "plans" plans, "commitments" commitments, "milestones" milestones,
            "institutions" institutions, "institution_roles" roles,
            "institution_aliases" aliases, "plan_sections" sections, "plan_participants" participants,
            "plan_risks" risks, "source_documents" source_documents,
            "source_headings" headings, "institution_plan_rollups" plan_rollups, "retired_ids" retired)
    };
    (@arms $ds:expr, $table:expr, $rows:ident, $then:expr, $none:expr; $($name:literal $field:ident),*) => {
        match $table {
            $($name => {
                let $rows = &$ds.$field[..];
                $then
            })*
            _ => $none,
        }
    };
}

/// The rows of `table` made from the dataset when read.
fn made_rows<'a>(ds: &'a Dataset, table: &str, columns: Vec<String>) -> Rows<'a> {
    fn made<'a, T: Serialize>(
        len: usize,
        row: impl Fn(usize) -> T + Send + Sync + 'a,
        columns: Vec<String>,
    ) -> Rows<'a> {
        let rules = rules(&columns);
        Rows::made(len, move |i| cells_of(&row(i), &columns, |c, cell| publish_cell(rules[c], cell)))
    }
    match table {
        "progress_updates" => made(ds.progress_updates.len(), |i| ds.progress_updates.get(i), columns),
        "quality_findings" => made(ds.findings.len(), |i| ds.findings.get(i), columns),
        _ => with_rows!(ds, table, |rows| made(rows.len(), move |i| &rows[i], columns), Vec::new().into()),
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
        "progress_updates" => values(&ds.progress_updates.to_vec(), columns),
        "quality_findings" => values(&ds.findings.iter().collect::<Vec<_>>(), columns),
        _ => with_rows!(ds, table, |rows| values(rows, columns), vec![]),
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
                "progress_updates" => ds.progress_updates.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                "quality_findings" => ds.findings.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                _ => with_rows!(
                    ds,
                    *table,
                    |rows| rows.iter().map(|r| serde_json::to_value(r).unwrap()).collect(),
                    continue
                ),
            };
            if ["plans", "commitments", "milestones", "progress_updates", "quality_findings"].contains(table) {
                assert!(!values.is_empty(), "{table}");
            }
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
