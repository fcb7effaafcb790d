//! Bringing a stored table to a dataset's rows by writing only what differs:
//! rows whose content changed or that are gone are deleted, changed and new
//! rows inserted, unchanged rows left alone (an import that changes one
//! progress update rewrites one row, not a million). When most of a table
//! changes, writing it again whole is cheaper, and that is what happens.

use std::borrow::Cow;
use std::ops::Range;

use diesel::connection::SimpleConnection;
use diesel::QueryResult;
use rayon::prelude::*;

use super::findings::Findings;
use super::updates::ProgressUpdates;
use crate::db::DbConnection;
use crate::models::source_document::{NewLineRecord, SourceLineRecordRow};
use crate::models::*;

/// A dataset row as its table's sync compares and writes it: as the
/// table's row (`Stored`) for most tables, or lighter than it: a column that
/// is a function of the row's others and that only the database reads is
/// left empty and made as the row is written (the folded search text of
/// progress updates and milestones: about 300 MB at scale 100), and a row
/// may borrow its text from the dataset (the 1.1 M source-line records).
pub trait SyncRow: Sync + Sized {
    /// The table's row, as read back and written.
    type Stored: Clone + Send;

    /// Whether `stored`, read back from the table, holds this row's content
    /// (`stored` may be changed while comparing, and is given back as read).
    fn same_as_stored(&self, stored: &mut Self::Stored) -> bool;

    /// The row as written.
    fn stored(&self) -> Self::Stored;

    /// `rows` as written (made on all cores, unless held as written).
    fn written(rows: &[Self]) -> Cow<'_, [Self::Stored]> {
        Cow::Owned(rows.par_iter().with_min_len(1024).map(Self::stored).collect())
    }
}

macro_rules! held_as_written {
    ($($Row:ty),+ $(,)?) => {$(
        impl SyncRow for $Row {
            type Stored = Self;

            fn same_as_stored(&self, stored: &mut Self) -> bool {
                self == stored
            }

            fn stored(&self) -> Self {
                self.clone()
            }

            fn written(rows: &[Self]) -> Cow<'_, [Self]> {
                Cow::Borrowed(rows)
            }
        }
    )+};
}

held_as_written!(
    SourceDocumentRow,
    InstitutionRow,
    InstitutionAliasRow,
    PlanRow,
    PlanSectionRow,
    PlanParticipantRow,
    PlanRiskRow,
    CommitmentRow,
    InstitutionRoleRow,
    QualityFindingRow,
    InstitutionPlanRollupRow,
    SourceHeadingRow,
    RetiredIdRow,
);

/// Rows held without their folded search text, made as they are written
/// by the `derive` function named.
macro_rules! searched_as_written {
    ($($Row:ty => $text:path),+ $(,)?) => {$(
        impl SyncRow for $Row {
            type Stored = Self;

            fn same_as_stored(&self, stored: &mut Self) -> bool {
                let text = std::mem::take(&mut stored.search_text);
                let same = self == stored;
                stored.search_text = text;
                same
            }

            fn stored(&self) -> Self {
                Self { search_text: $text(self), ..self.clone() }
            }
        }
    )+};
}

searched_as_written!(
    ProgressUpdateRow => super::derive::progress_update_search_text,
    MilestoneRow => super::derive::milestone_search_text,
);

/// A source-line record borrowed from the dataset.
impl SyncRow for NewLineRecord<'_> {
    type Stored = SourceLineRecordRow;

    fn same_as_stored(&self, s: &mut SourceLineRecordRow) -> bool {
        (self.document_id, self.line, self.last_line, self.record_type, self.record_id)
            == (s.document_id.as_str(), s.line, s.last_line, s.record_type.as_str(), s.record_id.as_str())
    }

    fn stored(&self) -> SourceLineRecordRow {
        SourceLineRecordRow {
            document_id: self.document_id.to_string(),
            line: self.line,
            last_line: self.last_line,
            record_type: self.record_type.to_string(),
            record_id: self.record_id.to_string(),
        }
    }
}

