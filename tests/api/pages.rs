//! Pages for people: every collection as a table and every record as a
//! page, in Spanish and English, served through the same collection path
//! as the JSON and CSV (`Pages<C>`), with the same rows, links to the
//! source lines, errors as pages, and the API's caching.

use crate::helpers::*;
use crate::{read_only, read_only_bundled};

/// (API path, Spanish page, English page)
const PAGES: &[(&str, &str, &str)] = &[
    ("plans", "/planes", "/en/plans"),
    ("commitments", "/compromisos", "/en/commitments"),
    ("milestones", "/hitos", "/en/milestones"),
    ("progress-updates", "/avances", "/en/progress-updates"),
    ("institutions", "/instituciones", "/en/institutions"),
    ("quality-findings", "/hallazgos", "/en/findings"),
    ("source-documents", "/fuentes", "/en/sources"),
];

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn urldecode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().unwrap().1.into_owned()
}

fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].replace("&amp;", "&").replace("&#38;", "&"))
        .collect()
}

/// The ids linked from the table's `id` column, in order.
fn row_ids(html: &str, page: &str) -> Vec<String> {
    let body = &html[html.find("<tbody>").map_or(html.len(), |i| i)..];
    body.split("<tr><td")
        .skip(1)
        .filter_map(|s| s.split_once("><a href=\"").map(|(_, rest)| rest))
        .filter_map(|s| s.strip_prefix(&format!("{page}/")))
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

read_only!(every_collection_has_a_table_page_in_both_languages_with_the_api_rows, |app| {
    for (api, es, en) in PAGES {
        for (page, lang, other) in [(es, "es", en), (en, "en", es)] {
            let res = app.get(&format!("{page}?limit=5"));
            assert_eq!(res.status(), 200, "{page}");
            assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
            assert!(res.headers().contains_key("etag"), "{page} is cached like the API");
            let html = res.text().unwrap().replace("&#38;", "&amp;");
            assert!(html.starts_with("<!doctype html>\n<html lang=\"") && html.contains(&format!("lang=\"{lang}\"")));
            // Each language links the other, with hreflang.
            assert!(html.contains(&format!(
                "hreflang=\"{}\" href=\"{other}?limit=5\"",
                if lang == "es" { "en" } else { "es" }
            )));
            // The same rows, in the same order, and the same total as the API.
            let api_page = app.json(&format!("/v1/{api}?limit=5"));
            let ids: Vec<String> =
                api_page["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
            let shown: Vec<String> = row_ids(&html, page).into_iter().map(|s| urldecode(&s)).collect();
            assert_eq!(shown, ids, "{page}");
            assert!(html.contains(&format!("<strong>{}</strong>", api_page["total"])), "{page} total");
            // The next page follows on where the API's does.
            if let Some(next) = api_page["next"].as_str() {
                let link = hrefs(&html).into_iter().find(|h| h.starts_with(&format!("{page}?limit=5&cursor=")));
                let second = app.text(&link.unwrap_or_else(|| panic!("{page}: no next link")));
                let api_second: Vec<String> = app.json(next)["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_str().unwrap().to_string())
                    .collect();
                let shown: Vec<String> = row_ids(&second, page).into_iter().map(|s| urldecode(&s)).collect();
                assert_eq!(shown, api_second, "{page}: second page");
            } else {
                assert!(!html.contains("rel=\"next\""), "{page}: no next page");
            }
            // "Download this view": the whole filtered list, for Excel too.
            // A CSV without `limit` is already every row; Spanish pages
            // offer Spanish column names to Excel.
            let excel = if lang == "es" { "?bom=1&lang=es" } else { "?bom=1" };
            assert!(hrefs(&html).contains(&format!("/v1/{api}.csv{excel}")), "{page} download");
            assert!(hrefs(&html).contains(&format!("/v1/{api}.csv")), "{page} download");
        }
    }
});

read_only!(every_record_has_a_page_that_links_its_source_line, |app| {
    for (api, es, en) in PAGES {
        let first = app.json(&format!("/v1/{api}?limit=1"))["data"][0]["id"].as_str().unwrap().to_string();
        for page in [es, en] {
            let path = format!("{page}/{}", urlencode(&first));
            let res = app.get(&path);
            assert_eq!(res.status(), 200, "{path}");
            let html = res.text().unwrap();
            assert!(html.contains(&format!("href=\"/v1/{api}/{}\"", urlencode(&first))), "{path} links its JSON");
            // Findings point at records, not at lines.
            if *api != "source-documents" && *api != "quality-findings" {
                // One click to the line the record was taken from, which is there.
                let link = hrefs(&html).into_iter().find(|h| h.contains("#L")).unwrap_or_else(|| panic!("{path}"));
                let (doc, line) = link.split_once("#L").unwrap();
                let source = app.text(doc);
                assert!(source.contains(&format!("<li id=\"L{line}\" value=\"{line}\">")), "{link}");
            }
        }
    }
});

read_only_bundled!(a_commitment_page_shows_its_figures_and_institutions, |app| {
    let html = app.text("/compromisos/gt-ogp-nap6-c2");
    let c = app.json("/v1/commitments/gt-ogp-nap6-c2");
    assert!(html.contains(&format!("<h1>{}</h1>", c["title"].as_str().unwrap())), "text byte-exact, not escaped away");
    assert!(html.contains("<dd>76.00%</dd>") && html.contains("<dd>17.33</dd>"));
    assert!(html.contains("href=\"/planes/gt-ogp-nap6\""));
    assert!(html.contains("href=\"/instituciones/sesan\""), "institutions link to their pages");
    assert!(html.contains("href=\"/fuentes/002#L109\""), "source lines 109-125");
    let en = app.text("/en/commitments/gt-ogp-nap6-c2");
    assert!(en.contains("href=\"/en/plans/gt-ogp-nap6\"") && en.contains("href=\"/en/sources/002#L109\""));
});

read_only!(sorting_and_filters_are_links_and_user_text_is_escaped, |app| {
    let html = app.text("/compromisos?plan=gt-ogp-nap6&sort=-reported_progress").replace("&#38;", "&amp;");
    assert!(html.contains("aria-sort=\"descending\""));
    // Clicking the sorted column again sorts the other way, keeping the filter.
    assert!(html.contains("href=\"/compromisos?plan=gt-ogp-nap6&amp;sort=reported_progress\""));
    // The filter can be removed with one click.
    assert!(html.contains("href=\"/compromisos?sort=-reported_progress\""));
    let res = app.get("/compromisos?q=%3Cscript%3Ealert(1)%3C/script%3E");
    assert_eq!(res.status(), 200);
    let html = res.text().unwrap();
    assert!(!html.contains("<script>alert"), "the query is escaped");
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "escaped");
});

read_only!(errors_on_pages_are_pages_with_the_problems_status, |app| {
    for (path, status) in [
        ("/compromisos/no-such-commitment", 404),
        ("/en/commitments/no-such-commitment", 404),
        ("/compromisos?limit=abc", 400),
        ("/compromisos?plan=no-such-plan", 404),
        ("/hitos?all=1", 400),
    ] {
        let res = app.get(path);
        assert_eq!(res.status(), status, "{path}");
        assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8", "{path}");
        let html = res.text().unwrap();
        assert!(html.contains(&format!("({status})</h1>")), "{path}");
    }
    // The API keeps answering problems.
    assert_problem(app.get("/v1/commitments/no-such-commitment"), 404);
    // Only GET: other methods on a page are 405.
    let res = app.client.request(reqwest::Method::DELETE, app.url("/compromisos")).send().unwrap();
    assert_eq!(res.status(), 405);
});

read_only!(pages_revalidate_like_the_api, |app| {
    for path in ["/", "/en/", "/hallazgos", "/en/institutions/sesan"] {
        let res = app.get(path);
        assert_eq!(res.status(), 200, "{path}");
        let etag = res.headers()["etag"].to_str().unwrap().to_string();
        let again = app.get_with(path, "if-none-match", &etag);
        assert_eq!(again.status(), 304, "{path}");
    }
});

read_only_bundled!(the_filter_form_is_a_plain_get_form_and_empty_fields_mean_no_filter, |app| {
    let html = app.text("/avances");
    assert!(html.contains("<form method=\"get\" action=\"/avances\">"));
    // Closed lists are selects with the API's values.
    let es = app.text("/compromisos");
    assert!(es.contains("<select id=\"f-status\" name=\"status\""));
    assert!(es.contains("<option value=\"no_data\">sin datos</option>"));
    assert!(app.text("/en/commitments").contains("<option value=\"no_data\">no data</option>"));
    // What the form sends when a person fills in one field: the rest are empty.
    let url = "/avances?plan=gt-ogp-nap6&milestone=&reported_from=2025-03-01&reported_to=2025-03-31";
    let res = app.get(url);
    assert_eq!(res.status(), 200, "{url}");
    let html = res.text().unwrap();
    let api = app.json("/v1/progress-updates?plan=gt-ogp-nap6&reported_from=2025-03-01&reported_to=2025-03-31");
    assert!(html.contains(&format!("<strong>{}</strong>", api["total"])), "March 2025 on the page as in the API");
    // The API itself keeps refusing empty parameters.
    assert_problem(app.get("/v1/progress-updates?milestone="), 400);
});

read_only_bundled!(robots_and_sitemaps_list_every_page_in_both_languages, |app| {
    let robots = app.text("/robots.txt");
    assert!(robots.contains("Sitemap: ") && robots.contains("/sitemap.xml"));
    let index = app.text("/sitemap.xml");
    assert!(index.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex"));
    let parts: Vec<String> = index
        .split("<loc>")
        .skip(1)
        .map(|s| s[..s.find("</loc>").unwrap()].to_string())
        .map(|u| u[u.find("/sitemaps/").unwrap()..].to_string())
        .collect();
    assert_eq!(parts.len(), 8, "the pages, and one file per collection at this size: {parts:?}");
    let mut urls = Vec::new();
    for part in &parts {
        let xml = app.text(part);
        assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
        urls.extend(xml.split("<loc>").skip(1).map(|s| s[..s.find("</loc>").unwrap()].replace("&#38;", "&")));
    }
    let commitments = app.json("/v1/commitments?limit=1")["total"].as_i64().unwrap();
    assert_eq!(urls.iter().filter(|u| u.contains("/compromisos/")).count() as i64, commitments);
    assert_eq!(urls.iter().filter(|u| u.contains("/en/commitments/")).count() as i64, commitments);
    // Every listed page exists (a sample: the first of each kind).
    for prefix in ["/planes/", "/en/findings/", "/fuentes/", "/en/progress-updates/"] {
        let url = urls.iter().find(|u| u.contains(prefix)).unwrap();
        assert_eq!(app.get(&url[url.find(prefix).unwrap()..]).status(), 200, "{url}");
    }
    assert_eq!(app.get("/sitemaps/commitments-2.xml").status(), 404);
    assert_eq!(app.get("/sitemaps/nothing-1.xml").status(), 404);
});

read_only_bundled!(the_search_page_finds_records_and_links_their_pages, |app| {
    // Without words: the form, no error.
    let empty = app.text("/buscar");
    assert!(empty.contains("name=\"q\""));
    let html = app.text("/buscar?q=informacion+publica&type=&plan=");
    let api = app.json("/v1/search?q=informacion+publica");
    assert!(html.contains(&format!("<strong>{}</strong>", api["total"])));
    let first = &api["data"][0];
    let kind = first["type"].as_str().unwrap();
    let path = match kind {
        "commitment" => "/compromisos/",
        "milestone" => "/hitos/",
        "progress_update" => "/avances/",
        "plan" => "/planes/",
        "institution" => "/instituciones/",
        other => panic!("first hit is a {other}"),
    };
    assert!(html.contains(&format!("href=\"{path}{}\"", first["id"].as_str().unwrap())), "hits link their pages");
    let en = app.text("/en/search?q=informacion+publica");
    assert!(en.contains("lang=\"en\"") && en.contains(&format!("<strong>{}</strong>", api["total"])));
    // The home page's search box goes there.
    assert!(app.text("/").contains("<form method=\"get\" action=\"/buscar\" role=\"search\">"));
    // Feed entries open the update's page first.
    let feed = app.text("/v1/feeds/progress-updates.atom");
    let entry = &feed[feed.find("<entry>").unwrap()..];
    let first_link = &entry[entry.find("<link ").unwrap()..];
    let first_link = &first_link[..first_link.find("/>").unwrap()];
    assert!(first_link.contains("/avances/gt-ogp-nap6-") && first_link.contains("type=\"text/html\""), "{first_link}");
});

read_only_bundled!(tables_count_each_value_of_their_main_dimensions_and_link_it_as_a_filter, |app| {
    let html = app.text("/hitos?plan=gt-ogp-nap6").replace("&#38;", "&amp;");
    // Every count is the API's total for that filter, exactly.
    for status in ["completed", "started", "not_started", "no_data"] {
        let total =
            app.json(&format!("/v1/milestones?plan=gt-ogp-nap6&status={status}&limit=1"))["total"].as_i64().unwrap();
        let link = format!(
            "<a href=\"/hitos?plan=gt-ogp-nap6&amp;status={status}\" rel=\"nofollow\">{}</a> <span class=\"count\">{total}</span>",
            match status {
                "completed" => "completado",
                "started" => "iniciado",
                "not_started" => "no iniciado",
                _ => "sin datos",
            }
        );
        assert_eq!(html.contains(&link), total > 0, "{status}: {total}");
    }
    // The current filter is marked, not linked; plans and institutions by name.
    let title = app.json("/v1/plans/gt-ogp-nap6")["title"].as_str().unwrap().to_string();
    assert!(html.contains(&format!(
        "<strong aria-current=\"true\">{}</strong> <span class=\"count\">27</span>",
        escape(&title)
    )));
    let facets =
        app.json("/v1/milestones?plan=gt-ogp-nap6&limit=1&facets=institution,has_findings,overdue")["facets"].clone();
    let top = &facets["institution"][0];
    let inst = app.json(&format!("/v1/institutions/{}", top["value"].as_str().unwrap()));
    let name = match inst["acronym"].as_str() {
        Some(a) => format!("{} ({a})", inst["name"].as_str().unwrap()),
        None => inst["name"].as_str().unwrap().to_string(),
    };
    assert!(
        html.contains(&format!(
            "<a href=\"/hitos?plan=gt-ogp-nap6&amp;institution={}\" rel=\"nofollow\">{}</a> <span class=\"count\">{}</span>",
            top["value"].as_str().unwrap(),
            escape(&name),
            top["count"]
        )),
        "{name}"
    );
    for (dim, value, label) in
        [("has_findings", "true", "sí"), ("has_findings", "false", "no"), ("overdue", "false", "no")]
    {
        let count = facets[dim].as_array().unwrap().iter().find(|v| v["value"] == value).unwrap()["count"].clone();
        assert!(
            html.contains(&format!(
                "<a href=\"/hitos?plan=gt-ogp-nap6&amp;{dim}={value}\" rel=\"nofollow\">{label}</a> <span class=\"count\">{count}</span>"
            )),
            "{dim}={value}"
        );
    }
    // A long facet lists its twelve most frequent values and how many more.
    let all = app.json("/v1/milestones?limit=1&facets=institution")["facets"]["institution"].as_array().unwrap().len();
    let page = app.text("/hitos");
    if all > 12 {
        assert!(page.contains(&format!("<li class=\"more\">y {} más", all - 12)), "{all} institutions");
    }
    let findings = app.text("/en/findings");
    let total = app.json("/v1/quality-findings?kind=reported_vs_computed_progress&limit=1")["total"].as_i64().unwrap();
    assert!(
        findings.contains(&format!("reported progress differs from computed</a> <span class=\"count\">{total}</span>"))
    );
});

read_only_bundled!(the_home_page_shows_the_latest_updates_and_the_findings_by_kind, |app| {
    let html = app.text("/").replace("&#38;", "&amp;");
    let newest = app.json("/v1/progress-updates?sort=-reported_at&limit=5");
    for u in newest["data"].as_array().unwrap() {
        assert!(html.contains(&format!("href=\"/avances/{}\"", u["id"].as_str().unwrap())), "{}", u["id"]);
    }
    // Counts per kind, each the API's total for that kind, linking the filtered table.
    let kinds = app.json("/v1/quality-findings?limit=1000");
    let mut counts = std::collections::BTreeMap::<String, i64>::new();
    for f in kinds["data"].as_array().unwrap() {
        *counts.entry(f["kind"].as_str().unwrap().to_string()).or_default() += 1;
    }
    for (kind, n) in &counts {
        assert!(
            html.contains(&format!(
                "<a href=\"/hallazgos?kind={kind}\">{}</a> <span class=\"count\">{n}</span><br><span class=\"muted\">{}</span>",
                gagt::publication::labels::value(kind).unwrap().es,
                gagt::publication::labels::value(kind).unwrap().help_es,
            )),
            "{kind}: {n}"
        );
    }
    let en = app.text("/en/");
    assert!(en.contains("Latest reported progress") && en.contains("href=\"/en/findings?kind="));
});

read_only_bundled!(milestones_and_commitments_have_progress_charts_with_their_own_urls, |app| {
    // gt-ogp-nap6-c1-m2 has eight dated updates.
    let updates = app.json("/v1/progress-updates?milestone=gt-ogp-nap6-c1-m2&limit=100");
    let n = updates["data"].as_array().unwrap().iter().filter(|u| !u["percent"].is_null()).count();
    assert!(n >= 2);
    for (page, chart) in [
        ("/hitos/gt-ogp-nap6-c1-m2", "/hitos/gt-ogp-nap6-c1-m2/avance.svg"),
        ("/en/milestones/gt-ogp-nap6-c1-m2", "/en/milestones/gt-ogp-nap6-c1-m2/progress.svg"),
        ("/compromisos/gt-ogp-nap6-c1", "/compromisos/gt-ogp-nap6-c1/avance.svg"),
    ] {
        let html = app.text(page);
        assert!(html.contains(&format!("<img src=\"{chart}\"")), "{page} shows its chart");
        assert!(html.contains(" alt=\""), "{page}: the chart has a text alternative");
        let res = app.get(chart);
        assert_eq!(res.status(), 200, "{chart}");
        assert_eq!(res.headers()["content-type"], "image/svg+xml; charset=utf-8");
        let svg = res.text().unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{chart}");
        if chart.starts_with("/hitos") {
            // One point per update with a percentage.
            assert_eq!(svg.matches("<circle").count(), n, "{chart}");
        }
    }
    assert_eq!(app.get("/hitos/no-such-milestone/avance.svg").status(), 404);
});

read_only_bundled!(record_pages_describe_themselves_in_json_ld, |app| {
    for (page, kind) in [
        ("/instituciones/sesan", "GovernmentOrganization"),
        ("/compromisos/gt-ogp-nap6-c2", "CreativeWork"),
        ("/fuentes/002", "DigitalDocument"),
    ] {
        let html = app.text(page);
        let start = html.find("<script type=\"application/ld+json\">").unwrap_or_else(|| panic!("{page}")) + 35;
        let end = start + html[start..].find("</script>").unwrap();
        let ld: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(ld["@type"], kind, "{page}");
        assert!(ld["url"].as_str().unwrap().ends_with(page), "{page}");
        assert_eq!(ld["isPartOf"]["@type"], "Dataset");
    }
    let html = app.text("/compromisos/gt-ogp-nap6-c2");
    assert!(html.contains("\"isBasedOn\":\"") && html.contains("/fuentes/002\""));
});

read_only_bundled!(cards_may_be_framed_anywhere_and_oembed_hands_them_out, |app| {
    for (card, page) in [
        ("/compromisos/gt-ogp-nap6-c2/tarjeta", "/compromisos/gt-ogp-nap6-c2"),
        ("/en/milestones/gt-ogp-nap6-c1-m2/card", "/en/milestones/gt-ogp-nap6-c1-m2"),
        ("/instituciones/sesan/tarjeta", "/instituciones/sesan"),
    ] {
        let res = app.get(card);
        assert_eq!(res.status(), 200, "{card}");
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("frame-ancestors *"), "{card}: {csp}");
        assert!(!res.headers().contains_key("x-frame-options"));
        let html = res.text().unwrap();
        assert!(html.contains(&format!("{page}\" target=\"_blank\"")), "{card} links back");
        assert!(html.contains("CC BY 4.0"), "{card} says the license");
        // Other pages still refuse to be framed.
        let page_csp = app.get(page).headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(page_csp.contains("frame-ancestors 'none'"));
        // The page announces its card, and oEmbed answers for the page's URL.
        let page_html = app.text(page).replace("&#38;", "&");
        let needle = "type=\"application/json+oembed\" href=\"";
        let start = page_html.find(needle).expect("oEmbed discovery") + needle.len();
        let discovery = &page_html[start..start + page_html[start..].find('"').unwrap()];
        let o = app.json(discovery);
        assert_eq!((o["version"].as_str(), o["type"].as_str()), (Some("1.0"), Some("rich")));
        assert!(o["html"].as_str().unwrap().contains(&format!("{card}\"")), "{}", o["html"]);
    }
    // The commitment's card shows its reported progress; a milestone without data says so.
    assert!(app.text("/compromisos/gt-ogp-nap6-c2/tarjeta").contains("<strong>76 %</strong>"));
    let nap4 = app.json("/v1/milestones?plan=gt-ogp-nap4&limit=1");
    if let Some(m) = nap4["data"][0]["id"].as_str() {
        let html = app.text(&format!("/hitos/{m}/tarjeta"));
        assert!(html.contains("<strong>sin datos</strong>") && !html.contains("0 %"), "{m}");
    }
    assert_eq!(app.get("/oembed?url=http://127.0.0.1/planes/gt-ogp-nap6").status(), 404);
    assert_eq!(app.get("/oembed?url=http://127.0.0.1/compromisos/gt-ogp-nap6-c2&format=xml").status(), 501);
});

read_only_bundled!(a_source_page_shows_300_lines_and_links_every_other_stretch, |app| {
    let count = app.json("/v1/source-documents/002")["line_count"].as_i64().unwrap();
    assert!(count > 300, "002 has {count} lines");
    let html = app.text("/fuentes/002").replace("&#38;", "&amp;");
    assert_eq!(html.matches("<li id=\"L").count(), 300);
    assert!(html.contains(&format!("href=\"/fuentes/002?lines=301-{}\"", count.min(600))), "the later lines");
    // A record taken from a line past the first stretch links the stretch that shows it.
    let updates = app.json("/v1/progress-updates?plan=gt-ogp-nap6&limit=100");
    let first_line = |u: &serde_json::Value| -> usize {
        let loc = u["source"]["location"].as_str().unwrap().trim_start_matches("lines ").trim_start_matches("line ");
        loc.split('-').next().unwrap().parse().unwrap()
    };
    let later = updates["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| (301..=600).contains(&first_line(u)))
        .expect("an update on lines 301-600");
    let first = first_line(later);
    let page = app.text(&format!("/avances/{}", later["id"].as_str().unwrap())).replace("&#38;", "&amp;");
    let link = format!("/fuentes/002?lines=301-600#L{first}");
    assert!(page.contains(&format!("href=\"{}\"", link.replace('&', "&amp;"))), "{link}");
    let stretch = app.text("/fuentes/002?lines=301-600");
    assert!(stretch.contains(&format!("<li id=\"L{first}\" value=\"{first}\">")));
    assert!(stretch.contains("href=\"/fuentes/002?lines=1-300\""), "the earlier lines");
    // The API keeps its own rules: a range past the end is a 400 there.
    assert_problem(app.get("/v1/source-documents/002?lines=501-1000"), 400);
});

/// At scale 1 (ten plans, a long synthetic source), pages stay small: the
/// home lists the first plans and links the rest, a source page holds 300
/// lines. (Scale 100 is measured by `bench/run.sh`.)
#[test]
fn pages_stay_under_150_kb_on_a_larger_dataset() {
    let app = spawn_app(Backend::Sqlite);
    let data = tempfile::tempdir().unwrap();
    let mut ds = gagt::synthetic::generate(1);
    // More plans than the home page lists.
    let extra: Vec<_> = (0..30)
        .map(|i| {
            let mut p = ds.plans[0].clone();
            p.id = format!("gt-extra-{i}");
            p.seq = 1000 + i;
            p
        })
        .collect();
    ds.plans.extend(extra);
    gagt::import::export::write_dir(&ds, data.path()).unwrap();
    app.import(data.path());
    let total = app.json("/v1/plans?limit=1")["total"].as_i64().unwrap();
    let home = app.text("/");
    assert!(
        home.contains(&format!("<a href=\"/planes\">Todos los planes ({total})</a>")),
        "the rest of the plans ({total}), linked"
    );
    for page in ["/", "/en/", "/fuentes/syn", "/avances", "/hitos", "/compromisos", "/instituciones", "/hallazgos"] {
        let size = app.get(page).bytes().unwrap().len();
        assert!(size <= 150_000, "{page}: {size} bytes");
    }
}

read_only_bundled!(pages_name_fields_filters_and_values_in_the_pages_language, |app| {
    // Column headers are labels, not API field names; the values of closed lists too.
    let es = app.text("/compromisos?plan=gt-ogp-nap6");
    assert!(es.contains(">Avance reportado (%)</a></th>") && es.contains(">Título</th>"), "Spanish headers");
    assert!(!es.contains(">reported_progress<"), "no API names as headers");
    assert!(es.contains("<td>iniciado</td>") || es.contains("<td>completado</td>"), "statuses in Spanish");
    let en = app.text("/en/commitments?plan=gt-ogp-nap6");
    assert!(en.contains(">Reported progress (%)</a></th>") && en.contains(">Title</th>"), "English headers");
    // A filter chip names the filter and its values in words.
    let chips = app.text("/hallazgos?kind=reported_vs_computed_progress,progress_without_evidence");
    assert!(chips.contains("Tipo: avance reportado distinto del calculado, avance sin evidencia ✕"), "chip in words");
    // A record page's fields are labelled; nested fields name their group.
    let inst = app.text("/instituciones/cnc");
    assert!(inst.contains(">Resumen › Avance promedio (%)</dt>"), "nested field labelled");
    // A finding's figures are words and numbers, not JSON.
    let c1 = "reported_vs_computed_progress:gt-ogp-nap6-c1";
    let api = app.json(&format!("/v1/quality-findings/{}", urlencode(c1)));
    let table = app.text("/hallazgos?kind=reported_vs_computed_progress");
    let figures = format!(
        "Avance reportado (%): {} · Avance calculado (%): {}",
        api["details"]["reported_progress"], api["details"]["computed_progress"]
    );
    assert!(table.contains(&figures), "{figures}");
    // Where the source has no progress the table says so; it never shows 0.
    let behind = app.text("/instituciones?plan=gt-ogp-nap6&sort=average_progress");
    let untracked = app.json("/v1/institutions?plan=gt-ogp-nap6&sort=average_progress");
    let nulls =
        untracked["data"].as_array().unwrap().iter().filter(|i| i["rollup"]["average_progress"].is_null()).count();
    assert!(nulls > 0);
    assert_eq!(behind.matches("<td>sin datos</td>").count(), nulls, "one 'sin datos' per untracked institution shown");
});

read_only_bundled!(the_three_journalist_questions_are_answered_one_click_from_home, |app| {
    let home = app.text("/").replace("&#38;", "&amp;");
    let links = hrefs(&home);
    // "Which institutions are furthest behind on the 6th plan?"
    let behind = "/instituciones?plan=gt-ogp-nap6&sort=average_progress";
    assert!(links.iter().any(|l| l == behind), "home links {behind}");
    let page = app.text(behind);
    let api = app.json("/v1/institutions?plan=gt-ogp-nap6&sort=average_progress&limit=3");
    let first = api["data"][0]["name"].as_str().unwrap();
    let pos = |s: &str| page.find(&format!(">{s}</a>")).unwrap_or_else(|| panic!("{s} on the page"));
    assert!(pos(first) < pos(api["data"][2]["name"].as_str().unwrap()), "furthest behind first");
    assert!(page.contains(&format!("<td>{}</td>", api["data"][0]["rollup"]["average_progress"])), "its average");
    // "Where does reported progress disagree with the evidence?"
    let disagree = "/hallazgos?kind=reported_vs_computed_progress,progress_without_evidence";
    assert!(links.iter().any(|l| l == disagree), "home links {disagree}");
    let page = app.text(disagree);
    let api = app.json("/v1/quality-findings?kind=reported_vs_computed_progress,progress_without_evidence&limit=1");
    assert!(page.contains(&format!("<strong>{}</strong>", api["total"])));
    // What the kinds mean, only the kinds asked for.
    let meaning = gagt::publication::labels::value("progress_without_evidence").unwrap();
    assert!(page.contains(&format!("<dd>{}</dd>", meaning.help_es)));
    assert!(!page.contains(&gagt::publication::labels::value("update_burst").unwrap().help_es));
    // "What was reported in March 2025?": every month with updates is a link.
    let march = "/avances?reported_from=2025-03-01&reported_to=2025-03-31";
    assert!(links.iter().any(|l| l == march), "home links {march}");
    assert!(home.contains(&format!("<a href=\"{}\">marzo de 2025</a>", march.replace('&', "&amp;"))));
    let page = app.text(march);
    let api = app.json("/v1/progress-updates?reported_from=2025-03-01&reported_to=2025-03-31&limit=1");
    assert!(api["total"].as_i64().unwrap() > 0);
    assert!(page.contains(&format!("<strong>{}</strong>", api["total"])));
    assert!(home.contains(&format!("marzo de 2025</a> <span class=\"count\">{}</span>", api["total"])));
    // February has 28 days.
    assert!(links.iter().any(|l| l == "/avances?reported_from=2025-02-01&reported_to=2025-02-28"));
    let en = app.text("/en/").replace("&#38;", "&amp;");
    assert!(en.contains(">What was reported in May 2025?</a>") || en.contains("What was reported in"), "English");
});

read_only_bundled!(each_source_line_lists_the_records_taken_from_it, |app| {
    // Commitment 1 of the 6th plan starts on a line of document 002.
    let c1 = app.json("/v1/commitments/gt-ogp-nap6-c1");
    let loc = c1["source"]["location"].as_str().unwrap();
    let line: i64 =
        loc.trim_start_matches("lines ").trim_start_matches("line ").split('-').next().unwrap().parse().unwrap();
    let doc = app.json(&format!("/v1/source-documents/002?lines={line}-{line}"));
    let records = doc["lines"][0]["records"].as_array().unwrap();
    assert!(
        records.iter().any(|r| r["record_type"] == "commitment"
            && r["id"] == "gt-ogp-nap6-c1"
            && r["url"] == "/v1/commitments/gt-ogp-nap6-c1"),
        "{records:?}"
    );
    // Every record with a page is listed once, on its first line.
    let all = app.json("/v1/source-documents/002?lines=1-555");
    let listed: Vec<(String, String)> = all["lines"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["records"].as_array().unwrap().iter())
        .map(|r| (r["record_type"].as_str().unwrap().to_string(), r["id"].as_str().unwrap().to_string()))
        .collect();
    let milestones = app.json("/v1/milestones?plan=gt-ogp-nap6&limit=200")["total"].as_i64().unwrap() as usize;
    assert_eq!(listed.iter().filter(|(t, _)| t == "milestone").count(), milestones);
    // The page shows them beside the line, linked to their pages.
    let page = app.text("/fuentes/002");
    let li = &page[page.find(&format!("<li id=\"L{line}\"")).unwrap()..];
    let li = &li[..li.find("</li>").unwrap()];
    assert!(li.contains("<a href=\"/compromisos/gt-ogp-nap6-c1\">compromiso gt-ogp-nap6-c1</a>"), "{li}");
    let en = app.text("/en/sources/002");
    assert!(en.contains("<a href=\"/en/commitments/gt-ogp-nap6-c1\">commitment gt-ogp-nap6-c1</a>"));
});

read_only_bundled!(plans_and_institutions_have_charts_of_their_figures, |app| {
    // Reported against computed progress, per commitment of a plan that has them.
    let page = app.text("/planes/gt-ogp-nap6");
    let gap = "/planes/gt-ogp-nap6/reportado-vs-calculado.svg";
    assert!(page.contains(&format!("<img src=\"{gap}\"")), "the plan page shows its chart");
    let res = app.get(gap);
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml; charset=utf-8");
    let svg = res.text().unwrap();
    let labelled: Vec<&str> = svg.split("Compromiso ").skip(1).map(|s| s.split(['<', '\n']).next().unwrap()).collect();
    let commitments = app.json("/v1/commitments?plan=gt-ogp-nap6&limit=100");
    let numbers: Vec<&str> =
        commitments["data"].as_array().unwrap().iter().map(|k| k["number"].as_str().unwrap()).collect();
    assert_eq!(labelled, numbers, "one row per commitment, in order");
    assert!(svg.contains("reportado por la fuente") && svg.contains("calculado de sus hitos"));
    let en = app.get("/en/plans/gt-ogp-nap6/reported-vs-computed.svg").text().unwrap();
    assert!(en.contains("Commitment 1") && en.contains("reported by the source"));
    // A plan whose source publishes no progress has no such chart.
    let plans = app.json("/v1/plans?limit=100");
    let untracked = plans["data"].as_array().unwrap().iter().find(|p| p["tracks_progress"] == false).unwrap();
    let id = untracked["id"].as_str().unwrap();
    let commitments = app.json(&format!("/v1/commitments?plan={id}&limit=100"));
    if commitments["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["reported_progress"].is_null() && k["computed_progress"].is_null())
    {
        assert!(!app.text(&format!("/planes/{id}")).contains("reportado-vs-calculado.svg"), "{id}");
    }
    // An institution's milestones by status, per plan where it is responsible for some.
    let sesan = app.json("/v1/institutions/sesan");
    assert!(sesan["rollup"]["milestones"].as_i64().unwrap() > 0);
    let page = app.text("/instituciones/sesan");
    assert!(page.contains("<img src=\"/instituciones/sesan/cumplimiento.svg\""));
    let svg = app.text("/instituciones/sesan/cumplimiento.svg");
    assert!(svg.contains("gt-ogp-nap6") && svg.contains("completados") && svg.contains("no iniciados"));
    assert!(app.text("/en/institutions/sesan/scorecard.svg").contains("not started"));
    // None where it is responsible for no milestone.
    let page = app.text("/instituciones/accion-ciudadana");
    assert!(!page.contains("cumplimiento.svg"));
    // A commitment without dated percentages says so instead of drawing an empty axis.
    let svg = app.text("/compromisos/gt-nna-migrantes-plan-accion-r1/avance.svg");
    assert!(svg.contains("Sin datos") && !svg.contains("1970"), "no data, said");
    assert_eq!(app.get("/planes/no-such-plan/reportado-vs-calculado.svg").status(), 404);
    // Every chart also as PNG, linked beside its SVG: the SVG's size, rasterised.
    for (page, png) in [
        ("/planes/gt-ogp-nap6", "/planes/gt-ogp-nap6/reportado-vs-calculado.png"),
        ("/en/institutions/sesan", "/en/institutions/sesan/scorecard.png"),
        ("/hitos/gt-ogp-nap6-c1-m2", "/hitos/gt-ogp-nap6-c1-m2/avance.png"),
        ("/en/commitments/gt-ogp-nap6-c1", "/en/commitments/gt-ogp-nap6-c1/progress.png"),
    ] {
        assert!(app.text(page).contains(&format!("<a href=\"{png}\" download>PNG</a>")), "{page} links {png}");
        let res = app.get(png);
        assert_eq!(res.status(), 200, "{png}");
        assert_eq!(res.headers()["content-type"], "image/png");
        let bytes = res.bytes().unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{png}");
        let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        assert_eq!(width, 800, "{png}");
        // Not a blank image: a chart has many colours' worth of bytes.
        assert!(bytes.len() > 5_000, "{png}: {} bytes", bytes.len());
    }
    assert_eq!(app.get("/hitos/no-such-milestone/avance.png").status(), 404);
});

read_only!(every_api_record_carries_the_url_of_its_page, |app| {
    for (api, es, _) in PAGES {
        let list = app.json(&format!("/v1/{api}?limit=3"));
        for r in list["data"].as_array().unwrap() {
            let id = r["id"].as_str().unwrap();
            let url = r["html_url"].as_str().unwrap_or_else(|| panic!("{api}: no html_url"));
            assert_eq!(url, format!("{es}/{}", urlencode(id)), "{api}");
            let page = app.get(url);
            assert_eq!(page.status(), 200, "{url}");
            assert!(page.text().unwrap().contains("<h1>"), "{url}");
        }
    }
    // Whole records inside a detail carry theirs too (brief references carry ids).
    let commitments = app.json("/v1/commitments?limit=1");
    let k = app.json(&format!("/v1/commitments/{}", commitments["data"][0]["id"].as_str().unwrap()));
    assert!(!k["milestones"].as_array().unwrap().is_empty());
    for m in k["milestones"].as_array().unwrap() {
        assert_eq!(m["html_url"], format!("/hitos/{}", urlencode(m["id"].as_str().unwrap())));
    }
    let plans = app.json("/v1/plans?limit=1");
    // The record's page does not list its own address as a field.
    let url = plans["data"][0]["html_url"].as_str().unwrap();
    assert!(!app.text(url).contains("html_url"));
});

/// Text as askama writes it into a page (with `&#38;` read as `&amp;`, as the
/// tests above read pages).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}
