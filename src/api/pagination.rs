//! Opaque cursors and the list envelope with `next` and an RFC 8288 Link.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::error::ApiError;
use super::format::{self, Format};
use super::query::QueryArgs;
use crate::models::list::{Page, SortValue};

#[derive(Serialize, Deserialize)]
struct CursorBody {
    /// Sort field and direction, e.g. `-reported_progress`.
    s: String,
    /// Digest of the filters the cursor was made for (their text could be
    /// long; the cursor stays short).
    f: String,
    /// Last sort value and id (keyset lists) or an offset (search).
    v: SortValue,
    i: String,
    /// Check digits against edited or foreign cursors.
    c: String,
}

fn check(s: &str, f: &str, v: &SortValue, i: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"gagt-cursor-v1\0");
    h.update(s.as_bytes());
    h.update([0]);
    h.update(f.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(v).unwrap_or_default());
    h.update([0]);
    h.update(i.as_bytes());
    hex::encode(&h.finalize()[..8])
}

/// The longest cursor accepted; the API's own are far shorter.
pub const MAX_CURSOR_LEN: usize = 1024;

/// What a cursor keeps of the filters: a digest of them.
fn filters_digest(args: &QueryArgs) -> String {
    hex::encode(&Sha256::digest(args.fingerprint().as_bytes())[..12])
}

pub fn encode_cursor(sort: &str, args: &QueryArgs, v: SortValue, i: String) -> String {
    let f = filters_digest(args);
    let c = check(sort, &f, &v, &i);
    let body = CursorBody { s: sort.to_string(), f, v, i, c };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap_or_default())
}

/// Decode `cursor`, insisting that it was made for this sort and these filters.
pub fn decode_cursor(sort: &str, args: &QueryArgs) -> Result<Option<(SortValue, String)>, ApiError> {
    let Some(raw) = args.str("cursor") else { return Ok(None) };
    let invalid = || ApiError::bad("cursor", "is not a cursor issued for this list; use the `next` link as given");
    if raw.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bytes = engine.decode(raw).map_err(|_| invalid())?;
    // Only the exact text we issued: no trailing bits, bytes or spaces.
    if engine.encode(&bytes) != raw {
        return Err(invalid());
    }
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if body.c != check(&body.s, &body.f, &body.v, &body.i) || body.s != sort || body.f != filters_digest(args) {
        return Err(invalid());
    }
    Ok(Some((body.v, body.i)))
}

/// The sort as written in the query (`-field` or `field`).
pub fn sort_label<S: Copy + PartialEq>(fields: &[(&str, S)], sort: S, desc: bool) -> String {
    let name = fields.iter().find(|(_, s)| *s == sort).map(|(n, _)| *n).unwrap_or("");
    if desc {
        format!("-{name}")
    } else {
        name.to_string()
    }
}

/// Build a keyset page from the request.
pub fn page<S: Copy + PartialEq>(args: &QueryArgs, fields: &[(&str, S)]) -> Result<(Page<S>, String), ApiError> {
    let (sort, desc) = args.sort(fields)?;
    let label = sort_label(fields, sort, desc);
    let after = decode_cursor(&label, args)?;
    Ok((Page { sort, desc, after, limit: args.limit()? }, label))
}

/// A page of a list.
#[derive(Serialize, ToSchema)]
pub struct ListPage<T: ToSchema> {
    pub data: Vec<T>,
    /// Rows matching the filters, over all pages.
    pub total: i64,
    pub limit: i64,
    /// Cursor for the next page, or null on the last page.
    pub next_cursor: Option<String>,
    /// URL of the next page (same filters), or null on the last page.
    pub next: Option<String>,
}

/// Trim the extra row fetched to detect a next page and make its cursor.
pub fn finish<R>(
    mut rows: Vec<R>,
    limit: i64,
    label: &str,
    args: &QueryArgs,
    key: impl Fn(&R) -> (SortValue, String),
) -> (Vec<R>, Option<String>) {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        let (v, i) = key(rows.last().expect("limit >= 1"));
        (rows, Some(encode_cursor(label, args, v, i)))
    } else {
        (rows, None)
    }
}

/// Respond with a page as JSON or CSV, with `Link` and `X-Total-Count`.
#[allow(clippy::too_many_arguments)]
pub fn respond<T: Serialize + ToSchema>(
    req: &HttpRequest,
    args: &QueryArgs,
    format: Format,
    name: &str,
    data: Vec<T>,
    total: i64,
    next_cursor: Option<String>,
    csv: impl FnOnce(&[T]) -> Result<Vec<u8>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    // A `.csv` suffix was taken off the path before routing: put it back.
    let suffix = if req.extensions().get::<format::CsvSuffix>().is_some() { ".csv" } else { "" };
    let next = next_cursor.as_ref().map(|c| format!("{}{suffix}?{}", req.path(), args.with_cursor(c)));
    let limit = args.limit()?;
    let mut res = match format {
        Format::Json => {
            format::json(&ListPage { data, total, limit, next_cursor: next_cursor.clone(), next: next.clone() })
        }
        Format::Csv => format::csv(name, csv(&data)?),
    };
    let h = res.headers_mut();
    h.insert(header::HeaderName::from_static("x-total-count"), total.into());
    if let Some(next) = next {
        if let Ok(v) = header::HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
            h.insert(header::LINK, v);
        }
    }
    Ok(res)
}
