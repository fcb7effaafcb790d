use diesel::prelude::*;

use super::list::{facet, keyset, text_terms, BadCursor, Facets, Page, SortValue};
use crate::db::native::{self, any_of};
use crate::db::{DbConnection, MultiBackend};
use crate::schema::{institution_aliases, institution_plan_rollups, institution_roles, institutions};
use crate::vocabulary::{InstitutionKind, ParticipantGroup, Role, RoleOrigin, RoleSubject};

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = institutions)]
#[diesel(treat_none_as_default_value = false)]
pub struct InstitutionRow {
    pub id: String,
    pub seq: i32,
    pub name: String,
    pub name_key: String,
    pub acronym: Option<String>,
    pub kind: InstitutionKind,
    pub parent_id: Option<String>,
    pub source_document: String,
    pub source_location: String,
    pub commitment_count: i32,
    pub milestone_count: i32,
    pub completed_milestone_count: i32,
    pub average_progress: Option<i32>,
    pub search_text: String,
    pub name_in_sources: bool,
    pub acronym_in_sources: Option<bool>,
    pub started_milestone_count: i32,
    pub not_started_milestone_count: i32,
    pub no_data_milestone_count: i32,
    pub overdue_milestone_count: i32,
    pub average_progress_milestones: i32,
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = institution_aliases)]
#[diesel(treat_none_as_default_value = false)]
pub struct InstitutionAliasRow {
    pub institution_id: String,
    pub alias: String,
    pub seq: i32,
    /// Whether this form, found in a record's text, is a mention of the
    /// institution (false for forms that are also ordinary words there).
    pub in_text: bool,
    /// Whether the form is written, exactly so, in some source document
    /// (derived; `false`: supplied by curation).
    pub in_sources: bool,
}

/// An institution's part in a plan, commitment or milestone.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = institution_roles)]
#[diesel(treat_none_as_default_value = false)]
pub struct InstitutionRoleRow {
    pub id: String,
    pub seq: i32,
    pub institution_id: String,
    pub role: Role,
    pub participant_group: Option<ParticipantGroup>,
    pub subject_type: RoleSubject,
    pub subject_id: String,
    pub plan_id: String,
    pub source_document: String,
    pub source_location: String,
    pub origin: RoleOrigin,
}

/// What an institution is responsible for within one plan (derived).
#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = institution_plan_rollups)]
#[diesel(treat_none_as_default_value = false)]
pub struct InstitutionPlanRollupRow {
    pub institution_id: String,
    pub plan_id: String,
    pub seq: i32,
    /// The institution's folded name, for sorting by name within a plan.
    #[serde(skip)]
    pub name_key: String,
    pub commitment_count: i32,
    pub milestone_count: i32,
    pub completed_milestone_count: i32,
    pub started_milestone_count: i32,
    pub not_started_milestone_count: i32,
    pub no_data_milestone_count: i32,
    pub overdue_milestone_count: i32,
    pub average_progress: Option<i32>,
    pub average_progress_milestones: i32,
}

