//! Data-quality findings, computed from the data on every import (never
//! typed in): where what the sources report and what they contain disagree.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;

use super::Dataset;
use crate::models::QualityFindingRow;
use crate::percent::format_hundredths as pct;
use crate::text::fold;
use rayon::prelude::*;

pub const KINDS: &[&str] = &[
    "reported_vs_computed_progress",
    "published_counts_mismatch",
    "duplicate_progress_update",
    "progress_decrease",
    "update_after_end_date",
    "numbering_gap",
    "identical_milestones",
];

/// Word overlap (percent) from which two updates count as near duplicates.
const NEAR: u32 = 90;

/// Reported and computed progress closer than this (hundredths) agree.
const TOLERANCE: i32 = 100;

struct Out(Vec<QualityFindingRow>);

impl Out {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: &str,
        plan: &str,
        rtype: &str,
        rid: &str,
        es: String,
        en: String,
        details: serde_json::Value,
    ) {
        self.0.push(QualityFindingRow {
            id: format!("{kind}:{rid}"),
            seq: self.0.len() as i32 + 1,
            kind: kind.into(),
            plan_id: plan.into(),
            record_type: rtype.into(),
            record_id: rid.into(),
            summary_es: es,
            summary_en: en,
            details: details.to_string(),
        });
    }
}

/// The distinct words (longer than two letters) of a folded text, as
/// sorted hashes: cheap to build and to compare for millions of updates.
fn words(folded: &str) -> Vec<u64> {
    let mut out: Vec<u64> = folded
        .split(' ')
        .filter(|w| w.len() > 2)
        .map(|w| w.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Share of words two texts have in common (Jaccard), in percent.
#[cfg(test)]
fn similarity(a: &str, b: &str) -> u32 {
    jaccard(&words(&fold(a)), &words(&fold(b)))
}

/// Jaccard overlap of two sorted, distinct lists, in percent.
fn jaccard(a: &[u64], b: &[u64]) -> u32 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        return 0;
    }
    (common * 100 / union) as u32
}

