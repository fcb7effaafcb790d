//! What an attack on the running service must not break (issue 14): a
//! revision never briefly mixed, slow clients that cannot take the API
//! down, connection floods that cannot exhaust the server.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::*;

const RENAMED: &str = " (revisado)";

/// The fixture with one plan's title changed: a second revision whose
/// responses differ visibly.
fn renamed_fixture(dir: &std::path::Path) {
    copy_dataset(&fixture(), dir);
    let path = dir.join("plans.csv");
    let csv = std::fs::read_to_string(&path).unwrap();
    let old = "6º Plan de Acción Nacional de Gobierno Abierto 2023-2025,";
    assert!(csv.contains(old));
    std::fs::write(&path, csv.replacen(old, &format!("{}{RENAMED},", &old[..old.len() - 1]), 1)).unwrap();
}

/// Clients hammer the API while an import commits a new revision, and the
/// revision poll is too slow to notice it by itself: every answer's ETag
/// names the revision its body comes from.
fn an_import_while_clients_read_never_mixes_two_revisions(backend: Backend) {
    let app = Arc::new(spawn_app_tuned(backend, Some(&fixture()), |c| {
        c.revision_poll = Duration::from_secs(3600);
        c.response_cache_bytes = 0;
        c.pool_size = 6;
    }));
    let next = tempfile::tempdir().unwrap();
    renamed_fixture(next.path());
    let stop = Arc::new(AtomicBool::new(false));
    // (revision in the ETag, whether the body has the new title)
    let seen: Arc<Mutex<Vec<(i32, bool, String)>>> = Arc::default();
    let readers: Vec<_> = (0..4)
        .map(|i| {
            let (app, stop, seen) = (app.clone(), stop.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    // Distinct URLs: nothing answered from a cache.
                    let path = match i % 2 {
                        0 => "/v1/plans/gt-ogp-nap6".to_string(),
                        _ => format!("/v1/plans?limit={}", 10 + n % 50),
                    };
                    let res = app.get(&path);
                    if res.status() == 503 {
                        continue;
                    }
                    assert_eq!(res.status(), 200, "{path}");
                    let etag = res.headers()["etag"].to_str().unwrap().to_string();
                    let rev: i32 = etag.trim_matches('"')[1..].split('-').next().unwrap().parse().unwrap();
                    let body = res.text().unwrap();
                    seen.lock().unwrap().push((rev, body.contains(RENAMED), path));
                }
            })
        })
        .collect();
    // Readers see revision 1, then the import, then read on until revision 2
    // answers (waiting on what happens, not on the clock: a loaded machine
    // is only slower).
    let answered = |rev: i32| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !seen.lock().unwrap().iter().any(|(r, _, _)| *r == rev) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    answered(1);
    let mut conn = gagt::db::open_for_writing(&app.db.url).unwrap();
    let (outcome, _) = gagt::import::import_dir(&mut conn, next.path(), false).unwrap();
    assert_eq!(outcome, gagt::import::Outcome::Created(2));
    answered(2);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    let seen = seen.lock().unwrap();
    let mixed: Vec<_> = seen.iter().filter(|(rev, renamed, _)| (*rev == 2) != *renamed).collect();
    assert!(mixed.is_empty(), "{} of {} answers mix revisions, e.g. {:?}", mixed.len(), seen.len(), mixed.first());
    for rev in [1, 2] {
        assert!(seen.iter().any(|(r, _, _)| *r == rev), "no answer from revision {rev}");
    }
    // The requests themselves told the server of the new revision.
    assert_eq!(app.watch.get().map(|r| r.number), Some(2));
}

#[test]
fn an_import_while_clients_read_never_mixes_two_revisions_on_sqlite() {
    an_import_while_clients_read_never_mixes_two_revisions(Backend::Sqlite);
}

#[test]
fn an_import_while_clients_read_never_mixes_two_revisions_on_postgres() {
    an_import_while_clients_read_never_mixes_two_revisions(Backend::Postgres);
}

