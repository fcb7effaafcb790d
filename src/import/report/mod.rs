//! Turn a parsed tracking-platform report into canonical records of one
//! plan, replacing what the dataset held for that plan's commitments.
//!
//! Ids survive the next export: a commitment is its number; a milestone or
//! update of the new report keeps the id of the one it matches in the
//! dataset (same commitment), found by content first and then by content
//! and position, so that inserting, removing or reordering others around it
//! changes nothing; only a really new record gets a new id, one never used
//! before (ids of removed records are kept in `retired_ids.csv`).
//!
//! Matching, in order, each record used once:
//! - milestones: the same text, results, dates and responsible institutions;
//!   then the same responsible institutions and a description that shares
//!   at least half its words (or a quarter, at the same position);
//! - updates (within a matched milestone): the same time, text and
//!   percentage; then the same time; then the same text and percentage.

use std::collections::{HashMap, HashSet};

use super::platform::{self, Mention, Report};
use super::{canonical, derive, Dataset, Problem};
use crate::models::*;
mod matching;
mod tidy;

use crate::vocabulary::{HeadingKind, ParticipantGroup, RetirableType, Role, RoleOrigin, RoleSubject, Status};
use matching::{alias_map, overlap, pair, Ids};
use tidy::{relocate_mentions, renumber, splice};

/// `line N` or `lines N-M`.
pub fn loc(first: usize, last: usize) -> String {
    if last > first {
        format!("lines {first}-{last}")
    } else {
        format!("line {first}")
    }
}

