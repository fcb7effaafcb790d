use serde::Serialize;
use utoipa::ToSchema;

use super::{InstitutionRef, Source};
use crate::models::{PlanParticipantRow, PlanRiskRow, PlanRow, PlanSectionRow};
use crate::vocabulary::{PlanKind, Status};

/// Milestone counts as the source publishes them.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct StatusCounts {
    pub not_started: i32,
    pub started: i32,
    pub completed: i32,
}

/// Milestone counts by status, computed from the data.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct MilestoneStatusCounts {
    pub not_started: i32,
    pub started: i32,
    pub completed: i32,
    /// Milestones whose source publishes no progress (never counted as 0 %).
    pub no_data: i32,
}

/// Counts computed from the data.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PlanRollup {
    pub commitments: i32,
    pub milestones: i32,
    pub milestones_by_status: MilestoneStatusCounts,
    /// Tracked milestones not completed whose end date is before `progress_as_of`.
    pub milestones_overdue: i32,
    pub progress_updates: i32,
    /// Mean latest progress of the plan's tracked milestones (not started: 0 %),
    /// to two decimals (truncated); `null` when the source publishes no progress.
    #[schema(value_type = Option<f64>)]
    pub computed_progress: Option<serde_json::Number>,
    /// How many milestones `computed_progress` is the mean of.
    pub computed_progress_milestones: Option<i32>,
}

/// An action plan.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "id": "gt-ogp-nap6", "html_url": "/planes/gt-ogp-nap6", "title": "6º Plan de Acción Nacional de Gobierno Abierto 2023-2025",
    "short_name": "6º PAN de Gobierno Abierto", "country": "GT", "kind": "ogp_national_action_plan",
    "period_start": "2023", "period_end": "2025", "objective": null, "description": null,
    "stated_commitment_total": null,
    "tracks_progress": true, "progress_as_of": "2025-05-22",
    "rollup": {"commitments": 2, "milestones": 4, "milestones_by_status": {"not_started": 1, "started": 2, "completed": 1, "no_data": 0},
               "milestones_overdue": 1, "progress_updates": 5, "computed_progress": 46.25, "computed_progress_milestones": 4},
    "published_milestone_counts": {"not_started": 8, "started": 19, "completed": 7},
    "source": {"document": "002", "location": "lines 1-6"}
}))]
pub struct Plan {
    /// Stable slug.
    pub id: String,
    pub title: String,
    /// Whether `title` is written so in the source (`false`: composed by
    /// curation from the document's cover, as for the 2011 plan).
    pub title_in_sources: bool,
    /// A short name supplied by curation.
    pub short_name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub kind: PlanKind,
    /// Start of the plan's period as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub objective: Option<String>,
    pub description: Option<String>,
    /// Number of commitments the plan itself says it has, when it says so.
    pub stated_commitment_total: Option<i32>,
    /// Whether the source publishes any progress for this plan (percentages,
    /// dated updates or milestone counts). When not, every status is `no_data`.
    pub tracks_progress: bool,
    /// The date the source speaks for: the day of its latest progress update
    /// (`YYYY-MM-DD`); overdue milestones are counted against it.
    #[schema(format = Date)]
    pub progress_as_of: Option<String>,
    pub rollup: PlanRollup,
    /// Milestone counts as the source publishes them (may disagree with `rollup`).
    pub published_milestone_counts: Option<StatusCounts>,
    /// Ids of the data-quality findings about this record (`/v1/quality-findings/{id}`).
    pub quality_findings: Vec<String>,
    pub source: Source,
    /// This record's page for people (Spanish; it links its English version).
    pub html_url: String,
}

impl From<&PlanRow> for Plan {
    fn from(r: &PlanRow) -> Plan {
        let published = match (
            r.published_milestones_not_started,
            r.published_milestones_started,
            r.published_milestones_completed,
        ) {
            (Some(n), Some(s), Some(c)) => Some(StatusCounts { not_started: n, started: s, completed: c }),
            _ => None,
        };
        Plan {
            id: r.id.clone(),
            title: r.title.clone(),
            title_in_sources: r.title_in_sources,
            short_name: r.short_name.clone(),
            country: r.country.clone(),
            kind: r.kind,
            period_start: r.period_start.clone(),
            period_end: r.period_end.clone(),
            objective: r.objective.clone(),
            description: r.description.clone(),
            stated_commitment_total: r.stated_commitment_total,
            tracks_progress: r.tracks_progress,
            progress_as_of: r.progress_as_of.clone(),
            rollup: PlanRollup {
                commitments: r.commitment_count,
                milestones: r.milestone_count,
                milestones_by_status: MilestoneStatusCounts {
                    not_started: r.milestones_not_started,
                    started: r.milestones_started,
                    completed: r.milestones_completed,
                    no_data: r.milestones_no_data,
                },
                milestones_overdue: r.milestones_overdue,
                progress_updates: r.progress_update_count,
                computed_progress: super::pct(r.computed_progress),
                computed_progress_milestones: r.computed_progress_milestones,
            },
            published_milestone_counts: published,
            quality_findings: vec![],
            source: Source::new(&r.source_document, &r.source_location),
            html_url: super::html_url("plan", &r.id),
        }
    }
}

/// A titled block of the plan's text (design, follow-up, achievements...).
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PlanSection {
    pub id: String,
    pub kind: String,
    pub title: String,
    /// Whether `title` is written so in the source (`false`: a label supplied
    /// by curation for a block without a title, such as a footnote).
    pub title_in_sources: bool,
    pub body: String,
    pub source: Source,
}