/// A raw connection to the app, for what reqwest will not do (half-sent
/// heads, unread responses).
fn connect(app: &TestApp) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(app.addr.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

fn send(s: &mut std::net::TcpStream, text: &str) {
    use std::io::Write;
    s.write_all(text.as_bytes()).unwrap();
}

/// Read one whole response with a Content-Length body; returns its head.
fn read_response(s: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "connection closed mid-head: {}", String::from_utf8_lossy(&buf));
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap()))
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    head
}

/// How long until the server closes the connection (EOF or reset).
fn until_closed(s: &mut std::net::TcpStream) -> Duration {
    use std::io::Read;
    let t = std::time::Instant::now();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return t.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                panic!("still open after {:?}", t.elapsed())
            }
            Err(_) => return t.elapsed(),
        }
    }
}

const GET: &str = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";

fn fast_heads(c: &mut gagt::config::Config) {
    c.request_timeout = Duration::from_secs(1);
}

#[test]
fn a_later_request_head_on_a_kept_alive_connection_has_the_same_deadline() {
    let app = spawn_app_tuned(Backend::Sqlite, Some(&fixture()), fast_heads);
    let mut s = connect(&app);
    send(&mut s, GET);
    assert!(read_response(&mut s).starts_with("HTTP/1.1 200"));
    // The second request's head never ends.
    send(&mut s, "GET /healthz HTTP/1.1\r\nHost: t\r\n");
    let open = until_closed(&mut s);
    assert!(open < Duration::from_secs(4), "a partial second head kept the connection {open:?}");
}

