//! Findings about the progress updates of each milestone, taken in the order
//! they were posted (by time, then list order): repeats, percentages that go
//! down, updates after the end date, lists out of time order, bursts of
//! updates posted minutes apart, and progress reported without evidence.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;
use rayon::prelude::*;
use serde_json::json;

use super::{Finding, FindingKind, FindingSubject, Out};
use crate::import::dataset::Dataset;
use crate::models::{MilestoneRow, ProgressUpdateRow};
use crate::percent::{format_hundredths as pct, to_number};
use crate::text::fold;

/// Texts at least this similar (percent of characters, accents and case
/// aside) are near-identical.
const NEAR: f64 = 0.90;
/// A near-identical text counts as a repeat only when posted this close.
const REPEAT_MINUTES: i64 = 60;
/// Updates posted at most this far apart belong to one burst...
const BURST_GAP_MINUTES: i64 = 15;
/// ...of at least this many.
const BURST_MIN: usize = 3;

const MONTHS: &[&str] = &[
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// Guatemala's departments (folded): places that tell events apart.
const PLACES: &[&str] = &[
    "alta verapaz",
    "baja verapaz",
    "chimaltenango",
    "chiquimula",
    "el progreso",
    "escuintla",
    "guatemala",
    "huehuetenango",
    "izabal",
    "jalapa",
    "jutiapa",
    "peten",
    "quetzaltenango",
    "quiche",
    "retalhuleu",
    "sacatepequez",
    "san marcos",
    "santa rosa",
    "solola",
    "suchitepequez",
    "totonicapan",
    "zacapa",
];

/// What tells one event from another in an update's text: its numbers
/// (days, years, counts), month names and departments.
pub(crate) fn facts(folded: &str) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for w in folded.split(' ') {
        if w.chars().any(|c| c.is_ascii_digit()) || MONTHS.contains(&w) {
            out.insert(w.to_string());
        }
    }
    for p in PLACES {
        if crate::text::contains_word(folded, p) {
            out.insert((*p).to_string());
        }
    }
    out
}

struct Prepared<'a> {
    u: &'a ProgressUpdateRow,
    at: Option<NaiveDateTime>,
    /// The folded text and its facts, made when a neighbour posted minutes
    /// apart needs them.
    folded: std::cell::OnceCell<(String, BTreeSet<String>)>,
}

impl Prepared<'_> {
    fn folded(&self) -> &(String, BTreeSet<String>) {
        self.folded.get_or_init(|| {
            let folded = fold(&self.u.description);
            let facts = facts(&folded);
            (folded, facts)
        })
    }
}

fn minutes(a: &Prepared, b: &Prepared) -> Option<i64> {
    Some((b.at? - a.at?).num_seconds().abs() / 60)
}

pub(super) fn check(ds: &Dataset, out: &mut Out) {
    let updates = &ds.progress_updates;
    let mut of: HashMap<&str, Vec<usize>> = HashMap::new();
    for i in 0..updates.len() {
        of.entry(updates.milestone_id(i)).or_default().push(i);
    }
    // Each milestone's findings on all cores, then in source order.
    let found: Vec<Out> = ds
        .milestones
        .par_iter()
        .with_min_len(256)
        .map(|m| {
            let mut out = Out::default();
            if let Some(list) = of.get(m.id.as_str()) {
                let rows: Vec<ProgressUpdateRow> = list.iter().map(|&i| updates.get(i)).collect();
                milestone(m, &rows, &mut out);
            }
            out
        })
        .collect();
    for f in found {
        out.0.append(&f.0);
    }
}

fn milestone(m: &MilestoneRow, list: &[ProgressUpdateRow], out: &mut Out) {
    let mut listed: Vec<Prepared> = list
        .iter()
        .map(|u| {
            let at = NaiveDateTime::parse_from_str(&u.reported_at, "%Y-%m-%dT%H:%M:%S").ok();
            Prepared { u, at, folded: std::cell::OnceCell::new() }
        })
        .collect();
    listed.sort_by_key(|p| p.u.position);
    out_of_order(m, &listed, out);
    let mut timed: Vec<&Prepared> = listed.iter().collect();
    timed.sort_by(|a, b| (&a.u.reported_at, a.u.position).cmp(&(&b.u.reported_at, b.u.position)));
    repeats(m, &timed, out);
    decreases(m, &timed, out);
    after_end(m, &timed, out);
    bursts(m, &timed, out);
    without_evidence(m, &timed, out);
}

