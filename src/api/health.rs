//! Liveness and readiness probes for orchestrators and load balancers.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::state::AppState;
use crate::models;

/// Probe result.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ready", "revision": 1}))]
pub struct Health {
    /// `ok` (alive) or `ready` (database reachable, data loaded).
    pub status: String,
    /// Dataset revision being served (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i32>,
}

#[utoipa::path(
    tag = "meta",
    operation_id = "healthz",
    summary = "Liveness: the process answers",
    responses((status = 200, description = "Alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into(), revision: None })
}

#[utoipa::path(
    tag = "meta",
    operation_id = "readyz",
    summary = "Readiness: the database answers and holds a dataset revision",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Database unreachable or empty", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rev = state.db(|c| Ok(models::revision::current(c)?)).await?;
    match rev {
        Some(r) => Ok(HttpResponse::Ok().json(Health { status: "ready".into(), revision: Some(r.id) })),
        None => Err(ApiError::Unavailable("no dataset revision imported yet".into())),
    }
}
