//! Opaque cursors and the list envelope with `next` and an RFC 8288 Link.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::error::ApiError;
use super::negotiate::{Format, Representation};
use super::params::Limit;
use super::query::{QueryArgs, DEFAULT_LIMIT};
use crate::models::list::{Facets, Page, SortValue};

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

use super::query::MAX_CURSOR_LEN;

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
    decode(sort, args, args.str("cursor"))
}

/// Decode the cursor `raw` given with `args`.
pub fn decode(sort: &str, args: &QueryArgs, raw: Option<&str>) -> Result<Option<(SortValue, String)>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
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

/// What a sort value is made of: a cursor's value must be of the field's
/// kind (nullable fields also take null), or the cursor is refused where the
/// request is parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    NullableInt,
    NullableText,
}

impl Kind {
    fn fits(self, v: &SortValue) -> bool {
        match (self, v) {
            (Kind::Int | Kind::NullableInt, SortValue::Int(i)) => i32::try_from(*i).is_ok(),
            (Kind::Text | Kind::NullableText, SortValue::Text(_)) => true,
            (Kind::NullableInt | Kind::NullableText, SortValue::Null) => true,
            _ => false,
        }
    }
}

/// The fields a list can be sorted by: name in the query, the model's sort
/// value and its column kind. The first is the default.
pub trait SortField: Copy + PartialEq + Send + Sync + 'static {
    const FIELDS: &'static [(&'static str, Self, Kind)];
}

/// The page-level parameters of every list (`sort` is documented per
/// collection, with its fields).
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    #[param(ignore)]
    pub sort: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub limit: Option<Limit>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// With CSV, every matching row comes in one response unless `limit` or `cursor` asks for a page (`all=1`
    /// says so explicitly and refuses them; `all=0` pages with the default `limit`). Large lists are streamed,
    /// from one revision. JSON lists are always paged.
    pub all: Option<bool>,
}

impl PageParams {
    pub fn limit(&self) -> i64 {
        self.limit.map(|l| l.0).unwrap_or(DEFAULT_LIMIT)
    }

    /// Whether a list answers with every matching row: a CSV or XLSX asked
    /// for without `limit` or `cursor` (a file is the whole answer), unless
    /// `all=0`. `all=1` is only for CSV and never with `limit` or `cursor`.
    pub fn all(&self, format: Format) -> Result<bool, ApiError> {
        let explicit = self.all == Some(true);
        let file = matches!(format, Format::Csv | Format::Xlsx);
        if explicit && !file {
            return Err(ApiError::bad(
                "all",
                "is for CSV (format=csv, a .csv suffix or Accept: text/csv); JSON lists are paged with `cursor`",
            ));
        }
        let paging = self.limit.is_some() || self.cursor.is_some();
        if explicit && paging {
            return Err(ApiError::bad("all", "returns every row in one response: leave out `limit` and `cursor`"));
        }
        Ok(file && self.all != Some(false) && !paging)
    }
}

/// The sort as asked for, and as written back into cursors (`-field` or `field`).
pub fn sort<S: SortField>(p: &PageParams) -> Result<(S, Kind, bool, String), ApiError> {
    let fields = S::FIELDS;
    let Some(v) = p.sort.as_deref() else {
        let (name, s, k) = fields[0];
        return Ok((s, k, false, name.to_string()));
    };
    let (desc, name) = match v.strip_prefix('-') {
        Some(n) => (true, n),
        None => (false, v),
    };
    fields.iter().find(|(n, _, _)| *n == name).map(|(_, s, k)| (*s, *k, desc, v.to_string())).ok_or_else(|| {
        let names: Vec<&str> = fields.iter().map(|(n, _, _)| *n).collect();
        ApiError::bad("sort", format!("must be one of: {} (prefix - for descending)", names.join(", ")))
    })
}

/// A keyset page from the request, with a cursor that fits the sort field;
/// also the sort as written in cursors.
pub fn page<S: SortField>(args: &QueryArgs, p: &PageParams) -> Result<(Page<S>, String), ApiError> {
    let (sort, kind, desc, label) = sort::<S>(p)?;
    let after = decode(&label, args, p.cursor.as_deref())?;
    if after.as_ref().is_some_and(|(v, _)| !kind.fits(v)) {
        return Err(bad_cursor());
    }
    Ok((Page { sort, desc, after, limit: p.limit() }, label))
}

/// A cursor signed here whose value does not fit its sort field.
pub fn bad_cursor() -> ApiError {
    ApiError::bad("cursor", "does not fit this sort order; use the `next` link as given")
}

/// How a list page's JSON starts: `data` is the envelope's first field.
pub const LIST_START: &[u8] = b"{\"data\":[";

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
    /// With `facets=`: per dimension asked for, how many records matching
    /// the filters (all pages) have each value, most frequent first. Exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<std::collections::BTreeMap<String, Vec<FacetCount>>>,
}

/// How many records of a list have one value of a dimension.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: i64,
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

