//! Writing a validated dataset: one transaction that brings every table to
//! the dataset's rows (`sync`: only what changed is written) and records the
//! revision, or nothing at all.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::sync::{self, sync_table};
use super::versions;
use super::{Dataset, ImportError, Outcome};
use crate::db::backend::insert_batches;
use crate::db::DbConnection;
use crate::models::change;
use crate::models::list::FacetCountRow;
use crate::models::source_document::{NewLineRecord, SourceLineRecordRow};
use crate::models::{self, *};
use crate::publication::Published;
use crate::revision::Revision;
use crate::schema::*;

/// SHA-256 over the dataset's canonical serialisation, file by file (its
/// name, a zero byte, its length as a big-endian u64, its bytes). Each file
/// is serialised twice, to count its bytes and then to hash them, so that
/// no file is ever held in memory (363 MB of progress updates at scale 100).
pub fn content_hash(ds: &Dataset) -> String {
    let mut h = Sha256::new();
    for (name, _, columns) in super::canonical::TABLES {
        let mut counted = Counted(0);
        super::export::write_file(ds, name, columns, &mut counted).expect("counting never fails");
        h.update(name.as_bytes());
        h.update([0]);
        h.update(counted.0.to_be_bytes());
        super::export::write_file(ds, name, columns, &mut h).expect("hashing never fails");
    }
    hex::encode(h.finalize())
}

/// A writer that only counts the bytes written to it.
struct Counted(u64);

impl std::io::Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

/// Where an import's rows came from: the description kept with the revision
/// (a folder, a report) and, when known, the digest of the inputs
/// (`import::digest`), kept so that the same inputs are recognised next time.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    pub source: &'a str,
    pub digest: Option<&'a str>,
}

impl<'a> From<&'a str> for Origin<'a> {
    fn from(source: &'a str) -> Self {
        Origin { source, digest: None }
    }
}

