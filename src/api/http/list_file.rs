//! The prepared list records of one revision in a file of their own: each
//! record's bytes one after another, and per collection a map from id to
//! where its bytes are (an `fst` map, BurntSushi's finite state
//! transducers), read through a memory map. A list page of 50 records then
//! costs 50 map walks of a few hundred instructions each, where the SQLite
//! store cost two B-tree seeks through diesel per record (about 10 k
//! instructions; BENCHMARKS.md, "prepared list records").
//!
//! Records are also found by their place: the n-th record written of a
//! collection (`ordinal`), checked against the id kept before its bytes.
//! The server writes each collection in its default order, `seq`, a dense
//! position from 1 in every table, so a page in that order finds each of
//! its records with one array read (the map is the fallback).
//!
//! Per collection and filter (`plan`, `status`, `institution`), each value's
//! records are kept as their places in that order (u32 each, ascending), so
//! that a first-time page filtered by such values alone, in the default
//! order, is read here without the database: its places are the
//! intersection of the values' places, its total their number.
//!
//! The file, written once and renamed into place, never changes:
//! `[magic][per record: id, id length (u8), body…][per collection: its fst, its places (u64 LE each)…]
//! [contents as JSON][its length: u64 LE][magic]`.
//! The container is these few lines by hand because no crate holds
//! "several fst maps and their values' bytes in one file"; the maps and the
//! memory map are the well-kept crates'.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 8] = b"GAGTLST1";

/// A body's place as the map's value: offset in the high 40 bits, length
/// in the low 24 (a body of 16 MB or more is not kept: its list falls back
/// to the database).
const LEN_BITS: u32 = 24;
const MAX_LEN: usize = (1 << LEN_BITS) - 1;

/// A place that holds no record (its body too long, or its id over 255 bytes).
const NOWHERE: u64 = u64::MAX;

/// What the end of the file says: what it was written for, and where each
/// collection's map is.
#[derive(Serialize, Deserialize, Default)]
struct Contents {
    about: BTreeMap<String, String>,
    /// Per collection: its map's offset and length, and its places'
    /// offset and number.
    maps: BTreeMap<String, (u64, u64, u64, u64)>,
    /// Per `collection/filter`: the map (offset, length) from each value to
    /// its places (offset << 24 | how many).
    #[serde(default)]
    indexes: BTreeMap<String, (u64, u64)>,
}

/// The ids of the collection being written, gathered to be sorted: the map
/// takes its keys in order, and the records come in the list's order.
#[derive(Default)]
struct Gathering {
    collection: String,
    /// Every id, one after another.
    ids: Vec<u8>,
    /// Per record: its id's start and length in `ids`, and the map's value.
    entries: Vec<(u32, u32, u64)>,
    /// Per record in the order written: the map's value, or [`NOWHERE`].
    places: Vec<u64>,
}

/// Writes a list file; nothing is usable until [`ListFileWriter::finish`].
pub struct ListFileWriter {
    out: BufWriter<File>,
    offset: u64,
    gathering: Option<Gathering>,
    contents: Contents,
}

impl ListFileWriter {
    pub fn create(path: &Path) -> Result<ListFileWriter, String> {
        let file = File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(MAGIC).map_err(|e| e.to_string())?;
        Ok(ListFileWriter { out, offset: MAGIC.len() as u64, gathering: None, contents: Contents::default() })
    }

    /// Keep `body` as `collection/id`'s list record. A collection's records
    /// come together: one that comes back after another began is refused.
    pub fn put(&mut self, collection: &str, id: &str, body: &[u8]) -> Result<(), String> {
        if self.gathering.as_ref().map(|g| g.collection.as_str()) != Some(collection) {
            self.end_collection()?;
            if self.contents.maps.contains_key(collection) {
                return Err(format!("the list records of {collection} came in two parts"));
            }
            self.gathering = Some(Gathering { collection: collection.into(), ..Default::default() });
        }
        let g = self.gathering.as_mut().expect("set above");
        // The id, then its length, just before the body: a place is checked
        // by reading backwards from the body's start.
        let id_len = u8::try_from(id.len()).ok();
        if let Some(n) = id_len {
            self.out.write_all(id.as_bytes()).map_err(|e| e.to_string())?;
            self.out.write_all(&[n]).map_err(|e| e.to_string())?;
            self.offset += u64::from(n) + 1;
        }
        let value = (self.offset << LEN_BITS) | body.len() as u64;
        if body.len() <= MAX_LEN {
            let start = u32::try_from(g.ids.len()).map_err(|_| "too many ids in one collection".to_string())?;
            g.ids.extend_from_slice(id.as_bytes());
            g.entries.push((start, id.len() as u32, value));
        }
        g.places.push(if body.len() <= MAX_LEN && id_len.is_some() { value } else { NOWHERE });
        self.out.write_all(body).map_err(|e| e.to_string())?;
        self.offset += body.len() as u64;
        Ok(())
    }

