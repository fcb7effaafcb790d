//! `/v1/downloads`: the snapshot files, their checksums and descriptions;
//! the typed files for analysts are read back in `parquet_files` and `sqlite_file`.

mod diffs;
mod parquet_files;
mod spreadsheets;
mod sqlite_file;

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::helpers::{assert_problem, fixture, Backend, TestApp, TestDb};
use crate::{both_backends, read_only};

fn bytes(app: &TestApp, path: &str) -> Vec<u8> {
    let res = app.get(path);
    assert_eq!(res.status(), 200, "{path}");
    res.bytes().unwrap().to_vec()
}

/// A table's published rows, as its NDJSON file holds them.
fn published_rows(app: &TestApp, table: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let body = bytes(app, &format!("/v1/downloads/latest/{table}.ndjson"));
    body.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect()
}

/// How many records the API lists for a table that is a collection.
fn api_total(app: &TestApp, table: &str) -> Option<u64> {
    let collections = [
        "plans",
        "commitments",
        "milestones",
        "progress_updates",
        "institutions",
        "quality_findings",
        "source_documents",
    ];
    collections
        .contains(&table)
        .then(|| app.json(&format!("/v1/{}?limit=1", table.replace('_', "-")))["total"].as_u64().unwrap())
}

read_only!(downloads_list_every_file_and_sha256sums_matches_them, |app| {
    let d = app.json("/v1/downloads");
    assert_eq!(d["revision"], 1);
    assert_eq!(d["license"], "CC BY 4.0");
    assert!(d["citation"].as_str().unwrap().contains("revisión 1"));
    let files = d["files"].as_array().unwrap();
    // Per table CSV, Excel CSV, JSON, NDJSON and Parquet; then the
    // datapackage, XLSX, one XLSX per plan, SQLite database, ZIP and SHA256SUMS.
    let plans = app.json("/v1/plans?limit=1")["total"].as_u64().unwrap() as usize;
    assert_eq!(files.len(), gagt::snapshot::TABLES.len() * 5 + 5 + plans);
    let sums = String::from_utf8(bytes(app, "/v1/downloads/latest/SHA256SUMS")).unwrap();
    let sums: HashMap<&str, &str> = sums.lines().map(|l| (l[66..].trim(), &l[..64])).collect();
    for f in files {
        let name = f["name"].as_str().unwrap();
        let body = bytes(app, f["revision_url"].as_str().unwrap());
        assert_eq!(body.len() as u64, f["bytes"].as_u64().unwrap(), "{name}");
        let digest = hex::encode(Sha256::digest(&body));
        assert_eq!(digest, f["sha256"].as_str().unwrap(), "{name}");
        if name != "SHA256SUMS" {
            assert_eq!(sums.get(name), Some(&digest.as_str()), "{name} in SHA256SUMS");
        }
        assert_eq!(bytes(app, f["url"].as_str().unwrap()), body, "latest {name}");
        if f["format"] == "csv" {
            let rows = csv::Reader::from_reader(body.as_slice()).records().count();
            assert_eq!(rows as u64, f["rows"].as_u64().unwrap(), "{name}");
        }
    }
    let plans = String::from_utf8(bytes(app, "/v1/downloads/latest/plans.csv")).unwrap();
    assert!(plans.contains("6º Plan de Acción Nacional de Gobierno Abierto 2023-2025"));
    let excel = bytes(app, "/v1/downloads/latest/plans-excel.csv");
    assert!(excel.starts_with(b"\xEF\xBB\xBFid,"));
    let progress = String::from_utf8(bytes(app, "/v1/downloads/latest/progress_updates.csv")).unwrap();
    assert!(progress.contains(",12.5,12.5%,"), "percent published as exact decimals");
    let ndjson = String::from_utf8(bytes(app, "/v1/downloads/latest/commitments.ndjson")).unwrap();
    assert_eq!(ndjson.lines().count(), 4);
    let first: serde_json::Value = serde_json::from_str(ndjson.lines().next().unwrap()).unwrap();
    assert_eq!(first["computed_progress"], 46.25);
});

/// A snapshot CSV as rows of column name → cell.
fn rows_of(app: &TestApp, file: &str) -> Vec<HashMap<String, String>> {
    let body = bytes(app, &format!("/v1/downloads/latest/{file}"));
    let mut rdr = csv::Reader::from_reader(body.as_slice());
    let headers = rdr.headers().unwrap().clone();
    rdr.records().map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect()).collect()
}

