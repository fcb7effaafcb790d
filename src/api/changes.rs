//! `/v1/changes`: what each import created, updated and deleted, so a
//! mirror stays exact without downloading everything again.

use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, Problem};
use super::pagination::{self, ListPage};
use super::query::{names_of, QueryArgs};
use super::state::AppState;
use crate::import::write::RECORD_TYPES;
use crate::models::change::{self, ChangeFilter};
use crate::models::list::SortValue;

/// Which revisions to compare.
// Read by `QueryArgs`, not by serde: the struct documents the parameters
// and its field names are the list of accepted ones.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// Changes made after this revision (0: everything since the first import).
    #[param(minimum = 0)]
    since: i32,
    /// Up to and including this revision (default: the current one).
    #[param(minimum = 0)]
    until: Option<i32>,
    /// Only this record type: plan, commitment, milestone, progress_update, institution, institution_role,
    /// institution_alias, plan_section, plan_participant, plan_risk, quality_finding or source_document.
    #[param(
        rename = "type",
        pattern = "^(plan|commitment|milestone|progress_update|institution|institution_role|institution_alias|\
                   plan_section|plan_participant|plan_risk|quality_finding|source_document)$"
    )]
    r#type: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    cursor: Option<String>,
    /// json (default) or csv; also `Accept: text/csv` or a `.csv` suffix.
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
    /// With CSV: `1` starts the file with a UTF-8 byte-order mark so that Excel opens accents correctly.
    #[param(pattern = "^(0|1|true|false)$")]
    bom: Option<String>,
}

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(names_of::<ChangeParams>);

/// One record created, updated or deleted by an import.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({"revision": 2, "type": "progress_update", "id": "gt-ogp-nap6-c1-m2-u8",
    "change": "updated", "url": "/v1/progress-updates/gt-ogp-nap6-c1-m2-u8"}))]
pub struct Change {
    /// The revision that made the change.
    pub revision: i32,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// created, updated or deleted.
    pub change: String,
    /// Where the record is now (null when deleted or not served on its own).
    pub url: Option<String>,
}

pub const CSV_HEADERS: &[&str] = &["revision", "type", "id", "change", "url"];

#[utoipa::path(
    tag = "downloads",
    operation_id = "list_changes",
    summary = "Records created, updated and deleted since a revision (incremental sync)",
    params(ChangeParams),
    responses(
        (status = 200, description = "Changes in the order they were made", content(
            (ListPage<Change> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Missing or invalid parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?;
    let format = super::format::negotiate(&req, &args)?;
    let since =
        args.int("since", 0, i32::MAX as i64)?
            .ok_or_else(|| ApiError::bad("since", "is required: a revision number (0 for everything)"))? as i32;
    let until = args.int("until", 0, i32::MAX as i64)?.map(|u| u as i32);
    let types: Vec<&str> = RECORD_TYPES.iter().map(|(_, t)| *t).collect();
    let filter = ChangeFilter { since, until, record_type: args.one_of("type", &types)? };
    let limit = args.limit()?;
    let after = match pagination::decode_cursor("seq", &args)? {
        Some((SortValue::Int(s), _)) => Some(s),
        Some(_) => return Err(ApiError::bad("cursor", "is not a cursor issued for this list")),
        None => None,
    };
    let (mut rows, total) = state.db(move |c| Ok(change::list(c, &filter, after, limit)?)).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| pagination::encode_cursor("seq", &args, SortValue::Int(r.seq), String::new()))
    } else {
        None
    };
    let data: Vec<Change> = rows
        .iter()
        .map(|r| Change {
            revision: r.revision,
            kind: r.record_type.clone(),
            id: r.record_id.clone(),
            change: r.change.clone(),
            url: if r.change == "deleted" { None } else { crate::views::record_url(&r.record_type, &r.record_id) },
        })
        .collect();
    pagination::respond(&req, &args, format, "changes", data, total, next, |d| super::format::csv_body(CSV_HEADERS, d))
}
