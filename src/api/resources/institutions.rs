//! `/v1/institutions`: institutions and what they are responsible for.

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::{assemble, references};
use crate::api::http::collection::{ChunkRows, Collection, Docs, NoParams, PageRows};
use crate::api::http::error::ApiError;
use crate::api::http::pagination::{Kind, SortField};
use crate::api::http::params::{Since, Terms};
use crate::db::DbConnection;
use crate::models::list::{Page, SortValue};
use crate::models::names::NameIndex;
use crate::models::{self, institution::InstitutionFilter, institution::InstitutionSort, InstitutionRow};
use crate::views::institution::{self as view, Institution, InstitutionDetail, Role};
use crate::views::Source;
use crate::vocabulary::{self, InstitutionKind};

/// Filters for institutions.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstitutionParams {
    /// government, civil_society, international or other.
    #[param(inline)]
    kind: Option<InstitutionKind>,
    /// Only units of this parent institution id.
    parent: Option<String>,
    /// Only institutions with a role in this plan id; their `rollup` and the
    /// sort are then those within the plan (for example
    /// `plan=gt-ogp-nap6&sort=average_progress`: furthest behind first).
    plan: Option<String>,
    /// Only institutions with this role somewhere: responsible, participating, involved or partner.
    #[param(inline)]
    role: Option<vocabulary::Role>,
    /// Words that must all appear in the name, acronym or aliases (accents and case ignored).
    #[param(value_type = Option<String>)]
    q: Option<Terms>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    #[param(value_type = Option<String>)]
    updated_since: Option<Since>,
}

impl SortField for InstitutionSort {
    const FIELDS: &'static [(&'static str, Self, Kind)] = &[
        ("name", InstitutionSort::Name, Kind::Text),
        ("id", InstitutionSort::Id, Kind::Text),
        ("commitment_count", InstitutionSort::CommitmentCount, Kind::Int),
        ("milestone_count", InstitutionSort::MilestoneCount, Kind::Int),
        ("average_progress", InstitutionSort::AverageProgress, Kind::NullableInt),
    ];
}

pub struct Institutions;

impl Collection for Institutions {
    const PATH: &'static str = "institutions";
    const TAG: &'static str = "institutions";
    const RECORD: &'static str = "institution";
    const LABEL: &'static str = "institution";
    const FACETS: &'static [&'static str] = &["kind"];
    const CSV_HEADERS: &'static [&'static str] = view::CSV_HEADERS;
    const DOCS: Docs = Docs {
        list_summary: "List institutions",
        list_ok: "A page of institutions; in CSV, `aliases` holds one name per line",
        list_not_found: Some("`plan` names no record (the problem names the parameter)"),
        sort: "name (default), id, commitment_count, milestone_count, average_progress; prefix `-` for descending.\n\
               Institutions without a value (no tracked milestone) sort last either way.",
        item_summary: "One institution with its roles, commitments, milestones and rollups",
        item_ok: "The institution; CSV has its one row",
        id: "Institution id (slug); append `.csv` for CSV",
        item_not_found: "No such institution",
    };

    type Params = InstitutionParams;
    type ItemParams = NoParams;
    type Filter = InstitutionFilter;
    type Sort = InstitutionSort;
    type Row = InstitutionRow;
    type Record = Institution;
    type Detail = InstitutionDetail;
    type CsvSource = Institution;

    fn filter(c: &mut DbConnection, _: &NameIndex, p: InstitutionParams) -> Result<InstitutionFilter, ApiError> {
        Ok(InstitutionFilter {
            plan: references::plan(c, p.plan)?,
            updated_since: p.updated_since.map(|s| s.0),
            kind: p.kind.map(|k| k.to_string()),
            parent: p.parent,
            role: p.role.map(|r| r.to_string()),
            terms: Terms::of(p.q),
        })
    }

    fn page(c: &mut DbConnection, f: &InstitutionFilter, page: &Page<InstitutionSort>) -> PageRows<InstitutionRow> {
        models::institution::list(c, f, page)
    }

    fn facets(c: &mut DbConnection, f: &InstitutionFilter) -> diesel::QueryResult<crate::models::list::Facets> {
        models::institution::facets(c, f)
    }

    fn chunk(c: &mut DbConnection, f: &InstitutionFilter, page: &Page<InstitutionSort>) -> ChunkRows<InstitutionRow> {
        models::institution::rows(c, f, page)
    }

    fn key(sort: InstitutionSort, row: &InstitutionRow) -> (SortValue, String) {
        (sort.value(row), row.id.clone())
    }

    fn records(c: &mut DbConnection, rows: Vec<InstitutionRow>) -> Result<Vec<Institution>, ApiError> {
        assemble::institutions(c, &rows)
    }

    fn csv_sources(c: &mut DbConnection, rows: Vec<InstitutionRow>) -> Result<Vec<Institution>, ApiError> {
        assemble::institutions(c, &rows)
    }

    fn csv_row(source: &Institution) -> impl Serialize + '_ {
        view::csv_row(source)
    }

    fn item_file_name(source: &Institution) -> String {
        source.id.clone()
    }

    fn find(c: &mut DbConnection, id: &str) -> diesel::QueryResult<Option<InstitutionRow>> {
        models::institution::find(c, id)
    }

    fn page_columns(_: crate::api::pages::Lang) -> &'static [&'static str] {
        &[
            "name",
            "acronym",
            "average_progress",
            "average_progress_milestones",
            "milestone_count",
            "completed_milestone_count",
            "started_milestone_count",
            "not_started_milestone_count",
            "no_data_milestone_count",
            "overdue_milestone_count",
            "commitment_count",
        ]
    }

    fn detail(c: &mut DbConnection, row: InstitutionRow, _: NoParams) -> Result<InstitutionDetail, ApiError> {
        let institution = assemble::institutions(c, std::slice::from_ref(&row))?.remove(0);
        let roles = models::institution::roles_of(c, &row.id)?;
        // Each subject once, in the order of its first role.
        let ids_of = |t: &str| {
            let mut seen = std::collections::HashSet::new();
            let firsts = roles.iter().filter(|r| r.subject_type == t && seen.insert(r.subject_id.as_str()));
            firsts.map(|r| r.subject_id.clone()).collect::<Vec<String>>()
        };
        let commitments = models::commitment::by_ids(c, &ids_of("commitment"))?;
        let milestones = models::milestone::by_ids(c, &ids_of("milestone"))?;
        let children = models::institution::children(c, &row.id)?;
        let plans = models::institution::plan_rollups(c, std::slice::from_ref(&row.id))?;
        Ok(InstitutionDetail {
            institution,
            children: children.iter().map(|r| Institution::reference(r, None)).collect(),
            plans: plans.iter().map(view::InstitutionPlanRollup::new).collect(),
            roles: roles
                .iter()
                .map(|r| Role {
                    role: r.role,
                    group: r.participant_group,
                    subject_type: r.subject_type,
                    subject_id: r.subject_id.clone(),
                    plan_id: r.plan_id.clone(),
                    origin: r.origin,
                    source: Source::new(&r.source_document, &r.source_location),
                })
                .collect(),
            commitments: assemble::commitments(c, &commitments)?,
            milestones: assemble::milestones(c, &milestones)?,
        })
    }
}
