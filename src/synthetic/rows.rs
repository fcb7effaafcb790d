//! What every synthetic record needs besides its own fields: the source
//! document its locations cite, its institution roles, its sequence numbers.

use super::*;

/// The synthetic source document: one numbered line for every line that a
/// record cites, so that every provenance resolves to a line of text.
pub(super) fn write_source(ds: &mut Dataset) {
    use sha2::{Digest, Sha256};
    let updates = &ds.progress_updates;
    let locations = ds
        .institutions
        .iter()
        .map(|r| r.source_location.as_str())
        .chain(ds.plans.iter().map(|r| r.source_location.as_str()))
        .chain(ds.commitments.iter().map(|r| r.source_location.as_str()))
        .chain(ds.milestones.iter().map(|r| r.source_location.as_str()))
        .chain((0..updates.len()).map(|i| updates.source_location(i)))
        .chain(ds.roles.iter().map(|r| r.source_location.as_str()));
    let last = locations.filter_map(crate::import::canonical::parse_location).map(|(_, b)| b).max().unwrap_or(1);
    // A role's line names its institution, as in a real source.
    let names: std::collections::HashMap<&str, &str> =
        ds.institutions.iter().map(|i| (i.id.as_str(), i.name.as_str())).collect();
    let mut named: std::collections::HashMap<usize, Vec<&str>> = std::collections::HashMap::new();
    for r in &ds.roles {
        if let (Some((a, _)), Some(name)) =
            (crate::import::canonical::parse_location(&r.source_location), names.get(r.institution_id.as_str()))
        {
            let on = named.entry(a).or_default();
            if !on.contains(name) {
                on.push(name);
            }
        }
    }
    let mut text = String::with_capacity(last * 28);
    for k in 1..=last {
        match named.get(&k) {
            Some(n) => text.push_str(&format!("Línea {k}: {}.\n", n.join("; "))),
            None => text.push_str(&format!("Línea {k} del documento sintético.\n")),
        }
    }
    let doc = &mut ds.source_documents[0];
    doc.sha256 = hex::encode(Sha256::digest(text.as_bytes()));
    doc.line_count = last as i32;
    doc.text = text;
}

pub(super) fn role(
    inst: &str,
    role: Role,
    group: Option<ParticipantGroup>,
    kind: RoleSubject,
    subject: &str,
    line: usize,
) -> InstitutionRoleRow {
    InstitutionRoleRow {
        id: format!("{kind}:{subject}:{role}:{inst}"),
        seq: 0,
        institution_id: inst.into(),
        role,
        participant_group: group,
        subject_type: kind,
        subject_id: subject.into(),
        plan_id: String::new(),
        source_document: "syn".into(),
        source_location: format!("line {line}"),
        origin: RoleOrigin::Curated,
    }
}

pub(super) fn renumber(ds: &mut Dataset) {
    for (i, r) in ds.plans.iter_mut().enumerate() {
        r.seq = i as i32 + 1;
    }
    for (i, r) in ds.commitments.iter_mut().enumerate() {
        r.seq = i as i32 + 1;
    }
    for (i, r) in ds.milestones.iter_mut().enumerate() {
        r.seq = i as i32 + 1;
    }
    ds.progress_updates.renumber();
    for (i, r) in ds.roles.iter_mut().enumerate() {
        r.seq = i as i32 + 1;
    }
    for (i, r) in ds.aliases.iter_mut().enumerate() {
        r.seq = i as i32 + 1;
    }
}
