//! Liveness and readiness probes for orchestrators and load balancers.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::http::error::{ApiError, Problem};
use crate::api::http::state::AppState;
use crate::{models, snapshot};

/// Probe result.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ready", "revision": 1}))]
pub struct Health {
    /// `ok` (alive), `ready` (database reachable, data loaded, everything
    /// served) or `degraded` (ready, but some part is not served as it
    /// should be: see `degraded`).
    pub status: String,
    /// Dataset revision being served (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i32>,
    /// What cannot be served as it should, one sentence each (only when
    /// `status` is `degraded`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub degraded: Vec<String>,
    /// Records of this revision whose JSON detail is prepared, so that an
    /// item read the first time is one key lookup (readiness only; absent
    /// while they are being written, after a new revision, or when the
    /// server prepares none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepared_items: Option<u64>,
}

#[utoipa::path(
    tag = "meta",
    operation_id = "healthz",
    summary = "Liveness: the process answers",
    responses((status = 200, description = "Alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into(), revision: None, degraded: vec![], prepared_items: None })
}

#[utoipa::path(
    tag = "meta",
    operation_id = "readyz",
    summary = "Readiness: the database answers and holds a dataset revision",
    description = "200 when the API can answer: `ready`, or `degraded` with a list of what is not served as it \
        should be (the current revision's download files not written, say, while the previous revision's stay \
        downloadable). The data API serves then, so a load balancer keeps the instance; monitoring should alert on \
        `degraded`.",
    responses(
        (status = 200, description = "Ready, or degraded (see `degraded`)", body = Health),
        (status = 503, description = "Database unreachable or empty", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rev = state.db(|c| Ok(models::revision::current(c)?)).await?;
    let Some(r) = rev else { return Err(ApiError::Unavailable("no dataset revision imported yet".into())) };
    let degraded: Vec<String> = downloads_missing(&state, r.id).into_iter().collect();
    let status = if degraded.is_empty() { "ready" } else { "degraded" };
    let prepared_items = state.prepared.status().filter(|p| p.revision == r.id).map(|p| p.records);
    Ok(HttpResponse::Ok().json(Health { status: status.into(), revision: Some(r.id), degraded, prepared_items }))
}

/// Why the downloads are not those of revision `current`, if they are not.
fn downloads_missing(state: &AppState, current: i32) -> Option<String> {
    let config = &state.config;
    if snapshot::manifest_path(config, current).is_some() {
        return None;
    }
    Some(match snapshot::available(config).first() {
        Some(n) => format!(
            "downloads: the files of revision {current} are not written (yet); /v1/downloads serves those of \
             revision {n}"
        ),
        None => format!(
            "downloads: no revision's files are written (revision {current}'s are not); /v1/downloads answers 503"
        ),
    })
}
