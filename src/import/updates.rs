//! A dataset's progress updates, held compactly: each row's texts side by
//! side in large chunks of bytes with their ends, its numbers as integers and
//! its commitment and plan as the index of a (commitment, plan) pair shared
//! by the rows of a commitment. At scale 100 (a million updates) that is
//! about 400 bytes a row where a `ProgressUpdateRow` takes about 700 (twelve
//! `String`s, the commitment and plan ids copied into each). A row is made
//! when asked for ([`ProgressUpdates::get`]); the texts most passes need (ids,
//! source, time) are read in place. The long free texts (description,
//! verification, links) are kept apart in blocks of 64 kB compressed with
//! LZ4 once full ([`Blocks`]): they are most of a row's bytes and few passes
//! read them. Written by hand: a table of our own row's fields is all it is.

use std::collections::HashMap;

use rayon::prelude::*;

use super::blocks::{Blocks, Place};
use crate::models::ProgressUpdateRow;

/// A chunk's size: texts are appended to one chunk until it is full (a row
/// never spans two; a longer row has a chunk of its own), so that growing
/// the table never copies it.
const CHUNK: usize = 1 << 20;

/// The short texts of a row, read in place, in this order.
const ID: usize = 0;
const MILESTONE: usize = 1;
const REPORTED_AT: usize = 2;
const PERCENT_RAW: usize = 3;
const DOCUMENT: usize = 4;
const LOCATION: usize = 5;
const TEXTS: usize = 6;

/// The long texts of a row, kept in [`Blocks`]: description (first),
/// verification, links and search text.
const DESCRIPTION: usize = 0;
const LONG_TEXTS: usize = 4;

const HAS_PERCENT_RAW: u8 = 1;
const HAS_VERIFICATION: u8 = 2;
const VERIFICATION_LINE: u8 = 4;
const NO_PERCENT: i32 = i32::MIN;

/// One row: where its texts are, and its other fields.
#[derive(Clone, Copy, Debug)]
struct Entry {
    chunk: u32,
    start: u32,
    /// Each short text's end, from `start`.
    ends: [u32; TEXTS],
    /// Where the long texts are.
    long: Place<LONG_TEXTS>,
    seq: i32,
    position: i32,
    percent: i32,
    /// Index of the row's (commitment, plan) in `parents`.
    parent: u32,
    flags: u8,
}

/// The progress updates, in order.
#[derive(Clone, Default)]
pub struct ProgressUpdates {
    chunks: Vec<String>,
    long: Blocks,
    rows: Vec<Entry>,
    /// (commitment id, plan id) pairs, each once.
    parents: Vec<(String, String)>,
    parent_index: HashMap<(String, String), u32>,
    /// The links made from the descriptions by `derive` (then a row's
    /// stored links are not read), of the rows that have any.
    derived_links: Option<HashMap<u32, Box<str>>>,
}

impl std::fmt::Debug for ProgressUpdates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressUpdates").field("rows", &self.rows.len()).finish()
    }
}

impl ProgressUpdates {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn parent(&mut self, commitment: &str, plan: &str) -> u32 {
        // Rows come grouped by commitment: the last pair is the likely one.
        if let Some(last) = self.parents.len().checked_sub(1) {
            let (c, p) = &self.parents[last];
            if c == commitment && p == plan {
                return last as u32;
            }
        }
        let key = (commitment.to_string(), plan.to_string());
        if let Some(&i) = self.parent_index.get(&key) {
            return i;
        }
        let i = self.parents.len() as u32;
        self.parents.push(key.clone());
        self.parent_index.insert(key, i);
        i
    }

    /// Add a row at the end.
    pub fn push(&mut self, row: ProgressUpdateRow) {
        let texts: [&str; TEXTS] = [
            &row.id,
            &row.milestone_id,
            &row.reported_at,
            row.percent_raw.as_deref().unwrap_or(""),
            &row.source_document,
            &row.source_location,
        ];
        let long = [&row.description, row.verification.as_deref().unwrap_or(""), &row.links, &row.search_text];
        let long = self.long.push(long);
        let len: usize = texts.iter().map(|t| t.len()).sum();
        let fits = self.chunks.last().is_some_and(|c| c.capacity() - c.len() >= len);
        if !fits {
            self.chunks.push(String::with_capacity(CHUNK.max(len)));
        }
        let chunk = self.chunks.len() - 1;
        let bytes = &mut self.chunks[chunk];
        let start = bytes.len();
        let mut ends = [0u32; TEXTS];
        for (end, text) in ends.iter_mut().zip(texts) {
            bytes.push_str(text);
            *end = (bytes.len() - start) as u32;
        }
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        let flags = flag(row.percent_raw.is_some(), HAS_PERCENT_RAW)
            | flag(row.verification.is_some(), HAS_VERIFICATION)
            | flag(row.verification_line, VERIFICATION_LINE);
        let parent = self.parent(&row.commitment_id, &row.plan_id);
        self.rows.push(Entry {
            chunk: chunk as u32,
            start: start as u32,
            ends,
            long,
            seq: row.seq,
            position: row.position,
            percent: row.percent.unwrap_or(NO_PERCENT),
            parent,
            flags,
        });
    }

