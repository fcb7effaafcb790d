use serde::Serialize;
use utoipa::ToSchema;

use super::progress_update::ProgressUpdate;
use super::{join_ids, join_names, pct, InstitutionRef, Parents, Source};
use crate::models::MilestoneRow;
use crate::vocabulary::{DatePrecision, Status};

/// A date as written in the source, with its normalised form.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({"raw": "Febrero 2024", "date": "2024-02-01", "precision": "month"}))]
pub struct SourceDate {
    /// Exactly as written ("06/02/2025", "Febrero 2024", "Oct – Dic 2010").
    pub raw: Option<String>,
    /// `YYYY-MM-DD`: for a start, the first day of the period written; for an
    /// end, the last day.
    #[schema(format = Date)]
    pub date: Option<String>,
    pub precision: Option<DatePrecision>,
}

/// A milestone (hito, acción, meta).
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "id": "gt-ogp-nap6-c1-m3", "html_url": "/hitos/gt-ogp-nap6-c1-m3", "commitment_id": "gt-ogp-nap6-c1", "plan_id": "gt-ogp-nap6", "code": "3",
    "description": "Fortalecimiento del acceso a la información pública desde la perspectiva de la ciudadanía",
    "expected_results": ["Informe sobre el ejercicio de acceso a la información pública por parte de organizaciones civiles."],
    "responsible_institutions": [{"id": "cnc", "name": "Comisión Nacional contra la Corrupción", "acronym": "CNC"}],
    "involved_institutions": [],
    "start": {"raw": "Febrero 2024", "date": "2024-02-01", "precision": "month"},
    "end": {"raw": "Junio 2025", "date": "2025-06-30", "precision": "month"},
    "term": null, "status": "completed", "overdue": false, "latest_progress": 100, "latest_progress_at": "2025-05-22T17:33:50",
    "progress_update_count": 2, "source": {"document": "002", "location": "line 98"}
}))]
pub struct Milestone {
    pub id: String,
    pub commitment_id: String,
    pub plan_id: String,
    /// Code or number within its commitment.
    pub code: String,
    pub description: String,
    /// One entry per expected result, exactly as published (a result that the
    /// source wraps over several lines keeps its line breaks).
    pub expected_results: Vec<String>,
    pub responsible_institutions: Vec<InstitutionRef>,
    /// Institutions with another role (involved, partner...), each with its `role`.
    pub involved_institutions: Vec<InstitutionRef>,
    pub start: SourceDate,
    pub end: SourceDate,
    /// A term instead of dates, as written ("6 meses", "Campaña permanente").
    pub term: Option<String>,
    /// `no_data`: the source publishes no progress for this plan (there is no
    /// percentage, and it is not 0 %); `not_started`: tracked, no progress
    /// update; `started`: at least one update, the latest (by time) below
    /// 100 %; `completed`: the latest update (by time) says 100 %.
    pub status: Status,
    /// Tracked, not completed, and its end date is before the date the source
    /// speaks for (its plan's `progress_as_of`); `false` without an end date;
    /// `null` when the plan publishes no progress or no dated update.
    pub overdue: Option<bool>,
    /// Percent of the latest progress update by time, exact; `null` without updates.
    #[schema(value_type = Option<f64>)]
    pub latest_progress: Option<serde_json::Number>,
    /// When that update was posted: `YYYY-MM-DDTHH:MM:SS`, local time as
    /// published (no zone given, so not an RFC 3339 `date-time`).
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")]
    pub latest_progress_at: Option<String>,
    pub progress_update_count: i32,
    /// Institutions that the record's own text names (role `mentioned`).
    pub mentioned_institutions: Vec<InstitutionRef>,
    /// Ids of the data-quality findings about this record (`/v1/quality-findings/{id}`).
    pub quality_findings: Vec<String>,
    pub source: Source,
    /// This record's page for people (Spanish; it links its English version).
    pub html_url: String,
}

