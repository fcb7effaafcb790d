//! The outermost layer: a request id on every request (echoed in the
//! `X-Request-Id` header, in every problem body and in the log lines about
//! the request), limits on the size of what a client may send, and a
//! Content-Security-Policy on every HTML page.

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};

/// Longest accepted path, in bytes (ids are short; this leaves room).
pub const MAX_PATH: usize = 512;
/// Longest accepted query string, in bytes.
pub const MAX_QUERY: usize = 2048;

/// HTML pages may load only what this server serves (Swagger UI needs its
/// inline bootstrap and styles).
pub const HTML_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served (in request extensions).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// What went wrong inside, for the log line of this request only (never sent).
#[derive(Clone, Debug)]
pub struct Cause {
    pub error: bool,
    pub message: String,
}

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

fn too_long(id: &str, what: &str, max: usize) -> HttpResponse {
    let problem = serde_json::json!({
        "type": "about:blank",
        "title": "URI Too Long",
        "status": 414,
        "detail": format!("the {what} is longer than {max} bytes"),
        "request_id": id,
    });
    HttpResponse::build(StatusCode::URI_TOO_LONG)
        .insert_header((header::CONTENT_TYPE, "application/problem+json"))
        .body(problem.to_string())
}

pub async fn edge(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = request_id(&req);
    let early = if req.path().len() > MAX_PATH {
        Some(too_long(&id, "path", MAX_PATH))
    } else if req.query_string().len() > MAX_QUERY {
        Some(too_long(&id, "query string", MAX_QUERY))
    } else {
        None
    };
    let mut res = match early {
        Some(r) => req.into_response(r),
        None => {
            req.extensions_mut().insert(RequestId(id.clone()));
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
    let content_type =
        res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID.clone(), v);
    }
    if content_type.starts_with("text/html") && !res.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(HTML_CSP));
    }
    if content_type.starts_with("application/problem+json") {
        // Problems are small and built in memory: add the request id.
        let (req, res) = res.into_parts();
        let (head, body) = res.into_parts();
        let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
        let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Object(mut m)) => {
                m.insert("request_id".into(), serde_json::Value::String(id));
                serde_json::to_vec(&m).unwrap_or_else(|_| bytes.to_vec())
            }
            _ => bytes.to_vec(),
        };
        return Ok(ServiceResponse::new(req, head.set_body(body).map_into_boxed_body()));
    }
    Ok(res)
}
