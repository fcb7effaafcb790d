use serde::Serialize;
use utoipa::ToSchema;

use super::Parents;
use crate::models::QualityFindingRow;
use crate::vocabulary::{FindingKind, FindingSubject};

/// A finding in both languages.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Summary {
    pub es: String,
    pub en: String,
}

/// Where the sources disagree with themselves, computed from the data on import.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "id": "reported_vs_computed_progress:gt-ogp-nap6-c1", "html_url": "/hallazgos/reported_vs_computed_progress%3Agt-ogp-nap6-c1", "kind": "reported_vs_computed_progress",
    "plan_id": "gt-ogp-nap6", "record_type": "commitment", "record_id": "gt-ogp-nap6-c1",
    "summary": {"es": "El compromiso 1 reporta 50% de avance, pero el promedio del último avance de sus 4 hitos es 46.25% (diferencia de 3.75 puntos).",
                "en": "Commitment 1 reports 50% progress, but the mean latest progress of its 4 milestones is 46.25% (3.75 points apart)."},
    "details": {"reported_progress": 50, "computed_progress": 46.25, "milestones": 4, "difference": 3.75},
    "record_url": "/v1/commitments/gt-ogp-nap6-c1"
}))]
pub struct QualityFinding {
    pub id: String,
    /// What was found; the kinds are listed at `/v1/quality-findings` and in the README.
    pub kind: FindingKind,
    pub plan_id: String,
    pub record_type: FindingSubject,
    pub record_id: String,
    pub summary: Summary,
    /// The numbers involved.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub record_url: String,
    /// This record's page for people (Spanish; it links its English version).
    pub html_url: String,
}

impl From<&QualityFindingRow> for QualityFinding {
    fn from(r: &QualityFindingRow) -> Self {
        QualityFinding {
            id: r.id.clone(),
            kind: r.kind,
            plan_id: r.plan_id.clone(),
            record_type: r.record_type,
            record_id: r.record_id.clone(),
            summary: Summary { es: r.summary_es.clone(), en: r.summary_en.clone() },
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            record_url: super::record_url(r.record_type.as_str(), &r.record_id).unwrap_or_default(),
            html_url: super::html_url("quality_finding", &r.id),
        }
    }
}

pub const CSV_HEADERS: &[&str] = &[
    "id",
    "kind",
    "plan_id",
    "plan_title",
    "record_type",
    "record_id",
    "record_name",
    "summary_es",
    "summary_en",
    "reported_progress",
    "computed_progress",
    "gap_points",
    "latest_progress",
    "details",
    "record_url",
];

/// One finding as a flat CSV row: the names of its plan and record, its
/// numbers in their own columns (empty where its kind has none) and
/// `details`, every number, as JSON text.
#[derive(Serialize)]
pub struct CsvRow {
    id: String,
    kind: FindingKind,
    plan_id: String,
    plan_title: String,
    record_type: FindingSubject,
    record_id: String,
    record_name: String,
    summary_es: String,
    summary_en: String,
    reported_progress: Option<String>,
    computed_progress: Option<String>,
    gap_points: Option<String>,
    latest_progress: Option<String>,
    details: String,
    record_url: String,
}

/// The names a finding's row needs: its plan's and its record's.
pub fn parent_ids(f: &QualityFinding, ids: &mut super::ParentIds) {
    ids.plans.push(f.plan_id.clone());
    let list = match f.record_type {
        FindingSubject::Plan => &mut ids.plans,
        FindingSubject::Commitment => &mut ids.commitments,
        FindingSubject::Milestone => &mut ids.milestones,
        _ => return,
    };
    list.push(f.record_id.clone());
}

pub fn csv_row(f: &QualityFinding, parents: &Parents) -> CsvRow {
    let number = |key: &str| f.details.get(key).filter(|v| v.is_number()).map(|v| v.to_string());
    let record_name = match f.record_type {
        FindingSubject::Plan => parents.plan(&f.record_id),
        FindingSubject::Commitment => parents.commitment(&f.record_id).1,
        FindingSubject::Milestone => parents.milestone(&f.record_id).1,
        _ => "",
    };
    CsvRow {
        id: f.id.clone(),
        kind: f.kind,
        plan_id: f.plan_id.clone(),
        plan_title: parents.plan(&f.plan_id).to_string(),
        record_type: f.record_type,
        record_id: f.record_id.clone(),
        record_name: record_name.to_string(),
        summary_es: f.summary.es.clone(),
        summary_en: f.summary.en.clone(),
        reported_progress: number("reported_progress"),
        computed_progress: number("computed_progress"),
        gap_points: number("difference"),
        latest_progress: number("latest_progress"),
        details: f.details.to_string(),
        record_url: f.record_url.clone(),
    }
}
