//! `GET /v1`: what the dataset is, its revision, counts and where to go next.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::http::error::{ApiError, Problem};
use crate::api::http::negotiate::{self as format, Format};
use crate::api::http::negotiate::{Representation, RepresentationParams, REPRESENTATION};
use crate::api::http::query::QueryArgs;
use crate::api::http::state::AppState;
use crate::models;
use crate::views::plan::SourceDocument;

/// The dataset revision being served.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Revision {
    /// Increases by one with every import that changes the content.
    pub number: i32,
    /// When it was imported (UTC, RFC 3339).
    pub created_at: String,
    /// SHA-256 of the canonical dataset files.
    pub content_hash: String,
}

/// Rows per collection.
#[derive(Serialize, ToSchema, Clone, Debug, Default)]
pub struct Counts {
    pub plans: i64,
    pub commitments: i64,
    pub milestones: i64,
    pub progress_updates: i64,
    pub institutions: i64,
}

/// Where to find things.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct IndexLinks {
    pub plans: String,
    pub commitments: String,
    pub milestones: String,
    pub progress_updates: String,
    pub institutions: String,
    pub quality_findings: String,
    pub source_documents: String,
    pub downloads: String,
    pub changes: String,
    pub feed: String,
    /// Atom feed of new revisions, with their diff files.
    pub revisions_feed: String,
    pub search: String,
    pub openapi: String,
    pub docs: String,
}

/// The API index.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({
    "name": "Gobierno Abierto Guatemala — datos abiertos",
    "description": "Planes de acción, compromisos, hitos, instituciones y avances.",
    "revision": {"number": 1, "created_at": "2026-11-21T19:00:00Z", "content_hash": "3f5a…"},
    "counts": {"plans": 4, "commitments": 40, "milestones": 90, "progress_updates": 120, "institutions": 60},
    "source_documents": [],
    "links": {"plans": "/v1/plans", "commitments": "/v1/commitments", "milestones": "/v1/milestones",
        "progress_updates": "/v1/progress-updates", "institutions": "/v1/institutions",
        "quality_findings": "/v1/quality-findings", "source_documents": "/v1/source-documents", "downloads": "/v1/downloads", "changes": "/v1/changes?since=0",
        "feed": "/v1/feeds/progress-updates.atom", "revisions_feed": "/v1/feeds/revisions.atom", "search": "/v1/search?q=", "openapi": "/v1/openapi.json", "docs": "/docs/"},
    "license": "CC BY 4.0", "license_url": "https://creativecommons.org/licenses/by/4.0/",
    "citation": "Gobierno Abierto Guatemala — datos abiertos, revisión 1 (2026-11-21). https://datos.example.gt. Licencia CC BY 4.0."
}))]
pub struct Index {
    pub name: String,
    pub description: String,
    /// Null until the first import.
    pub revision: Option<Revision>,
    pub counts: Counts,
    pub source_documents: Vec<SourceDocument>,
    /// The data license.
    pub license: String,
    pub license_url: String,
    /// How to cite this revision.
    pub citation: Option<String>,
    pub links: IndexLinks,
}

#[derive(Serialize)]
struct IndexCsv {
    revision: Option<i32>,
    revision_created_at: Option<String>,
    content_hash: Option<String>,
    plans: i64,
    commitments: i64,
    milestones: i64,
    progress_updates: i64,
    institutions: i64,
}

#[utoipa::path(
    tag = "meta",
    operation_id = "get_index",
    summary = "API index: dataset revision, counts and links",
    params(RepresentationParams),
    responses(
        (status = 200, description = "The index", content((Index = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept, or `format=xlsx` (the index is JSON or CSV)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub async fn index(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &REPRESENTATION)?;
    let repr = Representation::of(&req, &args)?;
    let (revision, counts, docs) = state
        .db(|c| {
            let rev = models::revision::current(c)?;
            let docs = models::source_document::all(c)?;
            Ok((rev, models::revision::counts(c)?, docs))
        })
        .await?;
    let index_revision = revision.as_ref().map(|r| r.id).unwrap_or(0);
    let citation = state.served_revision().map(|r| crate::snapshot::citation(&state.config, &r));
    let index = Index {
        license: state.config.license_name.clone(),
        license_url: state.config.license_url.clone(),
        citation,
        name: "Gobierno Abierto Guatemala — datos abiertos".into(),
        description: "Planes de acción de gobierno abierto de Guatemala: compromisos, hitos, instituciones \
            responsables y el historial completo de avances reportados. / Guatemala's open-government action \
            plans: commitments, milestones, responsible institutions and the full history of reported progress."
            .into(),
        revision: revision.map(|r| Revision { number: r.id, created_at: r.created_at, content_hash: r.content_hash }),
        counts: Counts {
            plans: counts.0,
            commitments: counts.1,
            milestones: counts.2,
            progress_updates: counts.3,
            institutions: counts.4,
        },
        source_documents: docs.iter().map(SourceDocument::from).collect(),
        links: IndexLinks {
            plans: "/v1/plans".into(),
            commitments: "/v1/commitments".into(),
            milestones: "/v1/milestones".into(),
            progress_updates: "/v1/progress-updates".into(),
            institutions: "/v1/institutions".into(),
            quality_findings: "/v1/quality-findings".into(),
            source_documents: "/v1/source-documents".into(),
            downloads: "/v1/downloads".into(),
            changes: format!("/v1/changes?since={}", index_revision.saturating_sub(1)),
            feed: "/v1/feeds/progress-updates.atom".into(),
            revisions_feed: "/v1/feeds/revisions.atom".into(),
            search: "/v1/search?q=".into(),
            openapi: "/v1/openapi.json".into(),
            docs: "/docs/".into(),
        },
    };
    Ok(match repr.format {
        Format::Json => format::json(&index),
        Format::Xlsx => return Err(format::not_a_spreadsheet()),
        Format::Csv => {
            let headers = &[
                "revision",
                "revision_created_at",
                "content_hash",
                "plans",
                "commitments",
                "milestones",
                "progress_updates",
                "institutions",
            ];
            let row = IndexCsv {
                revision: index.revision.as_ref().map(|r| r.number),
                revision_created_at: index.revision.as_ref().map(|r| r.created_at.clone()),
                content_hash: index.revision.as_ref().map(|r| r.content_hash.clone()),
                plans: index.counts.plans,
                commitments: index.counts.commitments,
                milestones: index.counts.milestones,
                progress_updates: index.counts.progress_updates,
                institutions: index.counts.institutions,
            };
            repr.csv("index", headers, &[row])?
        }
    })
}
