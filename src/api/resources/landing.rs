//! The home page, in Spanish (`/`) and English (`/en/`): what the data is,
//! each plan with its progress ("sin datos" where the source publishes
//! none), the collections to browse, downloads with sizes and checksums,
//! how to cite, the data dictionary, and schema.org JSON-LD for dataset
//! search engines. No JavaScript.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde_json::json;

use super::downloads;
use crate::api::http::error::ApiError;
use crate::api::http::state::AppState;
use crate::api::pages::{self, Frame, Lang, COLLECTIONS};
use crate::models;
use crate::models::list::Page;
use crate::percent::format_hundredths;
use crate::snapshot::{self, dictionary};

/// Progress updates on the home page, newest first.
const LATEST: i64 = 5;

/// Plans listed on the home page (in source order); `/planes` has them all.
const PLANS_SHOWN: usize = 25;

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} kB", b as f64 / (1 << 10) as f64),
        b => format!("{b} B"),
    }
}

struct PlanLine {
    href: String,
    title: String,
    kind: String,
    commitments: i32,
    updates: i32,
    /// Share of milestones completed, when the source tracks progress.
    done: Option<i32>,
    completed: i32,
    milestones: i32,
    /// The mean progress of tracked milestones, and over how many.
    mean: Option<(String, i32)>,
    /// Why no bar: the source publishes no progress (or no milestones).
    no_data: Option<&'static str>,
    csv: String,
    /// The plan's workbook in the snapshot.
    xlsx: Option<String>,
}

struct FileLink {
    href: String,
    label: String,
    size: String,
    sha256: String,
}

struct TableFiles {
    table: &'static str,
    rows: i64,
    /// CSV for Excel, CSV, JSON, NDJSON, Parquet.
    files: [Option<FileLink>; 5],
}