/// Where a page stands in its list: the total, and the next page's cursor
/// and URL (with the `.csv` suffix when the request had it).
pub struct Position {
    pub total: i64,
    pub limit: i64,
    pub next_cursor: Option<String>,
    pub next: Option<String>,
}

impl Position {
    pub fn new(
        req: &HttpRequest,
        args: &QueryArgs,
        repr: Representation,
        total: i64,
        limit: i64,
        next_cursor: Option<String>,
    ) -> Position {
        let suffix = if repr.suffix { super::negotiate::extension(repr.format) } else { "" };
        let next = next_cursor.as_ref().map(|c| format!("{}{suffix}?{}", req.path(), args.with_cursor(c)));
        Position { total, limit, next_cursor, next }
    }

    /// The [`ListPage`] envelope of this page's records.
    pub fn page<T: ToSchema>(&self, data: Vec<T>) -> ListPage<T> {
        let Position { total, limit, .. } = *self;
        let (next_cursor, next) = (self.next_cursor.clone(), self.next.clone());
        ListPage { data, total, limit, next_cursor, next, facets: None }
    }

    /// The page as JSON: the [`ListPage`] envelope.
    pub fn json<T: Serialize + ToSchema>(&self, data: Vec<T>) -> HttpResponse {
        self.stamp(super::negotiate::json(&self.page(data)))
    }

    /// The page as JSON with the facets asked for.
    pub fn json_with_facets<T: Serialize + ToSchema>(&self, data: Vec<T>, facets: Option<Facets>) -> HttpResponse {
        self.stamp(super::negotiate::json(&self.envelope(data, facets)))
    }

    /// The page as JSON, from its records already written as JSON (each as
    /// `serde_json` writes a `T`, separated by commas) after [`LIST_START`]:
    /// the same bytes as [`Position::json_with_facets`].
    pub fn json_of_written<T: Serialize + ToSchema>(
        &self,
        mut body: Vec<u8>,
        facets: Option<Facets>,
    ) -> Result<HttpResponse, ApiError> {
        let empty = serde_json::to_vec(&self.envelope(Vec::<T>::new(), facets)).unwrap_or_default();
        if !empty.starts_with(LIST_START) || !body.starts_with(LIST_START) {
            return Err(ApiError::Internal("a list envelope that does not start with `data`".into()));
        }
        body.extend_from_slice(&empty[LIST_START.len()..]);
        Ok(self.stamp(super::negotiate::json_bytes(body)))
    }

    /// The [`ListPage`] envelope of `data`, with the facets asked for.
    fn envelope<T: ToSchema>(&self, data: Vec<T>, facets: Option<Facets>) -> ListPage<T> {
        let Position { total, limit, .. } = *self;
        let (next_cursor, next) = (self.next_cursor.clone(), self.next.clone());
        let facets = facets.map(|f| {
            f.into_iter()
                .map(|(name, values)| {
                    (name.to_string(), values.into_iter().map(|(value, count)| FacetCount { value, count }).collect())
                })
                .collect()
        });
        ListPage { data, total, limit, next_cursor, next, facets }
    }

    /// `X-Total-Count`, and the next page as an RFC 8288 `Link`.
    pub fn stamp(&self, mut res: HttpResponse) -> HttpResponse {
        let h = res.headers_mut();
        h.insert(header::HeaderName::from_static("x-total-count"), self.total.into());
        if let Some(next) = &self.next {
            if let Ok(v) = header::HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")) {
                h.insert(header::LINK, v);
            }
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum S {
        Count,
        Name,
    }

    impl SortField for S {
        const FIELDS: &'static [(&'static str, Self, Kind)] =
            &[("count", S::Count, Kind::Int), ("name", S::Name, Kind::NullableText)];
    }

    fn args(qs: &str) -> QueryArgs {
        let names: Vec<String> = ["sort", "cursor"].iter().map(|s| s.to_string()).collect();
        QueryArgs::parse_str(qs, &names).unwrap().with_cursor_key(b"test key")
    }

    #[test]
    fn a_signed_cursor_whose_value_does_not_fit_the_sort_column_is_refused_at_parse_time() {
        let p = PageParams::default();
        // Signed here, for `count`, but carrying text: refused as not fitting.
        let cursor = encode_cursor("count", &args(""), SortValue::Text("x".into()), "id".into());
        let with = args(&format!("cursor={cursor}"));
        let p = PageParams { cursor: Some(cursor.clone()), ..p };
        let err = page::<S>(&with, &p).unwrap_err().to_string();
        assert!(err.contains("does not fit this sort order"), "{err}");
        // An integer fits `count`; null fits the nullable `name` only.
        let ok = encode_cursor("count", &args(""), SortValue::Int(3), "id".into());
        assert!(
            page::<S>(&args(&format!("cursor={ok}")), &PageParams { cursor: Some(ok), ..Default::default() }).is_ok()
        );
        assert!(Kind::NullableText.fits(&SortValue::Null));
        assert!(!Kind::Int.fits(&SortValue::Null));
        assert!(!Kind::Int.fits(&SortValue::Int(i64::from(i32::MAX) + 1)));
    }
}
