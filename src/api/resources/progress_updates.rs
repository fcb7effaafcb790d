//! `/v1/progress-updates`: dated progress reports (avances).

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
use crate::models::ProgressUpdateRow;
use crate::models::{self, progress_update::ProgressUpdateFilter, progress_update::ProgressUpdateSort};
use crate::views::progress_update::{self as view, ProgressUpdate};
use crate::views::Named;

/// Filters for progress updates.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressUpdateParams {
    /// Plan id (unknown: 404).
    plan: Option<String>,
    /// Commitment id.
    commitment: Option<String>,
    /// Milestone id.
    milestone: Option<String>,
    /// Only updates on milestones this institution has a role in: its id, name, acronym or any
    /// alias the sources use (accents and case ignored). Unknown: 404.
    institution: Option<String>,
    /// Minimum percent, e.g. 12.5.
    #[param(value_type = Option<f64>)]
    percent_min: Option<Percent>,
    /// Maximum percent.
    #[param(value_type = Option<f64>)]
    percent_max: Option<Percent>,
    /// Reported on or after this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    reported_from: Option<Day>,
    /// Reported on or before this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    reported_to: Option<Day>,
    /// Words that must all appear, each as the start of a word of the record (accents and case ignored).
    #[param(value_type = Option<String>)]
    q: Option<Terms>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    #[param(value_type = Option<String>)]
    updated_since: Option<Since>,
}

impl SortField for ProgressUpdateSort {
    const FIELDS: &'static [(&'static str, Self, Kind)] = &[
        ("position", ProgressUpdateSort::Seq, Kind::Int),
        ("id", ProgressUpdateSort::Id, Kind::Text),
        ("reported_at", ProgressUpdateSort::ReportedAt, Kind::Text),
        ("percent", ProgressUpdateSort::Percent, Kind::NullableInt),
    ];
}

pub struct ProgressUpdates;

impl Collection for ProgressUpdates {
    const PATH: &'static str = "progress-updates";
    const TAG: &'static str = "progress-updates";
    const RECORD: &'static str = "progress_update";
    const LABEL: &'static str = "progress update";
    const FACETS: &'static [&'static str] = models::progress_update::FACETS;
    const CSV_HEADERS: &'static [&'static str] = view::CSV_HEADERS;
    const DOCS: Docs = Docs {
        list_summary: "List progress updates",
        list_ok: "A page of progress updates; in CSV, `links` holds one URL per line",
        list_not_found: Some(
            "`plan`, `commitment`, `milestone` or `institution` names no record (the problem names the parameter)",
        ),
        sort: "position (default: source order), id, reported_at, percent; prefix `-` for descending.",
        item_summary: "One progress update",
        item_ok: "The update; CSV has its one row",
        id: "Progress update id; append `.csv` for CSV",
        item_not_found: "No such progress update",
    };

    type Params = ProgressUpdateParams;
    type ItemParams = NoParams;
    type Filter = ProgressUpdateFilter;
    type Sort = ProgressUpdateSort;
    type Row = ProgressUpdateRow;
    type Record = ProgressUpdate;
    type Detail = ProgressUpdate;
    /// Straight from the table rows: the CSV has no quality findings.
    type CsvSource = Named<ProgressUpdateRow>;

    fn filter(
        c: &mut DbConnection,
        names: &NameIndex,
        p: ProgressUpdateParams,
    ) -> Result<ProgressUpdateFilter, ApiError> {
        Ok(ProgressUpdateFilter {
            plan: references::plan(c, p.plan)?,
            commitment: references::commitment(c, p.commitment)?,
            milestone: references::milestone(c, p.milestone)?,
            institution: references::institution(c, names, p.institution)?,
            updated_since: p.updated_since.map(|s| s.0),
            percent_min: p.percent_min.map(|v| v.0),
            percent_max: p.percent_max.map(|v| v.0),
            reported_from: p.reported_from.map(|d| d.0),
            reported_to: p.reported_to.map(|d| d.0),
            terms: Terms::of(p.q),
        })
    }

    fn page(
        c: &mut DbConnection,
        f: &ProgressUpdateFilter,
        page: &Page<ProgressUpdateSort>,
    ) -> PageRows<ProgressUpdateRow> {
        models::progress_update::list(c, f, page)
    }

    fn facets(c: &mut DbConnection, f: &ProgressUpdateFilter) -> diesel::QueryResult<crate::models::list::Facets> {
        models::progress_update::facets(c, f)
    }

    const INDEXED: &'static [&'static str] = &["plan"];

    fn index_values(c: &mut DbConnection, filter: &str) -> diesel::QueryResult<BTreeMap<String, Vec<u32>>> {
        match filter {
            "plan" => models::progress_update::places_by_plan(c),
            _ => Ok(BTreeMap::new()),
        }
    }

    fn indexed_filter(f: &ProgressUpdateFilter) -> Option<Vec<(&'static str, String)>> {
        let only = ProgressUpdateFilter { plan: f.plan.clone(), ..Default::default() };
        indexed([("plan", &f.plan)]).filter(|_| *f == only)
    }

    fn thin_page(c: &mut DbConnection, f: &ProgressUpdateFilter, page: &Page<ProgressUpdateSort>) -> Option<ThinPage> {
        Some(models::progress_update::thin_list(c, f, page))
    }

    fn chunk(
        c: &mut DbConnection,
        f: &ProgressUpdateFilter,
        page: &Page<ProgressUpdateSort>,
    ) -> ChunkRows<ProgressUpdateRow> {
        models::progress_update::rows(c, f, page)
    }

    fn key(sort: ProgressUpdateSort, row: &ProgressUpdateRow) -> (SortValue, String) {
        (sort.value(row), row.id.clone())
    }

    fn records(c: &mut DbConnection, rows: Vec<ProgressUpdateRow>) -> Result<Vec<ProgressUpdate>, ApiError> {
        assemble::progress_updates(c, &rows)
    }

    fn csv_sources(
        c: &mut DbConnection,
        rows: Vec<ProgressUpdateRow>,
    ) -> Result<Vec<Named<ProgressUpdateRow>>, ApiError> {
        let ids = crate::views::ParentIds {
            plans: rows.iter().map(|r| r.plan_id.clone()).collect(),
            commitments: rows.iter().map(|r| r.commitment_id.clone()).collect(),
            milestones: rows.iter().map(|r| r.milestone_id.clone()).collect(),
            ..Default::default()
        };
        let parents = assemble::parents(c, ids)?;
        Ok(crate::views::named(rows, parents))
    }

    fn csv_row(source: &Named<ProgressUpdateRow>) -> impl Serialize + '_ {
        view::csv_row_of(&source.record, &source.parents)
    }

    fn item_file_name(source: &Named<ProgressUpdateRow>) -> String {
        source.record.id.clone()
    }

    fn find(c: &mut DbConnection, id: &str) -> diesel::QueryResult<Option<ProgressUpdateRow>> {
        models::progress_update::find(c, id)
    }

    fn page_columns(_: crate::api::pages::Lang) -> &'static [&'static str] {
        &["reported_at", "percent", "description", "milestone_id", "verification", "plan_id", "source_location"]
    }

    fn detail(c: &mut DbConnection, row: ProgressUpdateRow, _: NoParams) -> Result<ProgressUpdate, ApiError> {
        Ok(assemble::progress_updates(c, std::slice::from_ref(&row))?.remove(0))
    }
}