/// Replace the database content with `ds` as a new revision (or, when the
/// content is unchanged, only record the inputs' digest). `alongside` runs
/// on another thread while the rows are written, with the new revision (its
/// result is returned when the transaction commits): the download snapshot
/// is built that way, and when it fails the transaction is rolled back.
pub fn replace<R: Send, E: std::error::Error + Send + Sync + 'static>(
    conn: &mut DbConnection,
    ds: &Dataset,
    origin: Origin<'_>,
    alongside: impl FnOnce(&Revision, &[Published]) -> Result<R, E> + Send,
) -> Result<(Outcome, Option<R>), ImportError> {
    let started = std::time::Instant::now();
    let (hash, tables) = rayon::join(|| content_hash(ds), || crate::publication::publish(ds));
    log::debug!("import: content hash and published rows in {:.2} s", started.elapsed().as_secs_f64());
    // What the snapshot writer would refuse, refused before anything is written.
    let unpublishable = crate::publication::unpublishable(&tables);
    if !unpublishable.is_empty() {
        return Err(ImportError::Invalid(unpublishable));
    }
    let mut built: Option<R> = None;
    let mut unwritable: Option<Box<dyn std::error::Error + Send + Sync>> = None;
    let mut alongside = Some(alongside);
    let result = conn.transaction::<Outcome, diesel::result::Error, _>(|c| {
        let current = models::revision::current(c)?;
        if let Some(cur) = &current {
            if cur.content_hash == hash {
                if let Some(d) = origin.digest.filter(|d| cur.input_digest.as_deref() != Some(*d)) {
                    models::revision::set_input_digest(c, cur.id, d)?;
                }
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
        let counts = serde_json::json!({
            "plans": ds.plans.len(),
            "commitments": ds.commitments.len(),
            "milestones": ds.milestones.len(),
            "progress_updates": ds.progress_updates.len(),
            "institutions": ds.institutions.len(),
        });
        let rev = RevisionRow {
            id,
            created_at: created_at.clone(),
            content_hash: hash.clone(),
            source: origin.source.to_string(),
            counts: counts.to_string(),
            input_digest: origin.digest.map(str::to_string),
        };
        let revision = Revision::from_row(&rev);
        let tables = &tables;
        std::thread::scope(|scope| {
            let job = alongside.take().map(|f| scope.spawn(move || f(&revision, tables)));
            let written = write_rows(c, ds, tables, &rev, started);
            if let Some(job) = job {
                match job.join() {
                    Ok(Ok(b)) => built = Some(b),
                    Ok(Err(e)) => unwritable = Some(Box::new(e)),
                    // A writer that panics (rust_xlsxwriter does on a full
                    // disk in its constant-memory mode) fails the import
                    // like one that returns its error.
                    Err(panic) => unwritable = Some(stopped_by(panic).into()),
                }
            }
            log::debug!("import: snapshot joined at {:.2} s", started.elapsed().as_secs_f64());
            written
        })?;
        if unwritable.is_some() {
            // No revision without its download files.
            return Err(diesel::result::Error::RollbackTransaction);
        }
        Ok(Outcome::Created(id))
    });
    if let Some(e) = unwritable {
        return Err(ImportError::Unwritable(e));
    }
    let outcome = result.map_err(ImportError::Database)?;
    log::debug!("import: committed at {:.2} s", started.elapsed().as_secs_f64());
    if matches!(outcome, Outcome::Created(_)) {
        // Fresh statistics for the query planner, now rather than whenever
        // autovacuum gets to it (PostgreSQL) or never (SQLite).
        let analyzed = match conn {
            DbConnection::Pg(c) => diesel::sql_query("ANALYZE").execute(c),
            DbConnection::Sqlite(c) => diesel::sql_query("PRAGMA analysis_limit = 400")
                .execute(c)
                .and_then(|_| diesel::sql_query("PRAGMA optimize = 0x10002").execute(c)),
        };
        if let Err(e) = analyzed {
            log::warn!("could not refresh planner statistics: {e}");
        }
        log::debug!("import: planner statistics at {:.2} s", started.elapsed().as_secs_f64());
    }
    let built = if matches!(outcome, Outcome::Created(_)) { built } else { None };
    Ok((outcome, built))
}

/// What a panicking snapshot writer said, as the import's error.
fn stopped_by(panic: Box<dyn std::any::Any + Send>) -> String {
    let said = match panic.downcast::<String>() {
        Ok(s) => *s,
        Err(panic) => panic.downcast::<&str>().map_or_else(|_| "no message".to_string(), |s| s.to_string()),
    };
    format!("a file writer stopped: {said}")
}

/// The facets of every large collection without filters, and the progress
/// updates per month, counted by the database from the rows just written.
fn whole_facets(c: &mut DbConnection) -> diesel::QueryResult<Vec<FacetCountRow>> {
    use crate::models::list::rows_to_store;
    let mut rows = rows_to_store("commitment", &models::commitment::count_facets(c, &Default::default())?);
    rows.extend(rows_to_store("milestone", &models::milestone::count_facets(c, &Default::default())?));
    rows.extend(rows_to_store("progress_update", &models::progress_update::count_facets(c, &Default::default())?));
    rows.extend(rows_to_store("progress_update", &vec![("month", models::progress_update::count_months(c)?)]));
    rows.extend(rows_to_store("quality_finding", &models::quality_finding::count_facets(c, &Default::default())?));
    Ok(rows)
}

/// Every record that has a page, by the source line it starts on.
fn line_records(ds: &Dataset) -> Vec<NewLineRecord<'_>> {
    let mut out = Vec::new();
    let mut add = |doc, loc: &str, kind, id| out.extend(NewLineRecord::new(doc, loc, kind, id));
    ds.plans.iter().for_each(|r| add(&r.source_document, &r.source_location, "plan", &r.id));
    ds.commitments.iter().for_each(|r| add(&r.source_document, &r.source_location, "commitment", &r.id));
    ds.milestones.iter().for_each(|r| add(&r.source_document, &r.source_location, "milestone", &r.id));
    let updates = &ds.progress_updates;
    (0..updates.len())
        .for_each(|i| add(updates.source_document(i), updates.source_location(i), "progress_update", updates.id(i)));
    ds.institutions.iter().for_each(|r| add(&r.source_document, &r.source_location, "institution", &r.id));
    out
}

fn write_rows(
    c: &mut DbConnection,
    ds: &Dataset,
    tables: &[Published],
    rev: &RevisionRow,
    started: std::time::Instant,
) -> QueryResult<()> {
    let (id, created_at) = (rev.id, rev.created_at.as_str());
    // The records' source lines, then their versions and changes, are counted when known.
    crate::progress::begin(crate::progress::Step::Write, ds.row_count() as u64);
    let last_seq = change::last_seq(c)?;
    std::thread::scope(|scope| {
        // Hashing every record to tell what changed is CPU work the
        // database writer need not wait for: it runs beside the inserts.
        let hashed = scope.spawn(|| {
            let records = versions::hash_records(tables);
            log::debug!("import: records hashed at {:.2} s", started.elapsed().as_secs_f64());
            records
        });
        // Only the rows that differ from the stored ones are written.
        sync::defer_foreign_keys(c)?;
        let institutions = parents_first(&ds.institutions);
        let searched = [
            sync_table!(c, source_documents, SourceDocumentRow, ds.source_documents, [id])?,
            sync_table!(c, institutions, InstitutionRow, institutions, [id], searchable)?,
            sync_table!(c, institution_aliases, InstitutionAliasRow, ds.aliases, [institution_id, alias])?,
            sync_table!(c, plans, PlanRow, ds.plans, [id], searchable)?,
            sync_table!(c, plan_sections, PlanSectionRow, ds.sections, [id], searchable)?,
            sync_table!(c, plan_participants, PlanParticipantRow, ds.participants, [id], searchable)?,
            sync_table!(c, plan_risks, PlanRiskRow, ds.risks, [id], searchable)?,
            sync_table!(c, commitments, CommitmentRow, ds.commitments, [id], searchable)?,
            sync_table!(c, milestones, MilestoneRow, ds.milestones, [id], searchable)?,
            sync_table!(c, progress_updates, ProgressUpdateRow, ds.progress_updates, [id], searchable)?,
        ];
        sync_table!(c, institution_roles, InstitutionRoleRow, ds.roles, [id])?;
        sync_table!(c, quality_findings, QualityFindingRow, ds.findings, [id])?;
        sync_table!(c, institution_plan_rollups, InstitutionPlanRollupRow, ds.plan_rollups, [institution_id, plan_id])?;
        sync_table!(c, source_headings, SourceHeadingRow, ds.headings, [id])?;
        sync_table!(c, retired_ids, RetiredIdRow, ds.retired, [record_type, record_id])?;
        // Borrowed from the dataset, made owned a piece at a time (1.1 M rows at scale 100).
        let lines = line_records(ds);
        crate::progress::grow(crate::progress::Step::Write, lines.len() as u64);
        sync_table!(c, source_line_records, SourceLineRecordRow, lines, [document_id, line, record_type, record_id])?;
        drop(lines);
        log::debug!("import: rows written at {:.2} s", started.elapsed().as_secs_f64());
        diesel::delete(facet_counts::table).execute(c)?;
        insert_batches!(c, facet_counts::table, &whole_facets(c)?)?;
        log::debug!("import: facets counted at {:.2} s", started.elapsed().as_secs_f64());

        let records = hashed.join().expect("hashing the records panicked");
        versions::write(c, &records, id, created_at, last_seq)?;
        log::debug!("import: changes written at {:.2} s", started.elapsed().as_secs_f64());
        // Source documents (first) have no full-text index.
        if searched[1..].iter().any(|s| s.deleted + s.inserted > 0) {
            crate::db::backend::refill_search_words(c)?;
        }
        log::debug!("import: search index updated at {:.2} s", started.elapsed().as_secs_f64());
        diesel::insert_into(dataset_revisions::table).values(rev).execute(c)?;
        crate::progress::finish(crate::progress::Step::Write);
        Ok(())
    })
}
