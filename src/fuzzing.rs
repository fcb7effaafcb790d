//! The bodies of the fuzz targets in `fuzz/` (cargo-fuzz), shared with the
//! regression test that replays every input kept in `fuzz/regressions/`.
//! Each function takes arbitrary bytes and panics when a promise breaks: no
//! panic anywhere in the parsers, values inside their documented ranges,
//! round trips that hold, and over HTTP no 5xx and every error a problem.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex, OnceLock};

use crate::api::http::negotiate::RepresentationParams;
use crate::api::http::pagination::PageParams;
use crate::api::http::pagination::{decode_cursor, encode_cursor};
use crate::api::http::params::{from_query, Day, Percent, Since, Terms};
use crate::api::http::query::{QueryArgs, MAX_LIMIT, MAX_QUERY_LEN};
use crate::import::{self, Dataset, ImportError};
use crate::models::list::SortValue;

/// Every query parameter name of the API, as its OpenAPI document lists them.
fn allowed() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let doc = serde_json::to_value(crate::api::openapi()).expect("the OpenAPI document serialises");
        let mut names: Vec<String> = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(|item| item.as_object())
            .flat_map(|ops| ops.values())
            .flat_map(|op| op["parameters"].as_array().cloned().unwrap_or_default())
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

/// Query-string parsing: `QueryArgs::parse_str` and the value accessors.
pub fn query(data: &[u8]) {
    let Ok(qs) = std::str::from_utf8(data) else { return };
    let allowed = allowed();
    let Ok(args) = QueryArgs::parse_str(qs, allowed) else { return };
    if let Ok(p) = from_query::<PageParams>(&args) {
        let limit = p.limit();
        assert!((1..=MAX_LIMIT).contains(&limit), "limit {limit} out of range");
    }
    let _ = from_query::<RepresentationParams>(&args);
    // The query string we write into `next` links parses back to the same
    // parameters, with the new cursor.
    let next = args.with_cursor("c_1-Z");
    let again = QueryArgs::parse_str(&next, allowed).unwrap_or_else(|e| panic!("{next:?} does not parse: {e:?}"));
    assert_eq!(again.str("cursor"), Some("c_1-Z"));
    for name in allowed.iter().filter(|n| *n != "cursor") {
        assert_eq!(args.str(name), again.str(name), "{name} changed through {next:?}");
    }
    assert_eq!(args.fingerprint(), again.fingerprint());
}

/// The typed filter values the collections use.
#[derive(serde::Deserialize)]
struct Probe {
    progress_min: Option<Percent>,
    start_from: Option<Day>,
    updated_since: Option<Since>,
    q: Option<Terms>,
}

/// Filter values: percentages, dates, times, search terms.
pub fn filters(data: &[u8]) {
    let Ok(value) = std::str::from_utf8(data) else { return };
    if value.len() * 5 + 64 > MAX_QUERY_LEN {
        return; // too long for a query string: refused, as tested elsewhere
    }
    let qs = serde_urlencoded::to_string([
        ("progress_min", value),
        ("start_from", value),
        ("updated_since", value),
        ("q", value),
        ("limit", value),
    ])
    .expect("encodable");
    let args = QueryArgs::parse_str(&qs, allowed()).unwrap_or_else(|e| panic!("{qs:?} does not parse: {e:?}"));
    assert_eq!(args.str("q"), Some(value).filter(|v| !v.is_empty()), "the value changed in transit");
    // Each typed value on its own: one bad value refuses the whole query.
    let one = |name: &str| {
        let qs = serde_urlencoded::to_string([(name, value)]).expect("encodable");
        QueryArgs::parse_str(&qs, allowed()).expect("parses")
    };
    if let Ok(Probe { progress_min: Some(Percent(h)), .. }) = from_query(&one("progress_min")) {
        assert!((0..=10000).contains(&h));
        assert_eq!(crate::percent::parse_hundredths(&crate::percent::format_hundredths(h)), Some(h));
    }
    if let Ok(Probe { start_from: Some(Day(d)), .. }) = from_query(&one("start_from")) {
        assert_eq!(d.len(), 10);
    }
    if let Ok(Probe { updated_since: Some(Since(t)), .. }) = from_query(&one("updated_since")) {
        assert!(chrono::DateTime::parse_from_rfc3339(&t).is_ok(), "{t} is not RFC 3339");
    }
    if let Ok(Probe { q: Some(Terms(terms)), .. }) = from_query(&one("q")) {
        for t in &terms {
            assert!(!t.is_empty() && !t.contains(' '), "term {t:?}");
            assert_eq!(&crate::text::fold(t), t, "term {t:?} is not folded");
        }
    }
    let folded = crate::text::fold(value);
    assert_eq!(crate::text::fold(&folded), folded, "folding is not idempotent");
    let _ = crate::import::platform::parse_date(value);
    let _ = crate::import::platform::links(value);
}

