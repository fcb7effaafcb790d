//! Every name an institution goes by (id, name, acronym, aliases), exact and
//! folded, held per revision: what `institution=` filters resolve against.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{institution_aliases, institutions};
use crate::text::fold;

/// Every name an institution goes by, exact and folded, for one revision.
#[derive(Default)]
pub struct NameIndex {
    current: Mutex<Option<(i32, Arc<Names>)>>,
}

#[derive(Default)]
pub struct Names {
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

    /// The institutions a name (exact, else accents and case aside) is one of.
    pub fn resolve(&self, value: &str) -> &[String] {
        self.exact.get(value).or_else(|| self.folded.get(&fold(value))).map(Vec::as_slice).unwrap_or_default()
    }
}

impl NameIndex {
    /// The names of `revision` (read through `conn`, which sees it).
    pub fn names(&self, conn: &mut DbConnection, revision: i32) -> QueryResult<Arc<Names>> {
        if let Some((r, names)) = self.current.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            if *r == revision {
                return Ok(names.clone());
            }
        }
        let names = Arc::new(Names::load(conn)?);
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((revision, names.clone()));
        Ok(names)
    }
}
