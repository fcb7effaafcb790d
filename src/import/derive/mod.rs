//! Derived columns, computed from the curated data, never typed in: status,
//! latest and computed progress, counts, rollups, mentions, search keys.
//!
//! The progress rules (documented in `data/README.md`):
//! - a plan *tracks progress* when its source publishes any progress figure
//!   (a commitment percentage, a dated update or headline milestone counts);
//!   a plan that does not has `no_data` everywhere and no percentage at all;
//! - a milestone's latest progress is that of its latest update *by time*
//!   (ties: the later in the list); any update means `started`, 100 % means
//!   `completed`; a tracked milestone without updates is `not_started`;
//! - averages are taken over tracked milestones only, a not-started one
//!   counting as 0 %, and each says over how many milestones it is taken;
//! - a milestone is overdue when tracked, not completed, and its end date is
//!   before the date its plan's source speaks for (its latest update).

use std::collections::{HashMap, HashSet};

use super::dataset::Dataset;

mod institutions;
mod sources;
use crate::models::{MilestoneRow, ProgressUpdateRow};
use crate::text::{fold, json_list};
use crate::vocabulary::{RoleOrigin, RoleSubject, Status};

/// Status of a tracked record from its latest percentage (`None`: no update).
pub fn status_of(latest: Option<i32>) -> Status {
    match latest {
        None => Status::NotStarted,
        Some(10000..) => Status::Completed,
        Some(_) => Status::Started,
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

/// A progress update's folded search text, made as the update is written
/// (`import::sync::SyncRow`): the dataset does not hold it.
pub fn progress_update_search_text(u: &ProgressUpdateRow) -> String {
    search_text(&[Some(&u.description), u.verification.as_deref()])
}

/// A milestone's folded search text, made as it is written (as above).
pub fn milestone_search_text(m: &MilestoneRow) -> String {
    let results = json_list(&m.expected_results).join(" ");
    search_text(&[Some(&m.code), Some(&m.description), Some(&results), m.term.as_deref()])
}

/// What a milestone adds to a rollup: counts per status, overdue, and its
/// progress when tracked (not started counts as 0).
#[derive(Default, Clone)]
struct Tally {
    milestones: i32,
    by_status: [i32; 4],
    overdue: i32,
    progress: Vec<i32>,
}

impl Tally {
    fn add(&mut self, m: &MilestoneRow) {
        self.milestones += 1;
        let k = match m.status {
            Status::Completed => 0,
            Status::Started => 1,
            Status::NotStarted => 2,
            Status::NoData => 3,
        };
        self.by_status[k] += 1;
        if m.overdue == Some(true) {
            self.overdue += 1;
        }
        if m.status != Status::NoData {
            self.progress.push(m.latest_progress.unwrap_or(0));
        }
    }

    fn average(&self) -> (Option<i32>, i32) {
        (mean(&self.progress), self.progress.len() as i32)
    }
}

pub fn compute(ds: &mut Dataset) {
    let started = std::time::Instant::now();
    // Mentions found in the text are derived again from scratch.
    ds.roles.retain(|r| r.origin == RoleOrigin::Curated);
    let milestone_parent: HashMap<String, String> =
        ds.milestones.iter().map(|m| (m.id.clone(), m.commitment_id.clone())).collect();
    let commitment_plan: HashMap<String, String> =
        ds.commitments.iter().map(|c| (c.id.clone(), c.plan_id.clone())).collect();
    // Updates: each one's commitment and plan; their links from now on made from their descriptions.
    ds.progress_updates.derive(|m| {
        let c = milestone_parent.get(m)?;
        Some((c.clone(), commitment_plan.get(c).cloned().unwrap_or_default()))
    });
    for s in &mut ds.sections {
        s.search_text = search_text(&[Some(&s.title), Some(&s.body)]);
    }
    for p in &mut ds.participants {
        p.search_text = search_text(&[Some(&p.name), p.position.as_deref()]);
    }
    for r in &mut ds.risks {
        r.search_text = search_text(&[
            Some(&r.scenario),
            r.warning_signs.as_deref(),
            r.preventive_actions.as_deref(),
            r.damage_reduction.as_deref(),
            r.adjustments.as_deref(),
        ]);
    }

    // Each milestone's latest update by time (then list order).
    let mut latest: HashMap<String, (String, i32, Option<i32>)> = HashMap::new();
    let mut update_count: HashMap<String, i32> = HashMap::new();
    let mut plan_as_of: HashMap<String, String> = HashMap::new();
    let updates = &ds.progress_updates;
    for i in 0..updates.len() {
        let (milestone, at, position) = (updates.milestone_id(i), updates.reported_at(i), updates.position(i));
        *update_count.entry(milestone.to_string()).or_default() += 1;
        match latest.get_mut(milestone) {
            Some(l) if (l.0.as_str(), l.1) >= (at, position) => {}
            Some(l) => *l = (at.to_string(), position, updates.percent(i)),
            None => {
                latest.insert(milestone.to_string(), (at.to_string(), position, updates.percent(i)));
            }
        }
        let day = at.get(..10).unwrap_or(at);
        let as_of = plan_as_of.entry(updates.plan_id(i).to_string()).or_default();
        if day > as_of.as_str() {
            *as_of = day.to_string();
        }
    }
    // Which plans publish any progress at all.
    let mut tracked: HashSet<String> = ds
        .plans
        .iter()
        .filter(|p| p.published_milestones_not_started.is_some() || p.published_milestones_completed.is_some())
        .map(|p| p.id.clone())
        .collect();
    tracked.extend(ds.commitments.iter().filter(|c| c.reported_progress.is_some()).map(|c| c.plan_id.clone()));
    tracked.extend((0..updates.len()).map(|i| updates.plan_id(i).to_string()));
    log::debug!("derive: updates placed in {:.2} s", started.elapsed().as_secs_f64());

    // Milestones.
    for m in &mut ds.milestones {
        m.plan_id = commitment_plan.get(&m.commitment_id).cloned().unwrap_or_default();
        let l = latest.get(&m.id);
        m.progress_update_count = update_count.get(&m.id).copied().unwrap_or(0);
        if tracked.contains(&m.plan_id) {
            m.latest_progress = l.and_then(|l| l.2);
            m.latest_progress_at = l.map(|l| l.0.clone());
            m.status = match l {
                None => Status::NotStarted,
                Some(l) if l.2 == Some(10000) => Status::Completed,
                Some(_) => Status::Started,
            };
            m.overdue = plan_as_of
                .get(&m.plan_id)
                .map(|as_of| m.status != Status::Completed && m.end_date.as_ref().is_some_and(|end| end < as_of));
        } else {
            m.latest_progress = None;
            m.latest_progress_at = None;
            m.status = Status::NoData;
            m.overdue = None;
        }
    }
    let mut of_commitment: HashMap<&str, Tally> = HashMap::new();
    let mut of_plan: HashMap<&str, Tally> = HashMap::new();
    for m in &ds.milestones {
        of_commitment.entry(m.commitment_id.as_str()).or_default().add(m);
        of_plan.entry(m.plan_id.as_str()).or_default().add(m);
    }
    // Commitments.
    for c in &mut ds.commitments {
        let t = of_commitment.get(c.id.as_str()).cloned().unwrap_or_default();
        c.milestone_count = t.milestones;
        if !tracked.contains(&c.plan_id) {
            c.status = Status::NoData;
            c.computed_progress = None;
            c.computed_progress_milestones = None;
        } else if t.milestones == 0 {
            // Nothing to compute from: the status follows the published figure.
            c.status = match c.reported_progress {
                None | Some(0) => Status::NotStarted,
                Some(10000..) => Status::Completed,
                Some(_) => Status::Started,
            };
            c.computed_progress = None;
            c.computed_progress_milestones = None;
        } else {
            let [completed, started, _, _] = t.by_status;
            c.status = if completed == t.milestones {
                Status::Completed
            } else if completed + started > 0 {
                Status::Started
            } else {
                Status::NotStarted
            };
            let (avg, over) = t.average();
            c.computed_progress = avg;
            c.computed_progress_milestones = Some(over);
        }
        c.search_text = search_text(&[Some(&c.number), Some(&c.title), c.description.as_deref()]);
    }
    // Plans.
    let mut commitment_count: HashMap<&str, i32> = HashMap::new();
    for c in &ds.commitments {
        *commitment_count.entry(c.plan_id.as_str()).or_default() += 1;
    }
    let mut plan_updates: HashMap<&str, i32> = HashMap::new();
    for i in 0..ds.progress_updates.len() {
        *plan_updates.entry(ds.progress_updates.plan_id(i)).or_default() += 1;
    }
    for p in &mut ds.plans {
        let t = of_plan.get(p.id.as_str()).cloned().unwrap_or_default();
        p.commitment_count = commitment_count.get(p.id.as_str()).copied().unwrap_or(0);
        p.milestone_count = t.milestones;
        let [completed, started, not_started, no_data] = t.by_status;
        p.milestones_completed = completed;
        p.milestones_started = started;
        p.milestones_not_started = not_started;
        p.milestones_no_data = no_data;
        p.milestones_overdue = t.overdue;
        p.progress_update_count = plan_updates.get(p.id.as_str()).copied().unwrap_or(0);
        p.tracks_progress = tracked.contains(&p.id);
        p.progress_as_of = plan_as_of.get(&p.id).cloned();
        let (avg, over) = t.average();
        p.computed_progress = avg;
        p.computed_progress_milestones = avg.map(|_| over);
        p.search_text =
            search_text(&[Some(&p.title), Some(&p.short_name), p.objective.as_deref(), p.description.as_deref()]);
    }
    log::debug!("derive: statuses in {:.2} s", started.elapsed().as_secs_f64());

    super::mentions::find(ds);
    log::debug!("derive: mentions in {:.2} s", started.elapsed().as_secs_f64());
    // Roles: the plan each belongs to.
    let milestone_plan: HashMap<String, String> =
        ds.milestones.iter().map(|m| (m.id.clone(), m.plan_id.clone())).collect();
    let updates = &ds.progress_updates;
    let update_plan: HashMap<String, String> =
        (0..updates.len()).map(|i| (updates.id(i).to_string(), updates.plan_id(i).to_string())).collect();
    let part_plan: HashMap<String, String> = ds
        .sections
        .iter()
        .map(|s| (s.id.clone(), s.plan_id.clone()))
        .chain(ds.participants.iter().map(|p| (p.id.clone(), p.plan_id.clone())))
        .chain(ds.risks.iter().map(|r| (r.id.clone(), r.plan_id.clone())))
        .collect();
    for r in &mut ds.roles {
        r.plan_id = match r.subject_type {
            RoleSubject::Plan => Some(r.subject_id.clone()),
            RoleSubject::Commitment => commitment_plan.get(&r.subject_id).cloned(),
            RoleSubject::Milestone => milestone_plan.get(&r.subject_id).cloned(),
            RoleSubject::ProgressUpdate => update_plan.get(&r.subject_id).cloned(),
            RoleSubject::PlanSection | RoleSubject::PlanParticipant | RoleSubject::PlanRisk => {
                part_plan.get(&r.subject_id).cloned()
            }
        }
        .unwrap_or_default();
    }
    sources::written_in_sources(ds);
    log::debug!("derive: names in the sources in {:.2} s", started.elapsed().as_secs_f64());
    institutions::institution_rollups(ds);
    log::debug!("derive: rollups in {:.2} s", started.elapsed().as_secs_f64());
    ds.findings = super::quality::compute(ds);
    log::debug!("derive: quality findings in {:.2} s", started.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_mean_follow_the_rules() {
        assert_eq!(status_of(None), Status::NotStarted);
        // Any update means started, even one that says 0 %.
        assert_eq!(status_of(Some(0)), Status::Started);
        assert_eq!(status_of(Some(1250)), Status::Started);
        assert_eq!(status_of(Some(10000)), Status::Completed);
        assert_eq!(mean(&[8500, 10000, 0]), Some(6166));
        assert_eq!(mean(&[]), None);
    }
}
