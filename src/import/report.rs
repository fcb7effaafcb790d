//! Turn a parsed tracking-platform report into canonical records of one
//! plan, replacing what the dataset held for that plan's commitments.

use std::collections::{HashMap, HashSet};

use super::platform::{Mention, Report};
use super::{canonical, derive, Dataset, Problem};
use crate::models::*;

/// Alias (and canonical name) -> institution ids. A compound alias such as
/// "FLACSO y Cruz Roja" names several institutions.
fn alias_map(ds: &Dataset) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    let mut add = |k: &str, id: &str| {
        let ids = map.entry(k.to_string()).or_default();
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    };
    for a in &ds.aliases {
        add(&a.alias, &a.institution_id);
    }
    for i in &ds.institutions {
        add(&i.name, &i.id);
    }
    map
}

/// Put `new` where the first row matching `old` was (or at the end).
fn splice<T>(rows: &mut Vec<T>, old: impl Fn(&T) -> bool, new: Vec<T>) {
    let at = rows.iter().position(&old).unwrap_or(rows.len());
    let mut kept: Vec<T> = Vec::with_capacity(rows.len() + new.len());
    let mut inserted = false;
    let mut new = Some(new);
    for (i, r) in std::mem::take(rows).into_iter().enumerate() {
        if i == at && !inserted {
            kept.extend(new.take().unwrap_or_default());
            inserted = true;
        }
        if !old(&r) {
            kept.push(r);
        }
    }
    if !inserted {
        kept.extend(new.take().unwrap_or_default());
    }
    *rows = kept;
}

fn loc(line: usize) -> String {
    format!("line {line}")
}

