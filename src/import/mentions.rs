//! Institutions named in the records' own text: every alias of an
//! institution (those marked `in_text`) found as a whole word or phrase in a
//! description, title, progress text, section, participant or risk becomes a
//! `mentioned` role of that record, at the source line where it is written.
//! A name written inside a longer one counts too: "Unidad de Niñez de la
//! Procuraduría General de la Nación" names the unit and its parent.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use aho_corasick::AhoCorasick;
use rayon::prelude::*;

use super::dataset::Dataset;
use crate::models::InstitutionRoleRow;
use crate::text::parse_location;
use crate::vocabulary::{Role, RoleOrigin, RoleSubject};

/// A record's text fields, with where it is.
struct Subject<'a> {
    kind: RoleSubject,
    id: &'a str,
    document: &'a str,
    location: &'a str,
    texts: Vec<Cow<'a, str>>,
}

/// Every record's texts but the progress updates' (read one at a time: see [`find`]).
fn subjects(ds: &Dataset) -> Vec<Subject<'_>> {
    let mut out = Vec::new();
    fn add<'a>(
        out: &mut Vec<Subject<'a>>,
        kind: RoleSubject,
        id: &'a str,
        document: &'a str,
        location: &'a str,
        texts: Vec<Option<&'a str>>,
    ) {
        out.push(Subject {
            kind,
            id,
            document,
            location,
            texts: texts.into_iter().flatten().map(Cow::Borrowed).collect(),
        })
    }
    for p in &ds.plans {
        add(
            &mut out,
            RoleSubject::Plan,
            &p.id,
            &p.source_document,
            &p.source_location,
            vec![Some(&p.title), p.objective.as_deref(), p.description.as_deref()],
        );
    }
    for s in &ds.sections {
        add(&mut out, RoleSubject::PlanSection, &s.id, &s.source_document, &s.source_location, vec![Some(&s.body)]);
    }
    for p in &ds.participants {
        add(
            &mut out,
            RoleSubject::PlanParticipant,
            &p.id,
            &p.source_document,
            &p.source_location,
            vec![p.position.as_deref()],
        );
    }
    for r in &ds.risks {
        let texts = vec![
            Some(r.scenario.as_str()),
            r.warning_signs.as_deref(),
            r.preventive_actions.as_deref(),
            r.damage_reduction.as_deref(),
            r.adjustments.as_deref(),
        ];
        add(&mut out, RoleSubject::PlanRisk, &r.id, &r.source_document, &r.source_location, texts);
    }
    for c in &ds.commitments {
        add(
            &mut out,
            RoleSubject::Commitment,
            &c.id,
            &c.source_document,
            &c.source_location,
            vec![Some(&c.title), c.description.as_deref()],
        );
    }
    for m in &ds.milestones {
        add(
            &mut out,
            RoleSubject::Milestone,
            &m.id,
            &m.source_document,
            &m.source_location,
            vec![Some(&m.description), m.term.as_deref()],
        );
        if let Some(s) = out.last_mut() {
            s.texts.extend(crate::text::json_list(&m.expected_results).into_iter().map(Cow::Owned));
        }
    }
    out
}

/// Matches of `ac` in `text` that are whole words, nested ones included,
/// in the order they start: (start, end, pattern index).
fn whole_words(ac: &AhoCorasick, text: &str) -> Vec<(usize, usize, usize)> {
    let mut found: Vec<(usize, usize, usize)> = ac
        .find_overlapping_iter(text)
        .filter(|m| {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
        .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    found
}

/// Add a `mentioned` role (origin `text`) for every institution named in a
/// record's text.
pub fn find(ds: &mut Dataset) {
    let aliases: Vec<(&str, &str)> =
        ds.aliases.iter().filter(|a| a.in_text).map(|a| (a.alias.as_str(), a.institution_id.as_str())).collect();
    if aliases.is_empty() {
        return;
    }
    let Ok(ac) = AhoCorasick::new(aliases.iter().map(|(a, _)| *a)) else { return };
    let lines: HashMap<&str, Vec<&str>> = ds
        .source_documents
        .iter()
        .map(|d| (d.id.as_str(), crate::text::lines_of(&d.text).collect::<Vec<_>>()))
        .collect();
    let scan = |s: &Subject| {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut rows = Vec::new();
        for text in &s.texts {
            for (_, _, k) in whole_words(&ac, text.as_ref()) {
                let (alias, institution) = aliases[k];
                if !seen.insert(institution) {
                    continue;
                }
                rows.push(InstitutionRoleRow {
                    id: format!("{}:{}:mentioned:{institution}", s.kind, s.id),
                    seq: 0,
                    institution_id: institution.to_string(),
                    role: Role::Mentioned,
                    participant_group: None,
                    subject_type: s.kind,
                    subject_id: s.id.to_string(),
                    plan_id: String::new(),
                    source_document: s.document.to_string(),
                    source_location: line_of(&lines, s.document, s.location, alias),
                    origin: RoleOrigin::Text,
                });
            }
        }
        rows
    };
    let mut found: Vec<InstitutionRoleRow> = subjects(ds).par_iter().with_min_len(256).flat_map_iter(scan).collect();
    // Then each progress update's description, read in place.
    let updates = &ds.progress_updates;
    let in_updates = (0..updates.len()).into_par_iter().with_min_len(256).flat_map_iter(|i| {
        updates.with_description(i, |description| {
            scan(&Subject {
                kind: RoleSubject::ProgressUpdate,
                id: updates.id(i),
                document: updates.source_document(i),
                location: updates.source_location(i),
                texts: vec![Cow::Borrowed(description)],
            })
        })
    });
    found.par_extend(in_updates);
    let curated: HashSet<String> = ds.roles.iter().map(|r| r.id.clone()).collect();
    let start = ds.roles.len() as i32;
    for row in found {
        if !curated.contains(&row.id) {
            ds.roles.push(row);
        }
    }
    for (k, r) in ds.roles.iter_mut().enumerate().skip(start as usize) {
        r.seq = k as i32 + 1;
    }
}

/// The first line of the record's location that holds `name` (as a whole
/// word), or the location's first line.
fn line_of(lines: &HashMap<&str, Vec<&str>>, document: &str, location: &str, name: &str) -> String {
    let Some((a, b)) = parse_location(location) else { return location.to_string() };
    let at = lines
        .get(document)
        .and_then(|l| (a..=b).find(|n| l.get(n - 1).is_some_and(|t| crate::text::contains_word(t, name))))
        .unwrap_or(a);
    format!("line {at}")
}
