use crate::helpers::assert_problem;
use crate::read_only;

read_only!(plans_list_has_every_fixture_plan_with_rollups_and_published_counts, |app| {
    let body = app.json("/v1/plans");
    assert_eq!(body["total"], 2);
    let nap6 = &body["data"][0];
    assert_eq!(nap6["id"], "gt-ogp-nap6");
    assert_eq!(nap6["country"], "GT");
    assert_eq!(nap6["rollup"]["commitments"], 2);
    assert_eq!(nap6["rollup"]["milestones"], 5);
    assert_eq!(nap6["rollup"]["milestones_by_status"]["completed"], 1);
    assert_eq!(nap6["rollup"]["progress_updates"], 10);
    assert_eq!(nap6["published_milestone_counts"]["not_started"], 8);
    assert_eq!(nap6["published_milestone_counts"]["started"], 19);
    assert_eq!(nap6["published_milestone_counts"]["completed"], 7);
    assert_eq!(body["data"][1]["stated_commitment_total"], 24);
    assert!(body["data"][1]["published_milestone_counts"].is_null());
});

read_only!(plan_detail_holds_commitments_institutions_and_sections, |app| {
    let body = app.json("/v1/plans/gt-ogp-nap6");
    insta::assert_json_snapshot!("plan_detail_nap6", body);
    let nap4 = app.json("/v1/plans/gt-ogp-nap4");
    let numbers: Vec<&str> =
        nap4["commitments"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["13", "15"]);
    assert_eq!(nap4["sections"][0]["title"], "Seguimiento y Evaluación");
});

read_only!(plans_csv_is_the_same_by_accept_format_and_suffix, |app| {
    let by_suffix = app.get("/v1/plans.csv");
    assert_eq!(by_suffix.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(by_suffix.headers()["content-disposition"].to_str().unwrap().contains("plans.csv"));
    let by_suffix = by_suffix.text().unwrap();
    let by_param = app.text("/v1/plans?format=csv");
    let by_accept = app.get_with("/v1/plans", "Accept", "text/csv").text().unwrap();
    assert_eq!(by_suffix, by_param);
    assert_eq!(by_suffix, by_accept);
    let mut rdr = csv::Reader::from_reader(by_suffix.as_bytes());
    assert_eq!(rdr.headers().unwrap().get(0), Some("id"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][1], "6º Plan de Acción Nacional de Gobierno Abierto 2023-2025");
    insta::assert_snapshot!("plans_csv", by_suffix);
});

read_only!(plan_item_is_available_as_csv, |app| {
    let csv = app.text("/v1/plans/gt-ogp-nap4.csv");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "gt-ogp-nap4");
});

read_only!(plans_filter_by_kind_and_institution, |app| {
    assert_eq!(app.json("/v1/plans?kind=ogp_national_action_plan")["total"], 2);
    assert_eq!(app.json("/v1/plans?kind=donor_implementation_plan")["total"], 0);
    assert_eq!(app.json("/v1/plans?institution=sesan")["data"][0]["id"], "gt-ogp-nap6");
    let body = assert_problem(app.get("/v1/plans?kind=national"), 400);
    assert_eq!(body["invalid_params"][0]["name"], "kind");
});

read_only!(unknown_plan_returns_404_problem_json, |app| {
    let body = assert_problem(app.get("/v1/plans/no-such-plan"), 404);
    assert!(body["detail"].as_str().unwrap().contains("no-such-plan"));
});
