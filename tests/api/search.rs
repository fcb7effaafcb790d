use crate::both_backends;
use crate::helpers::assert_problem;

both_backends!(search_ignores_accents_and_case_and_ranks_title_matches_first, |app| {
    let body = app.json("/v1/search?q=informacion%20PUBLICA");
    let hits = body["data"].as_array().unwrap();
    assert!(!hits.is_empty());
    let first = &hits[0];
    assert!(first["title"].as_str().unwrap().to_lowercase().contains("información pública"));
    assert!(hits.iter().all(|h| h["type"].is_string() && h["id"].is_string() && h["url"].is_string()));
    let scores: Vec<i64> = hits.iter().map(|h| h["score"].as_i64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked: {scores:?}");
    assert!(hits.iter().any(|h| h["id"] == "gt-ogp-nap6-c1-m4"));
});

both_backends!(search_covers_every_record_type_and_filters_by_type, |app| {
    assert_eq!(app.json("/v1/search?q=gae&type=institution")["data"][0]["id"], "gae");
    assert_eq!(app.json("/v1/search?q=mano%20a%20mano&type=commitment")["data"][0]["id"], "gt-ogp-nap6-c2");
    assert_eq!(app.json("/v1/search?q=sexto%20plan&type=progress_update")["total"], 1);
    assert_eq!(app.json("/v1/search?q=gobierno%20abierto&type=plan")["total"], 2);
    let paged = app.json("/v1/search?q=gobierno&limit=2");
    assert_eq!(paged["data"].as_array().unwrap().len(), 2);
    let next = app.json(paged["next"].as_str().unwrap());
    assert_ne!(next["data"][0]["id"], paged["data"][0]["id"]);
});

both_backends!(search_without_words_is_a_400_naming_q, |app| {
    let body = assert_problem(app.get("/v1/search"), 400);
    assert_eq!(body["invalid_params"][0]["name"], "q");
    assert_problem(app.get("/v1/search?q=%21%21"), 400);
    assert_problem(app.get("/v1/search?q=x&type=person"), 400);
});