fn list_es(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} y {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn list_en(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

pub fn compute(ds: &Dataset) -> Vec<QualityFindingRow> {
    let mut out = Out(Vec::new());
    let responsible: HashMap<&str, Vec<&str>> = {
        let mut m: HashMap<&str, Vec<&str>> = HashMap::new();
        for r in ds.roles.iter().filter(|r| r.role == "responsible" && r.subject_type == "milestone") {
            m.entry(r.subject_id.as_str()).or_default().push(r.institution_id.as_str());
        }
        m
    };
    let mut commitments_of: HashMap<&str, Vec<&crate::models::CommitmentRow>> = HashMap::new();
    for c in &ds.commitments {
        commitments_of.entry(c.plan_id.as_str()).or_default().push(c);
    }
    let mut milestones_of: HashMap<&str, Vec<&crate::models::MilestoneRow>> = HashMap::new();
    for m in &ds.milestones {
        milestones_of.entry(m.plan_id.as_str()).or_default().push(m);
    }
    let mut updates_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, u) in ds.progress_updates.iter().enumerate() {
        updates_of.entry(u.milestone_id.as_str()).or_default().push(k);
    }
    // Fold and split each update's text once, on all cores.
    let prepared: Vec<(String, Vec<u64>)> = ds
        .progress_updates
        .par_iter()
        .with_min_len(1024)
        .map(|u| {
            let folded = fold(&u.description);
            let words = words(&folded);
            (folded, words)
        })
        .collect();
    for plan in &ds.plans {
        let commitments: Vec<_> = commitments_of.remove(plan.id.as_str()).unwrap_or_default();
        let milestones: Vec<_> = milestones_of.remove(plan.id.as_str()).unwrap_or_default();

        // The platform's headline counts against the milestones present.
        if let (Some(a), Some(b), Some(c)) = (
            plan.published_milestones_not_started,
            plan.published_milestones_started,
            plan.published_milestones_completed,
        ) {
            let (x, y, z) = (plan.milestones_not_started, plan.milestones_started, plan.milestones_completed);
            if (a, b, c) != (x, y, z) {
                out.push(
                    "published_counts_mismatch",
                    &plan.id,
                    "plan",
                    &plan.id,
                    format!(
                        "La fuente publica {a} hitos no iniciados, {b} iniciados y {c} completados ({} en total); \
                         los datos contienen {} hitos: {x} no iniciados, {y} iniciados y {z} completados según su último avance.",
                        a + b + c,
                        milestones.len()
                    ),
                    format!(
                        "The source publishes {a} milestones not started, {b} started and {c} completed ({} in all); \
                         the data holds {} milestones: {x} not started, {y} started and {z} completed by their latest progress.",
                        a + b + c,
                        milestones.len()
                    ),
                    json!({"published": {"not_started": a, "started": b, "completed": c, "total": a + b + c},
                           "present": {"not_started": x, "started": y, "completed": z, "total": milestones.len()}}),
                );
            }
        }

        // Gaps in commitment numbering, and the stated total.
        let numbers: Vec<u32> = commitments.iter().filter_map(|c| c.number.parse::<u32>().ok()).collect();
        if !numbers.is_empty() && numbers.len() == commitments.len() {
            let top = numbers.iter().copied().max().unwrap_or(0).max(plan.stated_commitment_total.unwrap_or(0) as u32);
            let present: HashSet<u32> = numbers.iter().copied().collect();
            let missing: Vec<String> = (1..=top).filter(|n| !present.contains(n)).map(|n| n.to_string()).collect();
            let stated_differs = plan.stated_commitment_total.is_some_and(|t| t as usize != commitments.len());
            if !missing.is_empty() || stated_differs {
                let stated = plan.stated_commitment_total;
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
                out.push(
                    "numbering_gap",
                    &plan.id,
                    "plan",
                    &plan.id,
                    format!("{es_total}; faltan los números {}.", list_es(&missing)),
                    format!("{en_total}; numbers {} are missing.", list_en(&missing)),
                    json!({"stated_total": stated, "listed": commitments.len(), "missing_numbers": missing}),
                );
            }
        }

        // Reported commitment progress against the milestones' own.
        for c in &commitments {
            if let (Some(r), Some(m)) = (c.reported_progress, c.computed_progress) {
                if (r - m).abs() >= TOLERANCE {
                    out.push(
                        "reported_vs_computed_progress",
                        &plan.id,
                        "commitment",
                        &c.id,
                        format!(
                            "El compromiso {} reporta {}% de avance, pero el promedio del último avance de sus {} hitos es {}% (diferencia de {} puntos).",
                            c.number, pct(r), c.milestone_count, pct(m), pct((r - m).abs())
                        ),
                        format!(
                            "Commitment {} reports {}% progress, but the mean latest progress of its {} milestones is {}% ({} points apart).",
                            c.number, pct(r), c.milestone_count, pct(m), pct((r - m).abs())
                        ),
                        json!({"reported_progress": crate::percent::to_number(r), "computed_progress": crate::percent::to_number(m),
                               "milestones": c.milestone_count, "difference": crate::percent::to_number((r - m).abs())}),
                    );
                }
            }
        }

        for m in &milestones {
            let mut idx: Vec<usize> = updates_of.remove(m.id.as_str()).unwrap_or_default();
            idx.sort_by_key(|k| ds.progress_updates[*k].position);
            let updates: Vec<&crate::models::ProgressUpdateRow> =
                idx.iter().map(|k| &ds.progress_updates[*k]).collect();
            let folded: Vec<&str> = idx.iter().map(|k| prepared[*k].0.as_str()).collect();
            let word_sets: Vec<&[u64]> = idx.iter().map(|k| prepared[*k].1.as_slice()).collect();
            for (j, u) in updates.iter().enumerate() {
                // Exact and near duplicates of an earlier update.
                if let Some((prev, exact, overlap)) = (0..j).rev().find_map(|i| {
                    let p = updates[i];
                    let exact = p.description == u.description && p.percent == u.percent;
                    let overlap = jaccard(word_sets[i], word_sets[j]);
                    let near = folded[i] == folded[j] || overlap >= NEAR;
                    (exact || near).then_some((p, exact, overlap))
                }) {
                    let (es_how, en_how) = if exact {
                        ("repite exactamente", "exactly repeats")
                    } else {
                        ("repite casi igual", "nearly repeats")
                    };
                    out.push(
                        "duplicate_progress_update",
                        &plan.id,
                        "progress_update",
                        &u.id,
                        format!(
                            "El avance {} del hito {} ({}, {}%) {es_how} el avance {} ({}, {}%).",
                            u.position, m.id, u.reported_at, pct(u.percent.unwrap_or(0)), prev.position, prev.reported_at, pct(prev.percent.unwrap_or(0))
                        ),
                        format!(
                            "Update {} of milestone {} ({}, {}%) {en_how} update {} ({}, {}%).",
                            u.position, m.id, u.reported_at, pct(u.percent.unwrap_or(0)), prev.position, prev.reported_at, pct(prev.percent.unwrap_or(0))
                        ),
                        json!({"match": if exact { "exact" } else { "near" }, "duplicate_of": prev.id,
                               "similarity_percent": overlap,
                               "percent": u.percent.map(crate::percent::to_number), "duplicate_of_percent": prev.percent.map(crate::percent::to_number)}),
                    );
                }
                // Percentages that go down.
                if j > 0 {
                    let prev = updates[j - 1];
                    if let (Some(a), Some(b)) = (prev.percent, u.percent) {
                        if b < a {
                            out.push(
                                "progress_decrease",
                                &plan.id,
                                "progress_update",
                                &u.id,
                                format!("El avance del hito {} baja de {}% ({}) a {}% ({}).", m.id, pct(a), prev.reported_at, pct(b), u.reported_at),
                                format!("Progress on milestone {} goes down from {}% ({}) to {}% ({}).", m.id, pct(a), prev.reported_at, pct(b), u.reported_at),
                                json!({"previous": prev.id, "previous_percent": crate::percent::to_number(a), "percent": crate::percent::to_number(b)}),
                            );
                        }
                    }
                }
                // Reported after the milestone ended.
                if let Some(end) = &m.end_date {
                    let day = &u.reported_at[..u.reported_at.len().min(10)];
                    if day > end.as_str() {
                        out.push(
                            "update_after_end_date",
                            &plan.id,
                            "progress_update",
                            &u.id,
                            format!(
                                "El avance se publicó el {day}, después de la fecha de fin del hito {} ({}, «{}»).",
                                m.id,
                                end,
                                m.end_raw.clone().unwrap_or_default()
                            ),
                            format!(
                                "The update was posted on {day}, after milestone {}'s end date ({}, “{}”).",
                                m.id,
                                end,
                                m.end_raw.clone().unwrap_or_default()
                            ),
                            json!({"reported_at": u.reported_at, "milestone_end_date": end}),
                        );
                    }
                }
            }
        }
    }

    // The same milestone text under different responsible institutions.
    let mut groups: BTreeMap<String, Vec<&crate::models::MilestoneRow>> = BTreeMap::new();
    for m in &ds.milestones {
        let key = fold(&m.description);
        if key.len() >= 20 {
            groups.entry(key).or_default().push(m);
        }
    }
    let mut same: Vec<&crate::models::MilestoneRow> = Vec::new();
    for group in groups.values().filter(|g| g.len() > 1) {
        let owners: HashSet<Vec<&str>> =
            group.iter().map(|m| responsible.get(m.id.as_str()).cloned().unwrap_or_default()).collect();
        if owners.len() > 1 {
            same.extend(group.iter().copied());
        }
    }
    same.sort_by_key(|m| m.seq);
    for m in same {
        let key = fold(&m.description);
        let others: Vec<String> = groups[&key].iter().filter(|o| o.id != m.id).map(|o| o.id.clone()).collect();
        let mine: Vec<String> =
            responsible.get(m.id.as_str()).cloned().unwrap_or_default().iter().map(|s| s.to_string()).collect();
        let theirs: Vec<String> = groups[&key]
            .iter()
            .filter(|o| o.id != m.id)
            .flat_map(|o| responsible.get(o.id.as_str()).cloned().unwrap_or_default())
            .map(str::to_string)
            .collect();
        out.push(
            "identical_milestones",
            &m.plan_id,
            "milestone",
            &m.id,
            format!(
                "El hito {} ({}) tiene la misma descripción que {} ({}).",
                m.id,
                list_es(&mine),
                list_es(&others),
                list_es(&theirs)
            ),
            format!(
                "Milestone {} ({}) has the same description as {} ({}).",
                m.id,
                list_en(&mine),
                list_en(&others),
                list_en(&theirs)
            ),
            json!({"same_as": others, "responsible": mine, "others_responsible": theirs}),
        );
    }
    // Plans first, then records, each group in source order.
    let mut rows = out.0;
    for (i, r) in rows.iter_mut().enumerate() {
        r.seq = i as i32 + 1;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_is_word_overlap() {
        assert_eq!(similarity("uno dos tres", "uno dos tres"), 100);
        assert_eq!(similarity("reunión con la sociedad civil", "Reunión con sociedad civil y academia"), 80);
        assert_eq!(similarity("datos abiertos", "salud pública"), 0);
    }
}
