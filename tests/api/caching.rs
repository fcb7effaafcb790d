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

read_only!(bodies_are_compressed_as_the_client_accepts_each_encoding_with_its_own_etag, |app| {
    use std::io::Read;
    let decode = |token: &str, body: &[u8]| -> Vec<u8> {
        let mut out = Vec::new();
        match token {
            "gzip" => flate2::read::GzDecoder::new(body).read_to_end(&mut out).unwrap(),
            _ => brotli::Decompressor::new(body, 4096).read_to_end(&mut out).unwrap(),
        };
        out
    };
    let client = reqwest::blocking::Client::new();
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut r = client.get(app.url(path));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send().unwrap()
    };
    for path in [
        "/v1/commitments?limit=100",
        "/v1/commitments.csv?limit=100",
        "/compromisos",
        "/v1/feeds/progress-updates.atom",
        // More rows than a stream chunk in tests: compressed as it streams.
        "/v1/progress-updates.csv",
    ] {
        let plain = get(path, &[]);
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
        assert!(plain.headers()["vary"].to_str().unwrap().contains("Accept-Encoding"), "{path}");
        let tag = plain.headers()["etag"].to_str().unwrap().to_string();
        let plain = plain.bytes().unwrap();
        for token in ["gzip", "br"] {
            for round in 0..2 {
                // The second time from memory (or the same stream again).
                let res = get(path, &[("accept-encoding", token)]);
                assert_eq!(res.status(), 200);
                assert_eq!(res.headers()["content-encoding"], token, "{path} {round}");
                let etag = res.headers()["etag"].to_str().unwrap().to_string();
                assert_eq!(etag, format!("{}-{token}\"", tag.trim_end_matches('"')), "{path}");
                let body = res.bytes().unwrap();
                assert!(body.len() < plain.len(), "{path} {token}: {} of {}", body.len(), plain.len());
                assert_eq!(decode(token, &body), plain.to_vec(), "{path} {token}");
                let again = get(path, &[("accept-encoding", token), ("if-none-match", &etag)]);
                assert_eq!(again.status(), 304, "{path} {token}");
                assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
            }
        }
        // Preferences: brotli when both are welcome, none when neither is.
        assert_eq!(get(path, &[("accept-encoding", "gzip, deflate, br")]).headers()["content-encoding"], "br");
        assert_eq!(get(path, &[("accept-encoding", "br;q=0.1, gzip")]).headers()["content-encoding"], "gzip");
        assert!(get(path, &[("accept-encoding", "identity")]).headers().get("content-encoding").is_none());
    }
    // Images stay as they are.
    let png = get("/planes/gt-ogp-nap6/reportado-vs-calculado.png", &[("accept-encoding", "br")]);
    assert_eq!(png.status(), 200);
    assert!(png.headers().get("content-encoding").is_none());
});
