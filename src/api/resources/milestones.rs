//! `/v1/milestones`: milestones (hitos, acciones, metas).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::{assemble, references};
use crate::api::http::collection::{indexed, ChunkRows, Collection, Docs, NoParams, PageRows};
use crate::api::http::error::ApiError;
use crate::api::http::pagination::{Kind, SortField};
use crate::api::http::params::{Day, Percent, Since, Terms};
use crate::db::DbConnection;
use crate::models::list::{Page, SortValue, ThinPage};
use crate::models::names::NameIndex;
use crate::models::{self, milestone::MilestoneFilter, milestone::MilestoneSort, MilestoneRow};
use crate::views::milestone::{self as view, Milestone, MilestoneDetail};
use crate::views::Named;
use crate::vocabulary::{Role, Status};

/// Filters for milestones.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MilestoneParams {
    /// Plan id (unknown: 404).
    plan: Option<String>,
    /// Commitment id.
    commitment: Option<String>,
    /// Only milestones where this institution has a role (any but `mentioned`, unless `role` says): its id, name, acronym or any alias
    /// the sources use (accents and case ignored). Unknown: 404.
    institution: Option<String>,
    /// The role `institution` plays: responsible, participating, involved, partner or mentioned
    /// (named in the text). Needs `institution` (400 without it).
    #[param(inline)]
    role: Option<Role>,
    /// not_started, started, completed or no_data (the source publishes no progress).
    #[param(inline)]
    status: Option<Status>,
    /// `true`: only milestones some quality finding is about (see /v1/quality-findings); `false`: only the others.
    has_findings: Option<bool>,
    /// `true`: past its end date and not completed, by the date its plan's progress speaks for; `false`: not
    /// (or no end date); `no_data`: its plan publishes no progress to tell.
    #[param(inline)]
    overdue: Option<Overdue>,
    /// Minimum latest progress %, e.g. 12.5.
    #[param(value_type = Option<f64>)]
    progress_min: Option<Percent>,
    /// Maximum latest progress %.
    #[param(value_type = Option<f64>)]
    progress_max: Option<Percent>,
    /// Normalised start date on or after this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    start_from: Option<Day>,
    /// Normalised start date on or before this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    start_to: Option<Day>,
    /// Normalised end date on or after this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    end_from: Option<Day>,
    /// Normalised end date on or before this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    end_to: Option<Day>,
    /// Words that must all appear, each as the start of a word of the record (accents and case ignored).
    #[param(value_type = Option<String>)]
    q: Option<Terms>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    #[param(value_type = Option<String>)]
    updated_since: Option<Since>,
}

impl SortField for MilestoneSort {
    const FIELDS: &'static [(&'static str, Self, Kind)] = &[
        ("position", MilestoneSort::Seq, Kind::Int),
        ("id", MilestoneSort::Id, Kind::Text),
        ("start_date", MilestoneSort::StartDate, Kind::NullableText),
        ("end_date", MilestoneSort::EndDate, Kind::NullableText),
        ("latest_progress", MilestoneSort::LatestProgress, Kind::NullableInt),
    ];
}

/// Whether a milestone is overdue, as a filter: `overdue` true, false or null.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
pub enum Overdue {
    #[serde(rename = "true")]
    Yes,
    #[serde(rename = "false")]
    No,
    #[serde(rename = "no_data")]
    NoData,
}

pub struct Milestones;

