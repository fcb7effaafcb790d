use crate::both_backends;
use crate::helpers::assert_problem;

both_backends!(progress_update_percentages_and_timestamps_are_exact, |app| {
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c1-m4-u1");
    assert_eq!(u["percent"].to_string(), "12.5");
    assert_eq!(u["reported_at"], "2025-02-24T21:50:02");
    assert_eq!(u["position"], 1);
    let u2 = app.json("/v1/progress-updates/gt-ogp-nap6-c1-m4-u2");
    assert_eq!(u2["verification"]["links"][0], "https://www.facebook.com/share/v/1DHug9Dcne/");
    insta::assert_json_snapshot!("progress_update_c1_m4_u2", u2);
});

both_backends!(progress_updates_filter_by_date_percent_and_institution, |app| {
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

both_backends!(progress_updates_sort_by_reported_at_descending, |app| {
    let body = app.json("/v1/progress-updates?sort=-reported_at&limit=2");
    assert_eq!(body["data"][0]["reported_at"], "2025-05-22T17:33:50");
    assert_eq!(body["data"][1]["reported_at"], "2025-03-05T03:09:11");
    let next = app.json(body["next"].as_str().unwrap());
    assert_eq!(next["data"][0]["reported_at"], "2025-03-05T03:02:41");
});

both_backends!(progress_updates_csv_has_documented_columns, |app| {
    let csv = app.text("/v1/progress-updates?format=csv&milestone=gt-ogp-nap6-c1-m4");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(headers, gagt::views::progress_update::CSV_HEADERS);
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][7], "12.5");
    assert_eq!(&rows[1][10], "https://www.facebook.com/share/v/1DHug9Dcne/");
});
