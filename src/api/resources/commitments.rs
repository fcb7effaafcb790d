//! `/v1/commitments`: commitments (compromisos, resultados, logros).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::{assemble, references};
use crate::api::http::collection::{indexed, ChunkRows, Collection, Docs, NoParams, PageRows};
use crate::api::http::error::ApiError;
use crate::api::http::pagination::{Kind, SortField};
use crate::api::http::params::{Percent, Since, Terms};
use crate::db::DbConnection;
use crate::models::list::{Page, SortValue, ThinPage};
use crate::models::names::NameIndex;
use crate::models::{self, commitment::CommitmentFilter, commitment::CommitmentSort, CommitmentRow};
use crate::views::commitment::{self as view, Commitment, CommitmentDetail};
use crate::views::Named;
use crate::vocabulary::{Role, Status};

/// Filters for commitments.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommitmentParams {
    /// Plan id (unknown: 404).
    plan: Option<String>,
    /// not_started, started, completed or no_data (the source publishes no progress).
    #[param(inline)]
    status: Option<Status>,
    /// Only commitments where this institution has a role (any but `mentioned`, unless `role` says): its id, name, acronym or any alias
    /// the sources use (accents and case ignored), e.g. `mintrab` or `MINTRAB`. Unknown: 404.
    institution: Option<String>,
    /// The role `institution` plays: responsible, participating, involved, partner or mentioned
    /// (named in the text). Needs `institution` (400 without it).
    #[param(inline)]
    role: Option<Role>,
    /// `true`: only commitments some quality finding is about (see /v1/quality-findings); `false`: only the others.
    has_findings: Option<bool>,
    /// Minimum reported progress %, e.g. 12.5.
    #[param(value_type = Option<f64>)]
    progress_min: Option<Percent>,
    /// Maximum reported progress %.
    #[param(value_type = Option<f64>)]
    progress_max: Option<Percent>,
    /// Words that must all appear, each as the start of a word of the record (accents and case ignored).
    #[param(value_type = Option<String>)]
    q: Option<Terms>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    #[param(value_type = Option<String>)]
    updated_since: Option<Since>,
}

impl SortField for CommitmentSort {
    const FIELDS: &'static [(&'static str, Self, Kind)] = &[
        ("position", CommitmentSort::Seq, Kind::Int),
        ("id", CommitmentSort::Id, Kind::Text),
        ("reported_progress", CommitmentSort::ReportedProgress, Kind::NullableInt),
        ("computed_progress", CommitmentSort::ComputedProgress, Kind::NullableInt),
        ("milestone_count", CommitmentSort::MilestoneCount, Kind::Int),
    ];
}

pub struct Commitments;