impl Collection for Milestones {
    const PATH: &'static str = "milestones";
    const TAG: &'static str = "milestones";
    const RECORD: &'static str = "milestone";
    const LABEL: &'static str = "milestone";
    const FACETS: &'static [&'static str] = models::milestone::FACETS;
    const CSV_HEADERS: &'static [&'static str] = view::CSV_HEADERS;
    const DOCS: Docs = Docs {
        list_summary: "List milestones",
        list_ok: "A page of milestones; in CSV, dates flatten into raw/date/precision columns",
        list_not_found: Some(
            "`plan`, `commitment` or `institution` names no record (the problem names the parameter)",
        ),
        sort: "position (default: source order), id, start_date, end_date, latest_progress; prefix `-` for descending; empty values last.",
        item_summary: "One milestone with its full progress history",
        item_ok: "The milestone; CSV has its one row",
        id: "Milestone id; append `.csv` for CSV",
        item_not_found: "No such milestone",
    };

    type Params = MilestoneParams;
    type ItemParams = NoParams;
    type Filter = MilestoneFilter;
    type Sort = MilestoneSort;
    type Row = MilestoneRow;
    type Record = Milestone;
    type Detail = MilestoneDetail;
    type CsvSource = Named<Milestone>;

    fn filter(c: &mut DbConnection, names: &NameIndex, p: MilestoneParams) -> Result<MilestoneFilter, ApiError> {
        references::role_needs_institution(&p.role, &p.institution)?;
        Ok(MilestoneFilter {
            plan: references::plan(c, p.plan)?,
            commitment: references::commitment(c, p.commitment)?,
            institution: references::institution(c, names, p.institution)?,
            updated_since: p.updated_since.map(|s| s.0),
            has_findings: p.has_findings,
            overdue: p.overdue.map(|o| match o {
                Overdue::Yes => Some(true),
                Overdue::No => Some(false),
                Overdue::NoData => None,
            }),
            role: p.role.map(|r| r.to_string()),
            status: p.status.map(|s| s.to_string()),
            progress_min: p.progress_min.map(|v| v.0),
            progress_max: p.progress_max.map(|v| v.0),
            start_from: p.start_from.map(|d| d.0),
            start_to: p.start_to.map(|d| d.0),
            end_from: p.end_from.map(|d| d.0),
            end_to: p.end_to.map(|d| d.0),
            terms: Terms::of(p.q),
        })
    }

    fn page(c: &mut DbConnection, f: &MilestoneFilter, page: &Page<MilestoneSort>) -> PageRows<MilestoneRow> {
        models::milestone::list(c, f, page)
    }

    fn facets(c: &mut DbConnection, f: &MilestoneFilter) -> diesel::QueryResult<crate::models::list::Facets> {
        models::milestone::facets(c, f)
    }

    const INDEXED: &'static [&'static str] = &["plan", "status"];

    fn index_values(c: &mut DbConnection, filter: &str) -> diesel::QueryResult<BTreeMap<String, Vec<u32>>> {
        models::milestone::places_by(c, filter)
    }

    fn indexed_filter(f: &MilestoneFilter) -> Option<Vec<(&'static str, String)>> {
        let only = MilestoneFilter { plan: f.plan.clone(), status: f.status.clone(), ..Default::default() };
        indexed([("plan", &f.plan), ("status", &f.status)]).filter(|_| *f == only)
    }

    fn thin_page(c: &mut DbConnection, f: &MilestoneFilter, page: &Page<MilestoneSort>) -> Option<ThinPage> {
        Some(models::milestone::thin_list(c, f, page))
    }

    fn chunk(c: &mut DbConnection, f: &MilestoneFilter, page: &Page<MilestoneSort>) -> ChunkRows<MilestoneRow> {
        models::milestone::rows(c, f, page)
    }

    fn key(sort: MilestoneSort, row: &MilestoneRow) -> (SortValue, String) {
        (sort.value(row), row.id.clone())
    }

    fn records(c: &mut DbConnection, rows: Vec<MilestoneRow>) -> Result<Vec<Milestone>, ApiError> {
        assemble::milestones(c, &rows)
    }

    fn csv_sources(c: &mut DbConnection, rows: Vec<MilestoneRow>) -> Result<Vec<Named<Milestone>>, ApiError> {
        let ids = crate::views::ParentIds {
            plans: rows.iter().map(|r| r.plan_id.clone()).collect(),
            commitments: rows.iter().map(|r| r.commitment_id.clone()).collect(),
            ..Default::default()
        };
        let parents = assemble::parents(c, ids)?;
        Ok(crate::views::named(assemble::milestones(c, &rows)?, parents))
    }

    fn csv_row(source: &Named<Milestone>) -> impl Serialize + '_ {
        view::csv_row(&source.record, &source.parents)
    }

    fn item_file_name(source: &Named<Milestone>) -> String {
        source.record.id.clone()
    }

    fn find(c: &mut DbConnection, id: &str) -> diesel::QueryResult<Option<MilestoneRow>> {
        models::milestone::find(c, id)
    }

    fn page_columns(_: crate::api::pages::Lang) -> &'static [&'static str] {
        &[
            "code",
            "description",
            "commitment_id",
            "responsible_institution_names",
            "status",
            "latest_progress",
            "latest_progress_at",
            "end_date",
            "overdue",
            "progress_update_count",
            "source_location",
        ]
    }

    fn detail(c: &mut DbConnection, row: MilestoneRow, _: NoParams) -> Result<MilestoneDetail, ApiError> {
        let updates = models::progress_update::for_milestone(c, &row.id)?;
        let milestone = assemble::milestones(c, std::slice::from_ref(&row))?.remove(0);
        Ok(MilestoneDetail { milestone, progress_updates: assemble::progress_updates(c, &updates)? })
    }
}