/// Replace `plan`'s commitments, milestones, updates and their roles with the report's.
pub fn apply(ds: &mut Dataset, plan: &str, document: &str, file: &str, report: &Report) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    ds.roles.retain(|r| r.origin == RoleOrigin::Curated);
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
    // What the dataset holds for the plan now, to keep ids.
    let responsible_of = |kind: RoleSubject, id: &str| -> Vec<String> {
        let mut v: Vec<String> = ds
            .roles
            .iter()
            .filter(|r| r.subject_type == kind && r.subject_id == id && r.role == Role::Responsible)
            .map(|r| r.institution_id.clone())
            .collect();
        v.sort();
        v
    };
    let old_milestones: HashMap<&str, Vec<(&MilestoneRow, Vec<String>)>> = {
        let mut m: HashMap<&str, Vec<(&MilestoneRow, Vec<String>)>> = HashMap::new();
        for row in
            ds.milestones.iter().filter(|m| ds.commitments.iter().any(|c| c.id == m.commitment_id && c.plan_id == plan))
        {
            m.entry(row.commitment_id.as_str())
                .or_default()
                .push((row, responsible_of(RoleSubject::Milestone, &row.id)));
        }
        m
    };
    let old_rows = ds.progress_updates.to_vec();
    let old_updates: HashMap<&str, Vec<&ProgressUpdateRow>> = {
        let mut m: HashMap<&str, Vec<&ProgressUpdateRow>> = HashMap::new();
        for u in &old_rows {
            m.entry(u.milestone_id.as_str()).or_default().push(u);
        }
        m
    };
    let retired: Vec<&str> = ds.retired.iter().map(|r| r.record_id.as_str()).collect();
    let mut commitments = Vec::new();
    let mut milestones = Vec::new();
    let mut updates = Vec::new();
    let mut kept: HashSet<String> = HashSet::new();
    let mut roles: Vec<InstitutionRoleRow> = Vec::new();
    let mut role_ids = HashSet::new();
    let mut role =
        |inst: String, role: Role, group: Option<ParticipantGroup>, kind: RoleSubject, subject: &str, line: usize| {
            let id = format!("{kind}:{subject}:{role}:{inst}");
            if role_ids.insert(id.clone()) {
                roles.push(InstitutionRoleRow {
                    id,
                    seq: 0,
                    institution_id: inst,
                    role,
                    participant_group: group,
                    subject_type: kind,
                    subject_id: subject.into(),
                    plan_id: plan.into(),
                    source_document: document.into(),
                    source_location: loc(line, line),
                    origin: RoleOrigin::Curated,
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
            source_location: loc(c.line, c.end_line),
            computed_progress: None,
            status: Status::default(),
            milestone_count: 0,
            search_text: String::new(),
            computed_progress_milestones: None,
        });
        for m in &c.responsible {
            for inst in resolve(m, &mut problems) {
                role(inst, Role::Responsible, None, RoleSubject::Commitment, &cid, m.line);
            }
        }
        for (group, m) in &c.participants {
            for inst in resolve(m, &mut problems) {
                role(inst, Role::Participating, Some(*group), RoleSubject::Commitment, &cid, m.line);
            }
        }
        // Keep the ids of the milestones that are still there.
        let responsible: Vec<Vec<String>> = c
            .milestones
            .iter()
            .map(|m| {
                let mut ids: Vec<String> =
                    m.responsible.iter().flat_map(|r| aliases.get(&r.name).cloned().unwrap_or_default()).collect();
                ids.sort();
                ids
            })
            .collect();
        let old = old_milestones.get(cid.as_str()).map(Vec::as_slice).unwrap_or_default();
        let indexed: Vec<(usize, &platform::Milestone)> = c.milestones.iter().enumerate().collect();
        let matched = pair(
            &indexed,
            old,
            |(k, m), (o, resp)| {
                o.description == m.description
                    && crate::text::json_list(&o.expected_results) == m.expected_results
                    && o.start_raw == m.start.as_ref().map(|d| d.0.clone())
                    && o.end_raw == m.end.as_ref().map(|d| d.0.clone())
                    && *resp == responsible[*k]
            },
            |_, (k, m), j, (o, resp)| {
                if *resp != responsible[*k] {
                    return 0;
                }
                let share = overlap(&o.description, &m.description);
                let same_place = o.code == (k + 1).to_string() || j == *k;
                if share >= 50 || (same_place && share >= 25) {
                    share + if same_place { 1 } else { 0 }
                } else {
                    0
                }
            },
        );
        let mut milestone_ids =
            Ids::new(format!("{cid}-m"), old.iter().map(|(o, _)| o.id.as_str()).chain(retired.iter().copied()));
        for ((k, m), found) in indexed.iter().zip(matched) {
            let (mid, old_row) = match found {
                Some(j) => (old[j].0.id.clone(), Some(old[j].0)),
                None => (milestone_ids.fresh(), None),
            };
            kept.insert(mid.clone());
            milestones.push(MilestoneRow {
                id: mid.clone(),
                seq: 0,
                commitment_id: cid.clone(),
                plan_id: String::new(),
                code: (k + 1).to_string(),
                description: m.description.clone(),
                expected_results: serde_json::to_string(&m.expected_results).unwrap_or_default(),
                start_raw: m.start.as_ref().map(|d| d.0.clone()),
                start_date: m.start.as_ref().map(|d| d.1.clone()),
                start_precision: m.start.as_ref().map(|d| d.2),
                end_raw: m.end.as_ref().map(|d| d.0.clone()),
                end_date: m.end.as_ref().map(|d| d.1.clone()),
                end_precision: m.end.as_ref().map(|d| d.2),
                term: None,
                source_document: document.into(),
                source_location: loc(m.line, m.end_line),
                status: Status::default(),
                latest_progress: None,
                latest_progress_at: None,
                progress_update_count: 0,
                search_text: String::new(),
                overdue: None,
            });
            for r in &m.responsible {
                for inst in resolve(r, &mut problems) {
                    role(inst, Role::Responsible, None, RoleSubject::Milestone, &mid, r.line);
                }
            }
            let before: &[&ProgressUpdateRow] =
                old_row.and_then(|o| old_updates.get(o.id.as_str())).map(Vec::as_slice).unwrap_or_default();
            let matched = pair(
                &m.updates,
                before,
                |u, o| {
                    o.reported_at == u.reported_at
                        && o.description == u.description
                        && o.percent_raw.as_deref() == Some(u.percent_raw.as_str())
                },
                |_, u, _, o| {
                    if o.reported_at == u.reported_at {
                        2
                    } else if o.description == u.description && o.percent_raw.as_deref() == Some(&u.percent_raw) {
                        1
                    } else {
                        0
                    }
                },
            );
            let mut update_ids =
                Ids::new(format!("{mid}-u"), before.iter().map(|o| o.id.as_str()).chain(retired.iter().copied()));
            for (j, (u, found)) in m.updates.iter().zip(matched).enumerate() {
                let id = match found {
                    Some(o) => before[o].id.clone(),
                    None => update_ids.fresh(),
                };
                kept.insert(id.clone());
                updates.push(ProgressUpdateRow {
                    id,
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
                    links: String::new(),
                    source_document: document.into(),
                    source_location: loc(u.line, u.end_line),
                    search_text: String::new(),
                    verification_line: u.verification_line,
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
    let old_updates: HashSet<String> =
        ds.progress_updates.iter().filter(|u| old_milestones.contains(&u.milestone_id)).map(|u| u.id.clone()).collect();
    // Records that are gone retire their ids.
    let new_commitments: HashSet<&str> = commitments.iter().map(|c| c.id.as_str()).collect();
    let mut gone: Vec<(RetirableType, String)> = Vec::new();
    for c in ds.commitments.iter().filter(|c| c.plan_id == plan && !new_commitments.contains(c.id.as_str())) {
        gone.push((RetirableType::Commitment, c.id.clone()));
    }
    for m in ds.milestones.iter().filter(|m| old_milestones.contains(&m.id) && !kept.contains(&m.id)) {
        gone.push((RetirableType::Milestone, m.id.clone()));
    }
    for u in ds.progress_updates.iter().filter(|u| old_milestones.contains(&u.milestone_id) && !kept.contains(&u.id)) {
        gone.push((RetirableType::ProgressUpdate, u.id.clone()));
    }
    for (kind, id) in gone {
        if !ds.retired.iter().any(|r| r.record_id == id) {
            ds.retired.push(RetiredIdRow { record_type: kind, record_id: id, seq: 0 });
        }
    }
    splice(&mut ds.commitments, |c| c.plan_id == plan, commitments);
    splice(&mut ds.milestones, |m| old_commitments.contains(&m.commitment_id), milestones);
    ds.progress_updates.modify(|rows| splice(rows, |u| old_milestones.contains(&u.milestone_id), updates));
    // Roles come from the report's lists; mentions curated by hand on a
    // record that is still there stay (its id did not change), and the
    // import checks that their line still names the institution.
    let live: HashSet<String> = ds
        .commitments
        .iter()
        .map(|c| c.id.clone())
        .chain(ds.milestones.iter().map(|m| m.id.clone()))
        .chain(ds.progress_updates.iter().map(|u| u.id.clone()))
        .collect();
    splice(
        &mut ds.roles,
        |r| {
            let old = (r.subject_type == RoleSubject::Commitment && old_commitments.contains(&r.subject_id))
                || (r.subject_type == RoleSubject::Milestone && old_milestones.contains(&r.subject_id))
                || (r.subject_type == RoleSubject::ProgressUpdate && old_updates.contains(&r.subject_id));
            old && !(r.role == Role::Mentioned && live.contains(&r.subject_id))
        },
        roles,
    );
    relocate_mentions(ds, document);
    // The report's own structure: a heading per commitment, on its title line.
    ds.headings.retain(|h| h.document_id != document);
    for (k, c) in report.commitments.iter().enumerate() {
        ds.headings.push(SourceHeadingRow {
            id: format!("{document}-h{}", k + 1),
            seq: 0,
            document_id: document.into(),
            line: c.line as i32 + 1,
            kind: HeadingKind::Heading,
            level: 1,
            number: Some(c.number.clone()),
            title: c.title.lines().next().unwrap_or_default().to_string(),
            page: None,
            heading_line: None,
        });
    }
    ds.headings.sort_by(|a, b| (&a.document_id, a.line, a.seq).cmp(&(&b.document_id, b.line, b.seq)));
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
