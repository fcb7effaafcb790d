//! Opaque cursors and the list envelope with `next` and an RFC 8288 Link.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use utoipa::ToSchema;

use super::error::ApiError;
use super::format::{self, Format};
use super::query::QueryArgs;
use super::state::AppState;
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
    /// HMAC-SHA-256 (first 16 bytes, hex) of the rest under the deployment's
    /// key: a cursor no one else can make or edit.
    c: String,
}

/// The key cursors are signed with: `--cursor-key` when configured, else the
/// database's random secret, so that replicas of one database accept each
/// other's cursors (replicas with databases of their own set the same key).
pub fn cursor_key(state: &AppState) -> Option<Arc<[u8]>> {
    match &state.config.cursor_key {
        Some(k) => Some(Arc::from(k.as_bytes())),
        None => state.revision.secret(),
    }
}

const TAG_BYTES: usize = 16;

fn mac(key: &[u8], s: &str, f: &str, v: &SortValue, i: &str) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in [b"gagt-cursor-v2".as_slice(), s.as_bytes(), f.as_bytes(), &serde_json::to_vec(v).unwrap_or_default()] {
        m.update(part);
        m.update(&[0]);
    }
    m.update(i.as_bytes());
    m
}

/// The longest cursor accepted; the API's own are far shorter.
pub const MAX_CURSOR_LEN: usize = 1024;

/// What a cursor keeps of the filters: a digest of them.
fn filters_digest(args: &QueryArgs) -> String {
    hex::encode(&Sha256::digest(args.fingerprint().as_bytes())[..12])
}

pub fn encode_cursor(sort: &str, args: &QueryArgs, v: SortValue, i: String) -> String {
    let f = filters_digest(args);
    let c = hex::encode(&mac(args.cursor_key(), sort, &f, &v, &i).finalize().into_bytes()[..TAG_BYTES]);
    let body = CursorBody { s: sort.to_string(), f, v, i, c };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap_or_default())
}

/// Decode `cursor`, insisting that it was signed here, for this sort and these filters.
pub fn decode_cursor(sort: &str, args: &QueryArgs) -> Result<Option<(SortValue, String)>, ApiError> {
    let Some(raw) = args.str("cursor") else { return Ok(None) };
    let invalid = || ApiError::bad("cursor", "is not a cursor issued for this list; use the `next` link as given");
    if raw.len() > MAX_CURSOR_LEN || args.cursor_key().is_empty() {
        return Err(invalid());
    }
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bytes = engine.decode(raw).map_err(|_| invalid())?;
    // Only the exact text we issued: no trailing bits, bytes or spaces.
    if engine.encode(&bytes) != raw {
        return Err(invalid());
    }
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let tag = hex::decode(&body.c).ok().filter(|t| t.len() == TAG_BYTES).ok_or_else(invalid)?;
    // Compared in constant time.
    mac(args.cursor_key(), &body.s, &body.f, &body.v, &body.i).verify_truncated_left(&tag).map_err(|_| invalid())?;
    if body.s != sort || body.f != filters_digest(args) {
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
