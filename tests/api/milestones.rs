use crate::helpers::assert_problem;
use crate::read_only;

read_only!(milestone_dates_keep_the_text_as_written_and_normalise_it, |app| {
    let m = app.json("/v1/milestones/gt-ogp-nap6-c1-m4");
    assert_eq!(m["start"]["raw"], "Febrero 2024");
    assert_eq!(m["start"]["date"], "2024-02-01");
    assert_eq!(m["start"]["precision"], "month");
    assert_eq!(m["end"]["raw"], "Junio 2025");
    assert_eq!(m["end"]["date"], "2025-06-30");
    assert_eq!(m["status"], "completed");
    assert_eq!(m["expected_results"].as_array().unwrap().len(), 4);
    let history: Vec<&serde_json::Value> = m["progress_updates"].as_array().unwrap().iter().collect();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["percent"], 12.5);
    assert_eq!(history[0]["percent_raw"], "12.5%");
    assert_eq!(history[1]["percent"], 100);
    let m1 = app.json("/v1/milestones/gt-ogp-nap6-c1-m1");
    assert_eq!(m1["start"]["raw"], "06/02/2025");
    assert_eq!(m1["start"]["date"], "2025-02-06");
    assert_eq!(m1["start"]["precision"], "day");
    assert_eq!(m1["status"], "not_started");
    assert!(m1["latest_progress"].is_null());
    insta::assert_json_snapshot!("milestone_detail_c1_m4", m);
});

read_only!(milestones_filter_by_dates_status_and_institution, |app| {
    assert_eq!(app.json("/v1/milestones?end_from=2025-01-01")["total"], 2);
    assert_eq!(app.json("/v1/milestones?end_to=2024-12-31")["data"][0]["id"], "gt-ogp-nap6-c2-m1");
    assert_eq!(app.json("/v1/milestones?start_from=2024-01-01&start_to=2024-12-31")["total"], 1);
    assert_eq!(app.json("/v1/milestones?status=started")["data"][0]["id"], "gt-ogp-nap6-c1-m2");
    assert_eq!(app.json("/v1/milestones?institution=gae&role=responsible")["total"], 3);
    assert_eq!(app.json("/v1/milestones?commitment=gt-ogp-nap6-c2")["total"], 1);
    assert_eq!(app.json("/v1/milestones?progress_min=80&progress_max=90")["data"][0]["latest_progress"], 85);
    let body = assert_problem(app.get("/v1/milestones?end_from=30/06/2025"), 400);
    assert_eq!(body["invalid_params"][0]["name"], "end_from");
});

read_only!(milestones_sort_by_end_date_puts_undated_last_both_ways, |app| {
    let ids = |url: &str| -> Vec<String> {
        app.json(url)["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
    };
    let asc = ids("/v1/milestones?sort=end_date");
    assert_eq!(&asc[..3], ["gt-ogp-nap6-c2-m1", "gt-ogp-nap6-c1-m1", "gt-ogp-nap6-c1-m4"]);
    let desc = ids("/v1/milestones?sort=-end_date");
    assert_eq!(&desc[..3], ["gt-ogp-nap6-c1-m4", "gt-ogp-nap6-c1-m1", "gt-ogp-nap6-c2-m1"]);
    assert_eq!(desc[3..].len(), 2);
});

read_only!(milestones_csv_keeps_expected_results_one_per_line, |app| {
    let csv = app.text("/v1/milestones.csv?commitment=gt-ogp-nap6-c1");
    insta::assert_snapshot!("milestones_csv_c1", csv);
});
