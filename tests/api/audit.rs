//! What an audit of the data found, one test per class, on the bundled
//! dataset and the real source lines: progress from the latest update by
//! time, "no data" never shown as 0 %, verification as published.

use crate::on_bundled;

fn field<'a>(v: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    path.split('.').fold(v, |v, k| &v[k])
}

on_bundled!(latest_progress_comes_from_the_latest_update_by_time_not_list_order, |app| {
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

on_bundled!(any_update_means_started_even_when_the_latest_says_zero, |app| {
    // SEPREM: 28 % on 2025-04-22 16:28:48, then 0 % at 16:35:32.
    let m = app.json("/v1/milestones/gt-ogp-nap6-c5-m4");
    assert_eq!((m["status"].as_str(), m["latest_progress"].as_i64()), (Some("started"), Some(0)));
    assert_eq!(m["progress_update_count"], 2);
    // A tracked milestone with no update at all is not started, without a percentage.
    let m = app.json("/v1/milestones/gt-ogp-nap6-c1-m1");
    assert_eq!((m["status"].as_str(), m["latest_progress"].is_null()), (Some("not_started"), true));
});

on_bundled!(plans_whose_source_publishes_no_progress_have_no_data_not_zero, |app| {
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

on_bundled!(the_landing_page_says_sin_datos_where_the_source_publishes_no_progress, |app| {
    let html = app.text("/");
    assert!(!html.contains("0 de 11 (0%)") && !html.contains("0 de 41 (0%)"), "no data shown as 0 %");
    assert_eq!(html.matches("<strong>sin datos</strong>").count(), 3, "three plans publish no progress");
    assert!(html.contains("3 de 27"));
});

on_bundled!(verification_is_as_published_and_links_in_the_text_are_not_verification, |app| {
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

on_bundled!(an_expected_result_wrapped_over_several_lines_is_one_result, |app| {
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
    let row = rdr.records().next().unwrap().unwrap();
    assert_eq!(row[5].lines().count(), 4);
});
