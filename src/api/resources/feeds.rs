//! Atom feeds: new progress updates (all, or per plan, institution or
//! commitment), and new dataset revisions with their diff files.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use atom_syndication::{Category, Entry, Feed, FixedDateTime, Link, Person, Text};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::http::error::{ApiError, Problem};
use crate::api::http::query::{names_of, QueryArgs};
use crate::api::http::state::AppState;
use crate::api::resources::changes::DiffFiles;
use crate::models::list::Page;
use crate::models::progress_update::{ProgressUpdateFilter, ProgressUpdateSort};
use crate::models::{self};
use crate::percent::format_hundredths;

/// Which updates the feed follows.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Only this plan id (unknown: 404).
    plan: Option<String>,
    /// Only milestones this institution has a role in: its id, name, acronym or any alias. Unknown: 404.
    institution: Option<String>,
    /// Only this commitment id.
    commitment: Option<String>,
    /// Number of entries, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<Entries>,
}

/// How many entries a feed holds: 1 to 200.
struct Entries(i64);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.parse::<i64>() {
            Ok(n) if (1..=200).contains(&n) => Ok(Entries(n)),
            _ => Err(serde::de::Error::custom("must be an integer from 1 to 200")),
        }
    }
}

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(names_of::<FeedParams>);

/// The platform publishes local Guatemala time (UTC-6, no daylight saving).
const GUATEMALA: &str = "-06:00";

#[utoipa::path(
    tag = "downloads",
    operation_id = "progress_updates_feed",
    summary = "Atom feed of the newest progress updates",
    params(FeedParams),
    responses(
        (status = 200, description = "Atom 1.0 feed, newest first", content_type = "application/atom+xml", body = String),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`plan`, `commitment` or `institution` names no record (the problem names the parameter)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/progress-updates.atom")]
pub async fn progress_updates(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?;
    let p: FeedParams = crate::api::http::params::from_query(&args)?;
    let limit = p.limit.map(|l| l.0).unwrap_or(50);
    let scope: Vec<String> =
        ["plan", "institution", "commitment"].iter().filter_map(|k| args.str(k).map(|v| format!("{k} {v}"))).collect();
    let page = Page { sort: ProgressUpdateSort::ReportedAt, desc: true, after: None, limit };
    let names = state.names.clone();
    let (rows, milestones) = state
        .db(move |c| {
            let filter = ProgressUpdateFilter {
                plan: super::references::plan(c, p.plan)?,
                commitment: super::references::commitment(c, p.commitment)?,
                institution: super::references::institution(c, &names, p.institution)?,
                ..Default::default()
            };
            let (mut rows, _) = models::progress_update::list(c, &filter, &page)?
                .map_err(|_| crate::api::http::pagination::bad_cursor())?;
            rows.truncate(limit as usize);
            let ids: Vec<String> = rows.iter().map(|r| r.milestone_id.clone()).collect();
            let ms: HashMap<String, String> =
                models::milestone::by_ids(c, &ids)?.into_iter().map(|m| (m.id, m.description)).collect();
            Ok((rows, ms))
        })
        .await?;
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let self_url = match req.query_string() {
        "" => format!("{base}{}", req.path()),
        q => format!("{base}{}?{q}", req.path()),
    };
    let local = |at: &str| {
        FixedDateTime::parse_from_rfc3339(&format!("{at}{GUATEMALA}"))
            .map_err(|e| ApiError::Internal(format!("reported_at `{at}`: {e}")))
    };
    let updated = match rows.first() {
        Some(r) => local(&r.reported_at)?,
        None => state
            .served_revision()
            .and_then(|r| FixedDateTime::parse_from_rfc3339(&r.created_at).ok())
            .unwrap_or_default(),
    };
    let title = if scope.is_empty() {
        "Avances — Gobierno Abierto Guatemala".to_string()
    } else {
        format!("Avances ({}) — Gobierno Abierto Guatemala", scope.join(", "))
    };
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        let url = format!("{base}/v1/progress-updates/{}", r.id);
        let pct = r.percent.map(|p| format!("{}% — ", format_hundredths(p))).unwrap_or_default();
        let milestone = milestones.get(&r.milestone_id).map(|d| crate::text::shorten(d, 90)).unwrap_or_default();
        // Readers open the first alternate: the update's page, for people.
        let page =
            crate::api::pages::record_path(crate::api::pages::Lang::Es, "progress-updates", &r.id).unwrap_or_default();
        entries.push(Entry {
            id: url.clone(),
            title: Text::plain(format!("{pct}{milestone}")),
            updated: local(&r.reported_at)?,
            links: vec![
                link(format!("{base}{page}"), "alternate", "text/html"),
                link(url, "alternate", "application/json"),
            ],
            categories: vec![Category { term: r.plan_id.clone(), ..Default::default() }],
            summary: Some(Text::plain(r.description.clone())),
            ..Default::default()
        });
    }
    let subtitle = "Avances reportados en los planes de acción de gobierno abierto de Guatemala. Horas publicadas por la plataforma (hora de Guatemala).";
    atom(&state, self_url, title, subtitle, updated, entries)
}

