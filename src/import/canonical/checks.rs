//! Checks across rows and files: unique ids, references that exist, source
//! locations inside their documents, retired ids not used again.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::{parse_location, text_lines, Dataset, Problem};
use crate::models::InstitutionRoleRow;
use crate::vocabulary::{RoleOrigin, RoleSubject};

/// Check a dataset assembled in memory (e.g. after merging a report):
/// unique ids and references. Problems carry no line numbers.
pub fn validate(ds: &Dataset) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_references(ds, &HashMap::new(), None, &HashSet::new(), &mut problems);
    problems
}

/// Every `source_location` names lines that its document has (when the
/// documents' texts are known), and every heading is on such a line.
fn check_locations(
    ds: &Dataset,
    line_of: &dyn Fn(&str, i32) -> usize,
    stale: Option<&str>,
    problems: &mut Vec<Problem>,
) {
    let counts: HashMap<&str, i32> = ds
        .source_documents
        .iter()
        .filter(|d| !d.text.is_empty() && Some(d.id.as_str()) != stale)
        .map(|d| (d.id.as_str(), d.line_count))
        .collect();
    let mut check = |file: &str, seq: i32, document: &str, location: &str| match parse_location(location) {
        None => problems.push(Problem {
            file: file.into(),
            line: line_of(file, seq),
            field: "source_location".into(),
            message: format!("`{location}` is not `line N` or `lines N-M`"),
        }),
        Some((_, last)) => {
            if let Some(n) = counts.get(document) {
                if last > *n as usize {
                    problems.push(Problem {
                        file: file.into(),
                        line: line_of(file, seq),
                        field: "source_location".into(),
                        message: format!("`{location}` is past the end of document {document} ({n} lines)"),
                    });
                }
            }
        }
    };
    for r in &ds.institutions {
        check("institutions.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.plans {
        check("plans.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.sections {
        check("plan_sections.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.participants {
        check("plan_participants.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.risks {
        check("plan_risks.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.commitments {
        check("commitments.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.milestones {
        check("milestones.csv", r.seq, &r.source_document, &r.source_location);
    }
    let updates = &ds.progress_updates;
    for i in 0..updates.len() {
        check("progress_updates.csv", updates.seq(i), updates.source_document(i), updates.source_location(i));
    }
    for r in ds.roles.iter().filter(|r| r.origin == RoleOrigin::Curated) {
        check("institution_roles.csv", r.seq, &r.source_document, &r.source_location);
    }
    for r in &ds.headings {
        for (field, line) in [("line", Some(r.line)), ("heading_line", r.heading_line)] {
            let n = counts.get(r.document_id.as_str());
            if let (Some(line), Some(n)) = (line, n) {
                if line < 1 || line > *n {
                    problems.push(Problem {
                        file: "source_headings.csv".into(),
                        line: line_of("source_headings.csv", r.seq),
                        field: field.into(),
                        message: format!("{line} is not a line of document {} ({n} lines)", r.document_id),
                    });
                }
            }
        }
    }
}

/// A curated role's lines name its institution: one of its names or aliases
/// is written there (accents and case aside), so that every role traces to
/// where the source names the institution.
fn check_role_lines(
    ds: &Dataset,
    line_of: &dyn Fn(&str, i32) -> usize,
    stale: Option<&str>,
    problems: &mut Vec<Problem>,
) {
    let texts: HashMap<&str, Vec<&str>> = ds
        .source_documents
        .iter()
        .filter(|d| !d.text.is_empty() && Some(d.id.as_str()) != stale)
        .map(|d| (d.id.as_str(), text_lines(&d.text)))
        .collect();

    let mut names: HashMap<&str, Vec<String>> = HashMap::new();
    for i in &ds.institutions {
        names.entry(i.id.as_str()).or_default().push(crate::text::fold(&i.name));
    }
    for a in &ds.aliases {
        names.entry(a.institution_id.as_str()).or_default().push(crate::text::fold(&a.alias));
    }
    // On all cores: a role's lines are folded where it is checked.
    let found: Vec<&InstitutionRoleRow> = ds
        .roles
        .par_iter()
        .with_min_len(1024)
        .filter(|r| r.origin == RoleOrigin::Curated)
        .filter_map(|r| {
            let lines = texts.get(r.source_document.as_str())?;
            let (a, b) = parse_location(&r.source_location)?;
            let known = names.get(r.institution_id.as_str()).map(Vec::as_slice).unwrap_or_default();
            let named = (a..=b).any(|n| {
                lines.get(n - 1).is_some_and(|line| {
                    let line = crate::text::fold(line);
                    known.iter().any(|k| crate::text::contains_word(&line, k))
                })
            });
            (!named && !known.is_empty()).then_some(r)
        })
        .collect();
    for r in found {
        problems.push(Problem {
            file: "institution_roles.csv".into(),
            line: line_of("institution_roles.csv", r.seq),
            field: "source_location".into(),
            message: format!(
                "{} of document {} does not name `{}` (none of its names or aliases is written there)",
                r.source_location, r.source_document, r.institution_id
            ),
        });
    }
}

/// A retired id is not in use again.
fn check_retired(ds: &Dataset, line_of: &dyn Fn(&str, i32) -> usize, problems: &mut Vec<Problem>) {
    let live: HashSet<(&str, &str)> = ds
        .commitments
        .iter()
        .map(|r| ("commitment", r.id.as_str()))
        .chain(ds.milestones.iter().map(|r| ("milestone", r.id.as_str())))
        .chain((0..ds.progress_updates.len()).map(|i| ("progress_update", ds.progress_updates.id(i))))
        .collect();
    for r in &ds.retired {
        if live.contains(&(r.record_type.as_str(), r.record_id.as_str())) {
            problems.push(Problem {
                file: "retired_ids.csv".into(),
                line: line_of("retired_ids.csv", r.seq),
                field: "record_id".into(),
                message: format!("`{}` was retired and cannot be used by a {} again", r.record_id, r.record_type),
            });
        }
    }
}

/// Unique ids and every reference pointing at something that exists.
pub(super) fn check_references(
    ds: &Dataset,
    lines: &HashMap<&'static str, Vec<usize>>,
    stale: Option<&str>,
    untyped_roles: &HashSet<i32>,
    problems: &mut Vec<Problem>,
) {
    let line_of = |file: &str, seq: i32| -> usize {
        lines.get(file).and_then(|l| l.get((seq.max(1) - 1) as usize)).copied().unwrap_or(0)
    };
    let ids = |file: &str, rows: &mut dyn Iterator<Item = (&'_ str, i32)>, problems: &mut Vec<Problem>| {
        let mut seen: HashSet<String> = HashSet::new();
        for (id, seq) in rows {
            if !id.is_empty() && !seen.insert(id.to_string()) {
                problems.push(Problem {
                    file: file.into(),
                    line: line_of(file, seq),
                    field: "id".into(),
                    message: format!("`{id}` appears more than once"),
                });
            }
        }
        seen
    };
    let docs = ids("source_documents.csv", &mut ds.source_documents.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let insts = ids("institutions.csv", &mut ds.institutions.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let plans = ids("plans.csv", &mut ds.plans.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let commitments = ids("commitments.csv", &mut ds.commitments.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let milestones = ids("milestones.csv", &mut ds.milestones.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let held = &ds.progress_updates;
    let updates = ids("progress_updates.csv", &mut (0..held.len()).map(|i| (held.id(i), held.seq(i))), problems);
    let sections = ids("plan_sections.csv", &mut ds.sections.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let participants =
        ids("plan_participants.csv", &mut ds.participants.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    let risks = ids("plan_risks.csv", &mut ds.risks.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    ids("source_headings.csv", &mut ds.headings.iter().map(|r| (r.id.as_str(), r.seq)), problems);
    check_locations(ds, &line_of, stale, problems);
    check_role_lines(ds, &line_of, stale, problems);
    check_retired(ds, &line_of, problems);
    ids("institution_roles.csv", &mut ds.roles.iter().map(|r| (r.id.as_str(), r.seq)), problems);

    let mut refcheck = |file: &str, seq: i32, field: &str, value: &str, set: &HashSet<String>, what: &str| {
        if !value.is_empty() && !set.contains(value) {
            problems.push(Problem {
                file: file.into(),
                line: line_of(file, seq),
                field: field.into(),
                message: format!("`{value}` is not a known {what}"),
            });
        }
    };
    for r in &ds.institutions {
        refcheck("institutions.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
        if let Some(p) = &r.parent_id {
            refcheck("institutions.csv", r.seq, "parent_id", p, &insts, "institution");
        }
    }
    for r in &ds.aliases {
        refcheck("institution_aliases.csv", r.seq, "institution_id", &r.institution_id, &insts, "institution");
    }
    for r in &ds.plans {
        refcheck("plans.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.sections {
        refcheck("plan_sections.csv", r.seq, "plan_id", &r.plan_id, &plans, "plan");
        refcheck("plan_sections.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.participants {
        refcheck("plan_participants.csv", r.seq, "plan_id", &r.plan_id, &plans, "plan");
        if let Some(i) = &r.institution_id {
            refcheck("plan_participants.csv", r.seq, "institution_id", i, &insts, "institution");
        }
        refcheck("plan_participants.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.risks {
        refcheck("plan_risks.csv", r.seq, "plan_id", &r.plan_id, &plans, "plan");
        refcheck("plan_risks.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.commitments {
        refcheck("commitments.csv", r.seq, "plan_id", &r.plan_id, &plans, "plan");
        refcheck("commitments.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for r in &ds.milestones {
        refcheck("milestones.csv", r.seq, "commitment_id", &r.commitment_id, &commitments, "commitment");
        refcheck("milestones.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
    for i in 0..held.len() {
        let seq = held.seq(i);
        refcheck("progress_updates.csv", seq, "milestone_id", held.milestone_id(i), &milestones, "milestone");
        refcheck("progress_updates.csv", seq, "source_document", held.source_document(i), &docs, "source document");
    }
    for r in &ds.headings {
        refcheck("source_headings.csv", r.seq, "document_id", &r.document_id, &docs, "source document");
    }
    for r in &ds.roles {
        refcheck("institution_roles.csv", r.seq, "institution_id", &r.institution_id, &insts, "institution");
        let set = match r.subject_type {
            RoleSubject::Plan => &plans,
            RoleSubject::Commitment => &commitments,
            RoleSubject::Milestone => &milestones,
            RoleSubject::ProgressUpdate => &updates,
            RoleSubject::PlanSection => &sections,
            RoleSubject::PlanParticipant => &participants,
            RoleSubject::PlanRisk => &risks,
        };
        // A refused subject_type has no type to name (the problem has always
        // said "is not a known " then, checked against the risks).
        let (set, what) = if untyped_roles.contains(&r.seq) { (&risks, "") } else { (set, r.subject_type.as_str()) };
        refcheck("institution_roles.csv", r.seq, "subject_id", &r.subject_id, set, what);
        refcheck("institution_roles.csv", r.seq, "source_document", &r.source_document, &docs, "source document");
    }
}
