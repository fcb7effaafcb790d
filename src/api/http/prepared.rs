//! Each record's JSON detail, prepared once per revision and read back by
//! one key: a first-time `GET /v1/{collection}/{id}` then costs about what a
//! static file costs, instead of the queries and the assembling its detail
//! needs (issue 18).
//!
//! The store of a revision is an SQLite file in `DATA_DIR/prepared`, written
//! by the server in the background after it first sees the revision (so the
//! import is not slowed; every replica writes its own, from the database it
//! serves), from the very `Collection::detail` the live path calls, in read
//! transactions that each check the revision has not moved. Until the file
//! is complete, items are built from the database as before; once renamed
//! into place it never changes, so readers open it `immutable` (no locks).
//! SQLite rather than a file format of our own: it is already linked, keyed
//! lookups and crash-safe writing are what it does.
//!
//! The store also holds each record as an element of a list page's `data`
//! (what `GET /v1/{collection}` writes per record), so that a JSON page whose
//! rows are found by the database is written from the store: only the ids
//! of the page are read from the database, not the records' assembly. Those
//! are in a file of their own beside the SQLite file (`list_file.rs`: a map
//! walk per record instead of two B-tree seeks through diesel).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::error::ApiError;
use super::list_file::{ListFile, ListFileWriter};
use crate::revision::{Revision, RevisionWatch};

diesel::table! {
    /// One record's JSON detail (`collection` the path: `plans`), its CSV
    /// (`plans.csv`, with its file's name), as the item answers them, or its
    /// JSON as an element of a list page (`plans.list`).
    items (collection, id) {
        collection -> Text,
        id -> Text,
        body -> Binary,
        name -> Nullable<Text>,
    }
}

diesel::table! {
    /// The dictionary each kind of compressed record was packed with
    /// (`plans.page.es`: the first such page written, as raw content).
    dictionaries (kind) {
        kind -> Text,
        bytes -> Binary,
    }
}

diesel::table! {
    /// What the store was written for: `revision`, `content_hash`, `public_url`.
    about (name) {
        name -> Text,
        value -> Text,
    }
}

/// Details written per transaction of the store.
const BATCH: usize = 2000;

/// The layout of a store: one written by a build with another is not used.
const FORMAT: &str = "7";

/// Each store adopted gets a new number, so that a worker thread's open
/// connection to an older one is replaced.
static GENERATION: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's connection to the store in use, and its generation.
    static OPEN: RefCell<Option<(u64, SqliteConnection)>> = const { RefCell::new(None) };
}

/// The store of one revision, complete.
struct Store {
    revision: i32,
    content_hash: String,
    path: PathBuf,
    generation: u64,
    records: u64,
    /// The list records, in a file of their own beside the SQLite file.
    lists: ListFile,
    /// The dictionaries of the compressed kinds, by kind (`plans.page.es`).
    dictionaries: HashMap<String, Vec<u8>>,
}

/// The prepared items of the revision being served, when they are written.
pub struct Prepared {
    /// Where stores are written; `None`: nothing is prepared.
    dir: Option<PathBuf>,
    /// Written into each store: the details' links are built on it.
    public_url: String,
    ready: RwLock<Option<Arc<Store>>>,
    /// The revision whose store is being written.
    building: Mutex<Option<i32>>,
}

/// What of a record is prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The item's JSON detail.
    Detail,
    /// The item's CSV file.
    Csv,
    /// The record's JSON in a list page's `data`.
    ListRecord,
    /// The record's page for people, in a language (its code: `es`): kept
    /// compressed (see [`Writer::put`]).
    Page(&'static str),
}

impl Kind {
    /// The store's key for `collection`'s records of this kind.
    fn key(self, collection: &str) -> String {
        match self {
            Kind::Detail => collection.to_string(),
            Kind::Csv => format!("{collection}.csv"),
            Kind::ListRecord => format!("{collection}.list"),
            Kind::Page(lang) => format!("{collection}.page.{lang}"),
        }
    }
}

/// A list page found in the store by its filters' places (see [`Prepared::indexed_page`]).
pub struct IndexedPage {
    /// Up to `limit + 1` places: one more than the page shows says another page follows.
    pub places: Vec<u32>,
    pub total: i64,
    /// The id of the page's last record when another page follows.
    pub last_id: Option<String>,
    /// The page's records, after what `out` held.
    pub records: Vec<u8>,
}

