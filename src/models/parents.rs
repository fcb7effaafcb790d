//! The names of the records others belong to (plan titles, commitment
//! numbers and titles, milestone codes and texts), by id, in batches: what
//! a CSV row shows beside its ids.

use diesel::prelude::*;

use crate::db::native::{self, any_of};
use crate::db::DbConnection;
use crate::schema::{commitments, institutions, milestones, plans};

/// (id, title) of the plans named.
pub fn plan_titles(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    native::load!(conn, plans::table.filter(any_of(plans::id, ids)).select((plans::id, plans::title)))
}

/// (id, number, title) of the commitments named.
pub fn commitment_titles(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    native::load!(
        conn,
        commitments::table.filter(any_of(commitments::id, ids)).select((
            commitments::id,
            commitments::number,
            commitments::title
        )),
    )
}

/// (id, code, description) of the milestones named.
pub fn milestone_texts(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    native::load!(
        conn,
        milestones::table.filter(any_of(milestones::id, ids)).select((
            milestones::id,
            milestones::code,
            milestones::description
        )),
    )
}

/// (id, name) of the institutions named.
pub fn institution_names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    native::load!(
        conn,
        institutions::table.filter(any_of(institutions::id, ids)).select((institutions::id, institutions::name))
    )
}
