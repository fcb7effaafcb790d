//! The dataset revision being served, kept in memory and refreshed by a
//! background poll, so that conditional requests are answered without the
//! database and every replica follows a new import within a poll interval.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
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

/// Shared, cheaply readable current revision.
#[derive(Clone, Default)]
pub struct RevisionWatch {
    current: Arc<RwLock<Option<Arc<Revision>>>>,
    /// Database round trips made by handlers (observability and tests).
    pub db_calls: Arc<AtomicU64>,
}

impl RevisionWatch {
    pub fn get(&self) -> Option<Arc<Revision>> {
        self.current.read().ok().and_then(|g| g.clone())
    }

    /// Read the revision from the database; returns true when it changed.
    pub fn refresh(&self, pool: &Pool) -> Result<bool, String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let row = models::revision::current(&mut conn).map_err(|e| e.to_string())?;
        let new = row.as_ref().map(Revision::from_row);
        let mut guard = self.current.write().map_err(|_| "revision lock poisoned".to_string())?;
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
    /// runs (in that thread) whenever a new revision appears.
    pub fn spawn_poller(&self, pool: Pool, every: Duration, on_change: impl Fn(&Revision) + Send + 'static) {
        let watch = self.clone();
        std::thread::Builder::new()
            .name("revision-poll".into())
            .spawn(move || {
                if let Some(r) = watch.get() {
                    on_change(&r);
                }
                loop {
                    match watch.refresh(&pool) {
                        Ok(true) => {
                            if let Some(r) = watch.get() {
                                on_change(&r);
                            }
                        }
                        Ok(false) => {}
                        Err(e) => log::warn!("cannot read the dataset revision: {e}"),
                    }
                    std::thread::sleep(every);
                }
            })
            .expect("spawn revision poller");
    }

    pub fn count_db_call(&self) {
        self.db_calls.fetch_add(1, Ordering::Relaxed);
    }
}
