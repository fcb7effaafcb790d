//! Content negotiation (JSON, CSV or XLSX) and the response bodies.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::query::QueryArgs;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    /// A spreadsheet: the CSV's rows in an XLSX workbook (lists and records).
    Xlsx,
}

/// Set by the path-suffix middleware when the URL ended in `.csv` or `.xlsx`.
#[derive(Clone, Copy, Debug)]
pub struct Suffix(pub Format);

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The parameters that choose a representation, on every JSON-or-CSV operation.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RepresentationParams {
    /// json (default), csv or xlsx; also `Accept: text/csv` (or the XLSX media type) or a `.csv` (`.xlsx`) suffix.
    /// An XLSX holds the CSV's rows in a workbook whose first sheet describes the data and every column.
    #[param(inline)]
    format: Option<FormatName>,
    /// With CSV: `1` starts the file with a UTF-8 byte-order mark so that Excel opens accents correctly.
    #[param(value_type = Option<String>, pattern = "^(0|1|true|false)$")]
    bom: Option<bool>,
    /// With CSV or XLSX: `es` names the columns by their Spanish labels in the data dictionary, for people (a journalist's
    /// spreadsheet); `en` (default) by the stable field names, for programs.
    #[param(inline)]
    lang: Option<HeaderLang>,
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum HeaderLang {
    Es,
    En,
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum FormatName {
    Json,
    Csv,
    Xlsx,
}

/// The parameter names of an operation that takes only `format` and `bom`.
pub static REPRESENTATION: std::sync::LazyLock<Vec<String>> =
    std::sync::LazyLock::new(super::query::names_of::<RepresentationParams>);

/// What a response is sent as, decided once per request from the path's
/// suffix, `format=`, `Accept` and `bom=`: handlers and body writers read
/// it, nothing re-negotiates or rewrites a body afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Representation {
    pub format: Format,
    /// CSV starts with a UTF-8 byte-order mark (`bom=1`).
    pub bom: bool,
    /// The path ended in `.csv` or `.xlsx` (links to other pages keep it).
    pub suffix: bool,
    /// CSV headers as the Spanish labels (`lang=es`).
    pub spanish: bool,
}

impl Representation {
    /// The representation a request asks for.
    pub fn of(req: &HttpRequest, args: &QueryArgs) -> Result<Representation, ApiError> {
        let p: RepresentationParams = super::params::from_query(args)?;
        let suffixed = req.extensions().get::<Suffix>().map(|s| s.0);
        let suffix = suffixed.is_some();
        let format = if let Some(f) = suffixed {
            f
        } else if let Some(f) = p.format {
            match f {
                FormatName::Json => Format::Json,
                FormatName::Csv => Format::Csv,
                FormatName::Xlsx => Format::Xlsx,
            }
        } else {
            match req.headers().get(header::ACCEPT) {
                None => Format::Json,
                Some(accept) => {
                    let accept = accept
                        .to_str()
                        .map_err(|_| ApiError::NotAcceptable("the Accept header is not readable text".into()))?;
                    from_accept(accept).ok_or_else(|| {
                        ApiError::NotAcceptable(format!(
                            "cannot produce any of `{}`; available: application/json, text/csv, {XLSX_TYPE}",
                            accept.chars().take(200).collect::<String>()
                        ))
                    })?
                }
            }
        };
        Ok(Representation { format, bom: p.bom.unwrap_or(false), suffix, spanish: p.lang == Some(HeaderLang::Es) })
    }

    /// A page for people: the representation does not apply (the route
    /// decides HTML); JSON stands in where a list needs a format.
    pub fn html() -> Representation {
        Representation { format: Format::Json, bom: false, suffix: false, spanish: false }
    }

    /// Rows as a CSV response named `name`.csv (RFC 4180, a header row even
    /// without rows), starting with a byte-order mark when asked for.
    pub fn csv<R: Serialize>(
        &self,
        name: &str,
        headers: &[&str],
        rows: impl IntoIterator<Item = R>,
    ) -> Result<HttpResponse, ApiError> {
        Ok(csv_response(name, csv_bytes(self.bom, &self.headers(headers), rows)?))
    }

    /// The header row: the field names, or their Spanish labels (`lang=es`).
    pub fn headers(&self, fields: &[&str]) -> Vec<String> {
        fields
            .iter()
            .map(|f| if self.spanish { crate::publication::labels::spanish(f) } else { f.to_string() })
            .collect()
    }
}

/// A download's file name (without its extension) that says what it holds:
/// the collection, then each filter's value, as in
/// `milestones_gt-ogp-nap6_started` (letters, digits and `-` only, accents
/// folded, at most 120 characters).
pub fn file_name(base: &str, args: &QueryArgs, filters: &[String]) -> String {
    let mut name = base.to_string();
    for (key, value) in args.pairs() {
        if !filters.iter().any(|f| f == key) {
            continue;
        }
        let mut part = String::new();
        for ch in crate::text::fold(value).chars() {
            if ch.is_ascii_alphanumeric() || ch == '-' {
                part.push(ch);
            } else if !part.ends_with('-') {
                part.push('-');
            }
        }
        let part = part.trim_matches('-');
        if !part.is_empty() {
            name.push('_');
            name.push_str(part);
        }
    }
    name.chars().take(120).collect()
}

/// The UTF-8 byte-order mark Excel needs to read a CSV's accents.
pub const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// What an Accept header selects, as a cache-key part: json, csv or none.
pub fn representation(accept: &str) -> &'static str {
    match from_accept(accept) {
        Some(Format::Json) => "json",
        Some(Format::Csv) => "csv",
        Some(Format::Xlsx) => "xlsx",
        None => "none",
    }
}