    fn text(&self, i: usize, k: usize) -> &str {
        let e = &self.rows[i];
        let from = e.start as usize + if k == 0 { 0 } else { e.ends[k - 1] as usize };
        let to = e.start as usize + e.ends[k] as usize;
        &self.chunks[e.chunk as usize][from..to]
    }

    pub fn id(&self, i: usize) -> &str {
        self.text(i, ID)
    }

    pub fn milestone_id(&self, i: usize) -> &str {
        self.text(i, MILESTONE)
    }

    pub fn reported_at(&self, i: usize) -> &str {
        self.text(i, REPORTED_AT)
    }

    /// `read` given row `i`'s long texts (description, verification, links,
    /// search text), as held. `read` must not read another row's long texts.
    fn with_long<R>(&self, i: usize, read: impl FnOnce([&str; LONG_TEXTS]) -> R) -> R {
        self.long.with(&self.rows[i].long, read)
    }

    /// Row `i`'s description, given to `read`.
    pub fn with_description<R>(&self, i: usize, read: impl FnOnce(&str) -> R) -> R {
        self.with_long(i, |texts| read(texts[DESCRIPTION]))
    }

    #[cfg(test)]
    fn description(&self, i: usize) -> String {
        self.with_description(i, str::to_string)
    }

    pub fn source_document(&self, i: usize) -> &str {
        self.text(i, DOCUMENT)
    }

    pub fn source_location(&self, i: usize) -> &str {
        self.text(i, LOCATION)
    }

    pub fn commitment_id(&self, i: usize) -> &str {
        &self.parents[self.rows[i].parent as usize].0
    }

    pub fn plan_id(&self, i: usize) -> &str {
        &self.parents[self.rows[i].parent as usize].1
    }

    pub fn seq(&self, i: usize) -> i32 {
        self.rows[i].seq
    }

    pub fn position(&self, i: usize) -> i32 {
        self.rows[i].position
    }

    pub fn percent(&self, i: usize) -> Option<i32> {
        Some(self.rows[i].percent).filter(|p| *p != NO_PERCENT)
    }

    /// Row `i`, made. Panics past the end, as a slice does.
    pub fn get(&self, i: usize) -> ProgressUpdateRow {
        let e = &self.rows[i];
        let text = |k| self.text(i, k).to_string();
        let [description, verification, links, search_text] = self.with_long(i, |t| t.map(str::to_string));
        let links = match &self.derived_links {
            Some(made) => made.get(&(i as u32)).map(|l| l.to_string()).unwrap_or_default(),
            None => links,
        };
        ProgressUpdateRow {
            id: text(ID),
            seq: e.seq,
            milestone_id: text(MILESTONE),
            commitment_id: self.commitment_id(i).to_string(),
            plan_id: self.plan_id(i).to_string(),
            position: e.position,
            reported_at: text(REPORTED_AT),
            description,
            percent: self.percent(i),
            percent_raw: (e.flags & HAS_PERCENT_RAW != 0).then(|| text(PERCENT_RAW)),
            verification: (e.flags & HAS_VERIFICATION != 0).then_some(verification),
            links,
            source_document: text(DOCUMENT),
            source_location: text(LOCATION),
            search_text,
            verification_line: e.flags & VERIFICATION_LINE != 0,
        }
    }

    /// Every row in order, each made as it is reached.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = ProgressUpdateRow> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Every row, made on all cores.
    pub fn par_iter(&self) -> impl IndexedParallelIterator<Item = ProgressUpdateRow> + '_ {
        (0..self.len()).into_par_iter().with_min_len(1024).map(|i| self.get(i))
    }

    /// The rows as a list.
    pub fn to_vec(&self) -> Vec<ProgressUpdateRow> {
        self.iter().collect()
    }

    /// Change the rows as a list (made, changed, held again: for the small
    /// datasets of a report's edits and of tests).
    pub fn modify<T>(&mut self, change: impl FnOnce(&mut Vec<ProgressUpdateRow>) -> T) -> T {
        let mut rows = self.to_vec();
        let out = change(&mut rows);
        *self = rows.into_iter().collect();
        out
    }

    /// `seq` is each row's place, from 1.
    pub fn renumber(&mut self) {
        for (i, e) in self.rows.iter_mut().enumerate() {
            e.seq = i as i32 + 1;
        }
    }

    /// The derived columns: each row's commitment and plan, from its
    /// milestone's (`parent_of` the milestone id; unknown: empty), and its
    /// links, made from its description (what rows held as links is not read
    /// from now on).
    pub fn derive(&mut self, parent_of: impl Fn(&str) -> Option<(String, String)>) {
        let mut of_milestone: HashMap<String, u32> = HashMap::new();
        for i in 0..self.rows.len() {
            let milestone = self.milestone_id(i);
            let parent = match of_milestone.get(milestone) {
                Some(p) => *p,
                None => {
                    let milestone = milestone.to_string();
                    let (c, p) = parent_of(&milestone).unwrap_or_default();
                    let parent = self.parent(&c, &p);
                    of_milestone.insert(milestone, parent);
                    parent
                }
            };
            self.rows[i].parent = parent;
        }
        let made = (0..self.len())
            .into_par_iter()
            .with_min_len(1024)
            .filter_map(|i| {
                // Most descriptions have no link: the split is skipped for them.
                let links = self.with_description(i, |description| match description.contains("http") {
                    true => crate::text::links(description),
                    false => Vec::new(),
                });
                (!links.is_empty()).then(|| (i as u32, links.join("\n").into_boxed_str()))
            })
            .collect();
        self.derived_links = Some(made);
    }
}

