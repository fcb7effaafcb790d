//! What an audit of the data found, one test per class, on the bundled
//! dataset and the real source lines: progress from the latest update by
//! time, "no data" never shown as 0 %, verification as published.

use crate::{on_bundled, read_only_bundled};

fn field<'a>(v: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    path.split('.').fold(v, |v, k| &v[k])
}

read_only_bundled!(latest_progress_comes_from_the_latest_update_by_time_not_list_order, |app| {
    // The DEMI milestone lists an update of 20:53:18 first, then eight
    // earlier ones (20:25:32 to 20:43:36): the latest is the first listed.
    let m = app.json("/v1/milestones/gt-ogp-nap6-c5-m3");
    assert_eq!(m["latest_progress_at"], "2025-02-28T20:53:18");
    assert_eq!(m["latest_progress"], 5);
    assert_eq!(m["status"], "started");
    // Its commitment's computed progress uses it: (0 + 75 + 5 + 0 + 0) / 5.
    let c = app.json("/v1/commitments/gt-ogp-nap6-c5");
    assert_eq!(c["computed_progress"], 16);
    assert_eq!(c["computed_progress_milestones"], 5);
    assert_eq!(field(&app.json("/v1/institutions/demi"), "rollup.average_progress"), 5);
});

read_only_bundled!(any_update_means_started_even_when_the_latest_says_zero, |app| {
    // SEPREM: 28 % on 2025-04-22 16:28:48, then 0 % at 16:35:32.
    let m = app.json("/v1/milestones/gt-ogp-nap6-c5-m4");
    assert_eq!((m["status"].as_str(), m["latest_progress"].as_i64()), (Some("started"), Some(0)));
    assert_eq!(m["progress_update_count"], 2);
    // A tracked milestone with no update at all is not started, without a percentage.
    let m = app.json("/v1/milestones/gt-ogp-nap6-c1-m1");
    assert_eq!((m["status"].as_str(), m["latest_progress"].is_null()), (Some("not_started"), true));
});

read_only_bundled!(plans_whose_source_publishes_no_progress_have_no_data_not_zero, |app| {
    for (plan, milestones) in [("gt-nna-migrantes-plan-accion", 11), ("gt-dialogo-inversion-social-2011", 41)] {
        let p = app.json(&format!("/v1/plans/{plan}"));
        assert_eq!(p["tracks_progress"], false, "{plan}");
        assert!(p["progress_as_of"].is_null());
        assert_eq!(field(&p, "rollup.milestones_by_status.no_data"), milestones);
        assert_eq!(field(&p, "rollup.milestones_by_status.not_started"), 0);
        assert!(field(&p, "rollup.computed_progress").is_null());
        let ms = app.json(&format!("/v1/milestones?plan={plan}&limit=100"));
        assert_eq!(ms["total"], milestones);
        for m in ms["data"].as_array().unwrap() {
            assert_eq!(m["status"], "no_data");
            assert!(m["latest_progress"].is_null() && m["overdue"].is_null());
        }
        for c in app.json(&format!("/v1/commitments?plan={plan}"))["data"].as_array().unwrap() {
            assert_eq!(c["status"], "no_data");
            assert!(c["computed_progress"].is_null() && c["computed_progress_milestones"].is_null());
        }
    }
    // The 4th plan lists commitments without any progress either.
    assert_eq!(app.json("/v1/commitments?plan=gt-ogp-nap4&status=no_data")["total"], 21);
    // The tracked plan says what date it speaks for and over how many milestones its mean is.
    let p = app.json("/v1/plans/gt-ogp-nap6");
    assert_eq!((p["tracks_progress"].as_bool(), p["progress_as_of"].as_str()), (Some(true), Some("2025-05-22")));
    assert_eq!(field(&p, "rollup.computed_progress_milestones"), 27);
    assert_eq!(field(&p, "rollup.milestones_by_status.no_data"), 0);
    // Milestones of the 6th plan ending 31/12/2023 and not completed are overdue.
    assert_eq!(field(&p, "rollup.milestones_overdue"), 2);
    assert_eq!(app.json("/v1/milestones/gt-ogp-nap6-c2-m1")["overdue"], true);
    assert_eq!(app.json("/v1/milestones/gt-ogp-nap6-c2-m3")["overdue"], false);
});

read_only_bundled!(the_landing_page_says_sin_datos_where_the_source_publishes_no_progress, |app| {
    let html = app.text("/");
    assert!(!html.contains("0 de 11 (0%)") && !html.contains("0 de 41 (0%)"), "no data shown as 0 %");
    assert_eq!(html.matches("<strong>sin datos</strong>").count(), 3, "three plans publish no progress");
    assert!(html.contains("3 de 27"));
});

read_only_bundled!(verification_is_as_published_and_links_in_the_text_are_not_verification, |app| {
    let all = app.json("/v1/progress-updates?limit=100");
    let updates = all["data"].as_array().unwrap();
    assert_eq!(updates.len(), 44);
    // 24 updates have a "Medios de verificación:" line, every one empty.
    assert_eq!(updates.iter().filter(|u| u["verification"]["line_present"] == true).count(), 24);
    assert!(updates.iter().all(|u| u["verification"]["text"].is_null()));
    // The SESAN update lists a Facebook link in its text and has no verification line.
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c1-m4-u2");
    assert_eq!(u["verification"]["line_present"], false);
    assert_eq!(u["description_links"][0], "https://www.facebook.com/share/v/1DHug9Dcne/");
    // The first GAE update has an empty verification line.
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c1-m2-u1");
    assert_eq!((u["verification"]["line_present"].as_bool(), u["verification"]["text"].is_null()), (Some(true), true));
    assert_eq!(u["source"]["location"], "lines 50-53");
});

