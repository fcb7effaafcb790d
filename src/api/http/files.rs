//! One snapshot file over HTTP with RFC 9110's semantics: the preconditions
//! in their order (If-Match, If-Unmodified-Since, If-None-Match,
//! If-Modified-Since), a single byte range honoured only while `If-Range`
//! still names this file, and 412 and 416 as problem documents. Written
//! here because actix-files ignores `If-Range` and answers 412/416 bare.

use std::io::{Read, Seek};
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse};

use super::error::ApiError;

/// What is known of the file before it is read.
pub struct File {
    pub path: PathBuf,
    pub len: u64,
    /// Strong validator, quoted.
    pub etag: String,
    pub modified: SystemTime,
    /// The whole file, when it is held in memory.
    pub memory: Option<Bytes>,
    /// Content-Type, Content-Disposition, Cache-Control...
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn date(req: &HttpRequest, name: HeaderName) -> Option<u64> {
    let v = req.headers().get(name)?.to_str().ok()?;
    httpdate::parse_http_date(v).ok().map(secs)
}

fn tags(v: &HeaderValue) -> Vec<&str> {
    v.to_str().map(|s| s.split(',').map(str::trim).filter(|t| !t.is_empty()).collect()).unwrap_or_default()
}

/// The answer to `req` for `file`.
pub fn respond(req: &HttpRequest, file: File) -> Result<HttpResponse, ApiError> {
    let modified = secs(file.modified);
    let validators = |res: &mut actix_web::HttpResponseBuilder| {
        res.insert_header((header::ETAG, file.etag.clone()))
            .insert_header((header::LAST_MODIFIED, httpdate::fmt_http_date(file.modified)))
            .insert_header((header::ACCEPT_RANGES, "bytes"));
    };
    // 1-2: the client's copy must still be this file.
    if let Some(v) = req.headers().get(header::IF_MATCH) {
        let listed = tags(v);
        if !listed.iter().any(|t| *t == "*" || *t == file.etag) {
            return Err(ApiError::PreconditionFailed(format!(
                "If-Match does not name this file (its ETag is now {})",
                file.etag
            )));
        }
    } else if date(req, header::IF_UNMODIFIED_SINCE).is_some_and(|since| modified > since) {
        return Err(ApiError::PreconditionFailed("the file was modified after the date in If-Unmodified-Since".into()));
    }
    // 3-4: the client's copy is current.
    let fresh = match req.headers().get(header::IF_NONE_MATCH) {
        Some(_) => super::cache::matches(req.headers().get(header::IF_NONE_MATCH), &file.etag),
        None => date(req, header::IF_MODIFIED_SINCE).is_some_and(|since| modified <= since),
    };
    if fresh && (req.method() == Method::GET || req.method() == Method::HEAD) {
        let mut res = HttpResponse::NotModified();
        validators(&mut res);
        for (k, v) in &file.headers {
            if *k == header::CACHE_CONTROL {
                res.insert_header((k.clone(), v.clone()));
            }
        }
        return Ok(res.finish());
    }
    // 5: a range, while If-Range (if any) still names this file.
    let range = req.headers().get(header::RANGE).and_then(|r| r.to_str().ok()).filter(|_| {
        match req.headers().get(header::IF_RANGE).and_then(|v| v.to_str().ok()) {
            None => true,
            Some(tag) if tag.starts_with('"') => tag == file.etag,
            Some(tag) if tag.starts_with("W/") => false,
            Some(when) => httpdate::parse_http_date(when).is_ok_and(|t| secs(t) == modified),
        }
    });
    let (start, len) = match range.map(|r| actix_files::HttpRange::parse(r, file.len)) {
        Some(Ok(ranges)) if !ranges.is_empty() => (ranges[0].start, ranges[0].length),
        Some(Err(e)) if e.to_string().contains("after end") => {
            return Err(ApiError::RangeNotSatisfiable { len: file.len })
        }
        // No range, or one that is not valid syntax: the whole file.
        _ => (0, file.len),
    };
    let mut res = if len == file.len { HttpResponse::Ok() } else { HttpResponse::PartialContent() };
    validators(&mut res);
    for (k, v) in &file.headers {
        res.insert_header((k.clone(), v.clone()));
    }
    if len != file.len {
        res.insert_header((header::CONTENT_RANGE, format!("bytes {}-{}/{}", start, start + len - 1, file.len)));
    }
    if let Some(bytes) = file.memory {
        return Ok(res.body(Slices(bytes.slice(start as usize..(start + len) as usize))));
    }
    let mut f =
        std::fs::File::open(&file.path).map_err(|e| ApiError::Internal(format!("{}: {e}", file.path.display())))?;
    f.seek(std::io::SeekFrom::Start(start)).map_err(|e| ApiError::Internal(format!("{}: {e}", file.path.display())))?;
    Ok(res.body(FromDisk { file: f, left: len }))
}

/// Bytes handed to the connection 64 KiB at a time.
const SLICE: usize = 64 << 10;

/// A file in memory handed to the connection a slice at a time (no copy),
/// so each connection's write buffer stays small.
pub struct Slices(pub Bytes);

impl MessageBody for Slices {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.0.len() as u64)
    }

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.0.is_empty() {
            return Poll::Ready(None);
        }
        let n = this.0.len().min(SLICE);
        Poll::Ready(Some(Ok(this.0.split_to(n))))
    }
}

/// Part of a file read on the worker as the connection takes it: snapshot
/// files were just written and sit in the page cache, and hopping to the
/// blocking pool for every chunk halved throughput.
struct FromDisk {
    file: std::fs::File,
    left: u64,
}

impl MessageBody for FromDisk {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.left)
    }

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(None);
        }
        let n = this.left.min(SLICE as u64) as usize;
        let mut buf = BytesMut::zeroed(n);
        if let Err(e) = this.file.read_exact(&mut buf) {
            return Poll::Ready(Some(Err(e)));
        }
        this.left -= n as u64;
        Poll::Ready(Some(Ok(buf.freeze())))
    }
}

/// Snapshot files up to [`FileCache::MAX_FILE`] kept in memory, at most
/// [`FileCache::BUDGET`] bytes in all: a whole-file GET of a hot file is then
/// one copy into the socket instead of reads from the page cache.
#[derive(Default)]
pub struct FileCache {
    inner: std::sync::Mutex<(HeldFiles, usize)>,
}

/// Files in memory by (revision, name).
type HeldFiles = std::collections::HashMap<(i32, String), Bytes>;

impl FileCache {
    pub const MAX_FILE: u64 = 16 << 20;
    pub const BUDGET: usize = 48 << 20;

    pub fn get(&self, revision: i32, name: &str, path: &std::path::Path) -> Option<Bytes> {
        let key = (revision, name.to_string());
        if let Some(b) = self.inner.lock().ok()?.0.get(&key) {
            return Some(b.clone());
        }
        let bytes = Bytes::from(std::fs::read(path).ok()?);
        let mut guard = self.inner.lock().ok()?;
        if guard.1 + bytes.len() > Self::BUDGET {
            guard.0.clear();
            guard.1 = 0;
        }
        guard.1 += bytes.len();
        guard.0.insert(key, bytes.clone());
        Some(bytes)
    }
}