    /// Write the map of the collection being gathered.
    fn end_collection(&mut self) -> Result<(), String> {
        let Some(mut g) = self.gathering.take() else { return Ok(()) };
        let ids = std::mem::take(&mut g.ids);
        let key = |e: &(u32, u32, u64)| &ids[e.0 as usize..(e.0 + e.1) as usize];
        g.entries.sort_unstable_by(|a, b| key(a).cmp(key(b)));
        let mut map = fst::MapBuilder::memory();
        for e in &g.entries {
            map.insert(key(e), e.2).map_err(|err| format!("{}: {err}", g.collection))?;
        }
        let bytes = map.into_inner().map_err(|e| e.to_string())?;
        self.out.write_all(&bytes).map_err(|e| e.to_string())?;
        let map_at = self.offset;
        self.offset += bytes.len() as u64;
        for place in &g.places {
            self.out.write_all(&place.to_le_bytes()).map_err(|e| e.to_string())?;
        }
        let places = g.places.len() as u64;
        self.contents.maps.insert(g.collection, (map_at, bytes.len() as u64, self.offset, places));
        self.offset += 8 * places;
        Ok(())
    }

    /// Keep the places of `collection`'s records (their positions in its
    /// default order, from 0, ascending) per value of `filter`. A value with
    /// more places than a map value holds is left out, and so is the whole
    /// filter then (its lists are read from the database).
    pub fn put_index(
        &mut self,
        collection: &str,
        filter: &str,
        values: &BTreeMap<String, Vec<u32>>,
    ) -> Result<(), String> {
        if values.values().any(|p| p.len() > MAX_LEN || !p.is_sorted()) {
            return Ok(());
        }
        let mut map = fst::MapBuilder::memory();
        for (value, places) in values {
            map.insert(value, (self.offset << LEN_BITS) | places.len() as u64).map_err(|e| e.to_string())?;
            for p in places {
                self.out.write_all(&p.to_le_bytes()).map_err(|e| e.to_string())?;
            }
            self.offset += 4 * places.len() as u64;
        }
        let bytes = map.into_inner().map_err(|e| e.to_string())?;
        self.out.write_all(&bytes).map_err(|e| e.to_string())?;
        self.contents.indexes.insert(format!("{collection}/{filter}"), (self.offset, bytes.len() as u64));
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Write the maps and the contents (with `about`), and put it all on disk.
    pub fn finish(mut self, about: &[(&str, String)]) -> Result<(), String> {
        self.end_collection()?;
        self.contents.about = about.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let json = serde_json::to_vec(&self.contents).map_err(|e| e.to_string())?;
        self.out.write_all(&json).map_err(|e| e.to_string())?;
        self.out.write_all(&(json.len() as u64).to_le_bytes()).map_err(|e| e.to_string())?;
        self.out.write_all(MAGIC).map_err(|e| e.to_string())?;
        let file = self.out.into_inner().map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())
    }
}

/// A part of the mapped file, as the bytes an `fst` map reads.
#[derive(Clone)]
struct Part {
    map: Arc<memmap2::Mmap>,
    start: usize,
    end: usize,
}

impl AsRef<[u8]> for Part {
    fn as_ref(&self) -> &[u8] {
        &self.map[self.start..self.end]
    }
}

/// One collection's records in a list file.
struct Collection {
    map: fst::Map<Part>,
    /// Where its places start in the file, and how many there are.
    places: (usize, usize),
}

/// A complete list file, mapped.
pub struct ListFile {
    map: Arc<memmap2::Mmap>,
    about: BTreeMap<String, String>,
    collections: BTreeMap<String, Collection>,
    /// Per `collection/filter`: each value's places.
    indexes: BTreeMap<String, fst::Map<Part>>,
}

/// A value's places: positions in the collection's default order, ascending.
#[derive(Clone, Copy)]
pub struct Places<'a>(&'a [u8]);

