//! The reads that once scanned a whole table are answered from an index:
//! the SQL the models really send is captured (diesel's instrumentation) and
//! SQLite is asked how it would run it (`EXPLAIN QUERY PLAN`).

use std::sync::{Arc, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::prelude::*;
use diesel::sql_types::Text;
use gagt::db::DbConnection;
use gagt::models::list::Page;
use gagt::models::progress_update::{self, ProgressUpdateFilter, ProgressUpdateSort};

use crate::helpers::{bundled, Backend, TestDb};

#[derive(QueryableByName)]
struct PlanStep {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// The SQL of every statement `read` runs on `conn`, without its binds.
fn statements(conn: &mut DbConnection, read: impl FnOnce(&mut DbConnection)) -> Vec<String> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let capture = move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let text = query.to_string();
            let sql = text.split(" -- binds:").next().unwrap_or_default().to_string();
            sink.lock().unwrap().push(sql);
        }
    };
    conn.set_instrumentation(capture);
    read(conn);
    conn.set_instrumentation(None::<Box<dyn Instrumentation>>);
    let sql = seen.lock().unwrap().clone();
    assert!(!sql.is_empty(), "no statement was captured");
    sql
}

/// How SQLite runs `sql` (unbound parameters count as NULL for planning;
/// the connection plans independently of bound values anyway).
fn plan(conn: &mut DbConnection, sql: &str) -> String {
    let DbConnection::Sqlite(c) = conn else { panic!("an SQLite connection") };
    let steps: Vec<PlanStep> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).load(c).expect("explain");
    steps.into_iter().map(|s| s.detail).collect::<Vec<_>>().join("\n")
}

/// The plan of the one statement `read` sends that mentions `table`.
fn plan_of(conn: &mut DbConnection, table: &str, read: impl FnOnce(&mut DbConnection)) -> String {
    let sql = statements(conn, read);
    let mut hits =
        sql.iter().filter(|s| s.contains(&format!("FROM `{table}`")) || s.contains(&format!("FROM {table}")));
    let one = hits.next().unwrap_or_else(|| panic!("no statement reads {table}: {sql:?}"));
    plan(conn, one)
}

/// A fresh SQLite database holding `ds`, as an import leaves it (with the
/// planner's statistics), and a connection to it.
fn sqlite_with(ds: gagt::import::Dataset) -> (TestDb, DbConnection) {
    let db = TestDb::new(Backend::Sqlite);
    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut conn).unwrap();
    gagt::import::store(&mut conn, ds, "test", false).unwrap();
    (db, conn)
}

#[test]
fn every_update_sorted_by_percent_is_read_from_an_index_either_way() {
    // Ten thousand updates: enough for the planner's statistics to matter.
    let data = tempfile::tempdir().unwrap();
    gagt::import::export::write_dir(&gagt::synthetic::generate(1), data.path()).unwrap();
    let (_db, mut conn) = sqlite_with(gagt::import::canonical::read_dir(data.path()).unwrap());
    for (desc, index) in [(true, "progress_updates_percent_desc"), (false, "progress_updates_percent_asc")] {
        let page = Page { sort: ProgressUpdateSort::Percent, desc, after: None, limit: 50 };
        let plan = plan_of(&mut conn, "progress_updates", |c| {
            progress_update::rows(c, &ProgressUpdateFilter::default(), &page).unwrap().unwrap();
        });
        assert!(plan.contains(&format!("USING INDEX {index}")), "desc={desc}: {plan}");
        assert!(!plan.contains("TEMP B-TREE"), "desc={desc}: every update sorted: {plan}");
    }
}

#[test]
fn an_institutions_children_are_found_by_their_parent() {
    let (_db, mut conn) = sqlite_with(gagt::import::canonical::read_dir(&bundled()).unwrap());
    let plan = plan_of(&mut conn, "institutions", |c| {
        gagt::models::institution::children(c, "gae").unwrap();
    });
    assert!(plan.contains("USING INDEX institutions_parent (parent_id=?)"), "{plan}");
    assert!(!plan.contains("SCAN"), "every institution read: {plan}");
}
