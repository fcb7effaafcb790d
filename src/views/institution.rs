use serde::Serialize;
use utoipa::ToSchema;

use super::commitment::Commitment;
use super::milestone::Milestone;
use super::{pct, InstitutionRef, Source};
use crate::models::{InstitutionPlanRollupRow, InstitutionRow};
use crate::vocabulary::{self, InstitutionKind, ParticipantGroup, RoleOrigin, RoleSubject};

/// What an institution is responsible for or takes part in, computed from the
/// data: over all plans, or within one plan.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct InstitutionRollup {
    /// Commitments where it has any role but `mentioned`.
    pub commitments: i32,
    /// Milestones it is responsible for.
    pub milestones: i32,
    pub completed_milestones: i32,
    pub started_milestones: i32,
    pub not_started_milestones: i32,
    /// Milestones whose source publishes no progress (never counted as 0 %).
    pub no_data_milestones: i32,
    /// Tracked, not completed, past their end date (see the plan's `progress_as_of`).
    pub overdue_milestones: i32,
    /// Mean latest progress of the tracked milestones it is responsible for (a
    /// milestone not started counts as 0 %), to two decimals (truncated);
    /// `null` when none is tracked.
    #[schema(value_type = Option<f64>)]
    pub average_progress: Option<serde_json::Number>,
    /// How many milestones `average_progress` is the mean of.
    pub average_progress_milestones: i32,
}

/// An institution's rollup within one plan.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct InstitutionPlanRollup {
    pub plan_id: String,
    #[serde(flatten)]
    pub rollup: InstitutionRollup,
}

impl InstitutionPlanRollup {
    pub fn new(r: &InstitutionPlanRollupRow) -> Self {
        InstitutionPlanRollup {
            plan_id: r.plan_id.clone(),
            rollup: InstitutionRollup {
                commitments: r.commitment_count,
                milestones: r.milestone_count,
                completed_milestones: r.completed_milestone_count,
                started_milestones: r.started_milestone_count,
                not_started_milestones: r.not_started_milestone_count,
                no_data_milestones: r.no_data_milestone_count,
                overdue_milestones: r.overdue_milestone_count,
                average_progress: pct(r.average_progress),
                average_progress_milestones: r.average_progress_milestones,
            },
        }
    }
}

/// An institution (ministry, secretariat, civil-society organisation...).
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "id": "cnc", "html_url": "/instituciones/cnc", "name": "Comisión Nacional contra la Corrupción", "acronym": "CNC", "kind": "government",
    "parent_id": null, "aliases": ["Comisión Nacional contra la Corrupción"], "curated_names": ["CNC"],
    "name_in_sources": true, "acronym_in_sources": false,
    "rollup": {"commitments": 1, "milestones": 1, "completed_milestones": 1, "started_milestones": 0,
               "not_started_milestones": 0, "no_data_milestones": 0, "overdue_milestones": 0,
               "average_progress": 100, "average_progress_milestones": 1},
    "source": {"document": "002", "location": "line 10"}
}))]
pub struct Institution {
    pub id: String,
    /// Canonical name.
    pub name: String,
    pub acronym: Option<String>,
    /// Whether `name` is written, exactly so, in a source document (`false`:
    /// the name was supplied by curation; the forms the sources use are in `aliases`).
    pub name_in_sources: bool,
    /// Whether `acronym` is written in a source document (`null` without acronym).
    pub acronym_in_sources: Option<bool>,
    pub kind: InstitutionKind,
    /// The institution this one is a unit of.
    pub parent_id: Option<String>,
    /// Every way the sources write it (each form exactly as written).
    pub aliases: Vec<String>,
    /// Other names it goes by, supplied by curation (written in no source):
    /// official full names, forms without a typo.
    pub curated_names: Vec<String>,
    /// Over all plans; with `plan=` on the list, within that plan.
    pub rollup: InstitutionRollup,
    pub source: Source,
    /// This record's page for people (Spanish; it links its English version).
    pub html_url: String,
}

