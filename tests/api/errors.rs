use crate::helpers::{assert_problem, fixture, shared_app, spawn_app, spawn_app_tuned, Backend, Server};
use crate::{both_backends, read_only};

read_only!(unknown_and_repeated_parameters_are_400_naming_the_parameter, |app| {
    let body = assert_problem(app.get("/v1/commitments?colour=red"), 400);
    assert_eq!(body["invalid_params"][0]["name"], "colour");
    assert!(body["detail"].as_str().unwrap().contains("allowed:"));
    let body = assert_problem(app.get("/v1/commitments?limit=1&limit=2"), 400);
    assert_eq!(body["invalid_params"][0]["name"], "limit");
    let body = assert_problem(app.get("/v1/commitments?limit=0"), 400);
    assert!(body["detail"].as_str().unwrap().contains("1 to 1000"));
    assert_problem(app.get("/v1/commitments?limit=1001"), 400);
    assert_problem(app.get("/v1/commitments?sort=title"), 400);
    assert_problem(app.get("/v1/commitments?q=%FF"), 400);
    assert_problem(app.get("/v1/plans/gt-ogp-nap6?limit=5"), 400);
});

read_only!(tampered_or_foreign_cursors_are_400, |app| {
    let body = app.json("/v1/commitments?limit=1");
    let cursor = body["next_cursor"].as_str().unwrap().to_string();
    assert_problem(app.get(&format!("/v1/commitments?limit=1&cursor={cursor}x")), 400);
    assert_problem(app.get("/v1/commitments?cursor=not-a-cursor"), 400);
    // A cursor is bound to its sort and filters.
    assert_problem(app.get(&format!("/v1/commitments?limit=1&sort=-id&cursor={cursor}")), 400);
    assert_problem(app.get(&format!("/v1/commitments?limit=1&plan=gt-ogp-nap4&cursor={cursor}")), 400);
    assert_problem(app.get(&format!("/v1/milestones?limit=1&cursor={cursor}")), 400);
    assert_eq!(app.get(&format!("/v1/commitments?limit=1&cursor={cursor}")).status(), 200);
});

/// A cursor with its check recomputed by anyone (the unkeyed SHA-256 that
/// once guarded cursors) pointing elsewhere in the list.
fn forge(cursor: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut body: serde_json::Value = serde_json::from_slice(&engine.decode(cursor).unwrap()).unwrap();
    body["i"] = "gt-ogp-nap6-c0".into();
    let mut h = Sha256::new();
    for part in ["gagt-cursor-v1", body["s"].as_str().unwrap(), body["f"].as_str().unwrap()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.update(serde_json::to_vec(&body["v"]).unwrap());
    h.update([0]);
    h.update(body["i"].as_str().unwrap().as_bytes());
    body["c"] = hex::encode(&h.finalize()[..8]).into();
    engine.encode(serde_json::to_vec(&body).unwrap())
}

both_backends!(forged_cursors_are_400_and_replicas_accept_each_others, |app| {
    let cursor = app.json("/v1/commitments?limit=1")["next_cursor"].as_str().unwrap().to_string();
    let body = assert_problem(app.get(&format!("/v1/commitments?limit=1&cursor={}", forge(&cursor))), 400);
    assert_eq!(body["invalid_params"][0]["name"], "cursor");
    // Another server on the same database (a replica) takes the cursor: the
    // key is the database's secret.
    let replica = Server::start(app.config.clone());
    assert_eq!(replica.get(&format!("/v1/commitments?limit=1&cursor={cursor}")).status(), 200);
    // Another deployment (its own database, its own secret) does not.
    let other = spawn_app(Backend::Sqlite);
    assert_problem(other.get(&format!("/v1/commitments?limit=1&cursor={cursor}")), 400);
});

#[test]
fn a_configured_cursor_key_signs_for_replicas_with_databases_of_their_own() {
    let key = |c: &mut gagt::config::Config| c.cursor_key = Some("one key for every replica".into());
    let (a, b) = (
        spawn_app_tuned(Backend::Sqlite, Some(&fixture()), key),
        spawn_app_tuned(Backend::Postgres, Some(&fixture()), key),
    );
    let cursor = a.json("/v1/commitments?limit=1")["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(b.get(&format!("/v1/commitments?limit=1&cursor={cursor}")).status(), 200);
    assert_problem(shared_app(Backend::Sqlite).get(&format!("/v1/commitments?limit=1&cursor={cursor}")), 400);
}

read_only!(writes_are_405_with_allow_and_options_answers, |app| {
    for method in [reqwest::Method::POST, reqwest::Method::PUT, reqwest::Method::DELETE, reqwest::Method::PATCH] {
        let res = app.client.request(method.clone(), app.url("/v1/plans")).send().unwrap();
        assert_eq!(res.headers()["allow"], "GET, HEAD, OPTIONS", "{method}");
        assert_problem(res, 405);
    }
    let res = app.client.request(reqwest::Method::DELETE, app.url("/v1/plans/gt-ogp-nap6")).send().unwrap();
    assert_problem(res, 405);
    let res = app.client.request(reqwest::Method::OPTIONS, app.url("/v1/milestones")).send().unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["allow"], "GET, HEAD, OPTIONS");
});

read_only!(cors_preflight_allows_get_from_any_origin, |app| {
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/plans"))
        .header("Origin", "https://example.org")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], "https://example.org");
    assert!(res.headers()["access-control-allow-methods"].to_str().unwrap().contains("GET"));
    let res = app.get_with("/v1/plans", "Origin", "https://example.org");
    assert_eq!(res.headers()["access-control-allow-origin"], "https://example.org");
    let exposed = res.headers()["access-control-expose-headers"].to_str().unwrap();
    for name in ["link", "etag", "x-request-id", "ratelimit", "ratelimit-policy", "retry-after"] {
        assert!(exposed.split(',').any(|h| h.trim().eq_ignore_ascii_case(name)), "{name} not exposed: {exposed}");
    }
});