/// The list is not in the order the updates were posted.
fn out_of_order(m: &MilestoneRow, listed: &[Prepared], out: &mut Out) {
    let moved: Vec<&Prepared> =
        listed.windows(2).filter(|w| w[1].u.reported_at < w[0].u.reported_at).map(|w| &w[0]).collect();
    if moved.is_empty() {
        return;
    }
    let first = moved[0].u;
    out.push(Finding {
        kind: FindingKind::TimestampsOutOfOrder,
        plan: &m.plan_id,
        record_type: FindingSubject::Milestone,
        record_id: &m.id,
        es: format!(
            "Los avances del hito {} no están en orden de fecha: el avance {} ({}) aparece antes de otros publicados \
             más temprano. El último avance es el más reciente por fecha y hora, no el último de la lista.",
            m.id, first.position, first.reported_at
        ),
        en: format!(
            "The updates of milestone {} are not in time order: update {} ({}) is listed before others posted \
             earlier. The latest update is the most recent by time, not the last in the list.",
            m.id, first.position, first.reported_at
        ),
        details: json!({"listed_before_earlier_ones": moved.iter().map(|p| &p.u.id).collect::<Vec<_>>(),
            "order_listed": listed.iter().map(|p| &p.u.reported_at).collect::<Vec<_>>()}),
    });
}

/// An update that repeats an earlier one: the same text (at any time), or
/// near-identical text about the same dates, numbers and places posted
/// minutes apart. Different events are never repeats.
fn repeats(m: &MilestoneRow, timed: &[&Prepared], out: &mut Out) {
    for (j, u) in timed.iter().enumerate() {
        let found = (0..j).rev().find_map(|i| {
            let p = timed[i];
            if p.u.description == u.u.description {
                return Some((p, "exact", 100.0));
            }
            let close = minutes(p, u).is_some_and(|d| d <= REPEAT_MINUTES);
            if !close || p.folded().1 != u.folded().1 {
                return None;
            }
            let similar = strsim::normalized_levenshtein(&p.folded().0, &u.folded().0);
            (similar >= NEAR).then_some((p, "near", similar * 100.0))
        });
        let Some((p, how, similar)) = found else { continue };
        let apart = minutes(p, u).unwrap_or(0);
        let (es_how, en_how) = match (how, p.u.percent == u.u.percent) {
            ("exact", true) => ("repite exactamente", "exactly repeats"),
            ("exact", false) => {
                ("repite el mismo texto, con otro porcentaje, que", "repeats, with another percentage, the text of")
            }
            _ => (
                "repite casi igual (texto casi idéntico, mismas fechas y lugares)",
                "nearly repeats (near-identical text, same dates and places)",
            ),
        };
        let (a, b) = (pct(u.u.percent.unwrap_or(0)), pct(p.u.percent.unwrap_or(0)));
        out.push(Finding {
            kind: FindingKind::DuplicateProgressUpdate,
            plan: &m.plan_id,
            record_type: FindingSubject::ProgressUpdate,
            record_id: &u.u.id,
            es: format!(
                "El avance {} del hito {} ({}, {a}%) {es_how} el avance {} ({}, {b}%), publicado {apart} minutos antes.",
                u.u.position, m.id, u.u.reported_at, p.u.position, p.u.reported_at
            ),
            en: format!(
                "Update {} of milestone {} ({}, {a}%) {en_how} update {} ({}, {b}%), posted {apart} minutes earlier.",
                u.u.position, m.id, u.u.reported_at, p.u.position, p.u.reported_at
            ),
            details: json!({"match": how, "duplicate_of": p.u.id, "similarity_percent": similar.floor() as i64,
                "minutes_apart": apart, "percent": u.u.percent.map(to_number),
                "duplicate_of_percent": p.u.percent.map(to_number)}),
        });
    }
}

/// A percentage lower than the one posted before it.
fn decreases(m: &MilestoneRow, timed: &[&Prepared], out: &mut Out) {
    for w in timed.windows(2) {
        let (prev, u) = (w[0].u, w[1].u);
        let (Some(a), Some(b)) = (prev.percent, u.percent) else { continue };
        if b >= a {
            continue;
        }
        out.push(Finding {
            kind: FindingKind::ProgressDecrease,
            plan: &m.plan_id,
            record_type: FindingSubject::ProgressUpdate,
            record_id: &u.id,
            es: format!(
                "El avance del hito {} baja de {}% ({}) a {}% ({}), en orden de publicación.",
                m.id,
                pct(a),
                prev.reported_at,
                pct(b),
                u.reported_at
            ),
            en: format!(
                "Progress on milestone {} goes down from {}% ({}) to {}% ({}), in the order posted.",
                m.id,
                pct(a),
                prev.reported_at,
                pct(b),
                u.reported_at
            ),
            details: json!({"previous": prev.id, "previous_percent": to_number(a), "percent": to_number(b)}),
        });
    }
}

