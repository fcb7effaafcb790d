//! `/v1/plans`: action plans.

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
use crate::models::{self, plan::PlanFilter, plan::PlanSort, PlanRow};
use crate::views::pct;
use crate::views::plan::{self as view, CommitmentBrief, Plan, PlanDetail};
use crate::vocabulary::PlanKind;

/// Filters for plans.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// Plan kind: ogp_national_action_plan, regional_action_plan or donor_implementation_plan.
    #[param(inline)]
    kind: Option<PlanKind>,
    /// ISO 3166-1 alpha-2 country code, e.g. GT.
    country: Option<String>,
    /// Only plans in which this institution has any role: its id, name, acronym or any alias. Unknown: 404.
    institution: Option<String>,
    /// Words that must all appear, each as the start of a word of the record (accents and case ignored).
    #[param(value_type = Option<String>)]
    q: Option<Terms>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    #[param(value_type = Option<String>)]
    updated_since: Option<Since>,
}

impl SortField for PlanSort {
    const FIELDS: &'static [(&'static str, Self, Kind)] = &[
        ("position", PlanSort::Seq, Kind::Int),
        ("id", PlanSort::Id, Kind::Text),
        ("period_start", PlanSort::PeriodStart, Kind::NullableText),
        ("commitment_count", PlanSort::CommitmentCount, Kind::Int),
    ];
}

pub struct Plans;

impl Collection for Plans {
    const PATH: &'static str = "plans";
    const TAG: &'static str = "plans";
    const RECORD: &'static str = "plan";
    const LABEL: &'static str = "plan";
    const FACETS: &'static [&'static str] = &["kind"];
    const CSV_HEADERS: &'static [&'static str] = view::CSV_HEADERS;
    const DOCS: Docs = Docs {
        list_summary: "List action plans",
        list_ok: "A page of plans; CSV has one row per plan",
        list_not_found: Some("`institution` names no record (the problem names the parameter)"),
        sort: "position (default), id, period_start, commitment_count; prefix `-` for descending.",
        item_summary: "One plan with its sections, commitments, institutions, participants and risks",
        item_ok: "The plan; CSV has the plan's one row",
        id: "Plan id (slug); append `.csv` for CSV",
        item_not_found: "No such plan",
    };

    type Params = PlanParams;
    type ItemParams = NoParams;
    type Filter = PlanFilter;
    type Sort = PlanSort;
    type Row = PlanRow;
    type Record = Plan;
    type Detail = PlanDetail;
    type CsvSource = Plan;

    fn filter(c: &mut DbConnection, names: &NameIndex, p: PlanParams) -> Result<PlanFilter, ApiError> {
        Ok(PlanFilter {
            institution: references::institution(c, names, p.institution)?,
            updated_since: p.updated_since.map(|s| s.0),
            kind: p.kind.map(|k| k.to_string()),
            country: p.country,
            terms: Terms::of(p.q),
        })
    }

    fn page(c: &mut DbConnection, f: &PlanFilter, page: &Page<PlanSort>) -> PageRows<PlanRow> {
        models::plan::list(c, f, page)
    }

    fn facets(c: &mut DbConnection, f: &PlanFilter) -> diesel::QueryResult<crate::models::list::Facets> {
        models::plan::facets(c, f)
    }

    fn chunk(c: &mut DbConnection, f: &PlanFilter, page: &Page<PlanSort>) -> ChunkRows<PlanRow> {
        models::plan::rows(c, f, page)
    }

    fn key(sort: PlanSort, row: &PlanRow) -> (SortValue, String) {
        (sort.value(row), row.id.clone())
    }

    fn records(c: &mut DbConnection, rows: Vec<PlanRow>) -> Result<Vec<Plan>, ApiError> {
        assemble::plans(c, &rows)
    }

    fn csv_sources(c: &mut DbConnection, rows: Vec<PlanRow>) -> Result<Vec<Plan>, ApiError> {
        assemble::plans(c, &rows)
    }

    fn csv_row(source: &Plan) -> impl Serialize + '_ {
        view::csv_row(source)
    }

    fn item_file_name(source: &Plan) -> String {
        source.id.clone()
    }

    fn find(c: &mut DbConnection, id: &str) -> diesel::QueryResult<Option<PlanRow>> {
        models::plan::find(c, id)
    }

    fn page_columns(_: crate::api::pages::Lang) -> &'static [&'static str] {
        &[
            "title",
            "kind",
            "period_start",
            "period_end",
            "commitment_count",
            "milestone_count",
            "milestones_completed",
            "milestones_started",
            "milestones_not_started",
            "milestones_no_data",
            "milestones_overdue",
            "computed_progress",
            "computed_progress_milestones",
            "progress_update_count",
            "source_location",
        ]
    }

    fn detail(c: &mut DbConnection, row: PlanRow, _: NoParams) -> Result<PlanDetail, ApiError> {
        let id = row.id.clone();
        let docs = models::source_document::all(c)?;
        let commitments = models::commitment::for_plan(c, &id)?;
        let roles = models::institution::roles_in_plan(c, &id)?;
        Ok(PlanDetail {
            plan: assemble::plans(c, std::slice::from_ref(&row))?.remove(0),
            source_documents: docs
                .iter()
                .filter(|d| d.id == row.source_document)
                .map(view::SourceDocument::from)
                .collect(),
            sections: models::plan::sections(c, &id)?.iter().map(Into::into).collect(),
            commitments: commitments
                .iter()
                .map(|r| CommitmentBrief {
                    id: r.id.clone(),
                    number: r.number.clone(),
                    title: r.title.clone(),
                    status: r.status,
                    reported_progress: pct(r.reported_progress),
                    computed_progress: pct(r.computed_progress),
                })
                .collect(),
            institutions: assemble::institution_refs(c, &roles)?,
            participants: models::plan::participants(c, &id)?.iter().map(Into::into).collect(),
            risks: models::plan::risks(c, &id)?.iter().map(Into::into).collect(),
        })
    }
}