read_only!(head_answers_like_get_without_a_body, |app| {
    let get = app.get("/v1/commitments");
    let len = get.headers()["content-length"].clone();
    let head = app.client.head(app.url("/v1/commitments")).send().unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], len);
    assert_eq!(head.headers()["x-total-count"], "4");
    assert!(head.bytes().unwrap().is_empty());
});

read_only!(unsupported_accept_is_406_and_unknown_paths_404, |app| {
    assert_problem(app.get_with("/v1/plans", "Accept", "application/xml"), 406);
    assert_problem(app.get_with("/v1/plans/gt-ogp-nap6", "Accept", "image/png"), 406);
    assert_eq!(app.get_with("/v1/plans", "Accept", "text/html, */*;q=0.1").status(), 200);
    assert_problem(app.get("/v1/nothing-here"), 404);
    assert_problem(app.get("/v2/plans"), 404);
    assert_problem(app.get("/v1/plans?format=xml"), 400);
});

read_only!(every_response_carries_security_headers, |app| {
    for path in ["/v1", "/v1/plans", "/v1/nothing", "/healthz"] {
        let res = app.get(path);
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer", "{path}");
    }
});

read_only!(oversized_and_malformed_requests_get_clear_errors, |app| {
    // Limits on what a client may send: 414 for a long path or query string.
    let body = assert_problem(app.get(&format!("/v1/plans?q={}", "a".repeat(5000))), 414);
    assert!(body["detail"].as_str().unwrap().contains("longer than 4096 bytes"), "{body}");
    let body = assert_problem(app.get(&format!("/v1/plans?q={}", "%41".repeat(6000))), 414);
    assert!(body["detail"].as_str().unwrap().contains("query string"), "{body}");
    assert_problem(app.get(&format!("/v1/plans/{}", "x".repeat(600))), 414);
    // Oversized headers: 431 before any handler runs.
    let body = assert_problem(app.get_with("/v1/plans", "X-Padding", &"p".repeat(20_000)), 431);
    assert!(body["detail"].as_str().unwrap().contains("headers"));
    // Broken percent-encoding and invalid UTF-8 name the parameter.
    for q in ["q=%ZZ", "q=%+1", "q=%", "q=%C3%28", "q=%FF"] {
        let body = assert_problem(app.get(&format!("/v1/plans?{q}")), 400);
        assert_eq!(body["invalid_params"][0]["name"], "q", "{q}");
    }
    assert_problem(app.get("/v1/plans?%FF=1"), 400);
    // The largest page is allowed, one more is not.
    assert_eq!(app.get("/v1/plans?limit=1000").status(), 200);
    assert_problem(app.get("/v1/plans?limit=1001"), 400);
    assert_problem(app.get("/v1/plans?limit=99999999999999999999"), 400);
    // Traversal attempts never leave the routes or the snapshot folder.
    for path in
        ["/v1/../../etc/passwd", "/v1/plans/..%2F..%2Fetc%2Fpasswd", "/v1/downloads/latest/..%2F..%2Fgagt.sqlite3"]
    {
        let status = app.get(path).status().as_u16();
        assert!(status == 404 || status == 400, "{path}: {status}");
    }
});

read_only!(every_response_and_problem_carries_a_request_id, |app| {
    let ok = app.get("/v1/plans");
    let id = ok.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(!id.is_empty());
    let other = app.get("/v1/plans").headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(id, other, "one id per request");
    let res = app.get("/v1/plans?colour=red");
    let header = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let body = assert_problem(res, 400);
    assert_eq!(body["request_id"], header);
    // A client's own plain id is kept; anything else is replaced.
    let res = app.get_with("/v1/nothing", "X-Request-Id", "client-abc_123");
    assert_eq!(res.headers()["x-request-id"], "client-abc_123");
    assert_eq!(assert_problem(res, 404)["request_id"], "client-abc_123");
    let res = app.get_with("/v1/plans", "X-Request-Id", "<script>");
    assert_ne!(res.headers()["x-request-id"], "<script>");
    // HTML pages have a Content-Security-Policy; nothing leaks into bodies.
    for path in ["/", "/docs/"] {
        let res = app.get(path);
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("default-src") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    for path in ["/v1/plans?limit=x", "/v1/nothing", "/v1/plans/%FF", "/v1/downloads/r999/x.csv"] {
        let text = app.get(path).text().unwrap();
        for leak in ["SELECT", "sqlite", "diesel", "/tmp/", "/root", "panicked", "src/"] {
            assert!(!text.contains(leak), "{path} leaks {leak}: {text}");
        }
    }
});
