//! Findings about plans, commitments and milestones as wholes: published
//! counts, numbering, reported against computed progress, the documents'
//! own tables of contents, overdue and identical milestones.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;

use super::{list_en, list_es, Finding, FindingKind, FindingSubject, Out};
use crate::import::dataset::Dataset;
use crate::models::{CommitmentRow, MilestoneRow};
use crate::percent::{format_hundredths as pct, to_number};
use crate::text::fold;
use crate::vocabulary::{HeadingKind, Role, RoleSubject};

/// Reported and computed progress closer than this (hundredths) agree.
const TOLERANCE: i32 = 100;

pub(super) fn plans(ds: &Dataset, out: &mut Out) {
    let mut commitments_of: HashMap<&str, Vec<&CommitmentRow>> = HashMap::new();
    for c in &ds.commitments {
        commitments_of.entry(c.plan_id.as_str()).or_default().push(c);
    }
    for plan in &ds.plans {
        let commitments = commitments_of.remove(plan.id.as_str()).unwrap_or_default();
        // The platform's headline counts against the milestones present,
        // counted by the same rules as the records' statuses.
        if let (Some(a), Some(b), Some(c)) = (
            plan.published_milestones_not_started,
            plan.published_milestones_started,
            plan.published_milestones_completed,
        ) {
            let (x, y, z) = (plan.milestones_not_started, plan.milestones_started, plan.milestones_completed);
            if (a, b, c) != (x, y, z) {
                let n = plan.milestone_count;
                out.push(Finding {
                    kind: FindingKind::PublishedCountsMismatch,
                    plan: &plan.id,
                    record_type: FindingSubject::Plan,
                    record_id: &plan.id,
                    es: format!(
                        "La fuente publica {a} hitos no iniciados, {b} iniciados y {c} completados ({} en total); \
                         los datos contienen {n} hitos: {x} no iniciados, {y} iniciados y {z} completados según su \
                         último avance (por fecha y hora).",
                        a + b + c
                    ),
                    en: format!(
                        "The source publishes {a} milestones not started, {b} started and {c} completed ({} in all); \
                         the data holds {n} milestones: {x} not started, {y} started and {z} completed by their \
                         latest update (by time).",
                        a + b + c
                    ),
                    details: json!({"published": {"not_started": a, "started": b, "completed": c, "total": a + b + c},
                           "present": {"not_started": x, "started": y, "completed": z, "total": n}}),
                });
            }
        }
        numbering(plan, &commitments, out);
        for c in &commitments {
            reported_vs_computed(&plan.id, c, out);
        }
    }
    announced_but_absent(ds, out);
}

/// Gaps in commitment numbering, and a stated total the list does not reach.
fn numbering(plan: &crate::models::PlanRow, commitments: &[&CommitmentRow], out: &mut Out) {
    let numbers: Vec<u32> = commitments.iter().filter_map(|c| c.number.parse::<u32>().ok()).collect();
    if numbers.is_empty() || numbers.len() != commitments.len() {
        return;
    }
    let top = numbers.iter().copied().max().unwrap_or(0).max(plan.stated_commitment_total.unwrap_or(0) as u32);
    let present: HashSet<u32> = numbers.iter().copied().collect();
    let missing: Vec<String> = (1..=top).filter(|n| !present.contains(n)).map(|n| n.to_string()).collect();
    let stated = plan.stated_commitment_total;
    if missing.is_empty() && stated.is_none_or(|t| t as usize == commitments.len()) {
        return;
    }
    let (es_total, en_total) = match stated {
        Some(t) => (
            format!("El plan declara {t} compromisos y lista {}", commitments.len()),
            format!("The plan states {t} commitments and lists {}", commitments.len()),
        ),
        None => (
            format!("El plan lista {} compromisos", commitments.len()),
            format!("The plan lists {} commitments", commitments.len()),
        ),
    };
    out.push(Finding {
        kind: FindingKind::NumberingGap,
        plan: &plan.id,
        record_type: FindingSubject::Plan,
        record_id: &plan.id,
        es: format!("{es_total}; faltan los números {}.", list_es(&missing)),
        en: format!("{en_total}; numbers {} are missing.", list_en(&missing)),
        details: json!({"stated_total": stated, "listed": commitments.len(), "missing_numbers": missing}),
    });
}

/// A commitment's published progress against the mean of its milestones'.
fn reported_vs_computed(plan: &str, c: &CommitmentRow, out: &mut Out) {
    let (Some(r), Some(m), Some(over)) = (c.reported_progress, c.computed_progress, c.computed_progress_milestones)
    else {
        return;
    };
    if (r - m).abs() < TOLERANCE {
        return;
    }
    let gap = pct((r - m).abs());
    out.push(Finding {
        kind: FindingKind::ReportedVsComputedProgress,
        plan,
        record_type: FindingSubject::Commitment,
        record_id: &c.id,
        es: format!(
            "El compromiso {} reporta {}% de avance, pero el promedio del último avance de sus {over} hitos es {}% \
             (un hito sin avances cuenta 0 %): {gap} puntos de diferencia.",
            c.number,
            pct(r),
            pct(m)
        ),
        en: format!(
            "Commitment {} reports {}% progress, but the mean latest progress of its {over} milestones is {}% \
             (a milestone without updates counts as 0%): {gap} points apart.",
            c.number,
            pct(r),
            pct(m)
        ),
        details: json!({"reported_progress": to_number(r), "computed_progress": to_number(m),
               "milestones": over, "difference": to_number((r - m).abs())}),
    });
}