#[test]
fn a_head_dribbled_byte_by_byte_is_cut_at_the_deadline() {
    let app = spawn_app_tuned(Backend::Sqlite, Some(&fixture()), fast_heads);
    let mut s = connect(&app);
    send(&mut s, GET);
    assert!(read_response(&mut s).starts_with("HTTP/1.1 200"));
    let t = std::time::Instant::now();
    let mut cut = false;
    for b in "GET /healthz HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".bytes() {
        use std::io::Write;
        if s.write_all(&[b]).is_err() {
            cut = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    let open = if cut { t.elapsed() } else { t.elapsed() + until_closed(&mut s) };
    assert!(open < Duration::from_secs(4), "a dribbled head kept the connection {open:?}");
}

#[test]
fn a_client_that_pauses_between_requests_is_not_cut() {
    let app = spawn_app_tuned(Backend::Sqlite, Some(&fixture()), fast_heads);
    let mut s = connect(&app);
    for _ in 0..3 {
        send(&mut s, GET);
        assert!(read_response(&mut s).starts_with("HTTP/1.1 200"));
        // Longer than the head deadline, shorter than keep-alive.
        std::thread::sleep(Duration::from_millis(1600));
    }
}

#[test]
fn a_429_closes_the_connection() {
    let app = spawn_app_tuned(Backend::Sqlite, Some(&fixture()), |c| {
        // One request, earned back after a minute: no machine is that slow.
        c.rate_limit_per_minute = 1;
        c.rate_limit_burst = 1;
    });
    let mut s = connect(&app);
    send(&mut s, GET);
    assert!(read_response(&mut s).starts_with("HTTP/1.1 200"));
    send(&mut s, GET);
    let head = read_response(&mut s);
    assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
    assert!(until_closed(&mut s) < Duration::from_secs(2));
}

#[test]
fn connections_are_capped_per_address_and_in_total() {
    let app = spawn_app_tuned(Backend::Sqlite, Some(&fixture()), |c| {
        c.max_connections_per_address = 3;
        c.max_connections = 4;
    });
    let held: Vec<_> = (0..3).map(|_| connect(&app)).collect();
    std::thread::sleep(Duration::from_millis(200));
    // A fourth from the same address: answered 429 at once, and closed.
    let mut fourth = connect(&app);
    send(&mut fourth, GET);
    let head = read_response(&mut fourth);
    assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    assert!(until_closed(&mut fourth) < Duration::from_secs(2));
    // Other addresses are still served (the client keeps its connection).
    let other = |ip: &str| {
        reqwest::blocking::Client::builder().local_address(ip.parse::<std::net::IpAddr>().unwrap()).build().unwrap()
    };
    let second = other("127.0.0.2");
    let res = second.get(app.url("/healthz")).send().unwrap();
    assert_eq!(res.status(), 200);
    res.text().unwrap();
    // Four open in all: past the total, 503 for anyone.
    let res = other("127.0.0.3").get(app.url("/healthz")).send();
    match res {
        Ok(r) => assert_eq!(r.status(), 503),
        Err(e) => panic!("expected a 503 answer past the total cap: {e}"),
    }
    // A closed connection gives its slot back.
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    let mut again = connect(&app);
    send(&mut again, GET);
    assert!(read_response(&mut again).starts_with("HTTP/1.1 200"));
}

/// Slow readers of whole-list streams (more of them than the pool has
/// connections) cannot starve item requests: streams are capped below the
/// pool, and a stream whose client stops reading is cut.
#[test]
fn slow_stream_readers_cannot_take_the_pool() {
    let app = spawn_app_tuned(Backend::Sqlite, None, |c| {
        c.pool_size = 2;
        c.pool_timeout = Duration::from_secs(10);
        c.write_timeout = Duration::from_secs(2);
        c.stream_chunk_rows = 200;
        // The slow clients come through a trusted proxy, each its own address.
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    });
    // 10,000 progress updates: several megabytes of CSV, more than socket buffers hold.
    let data = tempfile::tempdir().unwrap();
    gagt::import::export::write_dir(&gagt::synthetic::generate(1), data.path()).unwrap();
    app.import(data.path());
    let slow: Vec<_> = (0..4)
        .map(|i| {
            let mut s = connect(&app);
            send(
                &mut s,
                &format!(
                    "GET /v1/progress-updates.csv?all=1 HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 198.51.100.{i}\r\n\r\n"
                ),
            );
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    // Item requests still find a connection, well before the pool timeout.
    for _ in 0..10 {
        let t = std::time::Instant::now();
        let res = app.get("/v1/plans?limit=1");
        assert_eq!(res.status(), 200);
        assert!(t.elapsed() < Duration::from_secs(5), "an item request waited {:?}", t.elapsed());
    }
    // One stream was admitted (half the pool); the others were told to retry.
    let mut statuses = Vec::new();
    for mut s in slow {
        use std::io::Read;
        let mut head = [0u8; 12];
        s.read_exact(&mut head).unwrap();
        let status = String::from_utf8_lossy(&head[9..12]).to_string();
        if status == "200" {
            // Its client reads nothing more: cut once nothing could be written for the write timeout.
            // Without a send deadline it would stay open for good; the bound
            // is loose so that a loaded machine does not fail it.
            s.set_read_timeout(Some(Duration::from_secs(90))).unwrap();
            let open = until_closed(&mut s);
            assert!(open < Duration::from_secs(60), "a stalled stream stayed open {open:?}");
        }
        statuses.push(status);
    }
    statuses.sort();
    assert_eq!(statuses, ["200", "503", "503", "503"]);
    // The cut stream gave its slot and its connection back.
    let res = app.get("/v1/progress-updates.csv?all=1");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().unwrap().lines().count(), 10_001);
}

/// On PostgreSQL a serving session that sits in a transaction is ended by
/// the server itself.
#[test]
fn serving_sessions_cannot_idle_in_a_transaction_for_long() {
    let db = TestDb::new(Backend::Postgres);
    let mut w = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut w).unwrap();
    let pool = gagt::db::serving_pool(&db.url, 1, Duration::from_secs(2), Duration::from_secs(10)).unwrap();
    let mut conn = pool.get().unwrap();
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        idle_in_transaction_session_timeout: String,
    }
    use diesel::RunQueryDsl;
    let gagt::db::DbConnection::Pg(pg) = &mut *conn else { panic!("a PostgreSQL connection") };
    let s: Setting = diesel::sql_query("SHOW idle_in_transaction_session_timeout").get_result(pg).unwrap();
    assert_eq!(s.idle_in_transaction_session_timeout, "1min");
}

/// RFC 9110 on downloads: a stale `If-Range` gets the whole new file, not a
/// piece of it; `If-Match` and `If-Unmodified-Since` are checked; 412 and
/// 416 are problem documents.
#[test]
fn downloads_follow_rfc_9110_conditionals_and_ranges() {
    let app = shared_app(Backend::Sqlite);
    let url = "/v1/downloads/latest/commitments.csv";
    let full = app.get(url);
    let etag = full.headers()["etag"].to_str().unwrap().to_string();
    let modified = full.headers()["last-modified"].to_str().unwrap().to_string();
    let body = full.bytes().unwrap();
    // If-Range naming this file: the range; naming an older one: all of it.
    let part = app.client.get(app.url(url)).header("Range", "bytes=0-9").header("If-Range", &etag).send().unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().unwrap().len(), 10);
    for stale in ["\"0123456789abcdef0123456789abcdef\"", "Tue, 01 Jan 2019 00:00:00 GMT", "W/\"x\""] {
        let res = app.client.get(app.url(url)).header("Range", "bytes=0-9").header("If-Range", stale).send().unwrap();
        assert_eq!(res.status(), 200, "If-Range: {stale}");
        assert!(res.headers().get("content-range").is_none());
        assert_eq!(res.bytes().unwrap(), body);
    }
    let by_date = app.client.get(app.url(url)).header("Range", "bytes=0-9").header("If-Range", &modified).send();
    assert_eq!(by_date.unwrap().status(), 206);
    // If-Match: only this file's tag (or *) lets the request through.
    assert_eq!(app.get_with(url, "If-Match", &etag).status(), 200);
    assert_eq!(app.get_with(url, "If-Match", "*").status(), 200);
    let p = assert_problem(app.get_with(url, "If-Match", "\"something-else\""), 412);
    assert!(p["detail"].as_str().unwrap().contains("If-Match"), "{p}");
    assert_problem(app.get_with(url, "If-Unmodified-Since", "Tue, 01 Jan 2019 00:00:00 GMT"), 412);
    assert_eq!(app.get_with(url, "If-Unmodified-Since", &modified).status(), 200);
    // 416 says how long the file is, as a problem.
    let res = app.get_with(url, "Range", &format!("bytes={}-", body.len() + 10));
    assert_eq!(res.headers()["content-range"].to_str().unwrap(), format!("bytes */{}", body.len()));
    assert_problem(res, 416);
    // A Range that is not valid syntax is ignored.
    assert_eq!(app.get_with(url, "Range", "lines=1-2").status(), 200);
}