read_only!(flat_tables_carry_every_name_needed_to_read_a_row, |app| {
    // One row per record of the normalised table, with its names beside its ids.
    for (flat, normal, api) in [
        ("flat_commitments", "commitments", "commitments"),
        ("flat_milestones", "milestones", "milestones"),
        ("flat_progress_updates", "progress_updates", "progress-updates"),
    ] {
        let rows = rows_of(app, &format!("{flat}.csv"));
        assert_eq!(rows.len(), rows_of(app, &format!("{normal}.csv")).len(), "{flat}");
        assert_eq!(rows.len() as u64, app.json(&format!("/v1/{api}?limit=1"))["total"].as_u64().unwrap(), "{flat}");
        let columns: Vec<&str> = gagt::snapshot::dictionary::public(flat).iter().map(|c| c.column.as_str()).collect();
        assert!(columns.contains(&"plan_title"), "{flat}");
        for row in &rows {
            let plan = app.json(&format!("/v1/plans/{}", row["plan_id"]));
            assert_eq!(row["plan_title"], plan["title"].as_str().unwrap(), "{flat}");
        }
    }
    let updates = rows_of(app, "flat_progress_updates.csv");
    let u = updates.iter().find(|r| r["id"] == "gt-ogp-nap6-c1-m4-u1").unwrap();
    let m = app.json("/v1/milestones/gt-ogp-nap6-c1-m4");
    let c = app.json("/v1/commitments/gt-ogp-nap6-c1");
    assert_eq!(u["milestone_description"], m["description"].as_str().unwrap());
    assert_eq!(u["milestone_code"], m["code"].as_str().unwrap());
    assert_eq!(u["commitment_title"], c["title"].as_str().unwrap());
    assert_eq!(u["commitment_number"], c["number"].as_str().unwrap());
    assert_eq!(u["percent"], "12.5");
    let responsible: Vec<String> = m["responsible_institutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| match i["acronym"].as_str() {
            Some(a) => format!("{} ({a})", i["name"].as_str().unwrap()),
            None => i["name"].as_str().unwrap().to_string(),
        })
        .collect();
    assert_eq!(u["responsible_institutions"], responsible.join(" | "));
    // Reported against computed, in points, exact; empty without both.
    let commitments = rows_of(app, "flat_commitments.csv");
    let c1 = commitments.iter().find(|r| r["id"] == "gt-ogp-nap6-c1").unwrap();
    assert_eq!((c1["reported_progress"].as_str(), c1["computed_progress"].as_str()), ("50", "46.25"));
    assert_eq!(c1["reported_minus_computed"], "3.75");
    for r in &commitments {
        if r["reported_progress"].is_empty() || r["computed_progress"].is_empty() {
            assert_eq!(r["reported_minus_computed"], "", "{}", r["id"]);
        }
    }
});

