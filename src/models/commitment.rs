use diesel::prelude::*;

use super::list::{facet, flagged, keyset, text_terms, thin, yes_no, BadCursor, Facets, Page, SortValue};
use crate::db::native::{self, any_of};
use crate::db::{DbConnection, MultiBackend};
use crate::schema::{commitments, institution_roles};
use crate::vocabulary::{Role, Status};

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = commitments)]
#[diesel(treat_none_as_default_value = false)]
pub struct CommitmentRow {
    pub id: String,
    pub seq: i32,
    pub plan_id: String,
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub reported_progress: Option<i32>,
    pub reported_progress_raw: Option<String>,
    pub source_document: String,
    pub source_location: String,
    pub computed_progress: Option<i32>,
    pub status: Status,
    pub milestone_count: i32,
    pub search_text: String,
    pub computed_progress_milestones: Option<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitmentSort {
    Seq,
    Id,
    ReportedProgress,
    ComputedProgress,
    MilestoneCount,
}

impl CommitmentSort {
    pub const FIELDS: &'static [(&'static str, CommitmentSort)] = &[
        ("position", CommitmentSort::Seq),
        ("id", CommitmentSort::Id),
        ("reported_progress", CommitmentSort::ReportedProgress),
        ("computed_progress", CommitmentSort::ComputedProgress),
        ("milestone_count", CommitmentSort::MilestoneCount),
    ];

    pub fn value(self, row: &CommitmentRow) -> SortValue {
        match self {
            CommitmentSort::Seq => row.seq.into(),
            CommitmentSort::Id => (&row.id).into(),
            CommitmentSort::ReportedProgress => row.reported_progress.into(),
            CommitmentSort::ComputedProgress => row.computed_progress.into(),
            CommitmentSort::MilestoneCount => row.milestone_count.into(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommitmentFilter {
    pub plan: Option<String>,
    pub status: Option<String>,
    pub institution: Option<String>,
    pub role: Option<String>,
    pub progress_min: Option<i32>,
    pub progress_max: Option<i32>,
    pub terms: Vec<String>,
    /// RFC 3339 UTC lower bound on the last change of the record.
    pub updated_since: Option<String>,
    /// With (or without) a quality finding about the commitment itself.
    pub has_findings: Option<bool>,
}

fn filtered(f: &CommitmentFilter) -> commitments::BoxedQuery<'static, MultiBackend> {
    let mut q = commitments::table.into_boxed::<MultiBackend>();
    if let Some(plan) = &f.plan {
        q = q.filter(commitments::plan_id.eq(plan.clone()));
    }
    if let Some(status) = &f.status {
        q = q.filter(commitments::status.eq(status.clone()));
    }
    // Subqueries cannot be boxed on the multi-backend connection, so each
    // shape is written out.
    if let Some(inst) = &f.institution {
        let roles = institution_roles::table
            .filter(institution_roles::subject_type.eq("commitment"))
            .filter(institution_roles::institution_id.eq(inst.clone()));
        q =
            match &f.role {
                Some(role) => q.filter(commitments::id.eq_any(
                    roles.filter(institution_roles::role.eq(role.clone())).select(institution_roles::subject_id),
                )),
                // Without a role: any part in it but a mere mention.
                None => q.filter(commitments::id.eq_any(
                    roles.filter(institution_roles::role.ne(Role::Mentioned)).select(institution_roles::subject_id),
                )),
            };
    }
    match f.has_findings {
        Some(true) => q = q.filter(commitments::id.eq_any(flagged!("commitment"))),
        Some(false) => q = q.filter(commitments::id.ne_all(flagged!("commitment"))),
        None => {}
    }
    if let Some(min) = f.progress_min {
        q = q.filter(commitments::reported_progress.ge(min));
    }
    if let Some(max) = f.progress_max {
        q = q.filter(commitments::reported_progress.le(max));
    }
    let q = text_terms!(q, "commitments", &f.terms);
    super::list::updated_since!(q, commitments::id, "commitment", &f.updated_since)
}

/// A page of rows and the number of rows matching the filters.
pub fn list(
    conn: &mut DbConnection,
    f: &CommitmentFilter,
    page: &Page<CommitmentSort>,
) -> QueryResult<Result<(Vec<CommitmentRow>, i64), BadCursor>> {
    let total = total(conn, f)?;
    Ok(rows(conn, f, page)?.map(|rows| (rows, total)))
}

/// The number of rows matching the filters (see [`super::list::total`]).
fn total(conn: &mut DbConnection, f: &CommitmentFilter) -> QueryResult<i64> {
    let alone = super::list::alone!(f, CommitmentFilter, plan, status);
    let unfiltered = *f == CommitmentFilter::default();
    super::list::total(conn, "commitments", "commitment", unfiltered, alone, |c| {
        filtered(f).count().get_result::<i64>(c)
    })
}

/// Every commitment's places per plan, status, or institution with a part
/// in it other than a mere mention (what `institution=` without `role`
/// means; see `list::places_by_value`).
pub fn places_by(conn: &mut DbConnection, filter: &str) -> QueryResult<std::collections::BTreeMap<String, Vec<u32>>> {
    use commitments::{id, plan_id, seq, status};
    match filter {
        "plan" => super::list::places_by_value(commitments::table.select((plan_id, seq)).load_iter(conn)?),
        "status" => super::list::places_by_value(commitments::table.select((status, seq)).load_iter(conn)?),
        "institution" => {
            let seqs: std::collections::HashMap<String, i32> =
                commitments::table.select((id, seq)).load(conn)?.into_iter().collect();
            let roles: Vec<(String, String)> = institution_roles::table
                .filter(institution_roles::subject_type.eq("commitment"))
                .filter(institution_roles::role.ne(Role::Mentioned))
                .select((institution_roles::institution_id, institution_roles::subject_id))
                .load(conn)?;
            super::list::places_by_value(roles.into_iter().filter_map(|(inst, c)| Some(Ok((inst, *seqs.get(&c)?)))))
        }
        _ => Ok(Default::default()),
    }
}

/// [`list`] reading only the page's sort values and ids.
pub fn thin_list(conn: &mut DbConnection, f: &CommitmentFilter, page: &Page<CommitmentSort>) -> super::list::ThinPage {
    use commitments::{computed_progress, id, milestone_count, reported_progress, seq};
    let keys: QueryResult<Result<Vec<_>, BadCursor>> = match page.sort {
        CommitmentSort::Seq => thin!(conn, filtered(f), seq, id, page, int, i32),
        CommitmentSort::Id => thin!(conn, filtered(f), id, id, page, text, String),
        CommitmentSort::ReportedProgress => thin!(conn, filtered(f), reported_progress, id, page, nint, Option<i32>),
        CommitmentSort::ComputedProgress => thin!(conn, filtered(f), computed_progress, id, page, nint, Option<i32>),
        CommitmentSort::MilestoneCount => thin!(conn, filtered(f), milestone_count, id, page, int, i32),
    };
    super::list::with_total(keys, page, || total(conn, f))
}

/// At most `page.limit + 1` rows after the page's start (the extra row tells
/// whether another page follows).
pub fn rows(
    conn: &mut DbConnection,
    f: &CommitmentFilter,
    page: &Page<CommitmentSort>,
) -> QueryResult<Result<Vec<CommitmentRow>, BadCursor>> {
    let q = filtered(f).select(CommitmentRow::as_select());
    use commitments::{computed_progress, id, milestone_count, reported_progress, seq};
    let q = match page.sort {
        CommitmentSort::Seq => keyset!(q, seq, id, page.desc, &page.after, int),
        CommitmentSort::Id => keyset!(q, id, id, page.desc, &page.after, text),
        CommitmentSort::ReportedProgress => {
            keyset!(q, reported_progress, id, page.desc, &page.after, nint)
        }
        CommitmentSort::ComputedProgress => {
            keyset!(q, computed_progress, id, page.desc, &page.after, nint)
        }
        CommitmentSort::MilestoneCount => {
            keyset!(q, milestone_count, id, page.desc, &page.after, int)
        }
    };
    let q = match q {
        Ok(q) => q,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(q.limit(page.limit + 1).load(conn)?))
}

pub fn find(conn: &mut DbConnection, key: &str) -> QueryResult<Option<CommitmentRow>> {
    native::first!(conn, commitments::table.find(key).select(CommitmentRow::as_select()))
}

pub fn for_plan(conn: &mut DbConnection, plan: &str) -> QueryResult<Vec<CommitmentRow>> {
    native::load!(
        conn,
        commitments::table
            .filter(commitments::plan_id.eq(plan))
            .order(commitments::seq)
            .select(CommitmentRow::as_select()),
    )
}

pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<CommitmentRow>> {
    native::load!(
        conn,
        commitments::table
            .filter(any_of(commitments::id, ids))
            .order(commitments::seq)
            .select(CommitmentRow::as_select()),
    )
}

/// The list's main dimensions, by the filter each is counted for.
pub const FACETS: &[&str] = &["plan", "status", "institution", "has_findings"];

/// Exact counts per value of the list's main dimensions, under the filters
/// (without filters, as the import stored them).
pub fn facets(conn: &mut DbConnection, f: &CommitmentFilter) -> QueryResult<Facets> {
    if *f == CommitmentFilter::default() {
        if let Some(stored) = super::list::stored(conn, "commitment", FACETS)? {
            return Ok(stored);
        }
    }
    count_facets(conn, f)
}

/// The facets counted from the rows.
pub fn count_facets(conn: &mut DbConnection, f: &CommitmentFilter) -> QueryResult<Facets> {
    let ids: Vec<String> = filtered(f).select(commitments::id).load(conn)?;
    let total = ids.len() as i64;
    let with = super::list::with_findings(conn, "commitment", &ids, |c| {
        filtered(f).filter(commitments::id.eq_any(flagged!("commitment"))).count().get_result::<i64>(c)
    })?;
    Ok(vec![
        ("plan", facet!(conn, filtered(f), commitments::plan_id)),
        ("status", facet!(conn, filtered(f), commitments::status)),
        ("institution", super::list::institution_counts(conn, "commitment", ids)?),
        ("has_findings", yes_no(with, total)),
    ])
}
