//! Record-level history across imports.

use diesel::prelude::*;

use crate::db::{DbConnection, MultiBackend};
use crate::schema::{record_changes, record_versions};
use crate::vocabulary::ChangeKind;

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = record_versions)]
#[diesel(treat_none_as_default_value = false)]
pub struct RecordVersionRow {
    pub record_type: String,
    pub record_id: String,
    pub content_hash: String,
    pub created_revision: i32,
    pub updated_revision: i32,
    /// RFC 3339 UTC time of the revision that last changed the record.
    pub updated_at: String,
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = record_changes)]
#[diesel(treat_none_as_default_value = false)]
pub struct RecordChangeRow {
    pub seq: i64,
    pub revision: i32,
    pub record_type: String,
    pub record_id: String,
    /// A [`ChangeKind`]'s name: created, updated or deleted.
    pub change: String,
}

pub fn versions(conn: &mut DbConnection) -> QueryResult<Vec<RecordVersionRow>> {
    record_versions::table.select(RecordVersionRow::as_select()).load(conn)
}

/// The revision that removed a record, when its last change is a deletion.
pub fn removed_in(conn: &mut DbConnection, record_type: &str, id: &str) -> QueryResult<Option<i32>> {
    let last: Option<(i32, String)> = record_changes::table
        .filter(record_changes::record_type.eq(record_type))
        .filter(record_changes::record_id.eq(id))
        .order(record_changes::seq.desc())
        .select((record_changes::revision, record_changes::change))
        .first(conn)
        .optional()?;
    Ok(last.filter(|(_, change)| change == ChangeKind::Deleted.as_str()).map(|(revision, _)| revision))
}

pub fn last_seq(conn: &mut DbConnection) -> QueryResult<i64> {
    Ok(record_changes::table.select(diesel::dsl::max(record_changes::seq)).first::<Option<i64>>(conn)?.unwrap_or(0))
}

#[derive(Clone, Debug, Default)]
pub struct ChangeFilter {
    pub since: i32,
    pub until: Option<i32>,
    pub record_type: Option<String>,
}

fn filtered(f: &ChangeFilter) -> record_changes::BoxedQuery<'static, MultiBackend> {
    let mut q = record_changes::table.into_boxed().filter(record_changes::revision.gt(f.since));
    if let Some(u) = f.until {
        q = q.filter(record_changes::revision.le(u));
    }
    if let Some(t) = &f.record_type {
        q = q.filter(record_changes::record_type.eq(t.clone()));
    }
    q
}

/// Changes after revision `since`, in order, starting after `after_seq`.
pub fn list(
    conn: &mut DbConnection,
    f: &ChangeFilter,
    after_seq: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<RecordChangeRow>, i64)> {
    let total = filtered(f).count().get_result(conn)?;
    let mut q = filtered(f).select(RecordChangeRow::as_select()).order(record_changes::seq);
    if let Some(s) = after_seq {
        q = q.filter(record_changes::seq.gt(s));
    }
    Ok((q.limit(limit + 1).load(conn)?, total))
}
