//! The bundled dataset: every plan of the four source documents, with a
//! sample of exact values checked against the source files.

use std::path::Path;

pub use crate::helpers::bundled;
use crate::read_only_bundled;

fn source(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sources").join(name)).unwrap()
}

read_only_bundled!(every_plan_of_the_four_documents_is_served_with_its_counts, |app| {
    let plans = app.json("/v1/plans");
    assert_eq!(plans["total"], 4);
    let counts: Vec<(String, i64, i64, i64)> = plans["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["rollup"]["commitments"].as_i64().unwrap(),
                p["rollup"]["milestones"].as_i64().unwrap(),
                p["rollup"]["progress_updates"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("gt-nna-migrantes-plan-accion".to_string(), 3, 11, 0),
            ("gt-ogp-nap6".to_string(), 6, 27, 44),
            ("gt-ogp-nap4".to_string(), 21, 0, 0),
            ("gt-dialogo-inversion-social-2011".to_string(), 4, 41, 0),
        ]
    );
    let nap6 = &plans["data"][1];
    assert_eq!(nap6["published_milestone_counts"]["not_started"], 8);
    assert_eq!(nap6["published_milestone_counts"]["started"], 19);
    assert_eq!(nap6["published_milestone_counts"]["completed"], 7);
    assert_eq!(plans["data"][2]["stated_commitment_total"], 24);
    let nna = app.json("/v1/plans/gt-nna-migrantes-plan-accion");
    assert_eq!(nna["participants"].as_array().unwrap().len(), 5);
    assert!(nna["sections"].as_array().unwrap().iter().any(|s| s["kind"] == "vulnerable_groups"
        && s["body"].as_str().unwrap().starts_with("Niñez no acompañada, víctimas de trata")));
    let dialogo = app.json("/v1/plans/gt-dialogo-inversion-social-2011");
    assert_eq!(dialogo["risks"].as_array().unwrap().len(), 5);
    assert_eq!(app.json("/v1/progress-updates")["total"], 44);
});

read_only_bundled!(tracking_platform_values_are_exactly_as_published, |app| {
    let text = source("002_51e5fa75739f974e.txt");
    // Percentages with decimals, never rounded.
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c1-m4-u1");
    assert_eq!(u["percent"].to_string(), "12.5");
    assert_eq!(u["reported_at"], "2025-02-24T21:50:02");
    assert!(text.contains(&format!("Descripción: {}", u["description"].as_str().unwrap())));
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c4-m1-u1");
    assert_eq!(u["percent"].to_string(), "8.34");
    assert_eq!(u["percent_raw"], "8.34%");
    assert_eq!(app.json("/v1/progress-updates/gt-ogp-nap6-c4-m1-u5")["percent"].to_string(), "41.7");
    assert_eq!(app.json("/v1/commitments/gt-ogp-nap6-c3")["reported_progress"].to_string(), "70.5");
    assert_eq!(app.json("/v1/commitments/gt-ogp-nap6-c4")["reported_progress_raw"], "69.67%");
    // Dates as written and normalised.
    let m = app.json("/v1/milestones/gt-ogp-nap6-c1-m4");
    assert_eq!((m["start"]["raw"].as_str(), m["start"]["date"].as_str()), (Some("Febrero 2024"), Some("2024-02-01")));
    assert_eq!((m["end"]["raw"].as_str(), m["end"]["date"].as_str()), (Some("Junio 2025"), Some("2025-06-30")));
    assert_eq!(m["end"]["precision"], "month");
    let m = app.json("/v1/milestones/gt-ogp-nap6-c1-m1");
    assert_eq!((m["start"]["raw"].as_str(), m["start"]["date"].as_str()), (Some("06/02/2025"), Some("2025-02-06")));
    assert_eq!(m["start"]["precision"], "day");
    // A link found inside a description.
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c1-m4-u2");
    assert_eq!(u["description_links"][0], "https://www.facebook.com/share/v/1DHug9Dcne/");
    // Commitment institutions by group.
    let c = app.json("/v1/commitments/gt-ogp-nap6-c1");
    assert_eq!(c["responsible_institutions"].as_array().unwrap().len(), 2);
    let groups: Vec<&str> =
        c["participating_institutions"].as_array().unwrap().iter().map(|i| i["group"].as_str().unwrap()).collect();
    assert_eq!(groups.iter().filter(|g| **g == "civil_society").count(), 14);
    assert_eq!(groups.iter().filter(|g| **g == "other").count(), 1);
});

