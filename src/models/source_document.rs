use diesel::prelude::*;

use super::list::{keyset, BadCursor, Page, SortValue};
use crate::db::native;
use crate::db::{DbConnection, MultiBackend};
use crate::schema::{retired_ids, source_documents, source_headings};
use crate::vocabulary::{HeadingKind, RetirableType};

#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = source_documents)]
#[diesel(treat_none_as_default_value = false)]
pub struct SourceDocumentRow {
    pub id: String,
    pub seq: i32,
    pub file_name: String,
    pub title: String,
    pub description: Option<String>,
    pub sha256: String,
    /// The whole text, exactly as the file holds it (not published as a column).
    #[serde(skip)]
    pub text: String,
    pub line_count: i32,
}

/// Every source document, without its text (see [`find`]).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<SourceDocumentRow>> {
    // A handful of documents: one page holds them all.
    let page = Page { sort: SourceDocumentSort::Seq, desc: false, after: None, limit: i32::MAX as i64 };
    Ok(rows(conn, &page)?.unwrap_or_default())
}

/// How source documents can be listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceDocumentSort {
    Seq,
    Id,
}

impl SourceDocumentSort {
    pub fn value(self, row: &SourceDocumentRow) -> SortValue {
        match self {
            SourceDocumentSort::Seq => row.seq.into(),
            SourceDocumentSort::Id => (&row.id).into(),
        }
    }
}

/// At most `page.limit + 1` documents (without their text) after the page's start.
pub fn rows(
    conn: &mut DbConnection,
    page: &Page<SourceDocumentSort>,
) -> QueryResult<Result<Vec<SourceDocumentRow>, BadCursor>> {
    use source_documents as d;
    let q = d::table.select(without_text()).into_boxed::<MultiBackend>();
    let q = match page.sort {
        SourceDocumentSort::Seq => keyset!(q, d::seq, d::id, page.desc, &page.after, int),
        SourceDocumentSort::Id => keyset!(q, d::id, d::id, page.desc, &page.after, text),
    };
    match q {
        Ok(q) => Ok(Ok(q.limit(page.limit + 1).load(conn)?)),
        Err(e) => Ok(Err(e)),
    }
}

/// A page of documents and how many there are.
pub fn list(
    conn: &mut DbConnection,
    page: &Page<SourceDocumentSort>,
) -> QueryResult<Result<(Vec<SourceDocumentRow>, i64), BadCursor>> {
    let total = source_documents::table.count().get_result::<i64>(conn)?;
    Ok(rows(conn, page)?.map(|rows| (rows, total)))
}

/// One source document, without its text (a document's text can be large:
/// 47 MB at scale 100; [`text_through`] reads the start a record needs).
pub fn find(conn: &mut DbConnection, key: &str) -> QueryResult<Option<SourceDocumentRow>> {
    native::first!(conn, source_documents::table.find(key).select(without_text()))
}

/// A document's columns as [`SourceDocumentRow`] reads them, its text empty.
type WithoutText = (
    source_documents::id,
    source_documents::seq,
    source_documents::file_name,
    source_documents::title,
    source_documents::description,
    source_documents::sha256,
    diesel::expression::SqlLiteral<diesel::sql_types::Text>,
    source_documents::line_count,
);

fn without_text() -> WithoutText {
    use source_documents as d;
    (
        d::id,
        d::seq,
        d::file_name,
        d::title,
        d::description,
        d::sha256,
        diesel::dsl::sql::<diesel::sql_types::Text>("''"),
        d::line_count,
    )
}

diesel::define_sql_function! {
    /// The `len` characters of `text` from the `start`-th (from 1).
    fn substr(text: diesel::sql_types::Text, start: diesel::sql_types::Integer, len: diesel::sql_types::Integer) -> diesel::sql_types::Text;
}

/// The start of a document's text that holds its first `lines` lines whole
/// (the whole text when it is shorter), exactly as stored. Read a stretch at
/// a time, each four times longer, so that the first lines of a long text
/// are not copied out with all the others (SQLite still reads the whole
/// value to cut it, hence the turns below).
pub fn text_through(conn: &mut DbConnection, key: &str, lines: i32) -> QueryResult<String> {
    // One text read at a time in this process: SQLite reads a text whole
    // even for its start, so that requests for a long document's lines
    // (at most a pool's worth at once) would each hold all of it (up to
    // 1 GB at scale 100, measured); they wait for each other instead.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _reading = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut take = i64::from(lines.max(1)) * 128;
    loop {
        let len = i32::try_from(take).unwrap_or(i32::MAX);
        let part: String =
            source_documents::table.find(key).select(substr(source_documents::text, 1, len)).first(conn)?;
        let whole = (part.chars().count() as i64) < i64::from(len) || len == i32::MAX;
        if whole || part.bytes().filter(|b| *b == b'\n').count() >= lines.max(0) as usize {
            return Ok(part);
        }
        take *= 4;
    }
}

/// The headings and table-of-contents entries of a document, in line order.
pub fn headings(conn: &mut DbConnection, document: &str) -> QueryResult<Vec<SourceHeadingRow>> {
    source_headings::table
        .filter(source_headings::document_id.eq(document))
        .order((source_headings::line, source_headings::seq))
        .select(SourceHeadingRow::as_select())
        .load(conn)
}

