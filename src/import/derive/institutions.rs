//! Each institution's rollups: what it is responsible for, by status and by
//! plan.

use std::collections::{HashMap, HashSet};

use super::{search_text, Dataset, Tally};
use crate::models::{InstitutionPlanRollupRow, MilestoneRow};
use crate::text::fold;
use crate::vocabulary::{Role, RoleSubject};

/// Each institution's rollups, over all plans and per plan: the milestones
/// it is responsible for by status, overdue ones, the mean progress of the
/// tracked ones (and over how many), and the commitments it has a part in.
pub(super) fn institution_rollups(ds: &mut Dataset) {
    let milestones: HashMap<&str, &MilestoneRow> = ds.milestones.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut aliases: HashMap<&str, Vec<&str>> = HashMap::new();
    for a in &ds.aliases {
        aliases.entry(a.institution_id.as_str()).or_default().push(a.alias.as_str());
    }
    // Per institution: (plan -> (tally, commitments)), in the order roles appear.
    type PerPlan<'a> = Vec<(&'a str, Tally, HashSet<&'a str>)>;
    let mut work: HashMap<&str, (HashSet<&str>, PerPlan)> = HashMap::new();
    let plan_order: HashMap<&str, i32> = ds.plans.iter().map(|p| (p.id.as_str(), p.seq)).collect();
    for r in &ds.roles {
        let (seen, per_plan) = work.entry(r.institution_id.as_str()).or_default();
        let at = match per_plan.iter().position(|(p, _, _)| *p == r.plan_id) {
            Some(at) => at,
            None => {
                per_plan.push((r.plan_id.as_str(), Tally::default(), HashSet::new()));
                per_plan.len() - 1
            }
        };
        if r.role == Role::Mentioned {
            continue;
        }
        let entry = &mut per_plan[at];
        match r.subject_type {
            RoleSubject::Commitment => {
                entry.2.insert(r.subject_id.as_str());
            }
            RoleSubject::Milestone => {
                if let Some(m) = milestones.get(r.subject_id.as_str()) {
                    entry.2.insert(m.commitment_id.as_str());
                    if r.role == Role::Responsible && seen.insert(r.subject_id.as_str()) {
                        entry.1.add(m);
                    }
                }
            }
            _ => {}
        }
    }
    let mut rollups = Vec::new();
    for i in &mut ds.institutions {
        let (_, mut per_plan) = work.remove(i.id.as_str()).unwrap_or_default();
        per_plan.sort_by_key(|(p, _, _)| plan_order.get(p).copied().unwrap_or(i32::MAX));
        let mut all = Tally::default();
        let mut commitments: HashSet<&str> = HashSet::new();
        i.name_key = fold(&i.name);
        for (plan, t, cs) in &per_plan {
            let (avg, over) = t.average();
            let [completed, started, not_started, no_data] = t.by_status;
            rollups.push(InstitutionPlanRollupRow {
                institution_id: i.id.clone(),
                plan_id: plan.to_string(),
                seq: 0,
                name_key: i.name_key.clone(),
                commitment_count: cs.len() as i32,
                milestone_count: t.milestones,
                completed_milestone_count: completed,
                started_milestone_count: started,
                not_started_milestone_count: not_started,
                no_data_milestone_count: no_data,
                overdue_milestone_count: t.overdue,
                average_progress: avg,
                average_progress_milestones: over,
            });
            all.milestones += t.milestones;
            for k in 0..4 {
                all.by_status[k] += t.by_status[k];
            }
            all.overdue += t.overdue;
            all.progress.extend(&t.progress);
            commitments.extend(cs);
        }
        let (avg, over) = all.average();
        let [completed, started, not_started, no_data] = all.by_status;
        i.commitment_count = commitments.len() as i32;
        i.milestone_count = all.milestones;
        i.completed_milestone_count = completed;
        i.started_milestone_count = started;
        i.not_started_milestone_count = not_started;
        i.no_data_milestone_count = no_data;
        i.overdue_milestone_count = all.overdue;
        i.average_progress = avg;
        i.average_progress_milestones = over;
        let mut parts = vec![Some(i.name.as_str()), i.acronym.as_deref()];
        parts.extend(aliases.get(i.id.as_str()).into_iter().flatten().map(|a| Some(*a)));
        i.search_text = search_text(&parts);
    }
    for (k, r) in rollups.iter_mut().enumerate() {
        r.seq = k as i32 + 1;
    }
    ds.plan_rollups = rollups;
}
