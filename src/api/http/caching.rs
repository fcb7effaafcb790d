//! HTTP caching for API responses: a strong ETag per representation
//! (dataset revision + URL + Accept, and the content encoding), Last-Modified
//! from the revision, Cache-Control, 304 answered from memory before any
//! handler runs, and bodies kept in memory, compressed once per encoding.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use sha2::{Digest, Sha256};

use super::cache::{matches, Cached};
use super::encoding::Encoding;
use super::state::AppState;
use crate::revision::Revision;

/// Paths whose responses depend only on the revision and the request.
fn cacheable(path: &str) -> bool {
    (path == "/"
        || path == "/v1"
        || path.starts_with("/v1/")
        || crate::api::pages::is_page(path)
        || path == "/sitemap.xml"
        || path.starts_with("/sitemaps/"))
        && !path.starts_with("/v1/downloads/r")
        && !path.starts_with("/v1/downloads/latest/")
}

/// Pages that list the download files: while the current revision's files
/// are not written they list an older revision's (or, for the changes and
/// the revisions feed, not its diff files), which must not be kept or
/// validated under the current revision's tag.
fn lists_downloads(path: &str) -> bool {
    matches!(path, "/" | "/en/" | "/v1/downloads" | "/v1/downloads.csv" | "/v1/changes" | "/v1/feeds/revisions.atom")
}

/// The strong validator for one representation of one URL at one revision.
pub fn etag(rev: &Revision, req: &ServiceRequest) -> String {
    etag_of(rev, req.uri(), req.headers().get(header::ACCEPT))
}

fn etag_of(rev: &Revision, uri: &actix_web::http::Uri, accept: Option<&HeaderValue>) -> String {
    let mut h = Sha256::new();
    h.update(rev.content_hash.as_bytes());
    h.update([0]);
    h.update(uri.path().as_bytes());
    h.update([0]);
    h.update(uri.query().unwrap_or("").as_bytes());
    h.update([0]);
    // The representation the Accept header selects, not its spelling: every
    // client asking for JSON shares one cache entry and one ETag.
    let accept = accept.map(|a| crate::api::http::negotiate::representation(a.to_str().unwrap_or("?")));
    h.update(accept.unwrap_or("json").as_bytes());
    format!("\"r{}-{}\"", rev.number, hex::encode(&h.finalize()[..12]))
}

fn not_modified_since(req: &ServiceRequest, rev: &Revision) -> bool {
    if req.headers().contains_key(header::IF_NONE_MATCH) {
        return false;
    }
    let Some(since) = req.headers().get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    match httpdate::parse_http_date(since) {
        Ok(t) => rev.modified <= t,
        Err(_) => false,
    }
}

fn set_headers(headers: &mut actix_web::http::header::HeaderMap, tag: &str, rev: &Revision, max_age: u32) {
    if let Ok(v) = HeaderValue::from_str(tag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(rev.modified)) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        headers.insert(header::CACHE_CONTROL, v);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Accept, Accept-Encoding, Origin"));
}

/// The middleware body: 304 from memory, else run and stamp the validators.
pub async fn conditional(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let method_ok = req.method() == Method::GET || req.method() == Method::HEAD;
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let rev = state.as_ref().and_then(|s| s.revision.get());
    let (Some(state), Some(rev), true, true) = (state, rev, method_ok, cacheable(req.path())) else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    if lists_downloads(req.path()) && crate::snapshot::manifest_path(&state.config, rev.number).is_none() {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    }
    let tag = etag(&rev, &req);
    let max_age = state.config.cache_max_age;
    // The encoding the client prefers; a stream reads it to compress itself.
    let wanted = Encoding::negotiate(req.headers().get(header::ACCEPT_ENCODING));
    req.extensions_mut().insert(wanted);
    // The client's copy, in whichever encoding it came, is still this revision's.
    let held =
        [wanted.tag(&tag), tag.clone()].into_iter().find(|t| matches(req.headers().get(header::IF_NONE_MATCH), t));
    if held.is_some() || not_modified_since(&req, &rev) {
        let mut res = HttpResponse::build(StatusCode::NOT_MODIFIED).finish();
        set_headers(res.headers_mut(), &held.unwrap_or(tag), &rev, max_age);
        return Ok(req.into_response(res));
    }
    let cache = &state.cache;
    // HEAD is answered like GET; the key includes the path, query and Accept through the tag.
    if let Some(hit) = cache.get(&tag) {
        let res = from_cache(&hit, &tag, wanted);
        return Ok(req.into_response(res));
    }
    // The handler's database reads say which revision the body is from; a
    // newer one than the poll knew re-keys the response.
    // (The URI as asked: an inner layer rewrites a `.csv` suffix.)
    let (uri, accept) = (req.uri().clone(), req.headers().get(header::ACCEPT).cloned());
    let (res, served) = super::consistency::pinned(rev.clone(), next.call(req)).await;
    let mut res = res?;
    if res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (tag, rev) =
        if served.number == rev.number { (tag, rev) } else { (etag_of(&served, &uri, accept.as_ref()), served) };
    set_headers(res.headers_mut(), &tag, &rev, max_age);
    if matches!(res.response().body().size(), actix_web::body::BodySize::Stream) {
        // Streamed (a whole CSV list): validators yes, memory no; the stream
        // compressed itself as it says.
        let sent = match res.headers().get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) {
            Some("br") => Encoding::Brotli,
            Some("gzip") => Encoding::Gzip,
            _ => Encoding::Identity,
        };
        if let Ok(v) = HeaderValue::from_str(&sent.tag(&tag)) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    // A body already in memory is taken as it is; only a body of pieces is gathered (copied).
    let body = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        Err(body) => actix_web::body::to_bytes(body)
            .await
            .map_err(|_| super::error::ApiError::Internal("reading a body".into()))?,
    };
    let headers = head
        .headers()
        .iter()
        .filter(|(k, _)| *k != header::CONTENT_LENGTH && *k != header::DATE)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let cached = std::sync::Arc::new(Cached::new(head.status(), headers, body));
    cache.put(tag.clone(), cached.clone());
    Ok(ServiceResponse::new(req, from_cache(&cached, &tag, wanted).map_into_boxed_body()))
}

/// A kept response in the encoding the client prefers, with that
/// encoding's ETag.
fn from_cache(hit: &Cached, tag: &str, wanted: Encoding) -> HttpResponse {
    let encoding = hit.encoding_for(wanted);
    let mut res = HttpResponse::build(hit.status);
    for (k, v) in &hit.headers {
        res.insert_header((k.clone(), v.clone()));
    }
    if let Some(token) = encoding.token() {
        res.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(token)));
        if let Ok(v) = HeaderValue::from_str(&encoding.tag(tag)) {
            res.insert_header((header::ETAG, v));
        }
    }
    res.body(hit.body_in(encoding))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_forms_match() {
        let v = HeaderValue::from_static("\"a\", W/\"r1-x\"");
        assert!(matches(Some(&v), "\"r1-x\""));
        assert!(!matches(Some(&v), "\"r2-x\""));
        assert!(matches(Some(&HeaderValue::from_static("*")), "\"r2-x\""));
        assert!(!matches(None, "\"r2-x\""));
    }
}
