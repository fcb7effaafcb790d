//! Revision diffs: the NDJSON and CSV files of a revision's changes from the
//! previous one list exactly what changed, and applied to the previous
//! revision's tables they give this revision's; they are listed with their
//! checksums, linked from `/v1/changes` and announced in the revisions feed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{bytes, edited_fixture};
use crate::both_backends;
use crate::helpers::TestApp;

type Row = Map<String, Value>;
/// A table's rows by key (the key columns' values as JSON).
type Keyed<R> = BTreeMap<String, R>;

fn edit(path: &Path, f: impl Fn(String) -> String) {
    std::fs::write(path, f(std::fs::read_to_string(path).unwrap())).unwrap();
}

fn add_alias(dir: &Path) {
    edit(&dir.join("institution_aliases.csv"), |s| s + "gae,Gobierno Abierto (alias de prueba),false\n");
}

/// Each table's primary-key columns, as `datapackage.json` declares them.
fn keys(app: &TestApp, revision: i32) -> Vec<(String, Vec<String>)> {
    let package = app.json(&format!("/v1/downloads/r{revision}/datapackage.json"));
    let tables = package["resources"].as_array().unwrap().iter().filter(|r| r["format"] == "csv");
    let key =
        |r: &Value| r["schema"]["primaryKey"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().into()).collect();
    tables.map(|r| (r["name"].as_str().unwrap().to_string(), key(r))).collect()
}

fn key_of(key: &[String], row: &Row) -> String {
    serde_json::to_string(&key.iter().map(|c| row[c].clone()).collect::<Vec<_>>()).unwrap()
}

fn lines(body: &[u8]) -> Vec<Row> {
    body.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect()
}

fn ndjson_table(app: &TestApp, revision: i32, table: &str, key: &[String]) -> Keyed<Row> {
    let rows = lines(&bytes(app, &format!("/v1/downloads/r{revision}/{table}.ndjson")));
    rows.into_iter().map(|r| (key_of(key, &r), r)).collect()
}

/// A table's CSV file as cells by column, by key (the key cells joined by `|`).
fn csv_table(app: &TestApp, revision: i32, table: &str, key: &[String]) -> Keyed<BTreeMap<String, String>> {
    let body = bytes(app, &format!("/v1/downloads/r{revision}/{table}.csv"));
    let mut rdr = csv::Reader::from_reader(body.as_slice());
    let headers = rdr.headers().unwrap().clone();
    let rows = rdr.records().map(|r| -> BTreeMap<String, String> {
        headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect()
    });
    rows.map(|r| (key.iter().map(|c| r[c].as_str()).collect::<Vec<_>>().join("|"), r)).collect()
}

/// What changed, computed here from the two revisions' NDJSON files:
/// (table, key, change, the updated fields).
fn expected(app: &TestApp, keys: &[(String, Vec<String>)]) -> BTreeSet<(String, String, String, Vec<String>)> {
    let mut out = BTreeSet::new();
    for (table, key) in keys {
        let (old, new) = (ndjson_table(app, 1, table, key), ndjson_table(app, 2, table, key));
        for (k, row) in &new {
            match old.get(k) {
                None => out.insert((table.clone(), k.clone(), "created".into(), vec![])),
                Some(was) if was != row => {
                    let fields = row.iter().filter(|(c, v)| was.get(*c) != Some(v)).map(|(c, _)| c.clone()).collect();
                    out.insert((table.clone(), k.clone(), "updated".into(), fields))
                }
                Some(_) => false,
            };
        }
        for k in old.keys().filter(|k| !new.contains_key(*k)) {
            out.insert((table.clone(), k.clone(), "deleted".into(), vec![]));
        }
    }
    out
}

