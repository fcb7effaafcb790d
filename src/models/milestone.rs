use diesel::prelude::*;

use super::list::{facet, flagged, keyset, text_terms, thin, yes_no, BadCursor, Facets, Page, SortValue};
use crate::db::native::{self, any_of};
use crate::db::{DbConnection, MultiBackend};
use crate::schema::{institution_roles, milestones};
use crate::vocabulary::{DatePrecision, Role, Status};

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = milestones)]
#[diesel(treat_none_as_default_value = false)]
pub struct MilestoneRow {
    pub id: String,
    pub seq: i32,
    pub commitment_id: String,
    pub plan_id: String,
    pub code: String,
    pub description: String,
    /// One expected result per line.
    pub expected_results: String,
    pub start_raw: Option<String>,
    pub start_date: Option<String>,
    pub start_precision: Option<DatePrecision>,
    pub end_raw: Option<String>,
    pub end_date: Option<String>,
    pub end_precision: Option<DatePrecision>,
    pub term: Option<String>,
    pub source_document: String,
    pub source_location: String,
    pub status: Status,
    pub latest_progress: Option<i32>,
    pub latest_progress_at: Option<String>,
    pub progress_update_count: i32,
    pub search_text: String,
    pub overdue: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MilestoneSort {
    Seq,
    Id,
    StartDate,
    EndDate,
    LatestProgress,
}

impl MilestoneSort {
    pub const FIELDS: &'static [(&'static str, MilestoneSort)] = &[
        ("position", MilestoneSort::Seq),
        ("id", MilestoneSort::Id),
        ("start_date", MilestoneSort::StartDate),
        ("end_date", MilestoneSort::EndDate),
        ("latest_progress", MilestoneSort::LatestProgress),
    ];

    pub fn value(self, row: &MilestoneRow) -> SortValue {
        match self {
            MilestoneSort::Seq => row.seq.into(),
            MilestoneSort::Id => (&row.id).into(),
            MilestoneSort::StartDate => (&row.start_date).into(),
            MilestoneSort::EndDate => (&row.end_date).into(),
            MilestoneSort::LatestProgress => row.latest_progress.into(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MilestoneFilter {
    pub plan: Option<String>,
    pub commitment: Option<String>,
    pub institution: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
    pub progress_min: Option<i32>,
    pub progress_max: Option<i32>,
    pub start_from: Option<String>,
    pub start_to: Option<String>,
    pub end_from: Option<String>,
    pub end_to: Option<String>,
    pub terms: Vec<String>,
    /// RFC 3339 UTC lower bound on the last change of the record.
    pub updated_since: Option<String>,
    /// With (or without) a quality finding about the milestone itself.
    pub has_findings: Option<bool>,
    /// Overdue or not (`Some(None)`: the ones whose plan gives no date to
    /// tell, `overdue` null).
    pub overdue: Option<Option<bool>>,
}

fn filtered(f: &MilestoneFilter) -> milestones::BoxedQuery<'static, MultiBackend> {
    let mut q = milestones::table.into_boxed::<MultiBackend>();
    if let Some(v) = &f.plan {
        q = q.filter(milestones::plan_id.eq(v.clone()));
    }
    if let Some(v) = &f.commitment {
        q = q.filter(milestones::commitment_id.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        q = q.filter(milestones::status.eq(v.clone()));
    }
    // Subqueries cannot be boxed on the multi-backend connection, so each
    // shape is written out.
    if let Some(inst) = &f.institution {
        let roles = institution_roles::table
            .filter(institution_roles::subject_type.eq("milestone"))
            .filter(institution_roles::institution_id.eq(inst.clone()));
        q =
            match &f.role {
                Some(role) => q.filter(milestones::id.eq_any(
                    roles.filter(institution_roles::role.eq(role.clone())).select(institution_roles::subject_id),
                )),
                // Without a role: any part in it but a mere mention.
                None => q.filter(milestones::id.eq_any(
                    roles.filter(institution_roles::role.ne(Role::Mentioned)).select(institution_roles::subject_id),
                )),
            };
    }
    match f.has_findings {
        Some(true) => q = q.filter(milestones::id.eq_any(flagged!("milestone"))),
        Some(false) => q = q.filter(milestones::id.ne_all(flagged!("milestone"))),
        None => {}
    }
    match f.overdue {
        Some(Some(v)) => q = q.filter(milestones::overdue.eq(v)),
        Some(None) => q = q.filter(milestones::overdue.is_null()),
        None => {}
    }
    if let Some(v) = f.progress_min {
        q = q.filter(milestones::latest_progress.ge(v));
    }
    if let Some(v) = f.progress_max {
        q = q.filter(milestones::latest_progress.le(v));
    }
    if let Some(v) = &f.start_from {
        q = q.filter(milestones::start_date.ge(v.clone()));
    }
    if let Some(v) = &f.start_to {
        q = q.filter(milestones::start_date.le(v.clone()));
    }
    if let Some(v) = &f.end_from {
        q = q.filter(milestones::end_date.ge(v.clone()));
    }
    if let Some(v) = &f.end_to {
        q = q.filter(milestones::end_date.le(v.clone()));
    }
    let q = text_terms!(q, "milestones", &f.terms);
    super::list::updated_since!(q, milestones::id, "milestone", &f.updated_since)
}

/// A page of rows and the number of rows matching the filters.
pub fn list(
    conn: &mut DbConnection,
    f: &MilestoneFilter,
    page: &Page<MilestoneSort>,
) -> QueryResult<Result<(Vec<MilestoneRow>, i64), BadCursor>> {
    let total = total(conn, f)?;
    Ok(rows(conn, f, page)?.map(|rows| (rows, total)))
}

/// The number of rows matching the filters (see [`super::list::total`]).
fn total(conn: &mut DbConnection, f: &MilestoneFilter) -> QueryResult<i64> {
    let alone = super::list::alone!(f, MilestoneFilter, plan, status);
    let unfiltered = *f == MilestoneFilter::default();
    super::list::total(conn, "milestones", "milestone", unfiltered, alone, |c| filtered(f).count().get_result::<i64>(c))
}

/// Every milestone's places per plan or status (see `list::places_by_value`).
pub fn places_by(conn: &mut DbConnection, filter: &str) -> QueryResult<std::collections::BTreeMap<String, Vec<u32>>> {
    use milestones::{plan_id, seq, status};
    match filter {
        "plan" => super::list::places_by_value(milestones::table.select((plan_id, seq)).load_iter(conn)?),
        "status" => super::list::places_by_value(milestones::table.select((status, seq)).load_iter(conn)?),
        _ => Ok(Default::default()),
    }
}

/// [`list`] reading only the page's sort values and ids.
pub fn thin_list(conn: &mut DbConnection, f: &MilestoneFilter, page: &Page<MilestoneSort>) -> super::list::ThinPage {
    use milestones::{end_date, id, latest_progress, seq, start_date};
    let keys: QueryResult<Result<Vec<_>, BadCursor>> = match page.sort {
        MilestoneSort::Seq => thin!(conn, filtered(f), seq, id, page, int, i32),
        MilestoneSort::Id => thin!(conn, filtered(f), id, id, page, text, String),
        MilestoneSort::StartDate => thin!(conn, filtered(f), start_date, id, page, ntext, Option<String>),
        MilestoneSort::EndDate => thin!(conn, filtered(f), end_date, id, page, ntext, Option<String>),
        MilestoneSort::LatestProgress => thin!(conn, filtered(f), latest_progress, id, page, nint, Option<i32>),
    };
    super::list::with_total(keys, page, || total(conn, f))
}

/// At most `page.limit + 1` rows after the page's start (the extra row tells
/// whether another page follows).
pub fn rows(
    conn: &mut DbConnection,
    f: &MilestoneFilter,
    page: &Page<MilestoneSort>,
) -> QueryResult<Result<Vec<MilestoneRow>, BadCursor>> {
    let q = filtered(f).select(MilestoneRow::as_select());
    use milestones::{end_date, id, latest_progress, seq, start_date};
    let q = match page.sort {
        MilestoneSort::Seq => keyset!(q, seq, id, page.desc, &page.after, int),
        MilestoneSort::Id => keyset!(q, id, id, page.desc, &page.after, text),
        MilestoneSort::StartDate => keyset!(q, start_date, id, page.desc, &page.after, ntext),
        MilestoneSort::EndDate => keyset!(q, end_date, id, page.desc, &page.after, ntext),
        MilestoneSort::LatestProgress => {
            keyset!(q, latest_progress, id, page.desc, &page.after, nint)
        }
    };
    let q = match q {
        Ok(q) => q,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(q.limit(page.limit + 1).load(conn)?))
}

pub fn find(conn: &mut DbConnection, key: &str) -> QueryResult<Option<MilestoneRow>> {
    native::first!(conn, milestones::table.find(key).select(MilestoneRow::as_select()))
}

pub fn for_commitment(conn: &mut DbConnection, commitment: &str) -> QueryResult<Vec<MilestoneRow>> {
    native::load!(
        conn,
        milestones::table
            .filter(milestones::commitment_id.eq(commitment))
            .order(milestones::seq)
            .select(MilestoneRow::as_select()),
    )
}

pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<MilestoneRow>> {
    native::load!(
        conn,
        milestones::table.filter(any_of(milestones::id, ids)).order(milestones::seq).select(MilestoneRow::as_select()),
    )
}

/// The list's main dimensions, by the filter each is counted for.
pub const FACETS: &[&str] = &["plan", "status", "institution", "has_findings", "overdue"];

/// Exact counts per value of the list's main dimensions, under the filters
/// (without filters, as the import stored them).
pub fn facets(conn: &mut DbConnection, f: &MilestoneFilter) -> QueryResult<Facets> {
    if *f == MilestoneFilter::default() {
        if let Some(stored) = super::list::stored(conn, "milestone", FACETS)? {
            return Ok(stored);
        }
    }
    count_facets(conn, f)
}

/// The facets counted from the rows.
pub fn count_facets(conn: &mut DbConnection, f: &MilestoneFilter) -> QueryResult<Facets> {
    let ids: Vec<String> = filtered(f).select(milestones::id).load(conn)?;
    let total = ids.len() as i64;
    let with = super::list::with_findings(conn, "milestone", &ids, |c| {
        filtered(f).filter(milestones::id.eq_any(flagged!("milestone"))).count().get_result::<i64>(c)
    })?;
    let overdue: Vec<Option<bool>> = filtered(f).select(milestones::overdue).load(conn)?;
    let overdue = super::list::count_values(overdue.into_iter().map(|v| overdue_value(v).to_string()));
    Ok(vec![
        ("plan", facet!(conn, filtered(f), milestones::plan_id)),
        ("status", facet!(conn, filtered(f), milestones::status)),
        ("institution", super::list::institution_counts(conn, "milestone", ids)?),
        ("has_findings", yes_no(with, total)),
        ("overdue", overdue),
    ])
}

/// `overdue` as the value of its filter: `true`, `false` or `no_data`.
pub fn overdue_value(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "true",
        Some(false) => "false",
        None => "no_data",
    }
}
