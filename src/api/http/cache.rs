//! Finished responses kept in memory by ETag (which names the revision).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;

/// A finished response kept for its ETag (which names the revision).
pub struct Cached {
    pub status: StatusCode,
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
    pub body: actix_web::web::Bytes,
}

/// Hot responses by ETag, bounded in bytes. A new revision changes every
/// ETag, so entries never go stale; when full, the cache starts over.
#[derive(Default)]
pub struct ResponseCache {
    inner: std::sync::Mutex<(std::collections::HashMap<String, std::sync::Arc<Cached>>, usize)>,
    pub budget: usize,
}

impl ResponseCache {
    pub fn new(budget: usize) -> ResponseCache {
        ResponseCache { inner: Default::default(), budget }
    }

    pub fn get(&self, key: &str) -> Option<std::sync::Arc<Cached>> {
        self.inner.lock().ok()?.0.get(key).cloned()
    }

    pub fn put(&self, key: String, value: Cached) {
        let size = value.body.len() + key.len() + 256;
        if size > self.budget / 8 {
            return;
        }
        if let Ok(mut guard) = self.inner.lock() {
            if guard.1 + size > self.budget {
                guard.0.clear();
                guard.1 = 0;
            }
            guard.1 += size;
            guard.0.insert(key, std::sync::Arc::new(value));
        }
    }
}

/// Whether an `If-None-Match` header matches a tag (lists, `*`, weak forms).
pub fn matches(header: Option<&HeaderValue>, tag: &str) -> bool {
    let Some(v) = header.and_then(|v| v.to_str().ok()) else { return false };
    v.split(',').map(str::trim).any(|t| t == "*" || t == tag || t.strip_prefix("W/") == Some(tag))
}
