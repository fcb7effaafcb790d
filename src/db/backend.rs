//! The only backend-specific code besides migrations: bulk inserts and
//! full-text matching, which diesel's MultiConnection does not offer.

use diesel::query_builder::{AstPass, QueryFragment};
use diesel::QueryResult;

use super::DbConnection;

/// Insert many rows, on whichever backend `conn` is: binary `COPY`s on
/// PostgreSQL (100,000 rows each), multi-row `INSERT`s of 500 rows on SQLite.
macro_rules! insert_batches {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = &$rows[..];
        let conn: &mut $crate::db::DbConnection = $conn;
        // In pieces (a COPY each on PostgreSQL; SQLite's statements hold at
        // most 32,766 parameters), each counted as written (`progress`).
        let piece = if matches!(conn, $crate::db::DbConnection::Pg(_)) { 100_000 } else { 500 };
        let mut inserted = 0usize;
        for chunk in rows.chunks(piece) {
            inserted += match &mut *conn {
                $crate::db::DbConnection::Pg(c) => diesel::copy_from($table).from_insertable(chunk).execute(c)?,
                $crate::db::DbConnection::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c)?,
            };
            $crate::progress::advance($crate::progress::Step::Write, chunk.len() as u64);
        }
        diesel::QueryResult::Ok(inserted)
    }};
}
pub(crate) use insert_batches;

/// A table's own indexes (those made by `CREATE INDEX`, not its keys'),
/// taken off while it is written again whole on SQLite and built again
/// after: one sort per index instead of a million inserts at random places
/// in each. Inside the import's transaction, so a reader still sees the old
/// rows and indexes until the commit. PostgreSQL keeps them: dropping an
/// index there locks the table against readers until the commit.
#[must_use = "the indexes are gone until `rebuild` is called"]
pub struct SetAside(Vec<String>);

impl SetAside {
    /// Those of `table` when `whole` (nothing set aside otherwise).
    pub fn take_if(whole: bool, conn: &mut DbConnection, table: &str) -> QueryResult<SetAside> {
        if whole {
            SetAside::take(conn, table)
        } else {
            Ok(SetAside(Vec::new()))
        }
    }

    pub fn take(conn: &mut DbConnection, table: &str) -> QueryResult<SetAside> {
        use diesel::connection::SimpleConnection;
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Index {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            sql: String,
        }
        let DbConnection::Sqlite(c) = conn else { return Ok(SetAside(Vec::new())) };
        let found: Vec<Index> = diesel::sql_query(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL \
             ORDER BY name",
        )
        .bind::<diesel::sql_types::Text, _>(table)
        .load(c)?;
        for index in &found {
            c.batch_execute(&format!("DROP INDEX \"{}\"", index.name.replace('"', "\"\"")))?;
        }
        Ok(SetAside(found.into_iter().map(|i| i.sql).collect()))
    }

    /// Build the indexes again, as they were declared.
    pub fn rebuild(self, conn: &mut DbConnection) -> QueryResult<()> {
        use diesel::connection::SimpleConnection;
        if let DbConnection::Sqlite(c) = conn {
            for sql in &self.0 {
                c.batch_execute(sql)?;
            }
        }
        Ok(())
    }
}

/// Searchable tables: each has a full-text index over its `search_text`.
pub const SEARCHABLE: &[&str] = &[
    "plans",
    "commitments",
    "milestones",
    "progress_updates",
    "institutions",
    "plan_sections",
    "plan_participants",
    "plan_risks",
];

/// `WHERE` clause: the record's folded search text holds every term as the
/// start of a word, answered by the engine's full-text index (FTS5 on
/// SQLite, a GIN `tsvector` index on PostgreSQL) instead of a table scan.
/// Terms come from [`crate::text::terms`]: folded, letters and digits only.
#[derive(Debug, Clone)]
pub struct MatchesTerms {
    table: &'static str,
    terms: Vec<String>,
    sqlite: String,
    pg: String,
}

/// Terms reduced to letters and digits, empty ones dropped.
fn clean_terms(terms: &[String]) -> Vec<String> {
    terms
        .iter()
        .map(|t| t.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
        .filter(|t| !t.is_empty())
        .collect()
}

/// PostgreSQL: a `to_tsquery('simple', …)` requiring every term as a prefix.
pub fn pg_match(terms: &[String]) -> String {
    clean_terms(terms).iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & ")
}

impl MatchesTerms {
    pub fn new(table: &'static str, terms: &[String]) -> Self {
        debug_assert!(SEARCHABLE.contains(&table));
        let clean = clean_terms(terms);
        let sqlite = clean.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" AND ");
        MatchesTerms { table, pg: pg_match(&clean), terms: clean, sqlite }
    }
}

