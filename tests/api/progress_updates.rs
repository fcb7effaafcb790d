use crate::helpers::assert_problem;
use crate::read_only;

read_only!(progress_update_percentages_and_timestamps_are_exact, |app| {
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c1-m4-u1");
    assert_eq!(u["percent"].to_string(), "12.5");
    assert_eq!(u["reported_at"], "2025-02-24T21:50:02");
    assert_eq!(u["position"], 1);
    let u2 = app.json("/v1/progress-updates/gt-ogp-nap6-c1-m4-u2");
    assert_eq!(u2["description_links"][0], "https://www.facebook.com/share/v/1DHug9Dcne/");
    insta::assert_json_snapshot!("progress_update_c1_m4_u2", u2);
});

read_only!(progress_updates_filter_by_date_percent_and_institution, |app| {
    assert_eq!(app.json("/v1/progress-updates?reported_from=2025-05-01")["total"], 1);
    assert_eq!(app.json("/v1/progress-updates?reported_to=2025-02-24")["total"], 1);
    assert_eq!(app.json("/v1/progress-updates?reported_from=2025-03-05&reported_to=2025-03-05")["total"], 8);
    assert_eq!(app.json("/v1/progress-updates?percent_min=12.5&percent_max=12.5")["total"], 1);
    assert_eq!(app.json("/v1/progress-updates?institution=cnc")["total"], 2);
    assert_eq!(app.json("/v1/progress-updates?milestone=gt-ogp-nap6-c1-m2")["total"], 8);
    assert_eq!(app.json("/v1/progress-updates?q=Quiche")["data"][0]["id"], "gt-ogp-nap6-c1-m2-u1");
    assert_problem(app.get("/v1/progress-updates?percent_min=101"), 400);
    assert_problem(app.get("/v1/progress-updates?reported_from=2025-02-30"), 400);
});

read_only!(progress_updates_sort_by_reported_at_descending, |app| {
    let body = app.json("/v1/progress-updates?sort=-reported_at&limit=2");
    assert_eq!(body["data"][0]["reported_at"], "2025-05-22T17:33:50");
    assert_eq!(body["data"][1]["reported_at"], "2025-03-05T03:09:11");
    let next = app.json(body["next"].as_str().unwrap());
    assert_eq!(next["data"][0]["reported_at"], "2025-03-05T03:02:41");
});

read_only!(progress_updates_csv_has_documented_columns, |app| {
    let csv = app.text("/v1/progress-updates?format=csv&milestone=gt-ogp-nap6-c1-m4");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(headers, gagt::views::progress_update::CSV_HEADERS);
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let at = |row: usize, name: &str| rows[row][headers.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(at(0, "percent"), "12.5");
    // The platform printed no "Medios de verificación" line for this update:
    // the link is in its description, and is not presented as verification.
    assert_eq!((at(1, "verification_line"), at(1, "verification")), ("false".into(), "".into()));
    assert_eq!(at(1, "description_links"), "https://www.facebook.com/share/v/1DHug9Dcne/");
    // Names beside the ids: a row reads without looking anything up.
    let milestone = app.json("/v1/milestones/gt-ogp-nap6-c1-m4");
    let commitment = app.json("/v1/commitments/gt-ogp-nap6-c1");
    let plan = app.json("/v1/plans/gt-ogp-nap6");
    assert_eq!(at(0, "plan_title"), plan["title"].as_str().unwrap());
    assert_eq!(at(0, "commitment_number"), commitment["number"].as_str().unwrap());
    assert_eq!(at(0, "commitment_title"), commitment["title"].as_str().unwrap());
    assert_eq!(at(0, "milestone_code"), milestone["code"].as_str().unwrap());
    assert_eq!(at(0, "milestone_description"), milestone["description"].as_str().unwrap());
    let responsible: Vec<&str> =
        milestone["responsible_institutions"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert!(!responsible.is_empty());
    assert_eq!(at(0, "responsible_institution_names"), responsible.join(" | "));
});

read_only!(all_rows_stream_as_one_csv_in_list_order, |app| {
    // Every page of the JSON list, in order.
    let mut ids = Vec::new();
    let mut url = "/v1/progress-updates?sort=-reported_at&limit=5".to_string();
    loop {
        let page = app.json(&url);
        ids.extend(page["data"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_string()));
        match page["next"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    let total = app.json("/v1/progress-updates?limit=1")["total"].as_u64().unwrap() as usize;
    assert!(total > 7, "the fixture spans several chunks");
    assert_eq!(ids.len(), total);
    // The same rows in one streamed CSV (chunks of 7 rows in tests).
    let res = app.get("/v1/progress-updates.csv?sort=-reported_at&all=1");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers().get("content-length").is_none(), "streamed, not buffered");
    assert!(res.headers().get("etag").is_some());
    let body = res.text().unwrap();
    let mut rdr = csv::Reader::from_reader(body.as_bytes());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(headers, gagt::views::progress_update::CSV_HEADERS);
    let streamed: Vec<String> = rdr.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(streamed, ids);
    // Byte for byte the CSV of the same rows as one page (the stream writes
    // straight from the table rows, the page from the JSON view's records).
    assert!(total <= 1000);
    assert_eq!(body, app.text("/v1/progress-updates.csv?sort=-reported_at&limit=1000"));
    // Filters apply; the byte-order mark comes once, at the start.
    let filtered = app.text("/v1/progress-updates.csv?milestone=gt-ogp-nap6-c1-m2&all=1&bom=1");
    assert!(filtered.starts_with('\u{feff}'));
    assert_eq!(filtered.matches('\u{feff}').count(), 1);
    assert_eq!(csv::Reader::from_reader(filtered.as_bytes()).records().count(), 8);
    // Only for CSV, and not with paging parameters.
    assert_problem(app.get("/v1/progress-updates?all=1"), 400);
    assert_problem(app.get("/v1/progress-updates.csv?all=1&limit=5"), 400);
    assert_problem(app.get("/v1/progress-updates.csv?all=yes"), 400);
    // Other lists stream too.
    let commitments = app.text("/v1/commitments.csv?all=1");
    let total = app.json("/v1/commitments?limit=1")["total"].as_u64().unwrap() as usize;
    assert_eq!(csv::Reader::from_reader(commitments.as_bytes()).records().count(), total);
});

/// More simultaneous streams than pool connections (each stream reads on one
/// blocking thread and encodes on another): every one completes, whole.
#[test]
fn concurrent_streams_beyond_the_pool_all_complete() {
    let app = crate::helpers::spawn_app_tuned(crate::helpers::Backend::Sqlite, Some(&crate::helpers::fixture()), |c| {
        c.pool_size = 2;
        c.stream_chunk_rows = 3;
        // More streams allowed than the pool has connections: they wait their turn.
        c.max_streams = 8;
        c.max_streams_per_client = 8;
    });
    let path = "/v1/progress-updates.csv?all=1&sort=-reported_at";
    let expected = app.text(path);
    let rows = csv::Reader::from_reader(expected.as_bytes()).records().count();
    assert!(rows > 6, "several chunks of 3 per stream: {rows} rows");
    let streams: Vec<_> = (0..8)
        .map(|_| {
            let url = app.url(path);
            std::thread::spawn(move || {
                let res = reqwest::blocking::Client::new().get(url).send().unwrap();
                (res.status().as_u16(), res.text().unwrap())
            })
        })
        .collect();
    for s in streams {
        let (status, body) = s.join().unwrap();
        assert_eq!(status, 200);
        assert_eq!(body, expected);
    }
}
