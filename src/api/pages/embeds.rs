//! Cards for newsrooms: a small page per commitment, milestone and
//! institution (progress bar or "sin datos", the latest update, a link back,
//! the license) that any site may frame (only these routes), and the oEmbed
//! endpoint that hands out the `<iframe>` for a page's URL.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{encode, error_page, names_of, Lang};
use crate::api::http::error::ApiError;
use crate::api::http::state::AppState;
use crate::models;
use crate::models::list::Page;
use crate::models::progress_update::{ProgressUpdateFilter, ProgressUpdateSort};
use crate::percent::format_hundredths;

/// The collections that have cards.
const EMBEDDABLE: &[&str] = &["commitments", "milestones", "institutions"];

/// A card's size, for the oEmbed answer and the `<iframe>`.
const WIDTH: u32 = 420;
const HEIGHT: u32 = 230;

/// Cards may be framed by any site; they load nothing but their own styles.
const CARD_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors *";

#[derive(Template)]
#[template(path = "card.html")]
struct Card {
    lang: Lang,
    kind: &'static str,
    title: String,
    href: String,
    /// Progress in %, as text, and the bar's width; none: no data.
    progress: Option<(String, i64)>,
    progress_label: &'static str,
    latest: Option<(String, String)>,
    license: String,
    site: &'static str,
}

fn card_path(lang: Lang, api_path: &str, id: &str) -> Option<String> {
    let names = names_of(api_path)?;
    Some(format!("{}/{}/{}", names.path(lang), encode(id), lang.pick("tarjeta", "card")))
}

/// The latest update (date, text) of a milestone or of a commitment's milestones.
fn latest(c: &mut crate::db::DbConnection, filter: ProgressUpdateFilter) -> Result<Option<(String, String)>, ApiError> {
    let page = Page { sort: ProgressUpdateSort::ReportedAt, desc: true, after: None, limit: 1 };
    let (rows, _) = models::progress_update::list(c, &filter, &page)?
        .map_err(|_| ApiError::Internal("the latest update".into()))?;
    Ok(rows.into_iter().next().map(|u| {
        let pct = u.percent.map(|p| format!("{} % — ", format_hundredths(p))).unwrap_or_default();
        (u.reported_at.chars().take(10).collect(), format!("{pct}{}", crate::text::shorten(&u.description, 140)))
    }))
}

