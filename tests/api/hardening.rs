//! Rate limiting, slow clients, least privilege and statement deadlines.
//! A login that can only read: `reader_login`.

mod reader_login;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::helpers::{assert_problem, fixture, spawn_app_tuned, Backend};

#[test]
fn each_client_address_gets_a_quota_then_429_with_retry_after() {
    // Bursts of 15, then one request a minute: no machine is slow enough
    // to earn one back while the test runs.
    let app = spawn_app_tuned(Backend::Sqlite, Some(&fixture()), |c| {
        c.rate_limit_per_minute = 1;
        c.rate_limit_burst = 15;
    });
    for i in 0..15 {
        let res = app.get("/v1/plans");
        assert_eq!(res.status(), 200, "request {i}");
        assert_eq!(res.headers()["x-ratelimit-limit"], "15");
        assert_eq!(res.headers()["x-ratelimit-remaining"], (14 - i).to_string().as_str());
        // The IETF fields: 15 requests earned back over 15 minutes; what is left.
        assert_eq!(res.headers()["ratelimit-policy"], "\"per-address\";q=15;w=900");
        let field = res.headers()["ratelimit"].to_str().unwrap().to_string();
        assert!(field.starts_with(&format!("\"per-address\";r={};t=", 14 - i)), "{field}");
    }
    // Nothing is exempt: health checks and other paths count too; a forged
    // X-Forwarded-For from a client that is not a trusted proxy changes nothing.
    let res = app.get_with("/healthz", "X-Forwarded-For", "198.51.100.7");
    assert!(res.headers().contains_key("retry-after"));
    let field = res.headers()["ratelimit"].to_str().unwrap().to_string();
    assert!(field.starts_with("\"per-address\";r=0;t="), "{field}");
    let body = assert_problem(res, 429);
    assert!(body["detail"].as_str().unwrap().contains("retry in"));
    assert!(body["request_id"].is_string());
    assert_problem(app.get("/v1/nothing"), 429);
}

#[test]
fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let app = spawn_app_tuned(Backend::Sqlite, Some(&fixture()), |c| {
        c.rate_limit_per_minute = 1;
        c.rate_limit_burst = 15;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    });
    for _ in 0..15 {
        assert_eq!(app.get_with("/v1/plans", "X-Forwarded-For", "198.51.100.7").status(), 200);
    }
    assert_problem(app.get_with("/v1/plans", "X-Forwarded-For", "198.51.100.7"), 429);
    // Another client behind the same proxy has its own quota.
    assert_eq!(app.get_with("/v1/plans", "X-Forwarded-For", "198.51.100.8").status(), 200);
}

#[test]
fn a_client_too_slow_to_send_its_request_is_cut_off() {
    let app = spawn_app_tuned(Backend::Sqlite, Some(&fixture()), |c| {
        c.request_timeout = Duration::from_secs(1);
    });
    let addr = app.addr.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // Half a request head, then silence (slowloris).
    stream.write_all(b"GET /v1/plans HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(4), "held for {waited:?}");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    // The server still answers others.
    assert_eq!(app.get("/v1/plans").status(), 200);
}

/// `serve` needs only read access: a write through a serving connection
/// fails on both backends, even after trying to lift the read-only setting.
#[test]
fn serving_connections_cannot_write() {
    use diesel::RunQueryDsl;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = crate::helpers::spawn_app(backend);
        let before = app.json("/v1/plans")["total"].clone();
        let pool = gagt::db::serving_pool(&app.db.url, 1, Duration::from_secs(5), Duration::from_secs(10)).unwrap();
        let mut conn = pool.get().unwrap();
        let conn: &mut gagt::db::DbConnection = &mut conn;
        assert!(diesel::sql_query("DELETE FROM plan_risks").execute(conn).is_err(), "{backend:?}: delete");
        assert!(diesel::sql_query("CREATE TABLE intruder (x INTEGER)").execute(conn).is_err(), "{backend:?}: create");
        // Lifting the read-only switch is not enough.
        let lift = match backend {
            Backend::Sqlite => "PRAGMA query_only = OFF",
            Backend::Postgres => "SET default_transaction_read_only = off",
        };
        let _ = diesel::sql_query(lift).execute(conn);
        assert!(diesel::sql_query("DELETE FROM plan_risks").execute(conn).is_err(), "{backend:?}: delete after {lift}");
        assert_eq!(app.json("/v1/plans")["total"], before);
    }
}