impl Places<'_> {
    pub fn len(&self) -> usize {
        self.0.len() / 4
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, i: usize) -> u32 {
        u32::from_le_bytes(self.0[4 * i..4 * i + 4].try_into().expect("4 bytes"))
    }

    /// How many of these come before the first for which `pred` is false
    /// (`pred` true, then false, as `slice::partition_point`).
    pub fn partition_point(&self, pred: impl Fn(u32) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if pred(self.get(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Whether `place` is one of these (a binary search).
    pub fn contains(&self, place: u32) -> bool {
        let at = self.partition_point(|p| p < place);
        at < self.len() && self.get(at) == place
    }
}

impl ListFile {
    pub fn open(path: &Path) -> Result<ListFile, String> {
        let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        // SAFETY: the file is complete and renamed into place before it is
        // opened, and nothing writes to it again (a newer revision's store
        // replaces it by name; removing a mapped file keeps its pages).
        let map = Arc::new(unsafe { memmap2::Mmap::map(&file) }.map_err(|e| e.to_string())?);
        let bad = || format!("{} is not a complete list file", path.display());
        let n = map.len();
        if n < 2 * MAGIC.len() + 8 || &map[..8] != MAGIC || &map[n - 8..] != MAGIC {
            return Err(bad());
        }
        let len = u64::from_le_bytes(map[n - 16..n - 8].try_into().expect("8 bytes")) as usize;
        let start = (n - 16).checked_sub(len).filter(|s| *s >= MAGIC.len()).ok_or_else(bad)?;
        let contents: Contents = serde_json::from_slice(&map[start..n - 16]).map_err(|_| bad())?;
        let mut collections = BTreeMap::new();
        let within = |offset: u64, len: u64| {
            let (offset, len) = (usize::try_from(offset).ok()?, usize::try_from(len).ok()?);
            offset.checked_add(len).filter(|end| *end <= start).map(|end| (offset, end))
        };
        for (name, (map_at, map_len, places_at, places)) in contents.maps {
            let (map_start, map_end) = within(map_at, map_len).ok_or_else(bad)?;
            within(places_at, places.checked_mul(8).ok_or_else(bad)?).ok_or_else(bad)?;
            let part = Part { map: map.clone(), start: map_start, end: map_end };
            let fst = fst::Map::new(part).map_err(|e| format!("{}: {e}", path.display()))?;
            collections.insert(name, Collection { map: fst, places: (places_at as usize, places as usize) });
        }
        let mut indexes = BTreeMap::new();
        for (name, (at, len)) in contents.indexes {
            let (start, end) = within(at, len).ok_or_else(bad)?;
            let part = Part { map: map.clone(), start, end };
            indexes.insert(name, fst::Map::new(part).map_err(|e| format!("{}: {e}", path.display()))?);
        }
        Ok(ListFile { map, about: contents.about, collections, indexes })
    }

    /// What the file was written for (`revision`, `content_hash`, …).
    pub fn about(&self, name: &str) -> Option<&str> {
        self.about.get(name).map(String::as_str)
    }

    /// The list record of `collection/id`, when there is one. `ordinal`:
    /// where it is thought to be (the n-th written, from 0), tried first.
    pub fn get(&self, collection: &str, id: &str, ordinal: Option<usize>) -> Option<&[u8]> {
        let c = self.collections.get(collection)?;
        if let Some(body) = ordinal.and_then(|n| self.at(c, n, id)) {
            return Some(body);
        }
        self.body(c.map.get(id)?)
    }

    /// The places of `collection`'s records whose `filter` is `value`:
    /// `None` when the filter is not kept, empty when no record has it.
    pub fn places(&self, collection: &str, filter: &str, value: &str) -> Option<Places<'_>> {
        let index = self.indexes.get(&format!("{collection}/{filter}"))?;
        let Some(v) = index.get(value) else { return Some(Places(&[])) };
        let (offset, n) = ((v >> LEN_BITS) as usize, (v & MAX_LEN as u64) as usize);
        self.map.get(offset..offset + 4 * n).map(Places)
    }

    /// The id of the record at `collection`'s place `n`.
    pub fn id_at(&self, collection: &str, n: usize) -> Option<&str> {
        let (kept, _) = self.place(self.collections.get(collection)?.places, n)?;
        std::str::from_utf8(kept).ok()
    }

    /// The record at `collection`'s place `n`.
    pub fn body_at(&self, collection: &str, n: usize) -> Option<&[u8]> {
        let (_, value) = self.place(self.collections.get(collection)?.places, n)?;
        self.body(value)
    }

    /// The record at `collection`'s place `n`, if its id is `id`.
    fn at(&self, c: &Collection, n: usize, id: &str) -> Option<&[u8]> {
        let (kept, value) = self.place(c.places, n)?;
        (kept == id.as_bytes()).then(|| self.body(value)).flatten()
    }

    /// The id kept at place `n` of a collection's places, and the map value there.
    fn place(&self, (places_at, places): (usize, usize), n: usize) -> Option<(&[u8], u64)> {
        if n >= places {
            return None;
        }
        let at = places_at + 8 * n;
        let value = u64::from_le_bytes(self.map.get(at..at + 8)?.try_into().ok()?);
        if value == NOWHERE {
            return None;
        }
        let start = (value >> LEN_BITS) as usize;
        let id_len = usize::from(*self.map.get(start.checked_sub(1)?)?);
        Some((self.map.get(start.checked_sub(1 + id_len)?..start - 1)?, value))
    }

    /// The bytes a map value points at.
    fn body(&self, value: u64) -> Option<&[u8]> {
        let (offset, len) = ((value >> LEN_BITS) as usize, (value & MAX_LEN as u64) as usize);
        self.map.get(offset..offset + len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records come back by collection and id, whatever order they were
    /// written in; a missing one is `None`; a cut file does not open.
    #[test]
    fn records_are_found_by_collection_and_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        let mut w = ListFileWriter::create(&path).unwrap();
        w.put("plans", "p-2", b"{\"id\":\"p-2\"}").unwrap();
        w.put("plans", "p-1", "{\"t\":\"niños\"}".as_bytes()).unwrap();
        w.put("plans", "p-10", b"").unwrap();
        w.put("milestones", "p-1", b"[m]").unwrap();
        assert!(w.put("plans", "p-3", b"x").unwrap_err().contains("two parts"));
        w.finish(&[("revision", "4".into())]).unwrap();
        let f = ListFile::open(&path).unwrap();
        for guess in [None, Some(0), Some(1), Some(2), Some(7)] {
            assert_eq!(f.get("plans", "p-1", guess).unwrap(), "{\"t\":\"niños\"}".as_bytes());
            assert_eq!(f.get("plans", "p-2", guess).unwrap(), b"{\"id\":\"p-2\"}");
            assert_eq!(f.get("plans", "p-10", guess).unwrap(), b"");
            assert_eq!(f.get("milestones", "p-1", guess).unwrap(), b"[m]");
            assert_eq!(f.get("plans", "p-3", guess), None);
            assert_eq!(f.get("commitments", "p-1", guess), None);
        }
        // By place: the n-th written, checked against its id.
        let c = &f.collections["plans"];
        assert_eq!(f.at(c, 0, "p-2").unwrap(), b"{\"id\":\"p-2\"}");
        assert_eq!(f.at(c, 1, "p-1").unwrap(), "{\"t\":\"niños\"}".as_bytes());
        assert_eq!(f.at(c, 0, "p-1"), None, "another record's place");
        assert_eq!(f.at(c, 3, "p-2"), None, "past the end");
        assert_eq!(f.about("revision"), Some("4"));

        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(ListFile::open(&path).is_err());
    }

    /// A filter's places come back per value; a value no record has is
    /// empty, a filter not kept is `None`.
    #[test]
    fn places_are_kept_per_filter_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        let mut w = ListFileWriter::create(&path).unwrap();
        for id in ["m-1", "m-2", "m-3"] {
            w.put("milestones", id, b"{}").unwrap();
        }
        let values = BTreeMap::from([("p-1".to_string(), vec![0, 2]), ("p-2".to_string(), vec![1])]);
        w.put_index("milestones", "plan", &values).unwrap();
        w.put_index("milestones", "status", &BTreeMap::from([("x".to_string(), vec![2, 1])])).unwrap();
        w.finish(&[]).unwrap();
        let f = ListFile::open(&path).unwrap();
        let p = f.places("milestones", "plan", "p-1").unwrap();
        assert_eq!((p.len(), p.get(0), p.get(1)), (2, 0, 2));
        assert!(p.contains(2) && p.contains(0) && !p.contains(1) && !p.contains(3));
        assert_eq!((p.partition_point(|x| x < 1), p.partition_point(|x| x < 3)), (1, 2));
        assert!(f.places("milestones", "plan", "p-3").unwrap().is_empty());
        assert!(f.places("milestones", "status", "x").is_none(), "places out of order: not kept");
        assert!(f.places("commitments", "plan", "p-1").is_none());
        assert_eq!(f.id_at("milestones", 2), Some("m-3"));
        assert_eq!(f.body_at("milestones", 2), Some(&b"{}"[..]));
        assert_eq!(f.id_at("milestones", 3), None);
    }

    /// The same id twice in one collection is an error, not a silent pick.
    #[test]
    fn a_repeated_id_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = ListFileWriter::create(&dir.path().join("l")).unwrap();
        w.put("plans", "p-1", b"a").unwrap();
        w.put("plans", "p-1", b"b").unwrap();
        assert!(w.finish(&[]).is_err());
    }
}
