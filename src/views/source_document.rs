//! Source documents as data: their metadata, structure and text by line.

use serde::Serialize;
use utoipa::ToSchema;

use crate::models::{SourceDocumentRow, SourceHeadingRow};
use crate::vocabulary::HeadingKind;

/// A source document: one of the published files the data was taken from.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "id": "002", "html_url": "/fuentes/002", "file_name": "002_51e5fa75739f974e.txt",
    "title": "Plataforma nacional de seguimiento: 6º Plan de Acción Nacional de Gobierno Abierto 2023-2025",
    "description": "Text export of the national tracking platform.",
    "sha256": "f2a222b1de0b2c3a7b3cc55846b74d3fc0f4f9bcf9959bf95e43d1291baea884", "line_count": 554,
    "url": "/v1/source-documents/002"
}))]
pub struct SourceDocument {
    pub id: String,
    /// The file in the downloads and in the repository's `data/sources/`.
    pub file_name: String,
    pub title: String,
    pub description: Option<String>,
    /// SHA-256 of the file, to check it is the same one.
    pub sha256: String,
    /// Lines of text (`\n` ends each line).
    pub line_count: i32,
    /// The document with its structure and text.
    pub url: String,
    /// This record's page for people (Spanish; it links its English version).
    pub html_url: String,
}

impl From<&SourceDocumentRow> for SourceDocument {
    fn from(r: &SourceDocumentRow) -> Self {
        SourceDocument {
            id: r.id.clone(),
            file_name: r.file_name.clone(),
            title: r.title.clone(),
            description: r.description.clone(),
            sha256: r.sha256.clone(),
            line_count: r.line_count,
            url: format!("/v1/source-documents/{}", r.id),
            html_url: super::html_url("source_document", &r.id),
        }
    }
}

/// A heading, title or table-of-contents entry of a document.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Heading {
    pub id: String,
    pub line: i32,
    /// title, heading (a heading of the body) or toc_entry (an entry of the
    /// document's own table of contents).
    pub kind: HeadingKind,
    /// 1 for the top level, 2 below it, and so on.
    pub level: i32,
    /// The number as written ("2.1").
    pub number: Option<String>,
    /// The title as written.
    pub title: String,
    /// For a table-of-contents entry: the page it announces.
    pub page: Option<String>,
    /// For a table-of-contents entry: the line of the body heading it
    /// announces; `null` when the body has no such section (see the
    /// `structure_announced_but_absent` finding).
    pub heading_line: Option<i32>,
}

impl From<&SourceHeadingRow> for Heading {
    fn from(r: &SourceHeadingRow) -> Self {
        Heading {
            id: r.id.clone(),
            line: r.line,
            kind: r.kind,
            level: r.level,
            number: r.number.clone(),
            title: r.title.clone(),
            page: r.page.clone(),
            heading_line: r.heading_line,
        }
    }
}

/// One line of a document, exactly as in the file.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Line {
    /// 1-based.
    pub number: i32,
    pub text: String,
    /// The records whose source location starts on this line.
    pub records: Vec<LineRecord>,
}

/// A record taken from a line (its source location starts there).
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct LineRecord {
    /// plan, commitment, milestone, progress_update or institution.
    pub record_type: String,
    pub id: String,
    /// The last line of its source location (the same line, or a later one).
    pub last_line: i32,
    pub url: String,
}

impl From<&crate::models::source_document::SourceLineRecordRow> for LineRecord {
    fn from(r: &crate::models::source_document::SourceLineRecordRow) -> Self {
        LineRecord {
            url: super::record_url(&r.record_type, &r.record_id).unwrap_or_default(),
            record_type: r.record_type.clone(),
            id: r.record_id.clone(),
            last_line: r.last_line,
        }
    }
}

/// A document with its structure and the requested lines of its text.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct SourceDocumentDetail {
    #[serde(flatten)]
    pub document: SourceDocument,
    pub headings: Vec<Heading>,
    /// First and last line returned.
    pub lines_from: i32,
    pub lines_to: i32,
    pub lines: Vec<Line>,
    /// The next lines, when the document goes on past `lines_to`.
    pub next_lines: Option<String>,
}

pub const CSV_HEADERS: &[&str] = &["id", "file_name", "title", "description", "sha256", "line_count"];

/// One document as a CSV row.
#[derive(Serialize)]
pub struct CsvRow<'a> {
    id: &'a str,
    file_name: &'a str,
    title: &'a str,
    description: Option<&'a str>,
    sha256: &'a str,
    line_count: i32,
}

pub fn csv_row(d: &SourceDocument) -> CsvRow<'_> {
    CsvRow {
        id: &d.id,
        file_name: &d.file_name,
        title: &d.title,
        description: d.description.as_deref(),
        sha256: &d.sha256,
        line_count: d.line_count,
    }
}

/// A document's lines as CSV rows: the text as data.
pub const LINE_CSV_HEADERS: &[&str] = &["document_id", "line", "text"];

#[derive(Serialize)]
pub struct LineCsvRow<'a> {
    document_id: &'a str,
    line: i32,
    text: &'a str,
}

pub fn line_csv_row<'a>(document: &'a str, l: &'a Line) -> LineCsvRow<'a> {
    LineCsvRow { document_id: document, line: l.number, text: &l.text }
}