/// Requests the HTTP parser refuses (raw bytes a request may not contain,
/// too many headers, a huge URI) and CORS preflights for other methods get
/// problem documents, not bare or plain-text answers.
#[test]
fn what_the_parser_refuses_is_answered_as_a_problem() {
    let app = shared_app(Backend::Sqlite);
    let many: String = (0..120).map(|i| format!("X-H{i}: v\r\n")).collect();
    let huge = format!("GET /v1/plans?q={} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(66_000));
    for (name, raw) in [
        ("raw bytes", "GET /v1/pl\u{1}ans HTTP/1.1\r\nHost: t\r\n\r\n".to_string()),
        ("many headers", format!("GET /v1/plans HTTP/1.1\r\nHost: t\r\n{many}\r\n")),
        ("huge URI", huge),
    ] {
        let mut s = connect(app);
        send(&mut s, &raw);
        let head = read_response(&mut s);
        let status: u16 = head[9..12].parse().unwrap();
        assert!((400..500).contains(&status), "{name}: {head}");
        assert!(head.to_ascii_lowercase().contains("content-type: application/problem+json"), "{name}: {head}");
    }
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/plans"))
        .header("Origin", "https://example.org")
        .header("Access-Control-Request-Method", "DELETE")
        .send()
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_problem(res, 400);
}

/// An empty parameter value is refused, not read as absent (schemathesis'
/// negative-data check sends them).
#[test]
fn an_empty_parameter_value_is_refused_by_name() {
    let app = shared_app(Backend::Sqlite);
    for (path, name) in [("/v1/plans?format=", "format"), ("/v1/quality-findings?kind=", "kind"), ("/v1?bom=", "bom")] {
        let p = assert_problem(app.get(path), 400);
        assert_eq!(p["invalid_params"][0]["name"], name, "{path}");
    }
}