/// What prepared items there are, for `/v1/health` and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub revision: i32,
    pub records: u64,
}

impl Prepared {
    pub fn new(dir: Option<PathBuf>, public_url: &str) -> Prepared {
        Prepared { dir, public_url: public_url.into(), ready: RwLock::new(None), building: Mutex::new(None) }
    }

    /// The revision whose items are prepared, and how many.
    pub fn status(&self) -> Option<Status> {
        let store = self.ready.read().ok()?.clone()?;
        Some(Status { revision: store.revision, records: store.records })
    }

    /// The JSON detail (or the CSV, and its file's name) of
    /// `collection/id` as of `rev`, when it is prepared.
    pub fn get(&self, rev: &Revision, collection: &str, csv: bool, id: &str) -> Option<(Vec<u8>, Option<String>)> {
        let kind = if csv { Kind::Csv } else { Kind::Detail };
        self.read(rev.number, &rev.content_hash, |conn| {
            items::table
                .find((kind.key(collection), id))
                .select((items::body, items::name))
                // No `LIMIT`: a key finds one row at most.
                .get_result::<(Vec<u8>, Option<String>)>(conn)
                .optional()
        })?
        .1
    }

    /// The page of `collection/id` in language `lang` (its code) as of `rev`, when it is prepared.
    pub fn page(&self, rev: &Revision, collection: &str, lang: &'static str, id: &str) -> Option<Vec<u8>> {
        let kind = Kind::Page(lang).key(collection);
        let (store, packed) = self.read(rev.number, &rev.content_hash, |conn| {
            items::table.find((&kind, id)).select(items::body).get_result::<Vec<u8>>(conn).optional()
        })?;
        lz4_flex::block::decompress_size_prepended_with_dict(&packed?, store.dictionaries.get(&kind)?)
            .map_err(|e| log::warn!("{kind} {id} in {}: {e}", store.path.display()))
            .ok()
    }

    /// The store in use, when it is revision `number`'s (with this content hash).
    fn store_of(&self, number: i32, content_hash: &str) -> Option<Arc<Store>> {
        let store = self.ready.read().ok()?.clone()?;
        (store.revision == number && store.content_hash == content_hash).then_some(store)
    }

    /// Whether the store of revision `number` (with this content hash) is in use.
    pub fn is_ready(&self, number: i32, content_hash: &str) -> bool {
        self.ready
            .read()
            .ok()
            .and_then(|r| r.as_ref().map(|s| s.revision == number && s.content_hash == content_hash))
            .unwrap_or(false)
    }

    /// The list records of `ids` of `collection` as of revision `number`,
    /// appended to `out` in the order asked, separated by commas: all of
    /// them, or `None` when any is missing (or the store is not this
    /// revision's). `places`: where each is thought to be (see
    /// [`ListFile::get`]).
    pub fn list_records(
        &self,
        number: i32,
        content_hash: &str,
        collection: &str,
        ids: &[String],
        places: impl Fn(usize) -> Option<usize>,
        mut out: Vec<u8>,
    ) -> Option<Vec<u8>> {
        let store = self.store_of(number, content_hash)?;
        let records: Vec<&[u8]> =
            ids.iter().enumerate().map(|(i, id)| store.lists.get(collection, id, places(i))).collect::<Option<_>>()?;
        join(&mut out, &records);
        Some(out)
    }

