//! `/v1/quality-findings`: where the sources disagree with themselves.

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::references;
use crate::api::http::collection::{ChunkRows, Collection, Docs, NoParams, PageRows};
use crate::api::http::error::ApiError;
use crate::api::http::pagination::{Kind, SortField};
use crate::api::http::params::{any_of, Since};
use crate::api::http::query::QueryArgs;
use crate::api::pages::Lang;
use crate::db::DbConnection;
use crate::models::list::{Page, SortValue};
use crate::models::names::NameIndex;
use crate::models::{self, quality_finding::FindingFilter, quality_finding::FindingSort, QualityFindingRow};
use crate::views::quality_finding::{self as view, QualityFinding};
use crate::views::Named;
use crate::vocabulary::{FindingKind, FindingSubject};

/// Filters for findings.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingParams {
    /// Plan id (unknown: 404).
    plan: Option<String>,
    /// One kind, or several separated by commas: published_counts_mismatch, numbering_gap,
    /// reported_vs_computed_progress, structure_announced_but_absent, milestone_overdue,
    /// identical_milestones, progress_without_evidence, timestamps_out_of_order, update_burst,
    /// duplicate_progress_update, progress_decrease, update_after_end_date or text_cut_off.
    /// Where reported progress and the evidence disagree:
    /// `kind=reported_vs_computed_progress,progress_without_evidence`.
    #[param(pattern = "^[a-z_]+(,[a-z_]+)*$")]
    kind: Option<String>,
    /// plan, commitment, milestone, progress_update or source_document.
    #[param(inline)]
    record_type: Option<FindingSubject>,
    /// The id of the record concerned.
    record: Option<String>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    #[param(value_type = Option<String>)]
    updated_since: Option<Since>,
}

impl SortField for FindingSort {
    const FIELDS: &'static [(&'static str, Self, Kind)] =
        &[("position", FindingSort::Seq, Kind::Int), ("id", FindingSort::Id, Kind::Text)];
}

pub struct QualityFindings;

impl Collection for QualityFindings {
    const PATH: &'static str = "quality-findings";
    const TAG: &'static str = "quality-findings";
    const RECORD: &'static str = "quality_finding";
    const LABEL: &'static str = "finding";
    const FACETS: &'static [&'static str] = models::quality_finding::FACETS;
    const CSV_HEADERS: &'static [&'static str] = view::CSV_HEADERS;
    const DOCS: Docs = Docs {
        list_summary: "List data-quality findings",
        list_ok: "A page of findings, each in Spanish and English with the numbers involved",
        list_not_found: Some("`plan` names no record (the problem names the parameter)"),
        sort: "position (default: plans first, then source order) or id; prefix `-` for descending.",
        item_summary: "One data-quality finding",
        item_ok: "The finding",
        id: "Finding id (`kind:record_id`); append `.csv` for CSV",
        item_not_found: "No such finding",
    };

    type Params = FindingParams;
    type ItemParams = NoParams;
    type Filter = FindingFilter;
    type Sort = FindingSort;
    type Row = QualityFindingRow;
    type Record = QualityFinding;
    type Detail = QualityFinding;
    type CsvSource = Named<QualityFinding>;

    fn filter(c: &mut DbConnection, _: &NameIndex, p: FindingParams) -> Result<FindingFilter, ApiError> {
        Ok(FindingFilter {
            plan: references::plan(c, p.plan)?,
            updated_since: p.updated_since.map(|s| s.0),
            kind: any_of("kind", p.kind, FindingKind::NAMES)?,
            record_type: p.record_type.map(|t| t.to_string()),
            record: p.record,
        })
    }

    fn page(c: &mut DbConnection, f: &FindingFilter, page: &Page<FindingSort>) -> PageRows<QualityFindingRow> {
        models::quality_finding::list(c, f, page)
    }

    fn facets(c: &mut DbConnection, f: &FindingFilter) -> diesel::QueryResult<crate::models::list::Facets> {
        models::quality_finding::facets(c, f)
    }

    fn chunk(c: &mut DbConnection, f: &FindingFilter, page: &Page<FindingSort>) -> ChunkRows<QualityFindingRow> {
        models::quality_finding::rows(c, f, page)
    }

    fn key(sort: FindingSort, row: &QualityFindingRow) -> (SortValue, String) {
        (sort.value(row), row.id.clone())
    }

    fn records(_: &mut DbConnection, rows: Vec<QualityFindingRow>) -> Result<Vec<QualityFinding>, ApiError> {
        Ok(rows.iter().map(QualityFinding::from).collect())
    }

    fn csv_sources(c: &mut DbConnection, rows: Vec<QualityFindingRow>) -> Result<Vec<Named<QualityFinding>>, ApiError> {
        let findings = Self::records(c, rows)?;
        let mut ids = crate::views::ParentIds::default();
        findings.iter().for_each(|f| view::parent_ids(f, &mut ids));
        let parents = super::assemble::parents(c, ids)?;
        Ok(crate::views::named(findings, parents))
    }

    fn csv_row(source: &Named<QualityFinding>) -> impl Serialize + '_ {
        view::csv_row(&source.record, &source.parents)
    }

    /// Finding ids hold a `:`; the file has one fixed name.
    fn item_file_name(_: &Named<QualityFinding>) -> String {
        "quality-finding".into()
    }

    fn find(c: &mut DbConnection, id: &str) -> diesel::QueryResult<Option<QualityFindingRow>> {
        models::quality_finding::find(c, id)
    }

    fn page_columns(lang: Lang) -> &'static [&'static str] {
        match lang {
            Lang::Es => &["kind", "summary_es", "record_id", "details", "plan_id"],
            Lang::En => &["kind", "summary_en", "record_id", "details", "plan_id"],
        }
    }

    /// Each kind asked for (or every kind) with what it means.
    fn page_notes(lang: Lang, args: &QueryArgs) -> Vec<(String, String)> {
        let asked: Vec<&str> = args.str("kind").map(|k| k.split(',').collect()).unwrap_or_default();
        FindingKind::NAMES
            .iter()
            .filter(|k| asked.is_empty() || asked.contains(k))
            .filter_map(|k| crate::publication::labels::value(k))
            .map(|l| (lang.pick(&l.es, &l.en).to_string(), lang.pick(&l.help_es, &l.help_en).to_string()))
            .collect()
    }

    fn detail(_: &mut DbConnection, row: QualityFindingRow, _: NoParams) -> Result<QualityFinding, ApiError> {
        Ok(QualityFinding::from(&row))
    }
}
