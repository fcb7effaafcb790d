//! Writing a validated dataset: one transaction that replaces everything and
//! records the revision, or nothing at all.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::{Dataset, ImportError, Outcome};
use crate::db::backend::insert_batches;
use crate::db::DbConnection;
use crate::models::change::{self, RecordChangeRow, RecordVersionRow};
use crate::models::{self, InstitutionRow, RevisionRow};
use crate::schema::*;

/// SHA-256 over the dataset's canonical serialisation, file by file.
pub fn content_hash(ds: &Dataset) -> String {
    let mut h = Sha256::new();
    for (name, bytes) in super::export::serialize(ds) {
        h.update(name.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(&bytes);
    }
    hex::encode(h.finalize())
}

/// Record type names used by `/v1/changes`, per published table.
pub const RECORD_TYPES: &[(&str, &str)] = &[
    ("plans", "plan"),
    ("commitments", "commitment"),
    ("milestones", "milestone"),
    ("progress_updates", "progress_update"),
    ("institutions", "institution"),
    ("institution_roles", "institution_role"),
    ("institution_aliases", "institution_alias"),
    ("plan_sections", "plan_section"),
    ("plan_participants", "plan_participant"),
    ("plan_risks", "plan_risk"),
    ("quality_findings", "quality_finding"),
    ("source_documents", "source_document"),
];

/// Compare the new content with the versions on record: what was created,
/// updated (published content differs) or deleted in revision `revision`.
fn track_changes(
    ds: &Dataset,
    old: &[RecordVersionRow],
    revision: i32,
    now: &str,
    last_seq: i32,
) -> (Vec<RecordVersionRow>, Vec<RecordChangeRow>) {
    let old: HashMap<(&str, &str), &RecordVersionRow> =
        old.iter().map(|v| ((v.record_type.as_str(), v.record_id.as_str()), v)).collect();
    let mut versions = Vec::new();
    let mut changes = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut change = |t: &str, id: &str, what: &str| {
        changes.push(RecordChangeRow {
            seq: last_seq + changes.len() as i32 + 1,
            revision,
            record_type: t.to_string(),
            record_id: id.to_string(),
            change: what.to_string(),
        });
    };
    for (table, rtype) in RECORD_TYPES {
        let (columns, rows) = crate::snapshot::table_rows(ds, table);
        let id_col = columns.iter().position(|c| c == "id");
        for row in rows {
            let id = match id_col {
                Some(i) => row[i].as_str().unwrap_or_default().to_string(),
                None => row.iter().map(|v| v.as_str().unwrap_or_default()).collect::<Vec<_>>().join("|"),
            };
            let hash = hex::encode(Sha256::digest(serde_json::to_vec(&row).unwrap_or_default()));
            let version = match old.get(&(*rtype, id.as_str())) {
                Some(v) if v.content_hash == hash => (*v).clone(),
                Some(v) => {
                    change(rtype, &id, "updated");
                    RecordVersionRow {
                        content_hash: hash,
                        updated_revision: revision,
                        updated_at: now.into(),
                        ..(*v).clone()
                    }
                }
                None => {
                    change(rtype, &id, "created");
                    RecordVersionRow {
                        record_type: rtype.to_string(),
                        record_id: id.clone(),
                        content_hash: hash,
                        created_revision: revision,
                        updated_revision: revision,
                        updated_at: now.into(),
                    }
                }
            };
            seen.insert((rtype.to_string(), id));
            versions.push(version);
        }
    }
    let mut gone: Vec<&&RecordVersionRow> =
        old.values().filter(|v| !seen.contains(&(v.record_type.clone(), v.record_id.clone()))).collect();
    gone.sort_by(|a, b| (&a.record_type, &a.record_id).cmp(&(&b.record_type, &b.record_id)));
    for v in gone {
        change(&v.record_type, &v.record_id, "deleted");
    }
    (versions, changes)
}

/// Parents before children, so the self-reference holds at every insert.
fn parents_first(rows: &[InstitutionRow]) -> Vec<InstitutionRow> {
    let mut done: Vec<InstitutionRow> = Vec::with_capacity(rows.len());
    let mut left: Vec<&InstitutionRow> = rows.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|r| match &r.parent_id {
            Some(p) if !done.iter().any(|d| &d.id == p) => true,
            _ => {
                done.push((*r).clone());
                false
            }
        });
        if left.len() == before {
            // A cycle: let the database reject it inside the transaction.
            done.extend(left.drain(..).cloned());
        }
    }
    done
}

