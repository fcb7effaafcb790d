//! What every handler shares: the read-only pool and the configuration.

use std::sync::Arc;

use actix_web::web;

use super::consistency;
use super::error::ApiError;
use crate::config::Config;
use crate::db::{DbConnection, Pool};
use crate::models::RevisionRow;
use crate::revision::{Revision, RevisionWatch};

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub revision: RevisionWatch,
    /// Hot responses, keyed by ETag (so by revision).
    pub cache: Arc<super::cache::ResponseCache>,
    /// Small snapshot files held in memory (they never change).
    pub files: Arc<super::files::FileCache>,
    /// Requests per client address, shared by every worker (None: no limit).
    pub rate_limit: Option<Arc<super::ratelimit::RateLimit>>,
    /// Every name of every institution, for resolving `institution=` filters.
    pub names: Arc<crate::models::names::NameIndex>,
    /// Whole-list streams running, per client and in all.
    pub streams: Arc<super::limits::Limits>,
    /// Each record's JSON detail, written once per revision.
    pub prepared: Arc<super::prepared::Prepared>,
}

impl AppState {
    /// Run blocking database work on the thread pool with a pooled
    /// connection, in one read transaction that also reads the revision it
    /// sees: a response is built from one revision (see [`consistency`]).
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.db_at(|c, _| f(c)).await
    }

    /// [`AppState::db`], with the revision the transaction sees handed to
    /// the work (`None` before the first import): what it reads beside the
    /// database (the prepared items) must be that revision's.
    pub async fn db_at<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, Option<&RevisionRow>) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        self.revision.count_db_call();
        let work = web::block(move || {
            let mut conn = pool.get()?;
            crate::db::read_snapshot::<_, ApiError>(&mut conn, |c| {
                let seen = crate::models::revision::current(c)?;
                Ok((f(c, seen.as_ref())?, seen))
            })
        });
        let (out, seen) = self.within_deadline(work).await?.map_err(|e| ApiError::Internal(e.to_string()))??;
        if let Some(row) = seen {
            if consistency::saw(row.id, || Revision::from_row(&row))? {
                // The poll has not seen it yet: look now.
                self.revision.nudge();
            }
        }
        Ok(out)
    }

    /// The key cursors are signed with: `--cursor-key` when configured, else
    /// the database's random secret, so that replicas of one database accept
    /// each other's cursors (replicas with databases of their own set the
    /// same key). Missing only until the database has first answered.
    pub fn cursor_key(&self) -> Result<Arc<[u8]>, ApiError> {
        match &self.config.cursor_key {
            Some(k) => Ok(Arc::from(k.as_bytes())),
            None => self.revision.secret().ok_or_else(|| ApiError::Unavailable("no cursor key yet".into())),
        }
    }

    /// The revision the response being built is keyed on: the request's
    /// pinned one, else the one being served.
    pub fn served_revision(&self) -> Option<Arc<Revision>> {
        consistency::revision().or_else(|| self.revision.get())
    }

    /// Wait for database work no longer than the pool's wait plus the
    /// statement deadline and a little more (see [`crate::db::answer_deadline`]):
    /// past it, 503 with Retry-After, even when the network to the database
    /// is silent and no error will ever come back. The work itself goes on
    /// until the database or the kernel's timeouts end it.
    pub async fn within_deadline<T>(&self, work: impl std::future::Future<Output = T>) -> Result<T, ApiError> {
        let (pool_wait, statement) = (self.config.pool_timeout, self.config.statement_timeout);
        let Some(deadline) = crate::db::answer_deadline(pool_wait, statement) else { return Ok(work.await) };
        actix_web::rt::time::timeout(deadline, work)
            .await
            .map_err(|_| ApiError::Unavailable(format!("no answer from the database within {deadline:?}")))
    }
}
