//! HTTP caching for API responses: a strong ETag per representation
//! (dataset revision + URL + Accept), Last-Modified from the revision,
//! Cache-Control, and 304 answered from memory before any handler runs.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

use super::state::AppState;
use crate::revision::Revision;

/// Paths whose responses depend only on the revision and the request.
fn cacheable(path: &str) -> bool {
    (path == "/" || path == "/v1" || path.starts_with("/v1/"))
        && !path.starts_with("/v1/downloads/r")
        && !path.starts_with("/v1/downloads/latest/")
}

/// The strong validator for one representation of one URL at one revision.
pub fn etag(rev: &Revision, req: &ServiceRequest) -> String {
    let mut h = Sha256::new();
    h.update(rev.content_hash.as_bytes());
    h.update([0]);
    h.update(req.uri().path().as_bytes());
    h.update([0]);
    h.update(req.uri().query().unwrap_or("").as_bytes());
    h.update([0]);
    if let Some(a) = req.headers().get(header::ACCEPT) {
        h.update(a.as_bytes());
    }
    format!("\"r{}-{}\"", rev.number, hex::encode(&h.finalize()[..12]))
}

fn matches(header: Option<&HeaderValue>, tag: &str) -> bool {
    let Some(v) = header.and_then(|v| v.to_str().ok()) else { return false };
    v.split(',').map(str::trim).any(|t| t == "*" || t == tag || t.strip_prefix("W/") == Some(tag))
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
    headers.insert(header::VARY, HeaderValue::from_static("Accept, Origin"));
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
    let tag = etag(&rev, &req);
    let max_age = state.config.cache_max_age;
    if matches(req.headers().get(header::IF_NONE_MATCH), &tag) || not_modified_since(&req, &rev) {
        let mut res = HttpResponse::build(StatusCode::NOT_MODIFIED).finish();
        set_headers(res.headers_mut(), &tag, &rev, max_age);
        return Ok(req.into_response(res));
    }
    let mut res = next.call(req).await?;
    if res.status() == StatusCode::OK {
        set_headers(res.headers_mut(), &tag, &rev, max_age);
    }
    Ok(res.map_into_boxed_body())
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
