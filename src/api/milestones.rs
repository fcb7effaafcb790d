//! `/v1/milestones`: milestones (hitos, acciones, metas).

use std::sync::LazyLock;

use actix_web::{get, web, HttpRequest, HttpResponse};
use utoipa::IntoParams;

use super::error::{ApiError, Problem};
use super::format::{self, negotiate, Format};
use super::pagination::{self, ListPage};
use super::query::{names_of, QueryArgs};
use super::state::AppState;
use super::stream;
use super::{assemble, bad_cursor, item_id, ItemParams, ITEM_PARAMS, ROLES, STATUSES};
use crate::models::{self, milestone::MilestoneFilter, milestone::MilestoneSort};
use crate::views::milestone::{self as view, Milestone, MilestoneDetail};

/// Filters, sorting and paging for milestones.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
// Read by `QueryArgs`, not by serde: the struct documents the parameters
// and its field names are the list of accepted ones.
#[allow(dead_code)]
pub struct MilestoneListParams {
    /// Plan id (unknown: 404).
    plan: Option<String>,
    /// Commitment id.
    commitment: Option<String>,
    /// Only milestones where this institution has a role (any but `mentioned`, unless `role` says): its id, name, acronym or any alias
    /// the sources use (accents and case ignored). Unknown: 404.
    institution: Option<String>,
    /// The role `institution` plays: responsible, participating, involved, partner or mentioned
    /// (named in the text). Needs `institution` (400 without it).
    role: Option<String>,
    /// not_started, started, completed or no_data (the source publishes no progress).
    status: Option<String>,
    /// Minimum latest progress %, e.g. 12.5.
    progress_min: Option<f64>,
    /// Maximum latest progress %.
    progress_max: Option<f64>,
    /// Normalised start date on or after this day (YYYY-MM-DD).
    start_from: Option<String>,
    /// Normalised start date on or before this day (YYYY-MM-DD).
    start_to: Option<String>,
    /// Normalised end date on or after this day (YYYY-MM-DD).
    end_from: Option<String>,
    /// Normalised end date on or before this day (YYYY-MM-DD).
    end_to: Option<String>,
    /// Words that must all appear, each as the start of a word of the record (accents and case ignored).
    q: Option<String>,
    /// Only records created or changed at or after this time: `YYYY-MM-DD` or RFC 3339 (see also /v1/changes).
    updated_since: Option<String>,
    /// position (default: source order), id, start_date, end_date, latest_progress; prefix `-` for descending; empty values last.
    sort: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    cursor: Option<String>,
    /// With CSV: `1` returns every matching row in one streamed response (no paging; leave out `limit` and `cursor`).
    all: Option<bool>,
    /// json (default) or csv; also `Accept: text/csv` or a `.csv` suffix.
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
    /// With CSV: `1` starts the file with a UTF-8 byte-order mark so that Excel opens accents correctly.
    #[param(pattern = "^(0|1|true|false)$")]
    bom: Option<String>,
}

static PARAMS: LazyLock<Vec<String>> = LazyLock::new(names_of::<MilestoneListParams>);

#[utoipa::path(
    tag = "milestones",
    operation_id = "list_milestones",
    summary = "List milestones",
    params(MilestoneListParams),
    responses(
        (status = 200, description = "A page of milestones; in CSV, dates flatten into raw/date/precision columns", content(
            (ListPage<Milestone> = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`plan`, `commitment` or `institution` names no record (the problem names the parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/milestones")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &PARAMS)?;
    let format = negotiate(&req, &args)?;
    let refs = super::references::check(&state, &args, true).await?;
    let filter = MilestoneFilter {
        updated_since: args.timestamp("updated_since")?,
        plan: refs.plan.clone(),
        commitment: refs.commitment.clone(),
        institution: refs.institution.clone(),
        role: args.one_of("role", ROLES)?,
        status: args.one_of("status", STATUSES)?,
        progress_min: args.percent("progress_min")?,
        progress_max: args.percent("progress_max")?,
        start_from: args.date("start_from")?,
        start_to: args.date("start_to")?,
        end_from: args.date("end_from")?,
        end_to: args.date("end_to")?,
        terms: args.terms()?,
    };
    let (page, label) = pagination::page(&args, MilestoneSort::FIELDS)?;
    if args.all(format)? {
        return stream::csv(
            &state,
            &args,
            "milestones",
            view::CSV_HEADERS,
            page,
            move |c, page| {
                let mut rows = models::milestone::rows(c, &filter, page)?.map_err(|_| bad_cursor())?;
                let next = stream::split_last(&mut rows, page.limit, |r| (page.sort.value(r), r.id.clone()));
                Ok((assemble::milestones(c, &rows)?, next))
            },
            |records, w| stream::write(w, records.iter().map(view::csv_row)),
        )
        .await;
    }
    let (sort, limit) = (page.sort, page.limit);
    let a = args.clone();
    let (data, total, next) = state
        .db(move |c| {
            let (rows, total) = models::milestone::list(c, &filter, &page)?.map_err(|_| bad_cursor())?;
            let (rows, next) = pagination::finish(rows, limit, &label, &a, |r| (sort.value(r), r.id.clone()));
            Ok((assemble::milestones(c, &rows)?, total, next))
        })
        .await?;
    pagination::respond(&req, &args, format, "milestones", data, total, next, |d| {
        format::csv_body(view::CSV_HEADERS, d.iter().map(view::csv_row))
    })
}

#[utoipa::path(
    tag = "milestones",
    operation_id = "get_milestone",
    summary = "One milestone with its full progress history",
    params(("id" = String, Path, description = "Milestone id; append `.csv` for CSV"), ItemParams),
    responses(
        (status = 200, description = "The milestone; CSV has its one row", content(
            (MilestoneDetail = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such milestone", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Removed by a later revision: the problem gives `removed_in_revision`", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "Unsupported Accept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/milestones/{id}")]
pub async fn get(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let args = QueryArgs::parse(&req, &ITEM_PARAMS)?;
    let format = negotiate(&req, &args)?;
    let id = item_id(id.into_inner());
    let detail = state
        .db(move |c| {
            let row =
                models::milestone::find(c, &id)?.ok_or_else(|| ApiError::missing(c, "milestone", "milestone", &id))?;
            let milestone = assemble::milestones(c, std::slice::from_ref(&row))?.remove(0);
            let updates = models::progress_update::for_milestone(c, &id)?;
            Ok(MilestoneDetail { milestone, progress_updates: assemble::progress_updates(c, &updates)? })
        })
        .await?;
    Ok(match format {
        Format::Json => format::json(&detail),
        Format::Csv => {
            format::csv(&detail.milestone.id, format::csv_body(view::CSV_HEADERS, &[view::csv_row(&detail.milestone)])?)
        }
    })
}
