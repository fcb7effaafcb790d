//! `/v1/changes`: what each import created, updated and deleted, so a
//! mirror stays exact without downloading everything again; and the diff
//! files of those revisions, with the changed fields' old and new values.

use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::http::error::{ApiError, Problem};
use crate::api::http::negotiate::{Format, Representation, RepresentationParams};
use crate::api::http::pagination::{self, ListPage, Position};
use crate::api::http::params::{self, Limit};
use crate::api::http::query::DEFAULT_LIMIT;
use crate::api::http::query::{names_of, QueryArgs};
use crate::api::http::spreadsheet::{self, Described};
use crate::api::http::state::AppState;
use crate::import::versions::RECORD_TYPES;
use crate::models::change::{self, ChangeFilter};
use crate::models::list::SortValue;
use crate::snapshot::{self, Manifest};

/// Which revisions to compare.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// Changes made after this revision (0: everything since the first import).
    #[param(value_type = i32, minimum = 0)]
    since: Option<Revision>,
    /// Up to and including this revision (default: the current one).
    #[param(value_type = Option<i32>, minimum = 0)]
    until: Option<Revision>,
    /// Only this record type: plan, commitment, milestone, progress_update, institution, institution_role,
    /// institution_alias, plan_section, plan_participant, plan_risk, quality_finding or source_document.
    #[param(
        rename = "type",
        pattern = "^(plan|commitment|milestone|progress_update|institution|institution_role|institution_alias|\
                   plan_section|plan_participant|plan_risk|quality_finding|source_document)$"
    )]
    #[serde(rename = "type")]
    r#type: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<Limit>,
    /// Opaque cursor from the previous page's `next_cursor`.
    cursor: Option<String>,
}

/// A revision number, 0 or more.
struct Revision(i32);

impl<'de> Deserialize<'de> for Revision {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        match v.parse::<i32>() {
            Ok(n) if n >= 0 => Ok(Revision(n)),
            _ => Err(serde::de::Error::custom(format!("must be an integer from 0 to {}", i32::MAX))),
        }
    }
}

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut names = names_of::<ChangeParams>();
    names.extend(names_of::<RepresentationParams>());
    names
});

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

/// A revision's changes from the previous one as files, field by field
/// (`/v1/downloads` lists them with their sizes and checksums).
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(example = json!({"revision": 2, "from_revision": 1, "changes": 14,
    "ndjson": "/v1/downloads/r2/gobierno-abierto-guatemala-diff-r2.ndjson",
    "csv": "/v1/downloads/r2/gobierno-abierto-guatemala-diff-r2.csv"}))]
pub struct DiffFiles {
    pub revision: i32,
    /// The revision compared with: the one before.
    pub from_revision: i32,
    /// Records created, updated or deleted, over every published table.
    pub changes: usize,
    /// One JSON object per changed record (table, key, change, old and new values).
    pub ndjson: String,
    /// One row per changed field (table, key, change, field, old and new value), for spreadsheets.
    pub csv: String,
}

impl DiffFiles {
    /// The diff files a revision's manifest lists, if it has them.
    pub fn of(m: &Manifest) -> Option<DiffFiles> {
        let files = m.diff_files();
        let url = |format: &str| {
            let f = files.iter().find(|f| f.format == format)?;
            Some((format!("/v1/downloads/r{}/{}", m.revision, f.name), f))
        };
        let ((ndjson, nd), (csv, _)) = (url("diff-ndjson")?, url("diff-csv")?);
        Some(DiffFiles {
            revision: m.revision,
            from_revision: nd.from_revision?,
            changes: nd.rows.unwrap_or_default(),
            ndjson,
            csv,
        })
    }
}

/// A page of changes, with the diff files of its revisions.
#[derive(Serialize, ToSchema)]
pub struct ChangesPage {
    #[serde(flatten)]
    pub page: ListPage<Change>,
    /// The diff files of the revisions asked for (after `since`, up to `until`) that are still kept on disk
    /// (the newest few; see `/v1/downloads`), oldest first: the same changes with every changed field's old
    /// and new value. A revision without them (the first, or one whose previous files were gone) is left out.
    pub diffs: Vec<DiffFiles>,
}

#[utoipa::path(
    tag = "downloads",
    operation_id = "list_changes",
    summary = "Records created, updated and deleted since a revision (incremental sync)",
    params(ChangeParams, RepresentationParams),
    responses(
        (status = 200, description = "Changes in the order they were made", content(
            (ChangesPage = "application/json"), (String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, description = "Missing or invalid parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?.with_cursor_key(&state.cursor_key()?);
    let repr = Representation::of(&req, &args)?;
    let p: ChangeParams = params::from_query(&args)?;
    let since = p.since.ok_or_else(|| ApiError::bad("since", "is required: a revision number (0 for everything)"))?.0;
    let types: Vec<&str> = RECORD_TYPES.iter().map(|(_, t)| *t).collect();
    let filter =
        ChangeFilter { since, until: p.until.map(|u| u.0), record_type: params::one_of("type", p.r#type, &types)? };
    let limit = p.limit.map(|l| l.0).unwrap_or(DEFAULT_LIMIT);
    let after = match pagination::decode("seq", &args, p.cursor.as_deref())? {
        Some((SortValue::Int(s), _)) => Some(s),
        Some(_) => return Err(ApiError::bad("cursor", "is not a cursor issued for this list")),
        None => None,
    };
    let (since, until) = (filter.since, filter.until);
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
    let position = Position::new(&req, &args, repr, total, limit, next);
    Ok(match repr.format {
        Format::Json => {
            let until = until.or(state.served_revision().map(|r| r.number)).unwrap_or(0);
            let diffs = diffs(&state.config, since, until);
            position.stamp(crate::api::http::negotiate::json(&ChangesPage { page: position.page(data), diffs }))
        }
        Format::Csv => position.stamp(repr.csv("changes", CSV_HEADERS, data)?),
        Format::Xlsx => {
            let what =
                Described::list("record_changes", "changes", "cambios", &req, &state.config, CSV_HEADERS, repr.spanish);
            position.stamp(spreadsheet::respond(&state, what, "changes", data).await?)
        }
    })
}

/// The diff files of revisions after `since` up to `until` still on disk, oldest first.
fn diffs(config: &crate::config::Config, since: i32, until: i32) -> Vec<DiffFiles> {
    let mut out: Vec<DiffFiles> = snapshot::available(config)
        .into_iter()
        .filter(|n| *n > since && *n <= until)
        .filter_map(|n| DiffFiles::of(&snapshot::manifest(config, n)?))
        .collect();
    out.reverse();
    out
}