    /// A page of `collection` in its default order (`seq`) whose records
    /// have every `(filter, value)` of `filters`, found in the store alone,
    /// appended to `out` as [`Prepared::list_records`] does: the places of
    /// up to `limit + 1` records after `after` (a seq; a place is its seq
    /// less one), how many records match in all, and the records of the
    /// first `limit` of them. `None` when the store is not this revision's or
    /// does not keep one of these filters.
    #[allow(clippy::too_many_arguments)]
    pub fn indexed_page(
        &self,
        number: i32,
        content_hash: &str,
        collection: &str,
        filters: &[(&str, String)],
        after: Option<i64>,
        limit: usize,
        mut out: Vec<u8>,
    ) -> Option<IndexedPage> {
        let store = self.store_of(number, content_hash)?;
        let lists = &store.lists;
        let mut sets: Vec<_> = filters.iter().map(|(f, v)| lists.places(collection, f, v)).collect::<Option<_>>()?;
        // The fewest first: each of its places is looked for in the others.
        sets.sort_by_key(|p| p.len());
        let (first, rest) = sets.split_first()?;
        let start = after.map_or(0, |s| s.max(0));
        let mut places: Vec<u32> = Vec::new();
        let total = if rest.is_empty() {
            // One filter: its places are the matches; the page starts where the cursor is.
            let from = first.partition_point(|p| i64::from(p) < start);
            places.extend((from..first.len().min(from + limit + 1)).map(|i| first.get(i)));
            first.len()
        } else {
            let mut total = 0;
            for place in (0..first.len()).map(|i| first.get(i)) {
                if rest.iter().all(|p| p.contains(place)) {
                    total += 1;
                    if i64::from(place) >= start && places.len() <= limit {
                        places.push(place);
                    }
                }
            }
            total
        };
        let shown = &places[..places.len().min(limit)];
        // The last shown record's id, for the next page's cursor.
        let last_id = match (places.len() > limit, shown.last()) {
            (true, Some(p)) => Some(lists.id_at(collection, *p as usize)?.to_string()),
            _ => None,
        };
        let bodies: Vec<&[u8]> = shown.iter().map(|p| lists.body_at(collection, *p as usize)).collect::<Option<_>>()?;
        join(&mut out, &bodies);
        Some(IndexedPage { places, total: i64::try_from(total).ok()?, last_id, records: out })
    }

    /// Run `query` on this thread's connection to the store of revision
    /// `number`, when that store is in use, and hand back the store with
    /// its answer; errors are logged and read as "not prepared".
    fn read<T>(
        &self,
        number: i32,
        content_hash: &str,
        query: impl FnOnce(&mut SqliteConnection) -> QueryResult<T>,
    ) -> Option<(Arc<Store>, T)> {
        let store = self.store_of(number, content_hash)?;
        OPEN.with(|open| {
            let mut open = open.borrow_mut();
            if open.as_ref().map(|(g, _)| *g) != Some(store.generation) {
                *open = None;
                match open_immutable(&store.path) {
                    Ok(c) => *open = Some((store.generation, c)),
                    Err(e) => {
                        log::warn!("cannot open the prepared items {}: {e}", store.path.display());
                        return None;
                    }
                }
            }
            let (_, conn) = open.as_mut()?;
            let found =
                query(conn).map_err(|e| log::warn!("cannot read the prepared items {}: {e}", store.path.display()));
            Some((store.clone(), found.ok()?))
        })
    }

    /// Make the items of `rev` prepared: adopt its store when one is on
    /// disk, else write it on a thread of its own (stopped with `watch`'s
    /// poll) with `fill`, which calls [`Writer::put`] for every record.
    /// Nothing happens when the store is in use or being written already.
    pub fn ensure(
        self: &Arc<Self>,
        rev: &Revision,
        watch: &RevisionWatch,
        fill: impl FnOnce(&mut Writer) -> Result<(), ApiError> + Send + 'static,
    ) {
        let Some(dir) = self.dir.clone() else { return };
        if self.ready.read().ok().and_then(|r| r.as_ref().map(|s| s.revision)) == Some(rev.number) {
            return;
        }
        let final_path = dir.join(file_name(rev));
        if final_path.exists() {
            match self.adopt(rev, &final_path) {
                Ok(()) => return,
                Err(e) => {
                    log::warn!("the prepared items {} cannot be used ({e}): writing them again", final_path.display());
                    let _ = std::fs::remove_file(&final_path);
                }
            }
        }
        {
            let Ok(mut building) = self.building.lock() else { return };
            if *building == Some(rev.number) {
                return;
            }
            *building = Some(rev.number);
        }
        let (this, number, rev) = (self.clone(), rev.number, rev.clone());
        let started = watch.spawn_job("prepare-items", move |stop| {
            let began = std::time::Instant::now();
            match this.write(&dir, &rev, stop, fill) {
                Ok(records) => log::info!(
                    "prepared the JSON detail of {records} records of revision {} in {:.1} s",
                    rev.number,
                    began.elapsed().as_secs_f64()
                ),
                Err(e) => log::warn!("the items of revision {} were not prepared: {e}", rev.number),
            }
            give_back_freed_memory();
            if let Ok(mut building) = this.building.lock() {
                if *building == Some(rev.number) {
                    *building = None;
                }
            }
        });
        if let Err(e) = started {
            log::warn!("cannot start preparing the items of revision {number}: {e}");
            if let Ok(mut building) = self.building.lock() {
                *building = None;
            }
        }
    }

