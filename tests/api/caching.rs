use std::sync::atomic::Ordering;

use crate::helpers::assert_problem;
use crate::{both_backends, read_only};

read_only!(api_responses_carry_validators_and_answer_304, |app| {
    for (path, accept) in
        [("/v1/commitments", "application/json"), ("/v1/commitments", "text/csv"), ("/v1/plans/gt-ogp-nap6", "*/*")]
    {
        let first = app.get_with(path, "Accept", accept);
        assert_eq!(first.status(), 200);
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with("\"r1-"), "{etag}");
        assert_eq!(first.headers()["cache-control"], "public, max-age=60");
        assert!(first.headers().contains_key("last-modified"));
        let again =
            app.client.get(app.url(path)).header("Accept", accept).header("If-None-Match", &etag).send().unwrap();
        assert_eq!(again.status(), 304, "{path} {accept}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().unwrap().is_empty());
        let since = first.headers()["last-modified"].to_str().unwrap().to_string();
        let by_date =
            app.client.get(app.url(path)).header("Accept", accept).header("If-Modified-Since", since).send().unwrap();
        assert_eq!(by_date.status(), 304);
    }
    // JSON and CSV of the same URL are different representations.
    let json = app.get("/v1/plans").headers()["etag"].clone();
    let csv = app.get("/v1/plans.csv").headers()["etag"].clone();
    let csv_accept = app.get_with("/v1/plans", "Accept", "text/csv").headers()["etag"].clone();
    assert_ne!(json, csv);
    assert_ne!(json, csv_accept);
    // A stale validator gets the full response.
    let res = app.client.get(app.url("/v1/plans")).header("If-None-Match", "\"r0-old\"").send().unwrap();
    assert_eq!(res.status(), 200);
    // Errors carry no validator.
    let res = app.get("/v1/plans/nope");
    assert!(!res.headers().contains_key("etag"));
    assert_problem(res, 404);
});

both_backends!(a_repeated_poll_with_if_none_match_does_not_touch_the_database, |app| {
    let first = app.get("/v1/progress-updates?limit=5");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let before = app.watch.db_calls.load(Ordering::Relaxed);
    for _ in 0..20 {
        let res =
            app.client.get(app.url("/v1/progress-updates?limit=5")).header("If-None-Match", &etag).send().unwrap();
        assert_eq!(res.status(), 304);
    }
    assert_eq!(app.watch.db_calls.load(Ordering::Relaxed), before);
    // A repeated GET is served from the revision-keyed response cache.
    let again = app.get("/v1/progress-updates?limit=5");
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(again.json::<serde_json::Value>().unwrap()["data"].as_array().unwrap().len(), 5);
    assert_eq!(app.watch.db_calls.load(Ordering::Relaxed), before);
    // Something not seen before goes to the database.
    app.get("/v1/progress-updates?limit=6");
    assert!(app.watch.db_calls.load(Ordering::Relaxed) > before);
});

read_only!(bom_parameter_makes_excel_ready_csv, |app| {
    let plain = app.get("/v1/commitments.csv").bytes().unwrap();
    assert!(plain.starts_with(b"id,"));
    let excel = app.get("/v1/commitments.csv?bom=1").bytes().unwrap();
    assert!(excel.starts_with(b"\xEF\xBB\xBFid,"));
    assert_eq!(&excel[3..], &plain[..]);
    let item = app.get("/v1/institutions/gae?format=csv&bom=1").bytes().unwrap();
    assert!(item.starts_with(b"\xEF\xBB\xBF"));
    let json = app.get("/v1/commitments?bom=1").bytes().unwrap();
    assert!(json.starts_with(b"{"));
    assert_problem(app.get("/v1/commitments.csv?bom=yes"), 400);
});
