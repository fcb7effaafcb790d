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
}

pub fn current(conn: &mut DbConnection) -> QueryResult<Option<RevisionRow>> {
    dataset_revisions::table.order(dataset_revisions::id.desc()).select(RevisionRow::as_select()).first(conn).optional()
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