/// Reported after the milestone's end date.
fn after_end(m: &MilestoneRow, timed: &[&Prepared], out: &mut Out) {
    let Some(end) = &m.end_date else { return };
    for p in timed {
        let day = &p.u.reported_at[..p.u.reported_at.len().min(10)];
        if day <= end.as_str() {
            continue;
        }
        let raw = m.end_raw.clone().unwrap_or_default();
        out.push(Finding {
            kind: FindingKind::UpdateAfterEndDate,
            plan: &m.plan_id,
            record_type: FindingSubject::ProgressUpdate,
            record_id: &p.u.id,
            es: format!(
                "El avance se publicó el {day}, después de la fecha de fin del hito {} ({end}, «{raw}»).",
                m.id
            ),
            en: format!("The update was posted on {day}, after milestone {}'s end date ({end}, “{raw}”).", m.id),
            details: json!({"reported_at": p.u.reported_at, "milestone_end_date": end}),
        });
    }
}

/// Runs of updates posted minutes apart: entered in one sitting, whatever
/// dates their texts speak of.
fn bursts(m: &MilestoneRow, timed: &[&Prepared], out: &mut Out) {
    let mut runs: Vec<Vec<&Prepared>> = Vec::new();
    for p in timed {
        match runs.last_mut() {
            Some(run) if run.last().and_then(|l| minutes(l, p)).is_some_and(|d| d <= BURST_GAP_MINUTES) => run.push(p),
            _ => runs.push(vec![p]),
        }
    }
    let runs: Vec<&Vec<&Prepared>> = runs.iter().filter(|r| r.len() >= BURST_MIN).collect();
    if runs.is_empty() {
        return;
    }
    let described: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            json!({"updates": r.iter().map(|p| &p.u.id).collect::<Vec<_>>(), "from": r[0].u.reported_at,
                "to": r[r.len() - 1].u.reported_at, "minutes": minutes(r[0], r[r.len() - 1]).unwrap_or(0)})
        })
        .collect();
    let first = runs[0];
    let (n, from, span) =
        (first.len(), &first[0].u.reported_at, minutes(first[0], first[first.len() - 1]).unwrap_or(0));
    out.push(Finding {
        kind: FindingKind::UpdateBurst,
        plan: &m.plan_id,
        record_type: FindingSubject::Milestone,
        record_id: &m.id,
        es: format!(
            "{n} avances del hito {} se publicaron en {span} minutos a partir del {from} (carga en lote): sus fechas \
             de publicación no dicen cuándo ocurrió cada avance.",
            m.id
        ),
        en: format!(
            "{n} updates of milestone {} were posted within {span} minutes from {from} (batch entry): their posting \
             times do not say when each step happened.",
            m.id
        ),
        details: json!({"bursts": described, "max_gap_minutes": BURST_GAP_MINUTES}),
    });
}

/// Progress above 0 % with no means of verification and no link in any update.
fn without_evidence(m: &MilestoneRow, timed: &[&Prepared], out: &mut Out) {
    let reported = timed.iter().any(|p| p.u.percent.is_some_and(|v| v > 0));
    let evidence = timed.iter().any(|p| p.u.verification.is_some() || !p.u.links.is_empty());
    if !reported || evidence {
        return;
    }
    let empty_lines = timed.iter().filter(|p| p.u.verification_line).count();
    let latest = m.latest_progress.map(|p| format!("{}%", pct(p))).unwrap_or_else(|| "-".into());
    let n = timed.len();
    out.push(Finding {
        kind: FindingKind::ProgressWithoutEvidence,
        plan: &m.plan_id,
        record_type: FindingSubject::Milestone,
        record_id: &m.id,
        es: format!(
            "El hito {} reporta avance (último: {latest}) en {n} avances, y ninguno tiene medios de verificación ni \
             enlaces ({empty_lines} con la línea «Medios de verificación» vacía).",
            m.id
        ),
        en: format!(
            "Milestone {} reports progress (latest: {latest}) in {n} updates, none with any means of verification or \
             link ({empty_lines} with an empty “Medios de verificación” line).",
            m.id
        ),
        details: json!({"updates": n, "empty_verification_lines": empty_lines, "missing_verification_lines": n - empty_lines,
            "latest_progress": m.latest_progress.map(to_number)}),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_numbers_months_and_departments() {
        let f = facts(&fold("Reunión del 29 de febrero del 2024 en Quiché y Alta Verapaz"));
        let expected: BTreeSet<String> =
            ["29", "2024", "febrero", "quiche", "alta verapaz"].iter().map(|s| s.to_string()).collect();
        assert_eq!(f, expected);
    }
}
