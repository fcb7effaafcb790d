use crate::helpers::assert_problem;
use crate::read_only;

read_only!(commitment_detail_has_milestones_and_institutions_by_group, |app| {
    let body = app.json("/v1/commitments/gt-ogp-nap6-c1");
    assert_eq!(body["reported_progress"], 50);
    assert_eq!(body["reported_progress_raw"], "50.00%");
    // (0 + 85 + 0 + 100) / 4 milestones
    assert_eq!(body["computed_progress"], 46.25);
    assert_eq!(body["milestones"].as_array().unwrap().len(), 4);
    let groups: Vec<(&str, &str)> = body["participating_institutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i["group"].as_str().unwrap()))
        .collect();
    assert!(groups.contains(&("icefi", "civil_society")));
    assert!(groups.contains(&("cost-guatemala", "other")));
    assert!(groups.contains(&("gae", "government")));
    insta::assert_json_snapshot!("commitment_detail_c1", body);
});

read_only!(commitments_paginate_with_cursor_link_and_total, |app| {
    let mut url = "/v1/commitments?limit=1".to_string();
    let mut seen = Vec::new();
    loop {
        let res = app.get(&url);
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-total-count"], "4");
        let link = res.headers().get("link").map(|l| l.to_str().unwrap().to_string());
        let body: serde_json::Value = res.json().unwrap();
        assert_eq!(body["total"], 4);
        seen.push(body["data"][0]["id"].as_str().unwrap().to_string());
        match body["next"].as_str() {
            Some(next) => {
                assert_eq!(link.unwrap(), format!("<{next}>; rel=\"next\""));
                url = next.to_string();
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    assert_eq!(seen, ["gt-ogp-nap6-c1", "gt-ogp-nap6-c2", "gt-ogp-nap4-c13", "gt-ogp-nap4-c15"]);
});

read_only!(commitments_sort_descending_with_empty_values_last, |app| {
    let ids = |url: &str| -> Vec<String> {
        app.json(url)["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(
        ids("/v1/commitments?sort=-reported_progress"),
        ["gt-ogp-nap6-c2", "gt-ogp-nap6-c1", "gt-ogp-nap4-c15", "gt-ogp-nap4-c13"]
    );
    assert_eq!(
        ids("/v1/commitments?sort=reported_progress"),
        ["gt-ogp-nap6-c1", "gt-ogp-nap6-c2", "gt-ogp-nap4-c13", "gt-ogp-nap4-c15"]
    );
    // Paging through a nullable sort gives the same order as one page.
    let mut paged = Vec::new();
    let mut url = "/v1/commitments?sort=-reported_progress&limit=1".to_string();
    loop {
        let body = app.json(&url);
        paged.push(body["data"][0]["id"].as_str().unwrap().to_string());
        match body["next"].as_str() {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    assert_eq!(paged, ids("/v1/commitments?sort=-reported_progress"));
});

read_only!(commitments_filter_by_plan_status_institution_role_and_progress, |app| {
    assert_eq!(app.json("/v1/commitments?plan=gt-ogp-nap4")["total"], 2);
    assert_eq!(app.json("/v1/commitments?institution=cnc&role=responsible")["data"][0]["id"], "gt-ogp-nap6-c1");
    assert_eq!(app.json("/v1/commitments?institution=icefi&role=responsible")["total"], 0);
    assert_eq!(app.json("/v1/commitments?institution=icefi")["total"], 1);
    assert_eq!(app.json("/v1/commitments?progress_min=60")["data"][0]["id"], "gt-ogp-nap6-c2");
    assert_eq!(app.json("/v1/commitments?progress_max=50.5")["total"], 1);
    // c2 reports 76% but none of its milestones has reported progress.
    assert_eq!(app.json("/v1/commitments?status=not_started")["total"], 1);
    // The 4th plan's source publishes no progress at all: no data, not 0 %.
    let none = app.json("/v1/commitments?status=no_data");
    assert_eq!(none["total"], 2);
    assert!(none["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["plan_id"] == "gt-ogp-nap4" && c["computed_progress"].is_null()));
    assert_eq!(app.json("/v1/commitments?q=SEGURIDAD%20alimentaria")["data"][0]["id"], "gt-ogp-nap6-c2");
    assert_problem(app.get("/v1/commitments?progress_min=abc"), 400);
    assert_problem(app.get("/v1/commitments?role=owner"), 400);
});

read_only!(commitments_csv_flattens_institutions_into_columns, |app| {
    let csv = app.text("/v1/commitments.csv?plan=gt-ogp-nap6");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][col("responsible_institution_ids")], "gae;cnc");
    assert_eq!(&rows[0][col("participating_civil_society_ids")], "accion-ciudadana;icefi");
    assert_eq!(&rows[0][col("participating_other_ids")], "cost-guatemala");
    assert_eq!(&rows[0][col("computed_progress")], "46.25");
    insta::assert_snapshot!("commitments_csv", csv);
});

read_only!(unknown_commitment_returns_404_problem_json, |app| {
    assert_problem(app.get("/v1/commitments/gt-ogp-nap6-c99"), 404);
    assert_problem(app.get("/v1/commitments/gt-ogp-nap6-c99.csv"), 404);
});

read_only!(csv_pages_link_to_the_next_csv_page, |app| {
    let res = app.get("/v1/commitments.csv?limit=2");
    let link = res.headers()["link"].to_str().unwrap().to_string();
    assert!(link.starts_with("</v1/commitments.csv?limit=2&cursor="), "{link}");
    let next = link.trim_start_matches('<').split('>').next().unwrap().to_string();
    let page2 = app.text(&next);
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(page2.as_bytes()).records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][0], "gt-ogp-nap4-c13");
});