/// A document's own table of contents announces a section its body lacks.
fn announced_but_absent(ds: &Dataset, out: &mut Out) {
    for h in ds.headings.iter().filter(|h| h.kind == HeadingKind::TocEntry && h.heading_line.is_none()) {
        let Some(plan) = ds.plans.iter().find(|p| p.source_document == h.document_id) else { continue };
        let number = h.number.clone().map(|n| format!("{n} ")).unwrap_or_default();
        let page = h.page.clone().unwrap_or_default();
        out.push_as(
            &format!("structure_announced_but_absent:{}", h.id),
            Finding {
                kind: FindingKind::StructureAnnouncedButAbsent,
                plan: &plan.id,
                record_type: FindingSubject::SourceDocument,
                record_id: &h.document_id,
                es: format!(
                    "El índice del documento {} anuncia la sección «{number}{}» (página {page}, línea {}), pero el \
                     cuerpo del documento no la contiene.",
                    h.document_id, h.title, h.line
                ),
                en: format!(
                    "The table of contents of document {} announces the section “{number}{}” (page {page}, line {}), \
                     but the body of the document does not contain it.",
                    h.document_id, h.title, h.line
                ),
                details: json!({"heading": h.id, "line": h.line, "number": h.number, "title": h.title, "page": h.page}),
            },
        );
    }
}

pub(super) fn milestones(ds: &Dataset, out: &mut Out) {
    let as_of: HashMap<&str, &str> =
        ds.plans.iter().filter_map(|p| p.progress_as_of.as_deref().map(|d| (p.id.as_str(), d))).collect();
    for m in ds.milestones.iter().filter(|m| m.overdue == Some(true)) {
        let end = m.end_date.clone().unwrap_or_default();
        let date = as_of.get(m.plan_id.as_str()).copied().unwrap_or_default();
        let latest = m.latest_progress.map(|p| format!("{}%", pct(p)));
        let (es_now, en_now) = match &latest {
            Some(p) => (format!("su último avance es {p}"), format!("its latest progress is {p}")),
            None => ("no tiene ningún avance".to_string(), "it has no progress update".to_string()),
        };
        out.push(Finding {
            kind: FindingKind::MilestoneOverdue,
            plan: &m.plan_id,
            record_type: FindingSubject::Milestone,
            record_id: &m.id,
            es: format!(
                "El hito {} debía terminar el {end} («{}») y no está completado: a la fecha de la fuente ({date}) {es_now}.",
                m.id,
                m.end_raw.clone().unwrap_or_default()
            ),
            en: format!(
                "Milestone {} was due on {end} (“{}”) and is not completed: as of the source's date ({date}) {en_now}.",
                m.id,
                m.end_raw.clone().unwrap_or_default()
            ),
            details: json!({"end_date": end, "as_of": date, "status": m.status,
                "latest_progress": m.latest_progress.map(to_number)}),
        });
    }
    identical(ds, out);
}

/// The same milestone text under different responsible institutions.
fn identical(ds: &Dataset, out: &mut Out) {
    let mut responsible: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in ds.roles.iter().filter(|r| r.role == Role::Responsible && r.subject_type == RoleSubject::Milestone) {
        responsible.entry(r.subject_id.as_str()).or_default().push(r.institution_id.as_str());
    }
    let mut groups: BTreeMap<String, Vec<&MilestoneRow>> = BTreeMap::new();
    for m in &ds.milestones {
        let key = fold(&m.description);
        if key.len() >= 20 {
            groups.entry(key).or_default().push(m);
        }
    }
    let mut same: Vec<&MilestoneRow> = Vec::new();
    for group in groups.values().filter(|g| g.len() > 1) {
        let owners: HashSet<Vec<&str>> =
            group.iter().map(|m| responsible.get(m.id.as_str()).cloned().unwrap_or_default()).collect();
        if owners.len() > 1 {
            same.extend(group.iter().copied());
        }
    }
    same.sort_by_key(|m| m.seq);
    for m in same {
        let group = &groups[&fold(&m.description)];
        let others: Vec<String> = group.iter().filter(|o| o.id != m.id).map(|o| o.id.clone()).collect();
        let mine: Vec<String> =
            responsible.get(m.id.as_str()).cloned().unwrap_or_default().iter().map(|s| s.to_string()).collect();
        let theirs: Vec<String> = group
            .iter()
            .filter(|o| o.id != m.id)
            .flat_map(|o| responsible.get(o.id.as_str()).cloned().unwrap_or_default())
            .map(str::to_string)
            .collect();
        out.push(Finding {
            kind: FindingKind::IdenticalMilestones,
            plan: &m.plan_id,
            record_type: FindingSubject::Milestone,
            record_id: &m.id,
            es: format!(
                "El hito {} ({}) tiene la misma descripción que {} ({}).",
                m.id,
                list_es(&mine),
                list_es(&others),
                list_es(&theirs)
            ),
            en: format!(
                "Milestone {} ({}) has the same description as {} ({}).",
                m.id,
                list_en(&mine),
                list_en(&others),
                list_en(&theirs)
            ),
            details: json!({"same_as": others, "responsible": mine, "others_responsible": theirs}),
        });
    }
}