async fn card(
    lang: Lang,
    api_path: &'static str,
    id: String,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = id.clone();
    let (kind, title, progress, progress_label, latest) = state
        .db(move |c| {
            Ok(match api_path {
                "commitments" => {
                    let k =
                        models::commitment::find(c, &key)?.ok_or_else(|| ApiError::not_found("commitment", &key))?;
                    let filter = ProgressUpdateFilter { commitment: Some(k.id.clone()), ..Default::default() };
                    let label = lang.pick("avance reportado", "reported progress");
                    (lang.pick("Compromiso", "Commitment"), k.title, k.reported_progress, label, latest(c, filter)?)
                }
                "milestones" => {
                    let m = models::milestone::find(c, &key)?.ok_or_else(|| ApiError::not_found("milestone", &key))?;
                    let filter = ProgressUpdateFilter { milestone: Some(m.id.clone()), ..Default::default() };
                    let label = lang.pick("último avance", "latest progress");
                    (lang.pick("Hito", "Milestone"), m.description, m.latest_progress, label, latest(c, filter)?)
                }
                _ => {
                    let i =
                        models::institution::find(c, &key)?.ok_or_else(|| ApiError::not_found("institution", &key))?;
                    let label = lang.pick("avance medio de sus hitos", "mean progress of its milestones");
                    (lang.pick("Institución", "Institution"), i.name, i.average_progress, label, None)
                }
            })
        })
        .await?;
    let base = state.config.public_url.trim_end_matches('/');
    let page = Card {
        lang,
        kind,
        title: crate::text::shorten(&title, 150),
        href: format!("{base}{}", super::record_path(lang, api_path, &id).unwrap_or_default()),
        // "No data" is never drawn as 0 %.
        progress: progress.map(|h| (format_hundredths(h), (h / 100).clamp(0, 100) as i64)),
        progress_label,
        latest,
        license: state.config.license_name.clone(),
        site: lang.text().site_name,
    };
    let body = page.render().map_err(|e| ApiError::Internal(format!("template: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CARD_CSP))
        .body(body))
}

/// `/oembed?url=…`: what an oEmbed consumer needs to embed a page's card.
#[derive(Deserialize)]
struct OembedQuery {
    url: Option<String>,
    format: Option<String>,
    maxwidth: Option<u32>,
    maxheight: Option<u32>,
}

pub async fn oembed(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let query = web::Query::<OembedQuery>::from_query(req.query_string());
    let bad = |status: StatusCode, detail: &str| {
        HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(detail.to_string())
    };
    let Ok(q) = query else { return bad(StatusCode::BAD_REQUEST, "url: the address of a page with a card") };
    if q.format.as_deref().is_some_and(|f| f != "json") {
        return bad(StatusCode::NOT_IMPLEMENTED, "format: only json");
    }
    let Some(url) = q.url.as_deref() else { return bad(StatusCode::BAD_REQUEST, "url is required") };
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let path = url.strip_prefix(&base).unwrap_or(url);
    let path = url::Url::parse(&format!("http://x{}", if path.starts_with('/') { path } else { "/" }))
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    let Some((lang, api_path, id)) = embeddable(&path) else {
        return bad(
            StatusCode::NOT_FOUND,
            "no card for this address: commitments, milestones and institutions have one",
        );
    };
    let card = format!("{base}{}", card_path(lang, api_path, &id).unwrap_or_default());
    let width = q.maxwidth.map_or(WIDTH, |w| w.clamp(240, WIDTH));
    let height = q.maxheight.map_or(HEIGHT, |h| h.clamp(160, HEIGHT));
    let title = format!("{} — {}", names_of(api_path).map(|n| n.title(lang)).unwrap_or_default(), id);
    let html = format!(
        "<iframe src=\"{}\" width=\"{width}\" height=\"{height}\" style=\"border:0\" title=\"{}\" loading=\"lazy\"></iframe>",
        card.replace('"', "%22"),
        title.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;")
    );
    HttpResponse::Ok().json(serde_json::json!({
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": lang.text().site_name,
        "provider_url": format!("{base}/"),
        "html": html,
        "width": width,
        "height": height,
    }))
}

/// The language, collection and id of a record page's path that has a card.
fn embeddable(path: &str) -> Option<(Lang, &'static str, String)> {
    let (lang, rest) = match path.strip_prefix("/en/") {
        Some(rest) => (Lang::En, rest),
        None => (Lang::Es, path.strip_prefix('/')?),
    };
    let (slug, id) = rest.split_once('/')?;
    let id = id.split('/').next().filter(|i| !i.is_empty())?;
    let api_path = EMBEDDABLE.iter().copied().find(|p| names_of(p).is_some_and(|n| lang.pick(n.es, n.en) == slug))?;
    let id = url::form_urlencoded::parse(format!("i={id}").as_bytes()).next()?.1.into_owned();
    Some((lang, api_path, id))
}

/// The oEmbed discovery link of a record page, when it has a card.
pub fn discovery(lang: Lang, api_path: &str, id: &str, base: &str) -> Option<String> {
    EMBEDDABLE.contains(&api_path).then(|| {
        let page =
            format!("{}{}", base.trim_end_matches('/'), super::record_path(lang, api_path, id).unwrap_or_default());
        format!("/oembed?url={}&format=json", encode(&page))
    })
}

/// The card routes, in both languages, and the oEmbed endpoint.
pub fn routes(config: &mut web::ServiceConfig) {
    for lang in [Lang::Es, Lang::En] {
        for api_path in EMBEDDABLE {
            let Some(names) = names_of(api_path) else { continue };
            config.route(
                &format!("{}/{{id}}/{}", names.path(lang), lang.pick("tarjeta", "card")),
                web::get().to(move |req: HttpRequest, id: web::Path<String>, state: web::Data<AppState>| async move {
                    card(lang, api_path, id.into_inner(), state).await.unwrap_or_else(|e| error_page(lang, &req, e))
                }),
            );
        }
    }
    config.route("/oembed", web::get().to(oembed));
}

/// Every card path, for the list of known paths (405 on other methods).
pub fn patterns() -> Vec<String> {
    let mut out = vec!["/oembed".to_string()];
    for lang in [Lang::Es, Lang::En] {
        for api_path in EMBEDDABLE {
            if let Some(n) = names_of(api_path) {
                out.push(format!("{}/{{id}}/{}", n.path(lang), lang.pick("tarjeta", "card")));
            }
        }
    }
    out
}
