//! Every collection is declared once (`api::http::collection::Collection`)
//! and served the same way: a JSON page, a CSV page, the whole list as one
//! CSV stream, the item as JSON and as CSV. These tests hold every
//! collection to that, and show it on `/v1/source-documents`.

use crate::helpers::*;
use crate::read_only;

const COLLECTIONS: &[&str] =
    &["plans", "commitments", "milestones", "progress-updates", "institutions", "quality-findings", "source-documents"];

fn first_column(csv: &str) -> Vec<String> {
    csv::Reader::from_reader(csv.as_bytes()).records().map(|r| r.unwrap()[0].to_string()).collect()
}

/// Follow `next` links from `path` and collect every record's id.
fn walk(app: &TestApp, path: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next = Some(path.to_string());
    while let Some(url) = next {
        let page = app.json(&url);
        ids.extend(page["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()));
        next = page["next"].as_str().map(str::to_string);
    }
    ids
}

read_only!(every_collection_answers_as_json_csv_page_stream_and_item, |app| {
    for c in COLLECTIONS {
        let ids = walk(app, &format!("/v1/{c}?limit=7"));
        assert!(!ids.is_empty(), "{c} is empty");
        let total = app.json(&format!("/v1/{c}?limit=1"))["total"].as_i64().unwrap();
        assert_eq!(ids.len() as i64, total, "{c}: pages and total disagree");
        // The same rows in the same order: CSV pages, and the whole stream.
        let csv_pages: Vec<String> = {
            let mut out = Vec::new();
            let mut next = Some(format!("/v1/{c}.csv?limit=7"));
            while let Some(url) = next {
                let res = app.get(&url);
                assert_eq!(res.status(), 200, "{url}");
                next = res.headers().get("link").map(|l| {
                    let l = l.to_str().unwrap();
                    l[1..l.find('>').unwrap()].to_string()
                });
                out.extend(first_column(&res.text().unwrap()));
            }
            out
        };
        assert_eq!(csv_pages, ids, "{c}: CSV pages");
        let streamed = app.text(&format!("/v1/{c}.csv?all=1"));
        assert_eq!(first_column(&streamed), ids, "{c}: CSV stream");
        let with_bom = app.get(&format!("/v1/{c}.csv?all=1&bom=1")).bytes().unwrap();
        assert_eq!(&with_bom[..3], b"\xEF\xBB\xBF", "{c}: streamed BOM");
        assert_eq!(&with_bom[3..], streamed.as_bytes(), "{c}: the BOM is all that differs");
        // The item, as JSON and as CSV (source documents: their lines).
        let id = &ids[0];
        let item = app.json(&format!("/v1/{c}/{}", urlencode(id)));
        assert_eq!(item["id"].as_str().or(item["document"]["id"].as_str()), Some(id.as_str()), "{c}/{id}");
        let item_csv = app.text(&format!("/v1/{c}/{}.csv", urlencode(id)));
        if *c == "source-documents" {
            assert!(
                item_csv.starts_with("document_id,line,text\r\n") || item_csv.starts_with("document_id,line,text\n")
            );
        } else {
            assert_eq!(first_column(&item_csv), vec![id.clone()], "{c}/{id}.csv");
        }
        let csv_bom = app.get(&format!("/v1/{c}/{}?format=csv&bom=1", urlencode(id))).bytes().unwrap();
        assert_eq!(&csv_bom[..3], b"\xEF\xBB\xBF", "{c}/{id}: item BOM");
    }
});

read_only!(source_documents_page_sort_and_stream_like_every_collection, |app| {
    let all = app.json("/v1/source-documents");
    assert_eq!(all["total"], 2);
    let ids: Vec<&str> = all["data"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["002", "003"]);
    let page = app.json("/v1/source-documents?limit=1&sort=-id");
    assert_eq!(page["data"][0]["id"], "003");
    let rest = app.json(page["next"].as_str().unwrap());
    assert_eq!(rest["data"][0]["id"], "002");
    assert!(rest["next"].is_null());
    // The list never carries the documents' text; the item gives it by line.
    assert!(all["data"][0].get("text").is_none());
    let lines = app.json("/v1/source-documents/002?lines=3-4");
    assert_eq!(lines["lines"].as_array().unwrap().len(), 2);
    assert_problem(app.get("/v1/source-documents?sort=title"), 400);
    assert_problem(app.get("/v1/source-documents?all=1"), 400);
});

read_only!(a_cursor_replayed_under_another_sort_is_refused_naming_the_cursor, |app| {
    // A cursor issued for `sort=id` (a text value) replayed with another sort
    // is refused before any query runs (the unit tests of
    // `api::http::pagination` show a signed cursor of the wrong kind refused).
    let page = app.json("/v1/commitments?limit=1&sort=id");
    let cursor = page["next_cursor"].as_str().unwrap();
    let res = app.get(&format!("/v1/commitments?limit=1&sort=milestone_count&cursor={cursor}"));
    let body = assert_problem(res, 400);
    assert_eq!(body["invalid_params"][0]["name"], "cursor");
});

fn urlencode(s: &str) -> String {
    s.replace(':', "%3A")
}

read_only!(lists_count_their_dimensions_on_request_exactly_as_the_filters_do, |app| {
    for (c, dims) in [
        ("plans", vec!["kind"]),
        ("commitments", vec!["plan", "status", "institution", "has_findings"]),
        ("milestones", vec!["plan", "status", "institution", "has_findings", "overdue"]),
        ("progress-updates", vec!["plan"]),
        ("institutions", vec!["kind"]),
        ("quality-findings", vec!["kind", "plan"]),
    ] {
        let page = app.json(&format!("/v1/{c}?limit=2&facets={}", dims.join(",")));
        let facets = page["facets"].as_object().unwrap_or_else(|| panic!("{c}: no facets"));
        let mut sorted = dims.clone();
        sorted.sort();
        assert_eq!(facets.keys().collect::<Vec<_>>(), sorted.iter().collect::<Vec<_>>(), "{c}");
        for (dim, values) in facets {
            let values = values.as_array().unwrap();
            assert!(!values.is_empty(), "{c} {dim}: counted");
            let sum: i64 = values.iter().map(|v| v["count"].as_i64().unwrap()).sum();
            if dim == "institution" {
                // A record may have several institutions, or none.
                assert!(sum >= 1, "{c} {dim}");
            } else {
                assert_eq!(sum, page["total"].as_i64().unwrap(), "{c} {dim}: every record counted once");
            }
            // Each count is the total of the list filtered by that value
            // (the first three values of each dimension).
            for v in values.iter().take(3) {
                let value = v["value"].as_str().unwrap();
                let filtered = app.json(&format!("/v1/{c}?limit=1&{dim}={value}"));
                assert_eq!(filtered["total"], v["count"], "{c} {dim}={value}");
            }
        }
        // The import stored the whole list's counts; counted live under a
        // filter that every record passes, they are the same.
        let live = app.json(&format!("/v1/{c}?limit=2&updated_since=2000-01-01&facets={}", dims.join(",")));
        assert_eq!(live["total"], page["total"], "{c}");
        assert_eq!(live["facets"], page["facets"], "{c}: stored and counted facets agree");
        // Without the parameter, no facets.
        assert!(app.json(&format!("/v1/{c}?limit=1")).get("facets").is_none());
    }
    // Both sides of the yes-or-no dimensions on the bundled data.
    let page = app.json("/v1/milestones?limit=1&facets=has_findings,overdue");
    for dim in ["has_findings", "overdue"] {
        let values: Vec<&str> =
            page["facets"][dim].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
        assert!(values.contains(&"true") && values.contains(&"false"), "{dim}: {values:?}");
    }
    let overdue = app.json("/v1/milestones?overdue=true&limit=100");
    assert!(overdue["data"].as_array().unwrap().iter().all(|m| m["overdue"] == true));
    let unknown = app.json("/v1/milestones?overdue=no_data&limit=100");
    assert!(unknown["data"].as_array().unwrap().iter().all(|m| m["overdue"].is_null()));
    let flagged = app.json("/v1/commitments?has_findings=true&limit=100");
    for c in flagged["data"].as_array().unwrap() {
        let about = app
            .json(&format!("/v1/quality-findings?limit=1&record_type=commitment&record={}", c["id"].as_str().unwrap()));
        assert!(about["total"].as_i64().unwrap() >= 1, "{}: a finding is about it", c["id"]);
    }
    assert_problem(app.get("/v1/milestones?overdue=maybe"), 400);
    assert_problem(app.get("/v1/commitments?has_findings=perhaps"), 400);
    // Under the filters.
    let page = app.json("/v1/milestones?plan=gt-ogp-nap6&facets=status&limit=1");
    let statuses = page["facets"]["status"].as_array().unwrap();
    let started = statuses.iter().find(|v| v["value"] == "started").unwrap();
    assert_eq!(started["count"], app.json("/v1/milestones?plan=gt-ogp-nap6&status=started&limit=1")["total"]);
    // Refused: an unknown dimension, CSV, the whole-list stream, a list without facets.
    let body = assert_problem(app.get("/v1/milestones?facets=colour"), 400);
    assert_eq!(body["invalid_params"][0]["name"], "facets");
    assert_problem(app.get("/v1/milestones.csv?facets=status"), 400);
    assert_problem(app.get("/v1/milestones.csv?facets=status&all=1"), 400);
    assert_problem(app.get("/v1/source-documents?facets=kind"), 400);
});

read_only!(a_csv_without_limit_is_every_row_in_a_file_named_for_what_it_holds, |app| {
    for c in ["plans", "commitments", "milestones", "progress-updates", "institutions", "quality-findings"] {
        let total = app.json(&format!("/v1/{c}?limit=1"))["total"].as_u64().unwrap() as usize;
        let res = app.get(&format!("/v1/{c}.csv"));
        assert_eq!(res.status(), 200, "{c}");
        assert!(res.headers().get("link").is_none(), "{c}: no next page");
        let body = res.text().unwrap();
        assert_eq!(csv::Reader::from_reader(body.as_bytes()).records().count(), total, "{c}: every row");
        // Asked for as JSON, the same list is paged.
        assert!(app.json(&format!("/v1/{c}"))["data"].as_array().unwrap().len() <= 50);
    }
    // Filtered: every matching row, in a file named after the filters.
    let res = app.get("/v1/milestones.csv?plan=gt-ogp-nap6&status=started");
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"milestones_gt-ogp-nap6_started.csv\"");
    let total = app.json("/v1/milestones?plan=gt-ogp-nap6&status=started&limit=1")["total"].as_u64().unwrap() as usize;
    assert_eq!(csv::Reader::from_reader(res.text().unwrap().as_bytes()).records().count(), total);
    // Paging only when asked for: `limit`, `cursor` or `all=0`.
    let res = app.get("/v1/progress-updates.csv?limit=3");
    assert!(res.headers()["link"].to_str().unwrap().contains("rel=\"next\""));
    assert_eq!(csv::Reader::from_reader(res.text().unwrap().as_bytes()).records().count(), 3);
    let paged = app.text("/v1/progress-updates.csv?all=0");
    let updates = app.json("/v1/progress-updates?limit=1")["total"].as_u64().unwrap() as usize;
    assert_eq!(csv::Reader::from_reader(paged.as_bytes()).records().count(), updates.min(50));
});

read_only!(csv_columns_are_named_in_spanish_with_lang_es, |app| {
    for path in [
        "/v1/plans.csv",
        "/v1/commitments.csv",
        "/v1/milestones.csv",
        "/v1/progress-updates.csv",
        "/v1/institutions.csv",
        "/v1/quality-findings.csv",
        "/v1/source-documents.csv",
        "/v1/search.csv?q=plan",
        "/v1/changes.csv?since=0",
    ] {
        let sep = if path.contains('?') { '&' } else { '?' };
        let english = app.text(path);
        let spanish = app.text(&format!("{path}{sep}lang=es"));
        let header = |s: &str| -> Vec<String> {
            csv::Reader::from_reader(s.as_bytes()).headers().unwrap().iter().map(str::to_string).collect()
        };
        let (en, es) = (header(&english), header(&spanish));
        assert_eq!(en.len(), es.len(), "{path}");
        let distinct: std::collections::HashSet<&String> = es.iter().collect();
        assert_eq!(distinct.len(), es.len(), "{path}: Spanish column names repeat: {es:?}");
        for (e, s) in en.iter().zip(&es) {
            assert!(e != s || !e.contains('_'), "{path}: column {e} has no Spanish label");
        }
        // Only the header row differs.
        assert_eq!(english.lines().skip(1).collect::<Vec<_>>(), spanish.lines().skip(1).collect::<Vec<_>>(), "{path}");
    }
    let res = app.get("/v1/milestones.csv?plan=gt-ogp-nap6&lang=es&bom=1");
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"hitos_gt-ogp-nap6.csv\"");
    let body = res.text().unwrap();
    assert!(body.starts_with("\u{feff}Identificador,"), "{}", &body[..80]);
    assert_problem(app.get("/v1/plans.csv?lang=fr"), 400);
});