/// The best of JSON and CSV for an Accept header, by q-value then order.
fn from_accept(accept: &str) -> Option<Format> {
    let mut best: Option<(f32, Format)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q =
            parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|v| v.trim().parse::<f32>().ok()).unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let format = match media.as_str() {
            "application/json" | "application/*" | "*/*" | "application/problem+json" => Format::Json,
            "text/csv" | "text/*" => Format::Csv,
            XLSX_TYPE => Format::Xlsx,
            _ => continue,
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, format));
        }
    }
    best.map(|(_, f)| f)
}

pub fn json<T: Serialize>(value: &T) -> HttpResponse {
    json_bytes(serde_json::to_vec(value).unwrap_or_default())
}

/// A JSON body already written (a prepared item's).
pub fn json_bytes(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(body)
}

/// Write rows as RFC 4180 CSV with a header row, even when there are no rows.
pub fn csv_bytes<R: Serialize, H: AsRef<[u8]>>(
    bom: bool,
    headers: &[H],
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>, ApiError> {
    let start = if bom { BOM.to_vec() } else { Vec::new() };
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(start);
    w.write_record(headers).map_err(|e| ApiError::Internal(e.to_string()))?;
    for row in rows {
        w.serialize(row).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))
}

/// A spreadsheet asked of something that is not a list or a record.
pub fn not_a_spreadsheet() -> ApiError {
    ApiError::NotAcceptable("XLSX is for lists and records; this resource is JSON or CSV".into())
}

/// The file extension of a format (`.csv`), as a path suffix.
pub fn extension(format: Format) -> &'static str {
    match format {
        Format::Json => ".json",
        Format::Csv => ".csv",
        Format::Xlsx => ".xlsx",
    }
}

/// An XLSX body as an attachment named `name`.xlsx.
pub fn xlsx_response(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(XLSX_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.xlsx\"")))
        .body(body)
}

/// A CSV body as an attachment named `name`.csv.
pub fn csv_response(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CSV_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_picks_by_quality() {
        assert_eq!(from_accept("text/csv"), Some(Format::Csv));
        assert_eq!(from_accept("text/csv;q=0.5, application/json"), Some(Format::Json));
        assert_eq!(from_accept("text/html, */*;q=0.1"), Some(Format::Json));
        assert_eq!(from_accept("application/xml"), None);
        assert_eq!(from_accept("text/csv;q=0"), None);
    }
}
