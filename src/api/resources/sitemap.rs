//! `robots.txt` and `sitemap.xml` for search engines: a sitemap index, one
//! sitemap of the home and collection pages, and one per stretch of
//! [`PER_FILE`] records of each collection (every record's page in both
//! languages, within the protocol's 50,000 URLs per file).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::api::http::error::ApiError;
use crate::api::http::state::AppState;
use crate::api::pages::{record_path, Lang, COLLECTIONS};
use crate::models::sitemap;

/// Records per sitemap file (two URLs each).
pub const PER_FILE: i64 = 25_000;

#[derive(Template)]
#[template(path = "sitemap-index.xml")]
struct Index {
    sitemaps: Vec<String>,
}

#[derive(Template)]
#[template(path = "sitemap.xml")]
struct Urls {
    urls: Vec<String>,
}

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("application/xml; charset=utf-8").body(body)
}

fn render(t: &impl Template) -> Result<HttpResponse, ApiError> {
    t.render().map(xml).map_err(|e| ApiError::Internal(format!("template: {e}")))
}

pub async fn robots(state: web::Data<AppState>) -> HttpResponse {
    let base = state.config.public_url.trim_end_matches('/');
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        // Pages past the first of a list are reached by cursors: crawling
        // them would only repeat records that have pages of their own.
        .body(format!("User-agent: *\nAllow: /\nDisallow: /*cursor=\nSitemap: {base}/sitemap.xml\n"))
}

/// `/sitemap.xml`: the index of the sitemaps.
pub async fn index(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let counts = state
        .db(|c| {
            COLLECTIONS
                .iter()
                .map(|(path, _)| Ok((*path, sitemap::count(c, path)?)))
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    let mut sitemaps = vec![format!("{base}/sitemaps/pages.xml")];
    for (path, n) in counts {
        for k in 0..(n + PER_FILE - 1) / PER_FILE {
            sitemaps.push(format!("{base}/sitemaps/{path}-{}.xml", k + 1));
        }
    }
    render(&Index { sitemaps })
}

/// `/sitemaps/{name}.xml`: the home and list pages, or a stretch of a
/// collection's records (`commitments-1`).
pub async fn part(state: web::Data<AppState>, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let name = name.into_inner();
    let name = name.strip_suffix(".xml").unwrap_or(&name).to_string();
    let absolute = |p: String| format!("{base}{p}");
    if name == "pages" {
        let mut urls = vec![absolute("/".into()), absolute("/en/".into())];
        for (_, names) in COLLECTIONS {
            urls.extend([Lang::Es, Lang::En].map(|l| absolute(names.path(l))));
        }
        return render(&Urls { urls });
    }
    let missing = || ApiError::NotFound(format!("no sitemap `{name}.xml`; see /sitemap.xml"));
    let (path, k) = name.rsplit_once('-').ok_or_else(missing)?;
    let (path, k) = (
        COLLECTIONS.iter().map(|(p, _)| *p).find(|p| *p == path).ok_or_else(missing)?,
        k.parse::<i64>().ok().filter(|k| *k >= 1).ok_or_else(missing)?,
    );
    let ids = state.db(move |c| Ok(sitemap::ids(c, path, (k - 1) * PER_FILE, PER_FILE)?)).await?;
    if ids.is_empty() {
        return Err(missing());
    }
    let urls = ids
        .iter()
        .flat_map(|id| [Lang::Es, Lang::En].map(|l| record_path(l, path, id).map(&absolute)))
        .flatten()
        .collect();
    render(&Urls { urls })
}
