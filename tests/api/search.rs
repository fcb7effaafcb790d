use crate::helpers::assert_problem;
use crate::read_only;

read_only!(search_ignores_accents_and_case_and_ranks_title_matches_first, |app| {
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

read_only!(search_covers_every_record_type_and_filters_by_type, |app| {
    assert_eq!(app.json("/v1/search?q=gae&type=institution")["data"][0]["id"], "gae");
    assert_eq!(app.json("/v1/search?q=mano%20a%20mano&type=commitment")["data"][0]["id"], "gt-ogp-nap6-c2");
    assert_eq!(app.json("/v1/search?q=sexto%20plan&type=progress_update")["total"], 1);
    assert_eq!(app.json("/v1/search?q=gobierno%20abierto&type=plan")["total"], 2);
    let paged = app.json("/v1/search?q=gobierno&limit=2");
    assert_eq!(paged["data"].as_array().unwrap().len(), 2);
    let next = app.json(paged["next"].as_str().unwrap());
    assert_ne!(next["data"][0]["id"], paged["data"][0]["id"]);
});

read_only!(search_without_words_is_a_400_naming_q, |app| {
    let body = assert_problem(app.get("/v1/search"), 400);
    assert_eq!(body["invalid_params"][0]["name"], "q");
    assert_problem(app.get("/v1/search?q=%21%21"), 400);
    assert_problem(app.get("/v1/search?q=x&type=person"), 400);
});

read_only!(search_terms_match_the_start_of_words_through_the_index, |app| {
    // A prefix finds what the whole word finds (and more words it starts).
    let whole = app.json("/v1/search?q=informacion%20publica&type=milestone&limit=100");
    let prefix = app.json("/v1/search?q=inform%20publ&type=milestone&limit=100");
    let ids = |b: &serde_json::Value| -> Vec<String> {
        b["data"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect()
    };
    assert!(!ids(&whole).is_empty());
    assert!(ids(&whole).iter().all(|id| ids(&prefix).contains(id)));
    // Accents in the query do not matter; a word inside another word is not a match.
    assert_eq!(ids(&app.json("/v1/search?q=Informaci%C3%B3n%20P%C3%BAblica&type=milestone&limit=100")), ids(&whole));
    assert_eq!(app.json("/v1/search?q=nformacion")["total"], 0);
    // A word found nowhere: an empty result, not an error.
    assert_eq!(app.json("/v1/search?q=informacion%20zzzyqx")["total"], 0);
    // The same index serves `q` on lists.
    let listed = app.json("/v1/milestones?q=inform%20publ&limit=100");
    assert_eq!(listed["total"].as_u64().unwrap() as usize, ids(&prefix).len());
});
