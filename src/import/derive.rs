//! Derived columns, computed from the curated data, never typed in: status,
//! latest and computed progress, counts, search keys.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::Dataset;
use crate::text::fold;

/// Status from a latest percentage: none or 0 is not started, 100 completed.
pub fn status_of(latest: Option<i32>) -> &'static str {
    match latest {
        None | Some(0) => "not_started",
        Some(10000..) => "completed",
        Some(_) => "started",
    }
}

/// Mean of hundredths, truncated to a hundredth.
fn mean(values: &[i32]) -> Option<i32> {
    if values.is_empty() {
        return None;
    }
    let sum: i64 = values.iter().map(|v| *v as i64).sum();
    Some((sum / values.len() as i64) as i32)
}

fn search_text(parts: &[Option<&str>]) -> String {
    let joined: Vec<&str> = parts.iter().flatten().copied().collect();
    fold(&joined.join(" "))
}

pub fn compute(ds: &mut Dataset) {
    let started = std::time::Instant::now();
    // Progress updates: place them, and find each milestone's latest.
    let milestone_parent: HashMap<String, String> =
        ds.milestones.iter().map(|m| (m.id.clone(), m.commitment_id.clone())).collect();
    let commitment_plan: HashMap<String, String> =
        ds.commitments.iter().map(|c| (c.id.clone(), c.plan_id.clone())).collect();
    let mut latest: HashMap<String, (i32, Option<i32>, String)> = HashMap::new();
    let mut update_count: HashMap<String, i32> = HashMap::new();
    ds.progress_updates.par_iter_mut().with_min_len(1024).for_each(|u| {
        u.search_text = search_text(&[Some(&u.description), u.verification.as_deref()]);
    });
    ds.milestones.par_iter_mut().with_min_len(1024).for_each(|m| {
        m.search_text =
            search_text(&[Some(&m.code), Some(&m.description), Some(&m.expected_results), m.term.as_deref()]);
    });
    for u in &mut ds.progress_updates {
        u.commitment_id = milestone_parent.get(&u.milestone_id).cloned().unwrap_or_default();
        u.plan_id = commitment_plan.get(&u.commitment_id).cloned().unwrap_or_default();
        *update_count.entry(u.milestone_id.clone()).or_default() += 1;
        let entry = latest.entry(u.milestone_id.clone()).or_insert((i32::MIN, None, String::new()));
        if u.position > entry.0 {
            *entry = (u.position, u.percent, u.reported_at.clone());
        }
    }
    log::debug!("derive: updates placed in {:.2} s", started.elapsed().as_secs_f64());
    // Milestones.
    let mut by_commitment: HashMap<String, Vec<i32>> = HashMap::new();
    let mut statuses: HashMap<String, Vec<&'static str>> = HashMap::new();
    for m in &mut ds.milestones {
        m.plan_id = commitment_plan.get(&m.commitment_id).cloned().unwrap_or_default();
        let l = latest.get(&m.id);
        m.latest_progress = l.and_then(|l| l.1);
        m.latest_progress_at = l.map(|l| l.2.clone());
        m.progress_update_count = update_count.get(&m.id).copied().unwrap_or(0);
        m.status = status_of(m.latest_progress).to_string();
        by_commitment.entry(m.commitment_id.clone()).or_default().push(m.latest_progress.unwrap_or(0));
        statuses.entry(m.commitment_id.clone()).or_default().push(status_of(m.latest_progress));
    }
    // Commitments.
    for c in &mut ds.commitments {
        let progress = by_commitment.get(&c.id).cloned().unwrap_or_default();
        c.milestone_count = progress.len() as i32;
        c.computed_progress = mean(&progress);
        let st = statuses.get(&c.id).cloned().unwrap_or_default();
        c.status = if st.is_empty() {
            status_of(c.reported_progress)
        } else if st.iter().all(|s| *s == "completed") {
            "completed"
        } else if st.iter().any(|s| *s != "not_started") {
            "started"
        } else {
            "not_started"
        }
        .to_string();
        c.search_text = search_text(&[Some(&c.number), Some(&c.title), c.description.as_deref()]);
    }
    // Plans: counts grouped in one pass over each table.
    let mut per_plan: HashMap<&str, [i32; 6]> = HashMap::new();
    for c in &ds.commitments {
        per_plan.entry(c.plan_id.as_str()).or_default()[0] += 1;
    }
    for m in &ds.milestones {
        let e = per_plan.entry(m.plan_id.as_str()).or_default();
        e[1] += 1;
        e[match m.status.as_str() {
            "not_started" => 2,
            "started" => 3,
            _ => 4,
        }] += 1;
    }
    for u in &ds.progress_updates {
        per_plan.entry(u.plan_id.as_str()).or_default()[5] += 1;
    }
    let per_plan: HashMap<String, [i32; 6]> = per_plan.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for p in &mut ds.plans {
        let n = per_plan.get(&p.id).copied().unwrap_or_default();
        p.commitment_count = n[0];
        p.milestone_count = n[1];
        p.milestones_not_started = n[2];
        p.milestones_started = n[3];
        p.milestones_completed = n[4];
        p.progress_update_count = n[5];
        p.search_text =
            search_text(&[Some(&p.title), Some(&p.short_name), p.objective.as_deref(), p.description.as_deref()]);
    }
    // Roles: the plan each belongs to.
    let milestone_plan: HashMap<String, String> =
        ds.milestones.iter().map(|m| (m.id.clone(), m.plan_id.clone())).collect();
    for r in &mut ds.roles {
        r.plan_id = match r.subject_type.as_str() {
            "plan" => r.subject_id.clone(),
            "commitment" => commitment_plan.get(&r.subject_id).cloned().unwrap_or_default(),
            _ => milestone_plan.get(&r.subject_id).cloned().unwrap_or_default(),
        };
    }
    // Institutions: rollups over their roles.
    let milestones: HashMap<&str, &crate::models::MilestoneRow> =
        ds.milestones.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut aliases: HashMap<&str, Vec<&str>> = HashMap::new();
    for a in &ds.aliases {
        aliases.entry(a.institution_id.as_str()).or_default().push(a.alias.as_str());
    }
    let mut roles_of: HashMap<&str, Vec<&crate::models::InstitutionRoleRow>> = HashMap::new();
    for r in &ds.roles {
        roles_of.entry(r.institution_id.as_str()).or_default().push(r);
    }
    for i in &mut ds.institutions {
        let mut commitments: HashSet<&str> = HashSet::new();
        let mut ms: HashSet<&str> = HashSet::new();
        for r in roles_of.get(i.id.as_str()).into_iter().flatten() {
            match r.subject_type.as_str() {
                "commitment" => {
                    commitments.insert(r.subject_id.as_str());
                }
                "milestone" => {
                    ms.insert(r.subject_id.as_str());
                    if let Some(m) = milestones.get(r.subject_id.as_str()) {
                        commitments.insert(m.commitment_id.as_str());
                    }
                }
                _ => {}
            }
        }
        let progress: Vec<i32> =
            ms.iter().filter_map(|id| milestones.get(id)).map(|m| m.latest_progress.unwrap_or(0)).collect();
        i.commitment_count = commitments.len() as i32;
        i.milestone_count = ms.len() as i32;
        i.completed_milestone_count =
            ms.iter().filter_map(|id| milestones.get(id)).filter(|m| m.status == "completed").count() as i32;
        i.average_progress = mean(&progress);
        i.name_key = fold(&i.name);
        let mut parts = vec![Some(i.name.as_str()), i.acronym.as_deref()];
        parts.extend(aliases.get(i.id.as_str()).into_iter().flatten().map(|a| Some(*a)));
        i.search_text = search_text(&parts);
    }
    log::debug!("derive: rollups in {:.2} s", started.elapsed().as_secs_f64());
    ds.findings = super::quality::compute(ds);
    log::debug!("derive: quality findings in {:.2} s", started.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_mean_follow_the_rules() {
        assert_eq!(status_of(None), "not_started");
        assert_eq!(status_of(Some(0)), "not_started");
        assert_eq!(status_of(Some(1250)), "started");
        assert_eq!(status_of(Some(10000)), "completed");
        assert_eq!(mean(&[8500, 10000, 0]), Some(6166));
        assert_eq!(mean(&[]), None);
    }
}