impl FromIterator<ProgressUpdateRow> for ProgressUpdates {
    fn from_iter<I: IntoIterator<Item = ProgressUpdateRow>>(rows: I) -> Self {
        let mut out = ProgressUpdates::default();
        out.extend(rows);
        out
    }
}

impl Extend<ProgressUpdateRow> for ProgressUpdates {
    fn extend<I: IntoIterator<Item = ProgressUpdateRow>>(&mut self, rows: I) {
        rows.into_iter().for_each(|r| self.push(r));
    }
}

impl From<Vec<ProgressUpdateRow>> for ProgressUpdates {
    fn from(rows: Vec<ProgressUpdateRow>) -> Self {
        rows.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: usize) -> ProgressUpdateRow {
        ProgressUpdateRow {
            id: format!("gt-c{n}-m1-u{n}"),
            seq: n as i32 + 1,
            milestone_id: format!("gt-c{n}-m1"),
            commitment_id: format!("gt-c{n}"),
            plan_id: "gt".into(),
            position: n as i32,
            reported_at: "2024-05-06T07:08:09".into(),
            description: format!("Avance nº {n}: señalización  bilingüe, ver https://x.gt/{n}."),
            percent: (!n.is_multiple_of(3)).then_some(n as i32 * 10),
            percent_raw: n.is_multiple_of(2).then(|| format!("{n} %")),
            verification: n.is_multiple_of(5).then(String::new),
            links: if n.is_multiple_of(4) { "https://a.gt".into() } else { String::new() },
            source_document: "informe".into(),
            source_location: format!("L{n}"),
            search_text: String::new(),
            verification_line: !n.is_multiple_of(2),
        }
    }

    #[test]
    fn rows_come_back_as_they_went_in() {
        // Enough text to fill several chunks, and one row longer than a chunk.
        let mut rows: Vec<ProgressUpdateRow> = (0..5000).map(row).collect();
        rows[77].description = "á".repeat(CHUNK);
        rows[78].source_location = "ñ".repeat(CHUNK);
        let held: ProgressUpdates = rows.clone().into();
        assert!(held.chunks.len() > 2);
        assert_eq!(held.len(), rows.len());
        assert_eq!(held.to_vec(), rows);
        assert_eq!(held.par_iter().collect::<Vec<_>>(), rows);
        assert_eq!((held.id(9), held.source_location(9), held.commitment_id(9)), ("gt-c9-m1-u9", "L9", "gt-c9"));
        assert_eq!((held.percent(3), held.percent(4)), (None, Some(40)));
        assert!(held.long.sealed() > 2, "long texts in more than one block");
        // Rows read out of order, from two tables and from several threads, come back the same.
        let other: ProgressUpdates = rows[..100].to_vec().into();
        for i in [4999, 0, 77, 2500, 1, 4998] {
            assert_eq!((held.get(i), other.get(i % 100)), (rows[i].clone(), rows[i % 100].clone()));
            assert_eq!(held.description(i), rows[i].description);
        }
        let copy = held.clone();
        assert_eq!(copy.par_iter().rev().collect::<Vec<_>>(), rows.iter().rev().cloned().collect::<Vec<_>>());
    }

    #[test]
    fn derived_columns_come_from_the_milestone_and_the_description() {
        let mut held: ProgressUpdates = (0..10).map(row).collect();
        held.derive(|m| (m != "gt-c3-m1").then(|| (format!("{m}-c"), "p".to_string())));
        let rows = held.to_vec();
        assert_eq!((rows[2].commitment_id.as_str(), rows[2].plan_id.as_str()), ("gt-c2-m1-c", "p"));
        assert_eq!((rows[3].commitment_id.as_str(), rows[3].plan_id.as_str()), ("", ""));
        assert_eq!(rows[4].links, "https://x.gt/4");
        held.modify(|rows| rows[1].description = "cambiado".into());
        // The links were made when the rows were: a change keeps them as they are.
        assert_eq!(
            (held.description(1).as_str(), held.get(1).links.as_str(), held.len()),
            ("cambiado", "https://x.gt/1", 10)
        );
    }
}
