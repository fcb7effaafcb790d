//! Candidate lookup for `/v1/search`: every record whose folded text holds
//! all the terms, each as the start of a word, found through the engine's
//! full-text index. Ranking happens in `crate::search`, identically for both
//! backends.

use diesel::prelude::*;

use super::list::text_terms;
use crate::db::DbConnection;
use crate::schema::{commitments, institutions, milestones, plans, progress_updates};

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
];

/// SQLite: walk the full-text index in rowid (= seq) order and stop after
/// the first candidates, instead of collecting every match first.
fn sqlite_candidates(
    conn: &mut diesel::SqliteConnection,
    terms: &[String],
    types: &[&str],
) -> QueryResult<Vec<Candidate>> {
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
    let mut out = Vec::new();
    let Some(expr) = crate::db::backend::sqlite_match(conn, terms)? else { return Ok(out) };
    for (kind, table, title, plan) in SOURCES {
        if !(types.is_empty() || types.contains(kind)) {
            continue;
        }
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT t.id AS id, t.{title} AS title, t.search_text AS search_text, {plan} AS plan_id, t.seq AS seq \
             FROM {table}_fts f JOIN {table} t ON t.seq = f.rowid WHERE {table}_fts MATCH ? \
             ORDER BY f.rowid LIMIT ?"
        ))
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

pub fn candidates(conn: &mut DbConnection, terms: &[String], types: &[&str]) -> QueryResult<Vec<Candidate>> {
    if let DbConnection::Sqlite(c) = conn {
        return sqlite_candidates(c, terms, types);
    }
    let mut out = Vec::new();
    let want = |t: &str| types.is_empty() || types.contains(&t);
    if want("plan") {
        let q = text_terms!(plans::table.into_boxed(), "plans", terms);
        let rows: Vec<(String, String, String, i32)> = q
            .select((plans::id, plans::title, plans::search_text, plans::seq))
            .order(plans::seq)
            .limit(CANDIDATES_PER_TYPE)
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, title, search_text, seq)| Candidate {
            kind: "plan",
            plan_id: Some(id.clone()),
            id,
            title,
            search_text,
            seq,
        }));
    }
    if want("commitment") {
        let q = text_terms!(commitments::table.into_boxed(), "commitments", terms);
        let rows: Vec<(String, String, String, String, i32)> = q
            .select((
                commitments::id,
                commitments::title,
                commitments::search_text,
                commitments::plan_id,
                commitments::seq,
            ))
            .order(commitments::seq)
            .limit(CANDIDATES_PER_TYPE)
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, title, search_text, plan, seq)| Candidate {
            kind: "commitment",
            id,
            title,
            search_text,
            plan_id: Some(plan),
            seq,
        }));
    }
    if want("milestone") {
        let q = text_terms!(milestones::table.into_boxed(), "milestones", terms);
        let rows: Vec<(String, String, String, String, i32)> = q
            .select((
                milestones::id,
                milestones::description,
                milestones::search_text,
                milestones::plan_id,
                milestones::seq,
            ))
            .order(milestones::seq)
            .limit(CANDIDATES_PER_TYPE)
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, title, search_text, plan, seq)| Candidate {
            kind: "milestone",
            id,
            title,
            search_text,
            plan_id: Some(plan),
            seq,
        }));
    }
    if want("progress_update") {
        let q = text_terms!(progress_updates::table.into_boxed(), "progress_updates", terms);
        let rows: Vec<(String, String, String, String, i32)> = q
            .select((
                progress_updates::id,
                progress_updates::description,
                progress_updates::search_text,
                progress_updates::plan_id,
                progress_updates::seq,
            ))
            .order(progress_updates::seq)
            .limit(CANDIDATES_PER_TYPE)
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, title, search_text, plan, seq)| Candidate {
            kind: "progress_update",
            id,
            title,
            search_text,
            plan_id: Some(plan),
            seq,
        }));
    }
    if want("institution") {
        let q = text_terms!(institutions::table.into_boxed(), "institutions", terms);
        let rows: Vec<(String, String, String, i32)> = q
            .select((institutions::id, institutions::name, institutions::search_text, institutions::seq))
            .order(institutions::seq)
            .limit(CANDIDATES_PER_TYPE)
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, title, search_text, seq)| Candidate {
            kind: "institution",
            id,
            title,
            search_text,
            plan_id: None,
            seq,
        }));
    }
    Ok(out)
}
