//! One revision per response. The caching layer keys a response (ETag,
//! `Last-Modified`, cache entry) on the revision it knows before the handler
//! runs; an import may commit a newer one at any moment. Every database call
//! of a handler runs in one read transaction that also reads the revision it
//! sees, and reports it here: a response whose first data comes from a newer
//! revision is re-keyed on that revision; a response that would mix two
//! revisions is refused (503, retry) instead of served.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use super::error::ApiError;
use crate::revision::Revision;

tokio::task_local! {
    static PINNED: Pinned;
}

struct Pinned {
    /// The revision the response is keyed on so far.
    current: RefCell<Arc<Revision>>,
    /// Whether anything of the response has been taken from `current` yet.
    used: RefCell<bool>,
}

/// Run a request's handler with `rev` pinned; returns its output and the
/// revision the response was finally built from.
pub async fn pinned<F: Future>(rev: Arc<Revision>, handler: F) -> (F::Output, Arc<Revision>) {
    let pin = Pinned { current: RefCell::new(rev), used: RefCell::new(false) };
    PINNED
        .scope(pin, async {
            let out = handler.await;
            (out, PINNED.with(|p| p.current.borrow().clone()))
        })
        .await
}

/// The revision the response being built is keyed on (from now on, the
/// response uses it); outside a pinned request, `None`.
pub fn revision() -> Option<Arc<Revision>> {
    PINNED
        .try_with(|p| {
            *p.used.borrow_mut() = true;
            p.current.borrow().clone()
        })
        .ok()
}

/// The revision the response is keyed on so far, without taking anything
/// from it (see [`revision`]); outside a pinned request, `None`.
pub fn peek() -> Option<Arc<Revision>> {
    PINNED.try_with(|p| p.current.borrow().clone()).ok()
}

/// A database call of the request saw revision `seen` (its number first, the
/// whole revision built only when it differs). Adopted when nothing of the
/// response came from the pinned one yet; otherwise the response would mix
/// two revisions: a 503 to retry. `Ok(true)` when the revision moved.
pub fn saw(seen: i32, full: impl FnOnce() -> Revision) -> Result<bool, ApiError> {
    PINNED
        .try_with(|p| {
            let moved = p.current.borrow().number != seen;
            if moved {
                if *p.used.borrow() {
                    return Err(ApiError::Busy {
                        detail: "a new dataset revision was published while this response was being built; retry"
                            .into(),
                        retry_after: 1,
                    });
                }
                *p.current.borrow_mut() = Arc::new(full());
            }
            *p.used.borrow_mut() = true;
            Ok(moved)
        })
        .unwrap_or(Ok(false))
}