    /// Write the store of `rev` under a temporary name, then rename it into
    /// place and use it; older stores are removed.
    fn write(
        &self,
        dir: &Path,
        rev: &Revision,
        stop: &AtomicBool,
        fill: impl FnOnce(&mut Writer) -> Result<(), ApiError>,
    ) -> Result<u64, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let final_path = dir.join(file_name(rev));
        let temp = dir.join(format!("{}.partial", file_name(rev)));
        let (lists_path, lists_temp) = (lists_name(&final_path), lists_name(&temp));
        let _ = std::fs::remove_file(&temp);
        let _ = std::fs::remove_file(&lists_temp);
        let result = (|| -> Result<u64, String> {
            let mut conn = crate::db::open_sqlite_file(&uri(&temp, false)).map_err(|e| e.to_string())?;
            diesel::sql_query("PRAGMA journal_mode = OFF").execute(&mut conn).map_err(|e| e.to_string())?;
            diesel::sql_query("PRAGMA synchronous = OFF").execute(&mut conn).map_err(|e| e.to_string())?;
            // Rows appended in rowid order fill their pages; the key's index
            // is built once at the end. (Keyed by the index itself, rows of
            // a kilobyte or more arriving in no key order left pages half
            // empty: 8.5 GB for 3.6 GB of bodies at scale 100.)
            diesel::sql_query(
                "CREATE TABLE items (collection TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, name TEXT)",
            )
            .execute(&mut conn)
            .map_err(|e| e.to_string())?;
            diesel::sql_query("CREATE TABLE dictionaries (kind TEXT PRIMARY KEY, bytes BLOB NOT NULL)")
                .execute(&mut conn)
                .map_err(|e| e.to_string())?;
            diesel::sql_query("CREATE TABLE about (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                .execute(&mut conn)
                .map_err(|e| e.to_string())?;
            let lists = ListFileWriter::create(&lists_temp)?;
            let mut w = Writer {
                conn,
                lists,
                pending: Vec::new(),
                dictionaries: HashMap::new(),
                records: 0,
                stop,
                revision: rev.number,
                public_url: self.public_url.clone(),
            };
            fill(&mut w).map_err(|e| e.to_string())?;
            w.flush().map_err(|e| e.to_string())?;
            diesel::sql_query("CREATE UNIQUE INDEX items_key ON items (collection, id)")
                .execute(&mut w.conn)
                .map_err(|e| e.to_string())?;
            let records = w.records;
            let about = [
                ("format", FORMAT.to_string()),
                ("revision", rev.number.to_string()),
                ("content_hash", rev.content_hash.clone()),
                ("public_url", self.public_url.clone()),
                ("records", records.to_string()),
            ];
            for (name, value) in &about {
                diesel::insert_into(about::table)
                    .values((about::name.eq(name), about::value.eq(value)))
                    .execute(&mut w.conn)
                    .map_err(|e| e.to_string())?;
            }
            let Writer { conn, lists, .. } = w;
            drop(conn);
            lists.finish(&about)?;
            // On disk before it is named as complete; the SQLite file last,
            // since its name is what says the store is complete.
            std::fs::File::open(&temp).and_then(|f| f.sync_all()).map_err(|e| e.to_string())?;
            std::fs::rename(&lists_temp, &lists_path).map_err(|e| e.to_string())?;
            std::fs::rename(&temp, &final_path).map_err(|e| e.to_string())?;
            Ok(records)
        })();
        let records = result.inspect_err(|_| {
            let _ = std::fs::remove_file(&temp);
            let _ = std::fs::remove_file(&lists_temp);
        })?;
        self.adopt(rev, &final_path)?;
        // Stores of other revisions are not needed any more.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let path = e.path();
                if path != final_path && path != lists_path && !e.file_name().to_string_lossy().ends_with(".partial") {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
        Ok(records)
    }

    /// Use the complete store at `path` for `rev`, after checking it was
    /// written for this revision and this public URL.
    fn adopt(&self, rev: &Revision, path: &Path) -> Result<(), String> {
        let mut conn = open_immutable(path).map_err(|e| e.to_string())?;
        let about: Vec<(String, String)> = about::table.load(&mut conn).map_err(|e| e.to_string())?;
        let value = |n: &str| about.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        if value("format") != Some(FORMAT)
            || value("revision") != Some(&rev.number.to_string())
            || value("content_hash") != Some(&rev.content_hash)
            || value("public_url") != Some(&self.public_url)
        {
            return Err("written in another layout, or for another revision or public URL".into());
        }
        let records = value("records").and_then(|r| r.parse().ok()).unwrap_or(0);
        let dictionaries: Vec<(String, Vec<u8>)> = dictionaries::table.load(&mut conn).map_err(|e| e.to_string())?;
        let lists = ListFile::open(&lists_name(path))?;
        for name in ["format", "revision", "content_hash", "public_url"] {
            if lists.about(name) != value(name) {
                return Err(format!("its list records were written for another {name}"));
            }
        }
        let store = Store {
            revision: rev.number,
            content_hash: rev.content_hash.clone(),
            path: path.to_path_buf(),
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            records,
            lists,
            dictionaries: dictionaries.into_iter().collect(),
        };
        *self.ready.write().map_err(|_| "lock poisoned".to_string())? = Some(Arc::new(store));
        Ok(())
    }
}

/// Where the details of one revision go while its store is written.
pub struct Writer<'a> {
    conn: SqliteConnection,
    lists: ListFileWriter,
    pending: Vec<(String, String, Vec<u8>, Option<String>)>,
    /// The dictionary of each compressed kind.
    dictionaries: HashMap<String, Vec<u8>>,
    records: u64,
    stop: &'a AtomicBool,
    /// The revision being prepared: every read must see it.
    pub revision: i32,
    /// The public URL the store is written for: pages' links are built on it.
    pub public_url: String,
}