impl Institution {
    pub fn new(r: &InstitutionRow, aliases: Vec<String>, curated_names: Vec<String>) -> Self {
        Institution {
            id: r.id.clone(),
            name: r.name.clone(),
            acronym: r.acronym.clone(),
            name_in_sources: r.name_in_sources,
            acronym_in_sources: r.acronym_in_sources,
            kind: r.kind,
            parent_id: r.parent_id.clone(),
            aliases,
            curated_names,
            rollup: InstitutionRollup {
                commitments: r.commitment_count,
                milestones: r.milestone_count,
                completed_milestones: r.completed_milestone_count,
                started_milestones: r.started_milestone_count,
                not_started_milestones: r.not_started_milestone_count,
                no_data_milestones: r.no_data_milestone_count,
                overdue_milestones: r.overdue_milestone_count,
                average_progress: pct(r.average_progress),
                average_progress_milestones: r.average_progress_milestones,
            },
            source: Source::new(&r.source_document, &r.source_location),
            html_url: super::html_url("institution", &r.id),
        }
    }

    pub fn reference(r: &InstitutionRow, group: Option<ParticipantGroup>) -> InstitutionRef {
        InstitutionRef { id: r.id.clone(), name: r.name.clone(), acronym: r.acronym.clone(), group, role: None }
    }
}

/// One role an institution plays.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Role {
    /// `mentioned`: the record's text names it.
    pub role: vocabulary::Role,
    /// For participating: the group the source lists it under.
    pub group: Option<ParticipantGroup>,
    pub subject_type: RoleSubject,
    pub subject_id: String,
    pub plan_id: String,
    /// curated (in the curated files), structure (a list of a tracking-platform
    /// report) or text (the name found in the record's text).
    pub origin: RoleOrigin,
    pub source: Source,
}

/// An institution with everything it is responsible for or takes part in.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct InstitutionDetail {
    #[serde(flatten)]
    pub institution: Institution,
    pub children: Vec<InstitutionRef>,
    /// The rollup within each plan where it has a role, in plan order.
    pub plans: Vec<InstitutionPlanRollup>,
    pub roles: Vec<Role>,
    pub commitments: Vec<Commitment>,
    pub milestones: Vec<Milestone>,
}

pub const CSV_HEADERS: &[&str] = &[
    "id",
    "name",
    "name_in_sources",
    "acronym",
    "acronym_in_sources",
    "kind",
    "parent_id",
    "aliases",
    "curated_names",
    "commitment_count",
    "milestone_count",
    "completed_milestone_count",
    "started_milestone_count",
    "not_started_milestone_count",
    "no_data_milestone_count",
    "overdue_milestone_count",
    "average_progress",
    "average_progress_milestones",
    "source_document",
    "source_location",
];

/// One institution as a flat CSV row; `aliases` holds one name per line.
#[derive(Serialize)]
pub struct CsvRow {
    id: String,
    name: String,
    name_in_sources: bool,
    acronym: Option<String>,
    acronym_in_sources: Option<bool>,
    kind: InstitutionKind,
    parent_id: Option<String>,
    aliases: String,
    curated_names: String,
    commitment_count: i32,
    milestone_count: i32,
    completed_milestone_count: i32,
    started_milestone_count: i32,
    not_started_milestone_count: i32,
    no_data_milestone_count: i32,
    overdue_milestone_count: i32,
    average_progress: Option<String>,
    average_progress_milestones: i32,
    source_document: String,
    source_location: String,
}

pub fn csv_row(i: &Institution) -> CsvRow {
    CsvRow {
        id: i.id.clone(),
        name: i.name.clone(),
        name_in_sources: i.name_in_sources,
        acronym: i.acronym.clone(),
        acronym_in_sources: i.acronym_in_sources,
        kind: i.kind,
        parent_id: i.parent_id.clone(),
        aliases: i.aliases.join("\n"),
        curated_names: i.curated_names.join("\n"),
        commitment_count: i.rollup.commitments,
        milestone_count: i.rollup.milestones,
        completed_milestone_count: i.rollup.completed_milestones,
        started_milestone_count: i.rollup.started_milestones,
        not_started_milestone_count: i.rollup.not_started_milestones,
        no_data_milestone_count: i.rollup.no_data_milestones,
        overdue_milestone_count: i.rollup.overdue_milestones,
        average_progress: i.rollup.average_progress.as_ref().map(|n| n.to_string()),
        average_progress_milestones: i.rollup.average_progress_milestones,
        source_document: i.source.document.clone(),
        source_location: i.source.location.clone(),
    }
}
