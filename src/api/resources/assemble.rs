//! Turn table rows into wire views, fetching related rows in batches
//! (one query per relation per page, never one per row).

use std::collections::HashMap;

use crate::api::http::error::ApiError;
use crate::db::DbConnection;
use crate::models::{
    self, CommitmentRow, InstitutionRoleRow, InstitutionRow, MilestoneRow, PlanRow, ProgressUpdateRow,
};
use crate::views::commitment::Commitment;
use crate::views::institution::Institution;
use crate::views::milestone::Milestone;
use crate::views::plan::Plan;
use crate::views::progress_update::ProgressUpdate;
use crate::views::{InstitutionRef, ParentIds, Parents};

/// Institution references of one record: responsible, other roles, named in its text.
#[derive(Default)]
pub struct Refs {
    pub responsible: Vec<InstitutionRef>,
    pub other: Vec<InstitutionRef>,
    pub mentioned: Vec<InstitutionRef>,
}

/// Institution references per subject id.
struct RoleRefs {
    by_subject: HashMap<String, Refs>,
}

impl RoleRefs {
    fn load(conn: &mut DbConnection, subject_type: &str, ids: &[String]) -> Result<RoleRefs, ApiError> {
        let roles = models::institution::roles_for_subjects(conn, subject_type, ids)?;
        let inst_ids: Vec<String> = roles.iter().map(|r| r.institution_id.clone()).collect();
        let names = Names::load(conn, &inst_ids)?;
        let mut by_subject: HashMap<String, Refs> = HashMap::new();
        for role in roles {
            let Some(mut r) = names.reference(&role.institution_id) else { continue };
            let entry = by_subject.entry(role.subject_id.clone()).or_default();
            match role.role.as_str() {
                "responsible" => entry.responsible.push(r),
                "mentioned" => entry.mentioned.push(r),
                _ => {
                    r.group = role.participant_group;
                    r.role = Some(role.role);
                    entry.other.push(r);
                }
            }
        }
        Ok(RoleRefs { by_subject })
    }

    fn take(&mut self, id: &str) -> Refs {
        self.by_subject.remove(id).unwrap_or_default()
    }
}

/// Names and acronyms of institutions, by id: what their references show.
struct Names(HashMap<String, (String, Option<String>)>);

impl Names {
    fn load(conn: &mut DbConnection, ids: &[String]) -> Result<Names, ApiError> {
        let rows = models::institution::refs_by_ids(conn, ids)?;
        Ok(Names(rows.into_iter().map(|(id, name, acronym)| (id, (name, acronym))).collect()))
    }

    fn reference(&self, id: &str) -> Option<InstitutionRef> {
        let (name, acronym) = self.0.get(id)?;
        Some(InstitutionRef {
            id: id.to_string(),
            name: name.clone(),
            acronym: acronym.clone(),
            group: None,
            role: None,
        })
    }
}

/// Finding ids per record id.
pub fn findings(
    conn: &mut DbConnection,
    record_type: &str,
    ids: &[String],
) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (record, id) in models::quality_finding::ids_for(conn, record_type, ids)? {
        out.entry(record).or_default().push(id);
    }
    Ok(out)
}

pub fn commitments(conn: &mut DbConnection, rows: &[CommitmentRow]) -> Result<Vec<Commitment>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut refs = RoleRefs::load(conn, "commitment", &ids)?;
    let mut found = findings(conn, "commitment", &ids)?;
    Ok(rows
        .iter()
        .map(|r| {
            let refs = refs.take(&r.id);
            let mut c = Commitment::new(r, refs.responsible, refs.other);
            c.mentioned_institutions = refs.mentioned;
            c.quality_findings = found.remove(&r.id).unwrap_or_default();
            c
        })
        .collect())
}

pub fn plans(conn: &mut DbConnection, rows: &[PlanRow]) -> Result<Vec<Plan>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut found = findings(conn, "plan", &ids)?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut p = Plan::from(r);
            p.quality_findings = found.remove(&r.id).unwrap_or_default();
            p
        })
        .collect())
}

pub fn progress_updates(conn: &mut DbConnection, rows: &[ProgressUpdateRow]) -> Result<Vec<ProgressUpdate>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut refs = RoleRefs::load(conn, "progress_update", &ids)?;
    let mut found = findings(conn, "progress_update", &ids)?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut u = ProgressUpdate::from(r);
            u.mentioned_institutions = refs.take(&r.id).mentioned;
            u.quality_findings = found.remove(&r.id).unwrap_or_default();
            u
        })
        .collect())
}

pub fn milestones(conn: &mut DbConnection, rows: &[MilestoneRow]) -> Result<Vec<Milestone>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut refs = RoleRefs::load(conn, "milestone", &ids)?;
    let mut found = findings(conn, "milestone", &ids)?;
    Ok(rows
        .iter()
        .map(|r| {
            let refs = refs.take(&r.id);
            let mut m = Milestone::new(r, refs.responsible, refs.other);
            m.mentioned_institutions = refs.mentioned;
            m.quality_findings = found.remove(&r.id).unwrap_or_default();
            m
        })
        .collect())
}

pub fn institutions(conn: &mut DbConnection, rows: &[InstitutionRow]) -> Result<Vec<Institution>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut aliases: HashMap<String, (Vec<String>, Vec<String>)> = HashMap::new();
    for a in models::institution::aliases(conn, &ids)? {
        let entry = aliases.entry(a.institution_id).or_default();
        if a.in_sources {
            entry.0.push(a.alias);
        } else {
            entry.1.push(a.alias);
        }
    }
    Ok(rows
        .iter()
        .map(|r| {
            let (written, curated) = aliases.remove(&r.id).unwrap_or_default();
            Institution::new(r, written, curated)
        })
        .collect())
}

/// Distinct institutions in roles, in order of first appearance.
pub fn institution_refs(
    conn: &mut DbConnection,
    roles: &[InstitutionRoleRow],
) -> Result<Vec<InstitutionRef>, ApiError> {
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<String> =
        roles.iter().filter(|r| seen.insert(r.institution_id.as_str())).map(|r| r.institution_id.clone()).collect();
    let names = Names::load(conn, &ids)?;
    Ok(ids.iter().filter_map(|id| names.reference(id)).collect())
}

/// The names of the records named, one query per kind of record.
pub fn parents(conn: &mut DbConnection, mut ids: ParentIds) -> Result<Parents, ApiError> {
    for list in [&mut ids.plans, &mut ids.commitments, &mut ids.milestones, &mut ids.institutions] {
        list.sort_unstable();
        list.dedup();
    }
    let plans = models::parents::plan_titles(conn, &ids.plans)?.into_iter().collect();
    let commitments = models::parents::commitment_titles(conn, &ids.commitments)?
        .into_iter()
        .map(|(id, number, title)| (id, (number, title)))
        .collect();
    let mut milestones = HashMap::new();
    if !ids.milestones.is_empty() {
        let mut refs = RoleRefs::load(conn, "milestone", &ids.milestones)?;
        milestones = models::parents::milestone_texts(conn, &ids.milestones)?
            .into_iter()
            .map(|(id, code, text)| {
                let responsible = crate::views::join_names(&refs.take(&id).responsible);
                (id, (code, text, responsible))
            })
            .collect();
    }
    let institutions = models::parents::institution_names(conn, &ids.institutions)?.into_iter().collect();
    Ok(Parents { plans, commitments, milestones, institutions })
}