impl Writer<'_> {
    /// Keep what `kind` says of `collection/id`: its JSON detail, its CSV
    /// (with its file's `name`), its list record or its page. A page is
    /// kept compressed (LZ4, its size first) against the first page of its
    /// kind written, which is kept as that kind's dictionary: a
    /// collection's pages share their frame, labels and help, so each
    /// keeps little more than its own data. LZ4 rather than zstd: zstd
    /// kept pages a third smaller, but reading one back cost 127 k
    /// instructions (its entropy tables are built again for every page),
    /// as much as the rest of the request.
    pub fn put(
        &mut self,
        collection: &str,
        kind: Kind,
        id: String,
        body: Vec<u8>,
        name: Option<String>,
    ) -> Result<(), ApiError> {
        if kind == Kind::ListRecord {
            return self.lists.put(collection, &id, &body).map_err(ApiError::Internal);
        }
        let key = kind.key(collection);
        let body = match kind {
            Kind::Page(_) => {
                if !self.dictionaries.contains_key(&key) {
                    diesel::insert_into(dictionaries::table)
                        .values((dictionaries::kind.eq(&key), dictionaries::bytes.eq(&body)))
                        .execute(&mut self.conn)?;
                    self.dictionaries.insert(key.clone(), body.clone());
                }
                let dictionary = self.dictionaries.get(&key).map_or(&[][..], Vec::as_slice);
                lz4_flex::block::compress_prepend_size_with_dict(&body, dictionary)
            }
            _ => body,
        };
        // Records are counted by their JSON detail.
        self.records += u64::from(kind == Kind::Detail);
        self.pending.push((key, id, body, name));
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Keep `collection`'s places per value of `filter` (see [`ListFileWriter::put_index`]).
    pub fn put_index(
        &mut self,
        collection: &str,
        filter: &str,
        values: &std::collections::BTreeMap<String, Vec<u32>>,
    ) -> Result<(), ApiError> {
        self.lists.put_index(collection, filter, values).map_err(ApiError::Internal)
    }

    /// Whether the server is stopping: the writing ends unfinished.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    fn flush(&mut self) -> Result<(), ApiError> {
        let pending = std::mem::take(&mut self.pending);
        self.conn.transaction(|c| {
            for chunk in pending.chunks(500) {
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|(coll, id, body, name)| {
                        (items::collection.eq(coll), items::id.eq(id), items::body.eq(body), items::name.eq(name))
                    })
                    .collect();
                diesel::insert_into(items::table).values(rows).execute(c)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        Ok(())
    }
}

/// Append `records` to `out`, separated by commas (as a JSON array's elements).
fn join(out: &mut Vec<u8>, records: &[&[u8]]) {
    out.reserve(records.iter().map(|r| r.len() + 1).sum());
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(r);
    }
}