impl Collection for Commitments {
    const PATH: &'static str = "commitments";
    const TAG: &'static str = "commitments";
    const RECORD: &'static str = "commitment";
    const LABEL: &'static str = "commitment";
    const FACETS: &'static [&'static str] = models::commitment::FACETS;
    const CSV_HEADERS: &'static [&'static str] = view::CSV_HEADERS;
    const DOCS: Docs = Docs {
        list_summary: "List commitments",
        list_ok: "A page of commitments; in CSV, institutions flatten into `;`-joined id columns",
        list_not_found: Some("`plan` or `institution` names no record (the problem names the parameter)"),
        sort: "position (default: plan and source order), id, reported_progress, computed_progress, milestone_count; prefix `-` for descending.",
        item_summary: "One commitment with its milestones and institutions",
        item_ok: "The commitment; CSV has its one row",
        id: "Commitment id; append `.csv` for CSV",
        item_not_found: "No such commitment",
    };

    type Params = CommitmentParams;
    type ItemParams = NoParams;
    type Filter = CommitmentFilter;
    type Sort = CommitmentSort;
    type Row = CommitmentRow;
    type Record = Commitment;
    type Detail = CommitmentDetail;
    type CsvSource = Named<Commitment>;

    fn filter(c: &mut DbConnection, names: &NameIndex, p: CommitmentParams) -> Result<CommitmentFilter, ApiError> {
        references::role_needs_institution(&p.role, &p.institution)?;
        Ok(CommitmentFilter {
            plan: references::plan(c, p.plan)?,
            institution: references::institution(c, names, p.institution)?,
            updated_since: p.updated_since.map(|s| s.0),
            has_findings: p.has_findings,
            status: p.status.map(|s| s.to_string()),
            role: p.role.map(|r| r.to_string()),
            progress_min: p.progress_min.map(|v| v.0),
            progress_max: p.progress_max.map(|v| v.0),
            terms: Terms::of(p.q),
        })
    }

    fn page(c: &mut DbConnection, f: &CommitmentFilter, page: &Page<CommitmentSort>) -> PageRows<CommitmentRow> {
        models::commitment::list(c, f, page)
    }

    fn facets(c: &mut DbConnection, f: &CommitmentFilter) -> diesel::QueryResult<crate::models::list::Facets> {
        models::commitment::facets(c, f)
    }

    const INDEXED: &'static [&'static str] = &["plan", "status", "institution"];

    fn index_values(c: &mut DbConnection, filter: &str) -> diesel::QueryResult<BTreeMap<String, Vec<u32>>> {
        models::commitment::places_by(c, filter)
    }

    fn indexed_filter(f: &CommitmentFilter) -> Option<Vec<(&'static str, String)>> {
        let only = CommitmentFilter {
            plan: f.plan.clone(),
            status: f.status.clone(),
            institution: f.institution.clone(),
            ..Default::default()
        };
        indexed([("plan", &f.plan), ("status", &f.status), ("institution", &f.institution)]).filter(|_| *f == only)
    }

    fn thin_page(c: &mut DbConnection, f: &CommitmentFilter, page: &Page<CommitmentSort>) -> Option<ThinPage> {
        Some(models::commitment::thin_list(c, f, page))
    }

    fn chunk(c: &mut DbConnection, f: &CommitmentFilter, page: &Page<CommitmentSort>) -> ChunkRows<CommitmentRow> {
        models::commitment::rows(c, f, page)
    }

    fn key(sort: CommitmentSort, row: &CommitmentRow) -> (SortValue, String) {
        (sort.value(row), row.id.clone())
    }

    fn records(c: &mut DbConnection, rows: Vec<CommitmentRow>) -> Result<Vec<Commitment>, ApiError> {
        assemble::commitments(c, &rows)
    }

    fn csv_sources(c: &mut DbConnection, rows: Vec<CommitmentRow>) -> Result<Vec<Named<Commitment>>, ApiError> {
        let plans = rows.iter().map(|r| r.plan_id.clone()).collect();
        let parents = assemble::parents(c, crate::views::ParentIds { plans, ..Default::default() })?;
        Ok(crate::views::named(assemble::commitments(c, &rows)?, parents))
    }

    fn csv_row(source: &Named<Commitment>) -> impl Serialize + '_ {
        view::csv_row(&source.record, &source.parents)
    }

    fn item_file_name(source: &Named<Commitment>) -> String {
        source.record.id.clone()
    }

    fn find(c: &mut DbConnection, id: &str) -> diesel::QueryResult<Option<CommitmentRow>> {
        models::commitment::find(c, id)
    }

    fn page_columns(_: crate::api::pages::Lang) -> &'static [&'static str] {
        &[
            "number",
            "title",
            "plan_id",
            "status",
            "reported_progress",
            "computed_progress",
            "computed_progress_milestones",
            "milestone_count",
            "responsible_institution_names",
            "source_location",
        ]
    }

    fn detail(c: &mut DbConnection, row: CommitmentRow, _: NoParams) -> Result<CommitmentDetail, ApiError> {
        let milestones = models::milestone::for_commitment(c, &row.id)?;
        let commitment = assemble::commitments(c, std::slice::from_ref(&row))?.remove(0);
        Ok(CommitmentDetail { commitment, milestones: assemble::milestones(c, &milestones)? })
    }
}
