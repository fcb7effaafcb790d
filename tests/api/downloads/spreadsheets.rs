//! Spreadsheets that open ready to use, read back with calamine: any list or
//! record as XLSX with its filters (the CSV's rows, typed: numbers, dates,
//! ids as text), a first sheet describing the data and every column, a
//! frozen, filterable header; and the snapshot's workbooks, whole and per plan.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

use super::bytes;
use crate::helpers::{assert_problem, TestApp};
use crate::read_only;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn open(body: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(body.to_vec())).expect("an XLSX calamine opens")
}

/// A sheet's cells, row by row.
fn sheet(wb: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<Data>> {
    let range = wb.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(|r| r.to_vec()).collect()
}

/// A worksheet's XML (for what calamine does not read: panes, filters, widths).
fn sheet_xml(body: &[u8], n: usize) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(body.to_vec())).unwrap();
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

/// A cell as the CSV writes it: text as is, numbers without a needless
/// `.0`, booleans as `true`/`false`, dates and times in ISO form.
fn as_csv(cell: &Data, csv: &str) -> bool {
    match cell {
        Data::Empty => csv.is_empty(),
        Data::String(s) => s == csv,
        Data::Float(f) => csv.parse::<f64>().is_ok_and(|c| c == *f),
        Data::Int(i) => csv.parse::<i64>() == Ok(*i),
        Data::Bool(b) => csv == b.to_string(),
        Data::DateTime(d) => {
            let t = d.as_datetime().unwrap();
            let shown = if csv.len() > 10 {
                t.format("%Y-%m-%dT%H:%M:%S").to_string()
            } else {
                t.format("%Y-%m-%d").to_string()
            };
            csv.starts_with(&shown)
        }
        other => panic!("unexpected cell {other:?}"),
    }
}

