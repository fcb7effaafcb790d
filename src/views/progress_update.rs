use serde::Serialize;
use utoipa::ToSchema;

use super::{lines, pct, Source};
use crate::models::ProgressUpdateRow;

/// Evidence attached to an update.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Verification {
    /// The text under "Medios de verificación", as published (often empty).
    pub text: Option<String>,
    /// Every link found in the verification text or the description.
    pub links: Vec<String>,
}

/// A dated progress report (avance) on a milestone.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "id": "gt-ogp-nap6-c1-m3-u1", "milestone_id": "gt-ogp-nap6-c1-m3", "commitment_id": "gt-ogp-nap6-c1",
    "plan_id": "gt-ogp-nap6", "position": 1, "reported_at": "2025-02-24T21:50:02",
    "description": "Reunión con Unidades de Información Pública y organizaciones de sociedad civil…",
    "percent": 12.5, "percent_raw": "12.5%", "verification": {"text": null, "links": []},
    "source": {"document": "002", "location": "line 108"}
}))]
pub struct ProgressUpdate {
    pub id: String,
    pub milestone_id: String,
    pub commitment_id: String,
    pub plan_id: String,
    /// Order within the milestone, from 1.
    pub position: i32,
    /// `YYYY-MM-DDTHH:MM:SS` as published by the platform (local time, no zone given).
    pub reported_at: String,
    pub description: String,
    /// Percent as published, exact (12.5 and 8.34 are never rounded).
    #[schema(value_type = Option<f64>)]
    pub percent: Option<serde_json::Number>,
    pub percent_raw: Option<String>,
    pub verification: Verification,
    /// Ids of the data-quality findings about this record (`/v1/quality-findings/{id}`).
    pub quality_findings: Vec<String>,
    pub source: Source,
}

impl From<&ProgressUpdateRow> for ProgressUpdate {
    fn from(r: &ProgressUpdateRow) -> Self {
        ProgressUpdate {
            id: r.id.clone(),
            milestone_id: r.milestone_id.clone(),
            commitment_id: r.commitment_id.clone(),
            plan_id: r.plan_id.clone(),
            position: r.position,
            reported_at: r.reported_at.clone(),
            description: r.description.clone(),
            percent: pct(r.percent),
            percent_raw: r.percent_raw.clone(),
            verification: Verification { text: r.verification.clone(), links: lines(&r.links) },
            quality_findings: vec![],
            source: Source::new(&r.source_document, &r.source_location),
        }
    }
}

pub const CSV_HEADERS: &[&str] = &[
    "id",
    "milestone_id",
    "commitment_id",
    "plan_id",
    "position",
    "reported_at",
    "description",
    "percent",
    "percent_raw",
    "verification",
    "links",
    "source_document",
    "source_location",
];

/// One update as a flat CSV row; `links` holds one URL per line.
#[derive(Serialize)]
pub struct CsvRow {
    id: String,
    milestone_id: String,
    commitment_id: String,
    plan_id: String,
    position: i32,
    reported_at: String,
    description: String,
    percent: Option<String>,
    percent_raw: Option<String>,
    verification: Option<String>,
    links: String,
    source_document: String,
    source_location: String,
}

pub fn csv_row(u: &ProgressUpdate) -> CsvRow {
    CsvRow {
        id: u.id.clone(),
        milestone_id: u.milestone_id.clone(),
        commitment_id: u.commitment_id.clone(),
        plan_id: u.plan_id.clone(),
        position: u.position,
        reported_at: u.reported_at.clone(),
        description: u.description.clone(),
        percent: u.percent.as_ref().map(|n| n.to_string()),
        percent_raw: u.percent_raw.clone(),
        verification: u.verification.text.clone(),
        links: u.verification.links.join("\n"),
        source_document: u.source.document.clone(),
        source_location: u.source.location.clone(),
    }
}
