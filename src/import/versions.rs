//! Record versions and changes: which published records an import created,
//! updated or deleted, told by each record's content hash against the stored
//! versions, with only the versions that changed written again.
//!
//! A record is held as its type, its 32-byte hash and its id's end in one
//! text of every id, 40 bytes and the id's text, and the stored versions are streamed,
//! never loaded whole: at scale 100 (1.5 M records) the versions and changes
//! as table rows took about 650 MB for the whole write.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::prelude::*;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::sync::{self, Synced};
use crate::db::backend::insert_batches;
use crate::db::DbConnection;
use crate::models::change::{RecordChangeRow, RecordVersionRow};
use crate::progress::{self, Step};
use crate::publication::{Cell, Published};
use crate::schema::{record_changes, record_versions};
use crate::vocabulary::{ChangeKind, RecordType};

/// Record type names used by `/v1/changes` (see [`RecordType`]), per published table.
pub const RECORD_TYPES: &[(&str, &str)] = &[
    ("plans", RecordType::Plan.as_str()),
    ("commitments", RecordType::Commitment.as_str()),
    ("milestones", RecordType::Milestone.as_str()),
    ("progress_updates", RecordType::ProgressUpdate.as_str()),
    ("institutions", RecordType::Institution.as_str()),
    ("institution_roles", RecordType::InstitutionRole.as_str()),
    ("institution_aliases", RecordType::InstitutionAlias.as_str()),
    ("plan_sections", RecordType::PlanSection.as_str()),
    ("plan_participants", RecordType::PlanParticipant.as_str()),
    ("plan_risks", RecordType::PlanRisk.as_str()),
    ("quality_findings", RecordType::QualityFinding.as_str()),
    ("source_documents", RecordType::SourceDocument.as_str()),
    ("source_headings", RecordType::SourceHeading.as_str()),
];

/// One published record: its type (a position in [`RECORD_TYPES`]), content
/// hash, and where its id ends in [`Records::ids`] (it starts where the
/// previous record's ends).
struct Record {
    kind: u8,
    hash: [u8; 32],
    end: u32,
}

/// Every published record, their ids side by side in one text: 40 bytes a
/// record and its id's bytes, where a record holding its id as a shared
/// string took about 100 (150 MB at scale 100, 1.5 M records).
pub struct Records {
    list: Vec<Record>,
    ids: String,
}

impl Records {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn record_type(&self, i: usize) -> &'static str {
        RECORD_TYPES[self.list[i].kind as usize].1
    }

    fn id(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |p| self.list[p].end as usize);
        &self.ids[start..self.list[i].end as usize]
    }
}

/// Rows hashed on all cores at a time, their ids then added in order.
const HASHED_AT_A_TIME: usize = 1 << 16;

/// Every published record with its content hash (SHA-256 of its row as
/// JSON), in [`RECORD_TYPES`] order and each table's row order; hashed on
/// all cores.
pub fn hash_records(tables: &[Published]) -> Records {
    let of_type = |table: &str| tables.iter().find(|t| t.table == table);
    // Sized once and filled in place (1.5 M records at scale 100).
    let len = RECORD_TYPES.iter().filter_map(|(t, _)| of_type(t)).map(|t| t.rows.len()).sum();
    let mut records = Records { list: Vec::with_capacity(len), ids: String::new() };
    for (kind, (table, _)) in RECORD_TYPES.iter().enumerate() {
        let Some(t) = of_type(table) else { continue };
        let id_col = t.columns.iter().position(|c| c == "id");
        for from in (0..t.rows.len()).step_by(HASHED_AT_A_TIME) {
            let to = t.rows.len().min(from + HASHED_AT_A_TIME);
            let hashed: Vec<([u8; 32], Arc<str>)> = (from..to)
                .into_par_iter()
                .with_min_len(1024)
                .map(|i| {
                    let row = t.rows.get(i);
                    let id: Arc<str> = match id_col.map(|i| &row[i]) {
                        Some(Cell::String(s)) => s.clone(),
                        Some(_) => "".into(),
                        // No id column: the row's texts joined make its key.
                        None => row.iter().map(|v| v.as_str().unwrap_or_default()).collect::<Vec<_>>().join("|").into(),
                    };
                    (Sha256::digest(serde_json::to_vec(&*row).unwrap_or_default()).into(), id)
                })
                .collect();
            for (hash, id) in hashed {
                records.ids.push_str(&id);
                let end = u32::try_from(records.ids.len()).expect("the records' ids take under 4 GB");
                records.list.push(Record { kind: kind as u8, hash, end });
            }
        }
    }
    records
}

/// A record against the stored versions.
#[derive(Clone, Copy)]
enum State {
    New,
    Same { created: i32, updated: i32 },
    Changed { created: i32 },
}

/// Versions and changes written into the database at one go this many at a time.
const PIECE: usize = 50_000;