impl From<&PlanSectionRow> for PlanSection {
    fn from(r: &PlanSectionRow) -> Self {
        PlanSection {
            id: r.id.clone(),
            kind: r.kind.clone(),
            title: r.title.clone(),
            title_in_sources: r.title_in_sources,
            body: r.body.clone(),
            source: Source::new(&r.source_document, &r.source_location),
        }
    }
}

/// A person named in the plan.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PlanParticipant {
    pub id: String,
    pub name: String,
    pub position: Option<String>,
    pub institution_id: Option<String>,
    pub source: Source,
}

impl From<&PlanParticipantRow> for PlanParticipant {
    fn from(r: &PlanParticipantRow) -> Self {
        PlanParticipant {
            id: r.id.clone(),
            name: r.name.clone(),
            position: r.position.clone(),
            institution_id: r.institution_id.clone(),
            source: Source::new(&r.source_document, &r.source_location),
        }
    }
}

/// A risk the plan foresees.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PlanRisk {
    pub id: String,
    pub scenario: String,
    pub warning_signs: Option<String>,
    pub preventive_actions: Option<String>,
    pub damage_reduction: Option<String>,
    pub adjustments: Option<String>,
    pub source: Source,
}

impl From<&PlanRiskRow> for PlanRisk {
    fn from(r: &PlanRiskRow) -> Self {
        PlanRisk {
            id: r.id.clone(),
            scenario: r.scenario.clone(),
            warning_signs: r.warning_signs.clone(),
            preventive_actions: r.preventive_actions.clone(),
            damage_reduction: r.damage_reduction.clone(),
            adjustments: r.adjustments.clone(),
            source: Source::new(&r.source_document, &r.source_location),
        }
    }
}

pub use super::source_document::SourceDocument;

/// A commitment as listed inside its plan.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct CommitmentBrief {
    pub id: String,
    pub number: String,
    pub title: String,
    pub status: Status,
    #[schema(value_type = Option<f64>)]
    pub reported_progress: Option<serde_json::Number>,
    #[schema(value_type = Option<f64>)]
    pub computed_progress: Option<serde_json::Number>,
}

/// A plan with everything in it.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct PlanDetail {
    #[serde(flatten)]
    pub plan: Plan,
    pub source_documents: Vec<SourceDocument>,
    pub sections: Vec<PlanSection>,
    pub commitments: Vec<CommitmentBrief>,
    pub institutions: Vec<InstitutionRef>,
    pub participants: Vec<PlanParticipant>,
    pub risks: Vec<PlanRisk>,
}

pub const CSV_HEADERS: &[&str] = &[
    "id",
    "title",
    "short_name",
    "country",
    "kind",
    "period_start",
    "period_end",
    "objective",
    "description",
    "stated_commitment_total",
    "tracks_progress",
    "progress_as_of",
    "commitment_count",
    "milestone_count",
    "milestones_not_started",
    "milestones_started",
    "milestones_completed",
    "milestones_no_data",
    "milestones_overdue",
    "progress_update_count",
    "computed_progress",
    "computed_progress_milestones",
    "published_milestones_not_started",
    "published_milestones_started",
    "published_milestones_completed",
    "source_document",
    "source_location",
];

/// One plan as a flat CSV row; columns as in `CSV_HEADERS`.
#[derive(Serialize)]
pub struct CsvRow {
    id: String,
    title: String,
    short_name: String,
    country: String,
    kind: PlanKind,
    period_start: Option<String>,
    period_end: Option<String>,
    objective: Option<String>,
    description: Option<String>,
    stated_commitment_total: Option<i32>,
    tracks_progress: bool,
    progress_as_of: Option<String>,
    commitment_count: i32,
    milestone_count: i32,
    milestones_not_started: i32,
    milestones_started: i32,
    milestones_completed: i32,
    milestones_no_data: i32,
    milestones_overdue: i32,
    progress_update_count: i32,
    computed_progress: Option<String>,
    computed_progress_milestones: Option<i32>,
    published_milestones_not_started: Option<i32>,
    published_milestones_started: Option<i32>,
    published_milestones_completed: Option<i32>,
    source_document: String,
    source_location: String,
}

pub fn csv_row(p: &Plan) -> CsvRow {
    let published = p.published_milestone_counts.as_ref();
    CsvRow {
        id: p.id.clone(),
        title: p.title.clone(),
        short_name: p.short_name.clone(),
        country: p.country.clone(),
        kind: p.kind,
        period_start: p.period_start.clone(),
        period_end: p.period_end.clone(),
        objective: p.objective.clone(),
        description: p.description.clone(),
        stated_commitment_total: p.stated_commitment_total,
        tracks_progress: p.tracks_progress,
        progress_as_of: p.progress_as_of.clone(),
        commitment_count: p.rollup.commitments,
        milestone_count: p.rollup.milestones,
        milestones_not_started: p.rollup.milestones_by_status.not_started,
        milestones_started: p.rollup.milestones_by_status.started,
        milestones_completed: p.rollup.milestones_by_status.completed,
        milestones_no_data: p.rollup.milestones_by_status.no_data,
        milestones_overdue: p.rollup.milestones_overdue,
        progress_update_count: p.rollup.progress_updates,
        computed_progress: p.rollup.computed_progress.as_ref().map(|n| n.to_string()),
        computed_progress_milestones: p.rollup.computed_progress_milestones,
        published_milestones_not_started: published.map(|c| c.not_started),
        published_milestones_started: published.map(|c| c.started),
        published_milestones_completed: published.map(|c| c.completed),
        source_document: p.source.document.clone(),
        source_location: p.source.location.clone(),
    }
}
