//! Filters that name other records (`plan`, `commitment`, `milestone`,
//! `institution`) are checked before a list is read: a value that names
//! nothing is a 404 problem naming the parameter, never an empty 200.
//! `institution` takes an id, a name, an acronym or any alias the sources
//! use (accents and case aside) and resolves it to the institution's id;
//! `role` qualifies `institution` and needs it.

use diesel::prelude::*;

use crate::api::http::error::ApiError;
use crate::db::DbConnection;
use crate::models::names::NameIndex;
use crate::schema::{commitments, milestones, plans};

/// Whether the record exists (on the backend's own connection, prepared once: every filtered list asks).
fn exists(conn: &mut DbConnection, name: &str, value: &str) -> QueryResult<bool> {
    use crate::db::native::first;
    let found: Option<String> = match name {
        "plan" => first!(conn, plans::table.find(value).select(plans::id))?,
        "commitment" => first!(conn, commitments::table.find(value).select(commitments::id))?,
        _ => first!(conn, milestones::table.find(value).select(milestones::id))?,
    };
    Ok(found.is_some())
}

/// `value` as a filter on `name` (plan, commitment or milestone): the id of
/// an existing record, else a 404 naming the parameter.
fn record(c: &mut DbConnection, name: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if !exists(c, name, &v)? => Err(ApiError::unknown(name, format!("`{v}` is not the id of any {name}"))),
        v => Ok(v),
    }
}

pub fn plan(c: &mut DbConnection, value: Option<String>) -> Result<Option<String>, ApiError> {
    record(c, "plan", value)
}

pub fn commitment(c: &mut DbConnection, value: Option<String>) -> Result<Option<String>, ApiError> {
    record(c, "commitment", value)
}

pub fn milestone(c: &mut DbConnection, value: Option<String>) -> Result<Option<String>, ApiError> {
    record(c, "milestone", value)
}

/// An institution named by id, name, acronym or alias, as its id.
pub fn institution(c: &mut DbConnection, names: &NameIndex, value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(v) = value else { return Ok(None) };
    // The names of the revision this transaction reads.
    let revision = crate::models::revision::current(c)?.map(|r| r.id).unwrap_or(0);
    match names.names(c, revision)?.resolve(&v) {
        [id] => Ok(Some(id.clone())),
        [] => Err(ApiError::unknown(
            "institution",
            format!("`{v}` is not the id, name, acronym or alias of any institution (see /v1/institutions)"),
        )),
        many => Err(ApiError::bad(
            "institution",
            format!("`{v}` names several institutions ({}); use one of their ids", many.join(", ")),
        )),
    }
}

/// `role` qualifies `institution` (the role that institution plays).
pub fn role_needs_institution<T>(role: &Option<T>, institution: &Option<String>) -> Result<(), ApiError> {
    if role.is_some() && institution.is_none() {
        return Err(ApiError::bad(
            "role",
            "qualifies `institution` (the role that institution plays): give `institution` too",
        ));
    }
    Ok(())
}