/// The store's file name: the revision's number and the start of its hash.
fn file_name(rev: &Revision) -> String {
    let hash: String = rev.content_hash.chars().filter(char::is_ascii_alphanumeric).take(16).collect();
    format!("items-r{}-{hash}.sqlite3", rev.number)
}

/// The list records' file beside the store's SQLite file at `path`.
fn lists_name(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(name.replacen("items-", "lists-", 1).replacen(".sqlite3", ".fst", 1))
}

/// An SQLite URI for `path` (`immutable`: read only, without locks).
fn uri(path: &Path, immutable: bool) -> String {
    let mut out = String::from("file:");
    for ch in path.display().to_string().chars() {
        match ch {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    if immutable {
        out.push_str("?mode=ro&immutable=1");
    }
    out
}

/// The most of a store read through memory mapping (the build allows up to
/// this: `.cargo/config.toml`).
const MAP_AT_MOST: i64 = 1 << 40;

/// A reader of a complete store, which maps the file into memory: a lookup
/// reads its pages where they are, without a system call each.
fn open_immutable(path: &Path) -> ConnectionResult<SqliteConnection> {
    let mut conn = crate::db::open_sqlite_file(&uri(path, true))?;
    diesel::sql_query(format!("PRAGMA mmap_size = {MAP_AT_MOST}"))
        .execute(&mut conn)
        .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

/// Hand the heap the preparation freed back to the system. glibc's malloc
/// keeps it otherwise: at scale 100 the server kept 128 MB resident after
/// preparing 1.3 M records, 68 MB with this (BENCHMARKS.md, seventh
/// session), and every later load's memory came on top of it.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases free memory of glibc's heap.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(number: i32, hash: &str) -> Revision {
        Revision {
            number,
            content_hash: hash.into(),
            created_at: "2026-12-05T00:00:00.000Z".into(),
            modified: std::time::SystemTime::UNIX_EPOCH,
        }
    }

    /// A store is written, renamed into place and read back by key, only
    /// for the revision it was written for; a second server on the same
    /// folder adopts it without writing it again.
    /// Pages of two languages, the first of each a dictionary for the next.
    const PAGES: [(&str, &str, &str); 4] = [
        ("p-1", "es", "<!doctype html><title>Plan de acción · niños</title><p>Avance 50 %</p>"),
        ("p-1", "en", "<!doctype html><title>Action plan · niños</title><p>Progress 50 %</p>"),
        ("p-2", "es", "<!doctype html><title>Plan de acción · niñas</title><p>Sin datos</p>"),
        ("p-2", "en", ""),
    ];

    #[test]
    fn a_store_is_read_back_for_its_revision_only() {
        let dir = tempfile::tempdir().unwrap();
        let watch = RevisionWatch::default();
        let p = Arc::new(Prepared::new(Some(dir.path().join("prepared")), "http://x"));
        let r1 = rev(1, "abc");
        p.ensure(&r1, &watch, |w| {
            w.put("plans", Kind::Detail, "p-1".into(), b"{\"id\":\"p-1\",\"t\":\"ni\xc3\xb1os\"}".to_vec(), None)?;
            w.put("plans", Kind::Csv, "p-1".into(), b"id\np-1\n".to_vec(), Some("p-1".into()))?;
            w.put("plans", Kind::Detail, "p-2".into(), b"{}".to_vec(), None)?;
            w.put("plans", Kind::ListRecord, "p-1".into(), b"{\"id\":\"p-1\"}".to_vec(), None)?;
            w.put("plans", Kind::ListRecord, "p-2".into(), b"{\"id\":\"p-2\"}".to_vec(), None)?;
            // Pages: the first of a kind is its dictionary, and read back like the others.
            for (id, lang, page) in PAGES {
                w.put("plans", Kind::Page(lang), id.into(), page.as_bytes().to_vec(), None)?;
            }
            Ok(())
        });
        watch.stop_polling();
        assert_eq!(p.status(), Some(Status { revision: 1, records: 2 }));
        let json = |p: &Prepared, r: &Revision, c: &str, id: &str| p.get(r, c, false, id).map(|(b, _)| b);
        assert_eq!(json(&p, &r1, "plans", "p-1").unwrap(), "{\"id\":\"p-1\",\"t\":\"niños\"}".as_bytes());
        assert_eq!(p.get(&r1, "plans", true, "p-1"), Some((b"id\np-1\n".to_vec(), Some("p-1".into()))));
        assert_eq!(p.get(&r1, "plans", true, "p-2"), None);
        assert_eq!(json(&p, &r1, "plans", "p-3"), None);
        assert_eq!(json(&p, &r1, "commitments", "p-1"), None);
        assert_eq!(json(&p, &rev(1, "other"), "plans", "p-1"), None, "same number, other content");
        assert_eq!(json(&p, &rev(2, "abc"), "plans", "p-1"), None);
        // List records: in the order asked, all or nothing, this revision's only.
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            p.list_records(1, "abc", "plans", &ids(&["p-2", "p-1"]), |_| None, b"[".to_vec()),
            Some(b"[{\"id\":\"p-2\"},{\"id\":\"p-1\"}".to_vec())
        );
        assert_eq!(p.list_records(1, "abc", "plans", &ids(&[]), |_| None, Vec::new()), Some(vec![]));
        assert_eq!(p.list_records(1, "abc", "plans", &ids(&["p-1", "p-3"]), |_| None, Vec::new()), None);
        assert_eq!(p.list_records(1, "abc", "commitments", &ids(&["p-1"]), |_| None, Vec::new()), None);
        assert_eq!(p.list_records(2, "abc", "plans", &ids(&["p-1"]), |_| None, Vec::new()), None);
        assert!(p.is_ready(1, "abc") && !p.is_ready(1, "other") && !p.is_ready(2, "abc"));
        for (id, lang, page) in PAGES {
            assert_eq!(p.page(&r1, "plans", lang, id).unwrap(), page.as_bytes(), "{id} {lang}");
        }
        assert_eq!(p.page(&r1, "plans", "es", "p-3"), None);
        assert_eq!(p.page(&r1, "commitments", "es", "p-1"), None);
        assert_eq!(p.page(&rev(2, "abc"), "plans", "es", "p-1"), None);
        let files: Vec<_> = std::fs::read_dir(dir.path().join("prepared")).unwrap().flatten().collect();
        assert_eq!(files.len(), 2, "the SQLite file and the list records' file; no partial file is left");

        let again = Arc::new(Prepared::new(Some(dir.path().join("prepared")), "http://x"));
        again.ensure(&r1, &watch, |_| panic!("adopted, not written again"));
        assert_eq!(json(&again, &r1, "plans", "p-2").unwrap(), b"{}");
        // Another public URL: the links inside would be wrong.
        let elsewhere = Arc::new(Prepared::new(Some(dir.path().join("prepared")), "http://y"));
        elsewhere.ensure(&r1, &watch, |w| w.put("plans", Kind::Detail, "p-1".into(), b"[]".to_vec(), None));
        watch.stop_polling();
        assert_eq!(json(&elsewhere, &r1, "plans", "p-1").unwrap(), b"[]");
    }

    /// Stores are read through a memory map as large as they can grow: the
    /// build raised SQLite's cap of 2 GB (a scale-100 store is 4.4 GB).
    #[test]
    fn a_store_is_mapped_whole() {
        #[derive(QueryableByName)]
        struct Size {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            mmap_size: i64,
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let mut w = crate::db::open_sqlite_file(&uri(&path, false)).unwrap();
        diesel::sql_query("CREATE TABLE t (x)").execute(&mut w).unwrap();
        drop(w);
        let mut conn = open_immutable(&path).unwrap();
        let size: Size = diesel::sql_query("PRAGMA mmap_size").get_result(&mut conn).unwrap();
        assert_eq!(size.mmap_size, MAP_AT_MOST);
    }

    /// A store whose writing fails is not used and leaves no file.
    #[test]
    fn a_failed_store_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let watch = RevisionWatch::default();
        let p = Arc::new(Prepared::new(Some(dir.path().to_path_buf()), "http://x"));
        p.ensure(&rev(3, "h"), &watch, |w| {
            w.put("plans", Kind::Detail, "p".into(), b"{}".to_vec(), None)?;
            Err(ApiError::Internal("the revision moved".into()))
        });
        watch.stop_polling();
        assert_eq!(p.status(), None);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let off = Arc::new(Prepared::new(None, "http://x"));
        off.ensure(&rev(3, "h"), &watch, |_| panic!("nothing is prepared when turned off"));
        assert_eq!(off.status(), None);
    }
}
