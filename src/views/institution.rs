use serde::Serialize;
use utoipa::ToSchema;

use super::commitment::Commitment;
use super::milestone::Milestone;
use super::{pct, InstitutionRef, Source};
use crate::models::InstitutionRow;

/// What an institution is responsible for or takes part in, computed from the data.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct InstitutionRollup {
    /// Commitments where it has any role.
    pub commitments: i32,
    /// Milestones it is responsible for.
    pub milestones: i32,
    pub completed_milestones: i32,
    /// Mean latest progress of those milestones, exact to two decimals (truncated).
    #[schema(value_type = Option<f64>)]
    pub average_progress: Option<serde_json::Number>,
}

/// An institution (ministry, secretariat, civil-society organisation...).
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "id": "cnc", "name": "Comisión Nacional contra la Corrupción", "acronym": "CNC", "kind": "government",
    "parent_id": null, "aliases": ["Comisión Nacional contra la Corrupción"],
    "rollup": {"commitments": 1, "milestones": 1, "completed_milestones": 1, "average_progress": 100},
    "source": {"document": "002", "location": "line 10"}
}))]
pub struct Institution {
    pub id: String,
    /// Canonical name.
    pub name: String,
    pub acronym: Option<String>,
    /// government, civil_society, international or other.
    pub kind: String,
    /// The institution this one is a unit of.
    pub parent_id: Option<String>,
    /// Every way the sources write it.
    pub aliases: Vec<String>,
    pub rollup: InstitutionRollup,
    pub source: Source,
}

impl Institution {
    pub fn new(r: &InstitutionRow, aliases: Vec<String>) -> Self {
        Institution {
            id: r.id.clone(),
            name: r.name.clone(),
            acronym: r.acronym.clone(),
            kind: r.kind.clone(),
            parent_id: r.parent_id.clone(),
            aliases,
            rollup: InstitutionRollup {
                commitments: r.commitment_count,
                milestones: r.milestone_count,
                completed_milestones: r.completed_milestone_count,
                average_progress: pct(r.average_progress),
            },
            source: Source::new(&r.source_document, &r.source_location),
        }
    }

    pub fn reference(r: &InstitutionRow, group: Option<String>) -> InstitutionRef {
        InstitutionRef { id: r.id.clone(), name: r.name.clone(), acronym: r.acronym.clone(), group, role: None }
    }
}

/// One role an institution plays.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Role {
    /// responsible, participating, involved or partner.
    pub role: String,
    /// For participating: government, civil_society or other.
    pub group: Option<String>,
    /// plan, commitment or milestone.
    pub subject_type: String,
    pub subject_id: String,
    pub plan_id: String,
    pub source: Source,
}

/// An institution with everything it is responsible for or takes part in.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct InstitutionDetail {
    #[serde(flatten)]
    pub institution: Institution,
    pub children: Vec<InstitutionRef>,
    pub roles: Vec<Role>,
    pub commitments: Vec<Commitment>,
    pub milestones: Vec<Milestone>,
}

pub const CSV_HEADERS: &[&str] = &[
    "id",
    "name",
    "acronym",
    "kind",
    "parent_id",
    "aliases",
    "commitment_count",
    "milestone_count",
    "completed_milestone_count",
    "average_progress",
    "source_document",
    "source_location",
];

/// One institution as a flat CSV row; `aliases` holds one name per line.
#[derive(Serialize)]
pub struct CsvRow {
    id: String,
    name: String,
    acronym: Option<String>,
    kind: String,
    parent_id: Option<String>,
    aliases: String,
    commitment_count: i32,
    milestone_count: i32,
    completed_milestone_count: i32,
    average_progress: Option<String>,
    source_document: String,
    source_location: String,
}

pub fn csv_row(i: &Institution) -> CsvRow {
    CsvRow {
        id: i.id.clone(),
        name: i.name.clone(),
        acronym: i.acronym.clone(),
        kind: i.kind.clone(),
        parent_id: i.parent_id.clone(),
        aliases: i.aliases.join("\n"),
        commitment_count: i.rollup.commitments,
        milestone_count: i.rollup.milestones,
        completed_milestone_count: i.rollup.completed_milestones,
        average_progress: i.rollup.average_progress.as_ref().map(|n| n.to_string()),
        source_document: i.source.document.clone(),
        source_location: i.source.location.clone(),
    }
}
