//! The outermost layer: a request id on every request (echoed in the
//! `X-Request-Id` header, in every problem body and in the log lines about
//! the request), the rate limit per client address, limits on the size of
//! what a client may send, and a Content-Security-Policy on every HTML page.

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::HttpMessage;

use super::error::ApiError;
use super::ratelimit::Verdict;
pub use super::request::{Cause, ClientIp, RequestId, X_REQUEST_ID};

/// Longest accepted path, in bytes (ids are short; this leaves room).
pub const MAX_PATH: usize = 512;
/// Most header bytes (names and values) a request may carry.
pub const MAX_HEADERS: usize = 16 * 1024;
/// Longest accepted query string, in bytes.
pub const MAX_QUERY: usize = super::query::MAX_QUERY_RAW;

/// HTML pages may load only what this server serves (Swagger UI needs its
/// inline bootstrap and styles).
pub const HTML_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A client's own id when it is short and plain, else a new one: process
/// start time and a counter, unique per process and sortable.
fn request_id(req: &ServiceRequest) -> String {
    if let Some(v) = req.headers().get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()) {
        if !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return v.to_string();
        }
    }
    static START: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
    });
    format!("{:x}-{:06x}", *START, COUNTER.fetch_add(1, Ordering::Relaxed))
}

static RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
static RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

pub async fn edge(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = request_id(&req);
    let state = req.app_data::<actix_web::web::Data<super::state::AppState>>();
    let limiter = state.and_then(|s| s.rate_limit.clone());
    let client = match (state, req.peer_addr()) {
        (Some(s), Some(peer)) => Some(super::ratelimit::client_ip(
            peer.ip(),
            req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()),
            &s.config.trusted_proxies,
        )),
        _ => None,
    };
    let verdict = limiter.as_ref().and_then(|limit| {
        let peer = req.peer_addr()?.ip();
        Some(limit.check(peer, req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())))
    });
    let too_large = |status, detail| Some(ApiError::TooLarge { status, detail });
    let early = if let Some(Verdict::Refused { retry_after_secs, .. }) = verdict {
        Some(ApiError::TooManyRequests { retry_after: retry_after_secs })
    } else if req.headers().iter().map(|(k, v)| k.as_str().len() + v.len()).sum::<usize>() > MAX_HEADERS {
        too_large(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request headers are larger than {MAX_HEADERS} bytes"),
        )
    } else if req.path().len() > MAX_PATH {
        too_large(StatusCode::URI_TOO_LONG, format!("the path is longer than {MAX_PATH} bytes"))
    } else if req.query_string().len() > MAX_QUERY {
        too_large(StatusCode::URI_TOO_LONG, format!("the query string is longer than {MAX_QUERY} bytes"))
    } else {
        None
    };
    let mut res = match early {
        Some(e) => {
            let mut r = actix_web::ResponseError::error_response(&e);
            // Answered before CORS runs: let browsers read the refusal.
            r.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            if matches!(e, ApiError::TooManyRequests { .. }) {
                // A client past its quota does not keep the connection either.
                r.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
            }
            req.into_response(r)
        }
        None => {
            req.extensions_mut().insert(RequestId(id.clone()));
            if let Some(ip) = client {
                req.extensions_mut().insert(ClientIp(ip));
            }
            next.call(req).await?.map_into_boxed_body()
        }
    };
    if let Some(cause) = res.response().extensions().get::<Cause>().cloned() {
        if cause.error {
            log::error!("[{id}] {} {}: {}", res.request().method(), res.request().path(), cause.message);
        } else {
            log::warn!("[{id}] {} {}: {}", res.request().method(), res.request().path(), cause.message);
        }
    }
    let kind =
        |prefix: &[u8]| res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(prefix));
    let (html, problem) = (kind(b"text/html"), kind(b"application/problem+json"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID.clone(), v);
    }
    if let (Some(limiter), Some(verdict)) = (&limiter, verdict) {
        let (limit, remaining) = match verdict {
            Verdict::Allowed { limit, remaining, .. } => (limit, remaining),
            Verdict::Refused { limit, .. } => (limit, 0),
        };
        let h = res.headers_mut();
        h.insert(RATELIMIT_POLICY.clone(), limiter.policy.clone());
        if let Ok(v) = HeaderValue::from_str(&verdict.field()) {
            h.insert(RATELIMIT.clone(), v);
        }
        h.insert(RATELIMIT_LIMIT.clone(), HeaderValue::from(limit));
        h.insert(RATELIMIT_REMAINING.clone(), HeaderValue::from(remaining));
    }
    if html && !res.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(HTML_CSP));
    }
    let error = res.status().is_client_error() || res.status().is_server_error();
    // A page's error is a page (`pages::error_page`); everything else's is a problem.
    if problem || (error && !html) {
        // Problems are small and built in memory: add the request id. An
        // error some library answered in its own words (CORS, say) becomes
        // a problem too, its words the detail.
        let (req, res) = res.into_parts();
        let (mut head, body) = res.into_parts();
        let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
        let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Object(mut m)) if problem => {
                m.insert("request_id".into(), serde_json::Value::String(id));
                serde_json::to_vec(&m).unwrap_or_else(|_| bytes.to_vec())
            }
            _ if problem => bytes.to_vec(),
            _ => {
                let status = head.status();
                let said = String::from_utf8_lossy(&bytes).trim().to_string();
                let detail = if said.is_empty() || said.len() > 300 {
                    status.canonical_reason().unwrap_or("error").to_string()
                } else {
                    said
                };
                head.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
                serde_json::to_vec(&serde_json::json!({
                    "type": "about:blank",
                    "title": status.canonical_reason().unwrap_or("Error"),
                    "status": status.as_u16(),
                    "detail": detail,
                    "request_id": id,
                }))
                .unwrap_or_default()
            }
        };
        return Ok(ServiceResponse::new(req, head.set_body(body).map_into_boxed_body()));
    }
    Ok(res)
}
