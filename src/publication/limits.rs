//! What a snapshot file can hold, checked before an import commits: a
//! revision is only written when all its download files can be.

use super::Published;
use crate::import::problem::Problem;

pub use crate::text::{cell_chars, MAX_CELL_CHARS};

/// Every published value too long for a cell. The canonical reader refuses
/// long fields with their file and line; this catches what the import
/// derives from them, naming the published file, row and column.
pub fn unpublishable(tables: &[Published]) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables {
        for (r, row) in t.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let Some(s) = v.as_str().filter(|s| s.len() > MAX_CELL_CHARS) else { continue };
                let n = cell_chars(s);
                if n > MAX_CELL_CHARS {
                    out.push(Problem {
                        file: format!("{}.csv (published)", t.table),
                        line: 0,
                        field: t.columns.get(c).cloned().unwrap_or_default(),
                        message: format!(
                            "row {} would be {n} characters long; a published text may hold at most \
                             {MAX_CELL_CHARS} (a spreadsheet cell's limit)",
                            r + 1
                        ),
                    });
                }
            }
        }
    }
    out
}