impl diesel::query_builder::QueryId for MatchesTerms {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::Expression for MatchesTerms {
    type SqlType = diesel::sql_types::Bool;
}

impl<QS> diesel::AppearsOnTable<QS> for MatchesTerms {}
impl<QS> diesel::SelectableExpression<QS> for MatchesTerms {}
impl diesel::expression::ValidGrouping<()> for MatchesTerms {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl QueryFragment<diesel::sqlite::Sqlite> for MatchesTerms {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, diesel::sqlite::Sqlite>) -> QueryResult<()> {
        if self.terms.is_empty() {
            out.push_sql("1 = 1");
            return Ok(());
        }
        let t = self.table;
        out.push_sql(&format!("{t}.seq IN (SELECT rowid FROM {t}_fts WHERE {t}_fts MATCH "));
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.sqlite)?;
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<diesel::pg::Pg> for MatchesTerms {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        if self.terms.is_empty() {
            out.push_sql("1 = 1");
            return Ok(());
        }
        out.push_sql(&format!("to_tsvector('simple', {}.search_text) @@ to_tsquery('simple', ", self.table));
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.pg)?;
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<super::MultiBackend> for MatchesTerms {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, super::MultiBackend>) -> QueryResult<()> {
        super::MultiBackend::walk_variant_ast(self, pass)
    }
}

/// Fill `table`'s full-text index again from its rows (inside the import
/// transaction, after the table was written whole). PostgreSQL maintains
/// its GIN indexes itself.
pub fn refill_search_index(conn: &mut DbConnection, table: &str) -> QueryResult<()> {
    use diesel::RunQueryDsl;
    debug_assert!(SEARCHABLE.contains(&table));
    if let DbConnection::Sqlite(c) = conn {
        let t = table;
        diesel::sql_query(format!("INSERT INTO {t}_fts({t}_fts) VALUES('delete-all')")).execute(c)?;
        diesel::sql_query(format!("INSERT INTO {t}_fts(rowid, search_text) SELECT seq, search_text FROM {t}"))
            .execute(c)?;
    }
    Ok(())
}

/// Take rows out of `table`'s full-text index (`forget`: their `seq` and
/// the search text they were indexed with, which a contentless FTS5 index
/// needs to forget them) and put rows in (`add`). PostgreSQL maintains its
/// GIN indexes itself.
pub fn update_search_index<'a>(
    conn: &mut DbConnection,
    table: &str,
    forget: impl Iterator<Item = (i32, &'a str)>,
    add: impl Iterator<Item = (i32, &'a str)>,
) -> QueryResult<()> {
    use diesel::sql_types::{Integer, Text};
    use diesel::RunQueryDsl;
    debug_assert!(SEARCHABLE.contains(&table));
    if let DbConnection::Sqlite(c) = conn {
        let t = table;
        for (seq, text) in forget {
            diesel::sql_query(format!("INSERT INTO {t}_fts({t}_fts, rowid, search_text) VALUES('delete', ?, ?)"))
                .bind::<Integer, _>(seq)
                .bind::<Text, _>(text)
                .execute(c)?;
        }
        for (seq, text) in add {
            diesel::sql_query(format!("INSERT INTO {t}_fts(rowid, search_text) VALUES(?, ?)"))
                .bind::<Integer, _>(seq)
                .bind::<Text, _>(text)
                .execute(c)?;
        }
    }
    Ok(())
}

/// List again the words of every full-text index (SQLite's prefix
/// expansion, [`sqlite_match`]), after some index changed.
pub fn refill_search_words(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::RunQueryDsl;
    if let DbConnection::Sqlite(c) = conn {
        diesel::sql_query("DELETE FROM search_fts_words").execute(c)?;
        let union: Vec<String> = SEARCHABLE.iter().map(|t| format!("SELECT term FROM {t}_fts_vocab")).collect();
        diesel::sql_query(format!("INSERT INTO search_fts_words(word) {}", union.join(" UNION "))).execute(c)?;
    }
    Ok(())
}

/// Words a prefix stands for, at most this many; past it the term stays a
/// prefix query (slower in FTS5, same result).
const MAX_EXPANSION: usize = 64;

/// SQLite: an FTS5 query requiring every term, each as the start of a word.
/// Prefixes are expanded into the indexed words they start, from the words of
/// every index (FTS5 answers a union of whole words lazily, a prefix only by
/// merging every match first).
/// `None` when some term starts no indexed word: nothing can match.
pub fn sqlite_match(conn: &mut diesel::SqliteConnection, terms: &[String]) -> QueryResult<Option<String>> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Word {
        #[diesel(sql_type = diesel::sql_types::Text)]
        term: String,
    }
    let mut parts = Vec::new();
    for t in clean_terms(terms) {
        let words: Vec<Word> =
            diesel::sql_query("SELECT word AS term FROM search_fts_words WHERE word >= ? AND word < ? LIMIT ?")
                .bind::<diesel::sql_types::Text, _>(&t)
                .bind::<diesel::sql_types::Text, _>(format!("{t}\u{10FFFF}"))
                .bind::<diesel::sql_types::BigInt, _>(MAX_EXPANSION as i64 + 1)
                .load(conn)?;
        match words.len() {
            0 => return Ok(None),
            n if n > MAX_EXPANSION => parts.push(format!("\"{t}\"*")),
            _ => parts.push(format!(
                "({})",
                words.iter().map(|w| format!("\"{}\"", w.term.replace('"', ""))).collect::<Vec<_>>().join(" OR ")
            )),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join(" AND ")))
}
