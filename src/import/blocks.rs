//! Texts held compressed: appended a row at a time into blocks of 64 kB,
//! each compressed with LZ4 once full, and read back a block at a time
//! through a per-thread copy of the block last read. The progress updates'
//! long texts and the quality findings are held this way; both are read in
//! row order, so a pass decompresses each block once. Written by hand: a
//! list of compressed byte blocks is all it is (LZ4 itself is `lz4_flex`).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// A block is compressed once it holds this many bytes (a row never spans two blocks).
const BLOCK: usize = 1 << 16;

/// Tells one table's blocks from another's in the per-thread cache.
static NEXT_BLOCKS: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The block this thread read last, decompressed: (table, block, bytes).
    static LAST_BLOCK: RefCell<(u64, u32, Vec<u8>)> = const { RefCell::new((0, 0, Vec::new())) };
}

/// Where a row's texts are: its block, its start in the block and each
/// text's end from the start.
#[derive(Clone, Copy, Debug)]
pub struct Place<const N: usize> {
    block: u32,
    start: u32,
    ends: [u32; N],
}

/// Texts appended one row at a time, in blocks compressed with LZ4 once
/// full (about a fifth of the size on the generated data); the block being
/// filled is kept as it is.
pub struct Blocks {
    /// Unique to this table (and made anew for a clone), for the cache.
    uid: u64,
    /// The full blocks: each one's size and compressed bytes.
    sealed: Vec<(u32, Box<[u8]>)>,
    open: Vec<u8>,
}

impl Default for Blocks {
    fn default() -> Self {
        Blocks { uid: NEXT_BLOCKS.fetch_add(1, Ordering::Relaxed), sealed: Vec::new(), open: Vec::new() }
    }
}

impl Clone for Blocks {
    fn clone(&self) -> Self {
        // A clone may grow apart from this table: its blocks get a cache key of their own.
        Blocks { sealed: self.sealed.clone(), open: self.open.clone(), ..Blocks::default() }
    }
}

impl Blocks {
    /// Append a row's texts.
    pub fn push<const N: usize>(&mut self, texts: [&str; N]) -> Place<N> {
        let len: usize = texts.iter().map(|t| t.len()).sum();
        if !self.open.is_empty() && self.open.len() + len > BLOCK {
            self.seal();
        }
        let start = self.open.len();
        let mut ends = [0u32; N];
        for (end, text) in ends.iter_mut().zip(texts) {
            self.open.extend_from_slice(text.as_bytes());
            *end = (self.open.len() - start) as u32;
        }
        Place { block: self.sealed.len() as u32, start: start as u32, ends }
    }

    fn seal(&mut self) {
        let packed = lz4_flex::block::compress(&self.open).into_boxed_slice();
        self.sealed.push((self.open.len() as u32, packed));
        self.open.clear();
    }

    /// Blocks compressed so far.
    #[cfg(test)]
    pub fn sealed(&self) -> usize {
        self.sealed.len()
    }

    /// `read` given the texts at `place`. `read` must not read other texts
    /// of these blocks (the thread's copy of a block is borrowed meanwhile).
    pub fn with<const N: usize, R>(&self, place: &Place<N>, read: impl FnOnce([&str; N]) -> R) -> R {
        let Some((size, packed)) = self.sealed.get(place.block as usize) else { return read(place.texts(&self.open)) };
        LAST_BLOCK.with(|last| {
            let mut last = last.borrow_mut();
            let (uid, at, bytes) = &mut *last;
            if (*uid, *at) != (self.uid, place.block) {
                bytes.resize(*size as usize, 0);
                let n = lz4_flex::block::decompress_into(packed, bytes).expect("a block compressed here");
                debug_assert_eq!(n, *size as usize);
                (*uid, *at) = (self.uid, place.block);
            }
            read(place.texts(bytes))
        })
    }
}

impl<const N: usize> Place<N> {
    /// The texts, given their block's bytes.
    fn texts<'b>(&self, bytes: &'b [u8]) -> [&'b str; N] {
        let mut from = self.start as usize;
        self.ends.map(|end| {
            let to = self.start as usize + end as usize;
            let text = std::str::from_utf8(&bytes[from..to]).expect("held as text");
            from = to;
            text
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_from_sealed_and_open_blocks_and_from_two_tables() {
        let (mut a, mut b) = (Blocks::default(), Blocks::default());
        let text = |n: usize| format!("señal {n} {}", "x".repeat(n % 700));
        let places: Vec<_> = (0..2000).map(|n| a.push([&text(n), "", "ñ"])).collect();
        let other = b.push(["otra"]);
        assert!(a.sealed() > 2);
        for n in [1999, 0, 1000, 5, 1998] {
            let got = a.with(&places[n], |[t, e, n]| (t.to_string(), e.to_string(), n.to_string()));
            assert_eq!(got, (text(n), String::new(), "ñ".to_string()));
            assert_eq!(b.with(&other, |[t]| t.to_string()), "otra");
        }
        let copy = a.clone();
        assert_eq!(copy.with(&places[3], |[t, _, _]| t.to_string()), text(3));
    }
}
