use serde::Serialize;
use utoipa::ToSchema;

use std::borrow::Cow;

use super::{joined_lines, lines, pct, pct_text, InstitutionRef, Parents, Source};
use crate::models::ProgressUpdateRow;

/// The update's "Medios de verificación" (means of verification), exactly
/// as published: whether the line is there at all, and what it says.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Verification {
    /// Whether the update has a "Medios de verificación:" line (`false`: the
    /// platform printed none for this update).
    pub line_present: bool,
    /// Its text when not empty; `null` when the line is empty or absent.
    pub text: Option<String>,
}

/// A dated progress report (avance) on a milestone.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "id": "gt-ogp-nap6-c1-m3-u1", "html_url": "/avances/gt-ogp-nap6-c1-m3-u1", "milestone_id": "gt-ogp-nap6-c1-m3", "commitment_id": "gt-ogp-nap6-c1",
    "plan_id": "gt-ogp-nap6", "position": 1, "reported_at": "2025-02-24T21:50:02",
    "description": "Reunión con Unidades de Información Pública y organizaciones de sociedad civil…",
    "percent": 12.5, "percent_raw": "12.5%", "verification": {"line_present": true, "text": null},
    "description_links": [],
    "source": {"document": "002", "location": "line 108"}
}))]
pub struct ProgressUpdate {
    pub id: String,
    pub milestone_id: String,
    pub commitment_id: String,
    pub plan_id: String,
    /// Order within the milestone, from 1.
    pub position: i32,
    /// `YYYY-MM-DDTHH:MM:SS` as published by the platform (local time, no
    /// zone given, so not an RFC 3339 `date-time`).
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")]
    pub reported_at: String,
    pub description: String,
    /// Percent as published, exact (12.5 and 8.34 are never rounded).
    #[schema(value_type = Option<f64>)]
    pub percent: Option<serde_json::Number>,
    pub percent_raw: Option<String>,
    pub verification: Verification,
    /// Links written in the description itself (not verification).
    pub description_links: Vec<String>,
    /// Institutions that the record's own text names (role `mentioned`).
    pub mentioned_institutions: Vec<InstitutionRef>,
    /// Ids of the data-quality findings about this record (`/v1/quality-findings/{id}`).
    pub quality_findings: Vec<String>,
    pub source: Source,
    /// This record's page for people (Spanish; it links its English version).
    pub html_url: String,
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
            verification: Verification { line_present: r.verification_line, text: r.verification.clone() },
            description_links: lines(&r.links),
            mentioned_institutions: vec![],
            quality_findings: vec![],
            source: Source::new(&r.source_document, &r.source_location),
            html_url: super::html_url("progress_update", &r.id),
        }
    }
}

pub const CSV_HEADERS: &[&str] = &[
    "id",
    "milestone_id",
    "commitment_id",
    "plan_id",
    "plan_title",
    "commitment_number",
    "commitment_title",
    "milestone_code",
    "milestone_description",
    "responsible_institution_names",
    "position",
    "reported_at",
    "description",
    "percent",
    "percent_raw",
    "verification_line",
    "verification",
    "description_links",
    "source_document",
    "source_location",
];

/// One update as a flat CSV row; `description_links` holds one URL per line. Borrows
/// its text, so that a streamed million rows are not copied once more.
#[derive(Serialize)]
pub struct CsvRow<'a> {
    id: &'a str,
    milestone_id: &'a str,
    commitment_id: &'a str,
    plan_id: &'a str,
    plan_title: &'a str,
    commitment_number: &'a str,
    commitment_title: &'a str,
    milestone_code: &'a str,
    milestone_description: &'a str,
    responsible_institution_names: &'a str,
    position: i32,
    reported_at: &'a str,
    description: &'a str,
    percent: Option<String>,
    percent_raw: Option<&'a str>,
    verification_line: bool,
    verification: Option<&'a str>,
    description_links: Cow<'a, str>,
    source_document: &'a str,
    source_location: &'a str,
}

pub fn csv_row<'a>(u: &'a ProgressUpdate, parents: &'a Parents) -> CsvRow<'a> {
    let (commitment_number, commitment_title) = parents.commitment(&u.commitment_id);
    let (milestone_code, milestone_description, responsible_institution_names) = parents.milestone(&u.milestone_id);
    CsvRow {
        id: &u.id,
        milestone_id: &u.milestone_id,
        commitment_id: &u.commitment_id,
        plan_id: &u.plan_id,
        plan_title: parents.plan(&u.plan_id),
        commitment_number,
        commitment_title,
        milestone_code,
        milestone_description,
        responsible_institution_names,
        position: u.position,
        reported_at: &u.reported_at,
        description: &u.description,
        percent: u.percent.as_ref().map(|n| n.to_string()),
        percent_raw: u.percent_raw.as_deref(),
        verification_line: u.verification.line_present,
        verification: u.verification.text.as_deref(),
        description_links: Cow::Owned(u.description_links.join("\n")),
        source_document: &u.source.document,
        source_location: &u.source.location,
    }
}

/// The same row straight from the table (the CSV has no quality findings):
/// what a streamed whole CSV list writes.
pub fn csv_row_of<'a>(r: &'a ProgressUpdateRow, parents: &'a Parents) -> CsvRow<'a> {
    let (commitment_number, commitment_title) = parents.commitment(&r.commitment_id);
    let (milestone_code, milestone_description, responsible_institution_names) = parents.milestone(&r.milestone_id);
    CsvRow {
        id: &r.id,
        milestone_id: &r.milestone_id,
        commitment_id: &r.commitment_id,
        plan_id: &r.plan_id,
        plan_title: parents.plan(&r.plan_id),
        commitment_number,
        commitment_title,
        milestone_code,
        milestone_description,
        responsible_institution_names,
        position: r.position,
        reported_at: &r.reported_at,
        description: &r.description,
        // The same text as the view's number (tested in `percent`).
        percent: pct_text(r.percent),
        percent_raw: r.percent_raw.as_deref(),
        verification_line: r.verification_line,
        verification: r.verification.as_deref(),
        description_links: joined_lines(&r.links),
        source_document: &r.source_document,
        source_location: &r.source_location,
    }
}
