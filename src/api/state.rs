//! What every handler shares: the read-only pool and the configuration.

use std::sync::Arc;

use actix_web::web;

use super::error::ApiError;
use crate::config::Config;
use crate::db::{DbConnection, Pool};
use crate::revision::RevisionWatch;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub revision: RevisionWatch,
    /// Hot responses, keyed by ETag (so by revision).
    pub cache: Arc<super::caching::ResponseCache>,
    /// Small snapshot files held in memory (they never change).
    pub files: Arc<super::downloads::FileCache>,
    /// Requests per client address, shared by every worker (None: no limit).
    pub rate_limit: Option<Arc<super::ratelimit::RateLimit>>,
    /// Every name of every institution, for resolving `institution=` filters.
    pub names: Arc<super::references::NameIndex>,
}

impl AppState {
    /// Run blocking database work on the thread pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        self.revision.count_db_call();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    }
}
