use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::dataset_revisions;

/// One import that changed the content.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = dataset_revisions)]
#[diesel(treat_none_as_default_value = false)]
pub struct RevisionRow {
    pub id: i32,
    pub created_at: String,
    pub content_hash: String,
    pub source: String,
    /// JSON object of row counts per table.
    pub counts: String,
    /// The digest of the inputs this revision was imported from (the
    /// importer's build and the input files); `None` for revisions imported
    /// before it was recorded. See `import::digest`.
    pub input_digest: Option<String>,
}

/// The newest revision. Every request reads it (its transaction's revision),
/// so it runs on the backend's own connection, prepared once (`db::native`).
pub fn current(conn: &mut DbConnection) -> QueryResult<Option<RevisionRow>> {
    crate::db::native::first!(
        conn,
        dataset_revisions::table.order(dataset_revisions::id.desc()).select(RevisionRow::as_select())
    )
}

/// Record that revision `id` is also what `digest`'s inputs import to (an
/// import of other bytes with the same content, say reformatted files).
pub fn set_input_digest(conn: &mut DbConnection, id: i32, digest: &str) -> QueryResult<usize> {
    diesel::update(dataset_revisions::table.find(id)).set(dataset_revisions::input_digest.eq(digest)).execute(conn)
}

/// The newest `limit` revisions, newest first.
pub fn newest(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<RevisionRow>> {
    dataset_revisions::table
        .order(dataset_revisions::id.desc())
        .limit(limit)
        .select(RevisionRow::as_select())
        .load(conn)
}

/// Rows in plans, commitments, milestones, progress updates, institutions.
pub fn counts(conn: &mut DbConnection) -> QueryResult<(i64, i64, i64, i64, i64)> {
    use crate::schema::{commitments, institutions, milestones, plans, progress_updates};
    Ok((
        plans::table.count().get_result(conn)?,
        commitments::table.count().get_result(conn)?,
        milestones::table.count().get_result(conn)?,
        progress_updates::table.count().get_result(conn)?,
        institutions::table.count().get_result(conn)?,
    ))
}

impl RevisionRow {
    /// The rows of `table` in this revision, as the import recorded them;
    /// `None` when it did not record that table.
    pub fn recorded_count(&self, table: &str) -> Option<i64> {
        serde_json::from_str::<serde_json::Value>(&self.counts).ok()?.get(table)?.as_i64()
    }
}

/// The rows of `table` in the current revision, as the import recorded them
/// (an exact count, read without counting a million rows); `None` when the
/// revision did not record that table.
pub fn stored_count(conn: &mut DbConnection, table: &str) -> QueryResult<Option<i64>> {
    let counts: Option<String> = crate::db::native::first!(
        conn,
        dataset_revisions::table.order(dataset_revisions::id.desc()).select(dataset_revisions::counts)
    )?;
    Ok(counts.and_then(|counts| RevisionRow { counts, ..Default::default() }.recorded_count(table)))
}

/// The rows matching a list's filters: the recorded count when the list is
/// unfiltered, otherwise `count` (which counts them).
pub fn total_or(
    conn: &mut DbConnection,
    table: &str,
    unfiltered: bool,
    count: impl FnOnce(&mut DbConnection) -> QueryResult<i64>,
) -> QueryResult<i64> {
    if unfiltered {
        if let Some(n) = stored_count(conn, table)? {
            return Ok(n);
        }
    }
    count(conn)
}