read_only!(datapackage_describes_every_csv_with_types_and_keys, |app| {
    let p = app.json("/v1/downloads/latest/datapackage.json");
    assert_eq!(p["profile"], "data-package");
    assert_eq!(p["licenses"][0]["name"], "CC BY 4.0");
    let all = p["resources"].as_array().unwrap();
    let (resources, others): (Vec<_>, Vec<_>) = all.iter().partition(|r| r["format"] == "csv");
    assert_eq!(resources.len(), gagt::snapshot::TABLES.len());
    // Parquet files and the database are described as files (size and
    // hash), not as CSV tables.
    assert_eq!(others.len(), gagt::snapshot::TABLES.len() + 1);
    for r in &others {
        assert_eq!(r["type"], "file");
        assert!(r.get("schema").is_none());
        let body = bytes(app, &format!("/v1/downloads/latest/{}", r["path"].as_str().unwrap()));
        assert_eq!(r["bytes"], body.len());
        assert_eq!(r["hash"], format!("sha256:{}", hex::encode(Sha256::digest(&body))));
    }
    assert_eq!(others.iter().filter(|r| r["format"] == "parquet").count(), gagt::snapshot::TABLES.len());
    assert_eq!(others.last().unwrap()["mediatype"], "application/vnd.sqlite3");
    for r in &resources {
        let path = format!("/v1/downloads/latest/{}", r["path"].as_str().unwrap());
        let body = bytes(app, &path);
        let mut rdr = csv::Reader::from_reader(body.as_slice());
        let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
        let fields: Vec<String> =
            r["schema"]["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(header, fields, "{path}");
        assert!(r["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["description"].as_str().is_some_and(|d| !d.is_empty())));
        assert!(!r["schema"]["primaryKey"].as_array().unwrap().is_empty());
        assert_eq!(r["hash"], format!("sha256:{}", hex::encode(Sha256::digest(&body))));
    }
    // The ZIP holds the CSV data package: its descriptor lists those files only.
    let zip = bytes(app, "/v1/downloads/latest/gobierno-abierto-guatemala.zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let inner = zip.by_name("gobierno-abierto-guatemala-r1/datapackage.json").unwrap();
    let zipped: serde_json::Value = serde_json::from_reader(inner).unwrap();
    assert_eq!(zipped["profile"], "tabular-data-package");
    assert_eq!(zipped["resources"].as_array().unwrap(), &resources.into_iter().cloned().collect::<Vec<_>>());
    let commitments = all.iter().find(|r| r["name"] == "commitments").unwrap();
    assert!(commitments["schema"]["foreignKeys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["fields"] == "plan_id" && k["reference"]["resource"] == "plans"));
});

read_only!(files_are_served_with_ranges_validators_and_caching, |app| {
    let url = "/v1/downloads/r1/commitments.csv";
    let full = app.get(url);
    assert_eq!(full.status(), 200);
    let h = full.headers().clone();
    let body = full.bytes().unwrap();
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    assert_eq!(h["content-length"].to_str().unwrap(), body.len().to_string());
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["content-disposition"], "attachment; filename=\"commitments.csv\"");
    assert_eq!(h["accept-ranges"], "bytes");
    let etag = h["etag"].to_str().unwrap();
    let last_modified = h["last-modified"].to_str().unwrap();
    // 206
    let part = app.get_with(url, "Range", "bytes=0-9");
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"].to_str().unwrap(), format!("bytes 0-9/{}", body.len()));
    assert_eq!(&part.bytes().unwrap()[..], &body[..10]);
    let tail = app.get_with(url, "Range", "bytes=-5");
    assert_eq!(&tail.bytes().unwrap()[..], &body[body.len() - 5..]);
    // 416
    let bad = app.get_with(url, "Range", &format!("bytes={}-", body.len() + 10));
    assert_eq!(bad.status(), 416);
    // 304 by ETag and by date
    assert_eq!(app.get_with(url, "If-None-Match", etag).status(), 304);
    assert_eq!(app.get_with(url, "If-Modified-Since", last_modified).status(), 304);
    // latest: stable names, short caching
    let latest = app.get("/v1/downloads/latest/gobierno-abierto-guatemala.zip");
    assert_eq!(latest.status(), 200);
    assert_eq!(latest.headers()["cache-control"], "public, max-age=60");
    assert!(latest.bytes().unwrap().starts_with(b"PK"));
    let xlsx = bytes(app, "/v1/downloads/latest/gobierno-abierto-guatemala.xlsx");
    let zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheets = zip.file_names().filter(|n| n.as_ref().is_ok_and(|n| n.starts_with("xl/worksheets/sheet"))).count();
    // "Acerca de", then one sheet per table.
    assert_eq!(sheets, gagt::snapshot::TABLES.len() + 1);
    // No way out of the snapshot folder.
    for path in [
        "/v1/downloads/r1/..%2F..%2Fmanifest.json",
        "/v1/downloads/r1/manifest.json",
        "/v1/downloads/r9/plans.csv",
        "/v1/downloads/x/plans.csv",
        "/v1/downloads/latest/%2e%2e",
    ] {
        assert_problem(app.get(path), 404);
    }
});

fn edited_fixture(to: &Path) {
    crate::helpers::copy_dataset(&fixture(), to);
    let edit = |file: &str, f: &dyn Fn(String) -> String| {
        let p = to.join(file);
        std::fs::write(&p, f(std::fs::read_to_string(&p).unwrap())).unwrap();
    };
    // Update a commitment's title; delete the last progress update.
    edit("commitments.csv", &|s| {
        s.replacen(
            "Acciones institucionales para el fortalecimiento",
            "Acciones institucionales (revisado) para el fortalecimiento",
            1,
        )
    });
    edit("progress_updates.csv", &|s| {
        let lines: Vec<&str> = s.lines().filter(|l| !l.starts_with("gt-ogp-nap6-c1-m4-u2,")).collect();
        lines.join("\n") + "\n"
    });
}

both_backends!(changes_list_what_an_import_created_updated_and_deleted, |app| {
    let first = app.json("/v1/changes?since=0&limit=1000");
    assert!(first["data"].as_array().unwrap().iter().all(|c| c["change"] == "created" && c["revision"] == 1));
    let before_etag = app.get("/v1/commitments").headers()["etag"].clone();
    let dir = tempfile::tempdir().unwrap();
    edited_fixture(dir.path());
    assert_eq!(app.import(dir.path()), 2);
    let changes = app.json("/v1/changes?since=1&limit=1000");
    let list: Vec<(String, String, String)> = changes["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["type"].as_str().unwrap().into(), c["id"].as_str().unwrap().into(), c["change"].as_str().unwrap().into())
        })
        .collect();
    assert!(list.contains(&("commitment".into(), "gt-ogp-nap6-c1".into(), "updated".into())), "{list:?}");
    assert!(list.contains(&("progress_update".into(), "gt-ogp-nap6-c1-m4-u2".into(), "deleted".into())), "{list:?}");
    // The milestone's latest progress changed with it.
    assert!(list.contains(&("milestone".into(), "gt-ogp-nap6-c1-m4".into(), "updated".into())), "{list:?}");
    assert!(!list.iter().any(|(t, id, _)| t == "commitment" && id == "gt-ogp-nap6-c2"));
    let deleted = changes["data"].as_array().unwrap().iter().find(|c| c["change"] == "deleted").unwrap();
    assert!(deleted["url"].is_null());
    assert_eq!(app.json("/v1/changes?since=2")["total"], 0);
    assert_eq!(app.json("/v1/changes?since=0&until=1")["total"], first["total"]);
    assert_problem(app.get("/v1/changes"), 400);
    // updated_since: only what changed in revision 2.
    let since = app.json("/v1")["revision"]["created_at"].as_str().unwrap().to_string();
    let updated = app.json(&format!("/v1/commitments?updated_since={since}"));
    assert_eq!(updated["total"], 1);
    assert_eq!(updated["data"][0]["id"], "gt-ogp-nap6-c1");
    assert_eq!(app.json("/v1/progress-updates?updated_since=2000-01-01")["total"], 9);
    assert_eq!(app.json(&format!("/v1/plans?updated_since={since}"))["total"], 1);
    assert_problem(app.get("/v1/commitments?updated_since=yesterday"), 400);
    // Responses follow the new revision; the old files stay downloadable.
    let after_etag = app.get("/v1/commitments").headers()["etag"].clone();
    assert_ne!(before_etag, after_etag);
    assert!(after_etag.to_str().unwrap().starts_with("\"r2-"));
    let d = app.json("/v1/downloads");
    assert_eq!(d["revision"], 2);
    assert_eq!(d["past_revisions"][0]["revision"], 1);
    assert_eq!(app.get("/v1/downloads/r1/progress_updates.csv").status(), 200);
    let r2 = String::from_utf8(bytes(&app, "/v1/downloads/latest/progress_updates.csv")).unwrap();
    assert!(!r2.contains("gt-ogp-nap6-c1-m4-u2"));
});

/// Which columns are public is data: every column of every table is
/// classified (full-text index tables, `*_fts*`, only index `search_text`).
#[test]
fn every_table_column_is_classified_in_the_dictionary() {
    let db = TestDb::new(Backend::Sqlite);
    let mut conn = gagt::db::open_for_writing(&db.url).unwrap();
    gagt::db::migrate(&mut conn).unwrap();
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Col {
        #[diesel(sql_type = diesel::sql_types::Text)]
        tbl: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let cols: Vec<Col> = diesel::sql_query(
        "SELECT m.name AS tbl, p.name AS name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name != '__diesel_schema_migrations' \
         AND m.name NOT LIKE '%\\_fts%' ESCAPE '\\'",
    )
    .load(&mut conn)
    .unwrap();
    assert!(cols.len() > 100);
    let dict = &gagt::snapshot::dictionary::COLUMNS;
    for c in &cols {
        assert!(
            dict.iter().any(|d| d.table == c.tbl && d.column == c.name),
            "{}.{} is not classified public or private in data/dictionary.csv",
            c.tbl,
            c.name
        );
    }
    // The flat tables are built for the downloads, not stored.
    let stored = dict.iter().filter(|d| !d.table.starts_with("flat_")).count();
    assert_eq!(stored, cols.len(), "data/dictionary.csv lists columns that do not exist");
    for table in ["flat_commitments", "flat_milestones", "flat_progress_updates"] {
        assert!(gagt::snapshot::TABLES.contains(&table));
        assert!(dict.iter().filter(|d| d.table == table).all(|d| d.public && !d.description_es.is_empty()));
    }
}

both_backends!(changes_page_past_two_to_the_32_changes_without_wrapping, |app| {
    use diesel::prelude::*;
    use gagt::models::change::RecordChangeRow;
    let mut conn = gagt::db::open_for_writing(&app.db.url).unwrap();
    let far: Vec<RecordChangeRow> = ["zz-a", "zz-b"]
        .iter()
        .enumerate()
        .map(|(i, id)| RecordChangeRow {
            seq: (1 << 32) + 1 + i as i64,
            revision: 1,
            record_type: "plan".into(),
            record_id: id.to_string(),
            change: "created".into(),
        })
        .collect();
    for row in &far {
        diesel::insert_into(gagt::schema::record_changes::table).values(row).execute(&mut conn).unwrap();
    }
    let mut ids = Vec::new();
    let mut next = Some("/v1/changes?since=0&type=plan&limit=1".to_string());
    while let Some(url) = next {
        let page = app.json(&url);
        ids.extend(page["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()));
        next = page["next"].as_str().map(str::to_string);
        assert!(ids.len() <= 10, "the pages loop: {ids:?}");
    }
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert_eq!(ids[2..], ["zz-a", "zz-b"]);
});
