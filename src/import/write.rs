//! Writing a validated dataset: one transaction that replaces everything and
//! records the revision, or nothing at all.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::{Dataset, ImportError, Outcome};
use crate::db::backend::insert_batches;
use crate::db::DbConnection;
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
        let id = current.map(|r| r.id + 1).unwrap_or(1);
        let rev = RevisionRow {
            id,
            created_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            content_hash: hash.clone(),
            source: source.to_string(),
            counts: counts.to_string(),
        };
        diesel::insert_into(dataset_revisions::table).values(&rev).execute(c)?;
        Ok(Outcome::Created(id))
    });
    result.map_err(|e| ImportError::Database(e.to_string()))
}
