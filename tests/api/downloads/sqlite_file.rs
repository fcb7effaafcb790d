//! The whole dataset as one SQLite database, read back with diesel: every
//! table with the published rows and values, its keys, the `dictionary` and
//! `about` tables; and a snapshot built twice is the same bytes.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};
use diesel::sqlite::SqliteConnection;
use serde_json::Value;

use super::{api_total, published_rows};
use crate::helpers::TestApp;
use crate::{read_only, read_only_bundled};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Json {
    #[diesel(sql_type = Text)]
    json: String,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = Double)]
    x: f64,
}

#[derive(QueryableByName)]
struct Words {
    #[diesel(sql_type = Text)]
    text: String,
}

/// The downloaded database, opened from a folder that goes with it.
fn database(app: &TestApp) -> (tempfile::TempDir, SqliteConnection) {
    let res = app.get("/v1/downloads/latest/gobierno-abierto-guatemala.sqlite");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/vnd.sqlite3");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dataset.sqlite");
    std::fs::write(&path, res.bytes().unwrap()).unwrap();
    let conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    (dir, conn)
}

fn count(conn: &mut SqliteConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap_or_else(|e| panic!("{sql}: {e}")).n
}

/// A value from SQLite as published: numbers compare as numbers (a REAL
/// 50.0 is 50), booleans are 0 and 1.
fn same(got: &Value, published: &Value) -> bool {
    match (got, published) {
        (Value::Number(a), Value::Bool(b)) => a.as_i64() == Some(i64::from(*b)),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

read_only!(the_sqlite_database_holds_every_table_as_published, |app| {
    let (_dir, mut conn) = database(app);
    let manifest = app.json("/v1/downloads");
    let csv_rows = |table: &str| {
        let files = manifest["files"].as_array().unwrap();
        files.iter().find(|f| f["name"] == format!("{table}.csv")).unwrap()["rows"].as_i64().unwrap()
    };
    for table in gagt::snapshot::TABLES {
        let published = published_rows(app, table);
        let n = count(&mut conn, &format!("SELECT count(*) AS n FROM {table}"));
        assert_eq!(n, csv_rows(table), "{table}: rows in the manifest");
        if let Some(total) = api_total(app, table) {
            assert_eq!(n as u64, total, "{table}: rows the API lists");
        }
        let columns: Vec<String> =
            gagt::snapshot::dictionary::public(table).iter().map(|c| format!("\"{}\"", c.column)).collect();
        let sql = format!(
            "SELECT coalesce(json_group_array(json_array({})), '[]') AS json FROM (SELECT * FROM {table} ORDER BY rowid)",
            columns.join(", ")
        );
        let rows: Vec<Vec<Value>> =
            serde_json::from_str(&diesel::sql_query(sql).get_result::<Json>(&mut conn).unwrap().json).unwrap();
        assert_eq!(rows.len(), published.len(), "{table}");
        for (row, want) in rows.iter().zip(&published) {
            for ((got, want), column) in row.iter().zip(want.values()).zip(&columns) {
                assert!(same(got, want), "{table}.{column}: {got} is not {want}");
            }
        }
    }
    let percent = "SELECT percent AS x FROM progress_updates WHERE id = 'gt-ogp-nap6-c1-m4-u1'";
    assert_eq!(diesel::sql_query(percent).get_result::<Number>(&mut conn).unwrap().x, 12.5);
    let title = "SELECT title AS text FROM plans WHERE title LIKE '6º%'";
    let title = diesel::sql_query(title).get_result::<Words>(&mut conn).unwrap().text;
    assert_eq!(title.as_bytes(), "6º Plan de Acción Nacional de Gobierno Abierto 2023-2025".as_bytes());
});

read_only!(the_sqlite_database_explains_itself, |app| {
    let (_dir, mut conn) = database(app);
    let public: usize = gagt::snapshot::TABLES.iter().map(|t| gagt::snapshot::dictionary::public(t).len()).sum();
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM dictionary"), public as i64);
    let kind = "SELECT type AS text FROM dictionary WHERE table_name = 'progress_updates' AND column_name = 'percent'";
    assert_eq!(diesel::sql_query(kind).get_result::<Words>(&mut conn).unwrap().text, "number");
    let revision = "SELECT value AS text FROM about WHERE key = 'revision'";
    assert_eq!(diesel::sql_query(revision).get_result::<Words>(&mut conn).unwrap().text, "1");
    assert_eq!(count(&mut conn, "SELECT user_version AS n FROM pragma_user_version"), 1);
    // Keys: `id` where there is one, declared types from the dictionary.
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM pragma_table_info('plans') WHERE pk = 1 AND name = 'id'"),
        1
    );
    let typed = "SELECT count(*) AS n FROM pragma_table_info('progress_updates') \
                 WHERE (name = 'percent' AND type = 'REAL') OR (name = 'position' AND type = 'INTEGER')";
    assert_eq!(count(&mut conn, typed), 2);
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM pragma_foreign_key_check"), 0, "references hold");
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
});

read_only_bundled!(sqlite_percentages_read_back_as_written, |app| {
    let (_dir, mut conn) = database(app);
    let percent = "SELECT percent AS x FROM progress_updates WHERE id = 'gt-ogp-nap6-c4-m1-u1'";
    assert_eq!(diesel::sql_query(percent).get_result::<Number>(&mut conn).unwrap().x, 8.34);
    let text = "SELECT CAST(percent AS TEXT) AS text FROM progress_updates WHERE id = 'gt-ogp-nap6-c4-m1-u1'";
    assert_eq!(diesel::sql_query(text).get_result::<Words>(&mut conn).unwrap().text, "8.34");
});

// Replicas write their snapshots on their own: the same revision must give
// the same bytes, the Parquet files and the database included.
read_only!(a_snapshot_written_twice_is_the_same_bytes, |app| {
    let mut conn = gagt::db::open_for_writing(&app.db.url).unwrap();
    let dataset = gagt::import::export::load(&mut conn).unwrap();
    let tables = gagt::snapshot::publish(&dataset);
    let rev = app.watch.get().unwrap();
    let files = |_: u8| {
        let dir = tempfile::tempdir().unwrap();
        let mut config = app.config.clone();
        config.snapshot_dir = dir.path().to_path_buf();
        let staged = gagt::snapshot::build_staged(&config, &tables, &rev).unwrap();
        let manifest: gagt::snapshot::Manifest =
            serde_json::from_slice(&std::fs::read(staged.dir().join("manifest.json")).unwrap()).unwrap();
        manifest.files
    };
    let (first, second) = (files(1), files(2));
    assert!(first.iter().any(|f| f.format == "sqlite") && first.iter().any(|f| f.format == "parquet"));
    assert_eq!(first, second);
});
