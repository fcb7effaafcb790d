//! The dataset revision being served, kept in memory and refreshed by a
//! background poll, so that conditional requests are answered without the
//! database and every replica follows a new import within a poll interval.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use crate::db::Pool;
use crate::models;

/// How revision times are written: UTC with milliseconds, so that text order is time order.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// What responses are keyed by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub number: i32,
    pub content_hash: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub modified: SystemTime,
}

impl Revision {
    pub fn from_row(r: &models::RevisionRow) -> Revision {
        let modified = chrono::DateTime::parse_from_rfc3339(&r.created_at)
            .map(|d| SystemTime::UNIX_EPOCH + Duration::from_secs(d.timestamp().max(0) as u64))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        Revision { number: r.id, content_hash: r.content_hash.clone(), created_at: r.created_at.clone(), modified }
    }

    /// The revision date, `YYYY-MM-DD`.
    pub fn date(&self) -> &str {
        &self.created_at[..self.created_at.len().min(10)]
    }
}

/// Why the revision could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// No connection from the pool.
    #[error("{0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot read the cursor secret: {0}")]
    Secret(#[source] diesel::result::Error),
    #[error("{0}")]
    Revision(#[source] diesel::result::Error),
    #[error("revision lock poisoned")]
    Poisoned,
}

/// The longest pause between attempts to finish work for a revision (its
/// download files): a failure that repeats costs little.
pub const RETRY_AT_MOST: Duration = Duration::from_secs(600);

/// Shared, cheaply readable current revision.
#[derive(Clone, Default)]
pub struct RevisionWatch {
    current: Arc<RwLock<Option<Arc<Revision>>>>,
    /// Database round trips made by handlers (observability and tests).
    pub db_calls: Arc<AtomicU64>,
    /// JSON list pages whose records were read from the prepared items
    /// (observability and tests).
    pub prepared_lists: Arc<AtomicU64>,
    /// Those of them whose records were also found in the prepared items
    /// (filtered by kept filters alone), without the database's list query.
    pub indexed_lists: Arc<AtomicU64>,
    /// Record pages for people answered from the prepared pages (observability and tests).
    pub prepared_pages: Arc<AtomicU64>,
    /// The background poll, stopped by [`RevisionWatch::stop_polling`].
    poller: Arc<Mutex<Option<Poller>>>,
    /// The database's random secret (`deployment_secrets`), read with the
    /// first revision: what cursors are signed with when no key is configured.
    secret: Arc<std::sync::OnceLock<Arc<[u8]>>>,
    /// Longer work for a revision, on threads of its own (the prepared
    /// items): stopped and joined with the poll.
    jobs: Arc<Mutex<Vec<Poller>>>,
}

struct Poller {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl RevisionWatch {
    pub fn get(&self) -> Option<Arc<Revision>> {
        self.current.read().ok().and_then(|g| g.clone())
    }

    /// The database's cursor secret, once read.
    pub fn secret(&self) -> Option<Arc<[u8]>> {
        self.secret.get().cloned()
    }

    /// Read the revision from the database; returns true when it changed.
    pub fn refresh(&self, pool: &Pool) -> Result<bool, RefreshError> {
        let mut conn = pool.get()?;
        if self.secret.get().is_none() {
            use crate::schema::deployment_secrets as s;
            use diesel::prelude::*;
            let value: Option<String> = s::table
                .filter(s::name.eq("cursor_key"))
                .select(s::value)
                .first(&mut conn)
                .optional()
                .map_err(RefreshError::Secret)?;
            if let Some(v) = value {
                let _ = self.secret.set(Arc::from(v.into_bytes()));
            }
        }
        let row = models::revision::current(&mut conn).map_err(RefreshError::Revision)?;
        let new = row.as_ref().map(Revision::from_row);
        let mut guard = self.current.write().map_err(|_| RefreshError::Poisoned)?;
        if guard.as_deref() == new.as_ref() {
            return Ok(false);
        }
        if let Some(r) = &new {
            log::info!("serving dataset revision {} ({})", r.number, r.created_at);
        }
        *guard = new.map(Arc::new);
        Ok(true)
    }

    /// Poll the database every `every` in a background thread; `on_change`
    /// runs (in that thread) whenever a new revision appears, and again,
    /// with growing pauses (up to [`RETRY_AT_MOST`]), while it returns false
    /// (the revision's download files could not be written, say).
    /// The thread runs until [`RevisionWatch::stop_polling`]: a server that
    /// stops must stop it, so that no thread is still talking to the
    /// database when the process exits (libpq's TLS state is torn down at
    /// exit, under a thread still using it: a crash).
    pub fn spawn_poller(&self, pool: Pool, every: Duration, on_change: impl Fn(&Revision) -> bool + Send + 'static) {
        let watch = RevisionWatch { poller: Arc::default(), ..self.clone() };
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("revision-poll".into())
            .spawn(move || {
                // When to run `on_change` again, and the pause after that.
                let mut retry: Option<(std::time::Instant, Duration)> = None;
                let run = |r: &Revision, pause: Duration| {
                    (!on_change(r)).then(|| (std::time::Instant::now() + pause, (pause * 2).min(RETRY_AT_MOST)))
                };
                if let Some(r) = watch.get() {
                    retry = run(&r, every);
                }
                while !stopped.load(Ordering::Acquire) {
                    match watch.refresh(&pool) {
                        Ok(true) => {
                            if let Some(r) = watch.get() {
                                retry = run(&r, every);
                            }
                        }
                        Ok(false) => {}
                        Err(e) => log::warn!("cannot read the dataset revision: {e}"),
                    }
                    if let Some((_, pause)) = retry.filter(|(at, _)| *at <= std::time::Instant::now()) {
                        if let Some(r) = watch.get() {
                            retry = run(&r, pause);
                        }
                    }
                    // Woken early by `stop_polling`.
                    std::thread::park_timeout(every);
                }
            })
            .expect("spawn revision poller");
        if let Ok(mut p) = self.poller.lock() {
            if let Some(old) = p.replace(Poller { stop, thread }) {
                old.finish();
            }
        }
    }

    /// Wake the background poll now (a request saw a newer revision).
    pub fn nudge(&self) {
        if let Ok(p) = self.poller.lock() {
            if let Some(p) = p.as_ref() {
                p.thread.thread().unpark();
            }
        }
    }

    /// Stop the background poll and the jobs, and wait for their threads to end.
    pub fn stop_polling(&self) {
        let poller = self.poller.lock().ok().and_then(|mut p| p.take());
        if let Some(p) = poller {
            p.finish();
        }
        let jobs = self.jobs.lock().map(|mut j| std::mem::take(&mut *j)).unwrap_or_default();
        for job in jobs {
            job.finish();
        }
    }

    /// Run `work` on a thread of its own, told to stop (its flag set) when
    /// the poll stops; it must look at the flag often. Jobs that ended are
    /// forgotten here.
    pub fn spawn_job(&self, name: &str, work: impl FnOnce(&AtomicBool) + Send + 'static) -> std::io::Result<()> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name(name.into()).spawn(move || work(&flag))?;
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.retain(|j| !j.thread.is_finished());
            jobs.push(Poller { stop, thread });
        }
        Ok(())
    }
}

impl Poller {
    fn finish(self) {
        self.stop.store(true, Ordering::Release);
        self.thread.thread().unpark();
        let _ = self.thread.join();
    }
}

impl RevisionWatch {
    pub fn count_db_call(&self) {
        self.db_calls.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stopped server's poll ends with it: no thread is left talking to
    /// the database when the process exits (libpq's TLS state is freed at
    /// exit; a poll still connecting then crashed the test binary).
    #[test]
    fn stop_polling_ends_the_poll_thread_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::db::DatabaseUrl::parse(&dir.path().join("t.sqlite3").display().to_string());
        let mut conn = crate::db::open_for_writing(&url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let pool = crate::db::serving_pool(&url, 1, Duration::from_secs(1), Duration::ZERO).unwrap();
        let watch = RevisionWatch::default();
        // An hour between polls: only the wake-up can end it in time.
        watch.spawn_poller(pool, Duration::from_secs(3600), |_| true);
        let thread = watch.poller.lock().unwrap().as_ref().map(|p| p.thread.thread().id());
        assert!(thread.is_some());
        watch.stop_polling();
        assert!(watch.poller.lock().unwrap().is_none(), "the poll thread was joined");
        // A second stop is harmless.
        watch.stop_polling();
    }
}
