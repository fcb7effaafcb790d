//! A statement timeout for SQLite, which has none of its own, and the
//! process-wide SQLite settings that must come before the first connection.
//!
//! diesel does not hand out the `sqlite3*` handle, so the timer is attached
//! where SQLite offers a hook for every connection it opens: an automatic
//! extension. While [`open_with_timeout`] opens a connection, the extension
//! turns on its query planner stability guarantee (statements are not
//! compiled again for each bound value) and, for a serving connection, gives
//! it
//! - a trace callback that notes when each statement starts and stops
//!   running, and
//! - a progress handler, called every [`CHECK_EVERY`] virtual-machine steps,
//!   that interrupts the statement once it has run longer than the limit.
//!
//! The interrupted statement fails with SQLite's "interrupted" error (turned
//! into 503 with Retry-After at the HTTP edge), the transaction is rolled
//! back and the connection stays usable, as with PostgreSQL's
//! `statement_timeout`. Connections opened otherwise (the import) get no
//! timer.
//!
//! Why this unsafe code stays (`bench/sqlite-timeout.sh`, BENCHMARKS.md): a
//! `busy_timeout` bounds only lock waits, and `sqlite3_interrupt` from a
//! watchdog needs this same handle; the timer costs no measurable time.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Once, OnceLock};
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;

/// Virtual-machine steps between two looks at the clock.
const CHECK_EVERY: c_int = 1000;

/// The error message SQLite gives an interrupted statement.
pub const INTERRUPTED: &str = "interrupted";

thread_local! {
    /// The limit for the connection being opened on this thread, read by the
    /// automatic extension, which SQLite runs inside the open call.
    static OPENING: Cell<Option<Duration>> = const { Cell::new(None) };
}

/// One connection's timer; owned by SQLite's callbacks and freed when the
/// connection closes.
struct Timer {
    limit_nanos: u64,
    /// When the running statement started, in nanoseconds since [`epoch`]
    /// plus one; 0 while no statement runs.
    started: AtomicU64,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_nanos() -> u64 {
    epoch().elapsed().as_nanos() as u64 + 1
}

/// Before the first connection: SQLite's multi-thread mode instead of its
/// default serialized one, and no memory statistics. A diesel connection is
/// used by one thread at a time (the pool hands it over whole), so the mutex
/// SQLite takes around every call on a connection, and the global one around
/// every allocation it counts, guard nothing here; they cost a streamed
/// million rows about 5% of their time. Has no effect (SQLITE_MISUSE) if
/// SQLite was already initialised.
fn configure_once() {
    static CONFIGURE: Once = Once::new();
    CONFIGURE.call_once(|| {
        // SAFETY: sqlite3_config before sqlite3_initialize, with the
        // arguments these two options take.
        unsafe {
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_MULTITHREAD);
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
        }
    });
}

/// Open a connection with `open` while the extension sets it up: query plans
/// that do not depend on bound values, and a timer of `limit` (no timer when
/// `limit` is zero).
pub fn open_with_timeout<T>(limit: Duration, open: impl FnOnce() -> T) -> T {
    static REGISTER: Once = Once::new();
    configure_once();
    REGISTER.call_once(|| {
        epoch();
        // SAFETY: registers a function with the signature SQLite expects; it
        // stays valid for the life of the process.
        unsafe { ffi::sqlite3_auto_extension(Some(attach)) };
    });
    OPENING.with(|o| o.set(Some(limit)));
    let result = open();
    OPENING.with(|o| o.set(None));
    result
}

/// The automatic extension: runs for every connection the process opens.
unsafe extern "C" fn attach(
    db: *mut ffi::sqlite3,
    _err: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    let Some(limit) = OPENING.with(|o| o.get()) else {
        return ffi::SQLITE_OK;
    };
    // Plans that do not depend on bound values (the query planner stability
    // guarantee). Without it SQLite marks a statement whose `LIMIT ?` (every
    // `first()`, every page) or indexed comparison it planned by the bound
    // value, and compiles it again each time that value is bound: 16 % of a
    // first-time commitment read (BENCHMARKS.md, "the cold path").
    // SAFETY: `db` is the connection being opened; this option takes an int
    // and an optional int pointer.
    unsafe {
        ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, 1 as c_int, std::ptr::null_mut::<c_int>());
    }
    if limit.is_zero() {
        return ffi::SQLITE_OK;
    }
    let timer = Box::into_raw(Box::new(Timer {
        limit_nanos: limit.as_nanos().min(u64::MAX as u128) as u64,
        started: AtomicU64::new(0),
    }));
    // SAFETY: `db` is the connection being opened; `timer` lives until the
    // close event frees it, after which SQLite calls neither callback.
    unsafe {
        ffi::sqlite3_trace_v2(
            db,
            ffi::SQLITE_TRACE_STMT | ffi::SQLITE_TRACE_PROFILE | ffi::SQLITE_TRACE_CLOSE,
            Some(trace),
            timer.cast(),
        );
        ffi::sqlite3_progress_handler(db, CHECK_EVERY, Some(progress), timer.cast());
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn trace(event: c_uint, ctx: *mut c_void, p: *mut c_void, _x: *mut c_void) -> c_int {
    let timer = ctx.cast::<Timer>();
    match event {
        // SAFETY: `ctx` is the timer attached to this connection, still alive.
        ffi::SQLITE_TRACE_STMT => unsafe { (*timer).started.store(now_nanos(), Ordering::Relaxed) },
        // The statement finished: nothing is running, so nothing is timed
        // (SQLite may call the progress handler outside a statement, while
        // it reloads a changed schema, say).
        // SAFETY: as above.
        ffi::SQLITE_TRACE_PROFILE => unsafe { (*timer).started.store(0, Ordering::Relaxed) },
        // The connection is closing (`p` is its handle). SQLite reports this
        // before it knows whether the close succeeds, so detach both
        // callbacks before freeing the timer: a connection that stays open
        // after all simply has no timer.
        // SAFETY: `p` is the live connection; after the detach neither
        // callback can see the timer again.
        ffi::SQLITE_TRACE_CLOSE => unsafe {
            let db = p.cast::<ffi::sqlite3>();
            ffi::sqlite3_progress_handler(db, 0, None, std::ptr::null_mut());
            ffi::sqlite3_trace_v2(db, 0, None, std::ptr::null_mut());
            drop(Box::from_raw(timer));
        },
        _ => {}
    }
    0
}

unsafe extern "C" fn progress(ctx: *mut c_void) -> c_int {
    // SAFETY: `ctx` is the timer attached to this connection, still alive.
    let timer = unsafe { &*ctx.cast::<Timer>() };
    let started = timer.started.load(Ordering::Relaxed);
    (started != 0 && now_nanos().saturating_sub(started) > timer.limit_nanos) as c_int
}
