//! Prepared items: each record's JSON detail and CSV, written once per
//! revision in the background, answer a plain `GET /v1/{collection}/{id}`
//! (and `.csv`, and the record's page) with the very bytes the database
//! path builds, without touching the database; a new revision is never
//! answered from the old one's. JSON list pages take their records from
//! the same store, again with the very bytes of the database path.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::helpers::{bundled, spawn_app_tuned, Backend, TestApp};

const COLLECTIONS: [&str; 7] =
    ["plans", "commitments", "milestones", "progress-updates", "institutions", "quality-findings", "source-documents"];

fn spawn(backend: Backend) -> TestApp {
    spawn_app_tuned(backend, Some(&bundled()), |c| {
        c.prepared_dir = Some(c.snapshot_dir.with_file_name("prepared"));
        // Every answer computed: none comes from the response cache.
        c.response_cache_bytes = 0;
    })
}

/// Wait until `/readyz` says the items of `revision` are prepared; how many.
fn prepared(app: &TestApp, revision: i32) -> u64 {
    let began = Instant::now();
    loop {
        let ready = app.json("/readyz");
        if ready["revision"] == revision {
            if let Some(n) = ready["prepared_items"].as_u64() {
                return n;
            }
        }
        assert!(began.elapsed() < Duration::from_secs(120), "revision {revision}'s items were not prepared: {ready}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every id of a collection, through its pages.
fn ids(app: &TestApp, collection: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = Some(format!("/v1/{collection}?limit=1000"));
    while let Some(path) = next {
        let page = app.json(&path);
        out.extend(page["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()));
        next = page["next"].as_str().map(|n| n.trim_start_matches(&app.addr).to_string());
    }
    out
}

fn encode(id: &str) -> String {
    id.replace('%', "%25").replace(':', "%3A")
}

fn check(backend: Backend) {
    let app = spawn(backend);
    let records = prepared(&app, 1);
    let (mut seen, mut pages) = (0, Vec::new());
    for collection in COLLECTIONS {
        let ids = ids(&app, collection);
        assert!(!ids.is_empty(), "{collection}");
        for id in ids {
            let path = format!("/v1/{collection}/{}", encode(&id));
            // `format=json` asks for the same representation, built from the database.
            let live = app.get(&format!("{path}?format=json"));
            assert_eq!(live.status(), 200, "{path}");
            let (live_type, live_tag) = (live.headers()["content-type"].clone(), live.headers()["etag"].clone());
            let live = live.bytes().unwrap();
            let before = app.watch.db_calls.load(Ordering::Relaxed);
            let res = app.get(&path);
            assert_eq!(app.watch.db_calls.load(Ordering::Relaxed), before, "{path} was read from the database");
            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(res.headers()["content-type"], live_type);
            assert!(res.headers()["etag"].to_str().unwrap().starts_with("\"r1-"), "{path}");
            assert_ne!(res.headers()["etag"], live_tag, "another URL, another tag");
            assert!(res.bytes().unwrap() == live, "{path}: the prepared detail differs from the database's");
            seen += 1;

            // The record's CSV likewise, with its file's name.
            let live = app.get(&format!("{path}?format=csv"));
            assert_eq!(live.status(), 200, "{path}.csv");
            let live_name = live.headers()["content-disposition"].clone();
            let live = live.bytes().unwrap();
            let before = app.watch.db_calls.load(Ordering::Relaxed);
            let res = app.get(&format!("{path}.csv"));
            assert_eq!(app.watch.db_calls.load(Ordering::Relaxed), before, "{path}.csv was read from the database");
            assert_eq!(res.status(), 200, "{path}.csv");
            assert_eq!(res.headers()["content-disposition"], live_name);
            assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
            assert!(res.bytes().unwrap() == live, "{path}.csv: the prepared CSV differs from the database's");
            pages.push((collection, id));
        }
    }
    assert_eq!(records, seen, "every record is prepared, and nothing else");

    // Record pages drawn from the prepared detail are those drawn from the
    // database, by a server on the same database that prepares nothing.
    let mut config = app.config.clone();
    config.prepared_dir = None;
    let plain = crate::helpers::Server::start(config);
    for (collection, id) in pages.iter().step_by(5) {
        let names = gagt::api::pages::names_of(collection).unwrap();
        for base in [format!("/{}", names.es), format!("/en/{}", names.en)] {
            let path = format!("{base}/{}", encode(id));
            let before = app.watch.db_calls.load(Ordering::Relaxed);
            let pages_before = app.watch.prepared_pages.load(Ordering::Relaxed);
            let res = app.get(&path);
            let from_store = app.watch.db_calls.load(Ordering::Relaxed) == before;
            assert_eq!(from_store, *collection != "source-documents", "{path}");
            // Kept as a page (not drawn from the prepared detail); a source document's page shows a stretch of lines.
            let kept = app.watch.prepared_pages.load(Ordering::Relaxed) - pages_before;
            assert_eq!(kept, u64::from(from_store), "{path}");
            assert_eq!(res.status(), 200, "{path}");
            let expected = plain.get(&path);
            assert_eq!(expected.status(), 200, "{path}");
            for h in ["content-type", "content-security-policy", "content-language"] {
                assert_eq!(res.headers().get(h), expected.headers().get(h), "{path}: {h}");
            }
            assert!(res.text().unwrap() == expected.text().unwrap(), "{path}: the page differs");
        }
    }

    // JSON list pages whose records come from the store are the pages the
    // database builds: filters, sorts (nullable ones too), facets, cursors.
    let lists = [
        "/v1/plans?limit=1",
        "/v1/commitments?limit=7",
        "/v1/commitments?plan=gt-ogp-nap6&sort=-reported_progress&limit=5&facets=plan",
        "/v1/commitments?sort=computed_progress&limit=9",
        "/v1/commitments?sort=-milestone_count&limit=8",
        "/v1/milestones?limit=13&sort=-end_date",
        "/v1/milestones?plan=gt-ogp-nap6&sort=start_date&limit=11",
        "/v1/milestones?sort=-latest_progress&limit=17&facets=plan",
        "/v1/progress-updates?limit=19",
        "/v1/progress-updates?sort=-percent&limit=23&facets=plan",
        "/v1/progress-updates?plan=gt-ogp-nap6&sort=reported_at&limit=29",
        "/v1/progress-updates?q=reunion&limit=3",
        "/v1/institutions?limit=31",
        "/v1/quality-findings?limit=37",
        "/v1/source-documents",
    ];
    // Filtered by kept filters alone, in the default order: found in the
    // store without the database's list query (and the same bytes).
    let indexed = [
        "/v1/milestones?status=started&limit=12",
        "/v1/commitments?status=no_data&limit=6",
        "/v1/milestones?plan=gt-ogp-nap6&status=started&limit=2",
        "/v1/milestones?status=not_started&limit=9",
        "/v1/commitments?institution=mspas&limit=2",
        "/v1/commitments?institution=MSPAS&plan=gt-ogp-nap6&limit=1",
        "/v1/commitments?plan=gt-ogp-nap6&status=started&limit=4",
        "/v1/progress-updates?plan=gt-ogp-nap6&limit=7",
    ];
    let before = app.watch.prepared_lists.load(Ordering::Relaxed);
    let indexed_before = app.watch.indexed_lists.load(Ordering::Relaxed);
    let (mut written, mut found) = (0, 0);
    for first in lists.into_iter().chain(indexed) {
        let (mut next, mut records, mut total) = (Some(first.to_string()), 0, None);
        while let Some(path) = next {
            let (res, expected) = (app.get(&path), plain.get(&path));
            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(res.headers()["x-total-count"], expected.headers()["x-total-count"], "{path}");
            let (body, expected) = (res.bytes().unwrap(), expected.bytes().unwrap());
            assert!(body == expected, "{path}: the page differs:\n{body:?}\n{expected:?}");
            let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(!page["data"].as_array().unwrap().is_empty(), "{path}");
            records += page["data"].as_array().unwrap().len();
            total = total.or(page["total"].as_u64());
            written += 1;
            found += usize::from(indexed.contains(&first));
            next = page["next"].as_str().map(|n| n.trim_start_matches(&app.addr).to_string());
        }
        // The total (for one plan or status, the count the import kept) is what the pages hold.
        assert_eq!(total, Some(records as u64), "{first}");
    }
    assert!(written > 20, "{written} pages");
    assert_eq!(app.watch.prepared_lists.load(Ordering::Relaxed) - before, written, "every page came from the store");
    assert!(found > indexed.len(), "{found} pages");
    assert_eq!(app.watch.indexed_lists.load(Ordering::Relaxed) - indexed_before, found as u64);
    assert_eq!(plain.watch.prepared_lists.load(Ordering::Relaxed), 0);
    // CSV pages and pages for people are written from the database.
    app.get("/v1/commitments.csv?limit=5");
    app.get("/compromisos?limit=5");
    assert_eq!(app.watch.prepared_lists.load(Ordering::Relaxed) - before, written);
    drop(plain);

    // Other representations and unknown ids still come from the database.
    for path in ["/v1/plans/gt-ogp-nap6.xlsx", "/v1/plans/gt-ogp-nap6?format=json", "/v1/plans/no-such-plan"] {
        let before = app.watch.db_calls.load(Ordering::Relaxed);
        app.get(path);
        assert!(app.watch.db_calls.load(Ordering::Relaxed) > before, "{path}");
    }
    let res = app.get("/v1/plans/no-such-plan");
    assert_eq!(res.status(), 404);

    // A new revision: its items are answered from the database until its
    // own are prepared, never from the previous revision's.
    let dir = tempfile::tempdir().unwrap();
    crate::helpers::copy_dataset(&bundled(), dir.path());
    let path = dir.path().join("plans.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replacen("6º PAN Gobierno Abierto", "6º PAN de Gobierno Abierto", 1);
    assert_ne!(changed, text);
    std::fs::write(&path, changed).unwrap();
    let r2 = app.import(dir.path());
    let after = app.json("/v1/plans/gt-ogp-nap6");
    assert_eq!(after["short_name"], "6º PAN de Gobierno Abierto");
    assert_eq!(after, app.json("/v1/plans/gt-ogp-nap6?format=json"));
    prepared(&app, r2);
    let res = app.get("/v1/plans/gt-ogp-nap6");
    assert!(res.headers()["etag"].to_str().unwrap().starts_with(&format!("\"r{r2}-")));
    assert_eq!(res.json::<serde_json::Value>().unwrap(), after);
    let files: Vec<_> = std::fs::read_dir(app.config.prepared_dir.as_ref().unwrap()).unwrap().flatten().collect();
    // The store is an SQLite file and its list records' file.
    assert_eq!(files.len(), 2, "the previous revision's store is removed: {files:?}");
    assert!(files.iter().all(|f| f.file_name().to_string_lossy().contains(&format!("-r{r2}-"))), "{files:?}");
}

#[test]
fn sqlite() {
    check(Backend::Sqlite);
}

#[test]
fn postgres() {
    check(Backend::Postgres);
}
