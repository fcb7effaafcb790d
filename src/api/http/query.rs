//! Strict query-string parsing: unknown, repeated or malformed parameters are
//! a 400 that names the parameter and what it accepts.

use actix_web::{HttpMessage, HttpRequest};

use super::error::ApiError;

/// The most a query's parameters may hold, decoded, not counting `cursor`
/// (so that every `next` link the API writes is accepted back, whatever the
/// escaping the client used).
pub const MAX_QUERY_LEN: usize = 4096;

/// The longest raw query string accepted: room for every byte of the
/// parameters percent-encoded, and a cursor.
pub const MAX_QUERY_RAW: usize = 3 * MAX_QUERY_LEN + MAX_CURSOR_LEN + 16;

/// The longest cursor accepted; the API's own are far shorter.
pub const MAX_CURSOR_LEN: usize = 1024;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Clone)]
pub struct QueryArgs {
    pairs: Vec<(String, String)>,
    /// The path the query was sent to: cursors are bound to it.
    path: String,
    /// The client's address (behind trusted proxies, the forwarded one).
    pub client: Option<std::net::IpAddr>,
    /// What cursors are signed with (empty: none issued or accepted).
    cursor_key: CursorKey,
}

/// A signing key that never shows in `Debug` output (logs).
#[derive(Clone)]
struct CursorKey(std::sync::Arc<[u8]>);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

/// The parameter names a documented params struct declares: the one list
/// used both for the OpenAPI document and for rejecting unknown parameters.
pub fn names_of<P: utoipa::IntoParams>() -> Vec<String> {
    P::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query)).into_iter().map(|p| p.name).collect()
}

impl QueryArgs {
    /// Parse the request's query string, allowing only `allowed` names.
    pub fn parse(req: &HttpRequest, allowed: &[String]) -> Result<QueryArgs, ApiError> {
        let mut args = Self::parse_str(req.query_string(), allowed)?;
        args.path = req.path().to_string();
        args.client = req.extensions().get::<super::request::ClientIp>().map(|c| c.0);
        Ok(args)
    }

    /// Like [`QueryArgs::parse`], where an empty value means the parameter
    /// is absent: a page's filter form sends every field, the empty ones too.
    pub fn parse_filled(req: &HttpRequest, allowed: &[String]) -> Result<QueryArgs, ApiError> {
        let filled: Vec<&str> =
            req.query_string().split('&').filter(|p| p.split_once('=').is_some_and(|(_, v)| !v.is_empty())).collect();
        let mut args = Self::parse_str(&filled.join("&"), allowed)?;
        args.path = req.path().to_string();
        args.client = req.extensions().get::<super::request::ClientIp>().map(|c| c.0);
        Ok(args)
    }

    /// Every parameter, in the order given.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The same arguments with cursors signed by `key`.
    pub fn with_cursor_key(mut self, key: &[u8]) -> QueryArgs {
        self.cursor_key = CursorKey(key.into());
        self
    }

    pub fn cursor_key(&self) -> &[u8] {
        &self.cursor_key.0
    }

    pub fn parse_str(qs: &str, allowed: &[String]) -> Result<QueryArgs, ApiError> {
        let too_long = || ApiError::TooLarge {
            status: actix_web::http::StatusCode::URI_TOO_LONG,
            detail: format!(
                "the query's parameters are longer than {MAX_QUERY_LEN} bytes (decoded, not counting `cursor`)"
            ),
        };
        if qs.len() > MAX_QUERY_RAW {
            return Err(too_long());
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for part in qs.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let k = decode(k).ok_or_else(|| ApiError::bad("query", "is not valid percent-encoded UTF-8"))?;
            let v = decode(v).ok_or_else(|| ApiError::bad(&k, "is not valid percent-encoded UTF-8"))?;
            if !allowed.contains(&k) {
                let mut names: Vec<&str> = allowed.iter().map(String::as_str).collect();
                names.sort_unstable();
                return Err(ApiError::bad(
                    &k,
                    format!("is not a parameter of this endpoint; allowed: {}", names.join(", ")),
                ));
            }
            if v.is_empty() {
                // An empty value is a mistake more often than a choice, and
                // reading it as "absent" would hide it.
                return Err(ApiError::bad(&k, "is empty: give a value, or leave the parameter out"));
            }
            if pairs.iter().any(|(n, _)| *n == k) {
                return Err(ApiError::bad(&k, "is given more than once"));
            }
            pairs.push((k, v));
        }
        let size: usize = pairs.iter().filter(|(k, _)| k != "cursor").map(|(k, v)| k.len() + v.len() + 2).sum();
        if size > MAX_QUERY_LEN {
            return Err(too_long());
        }
        Ok(QueryArgs { pairs, path: String::new(), client: None, cursor_key: CursorKey(std::sync::Arc::from([])) })
    }

    /// A parameter's value; an empty value counts as absent.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.str(name).map(str::to_string)
    }

    /// All pairs except `cursor`, in order: what a cursor is bound to.
    pub fn fingerprint(&self) -> String {
        let mut parts: Vec<String> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "cursor" && k != "format" && k != "limit")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.sort();
        format!("{}?{}", self.path, parts.join("&"))
    }

    /// The query string with `cursor` replaced.
    pub fn with_cursor(&self, cursor: &str) -> String {
        let mut pairs: Vec<(&str, &str)> =
            self.pairs.iter().filter(|(k, _)| k != "cursor").map(|(k, v)| (k.as_str(), v.as_str())).collect();
        pairs.push(("cursor", cursor));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None; // `%+1` is not an escape, whatever from_str_radix thinks
                }
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_next_link_is_accepted_back_whatever_the_escaping() {
        let list: Vec<String> = ["plan", "q", "cursor"].iter().map(|s| s.to_string()).collect();
        // 4,000 bytes of parameters, sent raw: the `next` link escapes them
        // (three times longer) and adds a cursor, and still parses.
        let qs = format!("plan={}&q=x", "*~!".repeat(1330));
        let args = QueryArgs::parse_str(&qs, &list).unwrap();
        let next = args.with_cursor(&"c".repeat(400));
        assert!(next.len() > MAX_QUERY_LEN);
        let again = QueryArgs::parse_str(&next, &list).unwrap();
        assert_eq!(again.str("plan"), args.str("plan"));
        assert!(QueryArgs::parse_str(&format!("plan={}", "a".repeat(MAX_QUERY_LEN)), &list).is_err());
    }

    #[test]
    fn rejects_unknown_repeated_and_bad_encoding() {
        let list: Vec<String> = ["limit", "q"].iter().map(|s| s.to_string()).collect();
        let list = list.as_slice();
        assert!(QueryArgs::parse_str("limit=5", list).is_ok());
        assert!(QueryArgs::parse_str("nope=1", list).is_err());
        assert!(QueryArgs::parse_str("limit=1&limit=2", list).is_err());
        assert!(QueryArgs::parse_str("q=%ZZ", list).is_err());
        assert!(QueryArgs::parse_str("q=%C3", list).is_err());
        let a = QueryArgs::parse_str("q=informaci%C3%B3n+p%C3%BAblica", list).unwrap();
        assert_eq!(a.str("q"), Some("información pública"));
    }
}
