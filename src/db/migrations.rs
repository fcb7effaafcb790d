//! The schema: migrations embedded in the binary (one folder per engine),
//! applied by `migrate`, `import`, and `serve` when its login can write;
//! checked without writing anything when it cannot, so that `serve` can log
//! in with a role that only reads.

use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{BackendKind, DatabaseUrl, DbConnection, Error};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The table where diesel records applied migrations.
const APPLIED_TABLE: &str = "__diesel_schema_migrations";

/// Apply pending migrations; returns the versions applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, Error> {
    let applied = match conn {
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(Error::Migration)?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// What the database has applied, against what this binary embeds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SchemaState {
    /// This binary's migrations the database lacks, oldest first.
    pub pending: Vec<String>,
    /// Migrations the database has that this binary does not know (a newer
    /// binary migrated it).
    pub unknown: Vec<String>,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    flag: bool,
}

/// Compare the applied migrations with the embedded ones, with reads only
/// (diesel's own check creates its table first, which a reader cannot).
pub fn schema_state(conn: &mut DbConnection) -> Result<SchemaState, Error> {
    let (embedded, exists) = match conn {
        DbConnection::Pg(_) => (
            versions(MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)),
            format!("SELECT to_regclass('{APPLIED_TABLE}') IS NOT NULL AS flag"),
        ),
        DbConnection::Sqlite(_) => (
            versions(MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)),
            format!(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{APPLIED_TABLE}') AS flag"
            ),
        ),
    };
    let embedded = embedded.map_err(Error::EmbeddedMigrations)?;
    let read = Error::AppliedMigrations;
    let applied: Vec<String> = if diesel::sql_query(exists).get_result::<Flag>(conn).map_err(read)?.flag {
        diesel::sql_query(format!("SELECT version FROM {APPLIED_TABLE}"))
            .load::<Version>(conn)
            .map_err(read)?
            .into_iter()
            .map(|v| v.version)
            .collect()
    } else {
        Vec::new()
    };
    let mut state = SchemaState {
        pending: embedded.iter().filter(|v| !applied.contains(v)).cloned().collect(),
        unknown: applied.into_iter().filter(|v| !embedded.contains(v)).collect(),
    };
    state.pending.sort();
    state.unknown.sort();
    Ok(state)
}

fn versions<DB: diesel::backend::Backend>(
    found: diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<DB>>>>,
) -> diesel::migration::Result<Vec<String>> {
    Ok(found?.iter().map(|m| m.name().version().to_string()).collect())
}

/// Whether the login may change the schema: PostgreSQL's answer for
/// creating in schema `public` and writing the migrations table.
fn pg_can_migrate(conn: &mut DbConnection) -> Result<bool, Error> {
    let sql = format!(
        "SELECT has_schema_privilege('public', 'CREATE') AND CASE WHEN to_regclass('{APPLIED_TABLE}') IS NULL \
         THEN true ELSE has_table_privilege('{APPLIED_TABLE}', 'INSERT') END AS flag"
    );
    Ok(diesel::sql_query(sql).get_result::<Flag>(conn).map_err(Error::Privileges)?.flag)
}

/// What the login `serve` starts with may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// It can migrate and import (SQLite's default file; an owner login).
    Write,
    /// It can only read: the schema must already be current.
    ReadOnly,
}

/// Open the database for `serve`'s start, with the schema current: nothing
/// is written when it already is; pending migrations are applied when the
/// login can write, and refused with what to do when it cannot.
pub fn open_current(url: &DatabaseUrl) -> Result<(DbConnection, Access), Error> {
    let (mut conn, access) =
        match url.kind {
            // Logged in as itself (no switch to the reader role yet).
            BackendKind::Postgres => {
                let mut conn = super::open_for_writing(url)?;
                let access = if pg_can_migrate(&mut conn)? { Access::Write } else { Access::ReadOnly };
                (conn, access)
            }
            BackendKind::Sqlite => match super::open_for_writing(url) {
                Ok(conn) => (conn, Access::Write),
                Err(e) if std::path::Path::new(&url.target).is_file() => {
                    log::info!("opening the database read-only: {e}");
                    let conn = super::establish(url, true, std::time::Duration::ZERO)
                        .map_err(|source| Error::Open { url: url.redacted(), source, folder: None })?;
                    (conn, Access::ReadOnly)
                }
                Err(e) => return Err(e),
            },
        };
    let state = schema_state(&mut conn)?;
    if !state.unknown.is_empty() {
        log::warn!(
            "the database has migrations this binary does not know ({}): a newer version migrated it",
            state.unknown.join(", ")
        );
    }
    if state.pending.is_empty() {
        return Ok((conn, access));
    }
    if access == Access::ReadOnly {
        return Err(Error::SchemaBehind { pending: state.pending });
    }
    let applied = run_migrations(&mut conn)?;
    log::info!("applied migrations: {}", applied.join(", "));
    Ok((conn, access))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_database_lacks_every_migration_a_migrated_one_none_and_newer_ones_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&dir.path().join("t.sqlite3").display().to_string());
        let mut conn = super::super::open_for_writing(&url).unwrap();
        let fresh = schema_state(&mut conn).unwrap();
        assert!(fresh.pending.len() >= 5 && fresh.unknown.is_empty(), "{fresh:?}");
        assert!(fresh.pending.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(run_migrations(&mut conn).unwrap(), fresh.pending);
        assert_eq!(schema_state(&mut conn).unwrap(), SchemaState::default());
        diesel::sql_query(format!("INSERT INTO {APPLIED_TABLE} (version) VALUES ('29991231000000')"))
            .execute(&mut conn)
            .unwrap();
        let newer = schema_state(&mut conn).unwrap();
        assert_eq!((newer.pending.len(), newer.unknown), (0, vec!["29991231000000".to_string()]));
    }
}
