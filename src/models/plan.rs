use diesel::prelude::*;

use super::list::{facet, keyset, text_terms, BadCursor, Facets, Page, SortValue};
use crate::db::native::{self, any_of};
use crate::db::{DbConnection, MultiBackend};
use crate::schema::{institution_roles, plan_participants, plan_risks, plan_sections, plans};
use crate::vocabulary::{PlanKind, Role};

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = plans)]
#[diesel(treat_none_as_default_value = false)]
pub struct PlanRow {
    pub id: String,
    pub seq: i32,
    pub title: String,
    pub short_name: String,
    pub country: String,
    pub kind: PlanKind,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub objective: Option<String>,
    pub description: Option<String>,
    pub stated_commitment_total: Option<i32>,
    pub published_milestones_not_started: Option<i32>,
    pub published_milestones_started: Option<i32>,
    pub published_milestones_completed: Option<i32>,
    pub source_document: String,
    pub source_location: String,
    pub commitment_count: i32,
    pub milestone_count: i32,
    pub milestones_not_started: i32,
    pub milestones_started: i32,
    pub milestones_completed: i32,
    pub progress_update_count: i32,
    pub search_text: String,
    pub tracks_progress: bool,
    pub progress_as_of: Option<String>,
    pub milestones_no_data: i32,
    pub milestones_overdue: i32,
    pub computed_progress: Option<i32>,
    pub computed_progress_milestones: Option<i32>,
    /// Whether the title is written so in the source (derived).
    pub title_in_sources: bool,
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = plan_sections)]
#[diesel(treat_none_as_default_value = false)]
pub struct PlanSectionRow {
    pub id: String,
    pub plan_id: String,
    pub seq: i32,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub source_document: String,
    pub source_location: String,
    pub search_text: String,
    /// Whether the title is written so in the source (derived).
    pub title_in_sources: bool,
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = plan_participants)]
#[diesel(treat_none_as_default_value = false)]
pub struct PlanParticipantRow {
    pub id: String,
    pub plan_id: String,
    pub seq: i32,
    pub name: String,
    pub position: Option<String>,
    pub institution_id: Option<String>,
    pub source_document: String,
    pub source_location: String,
    pub search_text: String,
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = plan_risks)]
#[diesel(treat_none_as_default_value = false)]
pub struct PlanRiskRow {
    pub id: String,
    pub plan_id: String,
    pub seq: i32,
    pub scenario: String,
    pub warning_signs: Option<String>,
    pub preventive_actions: Option<String>,
    pub damage_reduction: Option<String>,
    pub adjustments: Option<String>,
    pub source_document: String,
    pub source_location: String,
    pub search_text: String,
}

/// `(id, title)` of the given plans.
pub fn titles(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    native::load!(conn, plans::table.filter(any_of(plans::id, ids)).select((plans::id, plans::title)))
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PlanRow>> {
    native::first!(conn, plans::table.find(id).select(PlanRow::as_select()))
}

pub fn sections(conn: &mut DbConnection, plan: &str) -> QueryResult<Vec<PlanSectionRow>> {
    native::load!(
        conn,
        plan_sections::table
            .filter(plan_sections::plan_id.eq(plan))
            .order(plan_sections::seq)
            .select(PlanSectionRow::as_select()),
    )
}

pub fn participants(conn: &mut DbConnection, plan: &str) -> QueryResult<Vec<PlanParticipantRow>> {
    native::load!(
        conn,
        plan_participants::table
            .filter(plan_participants::plan_id.eq(plan))
            .order(plan_participants::seq)
            .select(PlanParticipantRow::as_select()),
    )
}

pub fn risks(conn: &mut DbConnection, plan: &str) -> QueryResult<Vec<PlanRiskRow>> {
    native::load!(
        conn,
        plan_risks::table.filter(plan_risks::plan_id.eq(plan)).order(plan_risks::seq).select(PlanRiskRow::as_select()),
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanSort {
    Seq,
    Id,
    PeriodStart,
    CommitmentCount,
}

impl PlanSort {
    pub const FIELDS: &'static [(&'static str, PlanSort)] = &[
        ("position", PlanSort::Seq),
        ("id", PlanSort::Id),
        ("period_start", PlanSort::PeriodStart),
        ("commitment_count", PlanSort::CommitmentCount),
    ];

    pub fn value(self, row: &PlanRow) -> SortValue {
        match self {
            PlanSort::Seq => row.seq.into(),
            PlanSort::Id => (&row.id).into(),
            PlanSort::PeriodStart => (&row.period_start).into(),
            PlanSort::CommitmentCount => row.commitment_count.into(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct PlanFilter {
    pub kind: Option<String>,
    pub country: Option<String>,
    pub institution: Option<String>,
    pub terms: Vec<String>,
    /// RFC 3339 UTC lower bound on the last change of the record.
    pub updated_since: Option<String>,
}

fn filtered(f: &PlanFilter) -> plans::BoxedQuery<'static, MultiBackend> {
    let mut q = plans::table.into_boxed();
    if let Some(v) = &f.kind {
        q = q.filter(plans::kind.eq(v.clone()));
    }
    if let Some(v) = &f.country {
        q = q.filter(plans::country.eq(v.clone()));
    }
    if let Some(inst) = &f.institution {
        let roles = institution_roles::table
            .filter(institution_roles::institution_id.eq(inst.clone()))
            .filter(institution_roles::role.ne(Role::Mentioned))
            .select(institution_roles::plan_id);
        q = q.filter(plans::id.eq_any(roles));
    }
    let q = text_terms!(q, "plans", &f.terms);
    super::list::updated_since!(q, plans::id, "plan", &f.updated_since)
}

/// A page of rows and the number of rows matching the filters.
pub fn list(
    conn: &mut DbConnection,
    f: &PlanFilter,
    page: &Page<PlanSort>,
) -> QueryResult<Result<(Vec<PlanRow>, i64), BadCursor>> {
    let total = filtered(f).count().get_result::<i64>(conn)?;
    Ok(rows(conn, f, page)?.map(|rows| (rows, total)))
}

/// At most `page.limit + 1` rows after the page's start (the extra row tells
/// whether another page follows).
pub fn rows(
    conn: &mut DbConnection,
    f: &PlanFilter,
    page: &Page<PlanSort>,
) -> QueryResult<Result<Vec<PlanRow>, BadCursor>> {
    let q = filtered(f).select(PlanRow::as_select());
    use plans::{commitment_count, id, period_start, seq};
    let q = match page.sort {
        PlanSort::Seq => keyset!(q, seq, id, page.desc, &page.after, int),
        PlanSort::Id => keyset!(q, id, id, page.desc, &page.after, text),
        PlanSort::PeriodStart => keyset!(q, period_start, id, page.desc, &page.after, ntext),
        PlanSort::CommitmentCount => keyset!(q, commitment_count, id, page.desc, &page.after, int),
    };
    let q = match q {
        Ok(q) => q,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(q.limit(page.limit + 1).load(conn)?))
}

pub fn list_all(conn: &mut DbConnection) -> QueryResult<Vec<PlanRow>> {
    plans::table.order(plans::seq).select(PlanRow::as_select()).load(conn)
}

/// Exact counts per value of the list's main dimensions, under the filters.
pub fn facets(conn: &mut DbConnection, f: &PlanFilter) -> QueryResult<Facets> {
    Ok(vec![("kind", facet!(conn, filtered(f), plans::kind))])
}