/// Bring the stored versions to `records` as revision `revision` (made at
/// `now`), and record its changes after change number `last_seq`: created
/// and updated in `records`' order, then deleted by type and id.
pub fn write(c: &mut DbConnection, records: &Records, revision: i32, now: &str, last_seq: i64) -> QueryResult<Synced> {
    // Every record's place in primary-key order (type name, id): the stored
    // versions are found in it by binary search (a hash map of the 1.5 M
    // keys at scale 100 took about 70 MB; this takes 6 MB), and the versions
    // are written in it.
    let key = |i: u32| (records.record_type(i as usize), records.id(i as usize));
    let mut sorted: Vec<u32> = (0..records.len() as u32).collect();
    sorted.par_sort_unstable_by(|&a, &b| key(a).cmp(&key(b)));
    let find = |t: &str, id: &str| sorted.binary_search_by(|&i| key(i).cmp(&(t, id))).ok().map(|at| sorted[at]);
    progress::grow(Step::Write, records.len() as u64);
    let mut state = vec![State::New; records.len()];
    // Stored versions whose record changed or is gone (type, id), and the
    // times of the revisions the unchanged ones were last updated in.
    let (mut stale, mut gone, mut times) = (Vec::new(), Vec::new(), HashMap::<i32, String>::new());
    let mut visit = |v: RecordVersionRow| {
        match find(&v.record_type, &v.record_id) {
            Some(i) => {
                let mut stored = [0u8; 32];
                let same = hex::decode_to_slice(&v.content_hash, &mut stored).is_ok()
                    && stored == records.list[i as usize].hash;
                state[i as usize] = if same {
                    times.entry(v.updated_revision).or_insert_with(|| v.updated_at.clone());
                    State::Same { created: v.created_revision, updated: v.updated_revision }
                } else {
                    stale.push((v.record_type, v.record_id));
                    State::Changed { created: v.created_revision }
                };
            }
            None => gone.push((v.record_type, v.record_id)),
        }
        false
    };
    sync::each_stored!(&mut *c, record_versions, RecordVersionRow, &mut visit)?;
    gone.sort();
    let row = |i: usize| {
        let (created, updated) = match state[i] {
            State::New => (revision, revision),
            State::Changed { created } => (created, revision),
            State::Same { created, updated } => (created, updated),
        };
        RecordVersionRow {
            record_type: records.record_type(i).to_string(),
            record_id: records.id(i).to_string(),
            content_hash: hex::encode(records.list[i].hash),
            created_revision: created,
            updated_revision: updated,
            updated_at: if updated == revision { now.to_string() } else { times[&updated].clone() },
        }
    };
    let written = state.iter().filter(|s| !matches!(s, State::Same { .. })).count();
    let whole = stale.len() + gone.len() + written > sync::row_by_row_limit(records.len());
    // In primary-key order, so that the index grows at the end instead of
    // splitting pages all over.
    let mut order = sorted;
    if !whole {
        order.retain(|&i| !matches!(state[i as usize], State::Same { .. }));
    }
    let aside = crate::db::backend::SetAside::take_if(whole, c, "record_versions")?;
    let deleted = if whole {
        diesel::delete(record_versions::table).execute(c)?
    } else {
        progress::advance(Step::Write, (records.len() - order.len()) as u64);
        for key in stale.iter().chain(&gone) {
            diesel::delete(record_versions::table.find(key.clone())).execute(c)?;
        }
        stale.len() + gone.len()
    };
    let mut inserted = 0;
    for piece in order.chunks(PIECE) {
        let rows: Vec<RecordVersionRow> = piece.iter().map(|&i| row(i as usize)).collect();
        inserted += insert_batches!(c, record_versions::table, &rows)?;
    }
    aside.rebuild(c)?;
    let synced = Synced { deleted, inserted, whole };
    log::debug!("import: record_versions: {synced:?}");

    // The changes, numbered on from the last one.
    let made = state.iter().enumerate().filter_map(|(i, s)| match s {
        State::New => Some((records.record_type(i), records.id(i), ChangeKind::Created)),
        State::Changed { .. } => Some((records.record_type(i), records.id(i), ChangeKind::Updated)),
        State::Same { .. } => None,
    });
    let removed = gone.iter().map(|(t, id)| (t.as_str(), id.as_str(), ChangeKind::Deleted));
    let mut changes = made.chain(removed).enumerate().map(|(n, (t, id, what))| RecordChangeRow {
        seq: last_seq + n as i64 + 1,
        revision,
        record_type: t.to_string(),
        record_id: id.to_string(),
        change: what.to_string(),
    });
    // Into an empty table (a first import: every record created), its
    // indexes are built after the rows, as a table written again whole.
    let aside = crate::db::backend::SetAside::take_if(last_seq == 0, c, "record_changes")?;
    loop {
        let piece: Vec<RecordChangeRow> = changes.by_ref().take(PIECE).collect();
        if piece.is_empty() {
            break;
        }
        progress::grow(Step::Write, piece.len() as u64);
        insert_batches!(c, record_changes::table, &piece)?;
    }
    aside.rebuild(c)?;
    Ok(synced)
}
