//! Candidate lookup for `/v1/search`: every record whose folded text holds
//! all the terms, each as the start of a word, found through the engine's
//! full-text index. Ranking happens in `crate::search`, identically for both
//! backends.

use diesel::prelude::*;

use crate::db::DbConnection;

/// A record that matched: type, id, title-ish text, body text, plan.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    pub search_text: String,
    pub plan_id: Option<String>,
    pub seq: i32,
}

/// At most this many candidates per record type are ranked.
pub const CANDIDATES_PER_TYPE: i64 = 500;

/// The searchable tables: record type, table, title column, plan column.
const SOURCES: &[(&str, &str, &str, &str)] = &[
    ("plan", "plans", "title", "t.id"),
    ("commitment", "commitments", "title", "t.plan_id"),
    ("milestone", "milestones", "description", "t.plan_id"),
    ("progress_update", "progress_updates", "description", "t.plan_id"),
    ("institution", "institutions", "name", "NULL"),
    ("plan_section", "plan_sections", "title", "t.plan_id"),
    ("plan_participant", "plan_participants", "name", "t.plan_id"),
    ("plan_risk", "plan_risks", "scenario", "t.plan_id"),
];

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    title: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    search_text: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    plan_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    seq: i32,
}

/// The first candidates of each requested type, in source order. SQLite
/// walks the FTS5 index in rowid (= seq) order and stops after the first
/// candidates instead of collecting every match; PostgreSQL asks its GIN
/// index. Same rows on both.
pub fn candidates(conn: &mut DbConnection, terms: &[String], types: &[&str]) -> QueryResult<Vec<Candidate>> {
    let mut out = Vec::new();
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    let expr = match conn {
        DbConnection::Sqlite(c) => crate::db::backend::sqlite_match(c, terms)?,
        DbConnection::Pg(_) => Some(crate::db::backend::pg_match(terms)).filter(|q| !q.is_empty()),
    };
    let Some(expr) = expr else { return Ok(out) };
    for (kind, table, title, plan) in SOURCES {
        if !(types.is_empty() || types.contains(kind)) {
            continue;
        }
        let select = format!(
            "SELECT t.id AS id, t.{title} AS title, t.search_text AS search_text, {plan} AS plan_id, t.seq AS seq"
        );
        let sql = if sqlite {
            format!("{select} FROM {table}_fts f JOIN {table} t ON t.seq = f.rowid WHERE {table}_fts MATCH ? ORDER BY f.rowid LIMIT ?")
        } else {
            format!("{select} FROM {table} t WHERE to_tsvector('simple', t.search_text) @@ to_tsquery('simple', $1) ORDER BY t.seq LIMIT $2")
        };
        let rows: Vec<Row> = diesel::sql_query(sql)
            .bind::<diesel::sql_types::Text, _>(&expr)
            .bind::<diesel::sql_types::BigInt, _>(CANDIDATES_PER_TYPE)
            .load(conn)?;
        out.extend(rows.into_iter().map(|r| Candidate {
            kind,
            id: r.id,
            title: r.title,
            search_text: r.search_text,
            plan_id: r.plan_id,
            seq: r.seq,
        }));
    }
    Ok(out)
}
