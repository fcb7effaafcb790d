//! The landing page in a real browser (Debian's chromium, headless) and the
//! Atom feeds' structure. `.ci/run` installs chromium; Python's feedparser,
//! frictionless, pandas and openpyxl check the same URLs in `.ci/check-clients.py`.

use std::path::PathBuf;
use std::process::Command;

use crate::helpers::{assert_problem, shared_bundled, Backend};
use crate::read_only;

fn chromium(args: &[&str]) -> std::process::Output {
    let bin = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let profile = tempfile::tempdir().unwrap();
    Command::new(&bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs Debian's chromium (`apt-get install chromium`; .ci/run does it): {bin}: {e}")
        })
}

#[test]
fn landing_page_renders_in_chromium_and_every_internal_link_resolves() {
    let app = shared_bundled(Backend::Sqlite);
    let url = app.url("/");
    let out = chromium(&["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(dom.contains("Gobierno Abierto Guatemala — datos abiertos"), "chromium rendered: {dom:.300}");
    assert!(dom.contains("6º Plan de Acción Nacional de Gobierno Abierto 2023-2025"));
    assert!(dom.contains("Diccionario de datos"));
    // One file per test process: two suites at once must not share it.
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("landing-{}.png", std::process::id()));
    let _ = std::fs::remove_file(&shot);
    chromium(&["--window-size=1280,2000", &format!("--screenshot={}", shot.display()), &url]);
    let png = std::fs::read(&shot).expect("chromium wrote a screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "screenshot at {}", shot.display());
    // Every link on the page resolves (internal ones; the license link leaves the machine).
    let html = app.text("/");
    let hrefs: Vec<String> =
        html.split("href=\"").skip(1).map(|s| s[..s.find('"').unwrap()].replace("&amp;", "&")).collect();
    assert!(hrefs.len() > 60);
    for href in hrefs.iter().filter(|h| h.starts_with('/')) {
        assert_eq!(app.get(href).status(), 200, "link {href}");
    }
    for href in hrefs.iter().filter(|h| h.starts_with('#')) {
        assert!(html.contains(&format!("id=\"{}\"", &href[1..])), "anchor {href}");
    }
    // Two clicks from / to an Excel-ready CSV.
    let excel = hrefs.iter().find(|h| h.ends_with("/commitments-excel.csv")).expect("Excel CSV link on /");
    assert!(app.get(excel).bytes().unwrap().starts_with(b"\xEF\xBB\xBFid,"));
    // schema.org Dataset for dataset search engines.
    let start = html.find("<script type=\"application/ld+json\">").unwrap() + 35;
    let end = start + html[start..].find("</script>").unwrap();
    let ld: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(ld["@type"], "Dataset");
    assert_eq!(ld["license"], "https://creativecommons.org/licenses/by/4.0/");
    assert!(ld["citation"].as_str().unwrap().contains("revisión 1"));
    let dist = ld["distribution"].as_array().unwrap();
    assert!(dist.iter().all(|d| d["@type"] == "DataDownload" && d["contentUrl"].is_string()));
    let res = app.get("/");
    assert!(res.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
}

read_only!(atom_feeds_list_the_newest_updates_per_scope, |app| {
    for (path, entries) in [
        ("/v1/feeds/progress-updates.atom", 10),
        ("/v1/feeds/progress-updates.atom?plan=gt-ogp-nap6", 10),
        ("/v1/feeds/progress-updates.atom?institution=cnc", 2),
        ("/v1/feeds/progress-updates.atom?commitment=gt-ogp-nap6-c1&limit=3", 3),
        ("/v1/feeds/progress-updates.atom?plan=gt-ogp-nap4", 0),
    ] {
        let res = app.get(path);
        assert_eq!(res.headers()["content-type"], "application/atom+xml; charset=utf-8");
        let xml = res.text().unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"es\">")
        );
        assert_eq!(xml.matches("<entry>").count(), entries, "{path}");
        assert_eq!(xml.matches("<entry>").count(), xml.matches("</entry>").count());
        for required in ["<id>", "<title>", "<updated>", "<author>", "rel=\"self\""] {
            assert!(xml.contains(required), "{path} lacks {required}");
        }
    }
    let xml = app.text("/v1/feeds/progress-updates.atom");
    let first = xml.find("<updated>2025-05-22T17:33:50-06:00</updated>").unwrap();
    let second = xml.find("<updated>2025-03-05T03:09:11-06:00</updated>").unwrap();
    assert!(first < second, "newest first");
    assert!(xml.contains("<title>12.5% — Fortalecimiento del acceso a la información pública"));
    assert_problem(app.get("/v1/feeds/progress-updates.atom?limit=0"), 400);
});