/// The key cursors are signed with in these checks.
const FUZZ_KEY: &[u8] = b"fuzz";

/// Cursors: foreign or edited ones are refused, issued ones come back intact.
pub fn cursor(data: &[u8]) {
    let allowed = allowed();
    let (&mode, rest) = data.split_first().unwrap_or((&0, &[]));
    let Ok(text) = std::str::from_utf8(rest) else { return };
    if text.is_empty() {
        return; // empty values are refused by name before any cursor is read
    }
    if mode % 2 == 0 {
        // An arbitrary cursor: refused unless it decodes to what we would issue.
        let qs = serde_urlencoded::to_string([("cursor", text), ("sort", "-title")]).expect("encodable");
        let args = QueryArgs::parse_str(&qs, allowed).expect("parses").with_cursor_key(FUZZ_KEY);
        if let Ok(Some((v, i))) = decode_cursor("-title", &args) {
            let issued = encode_cursor("-title", &args, v.clone(), i.clone());
            let again =
                QueryArgs::parse_str(&args.with_cursor(&issued), allowed).expect("parses").with_cursor_key(FUZZ_KEY);
            assert_eq!(decode_cursor("-title", &again).ok().flatten(), Some((v, i)));
        }
    } else {
        // A cursor we issue for any last value and id decodes to them, and
        // only for the same sort and filters.
        let (v, i) = match mode % 6 {
            1 => (SortValue::Null, text.to_string()),
            3 => (SortValue::Int(text.len() as i64 * if mode > 128 { -1 } else { 1 }), text.to_string()),
            _ => (SortValue::Text(text.to_string()), text.chars().rev().collect()),
        };
        let filters = serde_urlencoded::to_string([("plan", text)]).expect("encodable");
        let args = QueryArgs::parse_str(&filters, allowed).expect("parses").with_cursor_key(FUZZ_KEY);
        let issued = encode_cursor("title", &args, v.clone(), i.clone());
        if issued.len() > crate::api::http::query::MAX_CURSOR_LEN {
            return; // the API's sort values and ids are short
        }
        let with = QueryArgs::parse_str(&args.with_cursor(&issued), allowed).expect("parses").with_cursor_key(FUZZ_KEY);
        let foreign = with.clone().with_cursor_key(b"another deployment");
        assert!(decode_cursor("title", &foreign).is_err(), "a cursor signed with another key is accepted");
        assert_eq!(decode_cursor("title", &with).ok().flatten(), Some((v, i)), "an issued cursor is refused");
        assert!(decode_cursor("-title", &with).is_err(), "a cursor is accepted for another sort");
        let other = QueryArgs::parse_str(&format!("{filters}&status=z&cursor={issued}"), allowed)
            .expect("parses")
            .with_cursor_key(FUZZ_KEY);
        assert!(decode_cursor("title", &other).is_err(), "a cursor is accepted for other filters");
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The tracking-platform report parser, and applying its result to the
/// bundled dataset as `import --report` does.
pub fn platform_report(data: &[u8]) {
    static BUNDLED: OnceLock<Dataset> = OnceLock::new();
    let ds = BUNDLED.get_or_init(|| {
        import::canonical::read_dir(&root().join("data/canonical")).expect("the bundled dataset reads")
    });
    let name = "002_51e5fa75739f974e.txt";
    let lines = data.split(|b| *b == b'\n').count();
    match import::apply_report(ds.clone(), name, data, "gt-ogp-nap6") {
        Ok(updated) => {
            assert!(import::canonical::validate(&updated).is_empty(), "an accepted report leaves problems");
        }
        Err(ImportError::Invalid(problems)) => {
            assert!(!problems.is_empty(), "refused without a problem");
            for p in &problems {
                assert_eq!(p.file, name);
                assert!(p.line <= lines, "problem on line {} of {lines}: {p}", p.line);
                assert!(!p.field.is_empty() && !p.message.is_empty(), "vague problem: {p}");
            }
        }
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// A request as the fuzzer shapes it and what came back.
type Exchange = (String, Vec<(String, String)>, mpsc::Sender<(u16, String, Vec<u8>)>);

/// One in-process app on the bundled data (SQLite), shared by every input:
/// requests travel to its thread over a channel.
fn app() -> &'static Mutex<mpsc::Sender<Exchange>> {
    static APP: OnceLock<Mutex<mpsc::Sender<Exchange>>> = OnceLock::new();
    APP.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Exchange>();
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let dir: PathBuf = std::env::temp_dir().join(format!("gagt-fuzz-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temporary folder");
            let url = crate::db::DatabaseUrl::parse(&dir.join("fuzz.sqlite").display().to_string());
            let mut config = crate::config::Config::new(url, &dir);
            config.bundled_dataset = Some(root().join("data/canonical"));
            config.rate_limit_per_minute = 0;
            config.pool_size = 2;
            crate::prepare(&config).expect("import the bundled data");
            let pool = crate::db::serving_pool(
                &config.database,
                config.pool_size,
                config.pool_timeout,
                config.statement_timeout,
            )
            .expect("serving pool");
            let state = crate::app_state(config, pool);
            actix_web::rt::System::new().block_on(async move {
                let app = actix_web::test::init_service(crate::api::build_app(state)).await;
                ready_tx.send(()).expect("ready");
                while let Ok((uri, headers, reply)) = rx.recv() {
                    let mut req = actix_web::test::TestRequest::get().uri(&uri);
                    for (k, v) in headers {
                        req = req.insert_header((k, v));
                    }
                    let res = actix_web::test::call_service(&app, req.to_request()).await;
                    let status = res.status().as_u16();
                    let ctype =
                        res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                    let body = actix_web::test::read_body(res).await.to_vec();
                    let _ = reply.send((status, ctype, body));
                }
            });
            let _ = std::fs::remove_dir_all(&dir);
        });
        ready_rx.recv().expect("the fuzz app starts");
        Mutex::new(tx)
    })
}

