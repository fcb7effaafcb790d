use diesel::prelude::*;

use super::list::{facet, keyset, text_terms, thin, BadCursor, Facets, Page, SortValue};
use crate::db::native;
use crate::db::{DbConnection, MultiBackend};
use crate::schema::{institution_roles, progress_updates};

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = progress_updates)]
#[diesel(treat_none_as_default_value = false)]
pub struct ProgressUpdateRow {
    pub id: String,
    pub seq: i32,
    pub milestone_id: String,
    pub commitment_id: String,
    pub plan_id: String,
    pub position: i32,
    /// `YYYY-MM-DDTHH:MM:SS`, the platform's local time as published.
    pub reported_at: String,
    pub description: String,
    /// Hundredths of a percent: 12.5% is 1250.
    pub percent: Option<i32>,
    pub percent_raw: Option<String>,
    pub verification: Option<String>,
    /// One URL per line.
    pub links: String,
    pub source_document: String,
    pub source_location: String,
    pub search_text: String,
    pub verification_line: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressUpdateSort {
    Seq,
    Id,
    ReportedAt,
    Percent,
}

impl ProgressUpdateSort {
    pub const FIELDS: &'static [(&'static str, ProgressUpdateSort)] = &[
        ("position", ProgressUpdateSort::Seq),
        ("id", ProgressUpdateSort::Id),
        ("reported_at", ProgressUpdateSort::ReportedAt),
        ("percent", ProgressUpdateSort::Percent),
    ];

    pub fn value(self, row: &ProgressUpdateRow) -> SortValue {
        match self {
            ProgressUpdateSort::Seq => row.seq.into(),
            ProgressUpdateSort::Id => (&row.id).into(),
            ProgressUpdateSort::ReportedAt => (&row.reported_at).into(),
            ProgressUpdateSort::Percent => row.percent.into(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProgressUpdateFilter {
    pub plan: Option<String>,
    pub commitment: Option<String>,
    pub milestone: Option<String>,
    pub institution: Option<String>,
    pub percent_min: Option<i32>,
    pub percent_max: Option<i32>,
    /// Inclusive lower bound, `YYYY-MM-DD`.
    pub reported_from: Option<String>,
    /// Inclusive upper bound, `YYYY-MM-DD` (the whole day counts).
    pub reported_to: Option<String>,
    pub terms: Vec<String>,
    /// RFC 3339 UTC lower bound on the last change of the record.
    pub updated_since: Option<String>,
}

/// What serving reads into a [`ProgressUpdateRow`]: every column but
/// `search_text`, which only the full-text index needs (it is as long as the
/// text it folds, and read for every row of a million-row stream); an empty
/// string stands in for it.
#[allow(clippy::type_complexity)]
fn served() -> (
    progress_updates::id,
    progress_updates::seq,
    progress_updates::milestone_id,
    progress_updates::commitment_id,
    progress_updates::plan_id,
    progress_updates::position,
    progress_updates::reported_at,
    progress_updates::description,
    progress_updates::percent,
    progress_updates::percent_raw,
    progress_updates::verification,
    progress_updates::links,
    progress_updates::source_document,
    progress_updates::source_location,
    diesel::expression::SqlLiteral<diesel::sql_types::Text>,
    progress_updates::verification_line,
) {
    use progress_updates::*;
    (
        id,
        seq,
        milestone_id,
        commitment_id,
        plan_id,
        position,
        reported_at,
        description,
        percent,
        percent_raw,
        verification,
        links,
        source_document,
        source_location,
        diesel::dsl::sql::<diesel::sql_types::Text>("''"),
        verification_line,
    )
}

fn filtered(f: &ProgressUpdateFilter) -> progress_updates::BoxedQuery<'static, MultiBackend> {
    let mut q = progress_updates::table.into_boxed();
    if let Some(v) = &f.plan {
        q = q.filter(progress_updates::plan_id.eq(v.clone()));
    }
    if let Some(v) = &f.commitment {
        q = q.filter(progress_updates::commitment_id.eq(v.clone()));
    }
    if let Some(v) = &f.milestone {
        q = q.filter(progress_updates::milestone_id.eq(v.clone()));
    }
    if let Some(inst) = &f.institution {
        let roles = institution_roles::table
            .filter(institution_roles::subject_type.eq("milestone"))
            .filter(institution_roles::institution_id.eq(inst.clone()))
            .filter(institution_roles::role.ne(crate::vocabulary::Role::Mentioned))
            .select(institution_roles::subject_id);
        q = q.filter(progress_updates::milestone_id.eq_any(roles));
    }
    if let Some(v) = f.percent_min {
        q = q.filter(progress_updates::percent.ge(v));
    }
    if let Some(v) = f.percent_max {
        q = q.filter(progress_updates::percent.le(v));
    }
    if let Some(v) = &f.reported_from {
        q = q.filter(progress_updates::reported_at.ge(v.clone()));
    }
    if let Some(v) = &f.reported_to {
        // Text comparison on ISO timestamps: "2025-03-05T.." <= "2025-03-05U".
        q = q.filter(progress_updates::reported_at.lt(format!("{v}U")));
    }
    let q = text_terms!(q, "progress_updates", &f.terms);
    super::list::updated_since!(q, progress_updates::id, "progress_update", &f.updated_since)
}

/// A page of rows and the number of rows matching the filters.
pub fn list(
    conn: &mut DbConnection,
    f: &ProgressUpdateFilter,
    page: &Page<ProgressUpdateSort>,
) -> QueryResult<Result<(Vec<ProgressUpdateRow>, i64), BadCursor>> {
    let total = total(conn, f)?;
    Ok(rows(conn, f, page)?.map(|rows| (rows, total)))
}

/// The number of rows matching the filters (see [`super::list::total`]).
fn total(conn: &mut DbConnection, f: &ProgressUpdateFilter) -> QueryResult<i64> {
    let alone = super::list::alone!(f, ProgressUpdateFilter, plan);
    let unfiltered = *f == ProgressUpdateFilter::default();
    super::list::total(conn, "progress_updates", "progress_update", unfiltered, alone, |c| {
        filtered(f).count().get_result::<i64>(c)
    })
}

/// Every progress update's places per plan (see `list::places_by_value`).
pub fn places_by_plan(conn: &mut DbConnection) -> QueryResult<std::collections::BTreeMap<String, Vec<u32>>> {
    use progress_updates::{plan_id, seq};
    super::list::places_by_value(progress_updates::table.select((plan_id, seq)).load_iter(conn)?)
}

/// [`list`] reading only the page's sort values and ids.
pub fn thin_list(
    conn: &mut DbConnection,
    f: &ProgressUpdateFilter,
    page: &Page<ProgressUpdateSort>,
) -> super::list::ThinPage {
    use progress_updates::{id, percent, reported_at, seq};
    let keys: QueryResult<Result<Vec<_>, BadCursor>> = match page.sort {
        ProgressUpdateSort::Seq => thin!(conn, filtered(f), seq, id, page, int, i32),
        ProgressUpdateSort::Id => thin!(conn, filtered(f), id, id, page, text, String),
        ProgressUpdateSort::ReportedAt => thin!(conn, filtered(f), reported_at, id, page, text, String),
        ProgressUpdateSort::Percent => thin!(conn, filtered(f), percent, id, page, nint, Option<i32>),
    };
    super::list::with_total(keys, page, || total(conn, f))
}

/// At most `page.limit + 1` rows after the page's start (the extra row tells
/// whether another page follows).
pub fn rows(
    conn: &mut DbConnection,
    f: &ProgressUpdateFilter,
    page: &Page<ProgressUpdateSort>,
) -> QueryResult<Result<Vec<ProgressUpdateRow>, BadCursor>> {
    let q = filtered(f).select(served());
    use progress_updates::{id, percent, reported_at, seq};
    let q = match page.sort {
        ProgressUpdateSort::Seq => keyset!(q, seq, id, page.desc, &page.after, int),
        ProgressUpdateSort::Id => keyset!(q, id, id, page.desc, &page.after, text),
        ProgressUpdateSort::ReportedAt => keyset!(q, reported_at, id, page.desc, &page.after, text),
        ProgressUpdateSort::Percent => keyset!(q, percent, id, page.desc, &page.after, nint),
    };
    let q = match q {
        Ok(q) => q,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(q.limit(page.limit + 1).load::<ProgressUpdateRow>(conn)?))
}

pub fn find(conn: &mut DbConnection, key: &str) -> QueryResult<Option<ProgressUpdateRow>> {
    native::first!(conn, progress_updates::table.find(key).select(served()))
}

pub fn for_milestone(conn: &mut DbConnection, milestone: &str) -> QueryResult<Vec<ProgressUpdateRow>> {
    progress_updates::table
        .filter(progress_updates::milestone_id.eq(milestone))
        .order(progress_updates::position)
        .select(served())
        .load(conn)
}

/// The list's main dimensions, by the filter each is counted for.
pub const FACETS: &[&str] = &["plan"];

/// Exact counts per value of the list's main dimensions, under the filters
/// (without filters, as the import stored them).
pub fn facets(conn: &mut DbConnection, f: &ProgressUpdateFilter) -> QueryResult<Facets> {
    if *f == ProgressUpdateFilter::default() {
        if let Some(stored) = super::list::stored(conn, "progress_update", FACETS)? {
            return Ok(stored);
        }
    }
    count_facets(conn, f)
}

/// The facets counted from the rows.
pub fn count_facets(conn: &mut DbConnection, f: &ProgressUpdateFilter) -> QueryResult<Facets> {
    Ok(vec![("plan", facet!(conn, filtered(f), progress_updates::plan_id))])
}

#[derive(QueryableByName)]
struct MonthCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    month: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How many updates were reported in each month (`YYYY-MM`), newest first
/// (as the import stored them, when it did).
pub fn months(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    if let Some(stored) = super::list::stored(conn, "progress_update", &["month"])? {
        let mut months = stored.into_iter().next().map(|(_, v)| v).unwrap_or_default();
        if !months.is_empty() {
            months.sort_by(|(a, _), (b, _)| b.cmp(a));
            return Ok(months);
        }
    }
    count_months(conn)
}

/// How many updates were reported in each month, counted from the rows.
pub fn count_months(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<MonthCount> = diesel::sql_query(
        "SELECT substr(reported_at, 1, 7) AS month, COUNT(*) AS n FROM progress_updates \
         GROUP BY substr(reported_at, 1, 7) ORDER BY month DESC",
    )
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.month, r.n)).collect())
}