read_only_bundled!(an_expected_result_wrapped_over_several_lines_is_one_result, |app| {
    // Commitment 4, milestone 1: four results over eight lines.
    let m = app.json("/v1/milestones/gt-ogp-nap6-c4-m1");
    let results = m["expected_results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(
        results[0],
        "Ampliada la participación de la MMM con criterio de inclusión de tomadores de decisiones, Pueblos\n\
         indígenas, sector empresarial y OSC; con perspectiva territorial, étnica, etaria, de género, socioeconómica\n\
         y de diversidades; con el acompañamiento de\ncooperación internacional."
    );
    // Commitment 3, milestones 3 and 4: one result each.
    assert_eq!(app.json("/v1/milestones/gt-ogp-nap6-c3-m3")["expected_results"].as_array().unwrap().len(), 1);
    let m4 = app.json("/v1/milestones/gt-ogp-nap6-c3-m4");
    assert_eq!(
        m4["expected_results"],
        serde_json::json!(["Mecanismo de rendición de cuentas sobre\ninfraestructura en educación, diseñado, presentado y socializado."])
    );
    // A list of separate results stays a list.
    assert_eq!(app.json("/v1/milestones/gt-ogp-nap6-c1-m4")["expected_results"].as_array().unwrap().len(), 4);
    // The spreadsheet cell has one result per line.
    let csv = app.text("/v1/milestones/gt-ogp-nap6-c4-m1.csv");
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let column = rdr.headers().unwrap().iter().position(|h| h == "expected_results").unwrap();
    let row = rdr.records().next().unwrap().unwrap();
    assert_eq!(row[column].lines().count(), 4);
});

