use std::path::Path;

use crate::helpers::{shared_app, spawn_app_with, Backend};
use crate::read_only;

read_only!(index_shows_revision_counts_and_links, |app| {
    let body = app.json("/v1");
    assert_eq!(body["revision"]["number"], 1);
    assert_eq!(body["revision"]["content_hash"].as_str().unwrap().len(), 64);
    assert_eq!(body["counts"]["plans"], 2);
    assert_eq!(body["counts"]["commitments"], 4);
    assert_eq!(body["counts"]["milestones"], 5);
    assert_eq!(body["counts"]["progress_updates"], 10);
    assert_eq!(body["counts"]["institutions"], 7);
    for (_, link) in body["links"].as_object().unwrap() {
        let path = link.as_str().unwrap();
        if !path.ends_with("q=") {
            assert_eq!(app.get(path).status(), 200, "{path}");
        }
    }
    let csv = app.text("/v1.csv");
    assert!(csv.starts_with("revision,revision_created_at,content_hash,plans,"));
});

read_only!(health_and_readiness_probes_answer, |app| {
    assert_eq!(app.json("/healthz")["status"], "ok");
    let ready = app.json("/readyz");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["revision"], 1);
});

#[test]
fn readiness_is_503_until_a_dataset_is_imported() {
    let app = spawn_app_with(Backend::Sqlite, None);
    let res = app.get("/readyz");
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(app.json("/v1/plans")["total"], 0);
}

read_only!(swagger_ui_renders_offline_from_the_served_document, |app| {
    let res = app.client.get(app.url("/docs")).send().unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().unwrap();
    assert!(html.contains("swagger"), "Swagger UI page");
    let init = app.text("/docs/swagger-initializer.js");
    assert!(init.contains("/v1/openapi.json"));
    assert!(app.get("/docs/swagger-ui-bundle.js").status().is_success());
});

/// The committed document equals what the code generates and what is served.
/// `UPDATE_OPENAPI=1 cargo test` rewrites it.
#[test]
fn committed_openapi_matches_the_code_and_the_served_document() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let generated = gagt::api::openapi_json();
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).expect("openapi/openapi.json is committed");
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test` or `gobierno-abierto-gt openapi`"
    );
    assert_eq!(shared_app(Backend::Sqlite).text("/v1/openapi.json"), committed);
}

#[test]
fn every_operation_has_an_id_a_tag_and_documented_responses() {
    let doc: serde_json::Value = serde_json::from_str(&gagt::api::openapi_json()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{id} has no tag");
            assert!(op["responses"]["200"].is_object(), "{id} documents 200");
        }
    }
    assert!(ids.len() >= 14, "{ids:?}");
}

/// Every wire type has a schema of its own: two types with one name would
/// leave one of them described by the other's schema.
#[test]
fn no_two_wire_types_share_a_schema_name() {
    let doc = gagt::api::openapi_json();
    let schemas = &serde_json::from_str::<serde_json::Value>(&doc).unwrap()["components"]["schemas"];
    // The plan's rollup is the plan's, the institution's per-plan rollup its own.
    assert!(schemas["PlanRollup"]["properties"]["milestones_by_status"].is_object());
    assert!(schemas["InstitutionPlanRollup"].is_object());
    let names: Vec<String> = {
        let mut v = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = ["src/views", "src/api", "src/snapshot"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
            .filter(|f| f.as_ref().unwrap().path().extension().is_some_and(|e| e == "rs"));
        for f in files {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            let mut schema = false;
            for line in text.lines() {
                if line.starts_with("#[derive(") {
                    schema = line.contains("ToSchema");
                }
                if let Some(rest) = line.strip_prefix("pub struct ").filter(|_| schema) {
                    v.push(rest.split([' ', '<', '{', '(']).next().unwrap().to_string());
                }
            }
        }
        v
    };
    assert!(names.len() > 20, "{names:?}");
    let mut seen = std::collections::HashSet::new();
    for n in &names {
        assert!(seen.insert(n), "two wire types are called {n}");
    }
}
