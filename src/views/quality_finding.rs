use serde::Serialize;
use utoipa::ToSchema;

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

pub const CSV_HEADERS: &[&str] =
    &["id", "kind", "plan_id", "record_type", "record_id", "summary_es", "summary_en", "details", "record_url"];

/// One finding as a flat CSV row; `details` is its JSON text.
#[derive(Serialize)]
pub struct CsvRow {
    id: String,
    kind: FindingKind,
    plan_id: String,
    record_type: FindingSubject,
    record_id: String,
    summary_es: String,
    summary_en: String,
    details: String,
    record_url: String,
}

pub fn csv_row(f: &QualityFinding) -> CsvRow {
    CsvRow {
        id: f.id.clone(),
        kind: f.kind,
        plan_id: f.plan_id.clone(),
        record_type: f.record_type,
        record_id: f.record_id.clone(),
        summary_es: f.summary.es.clone(),
        summary_en: f.summary.en.clone(),
        details: f.details.to_string(),
        record_url: f.record_url.clone(),
    }
}
