//! `/v1/source-documents`: the sources themselves as data — metadata and
//! checksum, structure (headings and the documents' own tables of
//! contents), and the text by line range. Every record's `source.url` points
//! here, at its lines.

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::api::http::collection::{ChunkRows, Collection, CsvFile, CsvWriter, Docs, PageRows};
use crate::api::http::error::ApiError;
use crate::api::http::pagination::{Kind, SortField};
use crate::api::pages::SOURCE_PAGE_LINES;
use crate::db::DbConnection;
use crate::models::list::{Page, SortValue};
use crate::models::names::NameIndex;
use crate::models::source_document::{SourceDocumentRow, SourceDocumentSort};
use crate::models::{self};
use crate::views::source_document::{self as view, Heading, Line, LineRecord, SourceDocument, SourceDocumentDetail};

/// Lines returned at most per request (a range can ask for fewer).
pub const MAX_LINES: i32 = 5000;

/// Source documents take no filters: there are few of them.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SourceDocumentParams {}

/// The text of a document: which lines.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinesParams {
    /// `N` or `N-M`: these lines only (1-based, at most 5000); default: from
    /// the first line, 5000 at most (`next_lines` gives the rest). With CSV,
    /// one row per line: document_id, line, text.
    #[param(pattern = "^[0-9]{1,9}(-[0-9]{1,9})?$")]
    lines: Option<String>,
}

impl SortField for SourceDocumentSort {
    const FIELDS: &'static [(&'static str, Self, Kind)] =
        &[("position", SourceDocumentSort::Seq, Kind::Int), ("id", SourceDocumentSort::Id, Kind::Text)];
}

pub struct SourceDocuments;

impl Collection for SourceDocuments {
    const PATH: &'static str = "source-documents";
    const TAG: &'static str = "source-documents";
    const RECORD: &'static str = "source_document";
    const LABEL: &'static str = "source document";
    const RETIRED: bool = false;
    const CSV_HEADERS: &'static [&'static str] = view::CSV_HEADERS;
    const DOCS: Docs = Docs {
        list_summary: "List the source documents",
        list_ok: "Every source document, with its checksum and line count",
        list_not_found: None,
        sort: "position (default: the order of the sources), id; prefix `-` for descending.",
        item_summary: "One source document: metadata, structure and its text by line",
        item_ok: "The document with its headings and the lines asked for (CSV: one row per line)",
        id: "Source document id, e.g. `002`; append `.csv` for its lines as CSV",
        item_not_found: "No such document",
    };

    // The list's rows leave the text out, the item's CSV is its lines, and
    // a page shows a stretch of them.
    const LIST_ROWS_ARE_WHOLE: bool = false;
    const PAGE_SHOWS_DETAIL: bool = false;

    type Params = SourceDocumentParams;
    type ItemParams = LinesParams;
    type Filter = ();
    type Sort = SourceDocumentSort;
    type Row = SourceDocumentRow;
    type Record = SourceDocument;
    type Detail = SourceDocumentDetail;
    type CsvSource = SourceDocument;

    fn filter(_: &mut DbConnection, _: &NameIndex, _: SourceDocumentParams) -> Result<(), ApiError> {
        Ok(())
    }

    fn page(c: &mut DbConnection, _: &(), page: &Page<SourceDocumentSort>) -> PageRows<SourceDocumentRow> {
        models::source_document::list(c, page)
    }

    fn chunk(c: &mut DbConnection, _: &(), page: &Page<SourceDocumentSort>) -> ChunkRows<SourceDocumentRow> {
        models::source_document::rows(c, page)
    }

    fn key(sort: SourceDocumentSort, row: &SourceDocumentRow) -> (SortValue, String) {
        (sort.value(row), row.id.clone())
    }

    fn records(_: &mut DbConnection, rows: Vec<SourceDocumentRow>) -> Result<Vec<SourceDocument>, ApiError> {
        Ok(rows.iter().map(SourceDocument::from).collect())
    }

    fn csv_sources(c: &mut DbConnection, rows: Vec<SourceDocumentRow>) -> Result<Vec<SourceDocument>, ApiError> {
        Self::records(c, rows)
    }

    fn csv_row(source: &SourceDocument) -> impl Serialize + '_ {
        view::csv_row(source)
    }

    fn item_file_name(source: &SourceDocument) -> String {
        source.id.clone()
    }

    fn find(c: &mut DbConnection, id: &str) -> diesel::QueryResult<Option<SourceDocumentRow>> {
        models::source_document::find(c, id)
    }

    fn detail(c: &mut DbConnection, row: SourceDocumentRow, p: LinesParams) -> Result<SourceDocumentDetail, ApiError> {
        let headings = models::source_document::headings(c, &row.id)?;
        let (from, to, mut lines) = lines(c, &row, p.lines.as_deref())?;
        for r in models::source_document::records_on_lines(c, &row.id, from, to)? {
            if let Some(line) = lines.get_mut((r.line - from) as usize) {
                line.records.push(LineRecord::from(&r));
            }
        }
        let next_lines = (p.lines.is_none() && to < row.line_count).then(|| {
            format!("/v1/source-documents/{}?lines={}-{}", row.id, to + 1, row.line_count.min(to + MAX_LINES))
        });
        Ok(SourceDocumentDetail {
            document: SourceDocument::from(&row),
            headings: headings.iter().map(Heading::from).collect(),
            lines_from: from,
            lines_to: to,
            lines,
            next_lines,
        })
    }

    /// A page shows [`SOURCE_PAGE_LINES`] lines at a time (its first
    /// stretch by default; a range past the end is cut at the last line).
    fn page_detail(
        c: &mut DbConnection,
        row: SourceDocumentRow,
        p: LinesParams,
    ) -> Result<SourceDocumentDetail, ApiError> {
        let count = row.line_count.max(1);
        let (from, to) = match p.lines.as_deref().map(|l| l.split_once('-').unwrap_or((l, l))) {
            Some((a, b)) => (a.parse::<i32>().unwrap_or(1), b.parse::<i32>().unwrap_or(count)),
            None => (1, SOURCE_PAGE_LINES),
        };
        let (from, to) = (from.clamp(1, count), to.clamp(1, count));
        let to = to.max(from).min(from + SOURCE_PAGE_LINES - 1);
        Self::detail(c, row, LinesParams { lines: Some(format!("{from}-{to}")) })
    }

    /// The document's lines, one row each.
    fn item_csv(
        c: &mut DbConnection,
        row: SourceDocumentRow,
        p: LinesParams,
        csv: CsvWriter,
    ) -> Result<CsvFile, ApiError> {
        let (_, _, lines) = lines(c, &row, p.lines.as_deref())?;
        csv.file(
            format!("{}-lines", row.id),
            view::LINE_CSV_HEADERS,
            lines.iter().map(|l| view::line_csv_row(&row.id, l)),
        )
    }
}

/// The lines asked for, and their range.
fn lines(
    c: &mut DbConnection,
    row: &SourceDocumentRow,
    asked: Option<&str>,
) -> Result<(i32, i32, Vec<Line>), ApiError> {
    let (from, to) = line_range(asked, row.line_count)?;
    let text = models::source_document::text_through(c, &row.id, to)?;
    let lines = crate::text::lines_of(&text)
        .enumerate()
        .skip((from - 1).max(0) as usize)
        .take((to - from + 1).max(0) as usize)
        .map(|(i, text)| Line { number: i as i32 + 1, text: text.to_string(), records: Vec::new() })
        .collect();
    Ok((from, to, lines))
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