impl Milestone {
    pub fn new(r: &MilestoneRow, responsible: Vec<InstitutionRef>, involved: Vec<InstitutionRef>) -> Self {
        Milestone {
            id: r.id.clone(),
            commitment_id: r.commitment_id.clone(),
            plan_id: r.plan_id.clone(),
            code: r.code.clone(),
            description: r.description.clone(),
            expected_results: crate::text::json_list(&r.expected_results),
            responsible_institutions: responsible,
            involved_institutions: involved,
            start: SourceDate { raw: r.start_raw.clone(), date: r.start_date.clone(), precision: r.start_precision },
            end: SourceDate { raw: r.end_raw.clone(), date: r.end_date.clone(), precision: r.end_precision },
            term: r.term.clone(),
            status: r.status,
            overdue: r.overdue,
            latest_progress: pct(r.latest_progress),
            latest_progress_at: r.latest_progress_at.clone(),
            progress_update_count: r.progress_update_count,
            mentioned_institutions: vec![],
            quality_findings: vec![],
            source: Source::new(&r.source_document, &r.source_location),
            html_url: super::html_url("milestone", &r.id),
        }
    }
}

/// A milestone with its full progress history, oldest first.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct MilestoneDetail {
    #[serde(flatten)]
    pub milestone: Milestone,
    pub progress_updates: Vec<ProgressUpdate>,
}

pub const CSV_HEADERS: &[&str] = &[
    "id",
    "commitment_id",
    "plan_id",
    "plan_title",
    "commitment_number",
    "commitment_title",
    "code",
    "description",
    "expected_results",
    "responsible_institution_ids",
    "responsible_institution_names",
    "involved_institution_ids",
    "involved_institution_names",
    "start_raw",
    "start_date",
    "start_precision",
    "end_raw",
    "end_date",
    "end_precision",
    "term",
    "status",
    "overdue",
    "latest_progress",
    "latest_progress_at",
    "progress_update_count",
    "source_document",
    "source_location",
];

/// One milestone as a flat CSV row; `expected_results` holds one result per
/// line (see [`crate::text::one_per_line`]).
#[derive(Serialize)]
pub struct CsvRow {
    id: String,
    commitment_id: String,
    plan_id: String,
    plan_title: String,
    commitment_number: String,
    commitment_title: String,
    code: String,
    description: String,
    expected_results: String,
    responsible_institution_ids: String,
    responsible_institution_names: String,
    involved_institution_ids: String,
    involved_institution_names: String,
    start_raw: Option<String>,
    start_date: Option<String>,
    start_precision: Option<DatePrecision>,
    end_raw: Option<String>,
    end_date: Option<String>,
    end_precision: Option<DatePrecision>,
    term: Option<String>,
    status: Status,
    overdue: Option<bool>,
    latest_progress: Option<String>,
    latest_progress_at: Option<String>,
    progress_update_count: i32,
    source_document: String,
    source_location: String,
}

pub fn csv_row(m: &Milestone, parents: &Parents) -> CsvRow {
    let (number, title) = parents.commitment(&m.commitment_id);
    CsvRow {
        id: m.id.clone(),
        commitment_id: m.commitment_id.clone(),
        plan_id: m.plan_id.clone(),
        plan_title: parents.plan(&m.plan_id).to_string(),
        commitment_number: number.to_string(),
        commitment_title: title.to_string(),
        code: m.code.clone(),
        description: m.description.clone(),
        expected_results: crate::text::one_per_line(&m.expected_results),
        responsible_institution_ids: join_ids(&m.responsible_institutions),
        responsible_institution_names: join_names(&m.responsible_institutions),
        involved_institution_ids: join_ids(&m.involved_institutions),
        involved_institution_names: join_names(&m.involved_institutions),
        start_raw: m.start.raw.clone(),
        start_date: m.start.date.clone(),
        start_precision: m.start.precision,
        end_raw: m.end.raw.clone(),
        end_date: m.end.date.clone(),
        end_precision: m.end.precision,
        term: m.term.clone(),
        status: m.status,
        overdue: m.overdue,
        latest_progress: m.latest_progress.as_ref().map(|n| n.to_string()),
        latest_progress_at: m.latest_progress_at.clone(),
        progress_update_count: m.progress_update_count,
        source_document: m.source.document.clone(),
        source_location: m.source.location.clone(),
    }
}