/// A table's rows in the dataset, as its sync reads them: a list, or a
/// compact table (the progress updates, the findings: rows made when read).
pub trait Fresh: Sync {
    type Row: SyncRow + Clone;

    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`.
    fn row(&self, i: usize) -> Cow<'_, Self::Row>;

    /// The rows of `range` as written.
    fn written(&self, range: Range<usize>) -> Cow<'_, [<Self::Row as SyncRow>::Stored]>;
}

impl<T: SyncRow + Clone> Fresh for Vec<T> {
    type Row = T;

    fn len(&self) -> usize {
        self.len()
    }

    fn row(&self, i: usize) -> Cow<'_, T> {
        Cow::Borrowed(&self[i])
    }

    fn written(&self, range: Range<usize>) -> Cow<'_, [T::Stored]> {
        T::written(&self[range])
    }
}

impl Fresh for ProgressUpdates {
    type Row = ProgressUpdateRow;

    fn len(&self) -> usize {
        self.len()
    }

    fn row(&self, i: usize) -> Cow<'_, ProgressUpdateRow> {
        Cow::Owned(self.get(i))
    }

    fn written(&self, range: Range<usize>) -> Cow<'_, [ProgressUpdateRow]> {
        let made = |i| {
            let mut row = self.get(i);
            row.search_text = super::derive::progress_update_search_text(&row);
            row
        };
        Cow::Owned(range.into_par_iter().with_min_len(1024).map(made).collect())
    }
}

impl Fresh for Findings {
    type Row = QualityFindingRow;

    fn len(&self) -> usize {
        self.len()
    }

    fn row(&self, i: usize) -> Cow<'_, QualityFindingRow> {
        Cow::Owned(self.get(i))
    }

    fn written(&self, range: Range<usize>) -> Cow<'_, [QualityFindingRow]> {
        Cow::Owned(range.into_par_iter().with_min_len(1024).map(|i| self.get(i)).collect())
    }
}

/// Rows written at a time when a table is written whole (each piece made
/// as written, [`SyncRow::written`], then inserted in batches).
pub const WRITE_PIECE: usize = 20_000;

/// More row-by-row changes than this, in a table of `rows` rows, cost more
/// than deleting the table and inserting it again in batches.
pub fn row_by_row_limit(rows: usize) -> usize {
    rows / 4 + 64
}

/// Foreign keys checked at commit for the rest of the transaction: a changed
/// parent row is deleted and inserted again while its unchanged children
/// stay (PostgreSQL's keys are `DEFERRABLE` for this since the migration
/// `2026-12-06-180000_deferrable_foreign_keys`).
pub fn defer_foreign_keys(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA defer_foreign_keys = ON"),
        DbConnection::Pg(c) => c.batch_execute("SET CONSTRAINTS ALL DEFERRED"),
    }
}

/// Hand `rows` to `visit` until it asks to stop: whether it did.
pub fn until<R>(rows: impl Iterator<Item = QueryResult<R>>, mut visit: impl FnMut(R) -> bool) -> QueryResult<bool> {
    for row in rows {
        if visit(row?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Hand every stored row of `table` (a `crate::schema` module), as a
/// `Row`, to `visit` (`FnMut(Row) -> bool`) until it returns true, streamed
/// (row by row on PostgreSQL, whose default fetches the whole table at
/// once). Evaluates to `QueryResult<bool>`: whether `visit` stopped it.
macro_rules! each_stored {
    ($conn:expr, $table:ident, $Row:ty, $visit:expr) => {{
        use diesel::prelude::*;
        // The query is written in each arm: a shared one would be typed for one backend.
        match $conn {
            $crate::db::DbConnection::Pg(c) => $crate::import::sync::until(
                $table::table.select(<$Row>::as_select()).load_iter::<$Row, diesel::pg::PgRowByRowLoadingMode>(c)?,
                $visit,
            ),
            $crate::db::DbConnection::Sqlite(c) => $crate::import::sync::until(
                $table::table
                    .select(<$Row>::as_select())
                    .load_iter::<$Row, diesel::connection::DefaultLoadingMode>(c)?,
                $visit,
            ),
        }
    }};
}
pub(crate) use each_stored;

/// What one table's sync wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Synced {
    pub deleted: usize,
    pub inserted: usize,
    /// Written again whole (too many changes for row-by-row).
    pub whole: bool,
}

/// Sync `table` (a `crate::schema` module) to `rows` of type `Row`, rows
/// told apart by the `[key, …]` fields (its primary key). `searchable`
/// tables keep their SQLite full-text index in step, row by row
/// (`crate::db::backend::update_search_index`). Evaluates to
/// `QueryResult<Synced>`. The stored rows are streamed, never all held.
macro_rules! sync_table {
    ($conn:expr, $table:ident, $Row:ty, $rows:expr, [$($key:ident),+]) => {
        $crate::import::sync::sync_table!(@sync $conn, $table, $Row, $rows, [$($key),+], plain)
    };
    ($conn:expr, $table:ident, $Row:ty, $rows:expr, [$($key:ident),+], searchable) => {
        $crate::import::sync::sync_table!(@sync $conn, $table, $Row, $rows, [$($key),+], searchable)
    };
    (@sync $conn:expr, $table:ident, $Row:ty, $rows:expr, [$($key:ident),+], $kind:ident) => {{
        use $crate::import::sync::{Fresh, SyncRow};
        let fresh = &$rows;
        let n = Fresh::len(fresh);
        let conn: &mut $crate::db::DbConnection = $conn;
        (|| -> diesel::QueryResult<$crate::import::sync::Synced> {
            use diesel::prelude::*;
            let limit = $crate::import::sync::row_by_row_limit(n);
            // The dataset's rows' places by key, not yet matched by a stored
            // row; made at the first stored row (an empty table needs none:
            // at scale 100 the record versions' keys alone take 250 MB).
            let mut wanted: Option<std::collections::HashMap<_, usize>> = None;
            // Stored rows that differ from the dataset's or are gone from it.
            let mut stale: Vec<$Row> = Vec::new();
            // Each stored row against the dataset's: true once there are
            // too many changes for row-by-row.
            let mut visit = |row: $Row| {
                let wanted = wanted.get_or_insert_with(|| {
                    (0..n).map(|i| {
                        let r = Fresh::row(fresh, i);
                        (($(r.$key.to_owned(),)+), i)
                    }).collect()
                });
                let key = ($(row.$key.to_owned(),)+);
                let mut row = row;
                match wanted.get(&key) {
                    Some(&i) if SyncRow::same_as_stored(&*Fresh::row(fresh, i), &mut row) => {
                        wanted.remove(&key);
                    }
                    _ => stale.push(row),
                }
                stale.len() > limit
            };
            let mut whole = $crate::import::sync::each_stored!(&mut *conn, $table, $Row, &mut visit)?;
            // What is left to insert: changed rows and new ones, in the dataset's order.
            whole = whole || stale.len() + wanted.as_ref().map_or(n, |w| w.len()) > limit;
            let fresh_rows: Vec<$Row> = match (whole, &wanted) {
                (true, _) => Vec::new(),
                (false, None) => (0..n).map(|i| SyncRow::stored(&*Fresh::row(fresh, i))).collect(),
                (false, Some(w)) => {
                    let mut places: Vec<usize> = w.values().copied().collect();
                    places.sort_unstable();
                    places.into_iter().map(|i| SyncRow::stored(&*Fresh::row(fresh, i))).collect()
                }
            };
            let done = if whole { 0 } else { n - fresh_rows.len() };
            $crate::progress::advance($crate::progress::Step::Write, done as u64);
            let synced = if whole {
                let aside = $crate::db::backend::SetAside::take(&mut *conn, stringify!($table))?;
                let deleted = diesel::delete($table::table).execute(&mut *conn)?;
                let mut inserted = 0;
                for start in (0..n).step_by($crate::import::sync::WRITE_PIECE) {
                    let piece = Fresh::written(fresh, start..n.min(start + $crate::import::sync::WRITE_PIECE));
                    inserted += $crate::db::backend::insert_batches!(&mut *conn, $table::table, piece)?;
                }
                aside.rebuild(&mut *conn)?;
                $crate::import::sync::sync_table!(@refill $kind, conn, $table);
                $crate::import::sync::Synced { deleted, inserted, whole }
            } else {
                for row in &stale {
                    #[allow(unused_parens)]
                    let key = ($(row.$key.clone()),+);
                    diesel::delete($table::table.find(key)).execute(&mut *conn)?;
                }
                let inserted = $crate::db::backend::insert_batches!(&mut *conn, $table::table, &fresh_rows)?;
                $crate::import::sync::sync_table!(@update $kind, conn, $table, stale, fresh_rows);
                $crate::import::sync::Synced { deleted: stale.len(), inserted, whole }
            };
            log::debug!("import: {}: {:?}", stringify!($table), synced);
            Ok(synced)
        })()
    }};
    (@refill plain, $conn:ident, $table:ident) => {};
    (@refill searchable, $conn:ident, $table:ident) => {
        $crate::db::backend::refill_search_index(&mut *$conn, stringify!($table))?
    };
    (@update plain, $conn:ident, $table:ident, $stale:ident, $fresh:ident) => {};
    (@update searchable, $conn:ident, $table:ident, $stale:ident, $fresh:ident) => {
        $crate::db::backend::update_search_index(
            &mut *$conn,
            stringify!($table),
            $stale.iter().map(|r| (r.seq, r.search_text.as_str())),
            $fresh.iter().map(|r| (r.seq, r.search_text.as_str())),
        )?
    };
}
pub(crate) use sync_table;