/// The per-plan rollups of some institutions, in plan order.
pub fn plan_rollups(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<InstitutionPlanRollupRow>> {
    native::load!(
        conn,
        institution_plan_rollups::table
            .filter(any_of(institution_plan_rollups::institution_id, ids))
            .order(institution_plan_rollups::seq)
            .select(InstitutionPlanRollupRow::as_select()),
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstitutionSort {
    Name,
    Id,
    CommitmentCount,
    MilestoneCount,
    AverageProgress,
}

impl InstitutionSort {
    pub const FIELDS: &'static [(&'static str, InstitutionSort)] = &[
        ("name", InstitutionSort::Name),
        ("id", InstitutionSort::Id),
        ("commitment_count", InstitutionSort::CommitmentCount),
        ("milestone_count", InstitutionSort::MilestoneCount),
        ("average_progress", InstitutionSort::AverageProgress),
    ];

    pub fn value(self, row: &InstitutionRow) -> SortValue {
        match self {
            InstitutionSort::Name => (&row.name_key).into(),
            InstitutionSort::Id => (&row.id).into(),
            InstitutionSort::CommitmentCount => row.commitment_count.into(),
            InstitutionSort::MilestoneCount => row.milestone_count.into(),
            InstitutionSort::AverageProgress => row.average_progress.into(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct InstitutionFilter {
    pub kind: Option<String>,
    pub parent: Option<String>,
    pub plan: Option<String>,
    pub role: Option<String>,
    pub terms: Vec<String>,
    /// RFC 3339 UTC lower bound on the last change of the record.
    pub updated_since: Option<String>,
}

fn filtered(f: &InstitutionFilter) -> institutions::BoxedQuery<'static, MultiBackend> {
    let mut q = institutions::table.into_boxed::<MultiBackend>();
    if let Some(v) = &f.kind {
        q = q.filter(institutions::kind.eq(v.clone()));
    }
    if let Some(v) = &f.parent {
        q = q.filter(institutions::parent_id.eq(v.clone()));
    }
    // Subqueries cannot be boxed on the multi-backend connection, so each
    // shape is written out.
    use institution_roles as r;
    q = match (&f.plan, &f.role) {
        (Some(plan), Some(role)) => q.filter(institutions::id.eq_any(
            r::table.filter(r::plan_id.eq(plan.clone())).filter(r::role.eq(role.clone())).select(r::institution_id),
        )),
        (Some(plan), None) => {
            q.filter(institutions::id.eq_any(r::table.filter(r::plan_id.eq(plan.clone())).select(r::institution_id)))
        }
        (None, Some(role)) => {
            q.filter(institutions::id.eq_any(r::table.filter(r::role.eq(role.clone())).select(r::institution_id)))
        }
        (None, None) => q,
    };
    let q = text_terms!(q, "institutions", &f.terms);
    super::list::updated_since!(q, institutions::id, "institution", &f.updated_since)
}

/// A page of rows and the number of rows matching the filters.
pub fn list(
    conn: &mut DbConnection,
    f: &InstitutionFilter,
    page: &Page<InstitutionSort>,
) -> QueryResult<Result<(Vec<InstitutionRow>, i64), BadCursor>> {
    let total = filtered(f).count().get_result::<i64>(conn)?;
    Ok(rows(conn, f, page)?.map(|rows| (rows, total)))
}

/// At most `page.limit + 1` rows after the page's start (the extra row tells
/// whether another page follows). With a plan, the rollups (and so the sort)
/// are those within that plan.
pub fn rows(
    conn: &mut DbConnection,
    f: &InstitutionFilter,
    page: &Page<InstitutionSort>,
) -> QueryResult<Result<Vec<InstitutionRow>, BadCursor>> {
    match &f.plan {
        Some(plan) => rows_in_plan(conn, f, plan, page),
        None => rows_overall(conn, f, page),
    }
}

/// A page of institutions with their rollups within `plan`, sorted by them.
fn rows_in_plan(
    conn: &mut DbConnection,
    f: &InstitutionFilter,
    plan: &str,
    page: &Page<InstitutionSort>,
) -> QueryResult<Result<Vec<InstitutionRow>, BadCursor>> {
    use institution_plan_rollups as r;
    let mut q = r::table.filter(r::plan_id.eq(plan.to_string())).into_boxed::<MultiBackend>();
    // Other filters narrow the set first (institutions are few: their ids
    // are bound as a list).
    let narrowed = f.kind.is_some() || f.parent.is_some() || f.role.is_some() || !f.terms.is_empty();
    if narrowed || f.updated_since.is_some() {
        let ids: Vec<String> = filtered(f).select(institutions::id).load(conn)?;
        q = q.filter(r::institution_id.eq_any(ids));
    }
    let q = q.select(InstitutionPlanRollupRow::as_select());
    let q = match page.sort {
        InstitutionSort::Name => keyset!(q, r::name_key, r::institution_id, page.desc, &page.after, text),
        InstitutionSort::Id => keyset!(q, r::institution_id, r::institution_id, page.desc, &page.after, text),
        InstitutionSort::CommitmentCount => {
            keyset!(q, r::commitment_count, r::institution_id, page.desc, &page.after, int)
        }
        InstitutionSort::MilestoneCount => {
            keyset!(q, r::milestone_count, r::institution_id, page.desc, &page.after, int)
        }
        InstitutionSort::AverageProgress => {
            keyset!(q, r::average_progress, r::institution_id, page.desc, &page.after, nint)
        }
    };
    let q = match q {
        Ok(q) => q,
        Err(e) => return Ok(Err(e)),
    };
    let rollups: Vec<InstitutionPlanRollupRow> = q.limit(page.limit + 1).load(conn)?;
    let ids: Vec<String> = rollups.iter().map(|r| r.institution_id.clone()).collect();
    let mut by_id: std::collections::HashMap<String, InstitutionRow> =
        by_ids(conn, &ids)?.into_iter().map(|i| (i.id.clone(), i)).collect();
    Ok(Ok(rollups.iter().filter_map(|r| by_id.remove(&r.institution_id).map(|i| scoped(i, r))).collect()))
}

/// An institution with its rollup fields replaced by those within one plan.
pub fn scoped(mut i: InstitutionRow, r: &InstitutionPlanRollupRow) -> InstitutionRow {
    i.commitment_count = r.commitment_count;
    i.milestone_count = r.milestone_count;
    i.completed_milestone_count = r.completed_milestone_count;
    i.started_milestone_count = r.started_milestone_count;
    i.not_started_milestone_count = r.not_started_milestone_count;
    i.no_data_milestone_count = r.no_data_milestone_count;
    i.overdue_milestone_count = r.overdue_milestone_count;
    i.average_progress = r.average_progress;
    i.average_progress_milestones = r.average_progress_milestones;
    i
}

fn rows_overall(
    conn: &mut DbConnection,
    f: &InstitutionFilter,
    page: &Page<InstitutionSort>,
) -> QueryResult<Result<Vec<InstitutionRow>, BadCursor>> {
    let q = filtered(f).select(InstitutionRow::as_select());
    use institutions::{average_progress, commitment_count, id, milestone_count, name_key};
    let q = match page.sort {
        InstitutionSort::Name => keyset!(q, name_key, id, page.desc, &page.after, text),
        InstitutionSort::Id => keyset!(q, id, id, page.desc, &page.after, text),
        InstitutionSort::CommitmentCount => {
            keyset!(q, commitment_count, id, page.desc, &page.after, int)
        }
        InstitutionSort::MilestoneCount => {
            keyset!(q, milestone_count, id, page.desc, &page.after, int)
        }
        InstitutionSort::AverageProgress => {
            keyset!(q, average_progress, id, page.desc, &page.after, nint)
        }
    };
    let q = match q {
        Ok(q) => q,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(q.limit(page.limit + 1).load(conn)?))
}

pub fn find(conn: &mut DbConnection, key: &str) -> QueryResult<Option<InstitutionRow>> {
    native::first!(conn, institutions::table.find(key).select(InstitutionRow::as_select()))
}

pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<InstitutionRow>> {
    native::load!(conn, institutions::table.filter(any_of(institutions::id, ids)).select(InstitutionRow::as_select()))
}

/// (id, name, acronym) of the institutions named: what a reference to one
/// shows, without the rest of the row.
pub fn refs_by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String, Option<String>)>> {
    native::load!(
        conn,
        institutions::table.filter(any_of(institutions::id, ids)).select((
            institutions::id,
            institutions::name,
            institutions::acronym
        )),
    )
}

pub fn aliases(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<InstitutionAliasRow>> {
    native::load!(
        conn,
        institution_aliases::table
            .filter(any_of(institution_aliases::institution_id, ids))
            .order((institution_aliases::institution_id, institution_aliases::seq))
            .select(InstitutionAliasRow::as_select()),
    )
}

pub fn children(conn: &mut DbConnection, parent: &str) -> QueryResult<Vec<InstitutionRow>> {
    native::load!(
        conn,
        institutions::table
            .filter(institutions::parent_id.eq(parent))
            .order((institutions::name_key, institutions::id))
            .select(InstitutionRow::as_select()),
    )
}

/// Roles on the given subjects, in source order.
pub fn roles_for_subjects(
    conn: &mut DbConnection,
    subject_type: &str,
    ids: &[String],
) -> QueryResult<Vec<InstitutionRoleRow>> {
    native::load!(
        conn,
        institution_roles::table
            .filter(institution_roles::subject_type.eq(subject_type))
            .filter(any_of(institution_roles::subject_id, ids))
            .order(institution_roles::seq)
            .select(InstitutionRoleRow::as_select()),
    )
}

pub fn roles_of(conn: &mut DbConnection, institution: &str) -> QueryResult<Vec<InstitutionRoleRow>> {
    native::load!(
        conn,
        institution_roles::table
            .filter(institution_roles::institution_id.eq(institution))
            .order(institution_roles::seq)
            .select(InstitutionRoleRow::as_select()),
    )
}

pub fn roles_in_plan(conn: &mut DbConnection, plan: &str) -> QueryResult<Vec<InstitutionRoleRow>> {
    native::load!(
        conn,
        institution_roles::table
            .filter(institution_roles::plan_id.eq(plan))
            .order(institution_roles::seq)
            .select(InstitutionRoleRow::as_select()),
    )
}

/// Exact counts per value of the list's main dimensions, under the filters.
pub fn facets(conn: &mut DbConnection, f: &InstitutionFilter) -> QueryResult<Facets> {
    Ok(vec![("kind", facet!(conn, filtered(f), institutions::kind))])
}
