//! Content negotiation (JSON or CSV) and the response bodies for both.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;

use super::error::ApiError;
use super::query::QueryArgs;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// Set by the path-suffix middleware when the URL ended in `.csv`.
#[derive(Clone, Copy, Debug)]
pub struct CsvSuffix;

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";

/// Pick the representation: a `.csv` suffix, then `format=`, then `Accept`.
pub fn negotiate(req: &HttpRequest, args: &QueryArgs) -> Result<Format, ApiError> {
    // Applied by `with_bom` once the body exists; checked here so a bad value is a 400.
    args.one_of("bom", &["0", "1", "true", "false"])?;
    if req.extensions().get::<CsvSuffix>().is_some() {
        return Ok(Format::Csv);
    }
    if let Some(f) = args.one_of("format", &["json", "csv"])? {
        return Ok(if f == "csv" { Format::Csv } else { Format::Json });
    }
    let Some(accept) = req.headers().get(header::ACCEPT) else {
        return Ok(Format::Json);
    };
    let accept =
        accept.to_str().map_err(|_| ApiError::NotAcceptable("the Accept header is not readable text".into()))?;
    from_accept(accept).ok_or_else(|| {
        ApiError::NotAcceptable(format!(
            "cannot produce any of `{}`; available: application/json, text/csv",
            accept.chars().take(200).collect::<String>()
        ))
    })
}

/// What an Accept header selects, as a cache-key part: json, csv or none.
pub fn representation(accept: &str) -> &'static str {
    match from_accept(accept) {
        Some(Format::Json) => "json",
        Some(Format::Csv) => "csv",
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
            _ => continue,
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, format));
        }
    }
    best.map(|(_, f)| f)
}

/// `bom=1`: prefix CSV bodies with a UTF-8 byte-order mark (for Excel).
pub async fn with_bom(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let wants = req.query_string().split('&').any(|p| p == "bom=1" || p == "bom=true");
    let res = next.call(req).await?;
    let is_csv = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    // A streamed CSV (`all=1`) writes its own byte-order mark.
    let streamed = matches!(res.response().body().size(), actix_web::body::BodySize::Stream);
    if !wants || !is_csv || streamed || res.status() != actix_web::http::StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.map_err(|_| ApiError::Internal("reading a CSV body".into()))?;
    let mut out = Vec::with_capacity(bytes.len() + 3);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend_from_slice(&bytes);
    let res = head.set_body(out).map_into_boxed_body();
    Ok(actix_web::dev::ServiceResponse::new(req, res))
}

pub fn json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(serde_json::to_vec(value).unwrap_or_default())
}

/// Write rows as RFC 4180 CSV with a header row, even when there are no rows.
pub fn csv_body<R: Serialize>(headers: &[&str], rows: impl IntoIterator<Item = R>) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    w.write_record(headers).map_err(|e| ApiError::Internal(e.to_string()))?;
    for row in rows {
        w.serialize(row).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))
}

pub fn csv(name: &str, body: Vec<u8>) -> HttpResponse {
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
