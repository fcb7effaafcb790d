//! The dataset put back in order after a report replaced a plan's records:
//! rows spliced in place, numbered again, curated mentions moved to their
//! new lines.

use std::collections::HashMap;

use super::{canonical, loc, Dataset};
use crate::text::fold;
use crate::vocabulary::{Role, RoleOrigin};

/// Put `new` where the first row matching `old` was (or at the end).
pub(super) fn splice<T>(rows: &mut Vec<T>, old: impl Fn(&T) -> bool, new: Vec<T>) {
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

/// `seq` is the row's place in its file.
pub(super) fn renumber(ds: &mut Dataset) {
    fn each<T>(rows: &mut [T], set: impl Fn(&mut T, i32)) {
        for (i, r) in rows.iter_mut().enumerate() {
            set(r, i as i32 + 1);
        }
    }
    each(&mut ds.commitments, |r, s| r.seq = s);
    each(&mut ds.milestones, |r, s| r.seq = s);
    ds.progress_updates.renumber();
    each(&mut ds.roles, |r, s| r.seq = s);
    each(&mut ds.retired, |r, s| r.seq = s);
    each(&mut ds.headings, |r, s| r.seq = s);
}

/// Mentions curated on records of the report's document point at the line,
/// within the record's new lines, that names their institution (the lines
/// move when the platform inserts or removes text above them).
pub(super) fn relocate_mentions(ds: &mut Dataset, document: &str) {
    let Some(doc) = ds.source_documents.iter().find(|d| d.id == document) else { return };
    let lines: Vec<String> = canonical::text_lines(&doc.text).into_iter().map(fold).collect();
    let mut names: HashMap<&str, Vec<String>> = HashMap::new();
    for i in &ds.institutions {
        names.entry(i.id.as_str()).or_default().push(fold(&i.name));
    }
    for a in &ds.aliases {
        names.entry(a.institution_id.as_str()).or_default().push(fold(&a.alias));
    }
    let updates = &ds.progress_updates;
    let spans: HashMap<&str, &str> = ds
        .commitments
        .iter()
        .map(|c| (c.id.as_str(), c.source_location.as_str()))
        .chain(ds.milestones.iter().map(|m| (m.id.as_str(), m.source_location.as_str())))
        .chain((0..updates.len()).map(|i| (updates.id(i), updates.source_location(i))))
        .collect();
    let mut moved: Vec<(usize, String)> = Vec::new();
    for (k, r) in ds.roles.iter().enumerate() {
        if r.origin != RoleOrigin::Curated || r.role != Role::Mentioned || r.source_document != document {
            continue;
        }
        let Some((a, b)) = spans.get(r.subject_id.as_str()).and_then(|l| canonical::parse_location(l)) else {
            continue;
        };
        let known = names.get(r.institution_id.as_str()).map(Vec::as_slice).unwrap_or_default();
        let at = (a..=b)
            .find(|n| lines.get(n - 1).is_some_and(|l| known.iter().any(|name| crate::text::contains_word(l, name))));
        if let Some(n) = at {
            moved.push((k, loc(n, n)));
        }
    }
    for (k, location) in moved {
        ds.roles[k].source_location = location;
    }
}