/// Back-pressure: when every database connection is busy, a request gets 503
/// with Retry-After after the pool's wait, instead of hanging.
#[test]
fn an_exhausted_pool_answers_503_in_bounded_time() {
    let db = crate::helpers::TestDb::new(Backend::Sqlite);
    let snapshots = tempfile::tempdir().unwrap();
    let mut config = gagt::config::Config::new(db.url.clone(), snapshots.path());
    config.bundled_dataset = Some(fixture());
    config.workers = 1;
    gagt::prepare(&config).unwrap();
    let pool = gagt::db::serving_pool(&db.url, 1, Duration::from_millis(500), Duration::from_secs(10)).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let served = pool.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let (server, watch) = gagt::serve_with_pool(config, listener, served).unwrap();
            tx.send(server.handle()).unwrap();
            let stopped = server.await;
            watch.stop_polling();
            stopped
        })
    });
    let handle = rx.recv().unwrap();
    let client = reqwest::blocking::Client::new();
    // Every connection busy (this test holds the only one).
    let held = pool.get().unwrap();
    let started = Instant::now();
    let res = client.get(format!("{addr}/v1/commitments?limit=3")).send().unwrap();
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 503);
    // Once a connection is free again, the same request succeeds.
    drop(held);
    assert_eq!(client.get(format!("{addr}/v1/commitments?limit=3")).send().unwrap().status(), 200);
    let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false))).join();
}

/// A statement that runs past the statement timeout is cancelled (by
/// PostgreSQL's `statement_timeout`, by the progress handler on SQLite), the
/// API turns that into 503 with Retry-After, not a 500, and the connection
/// serves the next statement.
fn statement_past_the_timeout(backend: Backend, slow: &str) {
    use actix_web::ResponseError;
    use diesel::RunQueryDsl;
    let db = crate::helpers::TestDb::new(backend);
    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut conn).unwrap();
    drop(conn);
    let fast = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000) SELECT count(*) FROM c";
    let pool = gagt::db::serving_pool(&db.url, 1, Duration::from_secs(5), Duration::from_millis(300)).unwrap();
    let mut conn = pool.get().unwrap();
    let conn: &mut gagt::db::DbConnection = &mut conn;
    let started = std::time::Instant::now();
    let err = diesel::sql_query(slow).execute(conn).unwrap_err();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(250), "cancelled too early ({took:?}): {err}");
    assert!(took < Duration::from_secs(3), "the statement was not cut off: {err}");
    let api = gagt::api::error::ApiError::from(err);
    assert_eq!(api.status_code(), 503, "{api:?}");
    let res = api.error_response();
    assert_eq!(res.headers().get("retry-after").unwrap(), "5");
    assert!(api.problem().detail.contains("took longer than the server allows"), "{:?}", api.problem().detail);
    // The connection is still good, and each statement is timed from its own
    // start: short ones spread over more than the limit all pass.
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(150));
        diesel::sql_query(fast).execute(conn).unwrap();
    }
    // Idle past the limit while another connection changes the schema: the
    // next statement (SQLite reloads the schema before preparing it) is
    // timed from its own start, not from the last statement's.
    std::thread::sleep(Duration::from_millis(400));
    let mut writer = gagt::db::open_for_writing(&db.url).unwrap();
    diesel::sql_query("CREATE TABLE timeout_probe (x INTEGER)").execute(&mut writer).unwrap();
    drop(writer);
    diesel::sql_query(fast).execute(conn).unwrap();
}

#[test]
fn a_statement_past_the_timeout_is_cancelled_and_answered_503_on_postgres() {
    statement_past_the_timeout(Backend::Postgres, "SELECT pg_sleep(5)");
}

#[test]
fn a_statement_past_the_timeout_is_cancelled_and_answered_503_on_sqlite() {
    // About a minute of work when nothing stops it.
    statement_past_the_timeout(
        Backend::Sqlite,
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) SELECT count(*) FROM c",
    );
}
