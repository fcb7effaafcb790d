use serde::Serialize;
use utoipa::ToSchema;

use super::milestone::Milestone;
use super::{join_ids, join_names, pct, InstitutionRef, Parents, Source};
use crate::models::CommitmentRow;
use crate::vocabulary::{ParticipantGroup, Role, Status};

/// A commitment (compromiso, resultado, logro).
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "id": "gt-ogp-nap6-c1", "html_url": "/compromisos/gt-ogp-nap6-c1", "plan_id": "gt-ogp-nap6", "number": "1",
    "title": "Acciones institucionales para el fortalecimiento de la apertura de datos",
    "description": "Busca que las instituciones del Organismo Ejecutivo…",
    "reported_progress": 50, "reported_progress_raw": "50.00%", "computed_progress": 56.67, "computed_progress_milestones": 3,
    "status": "started", "milestone_count": 3,
    "responsible_institutions": [{"id": "gae", "name": "Comisión Presidencial de Gobierno Abierto y Electrónico", "acronym": "GAE"}],
    "participating_institutions": [{"id": "icefi", "name": "Instituto Centroamericano de Estudios Fiscales", "acronym": "ICEFI", "group": "civil_society"}],
    "source": {"document": "002", "location": "line 7"}
}))]
pub struct Commitment {
    pub id: String,
    pub plan_id: String,
    /// The number as written in the source; numbering can have gaps.
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    /// Progress % as the source publishes it, exact (12.5 stays 12.5).
    #[schema(value_type = Option<f64>)]
    pub reported_progress: Option<serde_json::Number>,
    /// The published text, e.g. `50.00%`.
    pub reported_progress_raw: Option<String>,
    /// Mean of its milestones' latest progress (a milestone not started counts
    /// as 0 %), to two decimals (truncated); `null` without milestones or when
    /// the source publishes no progress for its plan.
    #[schema(value_type = Option<f64>)]
    pub computed_progress: Option<serde_json::Number>,
    /// How many milestones `computed_progress` is the mean of.
    pub computed_progress_milestones: Option<i32>,
    /// From its milestones: `completed` when all are, `started` when any has
    /// progress, else `not_started`; `no_data` when the source publishes no
    /// progress for its plan. Without milestones, from the reported progress.
    pub status: Status,
    pub milestone_count: i32,
    pub responsible_institutions: Vec<InstitutionRef>,
    /// Every other institution with its `role` (participating, involved, partner)
    /// and, for participating ones, the `group` the source lists it under.
    pub participating_institutions: Vec<InstitutionRef>,
    /// Institutions that the record's own text names (role `mentioned`).
    pub mentioned_institutions: Vec<InstitutionRef>,
    /// Ids of the data-quality findings about this record (`/v1/quality-findings/{id}`).
    pub quality_findings: Vec<String>,
    pub source: Source,
    /// This record's page for people (Spanish; it links its English version).
    pub html_url: String,
}

impl Commitment {
    pub fn new(r: &CommitmentRow, responsible: Vec<InstitutionRef>, participating: Vec<InstitutionRef>) -> Self {
        Commitment {
            id: r.id.clone(),
            plan_id: r.plan_id.clone(),
            number: r.number.clone(),
            title: r.title.clone(),
            description: r.description.clone(),
            reported_progress: pct(r.reported_progress),
            reported_progress_raw: r.reported_progress_raw.clone(),
            computed_progress: pct(r.computed_progress),
            computed_progress_milestones: r.computed_progress_milestones,
            status: r.status,
            milestone_count: r.milestone_count,
            responsible_institutions: responsible,
            participating_institutions: participating,
            mentioned_institutions: vec![],
            quality_findings: vec![],
            source: Source::new(&r.source_document, &r.source_location),
            html_url: super::html_url("commitment", &r.id),
        }
    }
}

/// A commitment with its milestones.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct CommitmentDetail {
    #[serde(flatten)]
    pub commitment: Commitment,
    pub milestones: Vec<Milestone>,
}

pub const CSV_HEADERS: &[&str] = &[
    "id",
    "plan_id",
    "plan_title",
    "number",
    "title",
    "description",
    "reported_progress",
    "reported_progress_raw",
    "computed_progress",
    "computed_progress_milestones",
    "status",
    "milestone_count",
    "responsible_institution_ids",
    "responsible_institution_names",
    "participating_government_ids",
    "participating_civil_society_ids",
    "participating_other_ids",
    "participating_institution_names",
    "involved_institution_ids",
    "involved_institution_names",
    "source_document",
    "source_location",
];

/// One commitment as a flat CSV row; lists are `;`-joined ids and ` | `-joined names;
/// `involved_institution_ids` holds institutions with a role other than participating.
#[derive(Serialize)]
pub struct CsvRow {
    id: String,
    plan_id: String,
    plan_title: String,
    number: String,
    title: String,
    description: Option<String>,
    reported_progress: Option<String>,
    reported_progress_raw: Option<String>,
    computed_progress: Option<String>,
    computed_progress_milestones: Option<i32>,
    status: Status,
    milestone_count: i32,
    responsible_institution_ids: String,
    responsible_institution_names: String,
    participating_government_ids: String,
    participating_civil_society_ids: String,
    participating_other_ids: String,
    participating_institution_names: String,
    involved_institution_ids: String,
    involved_institution_names: String,
    source_document: String,
    source_location: String,
}

pub fn csv_row(c: &Commitment, parents: &Parents) -> CsvRow {
    let group = |g: ParticipantGroup| {
        c.participating_institutions
            .iter()
            .filter(|r| r.group == Some(g))
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(";")
    };
    let (participating, involved): (Vec<InstitutionRef>, Vec<InstitutionRef>) =
        c.participating_institutions.iter().cloned().partition(|r| r.role == Some(Role::Participating));
    CsvRow {
        id: c.id.clone(),
        plan_id: c.plan_id.clone(),
        plan_title: parents.plan(&c.plan_id).to_string(),
        number: c.number.clone(),
        title: c.title.clone(),
        description: c.description.clone(),
        reported_progress: c.reported_progress.as_ref().map(|n| n.to_string()),
        reported_progress_raw: c.reported_progress_raw.clone(),
        computed_progress: c.computed_progress.as_ref().map(|n| n.to_string()),
        computed_progress_milestones: c.computed_progress_milestones,
        status: c.status,
        milestone_count: c.milestone_count,
        responsible_institution_ids: join_ids(&c.responsible_institutions),
        responsible_institution_names: join_names(&c.responsible_institutions),
        participating_government_ids: group(ParticipantGroup::Government),
        participating_civil_society_ids: group(ParticipantGroup::CivilSociety),
        participating_other_ids: group(ParticipantGroup::Other),
        participating_institution_names: join_names(&participating),
        involved_institution_ids: join_ids(&involved),
        involved_institution_names: join_names(&involved),
        source_document: c.source.document.clone(),
        source_location: c.source.location.clone(),
    }
}
