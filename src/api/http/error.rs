//! The one error type at the HTTP edge. Every error leaves as RFC 9457
//! `application/problem+json`; internals (SQL, driver text, paths) are logged,
//! never sent.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use super::request::Cause;

/// A problem detail (RFC 9457).
#[derive(Serialize, ToSchema, Debug)]
#[schema(example = json!({
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "parameter `limit` must be an integer from 1 to 1000",
    "invalid_params": [{"name": "limit", "reason": "must be an integer from 1 to 1000"}],
    "request_id": "19aa7c1e2f0-00002a"
}))]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP status phrase.
    pub title: &'static str,
    pub status: u16,
    /// What went wrong, in words meant for the person writing the client.
    pub detail: String,
    /// For 400, and 404 on a filter naming nothing: each offending parameter
    /// with what is allowed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_params: Vec<InvalidParam>,
    /// For 410: the dataset revision that removed the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_in_revision: Option<i32>,
    /// The request's id, also in the `X-Request-Id` header and in the
    /// server's log lines about it: quote it when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct InvalidParam {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("parameter `{name}` {reason}")]
    BadParam { name: String, reason: String },
    #[error("{0}")]
    NotFound(String),
    /// A filter that names a record that does not exist: 404 naming the parameter.
    #[error("parameter `{name}`: {reason}")]
    UnknownParam { name: String, reason: String },
    /// A record removed by a later revision: 410.
    #[error("{detail}")]
    Gone { detail: String, revision: i32 },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    NotAcceptable(String),
    #[error("the database is unavailable")]
    Unavailable(String),
    /// A query ran past the statement timeout (PostgreSQL cancels it): 503.
    #[error("the query took too long")]
    QueryTimeout(String),
    #[error("too many requests from this address; retry in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    /// 429 with its own reason (too many streams from one client).
    #[error("{detail}")]
    ClientLimit { detail: String, retry_after: u64 },
    /// 503 that says why and when to retry (a revision being published,
    /// every stream slot taken).
    #[error("{detail}")]
    Busy { detail: String, retry_after: u64 },
    /// 414 or 431: the request is larger than the server accepts; 422: the
    /// answer is larger than its format holds (a spreadsheet).
    #[error("{detail}")]
    TooLarge { status: StatusCode, detail: String },
    /// 412: a precondition (If-Match, If-Unmodified-Since) does not hold.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 416: the range starts past the end of a file of `len` bytes.
    #[error("the range starts after the end of the file ({len} bytes)")]
    RangeNotSatisfiable { len: u64 },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad(name: impl Into<String>, reason: impl Into<String>) -> ApiError {
        ApiError::BadParam { name: name.into(), reason: reason.into() }
    }

    pub fn unknown(name: impl Into<String>, reason: impl Into<String>) -> ApiError {
        ApiError::UnknownParam { name: name.into(), reason: reason.into() }
    }

    pub fn not_found(kind: &str, id: &str) -> ApiError {
        ApiError::NotFound(format!("no {kind} with id `{id}`"))
    }

    /// No record with this id: 410 Gone when a revision removed it (the
    /// problem says which), else 404.
    pub fn missing(conn: &mut crate::db::DbConnection, record_type: &str, label: &str, id: &str) -> ApiError {
        match crate::models::change::removed_in(conn, record_type, id) {
            Ok(Some(revision)) => ApiError::Gone {
                detail: format!(
                    "the {label} `{id}` was removed from the data in revision {revision}; its id is never reused \
                     (see /v1/changes?since={} and the earlier downloads)",
                    revision - 1
                ),
                revision,
            },
            Ok(None) => ApiError::not_found(label, id),
            Err(e) => e.into(),
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let title = status.canonical_reason().unwrap_or("Error");
        let (detail, invalid_params) = match self {
            ApiError::BadParam { name, reason } | ApiError::UnknownParam { name, reason } => {
                (self.to_string(), vec![InvalidParam { name: name.clone(), reason: reason.clone() }])
            }
            ApiError::Unavailable(_) => ("the database is unavailable; retry shortly".to_string(), vec![]),
            ApiError::QueryTimeout(_) => {
                ("the query took longer than the server allows; retry later, or narrow the filters".to_string(), vec![])
            }
            ApiError::Internal(_) => ("an internal error occurred; it has been logged".to_string(), vec![]),
            ApiError::MethodNotAllowed => ("this resource is read-only: use GET, HEAD or OPTIONS".to_string(), vec![]),
            other => (other.to_string(), vec![]),
        };
        let removed_in_revision = match self {
            ApiError::Gone { revision, .. } => Some(*revision),
            _ => None,
        };
        Problem {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail,
            invalid_params,
            removed_in_revision,
            request_id: None,
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => ApiError::Unavailable(e.to_string()),
            // PostgreSQL's statement_timeout (SQLSTATE 57014), or SQLite's
            // progress handler interrupting a statement past the same limit.
            Error::DatabaseError(_, info)
                if info.message().contains("statement timeout") || info.message() == crate::db::SQLITE_INTERRUPTED =>
            {
                ApiError::QueryTimeout(e.to_string())
            }
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        ApiError::Unavailable(e.to_string())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadParam { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) | ApiError::UnknownParam { .. } => StatusCode::NOT_FOUND,
            ApiError::Gone { .. } => StatusCode::GONE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Unavailable(_) | ApiError::QueryTimeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests { .. } | ApiError::ClientLimit { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::TooLarge { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // Logged with the request id by `edge`, never sent.
        let cause = match self {
            ApiError::Internal(c) => Some(Cause { error: true, message: format!("internal error: {c}") }),
            ApiError::Unavailable(c) => Some(Cause { error: false, message: format!("database unavailable: {c}") }),
            ApiError::QueryTimeout(c) => Some(Cause { error: true, message: format!("statement timeout: {c}") }),
            _ => None,
        };
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            ApiError::MethodNotAllowed => {
                res.insert_header((header::ALLOW, "GET, HEAD, OPTIONS"));
            }
            ApiError::RangeNotSatisfiable { len } => {
                res.insert_header((header::CONTENT_RANGE, format!("bytes */{len}")));
            }
            ApiError::Unavailable(_) | ApiError::QueryTimeout(_) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::TooManyRequests { retry_after }
            | ApiError::ClientLimit { retry_after, .. }
            | ApiError::Busy { retry_after, .. } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        let mut res = res.body(serde_json::to_vec(&self.problem()).unwrap_or_default());
        if let Some(cause) = cause {
            res.extensions_mut().insert(cause);
        }
        res
    }
}