fn link(href: String, rel: &str, media: &str) -> Link {
    Link { href, rel: rel.into(), mime_type: Some(media.into()), ..Default::default() }
}

/// A feed of these entries, as an Atom response.
fn atom(
    state: &AppState,
    self_url: String,
    title: String,
    subtitle: &str,
    updated: FixedDateTime,
    entries: Vec<Entry>,
) -> Result<HttpResponse, ApiError> {
    let base = state.config.public_url.trim_end_matches('/');
    let feed = Feed {
        id: self_url.clone(),
        title: Text::plain(title),
        subtitle: Some(Text::plain(subtitle)),
        updated,
        authors: vec![Person { name: "Gobierno Abierto Guatemala — datos abiertos".into(), ..Default::default() }],
        links: vec![link(self_url, "self", "application/atom+xml"), link(format!("{base}/"), "alternate", "text/html")],
        rights: Some(Text::plain(state.config.license_name.clone())),
        lang: Some("es".into()),
        entries,
        ..Default::default()
    };
    // The crate writes the XML declaration itself (UTF-8 by default).
    let mut xml = Vec::with_capacity(4096 + feed.entries.len() * 1024);
    feed.write_to(&mut xml).map_err(|e| ApiError::Internal(format!("Atom: {e}")))?;
    xml.push(b'\n');
    Ok(HttpResponse::Ok().content_type("application/atom+xml; charset=utf-8").body(xml))
}

/// How many revisions the revisions feed lists.
const REVISIONS_SHOWN: i64 = 50;

#[utoipa::path(
    tag = "downloads",
    operation_id = "revisions_feed",
    summary = "Atom feed of the newest dataset revisions, each with its changes and diff files",
    responses(
        (status = 200, description = "Atom 1.0 feed, newest first: one entry per revision, linking its changes \
            (`/v1/changes`) and, as enclosures, its diff files from the previous revision (NDJSON and CSV) while \
            they are kept", content_type = "application/atom+xml", body = String),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/revisions.atom")]
pub async fn revisions(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    QueryArgs::parse(&req, &[])?;
    let rows = state.db(|c| Ok(models::revision::newest(c, REVISIONS_SHOWN)?)).await?;
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let time = |at: &str| {
        FixedDateTime::parse_from_rfc3339(at).map_err(|e| ApiError::Internal(format!("revision time `{at}`: {e}")))
    };
    let mut entries = Vec::with_capacity(rows.len());
    for r in &rows {
        let changes = format!("{base}/v1/changes?since={}&until={}", r.id - 1, r.id);
        let mut links = vec![link(changes.clone(), "alternate", "application/json")];
        let manifest = crate::snapshot::manifest(&state.config, r.id);
        let summary = match manifest.as_ref().and_then(|m| Some((m, DiffFiles::of(m)?))) {
            Some((m, d)) => {
                for f in m.diff_files() {
                    let url = format!("{base}/v1/downloads/r{}/{}", r.id, f.name);
                    links.push(Link { length: Some(f.bytes.to_string()), ..link(url, "enclosure", &f.media_type) });
                }
                format!(
                    "{} registros creados, actualizados o eliminados respecto de la revisión {}; los campos que \
                     cambiaron, con su valor anterior y el nuevo, en CSV y NDJSON.",
                    d.changes, d.from_revision
                )
            }
            None if r.id == 1 => "La primera revisión publicada.".into(),
            None => "Sin archivos de diferencias: los archivos de la revisión anterior no estaban disponibles \
                para compararlos, o esta revisión ya no se conserva; los registros cambiados están en /v1/changes."
                .into(),
        };
        entries.push(Entry {
            id: changes,
            title: Text::plain(format!("Revisión {} ({})", r.id, &r.created_at[..r.created_at.len().min(10)])),
            updated: time(&r.created_at)?,
            links,
            summary: Some(Text::plain(summary)),
            ..Default::default()
        });
    }
    let updated = match rows.first() {
        Some(r) => time(&r.created_at)?,
        None => FixedDateTime::default(),
    };
    let subtitle = "Cada importación que cambia los datos publica una revisión; cada entrada enlaza sus cambios \
        y los archivos de diferencias respecto de la anterior.";
    let title = "Revisiones — Gobierno Abierto Guatemala".to_string();
    atom(&state, format!("{base}{}", req.path()), title, subtitle, updated, entries)
}