both_backends!(a_revision_diff_lists_every_change_and_applied_to_the_old_files_gives_the_new, |app| {
    let first = app.json("/v1/downloads");
    assert!(first["diff"].is_null());
    assert!(first["no_diff"].as_str().unwrap().contains("first"), "{}", first["no_diff"]);
    // Known changes: a commitment's title, a progress update deleted, an alias added.
    let dir = tempfile::tempdir().unwrap();
    edited_fixture(dir.path());
    add_alias(dir.path());
    assert_eq!(app.import(dir.path()), 2);

    // Listed with checksums, in SHA256SUMS and the datapackage.
    let d = app.json("/v1/downloads");
    let files = d["files"].as_array().unwrap();
    let diff_files: Vec<&Value> = files.iter().filter(|f| f["from_revision"] == 1).collect();
    let formats: Vec<&str> = diff_files.iter().map(|f| f["format"].as_str().unwrap()).collect();
    assert_eq!(formats, ["diff-ndjson", "diff-csv"]);
    assert!(d["no_diff"].is_null());
    assert_eq!(d["diff"]["from_revision"], 1);
    let sums = String::from_utf8(bytes(&app, "/v1/downloads/r2/SHA256SUMS")).unwrap();
    let package = app.json("/v1/downloads/r2/datapackage.json");
    for f in &diff_files {
        let body = bytes(&app, f["revision_url"].as_str().unwrap());
        let digest = hex::encode(Sha256::digest(&body));
        assert_eq!(f["sha256"], digest.as_str());
        assert!(sums.contains(&format!("{digest}  {}\n", f["name"].as_str().unwrap())), "{sums}");
        assert_eq!(bytes(&app, f["url"].as_str().unwrap()), body, "the latest diff at a stable URL");
        let resource = package["resources"].as_array().unwrap().iter().find(|r| r["path"] == f["name"]).unwrap();
        assert_eq!((&resource["type"], &resource["hash"]), (&"file".into(), &format!("sha256:{digest}").into()));
    }
    assert_eq!(d["diff"]["ndjson"], diff_files[0]["revision_url"]);
    assert_eq!(d["diff"]["csv"], diff_files[1]["revision_url"]);
    let downloads_csv = app.text("/v1/downloads.csv");
    assert!(downloads_csv.lines().next().unwrap().ends_with(",from_revision"));

    // The NDJSON diff: exactly the changes between the two revisions' files.
    let keys = keys(&app, 2);
    let nd = lines(&bytes(&app, d["diff"]["ndjson"].as_str().unwrap()));
    assert_eq!(nd.len(), diff_files[0]["rows"].as_u64().unwrap() as usize);
    assert_eq!(d["diff"]["changes"], nd.len());
    let key_columns: HashMap<&str, &[String]> = keys.iter().map(|(t, k)| (t.as_str(), k.as_slice())).collect();
    let listed: BTreeSet<_> = nd
        .iter()
        .map(|c| {
            let table = c["table"].as_str().unwrap();
            let key = key_of(key_columns[table], c["key"].as_object().unwrap());
            let fields = match c["change"].as_str().unwrap() {
                "updated" => c["new"].as_object().unwrap().keys().cloned().collect(),
                _ => vec![],
            };
            (table.to_string(), key, c["change"].as_str().unwrap().to_string(), fields)
        })
        .collect();
    assert_eq!(listed.len(), nd.len(), "one line per record");
    assert_eq!(listed, expected(&app, &keys));
    let find = |table: &str, key: Value| nd.iter().find(|c| c["table"] == table && c["key"] == key).unwrap();
    let title = find("commitments", serde_json::json!({"id": "gt-ogp-nap6-c1"}));
    assert_eq!(title["change"], "updated");
    assert!(title["old"]["title"].as_str().unwrap().starts_with("Acciones institucionales para el fortalecimiento"));
    assert!(title["new"]["title"].as_str().unwrap().starts_with("Acciones institucionales (revisado) para"));
    let gone = find("progress_updates", serde_json::json!({"id": "gt-ogp-nap6-c1-m4-u2"}));
    let old_updates = ndjson_table(&app, 1, "progress_updates", &["id".to_string()]);
    assert_eq!((&gone["change"], &gone["new"]), (&"deleted".into(), &Value::Null));
    assert_eq!(gone["old"], Value::Object(old_updates[r#"["gt-ogp-nap6-c1-m4-u2"]"#].clone()), "the whole old row");
    let alias = serde_json::json!({"institution_id": "gae", "alias": "Gobierno Abierto (alias de prueba)"});
    let added = find("institution_aliases", alias);
    assert_eq!((&added["change"], &added["old"]), (&"created".into(), &Value::Null));
    assert_eq!(added["new"]["in_text"], false);
    assert!(!nd.iter().any(|c| c["key"]["id"] == "gt-ogp-nap6-c2" && c["table"] == "commitments"));
    // Sorted by table, in the order files are listed, then by key.
    let order: Vec<(usize, String)> = nd
        .iter()
        .map(|c| {
            let table = c["table"].as_str().unwrap();
            let at = gagt::snapshot::TABLES.iter().position(|t| *t == table).unwrap();
            (at, key_columns[table].iter().map(|k| c["key"][k].as_str().unwrap()).collect::<Vec<_>>().join("\u{1}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // The same records as /v1/changes, for the record types it tracks.
    let types: HashMap<&str, &str> = gagt::import::versions::RECORD_TYPES.iter().map(|(t, r)| (*r, *t)).collect();
    let changes = app.json("/v1/changes?since=1&limit=1000");
    let tracked: BTreeSet<(String, String, String)> = changes["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] != "institution_alias")
        .map(|c| {
            let table = types[c["type"].as_str().unwrap()].to_string();
            (table, format!("[{}]", c["id"]), c["change"].as_str().unwrap().to_string())
        })
        .collect();
    let in_diff: BTreeSet<(String, String, String)> = listed
        .iter()
        .filter(|(t, ..)| t != "institution_aliases" && types.values().any(|v| v == t))
        .map(|(t, k, c, _)| (t.clone(), k.clone(), c.clone()))
        .collect();
    assert_eq!(tracked, in_diff);

    // Applied to revision 1's NDJSON files, the NDJSON diff gives revision 2's.
    let mut tables: HashMap<String, Keyed<Row>> =
        keys.iter().map(|(t, k)| (t.clone(), ndjson_table(&app, 1, t, k))).collect();
    for c in &nd {
        let table = c["table"].as_str().unwrap();
        let rows = tables.get_mut(table).unwrap();
        let key = key_of(key_columns[table], c["key"].as_object().unwrap());
        match c["change"].as_str().unwrap() {
            "created" => assert!(rows.insert(key, c["new"].as_object().unwrap().clone()).is_none()),
            "deleted" => assert_eq!(rows.remove(&key).as_ref(), c["old"].as_object(), "{key}"),
            _ => {
                let row = rows.get_mut(&key).unwrap();
                for (field, old) in c["old"].as_object().unwrap() {
                    assert_eq!(&row[field], old, "{table} {key} {field}");
                }
                row.extend(c["new"].as_object().unwrap().clone());
            }
        }
    }
    for (table, key) in &keys {
        assert_eq!(tables[table], ndjson_table(&app, 2, table, key), "{table}");
    }

    // Applied to revision 1's CSV files, the CSV diff gives revision 2's.
    let body = bytes(&app, d["diff"]["csv"].as_str().unwrap());
    let mut rdr = csv::Reader::from_reader(body.as_slice());
    assert_eq!(rdr.headers().unwrap(), vec!["table", "key", "change", "field", "old_value", "new_value"]);
    let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), diff_files[1]["rows"].as_u64().unwrap() as usize);
    let mut tables: HashMap<String, Keyed<BTreeMap<String, String>>> =
        keys.iter().map(|(t, k)| (t.clone(), csv_table(&app, 1, t, k))).collect();
    for r in &records {
        let (table, key, change, field, old, new) = (&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]);
        let rows = tables.get_mut(table).unwrap();
        if change == "created" {
            assert_eq!(old, "");
            rows.entry(key.to_string()).or_default().insert(field.into(), new.into());
            continue;
        }
        let row = rows.get_mut(key).unwrap_or_else(|| panic!("{table} {key}"));
        assert_eq!(row.get(field).map(String::as_str), Some(old), "{table} {key} {field}");
        match change {
            "deleted" => {
                assert_eq!(new, "");
                row.remove(field);
                if row.is_empty() {
                    rows.remove(key);
                }
            }
            _ => {
                row.insert(field.into(), new.into());
            }
        }
    }
    for (table, key) in &keys {
        assert_eq!(tables[table], csv_table(&app, 2, table, key), "{table}");
    }

    // Linked from /v1/changes and announced in the revisions feed.
    assert_eq!(changes["diffs"], serde_json::json!([d["diff"]]));
    assert_eq!(app.json("/v1/changes?since=0&until=1")["diffs"], serde_json::json!([]));
    let feed = app.text("/v1/feeds/revisions.atom");
    assert_eq!(feed.matches("<entry>").count(), 2);
    let newest = &feed[feed.find("<entry>").unwrap()..feed.find("</entry>").unwrap()];
    assert!(newest.contains("<title>Revisión 2 ("), "{newest}");
    for f in &diff_files {
        let href = format!("{}\"", f["revision_url"].as_str().unwrap());
        let enclosure = newest.split("<link ").find(|l| l.contains(&href)).unwrap_or_else(|| panic!("{newest}"));
        assert!(enclosure.contains("rel=\"enclosure\"") && enclosure.contains(&format!("length=\"{}\"", f["bytes"])));
    }
});

both_backends!(without_the_previous_revisions_files_there_is_no_diff_and_the_downloads_say_why, |app| {
    let dir = tempfile::tempdir().unwrap();
    edited_fixture(dir.path());
    std::fs::remove_dir_all(app.config.snapshot_dir.join("r1")).unwrap();
    assert_eq!(app.import(dir.path()), 2);
    let d = app.json("/v1/downloads");
    assert!(d["diff"].is_null());
    assert!(d["no_diff"].as_str().unwrap().contains("revision 1"), "{}", d["no_diff"]);
    assert!(d["files"].as_array().unwrap().iter().all(|f| !f["format"].as_str().unwrap().starts_with("diff-")));
    assert_eq!(app.json("/v1/changes?since=0")["diffs"], serde_json::json!([]));
    assert!(!app.text("/v1/feeds/revisions.atom").contains("rel=\"enclosure\""));
    // The next revision has one, from revision 2's files (which have none themselves)…
    add_alias(dir.path());
    assert_eq!(app.import(dir.path()), 3);
    let d = app.json("/v1/downloads");
    assert_eq!(d["diff"]["from_revision"], 2);
    assert!(app.text(d["diff"]["ndjson"].as_str().unwrap()).contains("(alias de prueba)"));
    // …but not from files that are no longer those revision 3 published.
    edit(&app.config.snapshot_dir.join("r3/plans.ndjson"), |s| s.replacen("Gobierno Abierto", "Gobierno abierto", 1));
    edit(&dir.path().join("institution_aliases.csv"), |s| s.replace("(alias de prueba)", "(otro alias)"));
    assert_eq!(app.import(dir.path()), 4);
    assert!(app.json("/v1/downloads")["diff"].is_null());
});

both_backends!(an_unchanged_tables_files_are_copied_from_the_previous_revision_by_the_same_program, |app| {
    let snapshots = app.config.snapshot_dir.clone();
    // Marks that only a copy of revision 1's files would carry (still valid JSON).
    let mark =
        |rev: &str, table: &str| edit(&snapshots.join(format!("{rev}/{table}.json")), |s| s.replacen('[', "[ ", 1));
    let marked = |rev: &str, table: &str| {
        std::fs::read(snapshots.join(format!("{rev}/{table}.json"))).unwrap().starts_with(b"[ ")
    };
    mark("r1", "plans");
    mark("r1", "institution_aliases");
    let dir = tempfile::tempdir().unwrap();
    crate::helpers::copy_dataset(&crate::helpers::fixture(), dir.path());
    add_alias(dir.path());
    assert_eq!(app.import(dir.path()), 2);
    assert!(marked("r2", "plans"), "an unchanged table's file is copied");
    assert!(!marked("r2", "institution_aliases"), "a changed table's file is written again");
    // Listed with the checksum of the bytes copied.
    let files = app.json("/v1/downloads")["files"].as_array().unwrap().clone();
    let plans = files.iter().find(|f| f["name"] == "plans.json").unwrap();
    let copied = std::fs::read(snapshots.join("r2/plans.json")).unwrap();
    assert_eq!(plans["sha256"], hex::encode(Sha256::digest(&copied)));
    assert_eq!(plans["bytes"], copied.len());
    // Files another program wrote are not taken over.
    edit(&snapshots.join("r2/manifest.json"), |s| {
        let mut m: Value = serde_json::from_str(&s).unwrap();
        assert!(m["writer"].as_str().is_some_and(|w| w.len() == 64), "{}", m["writer"]);
        m["writer"] = "another build".into();
        serde_json::to_string(&m).unwrap()
    });
    edit(&dir.path().join("institution_aliases.csv"), |s| s.replace("(alias de prueba)", "(otro alias)"));
    assert_eq!(app.import(dir.path()), 3);
    assert!(!marked("r3", "plans"), "written again by this program");
});