/// Replace `plan`'s commitments, milestones, updates and their roles with the report's.
pub fn apply(ds: &mut Dataset, plan: &str, document: &str, file: &str, report: &Report) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(p) = ds.plans.iter_mut().find(|p| p.id == plan) else {
        return Err(vec![Problem {
            file: file.into(),
            line: 0,
            field: "plan".into(),
            message: format!("`{plan}` is not a plan of the dataset"),
        }]);
    };
    if let Some((a, b, c)) = report.headline {
        p.published_milestones_not_started = Some(a);
        p.published_milestones_started = Some(b);
        p.published_milestones_completed = Some(c);
    }
    let aliases = alias_map(ds);
    let resolve = |m: &Mention, problems: &mut Vec<Problem>| -> Vec<String> {
        match aliases.get(&m.name) {
            Some(ids) => ids.clone(),
            None => {
                problems.push(Problem {
                    file: file.into(),
                    line: m.line,
                    field: "institution".into(),
                    message: format!("`{}` is not a known institution name or alias", m.name),
                });
                vec![]
            }
        }
    };
    let mut commitments = Vec::new();
    let mut milestones = Vec::new();
    let mut updates = Vec::new();
    let mut roles: Vec<InstitutionRoleRow> = Vec::new();
    let mut role_ids = HashSet::new();
    let mut role = |inst: String, role: &str, group: Option<&str>, kind: &str, subject: &str, line: usize| {
        let id = format!("{kind}:{subject}:{role}:{inst}");
        if role_ids.insert(id.clone()) {
            roles.push(InstitutionRoleRow {
                id,
                seq: 0,
                institution_id: inst,
                role: role.into(),
                participant_group: group.map(str::to_string),
                subject_type: kind.into(),
                subject_id: subject.into(),
                plan_id: plan.into(),
                source_document: document.into(),
                source_location: loc(line),
            });
        }
    };
    let mut numbers: HashMap<&str, usize> = HashMap::new();
    for c in &report.commitments {
        if let Some(first) = numbers.insert(&c.number, c.line) {
            problems.push(Problem {
                file: file.into(),
                line: c.line,
                field: "commitment".into(),
                message: format!("number {} is used twice (first on line {first})", c.number),
            });
            continue;
        }
        let cid = format!("{plan}-c{}", c.number);
        commitments.push(CommitmentRow {
            id: cid.clone(),
            seq: 0,
            plan_id: plan.into(),
            number: c.number.clone(),
            title: c.title.clone(),
            description: Some(c.description.clone()).filter(|d| !d.is_empty()),
            reported_progress: c.progress.as_ref().map(|p| p.0),
            reported_progress_raw: c.progress.as_ref().map(|p| p.1.clone()),
            source_document: document.into(),
            source_location: loc(c.line),
            computed_progress: None,
            status: String::new(),
            milestone_count: 0,
            search_text: String::new(),
        });
        for m in &c.responsible {
            for inst in resolve(m, &mut problems) {
                role(inst, "responsible", None, "commitment", &cid, m.line);
            }
        }
        for (group, m) in &c.participants {
            for inst in resolve(m, &mut problems) {
                role(inst, "participating", Some(group), "commitment", &cid, m.line);
            }
        }
        for (k, m) in c.milestones.iter().enumerate() {
            let mid = format!("{cid}-m{}", k + 1);
            milestones.push(MilestoneRow {
                id: mid.clone(),
                seq: 0,
                commitment_id: cid.clone(),
                plan_id: String::new(),
                code: (k + 1).to_string(),
                description: m.description.clone(),
                expected_results: m.expected_results.join("\n"),
                start_raw: m.start.as_ref().map(|d| d.0.clone()),
                start_date: m.start.as_ref().map(|d| d.1.clone()),
                start_precision: m.start.as_ref().map(|d| d.2.to_string()),
                end_raw: m.end.as_ref().map(|d| d.0.clone()),
                end_date: m.end.as_ref().map(|d| d.1.clone()),
                end_precision: m.end.as_ref().map(|d| d.2.to_string()),
                term: None,
                source_document: document.into(),
                source_location: loc(m.line),
                status: String::new(),
                latest_progress: None,
                latest_progress_at: None,
                progress_update_count: 0,
                search_text: String::new(),
            });
            for r in &m.responsible {
                for inst in resolve(r, &mut problems) {
                    role(inst, "responsible", None, "milestone", &mid, r.line);
                }
            }
            for (j, u) in m.updates.iter().enumerate() {
                updates.push(ProgressUpdateRow {
                    id: format!("{mid}-u{}", j + 1),
                    seq: 0,
                    milestone_id: mid.clone(),
                    commitment_id: String::new(),
                    plan_id: String::new(),
                    position: j as i32 + 1,
                    reported_at: u.reported_at.clone(),
                    description: u.description.clone(),
                    percent: Some(u.percent),
                    percent_raw: Some(u.percent_raw.clone()),
                    verification: u.verification.clone(),
                    links: u.links.join("\n"),
                    source_document: document.into(),
                    source_location: loc(u.line),
                    search_text: String::new(),
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let old_commitments: HashSet<String> =
        ds.commitments.iter().filter(|c| c.plan_id == plan).map(|c| c.id.clone()).collect();
    let old_milestones: HashSet<String> =
        ds.milestones.iter().filter(|m| old_commitments.contains(&m.commitment_id)).map(|m| m.id.clone()).collect();
    splice(&mut ds.commitments, |c| c.plan_id == plan, commitments);
    splice(&mut ds.milestones, |m| old_commitments.contains(&m.commitment_id), milestones);
    splice(&mut ds.progress_updates, |u| old_milestones.contains(&u.milestone_id), updates);
    splice(
        &mut ds.roles,
        |r| {
            (r.subject_type == "commitment" && old_commitments.contains(&r.subject_id))
                || (r.subject_type == "milestone" && old_milestones.contains(&r.subject_id))
        },
        roles,
    );
    renumber(ds);
    // The dataset was valid before: whatever is wrong now came from the report.
    let problems: Vec<Problem> = canonical::validate(ds)
        .into_iter()
        .map(|p| Problem {
            file: file.into(),
            line: 0,
            field: p.field,
            message: format!("applying the report leaves {} (line {}) invalid: {}", p.file, p.line, p.message),
        })
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    derive::compute(ds);
    Ok(())
}

/// `seq` is the row's place in its file.
fn renumber(ds: &mut Dataset) {
    fn each<T>(rows: &mut [T], set: impl Fn(&mut T, i32)) {
        for (i, r) in rows.iter_mut().enumerate() {
            set(r, i as i32 + 1);
        }
    }
    each(&mut ds.commitments, |r, s| r.seq = s);
    each(&mut ds.milestones, |r, s| r.seq = s);
    each(&mut ds.progress_updates, |r, s| r.seq = s);
    each(&mut ds.roles, |r, s| r.seq = s);
}
