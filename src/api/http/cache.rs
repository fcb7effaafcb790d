//! Finished responses kept in memory by ETag (which names the revision).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;

use super::encoding::Encoding;

/// A finished response kept for its ETag (which names the revision), with
/// its body compressed once per encoding that a client has asked for.
pub struct Cached {
    pub status: StatusCode,
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
    pub body: actix_web::web::Bytes,
    /// Text worth compressing (by its media type and size).
    pub compressible: bool,
    gzip: std::sync::OnceLock<actix_web::web::Bytes>,
    brotli: std::sync::OnceLock<actix_web::web::Bytes>,
}

impl Cached {
    pub fn new(
        status: StatusCode,
        headers: Vec<(header::HeaderName, HeaderValue)>,
        body: actix_web::web::Bytes,
    ) -> Cached {
        let compressible = body.len() >= super::encoding::MIN_SIZE
            && super::encoding::compressible(headers.iter().find(|(k, _)| *k == header::CONTENT_TYPE).map(|(_, v)| v));
        Cached { status, headers, body, compressible, gzip: Default::default(), brotli: Default::default() }
    }

    /// The encoding this body is sent in for a client that prefers `wanted`.
    pub fn encoding_for(&self, wanted: Encoding) -> Encoding {
        if self.compressible {
            wanted
        } else {
            Encoding::Identity
        }
    }

    /// The body in an encoding (compressed on first use, then kept).
    pub fn body_in(&self, encoding: Encoding) -> actix_web::web::Bytes {
        match encoding {
            Encoding::Identity => self.body.clone(),
            Encoding::Gzip => self.gzip.get_or_init(|| encoding.compress(&self.body)).clone(),
            Encoding::Brotli => self.brotli.get_or_init(|| encoding.compress(&self.body)).clone(),
        }
    }
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

    pub fn put(&self, key: String, value: std::sync::Arc<Cached>) {
        // Room for the compressed bodies too (a fraction of the identity one).
        let size = value.body.len() * if value.compressible { 3 } else { 2 } / 2 + key.len() + 256;
        if size > self.budget / 8 {
            return;
        }
        if let Ok(mut guard) = self.inner.lock() {
            if guard.1 + size > self.budget {
                guard.0.clear();
                guard.1 = 0;
            }
            guard.1 += size;
            guard.0.insert(key, value);
        }
    }
}

/// Whether an `If-None-Match` header matches a tag (lists, `*`, weak forms).
pub fn matches(header: Option<&HeaderValue>, tag: &str) -> bool {
    let Some(v) = header.and_then(|v| v.to_str().ok()) else { return false };
    v.split(',').map(str::trim).any(|t| t == "*" || t == tag || t.strip_prefix("W/") == Some(tag))
}