const PATHS: &[&str] = &[
    "/v1/plans",
    "/v1/commitments",
    "/v1/milestones",
    "/v1/progress-updates",
    "/v1/institutions",
    "/v1/quality-findings",
    "/v1/search",
    "/v1/changes",
    "/v1/commitments.csv",
    "/v1/progress-updates.csv",
    "/v1/plans/gt-ogp-nap6",
    "/v1/commitments/gt-ogp-nap6-c2",
    "/v1/downloads",
    "/v1/feeds/progress-updates.atom",
    "/v1/milestones.csv",
    "/v1/institutions.csv",
];

/// Whole requests through the real app: query, filters and cursors as a
/// client sends them. Never a 5xx; every error is problem+json naming its status.
pub fn requests(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(query) = std::str::from_utf8(rest) else { return };
    let path = PATHS[pick as usize % PATHS.len()];
    let uri = format!("{path}?{query}");
    // What no HTTP parser lets through never reaches the app.
    if actix_web::http::Uri::try_from(uri.as_str()).is_err() {
        return;
    }
    let mut headers = Vec::new();
    if pick & 0x10 != 0 {
        headers.push(("accept".to_string(), "text/csv".to_string()));
    }
    let (tx, rx) = mpsc::channel();
    app().lock().expect("fuzz app").send((uri.clone(), headers, tx)).expect("fuzz app is running");
    let (status, ctype, body) = rx.recv().expect("a response");
    assert!(status < 500, "{uri} answered {status}: {}", String::from_utf8_lossy(&body));
    let text = std::str::from_utf8(&body).unwrap_or_else(|_| panic!("{uri}: the body is not UTF-8"));
    if status >= 400 {
        assert_eq!(ctype, "application/problem+json", "{uri} answered {status} as {ctype}");
        let problem: serde_json::Value = serde_json::from_str(text).expect("problem is JSON");
        assert_eq!(problem["status"], status, "{uri}: {text}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{uri}: {text}");
        for leak in ["diesel", "sqlite", "SELECT", "panicked", env!("CARGO_MANIFEST_DIR")] {
            assert!(!text.contains(leak), "{uri} leaks {leak:?}: {text}");
        }
    } else if ctype.starts_with("application/json") {
        serde_json::from_str::<serde_json::Value>(text).unwrap_or_else(|e| panic!("{uri}: bad JSON: {e}"));
    } else if ctype.starts_with("text/csv") {
        let mut reader =
            csv::ReaderBuilder::new().flexible(false).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        for row in reader.records() {
            row.unwrap_or_else(|e| panic!("{uri}: bad CSV: {e}"));
        }
    }
}
