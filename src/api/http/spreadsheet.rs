//! A list or a record as a spreadsheet (`format=xlsx`, a `.xlsx` suffix):
//! the CSV's rows, typed by the data dictionary, in a workbook whose first
//! sheet says what the data is, its revision, license and citation, and
//! what every column means (`publication::workbook` writes it).

use crate::publication::Cell;
use actix_web::{web, HttpResponse};

use super::error::ApiError;
use super::state::AppState;
use crate::config::Config;
use crate::db::DbConnection;
use crate::publication::workbook::{self, Column};
use crate::revision::Revision;

/// Rows one XLSX response may hold: a larger list is better taken as CSV
/// (streamed) or from the snapshot's workbooks.
pub const MAX_ROWS: i64 = 100_000;

/// What a spreadsheet response holds.
pub struct Described {
    /// The table whose dictionary entries type and describe the columns.
    pub table: String,
    /// The sheet's name (its file's name without filters, ≤ 31 characters).
    pub sheet: String,
    /// What it is, in Spanish: "Hitos (gobierno abierto, Guatemala)".
    pub title: String,
    /// The address it was asked at.
    pub url: String,
    /// The CSV's field names, in order.
    pub fields: &'static [&'static str],
    /// Spanish headers (`lang=es`).
    pub spanish: bool,
}

impl Described {
    /// A list that is not a collection (search hits, changes), as asked at `req`.
    pub fn list(
        table: &str,
        sheet: &str,
        spanish_name: &str,
        req: &actix_web::HttpRequest,
        config: &Config,
        fields: &'static [&'static str],
        spanish: bool,
    ) -> Described {
        let query = req.query_string();
        Described {
            table: table.to_string(),
            sheet: if spanish { spanish_name } else { sheet }.to_string(),
            title: format!("Gobierno Abierto Guatemala: {spanish_name}"),
            url: format!("{}{}{}{query}", config.public_url, req.path(), if query.is_empty() { "" } else { "?" }),
            fields,
            spanish,
        }
    }
}

/// Refuse a list too long for one spreadsheet response, before reading it.
pub fn fits(total: i64) -> Result<(), ApiError> {
    if total <= MAX_ROWS {
        return Ok(());
    }
    Err(ApiError::TooLarge {
        status: actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        detail: format!(
            "this list has {total} rows and a spreadsheet response holds at most {MAX_ROWS}: narrow it with filters, \
             take it as CSV (every row, streamed), or download the snapshot's workbooks listed at /v1/downloads"
        ),
    })
}

/// The revision a transaction reads (for the first sheet).
pub fn revision(c: &mut DbConnection) -> Result<Revision, ApiError> {
    let rev = crate::models::revision::current(c)?.ok_or_else(|| ApiError::Internal("no revision".into()))?;
    Ok(Revision::from_row(&rev))
}

/// A list's rows (not a collection's: search hits, changes) as a
/// spreadsheet response named `name`.xlsx, of the revision being served.
pub async fn respond<R: serde::Serialize>(
    state: &AppState,
    what: Described,
    name: &str,
    rows: Vec<R>,
) -> Result<HttpResponse, ApiError> {
    let rev = state.served_revision().ok_or_else(|| ApiError::Unavailable("no revision yet".into()))?;
    fits(rows.len() as i64)?;
    let csv = super::negotiate::csv_bytes(false, what.fields, rows)?;
    let config = state.config.clone();
    let body = web::block(move || from_csv(&rev, &config, what, rows_of(&csv)))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(super::negotiate::xlsx_response(name, body))
}

/// The workbook's bytes for CSV rows (without a header row or byte-order mark).
pub fn from_csv(rev: &Revision, config: &Config, what: Described, csv: &[u8]) -> Result<Vec<u8>, ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(format!("writing a spreadsheet: {e}"));
    let mut rows = Vec::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv);
    for record in reader.records() {
        let record = record.map_err(|e| internal(&e))?;
        rows.push(record.iter().map(Cell::from).collect::<Vec<_>>());
    }
    let columns: Vec<Column> = what.fields.iter().map(|f| Column::of(&what.table, f, what.spanish)).collect();
    let about = crate::snapshot::about(config, rev, what.title, what.url);
    let sheet =
        workbook::Sheet { name: what.sheet.chars().take(31).collect(), columns, rows: rows.into(), picked: None };
    let mut wb = workbook::write(&about, &[sheet]).map_err(|e| internal(&e))?;
    wb.save_to_buffer().map_err(|e| internal(&e))
}

/// The rows of a CSV body after its header row (and byte-order mark).
pub fn rows_of(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(super::negotiate::BOM.as_slice()).unwrap_or(body);
    match memchr_newline(body) {
        Some(i) => &body[i + 1..],
        None => &[],
    }
}

/// The end of a CSV header row (field names never hold quotes or newlines).
fn memchr_newline(body: &[u8]) -> Option<usize> {
    body.iter().position(|b| *b == b'\n')
}