read_only_bundled!(institutions_in_a_plan_are_ranked_by_their_rollups_within_that_plan, |app| {
    // "Which institutions are furthest behind on the 6th plan?"
    let list = app.json("/v1/institutions?plan=gt-ogp-nap6&sort=average_progress&limit=1000");
    let rows = list["data"].as_array().unwrap();
    let ranked: Vec<(&str, Option<f64>)> =
        rows.iter().map(|i| (i["id"].as_str().unwrap(), i["rollup"]["average_progress"].as_f64())).collect();
    assert_eq!(&ranked[..4], &[("iv", Some(0.0)), ("mingob", Some(0.0)), ("seprem", Some(0.0)), ("demi", Some(5.0))]);
    // Ascending, institutions without tracked milestones last.
    let values: Vec<f64> = ranked.iter().filter_map(|r| r.1).collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]));
    let first_null = ranked.iter().position(|r| r.1.is_none()).unwrap();
    assert!(ranked[first_null..].iter().all(|r| r.1.is_none()));
    // MSPAS: within the plan, its three milestones; overall, two more from
    // the 2011 plan that publishes no progress count in no average.
    let mspas = rows.iter().find(|i| i["id"] == "mspas").unwrap();
    assert_eq!(mspas["rollup"]["milestones"], 3);
    assert_eq!(mspas["rollup"]["average_progress"], 60.66);
    let overall = app.json("/v1/institutions/mspas");
    assert_eq!(overall["rollup"]["milestones"], 5);
    assert_eq!(overall["rollup"]["no_data_milestones"], 2);
    assert_eq!(overall["rollup"]["average_progress"], 60.66);
    assert_eq!(overall["rollup"]["average_progress_milestones"], 3);
    // The per-plan breakdown.
    let plans = overall["plans"].as_array().unwrap();
    let nap6 = plans.iter().find(|p| p["plan_id"] == "gt-ogp-nap6").unwrap();
    assert_eq!((nap6["milestones"].as_i64(), nap6["started_milestones"].as_i64()), (Some(3), Some(3)));
    let dialogo = plans.iter().find(|p| p["plan_id"] == "gt-dialogo-inversion-social-2011").unwrap();
    assert_eq!((dialogo["no_data_milestones"].as_i64(), dialogo["average_progress"].is_null()), (Some(2), true));
    // SESAN: two milestones ended 31/12/2023 without being completed.
    let sesan = app.json("/v1/institutions/sesan");
    assert_eq!(sesan["rollup"]["overdue_milestones"], 2);
    // Paging through the scoped list gives the same order.
    let mut paged = Vec::new();
    let mut url = "/v1/institutions?plan=gt-ogp-nap6&sort=average_progress&limit=7".to_string();
    loop {
        let page = app.json(&url);
        paged.extend(page["data"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match page["next"].as_str() {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    assert_eq!(paged, ranked.iter().map(|r| r.0.to_string()).collect::<Vec<_>>());
    // The CSV stream is scoped the same way.
    let csv = app.text("/v1/institutions.csv?plan=gt-ogp-nap6&sort=average_progress&all=1");
    let ids: Vec<String> =
        csv::Reader::from_reader(csv.as_bytes()).records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(ids, paged);
});

read_only_bundled!(filters_that_name_nothing_are_404_and_institutions_resolve_by_any_name, |app| {
    use crate::helpers::assert_problem;
    for (path, param) in [
        ("/v1/commitments?plan=nope", "plan"),
        ("/v1/milestones?plan=nope", "plan"),
        ("/v1/progress-updates?plan=nope", "plan"),
        ("/v1/institutions?plan=nope", "plan"),
        ("/v1/quality-findings?plan=nope", "plan"),
        ("/v1/search?q=datos&plan=nope", "plan"),
        ("/v1/feeds/progress-updates.atom?plan=nope", "plan"),
        ("/v1/milestones?commitment=gt-ogp-nap6-c99", "commitment"),
        ("/v1/progress-updates?milestone=gt-ogp-nap6-c1-m99", "milestone"),
        ("/v1/commitments?institution=nadie", "institution"),
        ("/v1/plans?institution=nadie", "institution"),
    ] {
        let body = assert_problem(app.get(path), 404);
        assert_eq!(body["invalid_params"][0]["name"], param, "{path}");
    }
    // An acronym, a name written without accents, or any alias resolves to the id.
    let by_id = app.json("/v1/milestones?institution=mintrab");
    assert_eq!(by_id["total"], 8);
    for value in ["MINTRAB", "ministerio%20de%20trabajo%20y%20prevision%20social", "Ministerio%20de%20Trabajo"] {
        assert_eq!(app.json(&format!("/v1/milestones?institution={value}"))["data"], by_id["data"], "{value}");
    }
    // A form that names two institutions is ambiguous: 400 naming the parameter.
    let body = assert_problem(app.get("/v1/commitments?institution=FLACSO%20y%20Cruz%20Roja"), 400);
    assert_eq!(body["invalid_params"][0]["name"], "institution");
    // `role` qualifies `institution`.
    for path in
        ["/v1/milestones?role=responsible", "/v1/commitments?role=responsible", "/v1/progress-updates?role=responsible"]
    {
        let body = assert_problem(app.get(path), 400);
        assert_eq!(body["invalid_params"][0]["name"], "role", "{path}");
    }
    assert_eq!(app.json("/v1/milestones?institution=MINTRAB&role=responsible")["total"], 5);
});

/// The 6th plan's report as the platform might export it next: two
/// milestones swapped, one update removed, a text edited, an update added.
fn next_export(report: &str) -> String {
    let lines: Vec<&str> = report.split('\n').collect();
    // 1-based line numbers of the bundled export (commitment 6).
    let (m1, m2, removed, edited) = (509..=515, 516..=522, 539..=541, 545);
    assert_eq!(lines[m1.start() - 1], "INSTITUCIÓN RESPONSABLE:");
    assert_eq!(lines[m2.start() - 1], "INSTITUCIÓN RESPONSABLE:");
    assert_eq!(lines[removed.start() - 1], "Fecha: 2025-04-23 02:39:17");
    let mut out: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        if m1.contains(&n) {
            out.push(lines[n - 1 + 7].to_string());
        } else if m2.contains(&n) {
            out.push(lines[n - 1 - 7].to_string());
        } else if removed.contains(&n) {
            continue;
        } else if n == edited {
            assert!(line.contains("informes cuatrimestrales"));
            out.push(line.replace("informes cuatrimestrales", "informes trimestrales"));
        } else {
            out.push(line.to_string());
        }
    }
    out.push("Fecha: 2025-05-20 10:00:00".into());
    out.push("Descripción: Diseño de la campaña presentado.".into());
    out.push("Porcentaje avance: 10%".into());
    out.join("\n")
}

on_bundled!(ids_survive_the_next_export_and_changes_report_exactly_what_changed, |app| {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    crate::helpers::copy_dataset(&crate::helpers::bundled(), dir.path());
    let name = "002_51e5fa75739f974e.txt";
    let report = next_export(&std::fs::read_to_string(dir.path().join("sources").join(name)).unwrap());
    std::fs::write(dir.path().join("sources").join(name), &report).unwrap();
    let docs = std::fs::read_to_string(dir.path().join("source_documents.csv")).unwrap();
    let old_sha = "f2a222b1de0b2c3a7b3cc55846b74d3fc0f4f9bcf9959bf95e43d1291baea884";
    let docs = docs.replace(old_sha, &hex::encode(Sha256::digest(report.as_bytes())));
    std::fs::write(dir.path().join("source_documents.csv"), docs).unwrap();
    let before_m1 = app.json("/v1/milestones/gt-ogp-nap6-c6-m1");
    let ds = gagt::import::with_report(dir.path(), &dir.path().join("sources").join(name), "gt-ogp-nap6").unwrap();
    assert_eq!(app.store(ds), 2);

    // Swapped milestones keep their ids; their place in the report changes.
    let m1 = app.json("/v1/milestones/gt-ogp-nap6-c6-m1");
    assert_eq!(m1["description"], before_m1["description"]);
    assert_eq!((m1["code"].as_str(), m1["source"]["location"].as_str()), (Some("2"), Some("lines 516-522")));
    assert_eq!(app.json("/v1/milestones/gt-ogp-nap6-c6-m2")["code"], "1");
    // The edited milestone keeps its id and carries the new text.
    let m4 = app.json("/v1/milestones/gt-ogp-nap6-c6-m4");
    assert!(m4["description"].as_str().unwrap().contains("informes trimestrales"));
    // The new update gets a new id; the removed one answers 410 with the revision.
    let new = app.json("/v1/progress-updates/gt-ogp-nap6-c6-m5-u1");
    assert_eq!((new["percent"].as_i64(), new["reported_at"].as_str()), (Some(10), Some("2025-05-20T10:00:00")));
    let gone = crate::helpers::assert_problem(app.get("/v1/progress-updates/gt-ogp-nap6-c6-m3-u4"), 410);
    assert_eq!(gone["removed_in_revision"], 2);
    // Updates still there keep their ids.
    assert_eq!(app.json("/v1/progress-updates/gt-ogp-nap6-c6-m3-u3")["reported_at"], "2025-02-28T19:08:00");
    assert_eq!(app.json("/v1/milestones/gt-ogp-nap6-c6-m3")["progress_update_count"], 3);

    // /v1/changes: exactly these records (findings aside, which restate them).
    let changes = app.json("/v1/changes?since=1&limit=1000");
    let mut seen: std::collections::BTreeSet<(String, String, String)> = Default::default();
    let mut findings = Vec::new();
    for c in changes["data"].as_array().unwrap() {
        let (t, id, what) = (c["type"].as_str().unwrap(), c["id"].as_str().unwrap(), c["change"].as_str().unwrap());
        if t == "quality_finding" {
            findings.push(id.to_string());
        } else {
            seen.insert((t.to_string(), id.to_string(), what.to_string()));
        }
    }
    let e = |t: &str, id: &str, what: &str| (t.to_string(), id.to_string(), what.to_string());
    let mut expected: std::collections::BTreeSet<_> = [
        e("progress_update", "gt-ogp-nap6-c6-m5-u1", "created"),
        e("progress_update", "gt-ogp-nap6-c6-m3-u4", "deleted"),
        e("milestone", "gt-ogp-nap6-c6-m1", "updated"),
        e("milestone", "gt-ogp-nap6-c6-m2", "updated"),
        e("milestone", "gt-ogp-nap6-c6-m3", "updated"),
        e("milestone", "gt-ogp-nap6-c6-m4", "updated"),
        e("milestone", "gt-ogp-nap6-c6-m5", "updated"),
        e("commitment", "gt-ogp-nap6-c6", "updated"),
        e("plan", "gt-ogp-nap6", "updated"),
        e("institution", "mintrab", "updated"),
        e("source_document", "002", "updated"),
    ]
    .into_iter()
    .collect();
    // Roles written on lines that moved (the swap, and below the removed update).
    for m in ["c6-m1", "c6-m2", "c6-m4", "c6-m5"] {
        expected.insert(e("institution_role", &format!("milestone:gt-ogp-nap6-{m}:responsible:mintrab"), "updated"));
    }
    for (m, inst) in [("c6-m2", "mintrab"), ("c6-m4", "mintrab"), ("c6-m4", "gae")] {
        expected.insert(e("institution_role", &format!("milestone:gt-ogp-nap6-{m}:mentioned:{inst}"), "updated"));
    }
    assert_eq!(seen, expected);
    for f in findings {
        assert!(f.contains("gt-ogp-nap6-c6") || f.ends_with(":gt-ogp-nap6"), "an unrelated finding changed: {f}");
    }
});

read_only_bundled!(the_sources_are_data_with_their_structure_and_text_by_line, |app| {
    use sha2::{Digest, Sha256};
    let docs = app.json("/v1/source-documents");
    assert_eq!(docs["total"], 4);
    for d in docs["data"].as_array().unwrap() {
        let path = crate::helpers::bundled().join("../sources").join(d["file_name"].as_str().unwrap());
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(d["sha256"], hex::encode(Sha256::digest(&bytes)));
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(d["line_count"], text.strip_suffix('\n').unwrap_or(&text).split('\n').count());
    }
    // The text by line range, byte-exact (a trailing non-breaking space included).
    let d = app.json("/v1/source-documents/003?lines=32");
    assert_eq!(d["lines"][0]["number"], 32);
    assert!(d["lines"][0]["text"].as_str().unwrap().ends_with("a nivel nacional.\u{a0}"));
    let csv = app.text("/v1/source-documents/002.csv?lines=50-53");
    assert_eq!(csv.lines().next(), Some("document_id,line,text"));
    assert!(csv.contains("002,50,Fecha: 2025-03-05 02:48:19"));
    for bad in ["0", "3-2", "1-9999", "x", "556"] {
        let body = crate::helpers::assert_problem(app.get(&format!("/v1/source-documents/002?lines={bad}")), 400);
        assert_eq!(body["invalid_params"][0]["name"], "lines");
    }
    crate::helpers::assert_problem(app.get("/v1/source-documents/999"), 404);
    // The 2011 plan's own table of contents, with what the body has.
    let d = app.json("/v1/source-documents/004");
    let toc: Vec<&serde_json::Value> =
        d["headings"].as_array().unwrap().iter().filter(|h| h["kind"] == "toc_entry").collect();
    assert_eq!(toc.len(), 16);
    let entry = |n: &str| toc.iter().find(|h| h["number"] == n).unwrap();
    assert_eq!(
        (entry("3.1")["title"].as_str(), entry("3.1")["heading_line"].as_i64()),
        (Some("Mayor Transparencia en la Gestión"), Some(59))
    );
    assert_eq!(
        (entry("6")["title"].as_str(), entry("6")["heading_line"].is_null()),
        (Some("Brochure del proyecto"), true)
    );
    // Every record's provenance points at its lines, which hold its text.
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c6-m3-u4");
    let lines = app.json(u["source"]["url"].as_str().unwrap());
    let joined: Vec<&str> = lines["lines"].as_array().unwrap().iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert!(joined.join("\n").contains(u["description"].as_str().unwrap()));
    assert_eq!(app.json("/v1")["links"]["source_documents"], "/v1/source-documents");
});

read_only_bundled!(search_covers_plan_sections_participants_and_risks, |app| {
    let hit = |q: &str, kind: &str| {
        let r = app.json(&format!("/v1/search?q={q}&type={kind}"));
        assert!(r["total"].as_i64().unwrap() >= 1, "{q} finds no {kind}");
        r["data"][0].clone()
    };
    let s = hit("moderadores", "plan_section");
    assert_eq!(
        (s["plan_id"].as_str(), s["url"].as_str()),
        (Some("gt-nna-migrantes-plan-accion"), Some("/v1/plans/gt-nna-migrantes-plan-accion"))
    );
    assert_eq!(hit("sara%20payes", "plan_participant")["plan_id"], "gt-nna-migrantes-plan-accion");
    assert_eq!(hit("desastre%20natural", "plan_risk")["plan_id"], "gt-dialogo-inversion-social-2011");
    // And an unfiltered search finds them among the rest.
    let all = app.json("/v1/search?q=interpelacion");
    assert!(all["data"].as_array().unwrap().iter().any(|h| h["type"] == "plan_risk"));
});

/// `finding_kind!(test_name, kind, [finding ids it must make], [ids it must not])`:
/// a finding kind on the real case, and not on similar legitimate ones.
macro_rules! finding_kind {
    ($name:ident, $kind:literal, [$($yes:literal),*], [$($no:literal),*]) => {
        read_only_bundled!($name, |app| {
            let found = app.json(concat!("/v1/quality-findings?limit=1000&kind=", $kind));
            let ids: Vec<&str> = found["data"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
            $(assert!(ids.contains(&$yes), "{} should be found: {ids:?}", $yes);)*
            $(assert!(!ids.contains(&$no), "{} is legitimate: {ids:?}", $no);)*
            for f in found["data"].as_array().unwrap() {
                assert_eq!(f["kind"], $kind);
                assert!(!f["summary"]["es"].as_str().unwrap().is_empty() && !f["summary"]["en"].as_str().unwrap().is_empty());
            }
        });
    };
}

finding_kind!(
    published_counts_are_compared_by_the_records_own_status_rules,
    "published_counts_mismatch",
    ["published_counts_mismatch:gt-ogp-nap6"],
    ["published_counts_mismatch:gt-ogp-nap4"]
);
finding_kind!(
    numbering_gaps_are_found_and_a_full_sequence_is_not,
    "numbering_gap",
    ["numbering_gap:gt-ogp-nap4"],
    ["numbering_gap:gt-ogp-nap6"]
);
finding_kind!(
    reported_progress_far_from_the_milestones_is_found_and_an_agreeing_one_is_not,
    "reported_vs_computed_progress",
    ["reported_vs_computed_progress:gt-ogp-nap6-c2"],
    ["reported_vs_computed_progress:gt-ogp-nap6-c3"]
);
finding_kind!(
    a_table_of_contents_entry_without_its_section_is_found_and_a_present_one_is_not,
    "structure_announced_but_absent",
    ["structure_announced_but_absent:004-h22"],
    ["structure_announced_but_absent:004-h21", "structure_announced_but_absent:004-h16"]
);
finding_kind!(
    overdue_milestones_are_found_and_a_completed_late_one_is_not,
    "milestone_overdue",
    ["milestone_overdue:gt-ogp-nap6-c2-m1", "milestone_overdue:gt-ogp-nap6-c2-m2"],
    ["milestone_overdue:gt-ogp-nap6-c2-m3", "milestone_overdue:gt-ogp-nap6-c1-m1"]
);
finding_kind!(
    identical_milestones_under_different_institutions_are_found,
    "identical_milestones",
    ["identical_milestones:gt-ogp-nap6-c5-m3", "identical_milestones:gt-ogp-nap6-c5-m4"],
    ["identical_milestones:gt-ogp-nap6-c2-m1"]
);
finding_kind!(
    progress_without_any_evidence_is_found_and_progress_with_a_link_is_not,
    "progress_without_evidence",
    ["progress_without_evidence:gt-ogp-nap6-c1-m2", "progress_without_evidence:gt-ogp-nap6-c5-m3"],
    [
        "progress_without_evidence:gt-ogp-nap6-c1-m4",
        "progress_without_evidence:gt-ogp-nap6-c3-m2",
        "progress_without_evidence:gt-ogp-nap6-c1-m1"
    ]
);
finding_kind!(
    updates_listed_out_of_time_order_are_found_and_an_ordered_list_is_not,
    "timestamps_out_of_order",
    ["timestamps_out_of_order:gt-ogp-nap6-c5-m3"],
    ["timestamps_out_of_order:gt-ogp-nap6-c1-m2"]
);
finding_kind!(
    bursts_of_updates_minutes_apart_are_found_and_a_pair_is_not,
    "update_burst",
    ["update_burst:gt-ogp-nap6-c1-m2", "update_burst:gt-ogp-nap6-c5-m3", "update_burst:gt-ogp-nap6-c6-m3"],
    ["update_burst:gt-ogp-nap6-c3-m1", "update_burst:gt-ogp-nap6-c2-m3"]
);
finding_kind!(
    repeated_updates_are_found_and_different_events_are_not,
    "duplicate_progress_update",
    [
        "duplicate_progress_update:gt-ogp-nap6-c3-m1-u2",
        "duplicate_progress_update:gt-ogp-nap6-c3-m1-u4",
        "duplicate_progress_update:gt-ogp-nap6-c1-m2-u5"
    ],
    [
        "duplicate_progress_update:gt-ogp-nap6-c1-m2-u2",
        "duplicate_progress_update:gt-ogp-nap6-c4-m1-u2",
        "duplicate_progress_update:gt-ogp-nap6-c6-m3-u4",
        "duplicate_progress_update:gt-ogp-nap6-c3-m1-u3"
    ]
);
finding_kind!(
    percentages_that_go_down_in_time_order_are_found_and_list_order_does_not_matter,
    "progress_decrease",
    ["progress_decrease:gt-ogp-nap6-c5-m4-u2", "progress_decrease:gt-ogp-nap6-c5-m3-u1"],
    ["progress_decrease:gt-ogp-nap6-c3-m1-u2", "progress_decrease:gt-ogp-nap6-c5-m3-u9"]
);
finding_kind!(
    updates_after_the_end_date_are_found_and_one_before_it_is_not,
    "update_after_end_date",
    ["update_after_end_date:gt-ogp-nap6-c2-m3-u1"],
    ["update_after_end_date:gt-ogp-nap6-c1-m4-u2"]
);
finding_kind!(
    text_cut_off_in_the_source_is_found_and_a_complete_text_without_a_period_is_not,
    "text_cut_off",
    ["text_cut_off:gt-ogp-nap6-c3-m1-u1:description", "text_cut_off:gt-ogp-nap6-c3-m1-u2:description"],
    ["text_cut_off:gt-ogp-nap6-c6-m3-u1:description", "text_cut_off:gt-ogp-nap4-c3:title"]
);

read_only_bundled!(findings_answer_where_reported_progress_and_the_evidence_disagree_in_one_call, |app| {
    let f = app.json(
        "/v1/quality-findings?plan=gt-ogp-nap6&kind=reported_vs_computed_progress,progress_without_evidence&limit=100",
    );
    let kinds: std::collections::BTreeSet<&str> =
        f["data"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["progress_without_evidence", "reported_vs_computed_progress"]);
    // The published counts are compared with the records' own statuses.
    let counts = app.json("/v1/quality-findings/published_counts_mismatch:gt-ogp-nap6");
    let plan = app.json("/v1/plans/gt-ogp-nap6");
    assert_eq!(counts["details"]["present"]["started"], plan["rollup"]["milestones_by_status"]["started"]);
    assert_eq!(counts["details"]["present"]["not_started"], plan["rollup"]["milestones_by_status"]["not_started"]);
    crate::helpers::assert_problem(app.get("/v1/quality-findings?kind=nope"), 400);
});

/// Every institution, body or organisation named anywhere in the four
/// sources (`tests/fixtures/named_bodies.csv`: each place a body is named,
/// found by reading every line) has a record, and is linked to the record
/// whose text names it, at that line or within that record.
#[test]
fn every_body_named_anywhere_resolves_to_an_institution_linked_where_it_is_named() {
    use std::collections::{HashMap, HashSet};
    let ds = gagt::import::canonical::read_dir(&crate::helpers::bundled()).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/named_bodies.csv");
    let institutions: HashSet<&str> = ds.institutions.iter().map(|i| i.id.as_str()).collect();
    let texts: HashMap<&str, Vec<&str>> =
        ds.source_documents.iter().map(|d| (d.id.as_str(), gagt::import::canonical::text_lines(&d.text))).collect();
    let span = |loc: &str| gagt::text::parse_location(loc).unwrap();
    // Records with their spans, and the institutions linked to each.
    let mut records: Vec<(&str, (usize, usize), String)> = Vec::new();
    for c in &ds.commitments {
        records.push((&c.source_document, span(&c.source_location), format!("commitment:{}", c.id)));
    }
    for m in &ds.milestones {
        records.push((&m.source_document, span(&m.source_location), format!("milestone:{}", m.id)));
    }
    let updates = ds.progress_updates.to_vec();
    for u in &updates {
        records.push((&u.source_document, span(&u.source_location), format!("progress_update:{}", u.id)));
    }
    for p in &ds.plans {
        records.push((&p.source_document, span(&p.source_location), format!("plan:{}", p.id)));
    }
    for s in &ds.sections {
        records.push((&s.source_document, span(&s.source_location), format!("plan_section:{}", s.id)));
    }
    for r in &ds.risks {
        records.push((&r.source_document, span(&r.source_location), format!("plan_risk:{}", r.id)));
    }
    let mut linked: HashMap<String, HashSet<&str>> = HashMap::new();
    let mut at_line: HashSet<(&str, usize, &str)> = HashSet::new();
    for r in &ds.roles {
        linked.entry(format!("{}:{}", r.subject_type, r.subject_id)).or_default().insert(&r.institution_id);
        let (a, b) = span(&r.source_location);
        for n in a..=b {
            at_line.insert((&r.source_document, n, &r.institution_id));
        }
    }
    for p in &ds.participants {
        if let Some(i) = &p.institution_id {
            at_line.insert((&p.source_document, span(&p.source_location).0, i));
        }
    }
    let mut rdr = csv::Reader::from_path(fixture).unwrap();
    let (mut checked, mut unlinked) = (0, Vec::new());
    for row in rdr.records() {
        let row = row.unwrap();
        let (doc, line, surface, inst, excluded) =
            (&row[0], row[1].parse::<usize>().unwrap(), &row[2], &row[3], &row[5]);
        assert!(institutions.contains(inst), "{doc}:{line}: `{surface}` names `{inst}`, which has no record");
        assert!(texts[doc][line - 1].contains(surface), "{doc}:{line}: `{surface}` is not written there");
        if !excluded.is_empty() {
            continue;
        }
        checked += 1;
        let here = at_line.contains(&(doc, line, inst));
        let within = records
            .iter()
            .filter(|(d, (a, b), _)| *d == doc && *a <= line && line <= *b)
            .any(|(_, _, key)| linked.get(key).is_some_and(|s| s.contains(inst)));
        if !here && !within {
            unlinked.push(format!("{doc}:{line} {inst} (`{surface}`)"));
        }
    }
    assert!(checked > 350, "{checked}");
    assert!(unlinked.is_empty(), "named but linked to no record there: {unlinked:#?}");
}

read_only_bundled!(names_say_whether_the_sources_write_them_and_prose_mentions_are_linked, |app| {
    // Names and acronyms written in the sources, or supplied by curation.
    let cnc = app.json("/v1/institutions/cnc");
    assert_eq!((cnc["name_in_sources"].as_bool(), cnc["acronym_in_sources"].as_bool()), (Some(true), Some(false)));
    assert!(cnc["curated_names"].as_array().unwrap().contains(&serde_json::json!("CNC")));
    let ciidh = app.json("/v1/institutions/ciidh");
    assert_eq!((ciidh["name_in_sources"].as_bool(), ciidh["acronym_in_sources"].as_bool()), (Some(false), Some(true)));
    assert_eq!(ciidh["aliases"], serde_json::json!(["CIIDH"]));
    assert_eq!(app.json("/v1/institutions/igm")["name_in_sources"], false);
    assert_eq!(app.json("/v1/institutions/gae")["name_in_sources"], true);
    // Bodies named only in prose have records, linked where they are named.
    let congreso = app.json("/v1/institutions/congreso");
    assert_eq!(congreso["name"], "Congreso de la República");
    let mention = congreso["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject_id"] == "gt-ogp-nap6-c5-m4-u1")
        .expect("the SEPREM update names the Congress");
    assert_eq!((mention["role"].as_str(), mention["origin"].as_str()), (Some("mentioned"), Some("text")));
    assert_eq!(mention["source"]["url"], "/v1/source-documents/002?lines=479-479");
    let u = app.json("/v1/progress-updates/gt-ogp-nap6-c5-m4-u1");
    let named: Vec<&str> =
        u["mentioned_institutions"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert!(named.contains(&"congreso") && named.contains(&"congreso-comision-de-finanzas"), "{named:?}");
    // A UN agency and a regional conference, named once each.
    assert_eq!(app.json("/v1/institutions/pnud")["acronym_in_sources"], true);
    assert_eq!(app.json("/v1/institutions/crm")["kind"], "international");
    // Sub-units hang under their parent.
    let pgn = app.json("/v1/institutions/pgn");
    assert!(pgn["children"].as_array().unwrap().iter().any(|c| c["id"] == "pgn-unidad-de-ninez"));
    assert_eq!(app.json("/v1/institutions/demi-despacho-superior")["parent_id"], "demi");
    // Common forms are aliases: "cancillería" is the Ministry of Foreign Affairs.
    assert_eq!(
        app.json("/v1/milestones?institution=canciller%C3%ADa")["data"],
        app.json("/v1/milestones?institution=minex")["data"]
    );
    // A word that is also ordinary text there is not taken for a body:
    // "Causas de la Migración Irregular" names no institution.
    let mmm = app.json("/v1/progress-updates/gt-ogp-nap6-c4-m1-u1");
    let named: Vec<&str> =
        mmm["mentioned_institutions"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(named, ["mmm"]);
});

/// Every text of every record is a verbatim piece of its source lines: each
/// line of it is written in a line of the record's location, and a piece
/// that runs to the end of its line keeps what ends the line (trailing
/// spaces, non-breaking spaces). Only curated labels are exempt (flagged
/// `title_in_sources: false`).
#[test]
fn every_text_is_byte_exact_with_its_source_lines() {
    let ds = gagt::import::canonical::read_dir(&crate::helpers::bundled()).unwrap();
    let texts: std::collections::HashMap<&str, Vec<&str>> =
        ds.source_documents.iter().map(|d| (d.id.as_str(), gagt::import::canonical::text_lines(&d.text))).collect();
    let mut check: Vec<(String, String, String, String)> = Vec::new();
    let mut push = |what: String, doc: &str, loc: &str, text: Option<&str>| {
        if let Some(t) = text.filter(|t| !t.is_empty()) {
            check.push((what, doc.to_string(), loc.to_string(), t.to_string()));
        }
    };
    for c in &ds.commitments {
        push(format!("{} title", c.id), &c.source_document, &c.source_location, Some(&c.title));
        push(format!("{} description", c.id), &c.source_document, &c.source_location, c.description.as_deref());
    }
    for m in &ds.milestones {
        push(format!("{} description", m.id), &m.source_document, &m.source_location, Some(&m.description));
        push(format!("{} term", m.id), &m.source_document, &m.source_location, m.term.as_deref());
        for r in gagt::text::json_list(&m.expected_results) {
            push(format!("{} expected result", m.id), &m.source_document, &m.source_location, Some(&r));
        }
    }
    let updates = ds.progress_updates.to_vec();
    for u in &updates {
        push(format!("{} description", u.id), &u.source_document, &u.source_location, Some(&u.description));
        push(format!("{} verification", u.id), &u.source_document, &u.source_location, u.verification.as_deref());
    }
    for s in ds.sections.iter() {
        if s.title_in_sources {
            push(format!("{} title", s.id), &s.source_document, &s.source_location, Some(&s.title));
        }
        push(format!("{} body", s.id), &s.source_document, &s.source_location, Some(&s.body));
    }
    for p in &ds.participants {
        push(format!("{} name", p.id), &p.source_document, &p.source_location, Some(&p.name));
        push(format!("{} position", p.id), &p.source_document, &p.source_location, p.position.as_deref());
    }
    for r in &ds.risks {
        for (f, v) in [
            ("scenario", Some(r.scenario.as_str())),
            ("warning_signs", r.warning_signs.as_deref()),
            ("preventive_actions", r.preventive_actions.as_deref()),
            ("damage_reduction", r.damage_reduction.as_deref()),
            ("adjustments", r.adjustments.as_deref()),
        ] {
            push(format!("{} {f}", r.id), &r.source_document, &r.source_location, v);
        }
    }
    for p in &ds.plans {
        push(format!("{} objective", p.id), &p.source_document, &p.source_location, p.objective.as_deref());
        push(format!("{} description", p.id), &p.source_document, &p.source_location, p.description.as_deref());
    }
    let mut wrong = Vec::new();
    for (what, doc, loc, text) in &check {
        let (a, b) = gagt::text::parse_location(loc).unwrap();
        let lines = &texts[doc.as_str()][a - 1..b];
        for piece in text.split('\n') {
            let exact = lines.iter().any(|line| {
                line.match_indices(piece).any(|(i, _)| {
                    let rest = &line[i + piece.len()..];
                    // Cut before the end of the line's text, or keep all of it.
                    !rest.trim().is_empty() || rest.is_empty()
                })
            });
            if !exact {
                wrong.push(format!("{what} ({doc} {loc}): {piece:?}"));
            }
        }
    }
    assert!(check.len() > 300, "{}", check.len());
    assert!(wrong.is_empty(), "not byte-exact with the source: {wrong:#?}");
    // The audit's example: a trailing non-breaking space stays.
    let c3 = ds.commitments.iter().find(|c| c.id == "gt-ogp-nap4-c3").unwrap();
    assert!(c3.description.as_deref().unwrap().ends_with("a nivel nacional.\u{a0}"));
    assert!(!ds.sections.iter().find(|s| s.id == "gt-nna-migrantes-plan-accion-s3").unwrap().title_in_sources);
    assert!(!ds.plans.iter().find(|p| p.id == "gt-dialogo-inversion-social-2011").unwrap().title_in_sources);
}

read_only_bundled!(what_was_reported_in_march_2025_is_one_documented_call, |app| {
    let march = app.json("/v1/progress-updates?reported_from=2025-03-01&reported_to=2025-03-31&limit=100");
    let days: Vec<&str> =
        march["data"].as_array().unwrap().iter().map(|u| &u["reported_at"].as_str().unwrap()[..10]).collect();
    assert_eq!(march["total"], 9);
    assert!(days.iter().all(|d| *d >= "2025-03-01" && *d <= "2025-03-31"));
    // The three questions are in the README, as they are asked here.
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for call in [
        "/v1/institutions?plan=gt-ogp-nap6&sort=average_progress",
        "/v1/quality-findings?plan=gt-ogp-nap6&kind=reported_vs_computed_progress,progress_without_evidence",
        "/v1/progress-updates?reported_from=2025-03-01&reported_to=2025-03-31",
    ] {
        assert!(readme.contains(call), "README does not show {call}");
    }
});
