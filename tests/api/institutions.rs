use crate::helpers::assert_problem;
use crate::read_only;

read_only!(institution_detail_lists_roles_work_and_rollups, |app| {
    let body = app.json("/v1/institutions/gae");
    assert_eq!(body["acronym"], "GAE");
    assert!(body["aliases"].as_array().unwrap().iter().any(|a| a == "Comisión de Gobierno Abierto y Electrónico"));
    assert_eq!(body["rollup"]["commitments"], 1);
    assert_eq!(body["rollup"]["milestones"], 3);
    assert_eq!(body["rollup"]["completed_milestones"], 0);
    // (0 + 85 + 0) / 3, truncated to hundredths
    assert_eq!(body["rollup"]["average_progress"], 28.33);
    assert_eq!(body["milestones"].as_array().unwrap().len(), 3);
    assert_eq!(body["commitments"][0]["id"], "gt-ogp-nap6-c1");
    assert!(body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["role"] == "participating" && r["group"] == "government"));
    insta::assert_json_snapshot!("institution_detail_gae", body);
});

read_only!(institutions_filter_sort_and_search_by_alias, |app| {
    let names: Vec<String> = app.json("/v1/institutions")["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names[0], "Acción Ciudadana");
    assert_eq!(names.len(), 7);
    assert_eq!(app.json("/v1/institutions?kind=civil_society")["total"], 3);
    assert_eq!(app.json("/v1/institutions?plan=gt-ogp-nap6&role=responsible")["total"], 3);
    assert_eq!(app.json("/v1/institutions?q=comision%20de%20gobierno%20abierto")["data"][0]["id"], "gae");
    assert_eq!(app.json("/v1/institutions?sort=-milestone_count")["data"][0]["id"], "gae");
    assert_problem(app.get("/v1/institutions?kind=ngo"), 400);
});

read_only!(institutions_csv_lists_aliases, |app| {
    let csv = app.text("/v1/institutions/cnc.csv");
    assert!(csv.starts_with("id,name,name_in_sources,acronym,acronym_in_sources,kind,parent_id,aliases,"));
    assert!(csv.contains("Comisión Nacional contra la Corrupción"));
});

read_only!(unknown_institution_returns_404_problem_json, |app| {
    assert_problem(app.get("/v1/institutions/nadie"), 404);
});