read_only_bundled!(institutions_resolve_every_surface_form_to_one_record, |app| {
    let gae = app.json("/v1/institutions/gae");
    assert_eq!(gae["name"], "Comisión Presidencial de Gobierno Abierto y Electrónico");
    let aliases: Vec<&str> = gae["aliases"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(aliases.contains(&"Comisión de Gobierno Abierto y Electrónico"));
    assert!(aliases.contains(&"GAE"));
    let demi = app.json("/v1/institutions/demi");
    let aliases: Vec<&str> = demi["aliases"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(
        aliases.contains(&"Defensoría de la Mujer Indigena") && aliases.contains(&"Defensoría de la Mujer Indígena")
    );
    // One ministry across documents, with roles in several plans.
    let mspas = app.json("/v1/institutions/mspas");
    let plans: std::collections::BTreeSet<&str> =
        mspas["roles"].as_array().unwrap().iter().map(|r| r["plan_id"].as_str().unwrap()).collect();
    assert!(plans.len() >= 3, "{plans:?}");
    assert_eq!(app.json("/v1/institutions?q=ministerio%20de%20educacion")["data"][0]["id"], "mineduc");
});

read_only_bundled!(regional_and_donor_plans_keep_terms_quarters_and_risks, |app| {
    let a = app.json("/v1/milestones/gt-nna-migrantes-plan-accion-r1-a3");
    assert_eq!(a["code"], "1.3");
    assert_eq!(a["term"], "Campaña permanente");
    let involved = app.json("/v1/milestones?institution=pgn&role=involved");
    assert!(involved["total"].as_i64().unwrap() >= 8);
    let q = app.json("/v1/milestones?plan=gt-dialogo-inversion-social-2011&start_from=2010-10-01&start_to=2010-10-01");
    let first = &q["data"][0];
    assert_eq!(first["start"]["precision"], "quarter");
    assert_eq!(first["start"]["date"], "2010-10-01");
    assert_eq!(first["end"]["date"], "2010-12-31");
    assert!(first["start"]["raw"].as_str().unwrap().starts_with("Oct"));
    let risks = app.json("/v1/plans/gt-dialogo-inversion-social-2011")["risks"].clone();
    let text = source("004_6c8f781c488c6422.txt");
    for r in risks.as_array().unwrap() {
        let first_line = r["scenario"].as_str().unwrap().lines().next().unwrap();
        assert!(text.contains(first_line), "{first_line}");
    }
    let nap4 = app.json("/v1/plans/gt-ogp-nap4");
    let numbers: Vec<&str> =
        nap4["commitments"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(numbers.len(), 21);
    assert!(!numbers.contains(&"14") && !numbers.contains(&"16") && !numbers.contains(&"20"));
});

read_only_bundled!(quality_findings_are_computed_and_referenced_from_records, |app| {
    let all = app.json("/v1/quality-findings?limit=1000");
    let kinds: std::collections::BTreeSet<&str> =
        all["data"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    for kind in [
        "reported_vs_computed_progress",
        "published_counts_mismatch",
        "duplicate_progress_update",
        "progress_decrease",
        "update_after_end_date",
        "numbering_gap",
        "identical_milestones",
    ] {
        assert!(kinds.contains(kind), "missing {kind}: {kinds:?}");
    }
    let gap = app.json("/v1/quality-findings/numbering_gap:gt-ogp-nap4");
    assert_eq!(gap["details"]["missing_numbers"], serde_json::json!(["14", "16", "20"]));
    assert!(gap["summary"]["es"].as_str().unwrap().contains("faltan los números 14, 16 y 20"));
    assert!(gap["summary"]["en"].as_str().unwrap().contains("14, 16 and 20"));
    let counts = app.json("/v1/quality-findings/published_counts_mismatch:gt-ogp-nap6");
    assert_eq!(counts["details"]["published"]["total"], 34);
    assert_eq!(counts["details"]["present"]["total"], 27);
    // Identical text, different percentage: the same text repeated.
    let dup = app.json("/v1/quality-findings/duplicate_progress_update:gt-ogp-nap6-c1-m2-u5");
    assert_eq!(dup["details"]["match"], "exact");
    assert!(dup["summary"]["en"].as_str().unwrap().contains("with another percentage"));
    assert_eq!(dup["details"]["duplicate_of"], "gt-ogp-nap6-c1-m2-u4");
    // Filters, and references from the records.
    assert_eq!(app.json("/v1/quality-findings?plan=gt-ogp-nap4")["total"], 1);
    assert_eq!(app.json("/v1/quality-findings?record=gt-ogp-nap6-c1&kind=reported_vs_computed_progress")["total"], 1);
    let c1 = app.json("/v1/commitments/gt-ogp-nap6-c1");
    assert!(c1["quality_findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "reported_vs_computed_progress:gt-ogp-nap6-c1"));
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c1-m2-u5");
    assert_eq!(u["quality_findings"][0], "duplicate_progress_update:gt-ogp-nap6-c1-m2-u5");
    assert!(app
        .text("/v1/quality-findings.csv")
        .starts_with("id,kind,plan_id,plan_title,record_type,record_id,record_name,summary_es,summary_en"));
    // A finding's numbers have their own columns.
    let csv = app.text("/v1/quality-findings.csv?kind=reported_vs_computed_progress");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let c1 = app.json("/v1/commitments/gt-ogp-nap6-c1");
    let row = rdr.records().map(Result::unwrap).find(|r| &r[col("record_id")] == "gt-ogp-nap6-c1").unwrap();
    assert_eq!(&row[col("record_name")], c1["title"].as_str().unwrap());
    assert_eq!(&row[col("reported_progress")], c1["reported_progress"].to_string());
    let details: serde_json::Value = serde_json::from_str(&row[col("details")]).unwrap();
    assert_eq!(&row[col("computed_progress")], details["computed_progress"].to_string());
    assert_eq!(&row[col("gap_points")], details["difference"].to_string());
    assert_eq!(&row[col("latest_progress")], "");
});

/// The first start of the embedded default serves the bundled data.
#[test]
fn bundled_data_loads_by_itself_on_first_start() {
    let app = crate::helpers::spawn_bundled(crate::helpers::Backend::Sqlite);
    assert_eq!(app.json("/v1")["counts"]["plans"], 4);
}

/// Every canonical column is documented in both languages.
#[test]
fn every_canonical_column_is_in_the_data_dictionary() {
    let dict = &gagt::snapshot::dictionary::COLUMNS;
    for (file, _, columns) in gagt::import::canonical::TABLES {
        let table = file.trim_end_matches(".csv");
        for column in *columns {
            let row = dict.iter().find(|d| d.table == table && d.column == *column);
            let row = row.unwrap_or_else(|| panic!("{table}.{column} is not in data/dictionary.csv"));
            assert!(row.canonical && row.public, "{table}.{column} must be canonical and public");
            assert!(!row.description_es.is_empty() && !row.description_en.is_empty(), "{table}.{column}");
        }
    }
    let canonical = dict.iter().filter(|d| d.canonical).count();
    assert_eq!(canonical, gagt::import::canonical::TABLES.iter().map(|t| t.2.len()).sum::<usize>());
}
