//! The binary's allocator: the system's, or mimalloc once [`use_mimalloc`]
//! is called (the import and the generator do, first thing).
//!
//! Why two (BENCHMARKS.md, `bench/allocators.sh`): mimalloc takes about 10 s
//! off a 70 s import, while `serve` keeps a flat footprint only on the system
//! allocator. A block is always freed by the allocator that made it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

static MIMALLOC: AtomicBool = AtomicBool::new(false);

/// mimalloc's `mi_option_purge_delay` (its place in v2's `mi_option_e`),
/// which the crate does not name.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// From now on, new blocks come from mimalloc, and the memory it frees goes
/// back to the system at once rather than 10 ms (100 ms for arenas) later:
/// the import's passes free and allocate in bursts, and the delay let the
/// resident set of an import at scale 100 run about 100 MB above what it
/// held (BENCHMARKS.md, seventh session).
pub fn use_mimalloc() {
    // SAFETY: setting an option is allowed at any time.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    MIMALLOC.store(true, Ordering::Release);
}

pub struct Allocator;

fn mimalloc_owns(p: *mut u8) -> bool {
    // SAFETY: a lookup in mimalloc's page map; any address is allowed.
    unsafe { libmimalloc_sys::mi_is_in_heap_region(p as *const std::ffi::c_void) }
}

// SAFETY: every call is forwarded to one of two sound allocators, and a
// block is always freed or resized by the allocator that returned it.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if MIMALLOC.load(Ordering::Relaxed) {
            mimalloc::MiMalloc.alloc(layout)
        } else {
            System.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if MIMALLOC.load(Ordering::Relaxed) {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        } else {
            System.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mimalloc_owns(ptr) {
            mimalloc::MiMalloc.dealloc(ptr, layout)
        } else {
            System.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if mimalloc_owns(ptr) {
            mimalloc::MiMalloc.realloc(ptr, layout, new_size)
        } else {
            System.realloc(ptr, layout, new_size)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_go_back_to_the_allocator_that_made_them() {
        let a = Allocator;
        let layout = Layout::from_size_align(100, 8).unwrap();
        unsafe {
            let system = a.alloc(layout);
            assert!(!system.is_null() && !mimalloc_owns(system));
            use_mimalloc();
            let mi = a.alloc(layout);
            assert!(!mi.is_null() && mimalloc_owns(mi));
            // A system block grown after the switch stays a system block.
            let grown = a.realloc(system, layout, 10_000);
            assert!(!mimalloc_owns(grown));
            a.dealloc(grown, Layout::from_size_align(10_000, 8).unwrap());
            let mi = a.realloc(mi, layout, 1 << 20);
            assert!(mimalloc_owns(mi));
            a.dealloc(mi, Layout::from_size_align(1 << 20, 8).unwrap());
            MIMALLOC.store(false, Ordering::Release);
        }
    }
}
