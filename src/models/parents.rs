//! The names of the records others belong to (plan titles, commitment
//! numbers and titles, milestone codes and texts), by id, in batches: what
//! a CSV row shows beside its ids.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{commitments, institutions, milestones, plans};

/// (id, title) of the plans named.
pub fn plan_titles(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    plans::table.filter(plans::id.eq_any(ids)).select((plans::id, plans::title)).load(conn)
}

/// (id, number, title) of the commitments named.
pub fn commitment_titles(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    commitments::table
        .filter(commitments::id.eq_any(ids))
        .select((commitments::id, commitments::number, commitments::title))
        .load(conn)
}

/// (id, code, description) of the milestones named.
pub fn milestone_texts(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    milestones::table
        .filter(milestones::id.eq_any(ids))
        .select((milestones::id, milestones::code, milestones::description))
        .load(conn)
}

/// (id, name) of the institutions named.
pub fn institution_names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    institutions::table.filter(institutions::id.eq_any(ids)).select((institutions::id, institutions::name)).load(conn)
}
