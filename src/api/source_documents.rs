//! `/v1/source-documents`: the sources themselves as data — metadata and
//! checksum, structure (headings and the documents' own tables of
//! contents), and the text by line range. Every record's `source.url` points
//! here, at its lines.

use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::format::{self, negotiate, Format};
use super::pagination::{self, ListPage};
use super::query::{names_of, QueryArgs};
use super::state::AppState;
use super::{item_id, ItemParams, ITEM_PARAMS};
use crate::models;
use crate::views::source_document::{self as view, Heading, Line, SourceDocument, SourceDocumentDetail};

/// Lines returned at most per request (a range can ask for fewer).
pub const MAX_LINES: i32 = 5000;

/// The text of a document: which lines.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
// Read by `QueryArgs`, not by serde: the struct documents the parameters
// and its field names are the list of accepted ones.
#[allow(dead_code)]
pub struct SourceDocumentParams {
    /// `N` or `N-M`: these lines only (1-based, at most 5000); default: from
    /// the first line, 5000 at most (`next_lines` gives the rest).
    #[param(pattern = "^[0-9]{1,9}(-[0-9]{1,9})?$")]
    lines: Option<String>,
    /// json (default) or csv (one row per line: document_id, line, text); also
    /// `Accept: text/csv` or a `.csv` suffix.
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
    /// With CSV: `1` starts the file with a UTF-8 byte-order mark so that Excel opens accents correctly.
    #[param(pattern = "^(0|1|true|false)$")]
    bom: Option<String>,
}

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(names_of::<SourceDocumentParams>);

#[utoipa::path(
    tag = "source-documents",
    operation_id = "list_source_documents",
    summary = "List the source documents",
    params(ItemParams),
    responses(
        (status = 200, description = "Every source document, with its checksum and line count", content(
            (ListPage<SourceDocument> = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/source-documents")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &ITEM_PARAMS)?;
    let format = negotiate(&req, &args)?;
    let rows = state.db(|c| Ok(models::source_document::all(c)?)).await?;
    let data: Vec<SourceDocument> = rows.iter().map(SourceDocument::from).collect();
    let total = data.len() as i64;
    pagination::respond(&req, &args, format, "source-documents", data, total, None, |d| {
        format::csv_body(view::CSV_HEADERS, d.iter().map(view::csv_row))
    })
}

/// `N` or `N-M` within `1..=count`.
fn line_range(value: Option<&str>, count: i32) -> Result<(i32, i32), ApiError> {
    let bad = || {
        ApiError::bad(
            "lines",
            format!(
                "must be `N` or `N-M` with 1 <= N <= M <= {count} (the document's lines), at most {MAX_LINES} lines"
            ),
        )
    };
    let Some(v) = value else { return Ok((1.min(count), count.min(MAX_LINES))) };
    let (a, b) = match v.split_once('-') {
        Some((a, b)) => (a.parse::<i32>().map_err(|_| bad())?, b.parse::<i32>().map_err(|_| bad())?),
        None => {
            let n = v.parse::<i32>().map_err(|_| bad())?;
            (n, n)
        }
    };
    if a < 1 || a > b || b > count || b - a >= MAX_LINES {
        return Err(bad());
    }
    Ok((a, b))
}

#[utoipa::path(
    tag = "source-documents",
    operation_id = "get_source_document",
    summary = "One source document: metadata, structure and its text by line",
    params(("id" = String, Path, description = "Source document id, e.g. `002`; append `.csv` for its lines as CSV"), SourceDocumentParams),
    responses(
        (status = 200, description = "The document with its headings and the lines asked for (CSV: one row per line)", content(
            (SourceDocumentDetail = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter (`lines` outside the document)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/source-documents/{id}")]
pub async fn get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?;
    let format = negotiate(&req, &args)?;
    let id = item_id(id.into_inner());
    let (row, headings) = state
        .db(move |c| {
            let row =
                models::source_document::find(c, &id)?.ok_or_else(|| ApiError::not_found("source document", &id))?;
            let headings = models::source_document::headings(c, &id)?;
            Ok((row, headings))
        })
        .await?;
    let (from, to) = line_range(args.str("lines"), row.line_count)?;
    let lines: Vec<Line> = crate::text::lines_of(&row.text)
        .enumerate()
        .skip((from - 1).max(0) as usize)
        .take((to - from + 1).max(0) as usize)
        .map(|(i, text)| Line { number: i as i32 + 1, text: text.to_string() })
        .collect();
    let next_lines = (args.str("lines").is_none() && to < row.line_count)
        .then(|| format!("/v1/source-documents/{}?lines={}-{}", row.id, to + 1, row.line_count.min(to + MAX_LINES)));
    let detail = SourceDocumentDetail {
        document: SourceDocument::from(&row),
        headings: headings.iter().map(Heading::from).collect(),
        lines_from: from,
        lines_to: to,
        lines,
        next_lines,
    };
    Ok(match format {
        Format::Json => format::json(&detail),
        Format::Csv => format::csv(
            &format!("{}-lines", detail.document.id),
            format::csv_body(
                view::LINE_CSV_HEADERS,
                detail.lines.iter().map(|l| view::line_csv_row(&detail.document.id, l)),
            )?,
        ),
    })
}