/// The XLSX of `path` (asked with `.xlsx`), checked against its CSV cell
/// for cell; returns the workbook's bytes.
fn same_as_csv(app: &TestApp, path: &str, query: &str, sheet_name: &str) -> Vec<u8> {
    let res = app.get(&format!("{path}.xlsx{query}"));
    assert_eq!(res.status(), 200, "{path}.xlsx{query}");
    assert_eq!(res.headers()["content-type"], XLSX);
    let body = res.bytes().unwrap().to_vec();
    let csv = app.text(&format!("{path}.csv{query}"));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut wb = open(&body);
    assert_eq!(wb.sheet_names(), ["Acerca de", sheet_name], "{path}");
    let rows = sheet(&mut wb, sheet_name);
    assert_eq!(rows.len(), records.len() + 1, "{path}{query}: every row and the header");
    let shown: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(shown, header, "{path}{query}: the CSV's header");
    for (row, record) in rows[1..].iter().zip(&records) {
        for ((cell, csv), name) in row.iter().zip(record.iter()).zip(&header) {
            assert!(as_csv(cell, csv), "{path}{query}: {name}: {cell:?} is not {csv:?}");
        }
    }
    // The first sheet: what it is, which revision, the license and how to
    // cite it, and every column with its meaning.
    let about = sheet(&mut wb, "Acerca de");
    let text: Vec<Vec<String>> = about.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let fact = |key: &str| text.iter().find(|r| r[0].starts_with(key)).map(|r| r[1].clone()).unwrap_or_default();
    assert_eq!(fact("Revisión"), "1");
    assert!(fact("Licencia").starts_with("CC BY 4.0"));
    assert!(fact("Cómo citar").contains("revisión 1"));
    assert!(fact("Fuente").contains(path), "{path}: {}", fact("Fuente"));
    for name in &header {
        let described = text.iter().find(|r| r[0] == sheet_name && r[1] == *name);
        let r = described.unwrap_or_else(|| panic!("{path}: column {name} is not described"));
        assert!(!r[4].is_empty() && !r[5].is_empty(), "{path}: column {name} has no meaning");
    }
    // A frozen, filterable header over every row.
    let xml = sheet_xml(&body, 2);
    assert!(xml.contains("state=\"frozen\"") && xml.contains("topLeftCell=\"A2\""), "{path}: frozen header");
    let filter = xml.split("<autoFilter ref=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
    let last_row = filter.trim_start_matches(|c: char| c != ':').trim_start_matches(|c: char| !c.is_ascii_digit());
    assert!(filter.starts_with("A1:") && last_row == (records.len() + 1).to_string(), "{path}: filter {filter}");
    assert!(xml.contains("<cols>"), "{path}: column widths");
    body
}

read_only!(any_list_or_record_is_a_spreadsheet_with_its_filters, |app| {
    let plan = app.json("/v1/plans?sort=-commitment_count&limit=1")["data"][0]["id"].as_str().unwrap().to_string();
    // Every collection, whole; filtered, in Spanish, named for its filters.
    for (c, name) in [
        ("plans", "plans"),
        ("commitments", "commitments"),
        ("milestones", "milestones"),
        ("progress-updates", "progress-updates"),
        ("institutions", "institutions"),
        ("quality-findings", "quality-findings"),
        ("source-documents", "source-documents"),
    ] {
        same_as_csv(app, &format!("/v1/{c}"), "", name);
    }
    same_as_csv(app, "/v1/milestones", &format!("?plan={plan}&lang=es"), "hitos");
    let res = app.get(&format!("/v1/milestones?plan={plan}&format=xlsx&lang=es"));
    assert_eq!(res.headers()["content-disposition"], format!("attachment; filename=\"hitos_{plan}.xlsx\"").as_str());
    // Typed: numbers are numbers, dates are dates, ids stay text ("002").
    let body = same_as_csv(app, "/v1/progress-updates", &format!("?plan={plan}"), "progress-updates");
    let rows = sheet(&mut open(&body), "progress-updates");
    let column = |name: &str| rows[0].iter().position(|c| *c == name).unwrap();
    let (percent, reported, source) = (column("percent"), column("reported_at"), column("source_document"));
    assert!(rows[1..].iter().any(|r| matches!(r[percent], Data::Float(_))), "percentages are numbers");
    assert!(rows[1..].iter().all(|r| matches!(r[reported], Data::DateTime(_) | Data::Empty)), "dates are dates");
    assert!(rows[1..].iter().all(|r| matches!(&r[source], Data::String(s) if s.len() == 3)), "ids stay text");
    // Accept, and `format=xlsx`, give the same rows; paging when asked for.
    let accepted = app.get_with("/v1/plans", "Accept", XLSX);
    assert_eq!(accepted.headers()["content-type"], XLSX);
    assert_eq!(
        sheet(&mut open(&accepted.bytes().unwrap()), "plans"),
        sheet(&mut open(&bytes(app, "/v1/plans?format=xlsx")), "plans")
    );
    let paged = bytes(app, "/v1/progress-updates.xlsx?limit=3");
    assert_eq!(sheet(&mut open(&paged), "progress-updates").len(), 4);
    // A record; search and changes (pages of them).
    let id = app.json("/v1/commitments?limit=1")["data"][0]["id"].as_str().unwrap().to_string();
    same_as_csv(app, &format!("/v1/commitments/{id}"), "", "commitments");
    same_as_csv(app, "/v1/search", "?q=plan", "search");
    same_as_csv(app, "/v1/changes", "?since=0&lang=es", "cambios");
    // Not a list: refused as not acceptable.
    assert_problem(app.get("/v1/downloads?format=xlsx"), 406);
    assert_problem(app.get("/v1?format=xlsx"), 406);
});

read_only!(the_snapshot_has_a_described_workbook_and_one_per_plan, |app| {
    let d = app.json("/v1/downloads");
    let files = d["files"].as_array().unwrap();
    let whole = files.iter().find(|f| f["format"] == "xlsx").unwrap();
    let body = bytes(app, whole["url"].as_str().unwrap());
    let mut wb = open(&body);
    let mut sheets = vec!["Acerca de"];
    sheets.extend(gagt::snapshot::TABLES);
    assert_eq!(wb.sheet_names(), sheets);
    let about = sheet(&mut wb, "Acerca de");
    for table in gagt::snapshot::TABLES {
        assert!(about.iter().any(|r| r[0] == *table), "{table} described on the first sheet");
    }
    // One workbook per plan, with the plan's rows of the readable tables.
    let plans: Vec<String> = app.json("/v1/plans?limit=1000")["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let per_plan: Vec<&serde_json::Value> = files.iter().filter(|f| f["format"] == "xlsx-plan").collect();
    assert_eq!(per_plan.iter().map(|f| f["plan"].as_str().unwrap()).collect::<Vec<_>>(), plans);
    for f in per_plan {
        let plan = f["plan"].as_str().unwrap();
        assert_eq!(f["media_type"], XLSX);
        let body = bytes(app, f["url"].as_str().unwrap());
        let mut wb = open(&body);
        assert_eq!(
            wb.sheet_names(),
            [
                "Acerca de",
                "flat_commitments",
                "flat_milestones",
                "flat_progress_updates",
                "quality_findings",
                "institution_plan_rollups"
            ]
        );
        let title = app.json(&format!("/v1/plans/{plan}"))["title"].as_str().unwrap().to_string();
        assert_eq!(sheet(&mut wb, "Acerca de")[0][0].to_string(), title);
        for (sheet_name, list) in [
            ("flat_commitments", "commitments"),
            ("flat_milestones", "milestones"),
            ("flat_progress_updates", "progress-updates"),
            ("quality_findings", "quality-findings"),
        ] {
            let total = app.json(&format!("/v1/{list}?plan={plan}&limit=1"))["total"].as_u64().unwrap() as usize;
            let rows = sheet(&mut wb, sheet_name);
            // An empty sheet still has its header.
            assert_eq!(rows.len().max(1), total + 1, "{plan}: {sheet_name}");
        }
        assert!(sheet_xml(&body, 2).contains("state=\"frozen\""));
    }
});
