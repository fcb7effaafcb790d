//! Filters that name other records (`plan`, `commitment`, `milestone`,
//! `institution`) are checked before a list is read: a value that names
//! nothing is a 404 problem naming the parameter, never an empty 200.
//! `institution` takes an id, a name, an acronym or any alias the sources
//! use (accents and case aside) and resolves it to the institution's id;
//! `role` qualifies `institution` and needs it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use diesel::prelude::*;

use super::error::ApiError;
use super::query::QueryArgs;
use super::state::AppState;
use crate::db::DbConnection;
use crate::schema::{commitments, institution_aliases, institutions, milestones, plans};
use crate::text::fold;

/// Every name an institution goes by, exact and folded, for one revision.
#[derive(Default)]
pub struct NameIndex {
    current: Mutex<Option<(i32, Arc<Names>)>>,
}

#[derive(Default)]
struct Names {
    exact: HashMap<String, Vec<String>>,
    folded: HashMap<String, Vec<String>>,
}

impl Names {
    fn load(conn: &mut DbConnection) -> QueryResult<Names> {
        let mut names = Names::default();
        let mut add = |key: &str, id: &str| {
            for (map, k) in [(&mut names.exact, key.to_string()), (&mut names.folded, fold(key))] {
                let ids = map.entry(k).or_default();
                if !ids.iter().any(|i| i == id) {
                    ids.push(id.to_string());
                }
            }
        };
        let rows: Vec<(String, String, Option<String>)> =
            institutions::table.select((institutions::id, institutions::name, institutions::acronym)).load(conn)?;
        for (id, name, acronym) in &rows {
            add(id, id);
            add(name, id);
            if let Some(a) = acronym {
                add(a, id);
            }
        }
        let aliases: Vec<(String, String)> = institution_aliases::table
            .select((institution_aliases::institution_id, institution_aliases::alias))
            .load(conn)?;
        for (id, alias) in &aliases {
            add(alias, id);
        }
        Ok(names)
    }

    fn resolve(&self, value: &str) -> Result<String, ApiError> {
        let ids = self.exact.get(value).or_else(|| self.folded.get(&fold(value)));
        match ids.map(Vec::as_slice) {
            Some([id]) => Ok(id.clone()),
            Some(many) if !many.is_empty() => Err(ApiError::bad(
                "institution",
                format!("`{value}` names several institutions ({}); use one of their ids", many.join(", ")),
            )),
            _ => Err(ApiError::unknown(
                "institution",
                format!("`{value}` is not the id, name, acronym or alias of any institution (see /v1/institutions)"),
            )),
        }
    }
}

impl NameIndex {
    fn names(&self, conn: &mut DbConnection, revision: i32) -> Result<Arc<Names>, ApiError> {
        if let Some((r, names)) = self.current.lock().map_err(|_| ApiError::Internal("name index".into()))?.as_ref() {
            if *r == revision {
                return Ok(names.clone());
            }
        }
        let names = Arc::new(Names::load(conn)?);
        *self.current.lock().map_err(|_| ApiError::Internal("name index".into()))? = Some((revision, names.clone()));
        Ok(names)
    }
}

/// The reference filters of a request, checked; `institution` is an id.
#[derive(Clone, Debug, Default)]
pub struct Refs {
    pub plan: Option<String>,
    pub commitment: Option<String>,
    pub milestone: Option<String>,
    pub institution: Option<String>,
}

fn exists(conn: &mut DbConnection, name: &str, value: &str) -> QueryResult<bool> {
    let found: i64 = match name {
        "plan" => plans::table.filter(plans::id.eq(value)).count().get_result(conn)?,
        "commitment" => commitments::table.filter(commitments::id.eq(value)).count().get_result(conn)?,
        _ => milestones::table.filter(milestones::id.eq(value)).count().get_result(conn)?,
    };
    Ok(found > 0)
}

/// Check the request's reference filters (those among `plan`, `commitment`,
/// `milestone` and `institution` that it has). With `role_needs_institution`,
/// a `role` without `institution` is a 400.
pub async fn check(state: &AppState, args: &QueryArgs, role_needs_institution: bool) -> Result<Refs, ApiError> {
    if role_needs_institution && args.str("role").is_some() && args.str("institution").is_none() {
        return Err(ApiError::bad(
            "role",
            "qualifies `institution` (the role that institution plays): give `institution` too",
        ));
    }
    let mut refs = Refs {
        plan: args.string("plan"),
        commitment: args.string("commitment"),
        milestone: args.string("milestone"),
        institution: args.string("institution"),
    };
    if refs.plan.is_none() && refs.commitment.is_none() && refs.milestone.is_none() && refs.institution.is_none() {
        return Ok(refs);
    }
    let names = state.names.clone();
    let checked = refs.clone();
    let institution = state
        .db(move |c| {
            for (name, value) in
                [("plan", &checked.plan), ("commitment", &checked.commitment), ("milestone", &checked.milestone)]
            {
                if let Some(v) = value {
                    if !exists(c, name, v)? {
                        return Err(ApiError::unknown(name, format!("`{v}` is not the id of any {name}")));
                    }
                }
            }
            match &checked.institution {
                Some(v) => {
                    // The names of the revision this transaction reads.
                    let revision = crate::models::revision::current(c)?.map(|r| r.id).unwrap_or(0);
                    names.names(c, revision)?.resolve(v).map(Some)
                }
                None => Ok(None),
            }
        })
        .await?;
    refs.institution = institution;
    Ok(refs)
}
