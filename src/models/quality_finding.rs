use diesel::prelude::*;

use super::list::{facet, keyset, BadCursor, Facets, Page, SortValue};
use crate::db::native::{self, any_of};
use crate::db::{DbConnection, MultiBackend};
use crate::schema::quality_findings;
use crate::vocabulary::{FindingKind, FindingSubject};

/// A data-quality finding computed by the importer.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = quality_findings)]
#[diesel(treat_none_as_default_value = false)]
pub struct QualityFindingRow {
    pub id: String,
    pub seq: i32,
    pub kind: FindingKind,
    pub plan_id: String,
    pub record_type: FindingSubject,
    pub record_id: String,
    pub summary_es: String,
    pub summary_en: String,
    /// JSON object with the numbers involved.
    pub details: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingSort {
    Seq,
    Id,
}

impl FindingSort {
    pub const FIELDS: &'static [(&'static str, FindingSort)] =
        &[("position", FindingSort::Seq), ("id", FindingSort::Id)];

    pub fn value(self, row: &QualityFindingRow) -> SortValue {
        match self {
            FindingSort::Seq => row.seq.into(),
            FindingSort::Id => (&row.id).into(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FindingFilter {
    pub plan: Option<String>,
    /// Any of these kinds (none: every kind).
    pub kind: Vec<String>,
    pub record_type: Option<String>,
    pub record: Option<String>,
    /// RFC 3339 UTC lower bound on the last change of the record.
    pub updated_since: Option<String>,
}

fn filtered(f: &FindingFilter) -> quality_findings::BoxedQuery<'static, MultiBackend> {
    let mut q = quality_findings::table.into_boxed();
    if let Some(v) = &f.plan {
        q = q.filter(quality_findings::plan_id.eq(v.clone()));
    }
    if !f.kind.is_empty() {
        q = q.filter(quality_findings::kind.eq_any(f.kind.clone()));
    }
    if let Some(v) = &f.record_type {
        q = q.filter(quality_findings::record_type.eq(v.clone()));
    }
    if let Some(v) = &f.record {
        q = q.filter(quality_findings::record_id.eq(v.clone()));
    }
    let q = q;
    super::list::updated_since!(q, quality_findings::id, "quality_finding", &f.updated_since)
}

/// A page of rows and the number of rows matching the filters.
pub fn list(
    conn: &mut DbConnection,
    f: &FindingFilter,
    page: &Page<FindingSort>,
) -> QueryResult<Result<(Vec<QualityFindingRow>, i64), BadCursor>> {
    let total = filtered(f).count().get_result::<i64>(conn)?;
    Ok(rows(conn, f, page)?.map(|rows| (rows, total)))
}

/// At most `page.limit + 1` rows after the page's start (the extra row tells
/// whether another page follows).
pub fn rows(
    conn: &mut DbConnection,
    f: &FindingFilter,
    page: &Page<FindingSort>,
) -> QueryResult<Result<Vec<QualityFindingRow>, BadCursor>> {
    let q = filtered(f).select(QualityFindingRow::as_select());
    use quality_findings::{id, seq};
    let q = match page.sort {
        FindingSort::Seq => keyset!(q, seq, id, page.desc, &page.after, int),
        FindingSort::Id => keyset!(q, id, id, page.desc, &page.after, text),
    };
    let q = match q {
        Ok(q) => q,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(q.limit(page.limit + 1).load(conn)?))
}

pub fn find(conn: &mut DbConnection, key: &str) -> QueryResult<Option<QualityFindingRow>> {
    native::first!(conn, quality_findings::table.find(key).select(QualityFindingRow::as_select()))
}

/// Finding ids per record, for the records' own views.
pub fn ids_for(conn: &mut DbConnection, record_type: &str, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    native::load!(
        conn,
        quality_findings::table
            .filter(quality_findings::record_type.eq(record_type))
            .filter(any_of(quality_findings::record_id, ids))
            .order(quality_findings::seq)
            .select((quality_findings::record_id, quality_findings::id)),
    )
}

/// The list's main dimensions, by the filter each is counted for.
pub const FACETS: &[&str] = &["kind", "plan"];

/// Exact counts per value of the list's main dimensions, under the filters
/// (without filters, as the import stored them).
pub fn facets(conn: &mut DbConnection, f: &FindingFilter) -> QueryResult<Facets> {
    if *f == FindingFilter::default() {
        if let Some(stored) = super::list::stored(conn, "quality_finding", FACETS)? {
            return Ok(stored);
        }
    }
    count_facets(conn, f)
}

/// The facets counted from the rows.
pub fn count_facets(conn: &mut DbConnection, f: &FindingFilter) -> QueryResult<Facets> {
    Ok(vec![
        ("kind", facet!(conn, filtered(f), quality_findings::kind)),
        ("plan", facet!(conn, filtered(f), quality_findings::plan_id)),
    ])
}