pub fn replace(conn: &mut DbConnection, ds: &Dataset, source: &str) -> Result<Outcome, ImportError> {
    let hash = content_hash(ds);
    let result = conn.transaction::<Outcome, diesel::result::Error, _>(|c| {
        let current = models::revision::current(c)?;
        if let Some(cur) = &current {
            if cur.content_hash == hash {
                return Ok(Outcome::Unchanged(cur.id));
            }
        }
        let id = current.as_ref().map(|r| r.id + 1).unwrap_or(1);
        // Millisecond UTC times, strictly increasing, so that `updated_since`
        // tells apart revisions imported within the same second.
        let mut now = chrono::Utc::now();
        if let Some(prev) = current.as_ref().and_then(|r| chrono::DateTime::parse_from_rfc3339(&r.created_at).ok()) {
            let floor = prev.with_timezone(&chrono::Utc) + chrono::Duration::milliseconds(1);
            now = now.max(floor);
        }
        let created_at = now.format(crate::revision::TIME_FORMAT).to_string();
        let old_versions = change::versions(c)?;
        let (versions, changes) = track_changes(ds, &old_versions, id, &created_at, change::last_seq(c)?);
        diesel::delete(record_versions::table).execute(c)?;
        insert_batches!(c, record_versions::table, &versions)?;
        insert_batches!(c, record_changes::table, &changes)?;
        diesel::delete(quality_findings::table).execute(c)?;
        diesel::delete(institution_roles::table).execute(c)?;
        diesel::delete(plan_participants::table).execute(c)?;
        diesel::delete(plan_risks::table).execute(c)?;
        diesel::delete(progress_updates::table).execute(c)?;
        diesel::delete(milestones::table).execute(c)?;
        diesel::delete(commitments::table).execute(c)?;
        diesel::delete(plan_sections::table).execute(c)?;
        diesel::delete(plans::table).execute(c)?;
        diesel::delete(institution_aliases::table).execute(c)?;
        diesel::delete(institutions::table).execute(c)?;
        diesel::delete(source_documents::table).execute(c)?;

        insert_batches!(c, source_documents::table, &ds.source_documents)?;
        insert_batches!(c, institutions::table, &parents_first(&ds.institutions))?;
        insert_batches!(c, institution_aliases::table, &ds.aliases)?;
        insert_batches!(c, plans::table, &ds.plans)?;
        insert_batches!(c, plan_sections::table, &ds.sections)?;
        insert_batches!(c, plan_participants::table, &ds.participants)?;
        insert_batches!(c, plan_risks::table, &ds.risks)?;
        insert_batches!(c, commitments::table, &ds.commitments)?;
        insert_batches!(c, milestones::table, &ds.milestones)?;
        insert_batches!(c, progress_updates::table, &ds.progress_updates)?;
        insert_batches!(c, institution_roles::table, &ds.roles)?;
        insert_batches!(c, quality_findings::table, &ds.findings)?;

        let counts = serde_json::json!({
            "plans": ds.plans.len(),
            "commitments": ds.commitments.len(),
            "milestones": ds.milestones.len(),
            "progress_updates": ds.progress_updates.len(),
            "institutions": ds.institutions.len(),
        });
        let rev = RevisionRow {
            id,
            created_at,
            content_hash: hash.clone(),
            source: source.to_string(),
            counts: counts.to_string(),
        };
        diesel::insert_into(dataset_revisions::table).values(&rev).execute(c)?;
        Ok(Outcome::Created(id))
    });
    result.map_err(|e| ImportError::Database(e.to_string()))
}