struct DictionaryTable {
    table: &'static str,
    columns: Vec<(String, &'static str, String)>,
}

/// One of the newest progress updates.
struct Update {
    href: String,
    reported_at: String,
    percent: Option<String>,
    milestone: String,
    description: String,
}

/// How many findings of one kind, what the kind means, and where they are listed.
struct FindingKind {
    label: String,
    meaning: String,
    count: i64,
    href: String,
}

/// A question a journalist asks, and the page that answers it.
struct Question {
    text: String,
    note: &'static str,
    href: String,
}

/// A month's updates: its name, how many, and the table of them.
struct Month {
    label: String,
    count: i64,
    href: String,
}

/// The months shown on the home page (the newest with updates).
const MONTHS_SHOWN: usize = 12;

struct Browse {
    href: String,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    frame: Frame,
    json_ld: String,
    revision: Option<(i32, String)>,
    license: (String, String),
    citation: Option<String>,
    plans: Vec<PlanLine>,
    /// All plans, when the home page lists only the first ones: (count, link).
    more_plans: Option<(usize, String)>,
    browse: Vec<Browse>,
    search: String,
    updates: Vec<Update>,
    findings: Vec<FindingKind>,
    findings_href: String,
    questions: Vec<Question>,
    months: Vec<Month>,
    tables: Vec<TableFiles>,
    everything: Vec<FileLink>,
    downloads_ready: bool,
    dictionary: Vec<DictionaryTable>,
}

pub async fn es(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    page(Lang::Es, &req, state).await.unwrap_or_else(|e| pages::error_page(Lang::Es, &req, e))
}

pub async fn en(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    page(Lang::En, &req, state).await.unwrap_or_else(|e| pages::error_page(Lang::En, &req, e))
}

async fn page(lang: Lang, _req: &HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (plans, newest, milestones, by_kind, months) = state
        .db(|c| {
            use crate::models::progress_update::{ProgressUpdateFilter, ProgressUpdateSort};
            let page = Page { sort: ProgressUpdateSort::ReportedAt, desc: true, after: None, limit: LATEST };
            let (mut newest, _) = models::progress_update::list(c, &ProgressUpdateFilter::default(), &page)?
                .map_err(|_| ApiError::Internal("the newest updates".into()))?;
            newest.truncate(LATEST as usize);
            let ids: Vec<String> = newest.iter().map(|r| r.milestone_id.clone()).collect();
            let milestones: std::collections::HashMap<String, String> =
                models::milestone::by_ids(c, &ids)?.into_iter().map(|m| (m.id, m.description)).collect();
            let by_kind = models::quality_finding::facets(c, &Default::default())?
                .into_iter()
                .find(|(name, _)| *name == "kind")
                .map(|(_, values)| values)
                .unwrap_or_default();
            let months = models::progress_update::months(c)?;
            Ok((models::plan::list_all(c)?, newest, milestones, by_kind, months))
        })
        .await?;
    let findings_page = pages::names_of("quality-findings").map(|n| n.path(lang)).unwrap_or_default();
    let updates = newest
        .iter()
        .map(|u| Update {
            href: pages::record_path(lang, "progress-updates", &u.id).unwrap_or_default(),
            reported_at: u.reported_at.replace('T', " "),
            percent: u.percent.map(format_hundredths),
            milestone: milestones.get(&u.milestone_id).map(|d| crate::text::shorten(d, 120)).unwrap_or_default(),
            description: crate::text::shorten(&u.description, 200),
        })
        .collect();
    let findings = by_kind
        .into_iter()
        .map(|(kind, count)| {
            let label = crate::publication::labels::value(&kind);
            FindingKind {
                href: format!("{findings_page}?kind={}", pages::encode(&kind)),
                label: label.map(|l| lang.pick(&l.es, &l.en).to_string()).unwrap_or_else(|| kind.clone()),
                meaning: label.map(|l| lang.pick(&l.help_es, &l.help_en).to_string()).unwrap_or_default(),
                count,
            }
        })
        .collect();
    let updates_page = pages::names_of("progress-updates").map(|n| n.path(lang)).unwrap_or_default();
    let months: Vec<Month> = months
        .into_iter()
        .filter_map(|(month, count)| {
            let (label, from, to) = pages::month(lang, &month)?;
            Some(Month { label, count, href: format!("{updates_page}?reported_from={from}&reported_to={to}") })
        })
        .take(MONTHS_SHOWN)
        .collect();
    let institutions_page = pages::names_of("institutions").map(|n| n.path(lang)).unwrap_or_default();
    let mut questions: Vec<Question> = plans
        .iter()
        .filter(|p| p.tracks_progress && p.milestone_count > 0)
        .take(3)
        .map(|p| Question {
            text: format!(
                "{}{}{}",
                lang.text().q_behind.0,
                if p.short_name.is_empty() { &p.title } else { &p.short_name },
                lang.text().q_behind.1
            ),
            note: lang.text().q_behind_note,
            href: format!("{institutions_page}?plan={}&sort=average_progress", pages::encode(&p.id)),
        })
        .collect();
    questions.push(Question {
        text: lang.text().q_disagree.into(),
        note: lang.text().q_disagree_note,
        href: format!("{findings_page}?kind=reported_vs_computed_progress,progress_without_evidence"),
    });
    if let Some(m) = months.first() {
        questions.push(Question {
            text: format!("{}{}{}", lang.text().q_month.0, m.label, lang.text().q_month.1),
            note: "",
            href: m.href.clone(),
        });
    }
    let d = downloads::current(&state).ok();
    let config = &state.config;
    let base = config.public_url.trim_end_matches('/');
    let t = lang.text();
    let mut frame = Frame::new(lang, base, t.site_name, t.site_description, "/".into(), "/en/".into(), None);
    frame.title = t.home.into();
    frame.alternates = ["/v1/feeds/progress-updates.atom", "/v1/feeds/revisions.atom"]
        .map(|href| pages::Alternate { media: "application/atom+xml", href: href.into() })
        .into();
    let plans_total = plans.len();
    let plans = plans
        .iter()
        .take(PLANS_SHOWN)
        .map(|p| {
            // "No data" is never shown as 0 %.
            let no_data = if !p.tracks_progress {
                Some(t.no_progress_published)
            } else if p.milestone_count == 0 {
                Some(t.no_milestones)
            } else {
                None
            };
            PlanLine {
                href: pages::record_path(lang, "plans", &p.id).unwrap_or_default(),
                title: p.title.clone(),
                kind: pages::shown_value(lang, "kind", p.kind.as_str()).into_owned(),
                commitments: p.commitment_count,
                updates: p.progress_update_count,
                done: no_data.is_none().then(|| p.milestones_completed * 100 / p.milestone_count.max(1)),
                completed: p.milestones_completed,
                milestones: p.milestone_count,
                mean: match (p.computed_progress, p.computed_progress_milestones) {
                    (Some(m), Some(n)) if no_data.is_none() => Some((format_hundredths(m), n)),
                    _ => None,
                },
                no_data,
                csv: format!(
                    "/v1/commitments.csv?plan={}&bom=1{}",
                    pages::encode(&p.id),
                    if lang == pages::Lang::Es { "&lang=es" } else { "" }
                ),
                xlsx: d.as_ref().and_then(|d| {
                    d.files.iter().find(|f| f.file.plan.as_deref() == Some(p.id.as_str())).map(|f| f.url.clone())
                }),
            }
        })
        .collect();
    let link = |f: &downloads::Download, label: String| FileLink {
        href: f.url.clone(),
        label,
        size: size(f.file.bytes),
        sha256: f.file.sha256.clone(),
    };
    let (mut tables, mut everything) = (Vec::new(), Vec::new());
    if let Some(d) = &d {
        for table in snapshot::TABLES {
            let get =
                |fmt: &str| d.files.iter().find(|f| f.file.table.as_deref() == Some(table) && f.file.format == fmt);
            tables.push(TableFiles {
                table,
                rows: get("csv").and_then(|f| f.file.rows).unwrap_or(0) as i64,
                files: [
                    get("csv-excel").map(|f| link(f, t.csv_for_excel.into())),
                    get("csv").map(|f| link(f, "CSV".into())),
                    get("json").map(|f| link(f, "JSON".into())),
                    get("ndjson").map(|f| link(f, "NDJSON".into())),
                    get("parquet").map(|f| link(f, "Parquet".into())),
                ],
            });
        }
        everything = d
            .files
            .iter()
            .filter(|f| f.file.table.is_none() && f.file.plan.is_none())
            .map(|f| link(f, f.url.rsplit('/').next().unwrap_or_default().to_string()))
            .collect();
    }
    let dictionary = snapshot::TABLES
        .iter()
        .map(|table| DictionaryTable {
            table,
            columns: dictionary::public(table)
                .into_iter()
                .map(|c| {
                    let words = match lang {
                        Lang::Es => c.description_es.clone(),
                        Lang::En => c.description_en.clone(),
                    };
                    (c.column.clone(), c.kind.as_str(), words)
                })
                .collect(),
        })
        .collect();
    let json_ld = d.as_ref().map(|d| json_ld(base, config, d)).unwrap_or_default();
    let home = Home {
        frame,
        json_ld,
        revision: d.as_ref().map(|d| (d.revision, d.created_at.chars().take(10).collect())),
        license: (config.license_name.clone(), config.license_url.clone()),
        citation: d.as_ref().map(|d| d.citation.clone()),
        plans,
        more_plans: (plans_total > PLANS_SHOWN)
            .then(|| (plans_total, pages::names_of("plans").map(|n| n.path(lang)).unwrap_or_default())),
        browse: COLLECTIONS.iter().map(|(_, n)| Browse { href: n.path(lang), label: n.title(lang) }).collect(),
        search: pages::SEARCH.path(lang),
        updates,
        findings,
        findings_href: findings_page,
        questions,
        months,
        tables,
        everything,
        downloads_ready: d.is_some(),
        dictionary,
    };
    pages::html(StatusCode::OK, &home)
}

/// schema.org `Dataset` with its distributions, as a `<script>` body (every
/// `<` escaped, so it cannot end the element).
fn json_ld(base: &str, config: &crate::config::Config, d: &downloads::Downloads) -> String {
    // The whole dataset's files (a plan's workbook is a part of it).
    let distribution: Vec<serde_json::Value> = d
        .files
        .iter()
        .filter(|f| f.file.plan.is_none())
        .map(|f| {
            json!({"@type": "DataDownload", "name": f.file.name, "encodingFormat": f.file.media_type,
                "contentUrl": format!("{base}{}", f.url), "contentSize": f.file.bytes,
                "description": format!("sha256 {}", f.file.sha256)})
        })
        .collect();
    let ld = json!({
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": "Gobierno Abierto Guatemala — planes de acción, compromisos, hitos y avances",
        "description": "Planes de acción de gobierno abierto de Guatemala con sus compromisos, hitos, instituciones responsables, el historial completo de avances reportados y hallazgos de calidad de datos. Guatemala's open-government action plans with commitments, milestones, responsible institutions, the full history of reported progress and data-quality findings.",
        "url": format!("{base}/"),
        "sameAs": format!("{base}/v1"),
        "version": format!("r{}", d.revision),
        "dateModified": d.created_at,
        "license": config.license_url,
        "isAccessibleForFree": true,
        "inLanguage": ["es", "en"],
        "keywords": ["gobierno abierto", "open government", "Guatemala", "OGP", "rendición de cuentas"],
        "spatialCoverage": {"@type": "Place", "name": "Guatemala"},
        "creator": {"@type": "Organization", "name": "Gobierno Abierto Guatemala — datos abiertos", "url": format!("{base}/")},
        "citation": d.citation,
        "variableMeasured": ["reported_progress", "computed_progress", "percent", "status"],
        "distribution": distribution,
    });
    serde_json::to_string(&ld).unwrap_or_default().replace('<', "\\u003c")
}