/// A heading or table-of-contents entry of a source document.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = source_headings)]
#[diesel(treat_none_as_default_value = false)]
pub struct SourceHeadingRow {
    pub id: String,
    pub seq: i32,
    pub document_id: String,
    /// 1-based line of the document.
    pub line: i32,
    pub kind: HeadingKind,
    /// 1 for a top-level heading, 2 below it, and so on.
    pub level: i32,
    /// The number as written ("2.1"), if any.
    pub number: Option<String>,
    /// The title as written on the line.
    pub title: String,
    /// For a table-of-contents entry: the page it announces.
    pub page: Option<String>,
    /// For a table-of-contents entry: the line of the heading it announces
    /// in the body, or none when the body has no such heading.
    pub heading_line: Option<i32>,
}

/// Ids of records that an import removed; they are never given to another
/// record, and the API answers 410 Gone for them.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default, PartialEq, serde::Serialize)]
#[diesel(table_name = retired_ids)]
#[diesel(treat_none_as_default_value = false)]
pub struct RetiredIdRow {
    pub record_type: RetirableType,
    pub record_id: String,
    pub seq: i32,
}

/// A record whose source location starts on `line` of `document_id` (and
/// ends on `last_line`): what a source page lists beside the line.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, PartialEq)]
#[diesel(table_name = crate::schema::source_line_records)]
#[diesel(treat_none_as_default_value = false)]
pub struct SourceLineRecordRow {
    pub document_id: String,
    pub line: i32,
    pub last_line: i32,
    /// `plan`, `commitment`, `milestone`, `progress_update` or `institution`.
    pub record_type: String,
    pub record_id: String,
}

/// A row of `source_line_records` as an import makes it, borrowed from the
/// dataset (1.1 M of them at scale 100: owned, they took 260 MB at the
/// import's peak; borrowed, 56 bytes each), made owned a piece at a time
/// to be written (`import::sync::SyncRow`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewLineRecord<'a> {
    pub document_id: &'a str,
    pub line: i32,
    pub last_line: i32,
    pub record_type: &'static str,
    pub record_id: &'a str,
}

impl<'a> NewLineRecord<'a> {
    /// The row of a record at `location` (`line 12`, `lines 12-15`) of
    /// `document`; none when the location names no line.
    pub fn new(document: &'a str, location: &str, record_type: &'static str, record_id: &'a str) -> Option<Self> {
        let (first, last) = crate::text::parse_location(location)?;
        Some(NewLineRecord {
            document_id: document,
            line: i32::try_from(first).ok()?,
            last_line: i32::try_from(last).ok()?,
            record_type,
            record_id,
        })
    }
}

/// The records whose source location starts on lines `from..=to` of
/// `document`, by line.
pub fn records_on_lines(
    conn: &mut DbConnection,
    document: &str,
    from: i32,
    to: i32,
) -> QueryResult<Vec<SourceLineRecordRow>> {
    use crate::schema::source_line_records as t;
    t::table
        .filter(t::document_id.eq(document))
        .filter(t::line.between(from, to))
        .order((t::line, t::record_type, t::record_id))
        .select(SourceLineRecordRow::as_select())
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;

    #[test]
    fn the_start_of_a_text_holds_its_first_lines_byte_for_byte() {
        let mut sqlite = diesel::SqliteConnection::establish(":memory:").unwrap();
        sqlite
            .batch_execute(
                "CREATE TABLE source_documents (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, file_name TEXT NOT NULL, \
                 title TEXT NOT NULL, description TEXT, sha256 TEXT NOT NULL, text TEXT NOT NULL, line_count INTEGER NOT NULL)",
            )
            .unwrap();
        // Lines of every length up to several stretches, accents and a
        // non-breaking space, and no newline after the last line.
        let text: String = (0..3000)
            .map(|i| format!("{i} Compromiso ñandú{}", "á\u{a0}".repeat((i * 37) % 400)))
            .collect::<Vec<_>>()
            .join("\n");
        let count = crate::text::lines_of(&text).count() as i32;
        diesel::insert_into(source_documents::table)
            .values(SourceDocumentRow { id: "d".into(), text: text.clone(), line_count: count, ..Default::default() })
            .execute(&mut sqlite)
            .unwrap();
        let mut conn = DbConnection::Sqlite(sqlite);
        for n in [0, 1, 2, 7, 100, 1000, count - 1, count, count + 5] {
            let start = text_through(&mut conn, "d", n).unwrap();
            assert!(text.starts_with(&start), "a start of the text for {n} lines");
            let want: Vec<&str> = crate::text::lines_of(&text).take(n.max(0) as usize).collect();
            let got: Vec<&str> = crate::text::lines_of(&start).take(n.max(0) as usize).collect();
            assert_eq!(got, want, "the first {n} lines");
            if n <= 1000 {
                assert!(start.len() < text.len() / 2, "{n} lines are read without the rest");
            }
        }
        // The record itself comes without its text.
        let row = find(&mut conn, "d").unwrap().unwrap();
        assert_eq!((row.text.as_str(), row.line_count), ("", count));
    }
}
